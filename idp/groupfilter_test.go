package idp_test

import (
	"strings"
	"testing"

	"github.com/breakglass-dev/breakglass/idp"
)

func TestGroupFilterMatch(t *testing.T) {
	const (
		threePart = `^aws\#(?{{role}}[\w\-]+)\#(?{{accountid}}\d+)$`
		// Okta's offered defaults (reference section 10.1).
		oktaFourPart   = `^aws\#\S+\#(?{{role}}[\w\-]+)\#(?{{accountid}}\d+)$`
		oktaUnderscore = `aws_(?{{accountid}}\d+)_(?{{role}}[a-zA-Z0-9+=,.@\-_]+)`
	)
	cases := []struct {
		name, filter, group string
		wantRole, wantAcct  string
		wantOK              bool
	}{
		{"seed group name", threePart, "aws#EmergencyAccess_Role1_RO#123456789012", "EmergencyAccess_Role1_RO", "123456789012", true},
		{"ops role", threePart, "aws#EmergencyAccess_Role1_Ops#111111111111", "EmergencyAccess_Role1_Ops", "111111111111", true},
		{"okta 4-part default misses 3-part names", oktaFourPart, "aws#EmergencyAccess_Role1_RO#123456789012", "", "", false},
		{"okta 4-part default on 4-part names", oktaFourPart, "aws#prod#EmergencyAccess_Role1_RO#123456789012", "EmergencyAccess_Role1_RO", "123456789012", true},
		{"okta underscore default", oktaUnderscore, "aws_111111111111_EmergencyAccess_Role1_RO", "EmergencyAccess_Role1_RO", "111111111111", true},
		{"whole name must match: prefix", threePart, "xaws#EmergencyAccess_Role1_RO#111111111111", "", "", false},
		{"whole name must match without anchors", oktaUnderscore, "legacy-aws_111111111111_Admin", "", "", false},
		{"whole name must match: suffix", threePart, "aws#EmergencyAccess_Role1_RO#111111111111#x", "", "", false},
		{"non-digit account", threePart, "aws#EmergencyAccess_Role1_RO#acct", "", "", false},
		{"unrelated group", threePart, "responders", "", "", false},
		{"role with space", threePart, "aws#Emergency Access#111111111111", "", "", false},
		{"empty name", threePart, "", "", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			gf, err := idp.CompileGroupFilter(tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			role, acct, ok := gf.Match(tc.group)
			if ok != tc.wantOK || role != tc.wantRole || acct != tc.wantAcct {
				t.Errorf("Match(%q) = %q, %q, %v; want %q, %q, %v", tc.group, role, acct, ok, tc.wantRole, tc.wantAcct, tc.wantOK)
			}
		})
	}
}

func TestGroupFilterInvalid(t *testing.T) {
	cases := []struct{ name, filter, wantErr string }{
		{"empty", "", "empty"},
		{"no role capture", `^aws\#(?{{accountid}}\d+)$`, "no (?{{role}}"},
		{"unknown capture", `^aws\#(?{{team}}\w+)\#(?{{role}}\w+)$`, "unknown capture {{team}}"},
		{"duplicate capture", `(?{{role}}\w+)-(?{{role}}\w+)`, "appears 2 times"},
		{"unbalanced", `^aws\#(?{{role}}[\w\-]+\#(?{{accountid}}\d+)$`, "not a valid regular expression"},
		{"java look-ahead", `^(?=aws)(?{{role}}\w+)$`, "not a valid regular expression"},
		{"back-reference", `^(?{{role}}\w+)\1$`, "not a valid regular expression"},
		{"bad class", `^(?{{role}}[\w$`, "not a valid regular expression"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := idp.CompileGroupFilter(tc.filter)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("CompileGroupFilter(%q): got %v, want error containing %q", tc.filter, err, tc.wantErr)
			}
		})
	}
}

func TestRoleValuePattern(t *testing.T) {
	withAcct, _ := idp.CompileGroupFilter(`^aws\#(?{{role}}\w+)\#(?{{accountid}}\d+)$`)
	noAcct, _ := idp.CompileGroupFilter(`^aws\#(?{{role}}\w+)$`)
	cases := []struct {
		name, pattern string
		gf            *idp.GroupFilter
		wantErr       string
	}{
		{"okta default", okPattern, withAcct, ""},
		{"role first", "arn:aws:iam::${accountid}:role/${role},arn:aws:iam::${accountid}:saml-provider/Okta", withAcct, ""},
		{"fixed account", "arn:aws:iam::111111111111:saml-provider/Okta,arn:aws:iam::111111111111:role/${role}", noAcct, ""},
		{"accountid without capture", okPattern, noAcct, "no (?{{accountid}}"},
		{"unknown variable", "arn:aws:iam::${account}:role/${role}", withAcct, "unknown variable ${account}"},
		{"no role", "arn:aws:iam::${accountid}:saml-provider/Okta", withAcct, "does not use ${role}"},
		{"empty", " ", withAcct, "empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := idp.ValidateRoleValuePattern(tc.pattern, tc.gf)
			if tc.wantErr == "" && err != nil {
				t.Errorf("got %v, want no error", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("got %v, want error containing %q", err, tc.wantErr)
			}
		})
	}
	if got, want := idp.ExpandRoleValue(okPattern, "R", "1"), "arn:aws:iam::1:saml-provider/Okta,arn:aws:iam::1:role/R"; got != want {
		t.Errorf("ExpandRoleValue: got %q, want %q", got, want)
	}
}
