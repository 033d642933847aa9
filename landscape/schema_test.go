package landscape

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/breakglass-dev/breakglass/internal/schematest"
)

func compileSchema(t *testing.T) *jsonschema.Schema { return schematest.Compile(t, Schema) }

// yamlAsJSON converts a YAML document to the JSON value an editor's schema
// validator sees.
func yamlAsJSON(t *testing.T, data string) any {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(data), &n); err != nil {
		t.Fatal(err)
	}
	budget := maxDocNodes
	v, err := yamlToJSONValue(n.Content[0], 0, &budget)
	if err != nil {
		t.Fatal(err)
	}
	return schematest.Instance(t, v)
}

func TestSchemaValidates(t *testing.T) {
	sch := compileSchema(t)
	tests := []struct {
		name  string
		doc   string
		valid bool
		want  string // in the error when invalid
	}{
		{"default", string(defaultYAML), true, ""},
		{"base", baseYAML, true, ""},
		{"unquoted account id", edit(t, baseYAML, `  - id: "111111111111"`, `  - id: 111111111111`), true, ""},
		{"JSON string policy", edit(t, baseYAML, "      policy:\n        Version: \"2012-10-17\"\n        Statement:\n          - Effect: Deny\n            Action: iam:DeleteRole\n            Resource: \"*\"", `      policy: '{"Version": "2012-10-17"}'`), true, ""},
		{"membership mapping", edit(t, baseYAML, "groups: [staff]", "groups: [{name: staff, expires: 2026-12-01T00:00:00Z}]"), true, ""},
		{"unknown top-level key", edit(t, baseYAML, "name: base", "name: base\ncolour: red"), false, "colour"},
		{"unknown nested key", edit(t, baseYAML, "kind: emergency", "kind: emergency\n    rolse: []"), false, "rolse"},
		{"unknown statement key", edit(t, baseYAML, "- Effect: Deny", "- Efect: Deny"), false, "Efect"},
		{"bad account id", edit(t, baseYAML, `  - id: "111111111111"`, `  - id: "1111"`), false, "/accounts/0/id"},
		{"bad kind", edit(t, baseYAML, "kind: emergency", "kind: prod"), false, "/accounts/0/kind"},
		{"bad role name", edit(t, baseYAML, "- name: Admin", "- name: Ad min"), false, "/accounts/0/roles/0/name"},
		{"version 2", edit(t, baseYAML, "version: 1", "version: 2"), false, "/version"},
		{"admin user", edit(t, baseYAML, "      groups: [staff]", "      groups: [staff]\n      admin: true"), true, ""},
		{"admin not a boolean", edit(t, baseYAML, "      groups: [staff]", "      groups: [staff]\n      admin: sometimes"), false, "/idp/users/0/admin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := sch.Validate(yamlAsJSON(t, tt.doc))
			switch {
			case tt.valid && err != nil:
				t.Errorf("got %v, want valid", err)
			case !tt.valid && err == nil:
				t.Error("got valid, want an error")
			case !tt.valid && !strings.Contains(err.Error(), tt.want):
				t.Errorf("got %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
}

// TestSchemaMatchesTypes walks the Go types and the schema together, so
// that a key added to one and not the other fails here.
func TestSchemaMatchesTypes(t *testing.T) {
	var root map[string]any
	if err := json.Unmarshal(Schema, &root); err != nil {
		t.Fatal(err)
	}
	defs, _ := root["$defs"].(map[string]any)
	resolve := func(s map[string]any) map[string]any {
		for {
			ref, ok := s["$ref"].(string)
			if !ok {
				return s
			}
			name := strings.TrimPrefix(ref, "#/$defs/")
			d, ok := defs[name].(map[string]any)
			if !ok {
				t.Fatalf("unresolved $ref %s", ref)
			}
			s = d
		}
	}
	// branches returns the schema itself and the alternatives of anyOf or
	// oneOf, resolved.
	branches := func(s map[string]any) []map[string]any {
		s = resolve(s)
		out := []map[string]any{s}
		for _, k := range []string{"anyOf", "oneOf"} {
			alts, _ := s[k].([]any)
			for _, a := range alts {
				out = append(out, resolve(a.(map[string]any)))
			}
		}
		return out
	}
	hasType := func(s map[string]any, typ string) bool {
		for _, b := range branches(s) {
			switch v := b["type"].(type) {
			case string:
				if v == typ {
					return true
				}
			case []any:
				for _, x := range v {
					if x == typ {
						return true
					}
				}
			}
			if typ == "string" {
				if _, ok := b["enum"]; ok {
					return true
				}
				if c, ok := b["const"].(string); ok && c != "" {
					return true
				}
			}
			if typ == "integer" {
				if _, ok := b["const"].(float64); ok {
					return true
				}
			}
		}
		return false
	}
	branchOfType := func(s map[string]any, typ string) map[string]any {
		for _, b := range branches(s) {
			if b["type"] == typ {
				return b
			}
		}
		return nil
	}

	var walk func(path string, typ reflect.Type, s map[string]any)
	walk = func(path string, typ reflect.Type, s map[string]any) {
		for typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		switch {
		case typ == reflect.TypeFor[Policy]() || typ == reflect.TypeFor[EventPattern]():
			if !hasType(s, "object") || !hasType(s, "string") {
				t.Errorf("%s: the schema must allow a mapping and a string of JSON", path)
			}
		case typ == reflect.TypeFor[time.Time]():
			if !hasType(s, "string") {
				t.Errorf("%s: the schema must allow a string", path)
			}
		case typ.Kind() == reflect.Struct:
			obj := branchOfType(s, "object")
			if obj == nil {
				t.Errorf("%s: the schema has no object for %s", path, typ)
				return
			}
			if obj["additionalProperties"] != false {
				t.Errorf("%s: the schema must set additionalProperties: false", path)
			}
			props, _ := obj["properties"].(map[string]any)
			var goKeys []string
			for i := range typ.NumField() {
				f := typ.Field(i)
				k := yamlName(f)
				if k == "" {
					continue
				}
				goKeys = append(goKeys, k)
				ps, ok := props[k].(map[string]any)
				if !ok {
					t.Errorf("%s.%s: key of %s is missing from the schema", path, k, typ)
					continue
				}
				if d, _ := resolve(ps)["description"].(string); d == "" {
					if d, _ := ps["description"].(string); d == "" && !isLeafType(f.Type) {
						t.Errorf("%s.%s: the schema has no description", path, k)
					}
				}
				walk(path+"."+k, f.Type, ps)
			}
			for _, k := range sortedKeys(props) {
				if !contains(goKeys, k) {
					t.Errorf("%s.%s: the schema has a key that %s lacks", path, k, typ)
				}
			}
		case typ.Kind() == reflect.Slice:
			arr := branchOfType(s, "array")
			if arr == nil {
				t.Errorf("%s: the schema has no array", path)
				return
			}
			walk(path+"[]", typ.Elem(), arr["items"].(map[string]any))
		case typ.Kind() == reflect.Map:
			obj := branchOfType(s, "object")
			if obj == nil {
				t.Errorf("%s: the schema has no object for %s", path, typ)
				return
			}
			elem, ok := obj["additionalProperties"].(map[string]any)
			if !ok {
				t.Errorf("%s: the schema must describe the map's values in additionalProperties", path)
				return
			}
			walk(path+"{}", typ.Elem(), elem)
		case typ.Kind() == reflect.String:
			if !hasType(s, "string") {
				t.Errorf("%s: the schema must allow a string", path)
			}
		case typ.Kind() == reflect.Int:
			if !hasType(s, "integer") {
				t.Errorf("%s: the schema must allow an integer", path)
			}
		case typ.Kind() == reflect.Bool:
			if !hasType(s, "boolean") {
				t.Errorf("%s: the schema must allow a boolean", path)
			}
		default:
			t.Errorf("%s: no rule for %s", path, typ)
		}
	}
	walk("", reflect.TypeFor[Landscape](), root)
}

// TestSchemaClosed checks that every object of the schema that lists
// properties forbids others.
func TestSchemaClosed(t *testing.T) {
	var root any
	if err := json.Unmarshal(Schema, &root); err != nil {
		t.Fatal(err)
	}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if _, ok := v["properties"]; ok && v["additionalProperties"] != false {
				t.Errorf("%s: properties without additionalProperties: false", path)
			}
			for k, c := range v {
				walk(path+"/"+k, c)
			}
		case []any:
			for i, c := range v {
				walk(path+"/"+string(rune('0'+i)), c)
			}
		}
	}
	walk("#", root)
}
