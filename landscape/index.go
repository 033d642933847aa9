package landscape

import (
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Paths name a value in the file: keys joined by dots, list items as [i],
// keys that would be ambiguous quoted in brackets: idp.users[0].groups[1],
// accounts[0].roles[0].inline_policies["a.b"].

func joinKey(path, key string) string {
	if key == "" || strings.ContainsAny(key, ".[]\"' \t\n\r") {
		return path + "[" + strconv.Quote(key) + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

func joinIndex(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

type position struct{ line, column int }

// index maps paths to positions in the file, and positions back to paths.
type index struct {
	pos    map[string]position // where to report a problem at a path
	keys   map[int][]keyEntry  // mapping keys by line
	values map[int][]valueEntry
	// nullItems are the paths of empty (null) list items outside policies.
	nullItems []string
}

type keyEntry struct {
	key    string
	column int
	path   string // path of the value the key introduces
}

type valueEntry struct {
	node *yaml.Node
	path string
}

func buildIndex(root *yaml.Node) *index {
	ix := &index{pos: map[string]position{}, keys: map[int][]keyEntry{}, values: map[int][]valueEntry{}}
	ix.walkNode(root, "", nil)
	return ix
}

// walkNode records n at path. key is the mapping key that introduces n, if
// any. Aliases are not followed: their content is indexed where the anchor
// is.
func (ix *index) walkNode(n *yaml.Node, path string, key *yaml.Node) {
	if n.Kind == yaml.DocumentNode {
		for _, c := range n.Content {
			ix.walkNode(c, path, nil)
		}
		return
	}
	at := position{n.Line, n.Column}
	// A block collection starts on the line after its key; report it at
	// the key, where the reader looks.
	if key != nil && (n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode) && n.Style&yaml.FlowStyle == 0 {
		at = position{key.Line, key.Column}
	}
	if _, ok := ix.pos[path]; !ok {
		ix.pos[path] = at
	}
	ix.values[n.Line] = append(ix.values[n.Line], valueEntry{n, path})
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				continue
			}
			child := joinKey(path, k.Value)
			ix.keys[k.Line] = append(ix.keys[k.Line], keyEntry{k.Value, k.Column, child})
			ix.walkNode(v, child, k)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			item := joinIndex(path, i)
			// yaml.v3 silently drops null items from lists of structs
			// and strings; note them to report them.
			if c.Kind == yaml.ScalarNode && c.ShortTag() == "!!null" {
				if _, typed := typeAtPath(item); typed {
					ix.nullItems = append(ix.nullItems, item)
				}
			}
			ix.walkNode(c, item, nil)
		}
	}
}

// has reports whether the file spells out the value at path.
func (ix *index) has(path string) bool {
	_, ok := ix.pos[path]
	return ok
}

// locate returns the position of path, or of its nearest ancestor present
// in the file (a missing key is reported where its mapping is).
func (ix *index) locate(path string) position {
	for {
		if p, ok := ix.pos[path]; ok {
			return p
		}
		if path == "" {
			return position{}
		}
		path = parentPath(path)
	}
}

// parentPath strips the last key or index from path.
func parentPath(path string) string {
	if strings.HasSuffix(path, "]") {
		// Find the '[' that opens the last bracket, skipping a quoted key.
		if strings.HasSuffix(path, "\"]") {
			for i := len(path) - 3; i >= 1; i-- {
				if path[i] == '"' && path[i-1] == '[' {
					if _, err := strconv.Unquote(path[i : len(path)-1]); err == nil {
						return path[:i-1]
					}
				}
			}
			return ""
		}
		if i := strings.LastIndexByte(path, '['); i >= 0 {
			return path[:i]
		}
		return ""
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i]
	}
	return ""
}

// The messages of yaml.v3's *TypeError, and those of our own unmarshalers.
var (
	reUnknownField = regexp.MustCompile(`(?s)^line (\d+): field (.*) not found in type (\S+)$`)
	reFieldTwice   = regexp.MustCompile(`(?s)^line (\d+): field (.*) already set in type (\S+)$`)
	reKeyTwice     = regexp.MustCompile(`(?s)^line (\d+): mapping key (".*") already defined at line (\d+)$`)
	reCannot       = regexp.MustCompile("(?s)^line (\\d+): cannot unmarshal (\\S+)(?: `(.*)`)? into (.+)$")
	reAt           = regexp.MustCompile(`(?s)^line (\d+): column (\d+): (.*)$`)
	reLine         = regexp.MustCompile(`(?s)^(?:yaml: )?line (\d+): (.*)$`)
)

// decodeProblem turns one message of a *yaml.TypeError into a Problem,
// with the path and column of the value it concerns when they can be found.
func (ix *index) decodeProblem(msg string) (p Problem) {
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	if m := reUnknownField.FindStringSubmatch(msg); m != nil {
		line, key := atoi(m[1]), m[2]
		p = Problem{Line: line, Message: unknownKeyMessage(key, yamlKeysOf(m[3]))}
		if k, ok := ix.key(line, key); ok {
			p.Column, p.Path = k.column, k.path
		}
		return p
	}
	if m := reFieldTwice.FindStringSubmatch(msg); m != nil {
		return ix.duplicateKey(atoi(m[1]), m[2])
	}
	if m := reKeyTwice.FindStringSubmatch(msg); m != nil {
		key, err := strconv.Unquote(m[2])
		if err != nil {
			key = m[2]
		}
		return ix.duplicateKey(atoi(m[1]), key)
	}
	if m := reCannot.FindStringSubmatch(msg); m != nil {
		line, tag, value, into := atoi(m[1]), m[2], m[3], m[4]
		p = Problem{Line: line}
		got := tagKind(tag)
		if e, ok := ix.valueWithTag(line, tag, strings.TrimSuffix(value, "..."), into); ok {
			p.Column, p.Path = e.node.Column, e.path
			if e.node.Kind == yaml.ScalarNode {
				got += " " + quoteShort(e.node.Value)
			}
		} else if value != "" {
			got += " " + strconv.Quote(value)
		}
		p.Message = "want " + goKind(into) + ", got " + got
		return p
	}
	if m := reAt.FindStringSubmatch(msg); m != nil {
		line, col := atoi(m[1]), atoi(m[2])
		p = Problem{Line: line, Column: col, Message: m[3]}
		for _, e := range ix.values[line] {
			if e.node.Column == col {
				p.Path = e.path
				break
			}
		}
		return p
	}
	if m := reLine.FindStringSubmatch(msg); m != nil {
		line := atoi(m[1])
		p = Problem{Line: line, Message: m[2]}
		if es := ix.values[line]; len(es) > 0 {
			p.Column, p.Path = es[0].node.Column, es[0].path
		}
		return p
	}
	return Problem{Message: strings.TrimPrefix(msg, "yaml: ")}
}

func (ix *index) key(line int, key string) (keyEntry, bool) {
	for _, k := range ix.keys[line] {
		if k.key == key {
			return k, true
		}
	}
	return keyEntry{}, false
}

func (ix *index) duplicateKey(line int, key string) Problem {
	p := Problem{Line: line, Message: "duplicate key " + strconv.Quote(key)}
	// The duplicate is the last key of that name on the line.
	ks := ix.keys[line]
	for i := len(ks) - 1; i >= 0; i-- {
		if ks[i].key == key {
			p.Column, p.Path = ks[i].column, ks[i].path
			break
		}
	}
	return p
}

// valueWithTag finds the value on line that yaml.v3 could not decode into
// the Go type named into: the node with that tag whose path leads to a
// value of that type, else the innermost one with that tag.
func (ix *index) valueWithTag(line int, tag, prefix, into string) (valueEntry, bool) {
	var found []valueEntry
	for _, e := range ix.values[line] {
		if e.node.ShortTag() != tag && e.node.Tag != tag {
			continue
		}
		if e.node.Kind == yaml.ScalarNode && !strings.HasPrefix(e.node.Value, prefix) {
			continue
		}
		if t, ok := typeAtPath(e.path); ok && t.String() == into {
			return e, true
		}
		found = append(found, e)
	}
	if len(found) == 0 {
		return valueEntry{}, false
	}
	return found[len(found)-1], true
}

// typeAtPath returns the Go type that decodes the value at path.
func typeAtPath(path string) (reflect.Type, bool) {
	t := reflect.TypeFor[Landscape]()
	for path != "" {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		var seg string
		switch {
		case strings.HasPrefix(path, "["):
			end := strings.IndexByte(path, ']')
			if end < 0 {
				return nil, false
			}
			seg, path = path[1:end], path[end+1:]
			switch t.Kind() {
			case reflect.Slice:
				t = t.Elem()
				continue
			case reflect.Map:
				t = t.Elem()
				continue
			}
			return nil, false
		case strings.HasPrefix(path, "."):
			path = path[1:]
			continue
		default:
			end := strings.IndexAny(path, ".[")
			if end < 0 {
				end = len(path)
			}
			seg, path = path[:end], path[end:]
		}
		switch t.Kind() {
		case reflect.Map:
			t = t.Elem()
		case reflect.Struct:
			if isLeafType(t) {
				return nil, false
			}
			found := false
			for i := range t.NumField() {
				if yamlName(t.Field(i)) == seg {
					t, found = t.Field(i).Type, true
					break
				}
			}
			if !found {
				return nil, false
			}
		default:
			return nil, false
		}
	}
	return t, true
}

func quoteShort(s string) string {
	const max = 40
	if r := []rune(s); len(r) > max {
		s = string(r[:max-3]) + "..."
	}
	return strconv.Quote(s)
}

// Go types of the file format, by their reflect name, for messages about
// yaml.v3's type errors. Built once from the Landscape type.
var goTypes = func() map[string]reflect.Type {
	m := map[string]reflect.Type{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		if _, seen := m[t.String()]; seen {
			return
		}
		m[t.String()] = t
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice:
			walk(t.Elem())
		case reflect.Map:
			walk(t.Elem())
		case reflect.Struct:
			if isLeafType(t) {
				return
			}
			for i := range t.NumField() {
				if yamlName(t.Field(i)) != "" {
					walk(t.Field(i).Type)
				}
			}
		}
	}
	walk(reflect.TypeFor[Landscape]())
	return m
}()

// isLeafType reports whether t decodes from YAML by its own rules rather
// than field by field.
func isLeafType(t reflect.Type) bool {
	return t == reflect.TypeFor[time.Time]() || t == reflect.TypeFor[Policy]() || t == reflect.TypeFor[EventPattern]()
}

// yamlName returns the YAML key of a struct field, "" if it has none.
func yamlName(f reflect.StructField) string {
	tag := f.Tag.Get("yaml")
	name, _, _ := strings.Cut(tag, ",")
	if name == "-" || !f.IsExported() {
		return ""
	}
	if name == "" {
		return strings.ToLower(f.Name)
	}
	return name
}

// yamlKeysOf lists the keys of the struct type named typeName.
func yamlKeysOf(typeName string) []string {
	t, ok := goTypes[typeName]
	if !ok || t.Kind() != reflect.Struct {
		return nil
	}
	var keys []string
	for i := range t.NumField() {
		if k := yamlName(t.Field(i)); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

// goKind describes what a Go type accepts, for "want X, got Y" messages.
func goKind(typeName string) string {
	t, ok := goTypes[typeName]
	if !ok {
		switch {
		case strings.HasPrefix(typeName, "map["):
			return "a mapping"
		case strings.HasPrefix(typeName, "[]"):
			return "a list"
		}
		return typeName
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "a boolean (true or false)"
	case reflect.Slice:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping"
	}
	return typeName
}

// unknownKeyMessage names the unknown key and suggests the closest allowed
// key, or lists the allowed ones.
func unknownKeyMessage(key string, allowed []string) string {
	msg := "unknown key " + strconv.Quote(key)
	if len(allowed) == 0 {
		return msg
	}
	if s, ok := closest(key, allowed); ok {
		return msg + " (did you mean " + strconv.Quote(s) + "?)"
	}
	sorted := append([]string(nil), allowed...)
	sort.Strings(sorted)
	return msg + "; allowed keys: " + strings.Join(sorted, ", ")
}

// closest finds the candidate nearest to s: the same once case and
// underscores are ignored (maxSessionDuration for max_session_duration), or
// within a small edit distance.
func closest(s string, candidates []string) (string, bool) {
	norm := func(x string) string { return strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(x)) }
	for _, c := range candidates {
		if norm(c) == norm(s) {
			return c, true
		}
	}
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(s), strings.ToLower(c)); d < bestD && d <= max(1, len(c)/4) {
			best, bestD = c, d
		}
	}
	return best, best != ""
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and transpositions of neighbours cost 1.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 1 << 20
	}
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
