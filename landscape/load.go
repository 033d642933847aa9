package landscape

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"gopkg.in/yaml.v3"
)

// MaxFileSize is the largest landscape file Load and Parse accept.
const MaxFileSize = 4 << 20

// MaxProblems caps the problems reported for one file: past it, a last
// problem says how many more there are.
const MaxProblems = 1000

//go:embed default.yaml
var defaultYAML []byte

// DefaultYAML returns the text of the built-in landscape, comments
// included, for users to copy and adapt.
func DefaultYAML() []byte { return bytes.Clone(defaultYAML) }

// DefaultName is the File of the landscape Default returns.
const DefaultName = "built-in default"

// Default returns the built-in landscape: the mapping table of the AWS
// emergency-access guidance with the fixed account ids EmergencyAccountID,
// Workload1AccountID, Workload2AccountID and IdentityAdminAccountID, and
// demo users whose password is DemoPassword. Each call returns a new copy.
func Default() *Landscape {
	l, err := Parse(DefaultName, defaultYAML)
	if err != nil {
		// The default is checked by the package's tests.
		panic("landscape: built-in default is invalid:\n" + err.Error())
	}
	return l
}

// Load reads and validates the landscape file at path. Relative paths in
// the file (signing keys, SAML provider metadata) are resolved against the
// file's directory, and the files they name must exist. An unreadable file
// gives the *fs.PathError of os; a file that is not a valid landscape gives
// Problems listing every problem found.
func Load(path string) (*Landscape, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return nil, err
	} else if fi.IsDir() {
		return nil, &os.PathError{Op: "read", Path: path, Err: errors.New("is a directory")}
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	return parse(path, data, filepath.Dir(path))
}

// Parse validates a landscape held in data; name is used in problem
// messages and as the landscape's File. Parse does not touch the file
// system: relative paths stay as written and referenced files are not
// checked. On failure the error is Problems.
func Parse(name string, data []byte) (*Landscape, error) {
	return parse(name, data, "")
}

// parse decodes and validates data. A non-empty dir resolves relative
// paths and checks that the files they name exist.
func parse(name string, data []byte, dir string) (l *Landscape, err error) {
	fileProblem := func(format string, args ...any) error {
		return Problems{{File: name, Message: fmt.Sprintf(format, args...)}}
	}
	if len(data) > MaxFileSize {
		return nil, fileProblem("file is larger than %d MiB", MaxFileSize>>20)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fileProblem("file is empty")
	}
	// yaml.v3 reports bad input as errors, but a decoder panic must not
	// take the caller down with it.
	defer func() {
		if r := recover(); r != nil {
			l, err = nil, fileProblem("cannot decode YAML: %v", r)
		}
	}()

	root, perr := parseDocument(name, data)
	if perr != nil {
		return nil, perr
	}
	ix := buildIndex(root)

	// Pass 1: strict decoding into the Go types. yaml.v3 collects every
	// unknown key and type error of the file in one *TypeError.
	var problems Problems
	hidden := 0              // decoding problems past MaxProblems
	bad := map[string]bool{} // paths with decoding problems
	l = &Landscape{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(l); err != nil {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			p := ix.decodeProblem(err.Error())
			p.File = name
			return nil, Problems{p}
		}
		for i, msg := range te.Errors {
			if i == MaxProblems {
				hidden = len(te.Errors) - i
				break
			}
			p := ix.decodeProblem(msg)
			p.File = name
			problems = append(problems, p)
			if p.Path != "" {
				bad[p.Path] = true
			}
		}
	}

	for _, path := range ix.nullItems {
		at := ix.locate(path)
		problems = append(problems, Problem{File: name, Line: at.line, Column: at.column, Path: path,
			Message: "empty list item: remove it or give it a value"})
		bad[path] = true
	}

	// Pass 2: meaning and cross-references, skipping values that failed
	// to decode (their zero value would only repeat the problem).
	issues := validate(l, ix.has)
	if dir != "" {
		issues = append(issues, resolveFiles(l, dir)...)
	}
next:
	for _, is := range issues {
		for p := is.path; ; p = parentPath(p) {
			if bad[p] {
				continue next
			}
			if p == "" {
				break
			}
		}
		at := ix.locate(is.path)
		problems = append(problems, Problem{File: name, Line: at.line, Column: at.column, Path: is.path, Message: is.msg})
	}
	if len(problems) > 0 {
		problems.sort()
		problems = problems.dedupe()
		if len(problems) > MaxProblems {
			hidden += len(problems) - MaxProblems
			problems = problems[:MaxProblems]
		}
		if hidden > 0 {
			problems = append(problems, Problem{File: name, Message: fmt.Sprintf("%d more problems not shown", hidden)})
		}
		return nil, problems
	}
	l.applyDefaults()
	l.File = name
	return l, nil
}

// parseDocument parses data as exactly one YAML document whose top level
// is a mapping.
func parseDocument(name string, data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if err == io.EOF {
			return nil, Problems{{File: name, Message: "file is empty"}}
		}
		return nil, Problems{syntaxProblem(name, err)}
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == io.EOF:
	case err != nil:
		return nil, Problems{syntaxProblem(name, err)}
	default:
		return nil, Problems{{File: name, Line: extra.Line, Column: extra.Column,
			Message: "file holds more than one YAML document: put one landscape in a file"}}
	}
	top := &root
	if top.Kind == yaml.DocumentNode && len(top.Content) == 1 {
		top = top.Content[0]
	}
	if top.Kind != yaml.MappingNode {
		return nil, Problems{{File: name, Line: top.Line, Column: top.Column,
			Message: "the top level must be a mapping (version: 1, idp: ..., accounts: ...), got " + nodeKind(top)}}
	}
	return &root, nil
}

func syntaxProblem(name string, err error) Problem {
	p := Problem{File: name, Message: err.Error()}
	if m := reLine.FindStringSubmatch(err.Error()); m != nil {
		fmt.Sscan(m[1], &p.Line)
		p.Message = m[2]
	}
	p.Message = "invalid YAML: " + trimYAMLPrefix(p.Message)
	return p
}

func trimYAMLPrefix(s string) string {
	for _, prefix := range []string{"yaml: ", "yaml:"} {
		if len(s) >= len(prefix) && s[:len(prefix)] == prefix {
			return s[len(prefix):]
		}
	}
	return s
}

// resolveFiles makes the file paths of l absolute against dir and checks
// that each names a readable file.
func resolveFiles(l *Landscape, dir string) []issue {
	var issues []issue
	resolve := func(path string, p *string) {
		if *p == "" {
			return
		}
		if !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
		fi, err := os.Stat(*p)
		switch {
		case err != nil:
			issues = append(issues, issue{path, fmt.Sprintf("cannot use %s: %v", *p, unwrapPathError(err))})
		case fi.IsDir():
			issues = append(issues, issue{path, fmt.Sprintf("%s is a directory, want a file", *p)})
		}
	}
	if s := l.IdentityProvider.Signing; s != nil {
		resolve("idp.signing.key", &s.Key)
		resolve("idp.signing.cert", &s.Cert)
		resolve("idp.signing.next_key", &s.NextKey)
		resolve("idp.signing.next_cert", &s.NextCert)
	}
	for i := range l.Accounts {
		for j := range l.Accounts[i].SAMLProviders {
			sp := &l.Accounts[i].SAMLProviders[j]
			if sp.Metadata != MetadataFromIdP {
				resolve(joinKey(joinIndex(joinKey(joinIndex("accounts", i), "saml_providers"), j), "metadata"), &sp.Metadata)
			}
		}
	}
	return issues
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// applyDefaults fills in the values an omitted key stands for.
func (l *Landscape) applyDefaults() {
	for i := range l.Accounts {
		for j := range l.Accounts[i].Roles {
			r := &l.Accounts[i].Roles[j]
			if r.Path == "" {
				r.Path = "/"
			}
			if r.MaxSessionDuration == 0 {
				r.MaxSessionDuration = defaultMaxSessionDuration
			}
		}
	}
}

// UnmarshalYAML reads a membership written as a group name or as a
// mapping with the keys name and expires.
func (m *Membership) UnmarshalYAML(n *yaml.Node) error {
	at := n
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return typeError(at, "want a group name or a mapping {name, expires}, got null")
		}
		m.Group = n.Value
		return nil
	case yaml.MappingNode:
	default:
		return typeError(at, "want a group name or a mapping {name, expires}, got %s", nodeKind(n))
	}
	var errs []string
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if seen[k.Value] {
			errs = append(errs, fmt.Sprintf("line %d: mapping key %q already defined at line %d", k.Line, k.Value, n.Line))
			continue
		}
		seen[k.Value] = true
		if v.Kind == yaml.AliasNode && v.Alias != nil {
			v = v.Alias
		}
		switch k.Value {
		case "name":
			if v.Kind != yaml.ScalarNode || v.ShortTag() == "!!null" {
				errs = append(errs, positioned(v, "want a group name, got %s", nodeKind(v)))
				continue
			}
			m.Group = v.Value
		case "expires":
			if v.Kind != yaml.ScalarNode {
				errs = append(errs, positioned(v, "want an RFC 3339 time such as 2026-12-01T00:00:00Z, got %s", nodeKind(v)))
				continue
			}
			t, err := time.Parse(time.RFC3339, v.Value)
			if err != nil {
				errs = append(errs, positioned(v, "want an RFC 3339 time such as 2026-12-01T00:00:00Z, got %s", quoteShort(v.Value)))
				continue
			}
			m.Expires = t
		default:
			// The same text as yaml.v3's, so that it reads the same.
			errs = append(errs, fmt.Sprintf("line %d: field %s not found in type %T", k.Line, k.Value, *m))
		}
	}
	if !seen["name"] {
		errs = append(errs, positioned(at, "a membership needs a group name"))
	}
	if len(errs) > 0 {
		return &yaml.TypeError{Errors: errs}
	}
	return nil
}
