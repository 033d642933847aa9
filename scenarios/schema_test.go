package scenarios

import (
	"encoding/json"
	"io/fs"
	"path"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/breakglass-dev/breakglass/idp"
	"github.com/breakglass-dev/breakglass/internal/schematest"
)

func compileSchema(t *testing.T) *jsonschema.Schema { return schematest.Compile(t, Schema) }

// yamlAsJSON converts a YAML document to the JSON value an editor's schema
// validator sees.
func yamlAsJSON(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	return schematest.Instance(t, v)
}

// Every built-in drill validates against the schema.
func TestSchemaValidatesBuiltin(t *testing.T) {
	sch := compileSchema(t)
	all, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	err = fs.WalkDir(builtinFS, "builtin", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".yaml" {
			return err
		}
		files++
		data, err := builtinFS.ReadFile(p)
		if err != nil {
			return err
		}
		t.Run(strings.TrimPrefix(p, "builtin/"), func(t *testing.T) {
			if err := sch.Validate(yamlAsJSON(t, data)); err != nil {
				t.Errorf("got %v, want valid", err)
			}
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files != len(all) || files == 0 {
		t.Errorf("checked %d files, Builtin() has %d drills", files, len(all))
	}
}

func TestSchemaRejects(t *testing.T) {
	sch := compileSchema(t)
	const ok = "title: x\nsteps:\n  - name: one\n    enable_app: aws\n"
	if err := sch.Validate(yamlAsJSON(t, []byte(ok))); err != nil {
		t.Fatalf("base document: got %v, want valid", err)
	}
	tests := []struct{ name, doc, want string }{
		{"unknown top-level key", "title: x\ncolour: red\nsteps:\n  - enable_app: aws\n", "colour"},
		{"unknown step key", "title: x\nsteps:\n  - enable_app: aws\n    colour: red\n", "colour"},
		{"unknown nested key", "title: x\nsteps:\n  - sign_in: {user: alice, sav: r}\n", "sav"},
		{"unknown expect_error key", "title: x\nsteps:\n  - enable_app: aws\n    expect_error: {code: X, mesage: y}\n", "mesage"},
		{"no action", "title: x\nsteps:\n  - name: nothing\n", "/steps/0"},
		{"two actions", "title: x\nsteps:\n  - enable_app: aws\n    disable_app: aws\n", "/steps/0"},
		{"no title", "steps:\n  - enable_app: aws\n", "title"},
		{"no steps", "title: x\nsteps: []\n", "/steps"},
		{"unknown fault", "title: x\nsteps:\n  - sign_in: {user: alice, faults: [gremlins]}\n", "/steps/0/sign_in/faults/0"},
		{"bad simulate expect", "title: x\nsteps:\n  - simulate: {account: '111111111111', role: r, action: a, expect: maybe}\n", "/steps/0/simulate/expect"},
		{"bad account", "title: x\nsteps:\n  - expect_event: {account: '1234', event_name: E}\n", "/steps/0/expect_event/account"},
		{"bad duration", "title: x\nsteps:\n  - advance_clock: soon\n", "/steps/0/advance_clock"},
		{"rotate false", "title: x\nsteps:\n  - rotate_signing_key: false\n", "/steps/0/rotate_signing_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := sch.Validate(yamlAsJSON(t, []byte(tt.doc)))
			switch {
			case err == nil:
				t.Error("got valid, want an error")
			case !strings.Contains(err.Error(), tt.want):
				t.Errorf("got %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
}

// yamlKey is the YAML key of a struct field, "" when the field is not read
// from YAML.
func yamlKey(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	k, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if k == "-" {
		return ""
	}
	if k == "" {
		k = strings.ToLower(f.Name)
	}
	return k
}

// TestSchemaMatchesTypes walks the Go types and schema.json together, so a
// key added to one and not the other fails here. Whoever adds a field to
// Step or a type under it must add it to schema.json too.
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
			d, ok := defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
			if !ok {
				t.Fatalf("unresolved $ref %s", ref)
			}
			s = d
		}
	}
	// types lists the JSON types a schema allows, through anyOf and enum.
	types := func(s map[string]any) []string {
		s = resolve(s)
		var out []string
		for _, b := range append([]any{s}, anyOf(s)...) {
			b := resolve(b.(map[string]any))
			if typ, ok := b["type"].(string); ok {
				out = append(out, typ)
			}
			if e, ok := b["enum"].([]any); ok && len(e) > 0 {
				if _, ok := e[0].(string); ok {
					out = append(out, "string")
				}
			}
		}
		return out
	}

	var walk func(where string, typ reflect.Type, s map[string]any)
	walk = func(where string, typ reflect.Type, s map[string]any) {
		for typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		s = resolve(s)
		want := map[reflect.Kind]string{reflect.String: "string", reflect.Bool: "boolean", reflect.Int: "integer", reflect.Int32: "integer", reflect.Int64: "integer"}
		switch typ.Kind() {
		case reflect.Struct:
			if s["type"] != "object" {
				t.Errorf("%s: the schema has no object for %s", where, typ)
				return
			}
			if s["additionalProperties"] != false {
				t.Errorf("%s: the schema must set additionalProperties: false", where)
			}
			props, _ := s["properties"].(map[string]any)
			var goKeys []string
			for i := range typ.NumField() {
				f := typ.Field(i)
				k := yamlKey(f)
				if k == "" {
					continue
				}
				goKeys = append(goKeys, k)
				ps, ok := props[k].(map[string]any)
				if !ok {
					t.Errorf("%s.%s: the field %s.%s (yaml %q) is missing from scenarios/schema.json: add it, with a description", where, k, typ, f.Name, k)
					continue
				}
				if d, _ := ps["description"].(string); d == "" {
					t.Errorf("%s.%s: the schema has no description", where, k)
				}
				walk(where+"."+k, f.Type, ps)
			}
			for k := range props {
				if !slices.Contains(goKeys, k) {
					t.Errorf("%s.%s: the schema has a key that %s lacks", where, k, typ)
				}
			}
		case reflect.Slice:
			if s["type"] != "array" {
				t.Errorf("%s: the schema has no array for %s", where, typ)
				return
			}
			items, _ := s["items"].(map[string]any)
			if items == nil {
				t.Errorf("%s: the schema's array has no items", where)
				return
			}
			walk(where+"[]", typ.Elem(), items)
		default:
			w, ok := want[typ.Kind()]
			if !ok {
				t.Errorf("%s: no rule for %s", where, typ)
			} else if !slices.Contains(types(s), w) {
				t.Errorf("%s: the schema must allow a %s for %s, allows %v", where, w, typ, types(s))
			}
		}
	}
	walk("", reflect.TypeFor[Scenario](), root)
}

func anyOf(s map[string]any) []any {
	a, _ := s["anyOf"].([]any)
	return a
}

// The step's oneOf lists exactly the action keys, as Parse counts them.
func TestSchemaStepActions(t *testing.T) {
	var root struct {
		Defs struct {
			Step struct {
				OneOf []struct {
					Required []string `json:"required"`
				} `json:"oneOf"`
			} `json:"step"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(Schema, &root); err != nil {
		t.Fatal(err)
	}
	var inSchema []string
	for _, alt := range root.Defs.Step.OneOf {
		if len(alt.Required) != 1 {
			t.Errorf("oneOf alternative requires %v, want one action key", alt.Required)
		}
		inSchema = append(inSchema, alt.Required...)
	}
	// An action is a field that, set alone, makes actions() name it.
	var inGo []string
	for i := range reflect.TypeFor[Step]().NumField() {
		f := reflect.TypeFor[Step]().Field(i)
		var st Step
		v := reflect.ValueOf(&st).Elem().Field(i)
		switch v.Kind() {
		case reflect.Pointer:
			v.Set(reflect.New(v.Type().Elem()))
		case reflect.String:
			v.SetString("x")
		case reflect.Bool:
			v.SetBool(true)
		case reflect.Int, reflect.Int32, reflect.Int64:
			v.SetInt(1)
		default:
			t.Fatalf("Step.%s: no rule for %s", f.Name, f.Type)
		}
		if acts := st.actions(); len(acts) == 1 {
			inGo = append(inGo, acts[0])
		}
	}
	sort.Strings(inSchema)
	sort.Strings(inGo)
	if !slices.Equal(inSchema, inGo) {
		t.Errorf("the oneOf of $defs/step in scenarios/schema.json lists %v, the action fields of Step are %v", inSchema, inGo)
	}
}

// The schema's fault names are the IdP's.
func TestSchemaFaults(t *testing.T) {
	var root struct {
		Defs struct {
			SignIn struct {
				Properties struct {
					Faults struct {
						Items struct {
							Enum []string `json:"enum"`
						} `json:"items"`
					} `json:"faults"`
				} `json:"properties"`
			} `json:"signIn"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(Schema, &root); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range idp.Faults() {
		want = append(want, string(f.Name))
	}
	got := root.Defs.SignIn.Properties.Faults.Items.Enum
	sort.Strings(want)
	sort.Strings(got)
	if !slices.Equal(got, want) {
		t.Errorf("sign_in.faults enum in scenarios/schema.json:\ngot  %v\nwant %v (idp.Faults)", got, want)
	}
}

// TestSchemaClosed checks that every object of the schema that lists
// properties forbids others.
func TestSchemaClosed(t *testing.T) {
	var root any
	if err := json.Unmarshal(Schema, &root); err != nil {
		t.Fatal(err)
	}
	var walk func(where string, v any)
	walk = func(where string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if _, ok := v["properties"]; ok && v["additionalProperties"] != false {
				t.Errorf("%s: properties without additionalProperties: false", where)
			}
			for k, c := range v {
				walk(where+"/"+k, c)
			}
		case []any:
			for i, c := range v {
				walk(where+"/"+strconv.Itoa(i), c)
			}
		}
	}
	walk("#", root)
}
