package landscape

import (
	"encoding/json"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func decodePolicy(t *testing.T, src string) (Policy, error) {
	t.Helper()
	var p Policy
	err := yaml.Unmarshal([]byte(src), &p)
	return p, err
}

func TestPolicyForms(t *testing.T) {
	const want = `{"Statement":[{"Action":"s3:GetObject","Condition":{"Bool":{"aws:SecureTransport":true},"NumericLessThan":{"s3:max-keys":10}},"Effect":"Allow","Resource":"arn:aws:s3:::a<b>&c"}],"Version":"2012-10-17"}`
	tests := []struct {
		name string
		src  string
	}{
		{"mapping", `
Version: "2012-10-17"
Statement:
  - Effect: Allow
    Action: s3:GetObject
    Resource: "arn:aws:s3:::a<b>&c"
    Condition: {Bool: {aws:SecureTransport: true}, NumericLessThan: {s3:max-keys: 10}}
`},
		{"flow mapping", `{Version: "2012-10-17", Statement: [{Effect: Allow, Action: s3:GetObject, Resource: "arn:aws:s3:::a<b>&c", Condition: {Bool: {aws:SecureTransport: true}, NumericLessThan: {s3:max-keys: 10}}}]}`},
		{"JSON string", `'{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::a<b>&c", "Condition": {"Bool": {"aws:SecureTransport": true}, "NumericLessThan": {"s3:max-keys": 10}}}]}'`},
		{"JSON block", `|
  {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::a<b>&c",
                   "Condition": {"Bool": {"aws:SecureTransport": true}, "NumericLessThan": {"s3:max-keys": 10}}}]
  }
`},
		{"anchor and alias", `
Version: "2012-10-17"
Statement:
  - Effect: Allow
    Action: &a s3:GetObject
    Resource: "arn:aws:s3:::a<b>&c"
    Condition: {Bool: {aws:SecureTransport: true}, NumericLessThan: {s3:max-keys: 10}}
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := decodePolicy(t, tt.src)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if got := p.JSON(); got != want {
				t.Errorf("JSON:\ngot  %s\nwant %s", got, want)
			}
			var b strings.Builder
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(struct{ P Policy }{p}); err != nil {
				t.Fatal(err)
			}
			if got := b.String(); got != `{"P":`+want+"}\n" {
				t.Errorf("MarshalJSON: got %s", got)
			}
		})
	}
}

func TestPolicyZero(t *testing.T) {
	var p Policy
	if !p.IsZero() || p.JSON() != "" {
		t.Errorf("zero policy: got IsZero %v JSON %q, want true and empty", p.IsZero(), p.JSON())
	}
	b, _ := json.Marshal(p)
	if string(b) != "null" {
		t.Errorf("MarshalJSON: got %s, want null", b)
	}
}

func TestPolicyDecodeErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"list", "[a, b]", "line 1: column 1: want a policy as a mapping or as a string of JSON, got a list"},
		{"number", "42", "want a policy as a mapping or as a string of JSON, got an integer"},
		{"JSON array", `'[1]'`, "want a policy as a JSON object, got a list"},
		{"JSON trailing data", `'{"a": 1} {}'`, "invalid JSON in a policy: unexpected data after the JSON value"},
		{"JSON truncated", `'{"a": [1'`, "invalid JSON in a policy: unexpected end of JSON"},
		{"JSON empty", `''`, "invalid JSON in a policy: empty"},
		{"JSON duplicate nested key", `'{"a": {"b": 1, "b": 2}}'`, `duplicate key "b"`},
		{"YAML duplicate key", "{a: {b: 1, b: 2}}", `line 1: column 12: duplicate key "b"`},
		{"not finite", "{a: .inf}", `number ".inf" is not finite`},
		{"non-scalar key", "{[a]: 1}", "keys must be strings, got a list"},
		{"deep", strings.Repeat("{a: ", 70) + "1" + strings.Repeat("}", 70), "nested deeper than 64 levels"},
		{"deep JSON", "'" + strings.Repeat(`{"a": `, 70) + "1" + strings.Repeat("}", 70) + "'", "JSON nested deeper than 64 levels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodePolicy(t, tt.src)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// TestAliasBomb checks that aliases cannot make a policy explode.
func TestAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 10; i++ {
		prev := "*a" + string(rune('0'+i-1))
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [" + strings.Repeat(prev+", ", 9) + prev + "]\n")
	}
	b.WriteString("Version: *a9\n")
	_, err := decodePolicy(t, b.String())
	if err == nil {
		t.Fatal("got no error for an alias bomb")
	}
}

func TestPolicyGrammar(t *testing.T) {
	tests := []struct {
		name string
		kind policyKind
		doc  string
		want []string // "path: message" substrings; none means valid
	}{
		{"trust ok", trustPolicy, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}}`, nil},
		{"identity ok", identityPolicy, `{"Version":"2012-10-17","Id":"x","Statement":[{"Sid":"A1","Effect":"Deny","NotAction":"iam:*","NotResource":["arn:aws:iam::*:role/x"]}]}`, nil},
		{"unknown top key", identityPolicy, `{"Version":"2012-10-17","Statment":[]}`, []string{`Statment: unknown key "Statment" (did you mean "Statement"?)`, "Statement: required"}},
		{"missing version", identityPolicy, `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, []string{`Version: required: "2012-10-17"`}},
		{"statement not object", identityPolicy, `{"Version":"2012-10-17","Statement":["x"]}`, []string{`Statement[0]: want a statement object, got "x"`}},
		{"statement scalar", identityPolicy, `{"Version":"2012-10-17","Statement":3}`, []string{"Statement: want a statement object or a list of them, got a number 3"}},
		{"sid", identityPolicy, `{"Version":"2012-10-17","Statement":{"Sid":"a-b","Effect":"Allow","Action":"*","Resource":"*"}}`, []string{`Statement.Sid: a Sid holds only letters and digits, got "a-b"`}},
		{"no action", identityPolicy, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Resource":"*"}}`, []string{"Statement: needs Action or NotAction"}},
		{"bad action", identityPolicy, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["s3 Get"],"Resource":"*"}}`, []string{`Statement.Action[0]: want an action such as sts:AssumeRole or "*", got "s3 Get"`}},
		{"empty action list", identityPolicy, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":[],"Resource":"*"}}`, []string{"Statement.Action: must not be an empty list"}},
		{"action number", identityPolicy, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":[1],"Resource":"*"}}`, []string{"Statement.Action[0]: want a string, got a number 1"}},
		{"both resources", identityPolicy, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","NotResource":"*"}}`, []string{"Statement: has both Resource and NotResource"}},
		{"bad resource", identityPolicy, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"bucket"}}`, []string{`Statement.Resource: want an ARN or "*", got "bucket"`}},
		{"trust not principal", trustPolicy, `{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}}`, nil},
		{"trust both principals", trustPolicy, `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Principal":"*","NotPrincipal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}}`, []string{"Statement: has both Principal and NotPrincipal"}},
		{"principal string", trustPolicy, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"111111111111","Action":"sts:AssumeRole"}}`, []string{`Statement.Principal: want "*" or an object`}},
		{"principal type", trustPolicy, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Aws":"111111111111"},"Action":"sts:AssumeRole"}}`, []string{`Statement.Principal.Aws: unknown key "Aws" (did you mean "AWS"?)`}},
		{"AWS principal", trustPolicy, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111111111111:root","1234"]},"Action":"sts:AssumeRole"}}`, []string{`Statement.Principal.AWS[1]: want an account id, an IAM ARN or "*", got "1234"`}},
		{"federated principal", trustPolicy, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111111111111:role/x"},"Action":"sts:AssumeRoleWithSAML"}}`, []string{"Statement.Principal.Federated: want a SAML or OIDC provider ARN"}},
		{"web identity", trustPolicy, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity"}}`, nil},
		{"service principal", trustPolicy, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"EC2"},"Action":"sts:AssumeRole"}}`, []string{`Statement.Principal.Service: want a service principal such as ec2.amazonaws.com, got "EC2"`}},
		{"condition shape", trustPolicy, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"Bool":"true"}}}`, []string{"Statement.Condition.Bool: want an object of condition keys and values"}},
		{"condition values", trustPolicy, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"ForAnyValue:StringLikeIfExists":{"k":[]},"Null":{"k":[{"a":1}]}}}}`, []string{"Condition.ForAnyValue:StringLikeIfExists.k: needs at least one value", "Condition.Null.k[0]: want a string, number or boolean, got an object"}},
		{"condition NullIfExists", trustPolicy, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"NullIfExists":{"k":"true"}}}}`, []string{`unknown condition operator "NullIfExists"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc map[string]any
			v, err := decodeJSON(tt.doc)
			if err != nil {
				t.Fatalf("decodeJSON: %v", err)
			}
			doc = v.(map[string]any)
			var got []string
			parseStatements(doc, tt.kind, func(path, msg string) { got = append(got, path+": "+msg) })
			all := strings.Join(got, "\n")
			if len(tt.want) == 0 && len(got) > 0 {
				t.Errorf("got problems\n%s\nwant none", all)
			}
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("got problems\n%s\nwant one containing %q", all, w)
				}
			}
		})
	}
}

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true},
		{"*", "anything", true},
		{"sts:assumerole", "sts:assumerole", true},
		{"sts:assume*", "sts:assumerole", true},
		{"sts:assume*", "sts:tagsession", false},
		{"arn:aws:iam::*:role/EmergencyAccess_*", "arn:aws:iam::222222222222:role/EmergencyAccess_RO", true},
		{"arn:aws:iam::*:role/EmergencyAccess_*", "arn:aws:iam::222222222222:role/Other", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"a*b*c", "aXbYbZc", true},
		{"a*b*c", "aXbYbZ", false},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+" "+tt.s, func(t *testing.T) {
			if got := globMatch(tt.pattern, tt.s); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseARN(t *testing.T) {
	tests := []struct {
		s                     string
		ok                    bool
		account, typ, name, p string
	}{
		{"arn:aws:iam::111111111111:role/EmergencyAccess_RO", true, "111111111111", "role", "EmergencyAccess_RO", "/"},
		{"arn:aws:iam::111111111111:role/team/ops/R", true, "111111111111", "role", "R", "/team/ops/"},
		{"arn:aws:iam::111111111111:saml-provider/Okta", true, "111111111111", "saml-provider", "Okta", "/"},
		{"arn:aws:iam::111111111111:root", true, "111111111111", "root", "root", "/"},
		{"arn:aws:iam::aws:policy/job-function/SystemAdministrator", true, "aws", "policy", "SystemAdministrator", "/job-function/"},
		{"arn:aws:iam::111111111111", false, "", "", "", ""},
		{"not an arn", false, "", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.s, func(t *testing.T) {
			a, ok := parseARN(tt.s)
			if ok != tt.ok {
				t.Fatalf("ok: got %v, want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			if a.account != tt.account || a.resourceType() != tt.typ || a.name() != tt.name || a.path() != tt.p {
				t.Errorf("got account %q type %q name %q path %q, want %q %q %q %q", a.account, a.resourceType(), a.name(), a.path(), tt.account, tt.typ, tt.name, tt.p)
			}
		})
	}
}
