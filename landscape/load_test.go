package landscape

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// demoHash is bcrypt(DemoPassword), cost 10, as in default.yaml.
const demoHash = "$2a$10$rxEcqGCPDRufDBxL369CmOWTTjUyXQLrlgnxjLZneNhBru.Q3xsMK"

// baseYAML is a small valid landscape that the problem tests break one
// piece at a time.
const baseYAML = `version: 1
name: base
idp:
  entity_id: urn:test
  groups:
    - name: "aws#Admin#111111111111"
    - name: staff
  users:
    - username: u
      password_hash: "` + demoHash + `"
      groups: [staff]
  apps:
    - id: aws
      group_filter: '^aws\#(?{{role}}[\w\-]+)\#(?{{accountid}}\d+)$'
      role_value_pattern: 'arn:aws:iam::${accountid}:saml-provider/P,arn:aws:iam::${accountid}:role/${role}'
accounts:
  - id: "111111111111"
    kind: emergency
    saml_providers: [{name: P, metadata: idp}]
    roles:
      - name: Admin
        trust_policy:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Principal: {Federated: "arn:aws:iam::111111111111:saml-provider/P"}
              Action: sts:AssumeRoleWithSAML
        inline_policies:
          Hop:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: sts:AssumeRole
                Resource: "arn:aws:iam::222222222222:role/Target"
  - id: "222222222222"
    kind: workload
    roles:
      - name: Target
        trust_policy:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Principal: {AWS: "arn:aws:iam::111111111111:role/Admin"}
              Action: sts:AssumeRole
        managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]
    groups:
      - name: G
    users:
      - name: breakglass
        groups: [G]
organization:
  management_account: "555555555555"
  service_control_policies:
    - name: Protect
      targets: ["111111111111", "222222222222"]
      policy:
        Version: "2012-10-17"
        Statement:
          - Effect: Deny
            Action: iam:DeleteRole
            Resource: "*"
alerts:
  - name: federation
    severity: high
    pattern:
      source: [aws.sts]
`

// edit applies old/new replacement pairs to s; each old must occur.
func edit(t *testing.T, s string, pairs ...string) string {
	t.Helper()
	for i := 0; i+1 < len(pairs); i += 2 {
		if !strings.Contains(s, pairs[i]) {
			t.Fatalf("edit: %q is not in the document", pairs[i])
		}
		s = strings.Replace(s, pairs[i], pairs[i+1], 1)
	}
	return s
}

// problemsOf parses data and returns its problems, failing if it parses.
func problemsOf(t *testing.T, data string) Problems {
	t.Helper()
	l, err := Parse("test.yaml", []byte(data))
	if err == nil {
		t.Fatalf("Parse: got a landscape (%d accounts), want problems", len(l.Accounts))
	}
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("Parse: got error %T %v, want Problems", err, err)
	}
	return ps
}

func TestBaseIsValid(t *testing.T) {
	if _, err := Parse("base.yaml", []byte(baseYAML)); err != nil {
		t.Fatalf("Parse(baseYAML): %v", err)
	}
}

func TestDefault(t *testing.T) {
	l := Default()
	if l.File != DefaultName {
		t.Errorf("File: got %q, want %q", l.File, DefaultName)
	}
	wantAccounts := []struct {
		id   string
		kind AccountKind
		name string
	}{
		{EmergencyAccountID, KindEmergency, "Emergency access"},
		{Workload1AccountID, KindWorkload, "Account 1"},
		{Workload2AccountID, KindWorkload, "Account 2"},
		{IdentityAdminAccountID, KindIdentityAdmin, "Identity administration"},
	}
	if len(l.Accounts) != len(wantAccounts) {
		t.Fatalf("accounts: got %d, want %d", len(l.Accounts), len(wantAccounts))
	}
	for i, w := range wantAccounts {
		a := l.Accounts[i]
		if a.ID != w.id || a.Kind != w.kind || a.Name != w.name {
			t.Errorf("account %d: got %s %s %q, want %s %s %q", i, a.ID, a.Kind, a.Name, w.id, w.kind, w.name)
		}
		for _, r := range a.Roles {
			if r.MaxSessionDuration != 3600 || r.Path != "/" {
				t.Errorf("role %s: got max session %d path %q, want 3600 /", r.Name, r.MaxSessionDuration, r.Path)
			}
		}
	}
	if !l.UsesDemoPassword() {
		t.Error("UsesDemoPassword: got false, want true")
	}
	if a := l.IdentityProvider.Apps[0]; a.Enabled {
		t.Error("the default app is enabled; the guidance keeps it disabled at rest")
	}
	for _, u := range l.IdentityProvider.Users {
		for _, m := range u.Groups {
			if strings.HasPrefix(m.Group, "aws#") {
				t.Errorf("user %s is in emergency group %s at rest", u.Username, m.Group)
			}
		}
		if (u.TOTPSecret != "") != (u.Username == "alice") {
			t.Errorf("user %s: TOTP secret %q; only alice has one", u.Username, u.TOTPSecret)
		}
	}
	// Default returns independent copies.
	l.Accounts[0].Name = "changed"
	if Default().Accounts[0].Name != "Emergency access" {
		t.Error("Default returned a shared landscape")
	}
	if string(DefaultYAML()) != string(defaultYAML) {
		t.Error("DefaultYAML differs from the embedded file")
	}
}

func TestDefaultTrustPolicies(t *testing.T) {
	l := Default()
	em, _ := l.Account(EmergencyAccountID)
	want := `{"Statement":[{"Action":["sts:AssumeRoleWithSAML","sts:SetSourceIdentity","sts:TagSession"],` +
		`"Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}},"Effect":"Allow",` +
		`"Principal":{"Federated":"arn:aws:iam::111111111111:saml-provider/Okta"}},` +
		`{"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}},"Effect":"Allow",` +
		`"Principal":{"AWS":"arn:aws:iam::111111111111:user/EmergencyAccess"}}],"Version":"2012-10-17"}`
	for _, r := range em.Roles[:4] {
		if got := r.TrustPolicy.JSON(); got != want {
			t.Errorf("%s trust policy:\ngot  %s\nwant %s", r.Name, got, want)
		}
	}
}

func TestFileProblems(t *testing.T) {
	tests := []struct {
		name string
		data string
		want string
	}{
		{"empty", "", "test.yaml: file is empty"},
		{"blank", "  \n\n\t\n", "test.yaml: file is empty"},
		{"only comments", "# nothing here\n", "test.yaml: file is empty"},
		{"too large", "version: 1\n" + strings.Repeat("#", MaxFileSize), "test.yaml: file is larger than 4 MiB"},
		{"two documents", "version: 1\n---\nversion: 1\n", "test.yaml:2:1: file holds more than one YAML document"},
		{"list", "- version: 1\n", "test.yaml:1:1: the top level must be a mapping"},
		{"scalar", "hello\n", "test.yaml:1:1: the top level must be a mapping (version: 1, idp: ..., accounts: ...), got a string"},
		{"syntax", "version: 1\nidp: [\n", "test.yaml:2: invalid YAML: did not find expected node content"},
		{"tab indentation", "version: 1\nidp:\n\tentity_id: x\n", "test.yaml:3: invalid YAML: found character that cannot start any token"},
		{"unknown anchor", "version: 1\nname: *nope\n", "test.yaml: invalid YAML: unknown anchor 'nope' referenced"},
		{"self-referencing policy", edit(t, baseYAML, "        trust_policy:\n", "        trust_policy: &p\n", "Action: sts:AssumeRoleWithSAML", "Action: sts:AssumeRoleWithSAML\n              Condition: *p"), "document nested deeper than 64 levels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := problemsOf(t, tt.data).Error()
			if !strings.HasPrefix(got, tt.want) && !strings.Contains(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAccountIDs(t *testing.T) {
	tests := []struct {
		name    string
		id      string
		wantErr string
	}{
		{"quoted", `"111111111111"`, ""},
		{"unquoted", `111111111111`, ""},
		{"quoted leading zero", `"011111111111"`, "account 111111111111 is not declared"},
		{"unquoted 11 digits", `11111111111`, `accounts[0].id: an account id is 12 digits, got "11111111111"`},
		{"unquoted 13 digits", `1111111111111`, `accounts[0].id: an account id is 12 digits, got "1111111111111"`},
		{"float", `1.11111111111e11`, `accounts[0].id: an account id is 12 digits, got "1.11111111111e11"`},
		{"empty", `""`, `accounts[0].id: an account id is 12 digits, got ""`},
		{"list", `[111111111111]`, `accounts[0].id: want a string, got a list`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := edit(t, baseYAML, `  - id: "111111111111"`, `  - id: `+tt.id)
			l, err := Parse("test.yaml", []byte(data))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if got := l.Accounts[0].ID; got != "111111111111" {
					t.Errorf("id: got %q, want %q", got, "111111111111")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestProblems(t *testing.T) {
	tests := []struct {
		name  string
		edits []string
		want  []string // each must be in the problems
	}{
		{"version missing", []string{"version: 1\n", ""}, []string{"test.yaml:1:1: version: required; the only version is 1"}},
		{"version 2", []string{"version: 1", "version: 2"}, []string{"test.yaml:1:10: version: must be 1, got 2"}},
		{"version string", []string{"version: 1", "version: one"}, []string{`test.yaml:1:10: version: want an integer, got a string "one"`}},
		{"unknown top-level key", []string{"name: base", "name: base\ncolour: red"}, []string{`test.yaml:3:1: colour: unknown key "colour"; allowed keys: accounts, alerts, description, idp, name, organization, version`}},
		{"typo", []string{"        trust_policy:\n          Version: \"2012-10-17\"\n          Statement:\n            - Effect: Allow\n              Principal: {AWS", "        trust_polcy:\n          Version: \"2012-10-17\"\n          Statement:\n            - Effect: Allow\n              Principal: {AWS"},
			[]string{`accounts[1].roles[0].trust_polcy: unknown key "trust_polcy" (did you mean "trust_policy"?)`, "accounts[1].roles[0].trust_policy: required"}},
		{"camel case", []string{"group_filter:", "groupFilter:"}, []string{`idp.apps[0].groupFilter: unknown key "groupFilter" (did you mean "group_filter"?)`, "idp.apps[0].group_filter: required"}},
		{"wrong type", []string{"kind: emergency", "kind: [emergency]"}, []string{"test.yaml:18:11: accounts[0].kind: want a string, got a list"}},
		{"mapping for list", []string{"groups: [staff]", "groups: {staff: true}"}, []string{"idp.users[0].groups: want a list, got a mapping"}},
		{"duplicate key", []string{"kind: emergency", "kind: emergency\n    kind: other"}, []string{`test.yaml:19:5: accounts[0].kind: duplicate key "kind"`}},
		{"duplicate map key", []string{"    pattern:\n      source: [aws.sts]", "    pattern:\n      source: [aws.sts]\n      source: [aws.iam]"}, []string{`duplicate key "source"`}},
		{"bad kind", []string{"kind: emergency", "kind: prod"}, []string{`accounts[0].kind: want emergency, workload, identity-admin or other, got "prod"`}},
		{"duplicate account", []string{`  - id: "222222222222"`, `  - id: "111111111111"`}, []string{"accounts[1].id: account 111111111111 is declared twice"}},
		{"bad role name", []string{"- name: Admin", "- name: Ad min"}, []string{`accounts[0].roles[0].name: role name "Ad min" must be 1-64`, "app aws maps this group to role Admin, which account 111111111111 does not declare"}},
		{"duplicate role regardless of case", []string{"  - id: \"222222222222\"\n    kind: workload\n    roles:\n", "  - id: \"222222222222\"\n    kind: workload\n    roles:\n      - {name: target, trust_policy: {Version: \"2012-10-17\", Statement: {Effect: Allow, Principal: {AWS: \"111111111111\"}, Action: sts:AssumeRole}}}\n"},
			[]string{"accounts[1].roles[1].name: role Target is declared twice in account 222222222222 (IAM role names are unique regardless of case: target)"}},
		{"max session duration", []string{"- name: Target", "- name: Target\n        max_session_duration: 100"}, []string{"accounts[1].roles[0].max_session_duration: must be between 3600 and 43200, got 100"}},
		{"max session duration zero", []string{"- name: Target", "- name: Target\n        max_session_duration: 0"}, []string{"must be between 3600 and 43200, got 0"}},
		{"role path", []string{"- name: Target", "- name: Target\n        path: team"}, []string{`accounts[1].roles[0].path: a path is / or /segments/`}},
		{"undefined provider", []string{`saml-provider/P"}`, `saml-provider/Q"}`}, []string{"accounts[0].roles[0].trust_policy.Statement[0].Principal.Federated: SAML provider Q is not declared in account 111111111111"}},
		{"provider case", []string{`saml-provider/P"}`, `saml-provider/p"}`}, []string{"SAML provider p is declared as P: ARNs are case-sensitive"}},
		{"undefined trusted role", []string{`role/Admin"}`, `role/Nobody"}`}, []string{"accounts[1].roles[0].trust_policy.Statement[0].Principal.AWS: role Nobody is not declared in account 111111111111"}},
		{"undefined trusted user", []string{`role/Admin"}`, `user/nobody"}`}, []string{"user nobody is not declared in account 111111111111"}},
		{"outside account is not checked", []string{`role/Admin"}`, `role/Admin", Federated: "arn:aws:iam::999999999999:saml-provider/X"}`}, nil},
		{"undefined hop target", []string{`role/Target"`, `role/Targte"`}, []string{"accounts[0].roles[0].inline_policies.Hop.Statement[0].Resource: role Targte is not declared in account 222222222222"}},
		{"trust with resource", []string{"Action: sts:AssumeRoleWithSAML", "Action: sts:AssumeRoleWithSAML\n              Resource: \"*\""}, []string{"trust_policy.Statement[0].Resource: a trust policy must not have Resource"}},
		{"trust without principal", []string{`              Principal: {AWS: "arn:aws:iam::111111111111:role/Admin"}` + "\n", ""}, []string{"accounts[1].roles[0].trust_policy.Statement[0]: needs Principal"}},
		{"trust action not sts", []string{"Action: sts:AssumeRoleWithSAML", "Action: s3:GetObject"}, []string{`trust_policy.Statement[0].Action: a trust policy may only allow sts: actions, got "s3:GetObject"`}},
		{"identity policy with principal", []string{"                Action: sts:AssumeRole\n", "                Action: sts:AssumeRole\n                Principal: \"*\"\n"}, []string{"inline_policies.Hop.Statement[0].Principal: an identity policy must not have Principal"}},
		{"identity policy without resource", []string{"                Resource: \"arn:aws:iam::222222222222:role/Target\"\n", ""}, []string{"inline_policies.Hop.Statement[0]: needs Resource or NotResource in an identity policy"}},
		{"statement typo", []string{"- Effect: Deny", "- Efect: Deny"}, []string{`policy.Statement[0].Efect: unknown key "Efect" (did you mean "Effect"?)`, `policy.Statement[0].Effect: required: "Allow" or "Deny"`}},
		{"effect", []string{"- Effect: Deny", "- Effect: deny"}, []string{`policy.Statement[0].Effect: want "Allow" or "Deny", got "deny"`}},
		{"both actions", []string{"Action: iam:DeleteRole", "Action: iam:DeleteRole\n            NotAction: iam:CreateRole"}, []string{"policy.Statement[0]: has both Action and NotAction"}},
		{"policy version unquoted", []string{"      policy:\n        Version: \"2012-10-17\"", "      policy:\n        Version: 2012-10-17"}, nil},
		{"policy version", []string{"      policy:\n        Version: \"2012-10-17\"", "      policy:\n        Version: 2012"}, []string{`test.yaml:57:18: organization.service_control_policies[0].policy.Version: want "2012-10-17" (or the legacy "2008-10-17"), got a number 2012`}},
		{"empty statement list", []string{"        Statement:\n          - Effect: Deny\n            Action: iam:DeleteRole\n            Resource: \"*\"", "        Statement: []"}, []string{"policy.Statement: must not be empty"}},
		{"condition operator", []string{"Action: sts:AssumeRoleWithSAML", "Action: sts:AssumeRoleWithSAML\n              Condition: {StringEqual: {\"SAML:aud\": x}}"}, []string{`Condition.StringEqual: unknown condition operator "StringEqual" (did you mean "StringEquals"?)`}},
		{"policy as JSON", []string{"      policy:\n        Version: \"2012-10-17\"\n        Statement:\n          - Effect: Deny\n            Action: iam:DeleteRole\n            Resource: \"*\"", `      policy: '{"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "iam:DeleteRole"}}'`}, []string{"test.yaml:56:15: organization.service_control_policies[0].policy.Statement: needs Resource or NotResource in a service control policy"}},
		{"invalid JSON", []string{"      policy:\n        Version: \"2012-10-17\"\n        Statement:\n          - Effect: Deny\n            Action: iam:DeleteRole\n            Resource: \"*\"", `      policy: '{"Version": "2012-10-17",}'`}, []string{"test.yaml:56:15: organization.service_control_policies[0].policy: invalid JSON in a policy: invalid character '}' looking for beginning of object key string (at byte 25)"}},
		{"JSON duplicate key", []string{"      policy:\n        Version: \"2012-10-17\"\n        Statement:\n          - Effect: Deny\n            Action: iam:DeleteRole\n            Resource: \"*\"", `      policy: '{"Version": "2012-10-17", "Version": "2012-10-17"}'`}, []string{`invalid JSON in a policy: duplicate key "Version"`}},
		{"policy list", []string{"      policy:\n        Version: \"2012-10-17\"\n        Statement:\n          - Effect: Deny\n            Action: iam:DeleteRole\n            Resource: \"*\"", `      policy: [a]`}, []string{"policy: want a policy as a mapping or as a string of JSON, got a list"}},
		{"policy merge key", []string{"Action: iam:DeleteRole", "<<: {Action: iam:DeleteRole}"}, []string{"merge keys (<<) are not supported here"}},
		{"managed policy ARN", []string{"arn:aws:iam::aws:policy/ReadOnlyAccess", "ReadOnlyAccess"}, []string{`accounts[1].roles[0].managed_policies[0]: want a managed policy ARN such as arn:aws:iam::aws:policy/ReadOnlyAccess, got "ReadOnlyAccess"`}},
		{"missing customer policy", []string{"arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::222222222222:policy/Mine"}, []string{"policy Mine is not declared under policies of account 222222222222"}},
		{"customer policy of another account", []string{"arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::111111111111:policy/Mine"}, []string{"IAM attaches only AWS managed policies and policies of the same account"}},
		{"customer policy declared", []string{"    groups:\n      - name: G", "    policies:\n      - name: Mine\n        document: {Version: \"2012-10-17\", Statement: {Effect: Allow, Action: \"s3:*\", Resource: \"*\"}}\n    groups:\n      - name: G", "arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::222222222222:policy/Mine"}, nil},
		{"undefined IdP group", []string{"groups: [staff]", "groups: [staff, nobody]"}, []string{`test.yaml:11:23: idp.users[0].groups[1]: group "nobody" is not declared under idp.groups`}},
		{"group name case", []string{"groups: [staff]", "groups: [Staff]"}, []string{`group "Staff" is declared as "staff"`}},
		{"membership twice", []string{"groups: [staff]", "groups: [staff, staff]"}, []string{`user u is a member of "staff" twice`}},
		{"membership expiry", []string{"groups: [staff]", "groups: [{name: staff, expires: 2026-12-01T00:00:00Z}]"}, nil},
		{"membership bad expiry", []string{"groups: [staff]", "groups: [{name: staff, expires: 2026-12-01}]"}, []string{`test.yaml:11:39: idp.users[0].groups[0].expires: want an RFC 3339 time such as 2026-12-01T00:00:00Z, got "2026-12-01"`}},
		{"membership unknown key", []string{"groups: [staff]", "groups: [{name: staff, until: x}]"}, []string{`idp.users[0].groups[0].until: unknown key "until"; allowed keys: expires, name`}},
		{"null membership", []string{"groups: [staff]", "groups: [staff, ~]"}, []string{"test.yaml:11:23: idp.users[0].groups[1]: empty list item: remove it or give it a value"}},
		{"null account", []string{"accounts:\n", "accounts:\n  -\n"}, []string{"test.yaml:17:4: accounts[0]: empty list item"}},
		{"null policy ARN", []string{"managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]", "managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess, null]"}, []string{"accounts[1].roles[0].managed_policies[1]: empty list item"}},
		{"null in a pattern is a value", []string{"source: [aws.sts]", "source: [aws.sts]\n      detail: {errorCode: [null]}"}, nil},
		{"membership without name", []string{"groups: [staff]", "groups: [{expires: 2026-12-01T00:00:00Z}]"}, []string{"idp.users[0].groups[0]: a membership needs a group name"}},
		{"bcrypt", []string{`password_hash: "` + demoHash + `"`, "password_hash: secret"}, []string{"idp.users[0].password_hash: not a bcrypt hash"}},
		{"no password hash", []string{`      password_hash: "` + demoHash + `"` + "\n", ""}, []string{"idp.users[0].password_hash: required"}},
		{"totp lower case", []string{"      groups: [staff]", "      groups: [staff]\n      totp_secret: jbswy3dpehpk3pxpjbswy3dpeh"}, []string{"idp.users[0].totp_secret: must be upper-case base32"}},
		{"totp short", []string{"      groups: [staff]", "      groups: [staff]\n      totp_secret: JBSWY3DPEHPK3PXP"}, []string{"idp.users[0].totp_secret: secret is 80 bits; RFC 4226 requires at least 128"}},
		{"totp not base32", []string{"      groups: [staff]", "      groups: [staff]\n      totp_secret: JBSWY3DPEHPK3PXP1JBSWY3DPEHPK3PXP"}, []string{"idp.users[0].totp_secret: not valid base32"}},
		{"reserved attribute", []string{"      groups: [staff]", "      groups: [staff]\n      attributes: {username: x}"}, []string{"idp.users[0].attributes.username: attribute name username is reserved"}},
		{"duplicate username", []string{"  apps:", "    - {username: U, password_hash: \"" + demoHash + "\"}\n  apps:"}, []string{`idp.users[1].username: user "U" is declared twice (usernames are compared regardless of case: "u")`}},
		{"group filter", []string{`(?{{role}}[\w\-]+)`, `(?{{role}}[\w\-+)`}, []string{"test.yaml:14:21: idp.apps[0].group_filter: group filter", "is not a valid regular expression"}},
		{"group filter capture", []string{`(?{{role}}`, `(?{{rolle}}`}, []string{"unknown capture {{rolle}}"}},
		{"role value variable", []string{"role/${role}'", "role/${role}${foo}'"}, []string{"idp.apps[0].role_value_pattern: unknown variable ${foo}: only ${role} and ${accountid} are defined"}},
		{"role value one ARN", []string{"'arn:aws:iam::${accountid}:saml-provider/P,arn:aws:iam::${accountid}:role/${role}'", "'arn:aws:iam::${accountid}:role/${role}'"}, []string{"idp.apps[0].role_value_pattern: must give a role ARN and a SAML provider ARN separated by one comma"}},
		{"role value without role", []string{"role/${role}'", "role/Fixed'"}, []string{"role_value_pattern: does not use ${role}"}},
		{"acs and region", []string{"      group_filter:", "      acs: https://signin.aws.amazon.com/saml\n      region: us-east-2\n      group_filter:"}, []string{"idp.apps[0].region: acs and region are mutually exclusive"}},
		{"bad region", []string{"      group_filter:", "      region: mars\n      group_filter:"}, []string{`idp.apps[0].region: want an AWS region such as us-east-2, got "mars"`}},
		{"session duration", []string{"      group_filter:", "      session_duration: 100\n      group_filter:"}, []string{"idp.apps[0].session_duration: must be between 900 and 43200 seconds, got 100"}},
		{"name id format", []string{"      group_filter:", "      name_id_format: pretty\n      group_filter:"}, []string{`idp.apps[0].name_id_format: want persistent, transient, email, unspecified or a format URI, got "pretty"`}},
		{"sign", []string{"      group_filter:", "      sign: everything\n      signature_algoritm: rsa\n      group_filter:"}, []string{`idp.apps[0].sign: want assertion, response or both, got "everything"`, `idp.apps[0].signature_algoritm: unknown key "signature_algoritm" (did you mean "signature_algorithm"?)`}},
		{"transitive tag not a principal tag", []string{"      group_filter:", "      principal_tags: {team: department}\n      transitive_tag_keys: [team, cost]\n      group_filter:"}, []string{`idp.apps[0].transitive_tag_keys[1]: transitive tag key "cost" is not a key of principal_tags`}},
		{"duplicate app", []string{"  apps:\n", "  apps:\n    - {id: aws, group_filter: 'x(?{{role}}y)', role_value_pattern: 'arn:aws:iam::1:role/${role},arn:aws:iam::1:saml-provider/P'}\n"}, []string{`idp.apps[1].id: app "aws" is declared twice`}},
		{"group maps to missing role", []string{"    - name: staff\n", "    - name: staff\n    - name: \"aws#Nobody#111111111111\"\n"}, []string{"test.yaml:8:13: idp.groups[2].name: app aws maps this group to role Nobody, which account 111111111111 does not declare"}},
		{"entity id", []string{"entity_id: urn:test", "entity_id: not a uri"}, []string{`idp.entity_id: want an absolute URI, got "not a uri"`}},
		{"signing half pair", []string{"  entity_id: urn:test", "  entity_id: urn:test\n  signing: {key: k.pem}"}, []string{"idp.signing: key and cert go together"}},
		{"IAM user group missing", []string{"groups: [G]", "groups: [G, H]"}, []string{"accounts[1].users[0].groups[1]: group H is not declared in account 222222222222"}},
		{"MFA without secret", []string{"groups: [G]", "groups: [G]\n        mfa: {device: bg}"}, []string{"accounts[1].users[0].mfa.totp_secret: required"}},
		{"SCP target", []string{`targets: ["111111111111", "222222222222"]`, `targets: ["111111111111", "333333333333", "1234"]`}, []string{"organization.service_control_policies[0].targets[1]: account 333333333333 is not declared under accounts", `targets[2]: an account id is 12 digits, got "1234"`}},
		{"SCP principal", []string{"Action: iam:DeleteRole", "Action: iam:DeleteRole\n            Principal: \"*\""}, []string{"policy.Statement[0].Principal: a service control policy must not have Principal"}},
		{"alert severity", []string{"severity: high", "severity: urgent"}, []string{`alerts[0].severity: want low, medium, high or critical, got "urgent"`}},
		{"alert pattern leaf", []string{"source: [aws.sts]", "source: aws.sts"}, []string{`alerts[0].pattern.source: want an array of values to match (EventBridge matches only arrays), got "aws.sts"`}},
		{"alert pattern prefix filter", []string{"source: [aws.sts]", "source: [{prefix: aws.}]"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := edit(t, baseYAML, tt.edits...)
			l, err := Parse("test.yaml", []byte(data))
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Parse: got\n%v\nwant no problems", err)
				}
				if l == nil {
					t.Fatal("Parse: got nil landscape")
				}
				return
			}
			if err == nil {
				t.Fatalf("Parse: got no problems, want %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("problems:\n%v\nwant one containing %q", err, w)
				}
			}
		})
	}
}

// TestEveryProblemAtOnce checks that problems of both passes come
// together, sorted, each at its line and column.
func TestEveryProblemAtOnce(t *testing.T) {
	data := `version: 1
idp:
  entity_id: urn:test
  groups:
    - name: "aws#R#111111111111"
  users:
    - username: alice
      password_hash: nothash
  apps:
    - id: aws
      group_filter: '^aws\#(?{{role}}[\w\-+)\#(?{{accountid}}\d+)$'
      role_value_pattern: 'arn:aws:iam::${accountid}:saml-provider/Okta,arn:aws:iam::${accountid}:role/${role}'
accounts:
  - id: 11111111111
    kind: emergency
    rolse: []
  - id: "222222222222"
    kind: workload
    roles:
      - name: W
        max_session_duration: 100
        trust_policy:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Principal: {Federated: "arn:aws:iam::222222222222:saml-provider/Okta"}
              Action: sts:AssumeRoleWithSAML
`
	want := []string{
		"test.yaml:8:22: idp.users[0].password_hash: not a bcrypt hash: crypto/bcrypt: hashedSecret too short to be a bcrypted password",
		`test.yaml:11:21: idp.apps[0].group_filter: group filter "^aws\\#(?{{role}}[\\w\\-+)\\#(?{{accountid}}\\d+)$" is not a valid regular expression: error parsing regexp: missing closing ]: ` + "`" + `[\w\-+)\#(?P<accountid>\d+)$)$` + "`",
		`test.yaml:14:9: accounts[0].id: an account id is 12 digits, got "11111111111"`,
		`test.yaml:16:5: accounts[0].rolse: unknown key "rolse" (did you mean "roles"?)`,
		"test.yaml:21:31: accounts[1].roles[0].max_session_duration: must be between 3600 and 43200, got 100",
		"test.yaml:26:38: accounts[1].roles[0].trust_policy.Statement[0].Principal.Federated: SAML provider Okta is not declared in account 222222222222",
	}
	ps := problemsOf(t, data)
	if got, w := ps.Error(), strings.Join(want, "\n"); got != w {
		t.Errorf("problems:\ngot\n%s\nwant\n%s", got, w)
	}
	for i := 1; i < len(ps); i++ {
		if ps[i].Line < ps[i-1].Line {
			t.Errorf("problem %d (line %d) comes after line %d", i, ps[i].Line, ps[i-1].Line)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"idp.key", "idp.crt", "partner.xml"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write := func(t *testing.T, data string) string {
		t.Helper()
		p := filepath.Join(dir, "landscape.yaml")
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}

	t.Run("relative paths", func(t *testing.T) {
		p := write(t, edit(t, baseYAML,
			"  entity_id: urn:test", "  entity_id: urn:test\n  signing: {key: idp.key, cert: "+filepath.Join(dir, "idp.crt")+"}",
			"saml_providers: [{name: P, metadata: idp}]", "saml_providers: [{name: P, metadata: idp}, {name: Partner, metadata: partner.xml}]"))
		l, err := Load(p)
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if got, want := l.IdentityProvider.Signing.Key, filepath.Join(dir, "idp.key"); got != want {
			t.Errorf("signing key: got %q, want %q", got, want)
		}
		if got, want := l.IdentityProvider.Signing.Cert, filepath.Join(dir, "idp.crt"); got != want {
			t.Errorf("signing cert: got %q, want %q", got, want)
		}
		if got, want := l.Accounts[0].SAMLProviders[1].Metadata, filepath.Join(dir, "partner.xml"); got != want {
			t.Errorf("metadata: got %q, want %q", got, want)
		}
		if got := l.Accounts[0].SAMLProviders[0].Metadata; got != MetadataFromIdP {
			t.Errorf("metadata: got %q, want %q", got, MetadataFromIdP)
		}
		if l.File != p {
			t.Errorf("File: got %q, want %q", l.File, p)
		}
	})
	t.Run("missing referenced file", func(t *testing.T) {
		p := write(t, edit(t, baseYAML, "saml_providers: [{name: P, metadata: idp}]", "saml_providers: [{name: P, metadata: nope.xml}]"))
		_, err := Load(p)
		want := p + ":19:42: accounts[0].saml_providers[0].metadata: cannot use " + filepath.Join(dir, "nope.xml") + ": no such file or directory"
		if err == nil || err.Error() != want {
			t.Errorf("Load: got %v, want %s", err, want)
		}
	})
	t.Run("Parse leaves paths alone", func(t *testing.T) {
		l, err := Parse("x.yaml", []byte(edit(t, baseYAML, "saml_providers: [{name: P, metadata: idp}]", "saml_providers: [{name: P, metadata: nope.xml}]")))
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		if got := l.Accounts[0].SAMLProviders[0].Metadata; got != "nope.xml" {
			t.Errorf("metadata: got %q, want nope.xml", got)
		}
	})
	t.Run("missing file", func(t *testing.T) {
		_, err := Load(filepath.Join(dir, "absent.yaml"))
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Load: got %v, want fs.ErrNotExist", err)
		}
	})
	t.Run("directory", func(t *testing.T) {
		_, err := Load(dir)
		var ps Problems
		if err == nil || errors.As(err, &ps) {
			t.Errorf("Load(dir): got %v, want a read error", err)
		}
	})
	t.Run("too large", func(t *testing.T) {
		p := write(t, "version: 1\n"+strings.Repeat("#", MaxFileSize+10))
		_, err := Load(p)
		if want := p + ": file is larger than 4 MiB"; err == nil || err.Error() != want {
			t.Errorf("Load: got %v, want %s", err, want)
		}
	})
}

func TestMembershipExpiry(t *testing.T) {
	l, err := Parse("t.yaml", []byte(edit(t, baseYAML, "groups: [staff]", `groups: ["aws#Admin#111111111111", {name: staff, expires: "2026-12-01T10:00:00+02:00"}]`)))
	if err != nil {
		t.Fatal(err)
	}
	got := l.IdentityProvider.Users[0].Groups
	want := []Membership{
		{Group: "aws#Admin#111111111111"},
		{Group: "staff", Expires: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)},
	}
	if len(got) != len(want) {
		t.Fatalf("memberships: got %d, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Group != want[i].Group || !got[i].Expires.Equal(want[i].Expires) {
			t.Errorf("membership %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestParentPath(t *testing.T) {
	tests := []struct{ path, want string }{
		{"a.b.c", "a.b"},
		{"a[0]", "a"},
		{"a", ""},
		{"", ""},
		{`a["x.y"]`, "a"},
		{`a["x[\"y"]`, "a"},
		{`a.b["c"][2]`, `a.b["c"]`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if got := parentPath(tt.path); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMaxProblems(t *testing.T) {
	tests := []struct {
		name, data string
		wantLast   string
	}{
		{"semantic", "version: 1\nidp: {entity_id: urn:x}\naccounts:\n" + strings.Repeat("  - {kind: other}\n", MaxProblems+5), "test.yaml: 5 more problems not shown"},
		{"decoding", "version: 1\nidp:\n  entity_id: urn:x\n" + manyKeys(MaxProblems+5), "test.yaml: 5 more problems not shown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := problemsOf(t, tt.data)
			if len(ps) != MaxProblems+1 {
				t.Errorf("problems: got %d, want %d", len(ps), MaxProblems+1)
			}
			if got := ps[len(ps)-1].String(); got != tt.wantLast {
				t.Errorf("last problem: got %q, want %q", got, tt.wantLast)
			}
		})
	}
}

// manyKeys returns n distinct unknown keys of an indented mapping.
func manyKeys(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "  unknown%d: 1\n", i)
	}
	return b.String()
}
