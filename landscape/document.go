package landscape

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Policy is a JSON policy document: an IAM identity or trust policy, or a
// service control policy. In YAML it is written either as a mapping or as a
// string that holds JSON; both give the same canonical JSON. The zero value
// is an absent policy.
type Policy struct{ doc document }

// JSON returns the policy as compact JSON with sorted keys; "" if absent.
func (p Policy) JSON() string { return p.doc.json }

// IsZero reports whether the policy is absent.
func (p Policy) IsZero() bool { return p.doc.json == "" }

// UnmarshalYAML implements yaml.Unmarshaler.
func (p *Policy) UnmarshalYAML(n *yaml.Node) error { return p.doc.unmarshalYAML(n, "a policy") }

// MarshalJSON implements json.Marshaler: the canonical JSON, or null.
func (p Policy) MarshalJSON() ([]byte, error) { return p.doc.marshalJSON() }

// MarshalYAML implements yaml.Marshaler: the document as a mapping.
func (p Policy) MarshalYAML() (any, error) { return p.doc.value, nil }

// EventPattern is an EventBridge event pattern, written in YAML as a
// mapping or as a string that holds JSON. The zero value is absent.
type EventPattern struct{ doc document }

// JSON returns the pattern as compact JSON with sorted keys; "" if absent.
func (p EventPattern) JSON() string { return p.doc.json }

// IsZero reports whether the pattern is absent.
func (p EventPattern) IsZero() bool { return p.doc.json == "" }

// UnmarshalYAML implements yaml.Unmarshaler.
func (p *EventPattern) UnmarshalYAML(n *yaml.Node) error {
	return p.doc.unmarshalYAML(n, "an event pattern")
}

// MarshalJSON implements json.Marshaler: the canonical JSON, or null.
func (p EventPattern) MarshalJSON() ([]byte, error) { return p.doc.marshalJSON() }

// MarshalYAML implements yaml.Marshaler: the pattern as a mapping.
func (p EventPattern) MarshalYAML() (any, error) { return p.doc.value, nil }

// document is a JSON object decoded from YAML or from JSON text. value holds
// map[string]any, []any, string, json.Number, bool and nil only.
type document struct {
	value map[string]any
	json  string
}

// Limits on a document, so that YAML aliases or deep nesting cannot make
// decoding explode.
const (
	maxDocDepth = 64
	maxDocNodes = 100_000
)

func (d *document) unmarshalYAML(n *yaml.Node, what string) error {
	for n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	at := n
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	var v any
	var err error
	switch {
	case n.Kind == yaml.MappingNode:
		budget := maxDocNodes
		v, err = yamlToJSONValue(n, 0, &budget)
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str":
		v, err = decodeJSON(n.Value)
		if err != nil {
			err = typeError(n, "invalid JSON in %s: %v", what, err)
		}
	default:
		return typeError(at, "want %s as a mapping or as a string of JSON, got %s", what, nodeKind(n))
	}
	if err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			return te
		}
		return typeError(at, "%v", err)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return typeError(at, "want %s as a JSON object, got %s", what, jsonKind(v))
	}
	text, err := canonicalJSON(obj)
	if err != nil {
		return typeError(at, "%v", err)
	}
	d.value, d.json = obj, text
	return nil
}

func (d document) marshalJSON() ([]byte, error) {
	if d.json == "" {
		return []byte("null"), nil
	}
	return []byte(d.json), nil
}

// canonicalJSON encodes v compactly, keys sorted, without HTML escaping.
func canonicalJSON(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

// yamlToJSONValue converts a YAML node to a JSON value. Keys are the text
// of scalar keys; duplicate keys, merge keys and non-finite numbers are
// errors.
func yamlToJSONValue(n *yaml.Node, depth int, budget *int) (any, error) {
	if depth > maxDocDepth {
		return nil, typeError(n, "document nested deeper than %d levels", maxDocDepth)
	}
	if *budget--; *budget < 0 {
		return nil, typeError(n, "document has more than %d values (after expanding aliases)", maxDocNodes)
	}
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, typeError(n, "unresolved alias")
		}
		return yamlToJSONValue(n.Alias, depth+1, budget)
	case yaml.MappingNode:
		obj := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				return nil, typeError(k, "keys must be strings, got %s", nodeKind(k))
			}
			if k.ShortTag() == "!!merge" {
				return nil, typeError(k, "merge keys (<<) are not supported here")
			}
			if _, dup := obj[k.Value]; dup {
				return nil, typeError(k, "duplicate key %q", k.Value)
			}
			v, err := yamlToJSONValue(val, depth+1, budget)
			if err != nil {
				return nil, err
			}
			obj[k.Value] = v
		}
		return obj, nil
	case yaml.SequenceNode:
		arr := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := yamlToJSONValue(c, depth+1, budget)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		return arr, nil
	case yaml.ScalarNode:
		return yamlScalar(n)
	}
	return nil, typeError(n, "unsupported YAML node")
}

func yamlScalar(n *yaml.Node) (any, error) {
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, typeError(n, "invalid boolean %q", n.Value)
		}
		return b, nil
	case "!!int", "!!float":
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, typeError(n, "invalid number %q", n.Value)
		}
		switch v := v.(type) {
		case int:
			return json.Number(strconv.Itoa(v)), nil
		case int64:
			return json.Number(strconv.FormatInt(v, 10)), nil
		case uint64:
			return json.Number(strconv.FormatUint(v, 10)), nil
		case float64:
			if math.IsInf(v, 0) || math.IsNaN(v) {
				return nil, typeError(n, "number %q is not finite", n.Value)
			}
			return json.Number(strconv.FormatFloat(v, 'g', -1, 64)), nil
		}
		return nil, typeError(n, "invalid number %q", n.Value)
	}
	// Strings, timestamps and other tags keep their text.
	return n.Value, nil
}

// decodeJSON decodes one JSON value from s, rejecting duplicate object keys
// (IAM rejects them too) and trailing data.
func decodeJSON(s string) (any, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("empty")
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	v, err := readJSONValue(dec, 0)
	if err != nil {
		return nil, jsonError(dec, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("unexpected data after the JSON value at byte %d", dec.InputOffset())
	}
	return v, nil
}

func jsonError(dec *json.Decoder, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("%v (at byte %d)", se, se.Offset)
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return errors.New("unexpected end of JSON")
	}
	return err
}

func readJSONValue(dec *json.Decoder, depth int) (any, error) {
	if depth > maxDocDepth {
		return nil, fmt.Errorf("JSON nested deeper than %d levels", maxDocDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok := tok.(type) {
	case json.Delim:
		switch tok {
		case '{':
			obj := map[string]any{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("object key is not a string at byte %d", dec.InputOffset())
				}
				if _, dup := obj[k]; dup {
					return nil, fmt.Errorf("duplicate key %q", k)
				}
				v, err := readJSONValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				obj[k] = v
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return obj, nil
		case '[':
			arr := []any{}
			for dec.More() {
				v, err := readJSONValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return arr, nil
		}
		return nil, fmt.Errorf("unexpected %q at byte %d", tok, dec.InputOffset())
	default:
		return tok, nil
	}
}

// jsonKind names the JSON type of v for messages.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number, float64:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// nodeKind names the YAML kind of n for messages.
func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		return tagKind(n.ShortTag())
	}
	return "an empty document"
}

func tagKind(tag string) string {
	switch tag {
	case "!!str":
		return "a string"
	case "!!int":
		return "an integer"
	case "!!float":
		return "a number"
	case "!!bool":
		return "a boolean"
	case "!!null":
		return "null"
	case "!!map":
		return "a mapping"
	case "!!seq":
		return "a list"
	case "!!timestamp":
		return "a timestamp"
	case "!!binary":
		return "binary data"
	}
	return "a value tagged " + tag
}

// Errors from custom unmarshalers are *yaml.TypeError so that the decoder
// carries on and collects every problem. Their text, "line L: column C:
// message", is read back by decodeProblems.

func typeError(n *yaml.Node, format string, args ...any) *yaml.TypeError {
	return &yaml.TypeError{Errors: []string{positioned(n, format, args...)}}
}

func positioned(n *yaml.Node, format string, args ...any) string {
	return fmt.Sprintf("line %d: column %d: %s", n.Line, n.Column, fmt.Sprintf(format, args...))
}
