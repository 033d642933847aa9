package landscape

import (
	"reflect"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/breakglass-dev/breakglass/idp"
)

func TestIdPDefault(t *testing.T) {
	dir, apps := Default().IdP()
	if got, want := len(dir.Users), 4; got != want {
		t.Fatalf("users: got %d, want %d", got, want)
	}
	alice := dir.Users[0]
	if alice.Username != "alice" || alice.TOTPSecret == "" || alice.Attributes["email"] != "alice@example.com" || alice.Attributes["department"] != "SRE" {
		t.Errorf("alice: got %+v", alice)
	}
	if err := bcrypt.CompareHashAndPassword([]byte(alice.PasswordHash), []byte(DemoPassword)); err != nil {
		t.Errorf("alice's hash does not verify the demo password: %v", err)
	}
	for _, u := range dir.Users {
		if u.Admin != (u.Username == "carol") {
			t.Errorf("user %s: admin %v; only carol, the identity administrator, is one", u.Username, u.Admin)
		}
	}
	var groups []string
	for _, g := range dir.Groups {
		groups = append(groups, g.Name)
	}
	wantGroups := []string{
		"aws#EmergencyAccess_Role1_RO#111111111111",
		"aws#EmergencyAccess_Role1_Ops#111111111111",
		"aws#EmergencyAccess_Role2_RO#111111111111",
		"aws#EmergencyAccess_Role2_Ops#111111111111",
		"responders",
		"identity-admins",
	}
	if !reflect.DeepEqual(groups, wantGroups) {
		t.Errorf("groups: got %q, want %q", groups, wantGroups)
	}
	wantMemberships := []idp.Membership{
		{User: "alice", Group: "responders"},
		{User: "bob", Group: "responders"},
		{User: "carol", Group: "identity-admins"},
	}
	if !reflect.DeepEqual(dir.Memberships, wantMemberships) {
		t.Errorf("memberships: got %+v, want %+v", dir.Memberships, wantMemberships)
	}
	wantApp := idp.App{
		ID:                       "aws",
		Label:                    "AWS emergency access (direct IAM federation)",
		Enabled:                  false,
		GroupFilter:              `^aws\#(?{{role}}[\w\-]+)\#(?{{accountid}}\d+)$`,
		RoleValuePattern:         "arn:aws:iam::${accountid}:saml-provider/Okta,arn:aws:iam::${accountid}:role/${role}",
		RoleSessionNameAttribute: "email",
		NameIDFormat:             "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
		SessionDuration:          time.Hour,
		SourceIdentityAttribute:  "username",
		ACS:                      idp.AWSSignInURL,
		Audience:                 idp.AWSAudience,
		Sign:                     idp.SignAssertion,
		SignatureAlgorithm:       idp.RSASHA256,
	}
	if len(apps) != 1 || !reflect.DeepEqual(apps[0], wantApp) {
		t.Errorf("apps:\ngot  %+v\nwant %+v", apps, wantApp)
	}
	// The default app's filter maps each emergency group to its role.
	gf, err := idp.CompileGroupFilter(apps[0].GroupFilter)
	if err != nil {
		t.Fatal(err)
	}
	role, acct, ok := gf.Match("aws#EmergencyAccess_Role1_RO#111111111111")
	if !ok || role != "EmergencyAccess_Role1_RO" || acct != EmergencyAccountID {
		t.Errorf("Match: got %q %q %v", role, acct, ok)
	}
}

func TestIdPAppConversion(t *testing.T) {
	tests := []struct {
		name string
		app  App
		want func(*idp.App)
	}{
		{"defaults stay empty", App{ID: "a"}, func(a *idp.App) {}},
		{"region", App{ID: "a", Region: "us-east-2"}, func(a *idp.App) { a.ACS = "https://us-east-2.signin.aws.amazon.com/saml" }},
		{"acs", App{ID: "a", ACS: "http://127.0.0.1:4566/saml"}, func(a *idp.App) { a.ACS = "http://127.0.0.1:4566/saml" }},
		{"transient", App{ID: "a", NameIDFormat: "transient"}, func(a *idp.App) { a.NameIDFormat = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient" }},
		{"email", App{ID: "a", NameIDFormat: "email"}, func(a *idp.App) { a.NameIDFormat = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress" }},
		{"unspecified", App{ID: "a", NameIDFormat: "unspecified"}, func(a *idp.App) { a.NameIDFormat = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified" }},
		{"format URI", App{ID: "a", NameIDFormat: "urn:example:format"}, func(a *idp.App) { a.NameIDFormat = "urn:example:format" }},
		{"durations", App{ID: "a", SessionDuration: 7200, AssertionLifetime: 60}, func(a *idp.App) { a.SessionDuration, a.AssertionLifetime = 2*time.Hour, time.Minute }},
		{"tags", App{ID: "a", PrincipalTags: map[string]string{"team": "department"}, TransitiveTagKeys: []string{"team"}, Sign: "both", SignatureAlgorithm: "rsa-sha1"}, func(a *idp.App) {
			a.PrincipalTags = map[string]string{"team": "department"}
			a.TransitiveTagKeys = []string{"team"}
			a.Sign, a.SignatureAlgorithm = idp.SignBoth, idp.RSASHA1
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := idp.App{ID: "a"}
			tt.want(&want)
			if got := tt.app.idpApp(); !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestIdPExpiry(t *testing.T) {
	l, err := Parse("t.yaml", []byte(edit(t, baseYAML, "groups: [staff]", `groups: [{name: staff, expires: 2026-12-01T00:00:00Z}]`)))
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := l.IdP()
	want := []idp.Membership{{User: "u", Group: "staff", Expires: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}}
	if !reflect.DeepEqual(dir.Memberships, want) {
		t.Errorf("memberships: got %+v, want %+v", dir.Memberships, want)
	}
}

func TestUsesDemoPassword(t *testing.T) {
	other, err := bcrypt.GenerateFromPassword([]byte("correct horse battery staple"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		edits []string
		want  bool
	}{
		{"IdP user with the demo password", nil, true},
		{"own hashes", []string{demoHash, string(other)}, false},
		{"IAM user with the demo password", []string{demoHash, string(other), "groups: [G]", "groups: [G]\n        console_password: " + DemoPassword}, true},
		{"IAM user with another password", []string{demoHash, string(other), "groups: [G]", "groups: [G]\n        console_password: something-else"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Parse("t.yaml", []byte(edit(t, baseYAML, tt.edits...)))
			if err != nil {
				t.Fatal(err)
			}
			if got := l.UsesDemoPassword(); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
