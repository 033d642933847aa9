package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// jkind is the JSON type of a jvalue.
type jkind int

const (
	jNull jkind = iota
	jBool
	jNumber
	jString
	jArray
	jObject
)

// jvalue is a JSON value that keeps object members in document order, so
// Parse can report duplicate keys, which encoding/json silently merges.
type jvalue struct {
	kind    jkind
	str     string // string text, number literal, "true"/"false"
	items   []jvalue
	members []jmember
}

type jmember struct {
	key   string
	value jvalue
}

var errDuplicateKey = errors.New("duplicate key")

// decodeJSON reads exactly one JSON value from doc.
func decodeJSON(doc string) (jvalue, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(doc)))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return jvalue{}, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return jvalue{}, errors.New("trailing data after the document")
	}
	return v, nil
}

func decodeValue(dec *json.Decoder) (jvalue, error) {
	tok, err := dec.Token()
	if err != nil {
		return jvalue{}, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			var v jvalue
			v.kind = jObject
			seen := map[string]bool{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return jvalue{}, err
				}
				key, ok := kt.(string)
				if !ok {
					return jvalue{}, fmt.Errorf("object key %v is not a string", kt)
				}
				if seen[key] {
					return jvalue{}, fmt.Errorf("%w %q", errDuplicateKey, key)
				}
				seen[key] = true
				val, err := decodeValue(dec)
				if err != nil {
					return jvalue{}, err
				}
				v.members = append(v.members, jmember{key: key, value: val})
			}
			if _, err := dec.Token(); err != nil { // '}'
				return jvalue{}, err
			}
			return v, nil
		case '[':
			v := jvalue{kind: jArray}
			for dec.More() {
				item, err := decodeValue(dec)
				if err != nil {
					return jvalue{}, err
				}
				v.items = append(v.items, item)
			}
			if _, err := dec.Token(); err != nil { // ']'
				return jvalue{}, err
			}
			return v, nil
		}
		return jvalue{}, fmt.Errorf("unexpected delimiter %v", t)
	case string:
		return jvalue{kind: jString, str: t}, nil
	case json.Number:
		return jvalue{kind: jNumber, str: t.String()}, nil
	case bool:
		if t {
			return jvalue{kind: jBool, str: "true"}, nil
		}
		return jvalue{kind: jBool, str: "false"}, nil
	case nil:
		return jvalue{kind: jNull}, nil
	}
	return jvalue{}, fmt.Errorf("unexpected token %v", tok)
}
