// Package eventpattern matches Amazon EventBridge event patterns against
// events, so a drill can prove that the landscape's alert rules fire on
// the CloudTrail events the emergency path leaves behind.
//
// It implements the matching rules of the Amazon EventBridge User Guide,
// "Event patterns" and "Content filtering": every field of the pattern
// must match; a leaf is a list of alternatives, any of which may match the
// event's value (or any element of an array value); alternatives are
// literals (strings, numbers, booleans, null) or the filters prefix,
// suffix, equals-ignore-case, wildcard, anything-but, exists and numeric.
// The cidr filter and $or are not supported and are reported as errors.
package eventpattern

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
)

// Pattern is a parsed event pattern.
type Pattern struct{ root map[string]any }

// Parse parses a JSON event pattern.
func Parse(doc []byte) (*Pattern, error) {
	var root map[string]any
	if err := json.Unmarshal(doc, &root); err != nil {
		return nil, fmt.Errorf("event pattern: %w", err)
	}
	if root == nil {
		return nil, errors.New("event pattern: not a JSON object")
	}
	p := &Pattern{root: root}
	if err := check(root, ""); err != nil {
		return nil, err
	}
	return p, nil
}

// check validates the pattern's shape once, so Match cannot meet a filter
// it does not know.
func check(obj map[string]any, at string) error {
	for k, v := range obj {
		where := strings.TrimPrefix(at+"."+k, ".")
		switch v := v.(type) {
		case map[string]any:
			if err := check(v, where); err != nil {
				return err
			}
		case []any:
			if len(v) == 0 {
				return fmt.Errorf("event pattern: %s: an empty list matches nothing", where)
			}
			for _, alt := range v {
				switch alt := alt.(type) {
				case map[string]any:
					if err := checkFilter(alt, where); err != nil {
						return err
					}
				case []any:
					return fmt.Errorf("event pattern: %s: a list inside a list is not a value", where)
				}
			}
		default:
			return fmt.Errorf("event pattern: %s: want an object or a list, got %v", where, v)
		}
	}
	return nil
}

func checkFilter(f map[string]any, where string) error {
	if len(f) != 1 {
		return fmt.Errorf("event pattern: %s: a filter has exactly one key", where)
	}
	for k, v := range f {
		switch k {
		case "prefix", "suffix":
			if _, ok := v.(string); ok {
				return nil
			}
			if m, ok := v.(map[string]any); ok {
				if s, ok := m["equals-ignore-case"].(string); ok && len(m) == 1 && s != "" {
					return nil
				}
			}
		case "equals-ignore-case", "wildcard":
			if _, ok := v.(string); ok {
				return nil
			}
		case "exists":
			if _, ok := v.(bool); ok {
				return nil
			}
		case "anything-but":
			switch v := v.(type) {
			case string, float64, []any:
				return nil
			case map[string]any:
				return checkFilter(v, where)
			}
		case "numeric":
			if l, ok := v.([]any); ok && len(l) > 0 && len(l)%2 == 0 {
				for i := 0; i < len(l); i += 2 {
					op, _ := l[i].(string)
					if _, num := l[i+1].(float64); !num || !validOp(op) {
						return fmt.Errorf("event pattern: %s: numeric wants operator, number pairs", where)
					}
				}
				return nil
			}
		default:
			return fmt.Errorf("event pattern: %s: filter %q is not supported", where, k)
		}
		return fmt.Errorf("event pattern: %s: malformed %s filter", where, k)
	}
	return nil
}

func validOp(op string) bool {
	switch op {
	case "=", "<", "<=", ">", ">=":
		return true
	}
	return false
}

// Match reports whether the JSON event matches the pattern.
func (p *Pattern) Match(event []byte) (bool, error) {
	var ev map[string]any
	if err := json.Unmarshal(event, &ev); err != nil {
		return false, fmt.Errorf("event: %w", err)
	}
	return matchObject(p.root, ev), nil
}

// MatchValue is Match for an event already decoded from JSON.
func (p *Pattern) MatchValue(event map[string]any) bool { return matchObject(p.root, event) }

func matchObject(pat, ev map[string]any) bool {
	for k, want := range pat {
		v, present := ev[k]
		switch want := want.(type) {
		case map[string]any:
			sub, ok := v.(map[string]any)
			if !ok || !matchObject(want, sub) {
				return false
			}
		case []any:
			if !matchLeaf(want, v, present) {
				return false
			}
		}
	}
	return true
}

// matchLeaf matches a list of alternatives against a value; an array
// value matches when any element does.
func matchLeaf(alts []any, v any, present bool) bool {
	values := []any{v}
	if l, ok := v.([]any); ok {
		values = l
	}
	for _, alt := range alts {
		if f, ok := alt.(map[string]any); ok {
			if e, ok := f["exists"].(bool); ok {
				// exists looks at the field, not at its values.
				if e == (present && v != nil) {
					return true
				}
				continue
			}
			if !present {
				continue
			}
			for _, x := range values {
				if matchFilter(f, x) {
					return true
				}
			}
			continue
		}
		if !present {
			continue
		}
		for _, x := range values {
			if literal(alt, x) {
				return true
			}
		}
	}
	return false
}

func literal(want, v any) bool {
	switch w := want.(type) {
	case nil:
		return v == nil
	case float64:
		n, ok := v.(float64)
		return ok && n == w
	default:
		return want == v
	}
}

func matchFilter(f map[string]any, v any) bool {
	s, isString := v.(string)
	for k, arg := range f {
		switch k {
		case "prefix", "suffix":
			if !isString {
				return false
			}
			fix, ok := arg.(string)
			if !ok { // {"prefix": {"equals-ignore-case": "..."}}
				fix = strings.ToLower(arg.(map[string]any)["equals-ignore-case"].(string))
				s = strings.ToLower(s)
			}
			if k == "prefix" {
				return strings.HasPrefix(s, fix)
			}
			return strings.HasSuffix(s, fix)
		case "equals-ignore-case":
			return isString && strings.EqualFold(s, arg.(string))
		case "wildcard":
			return isString && wildcard(arg.(string), s)
		case "anything-but":
			switch a := arg.(type) {
			case []any:
				for _, x := range a {
					if literal(x, v) {
						return false
					}
				}
				return true
			case map[string]any:
				return !matchFilter(a, v)
			default:
				return !literal(a, v)
			}
		case "numeric":
			n, ok := v.(float64)
			if !ok {
				return false
			}
			l := arg.([]any)
			for i := 0; i < len(l); i += 2 {
				if !compare(n, l[i].(string), l[i+1].(float64)) {
					return false
				}
			}
			return true
		}
	}
	return false
}

// wildcard matches s against an EventBridge wildcard, in which only *
// is special and matches any run of characters, slashes included.
func wildcard(w, s string) bool {
	parts := strings.Split(w, "*")
	if len(parts) == 1 {
		return w == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return len(s) >= len(last) && strings.HasSuffix(s, last)
}

func compare(n float64, op string, x float64) bool {
	const eps = 1e-9
	switch op {
	case "=":
		return math.Abs(n-x) < eps
	case "<":
		return n < x
	case "<=":
		return n <= x
	case ">":
		return n > x
	case ">=":
		return n >= x
	}
	return false
}
