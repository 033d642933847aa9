package landscape

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/breakglass-dev/breakglass/internal/golden"
)

func TestDefaultMappingTable(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteMappingTable(&buf, Default().Mapping()); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "default-mapping.txt", buf.Bytes())
}

// TestDefaultMapping checks the rows against the seed's mapping table.
func TestDefaultMapping(t *testing.T) {
	type row struct {
		account, role string
		trust         []string
		permissions   []string
		groups        []string
	}
	idpTrust := "IdP (saml-provider/Okta, SAML:aud=https://signin.aws.amazon.com/saml)"
	userTrust := "user EmergencyAccess (111111111111) with MFA"
	want := []row{
		{"111111111111", "EmergencyAccess_Role1_RO", []string{idpTrust, userTrust}, []string{"sts:AssumeRole on 222222222222:role/EmergencyAccess_RO"}, []string{"aws#EmergencyAccess_Role1_RO#111111111111"}},
		{"111111111111", "EmergencyAccess_Role1_Ops", []string{idpTrust, userTrust}, []string{"sts:AssumeRole on 222222222222:role/EmergencyAccess_Ops"}, []string{"aws#EmergencyAccess_Role1_Ops#111111111111"}},
		{"111111111111", "EmergencyAccess_Role2_RO", []string{idpTrust, userTrust}, []string{"sts:AssumeRole on 333333333333:role/EmergencyAccess_RO"}, []string{"aws#EmergencyAccess_Role2_RO#111111111111"}},
		{"111111111111", "EmergencyAccess_Role2_Ops", []string{idpTrust, userTrust}, []string{"sts:AssumeRole on 333333333333:role/EmergencyAccess_Ops"}, []string{"aws#EmergencyAccess_Role2_Ops#111111111111"}},
		{"222222222222", "EmergencyAccess_RO", []string{"role EmergencyAccess_Role1_RO (111111111111)"}, []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}, []string{"aws#EmergencyAccess_Role1_RO#111111111111 (via EmergencyAccess_Role1_RO)"}},
		{"222222222222", "EmergencyAccess_Ops", []string{"role EmergencyAccess_Role1_Ops (111111111111)"}, []string{"arn:aws:iam::aws:policy/job-function/SystemAdministrator"}, []string{"aws#EmergencyAccess_Role1_Ops#111111111111 (via EmergencyAccess_Role1_Ops)"}},
		{"333333333333", "EmergencyAccess_RO", []string{"role EmergencyAccess_Role2_RO (111111111111)"}, []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}, []string{"aws#EmergencyAccess_Role2_RO#111111111111 (via EmergencyAccess_Role2_RO)"}},
		{"333333333333", "EmergencyAccess_Ops", []string{"role EmergencyAccess_Role2_Ops (111111111111)"}, []string{"arn:aws:iam::aws:policy/job-function/SystemAdministrator"}, []string{"aws#EmergencyAccess_Role2_Ops#111111111111 (via EmergencyAccess_Role2_Ops)"}},
		{"444444444444", "EmergencyAccess_IdentityAdmin", []string{userTrust}, []string{"inline ManageSAMLProviders"}, nil},
	}
	rows := Default().Mapping()
	if len(rows) != len(want) {
		t.Fatalf("rows: got %d, want %d", len(rows), len(want))
	}
	for i, w := range want {
		r := rows[i]
		var groups []string
		for _, g := range r.IdPGroups {
			groups = append(groups, g.String())
			if g.App != "aws" || g.AppEnabled || len(g.Members) != 0 {
				t.Errorf("%s: group %s: got app %q enabled %v members %v, want aws, disabled, none", r.Role, g.Group, g.App, g.AppEnabled, g.Members)
			}
		}
		got := row{r.AccountID, r.Role, r.Trust, r.Permissions, groups}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("row %d:\ngot  %+v\nwant %+v", i, got, w)
		}
		if want := "arn:aws:iam::" + w.account + ":role/" + w.role; r.RoleARN != want {
			t.Errorf("row %d ARN: got %s, want %s", i, r.RoleARN, want)
		}
	}
}

func TestMappingChains(t *testing.T) {
	thirdRole := `      - name: Third
        trust_policy:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Principal: {AWS: "arn:aws:iam::222222222222:root"}
              Action: sts:AssumeRole
`
	tests := []struct {
		name  string
		edits []string
		want  map[string][]string // role -> groups
	}{
		{"direct and one hop", nil, map[string][]string{
			"Admin":  {"aws#Admin#111111111111"},
			"Target": {"aws#Admin#111111111111 (via Admin)"},
		}},
		{"two hops through an account trust", []string{
			"        managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]\n",
			"        managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]\n        inline_policies:\n          Next: {Version: \"2012-10-17\", Statement: {Effect: Allow, Action: \"sts:Assume*\", Resource: \"arn:aws:iam::222222222222:role/*\"}}\n" + thirdRole,
		}, map[string][]string{
			"Admin":  {"aws#Admin#111111111111"},
			"Target": {"aws#Admin#111111111111 (via Admin)"},
			"Third":  {"aws#Admin#111111111111 (via Admin, Target)"},
		}},
		{"trust without permission", []string{
			"        managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]\n",
			"        managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]\n" + thirdRole,
		}, map[string][]string{
			"Admin":  {"aws#Admin#111111111111"},
			"Target": {"aws#Admin#111111111111 (via Admin)"},
			"Third":  nil,
		}},
		{"permission without trust", []string{`111111111111:role/Admin"}`, `999999999999:role/Admin"}`}, map[string][]string{
			"Admin":  {"aws#Admin#111111111111"},
			"Target": nil,
		}},
		{"filter matches nothing", []string{`'^aws\#`, `'^amazon\#`}, map[string][]string{
			"Admin":  nil,
			"Target": nil,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Parse("t.yaml", []byte(edit(t, baseYAML, tt.edits...)))
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][]string{}
			for _, r := range l.Mapping() {
				var gs []string
				for _, g := range r.IdPGroups {
					gs = append(gs, g.String())
				}
				got[r.Role] = gs
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMappingFooter(t *testing.T) {
	tests := []struct {
		name  string
		edits []string
		want  []string
	}{
		{"at rest", nil, []string{
			`IdP app "aws" is disabled: no one can federate through it until an IdP administrator enables it.`,
			"The IdP groups that map to roles have no members, as at rest.",
		}},
		{"during an emergency", []string{
			"      group_filter:", "      enabled: true\n      group_filter:",
			"groups: [staff]", `groups: [staff, {name: "aws#Admin#111111111111", expires: 2026-12-01T00:00:00Z}]`,
		}, []string{
			`IdP app "aws" is enabled: members of its groups can federate now.`,
			"IdP group aws#Admin#111111111111 has members: u (until 2026-12-01T00:00:00Z).",
		}},
		{"no mapping", []string{`'^aws\#`, `'^amazon\#`}, []string{"No IdP group maps to a role of this landscape."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Parse("t.yaml", []byte(edit(t, baseYAML, tt.edits...)))
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := WriteMappingTable(&buf, l.Mapping()); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			for _, w := range tt.want {
				if !strings.Contains(out, w+"\n") {
					t.Errorf("table:\n%s\nwant a line %q", out, w)
				}
			}
			for _, line := range strings.Split(out, "\n") {
				if strings.TrimRight(line, " ") != line {
					t.Errorf("line %q has trailing spaces", line)
				}
			}
		})
	}
}

func TestMappingTableLayout(t *testing.T) {
	var buf bytes.Buffer
	rows := []MappingRow{
		{AccountID: "111111111111", AccountName: "A", Role: "R", Trust: []string{"t1", "t2"}, Permissions: []string{"p1"}},
		{AccountID: "222222222222", Role: "S"},
	}
	if err := WriteMappingTable(&buf, rows); err != nil {
		t.Fatal(err)
	}
	want := `ACCOUNT           ROLE  TRUST  PERMISSIONS  IDP GROUP
A (111111111111)  R     t1     p1           -
                        t2
222222222222      S     -      -            -

No IdP group maps to a role of this landscape.
`
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
