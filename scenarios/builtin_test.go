package scenarios_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/breakglass-dev/breakglass/certs"
	"github.com/breakglass-dev/breakglass/internal/target"
	"github.com/breakglass-dev/breakglass/landscape"
	"github.com/breakglass-dev/breakglass/scenarios"
)

func signingKey(t testing.TB) *certs.KeyPair {
	t.Helper()
	kp, err := certs.New(certs.Options{NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	return kp
}

func run(t *testing.T, l *landscape.Landscape, sc *scenarios.Scenario) scenarios.Result {
	t.Helper()
	return runWithKey(t, l, sc, signingKey(t))
}

func runWithKey(t *testing.T, l *landscape.Landscape, sc *scenarios.Scenario, key *certs.KeyPair) scenarios.Result {
	t.Helper()
	w, err := target.Embedded(context.Background(), l, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return scenarios.Run(context.Background(), w.Target, sc)
}

// Every built-in drill passes on the built-in landscape.
func TestBuiltinDrillsPass(t *testing.T) {
	all, err := scenarios.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 3 {
		t.Fatalf("got %d built-in drills", len(all))
	}
	for _, sc := range all {
		t.Run(sc.Name, func(t *testing.T) {
			res := run(t, landscape.Default(), sc)
			for _, s := range res.Steps {
				if s.Status == scenarios.Failed {
					t.Errorf("step %d (%s, line %d) failed: %s", s.Index, s.Name, s.Line, s.Detail)
				}
			}
			if !res.Passed {
				t.Error("drill failed")
			}
		})
	}
}

// A drill that cannot fail is a defect: each built-in drill fails when the
// landscape is broken the way it guards against.
func TestBuiltinDrillsCatchBrokenLandscapes(t *testing.T) {
	all, err := scenarios.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*scenarios.Scenario{}
	for _, sc := range all {
		byName[sc.Name] = sc
	}
	yaml := string(landscape.DefaultYAML())
	cases := []struct {
		drill, breakage, from, to, wantIn string
	}{
		{"fm3/identity-center-disrupted", "the app is enabled at rest", "      enabled: false", "      enabled: true", "expected AppDisabled"},
		{"fm3/identity-center-disrupted", "the workload trust names the wrong account",
			`Principal: {AWS: "arn:aws:iam::111111111111:role/EmergencyAccess_Role1_Ops"}`, `Principal: {AWS: "arn:aws:iam::999999999999:root"}`, "AccessDenied"},
		{"fm3/identity-center-disrupted", "the chained-hop alert watches the wrong role names",
			"userName: [{prefix: EmergencyAccess_}]", "userName: [{prefix: BreakGlass_}]", "alert break-glass-chained-hop matches none"},
		{"fm3/identity-center-disrupted", "the console sign-in alert watches the wrong role names",
			`arn: [{prefix: "arn:aws:sts::111111111111:assumed-role/EmergencyAccess_"}]`, `arn: [{prefix: "arn:aws:sts::111111111111:assumed-role/BreakGlass_"}]`, "alert break-glass-console-sign-in matches none"},
		{"fm1/iam-user", "the emergency role does not require MFA of the break-glass user",
			"              Action: sts:AssumeRole\n              Condition:\n                Bool: {\"aws:MultiFactorAuthPresent\": \"true\"}\n        inline_policies:\n          AssumeWorkloadRole:\n            Version: \"2012-10-17\"\n            Statement:\n              - Effect: Allow\n                Action: [sts:AssumeRole, sts:SetSourceIdentity, sts:TagSession]\n                Resource: \"arn:aws:iam::222222222222:role/EmergencyAccess_RO\"",
			"              Action: sts:AssumeRole\n        inline_policies:\n          AssumeWorkloadRole:\n            Version: \"2012-10-17\"\n            Statement:\n              - Effect: Allow\n                Action: [sts:AssumeRole, sts:SetSourceIdentity, sts:TagSession]\n                Resource: \"arn:aws:iam::222222222222:role/EmergencyAccess_RO\"",
			"expected AccessDenied, but the call succeeded"},
		{"fm1/iam-user", "the break-glass user has no console password",
			"        console_password: Breakglass-demo-1\n", "", "does not know the console password of EmergencyAccess"},
		{"fm1/iam-user", "the IAM user sign-in alert watches another user",
			`arn: ["arn:aws:iam::111111111111:user/EmergencyAccess"]`, `arn: ["arn:aws:iam::111111111111:user/BreakGlass"]`, "alert break-glass-iam-user-sign-in matches none"},
		{"fm2/idp-key-rotated", "the break-glass user cannot administer the SAML provider",
			"managed_policies: [arn:aws:iam::aws:policy/AdministratorAccess]", "managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]", "AccessDenied"},
		{"guardrails/least-privilege", "a user outside the responders has an emergency group at rest",
			"        department: Sales\n", "        department: Sales\n      groups: [\"aws#EmergencyAccess_Role1_RO#111111111111\"]\n", "expected NoRole"},
	}
	for _, tc := range cases {
		t.Run(tc.drill+"/"+tc.breakage, func(t *testing.T) {
			if !strings.Contains(yaml, tc.from) {
				t.Fatalf("the default landscape no longer contains %q", tc.from)
			}
			l, err := landscape.Parse("broken.yaml", []byte(strings.Replace(yaml, tc.from, tc.to, 1)))
			if err != nil {
				t.Fatal(err)
			}
			res := run(t, l, byName[tc.drill])
			if res.Passed {
				t.Fatalf("the drill passed on a landscape where %s", tc.breakage)
			}
			last := res.Steps[len(res.Steps)-1]
			if !strings.Contains(last.Detail, tc.wantIn) {
				t.Errorf("failing step %q says %q, want it to mention %q", last.Name, last.Detail, tc.wantIn)
			}
		})
	}
}

// The early warning fires for a provider certificate expiring within 30
// days: the drill fails before anyone is locked out.
func TestCertificateWarningCatchesExpiringCertificate(t *testing.T) {
	all, err := scenarios.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var sc *scenarios.Scenario
	for _, s := range all {
		if s.Name == "fm2/certificate-expiry-warning" {
			sc = s
		}
	}
	key, err := certs.New(certs.Options{NotBefore: time.Now().Add(-300 * 24 * time.Hour), NotAfter: time.Now().Add(10 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	res := runWithKey(t, landscape.Default(), sc, key)
	if res.Passed {
		t.Fatal("the early warning passed with a certificate that expires in 10 days")
	}
	if d := res.Steps[len(res.Steps)-1].Detail; !strings.Contains(d, "early warning") || !strings.Contains(d, "9 days left") && !strings.Contains(d, "10 days left") {
		t.Errorf("failure detail %q", d)
	}
}

// A step that expects an error fails when the call succeeds.
func TestExpectedErrorThatDoesNotHappenFails(t *testing.T) {
	sc, err := scenarios.Parse("t", "t.yaml", []byte(`title: a fresh session has not expired
steps:
  - enable_app: aws
  - add_member: {user: alice, group: "aws#EmergencyAccess_Role1_RO#111111111111"}
  - sign_in: {user: alice, save: r}
  - assume_role_with_saml: {response: r, role: "arn:aws:iam::111111111111:role/EmergencyAccess_Role1_RO", provider: "arn:aws:iam::111111111111:saml-provider/Okta", save: s}
  - advance_clock: 1m
  - caller_identity: {credentials: s}
    expect_error: {code: ExpiredToken}
`))
	if err != nil {
		t.Fatal(err)
	}
	res := run(t, landscape.Default(), sc)
	if res.Passed {
		t.Fatal("the drill passed although the session had not expired")
	}
	if d := res.Steps[len(res.Steps)-1].Detail; !strings.Contains(d, "expected ExpiredToken, but the call succeeded") {
		t.Errorf("detail %q", d)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ name, doc, want string }{
		{"unknown key", "title: x\nsteps:\n  - enable_app: aws\n    colour: red\n", "t.yaml:4"},
		{"no action", "title: x\nsteps:\n  - name: nothing\n", "t.yaml:3: step 1 has no action"},
		{"two actions", "title: x\nsteps:\n  - enable_app: aws\n    disable_app: aws\n", "several actions"},
		{"unsaved credentials", "title: x\nsteps:\n  - caller_identity: {credentials: nope}\n", `credentials "nope" is not saved`},
		{"bad duration", "title: x\nsteps:\n  - advance_clock: soon\n", "advance_clock"},
		{"expect_error on an action that cannot fail", "title: x\nsteps:\n  - enable_app: aws\n    expect_error: {code: X}\n", "expect_error does not apply to enable_app"},
		{"console_sign_in without a role", "title: x\nsteps:\n  - sign_in: {user: a, save: r}\n  - console_sign_in: {response: r}\n", "console_sign_in needs the role ARN"},
		{"console_sign_in of both kinds", "title: x\nsteps:\n  - sign_in: {user: a, save: r}\n  - console_sign_in: {response: r, role: x, user: u}\n", "not both"},
		{"console_sign_in of an IAM user without account", "title: x\nsteps:\n  - console_sign_in: {user: u}\n", "{account, user}"},
		{"console_sign_in of an unsaved response", "title: x\nsteps:\n  - console_sign_in: {response: r, role: x}\n", `response "r" is not saved`},
		{"expect_alert without an alert", "title: x\nsteps:\n  - expect_alert: {account: '111111111111'}\n", "expect_alert needs account and alert"},
		{"expect_error on expect_alert", "title: x\nsteps:\n  - expect_alert: {account: '111111111111', alert: a}\n    expect_error: {code: X}\n", "expect_error does not apply to expect_alert"},
		{"save with expect_error", "title: x\nsteps:\n  - sign_in: {user: a, save: r}\n    expect_error: {code: NoRole}\n", "saves nothing"},
		{"two documents", "title: x\nsteps:\n  - enable_app: aws\n---\ntitle: y\n", "more than one YAML document"},
		{"empty", "  \n", "empty file"},
		{"unknown fault", "title: x\nsteps:\n  - sign_in: {user: a, faults: [gremlins]}\n", "unknown fault"},
		{"bad simulate", "title: x\nsteps:\n  - simulate: {account: '1', role: r, action: a, expect: maybe}\n", "allowed or denied"},
		{"not YAML", "title: [\n", "t.yaml"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scenarios.Parse("t", "t.yaml", []byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// console_sign_in walks AWS's sign-in page over plain HTTP: the role
// chooser for a response with several roles, AWS's error for a response it
// refuses, and a failure for a role the response does not offer.
func TestConsoleSignInStep(t *testing.T) {
	const head = `title: console sign-in
steps:
  - enable_app: aws
  - add_member: {user: alice, group: "aws#EmergencyAccess_Role1_RO#111111111111"}
  - add_member: {user: alice, group: "aws#EmergencyAccess_Role1_Ops#111111111111"}
  - sign_in: {user: alice, save: r}
`
	sc, err := scenarios.Parse("t", "t.yaml", []byte(head+`  - console_sign_in: {response: r, role: "arn:aws:iam::111111111111:role/EmergencyAccess_Role1_Ops"}
  - sign_in: {user: alice, faults: [foreign-key], save: bad}
  - console_sign_in: {response: bad, role: "arn:aws:iam::111111111111:role/EmergencyAccess_Role1_RO"}
    expect_error: {code: InvalidIdentityToken, message: Response signature invalid}
  - expect_event: {account: "111111111111", event_name: ConsoleLogin}
`))
	if err != nil {
		t.Fatal(err)
	}
	res := run(t, landscape.Default(), sc)
	for _, s := range res.Steps {
		if s.Status != scenarios.Passed {
			t.Errorf("step %d (%s): %s: %s", s.Index, s.Action, s.Status, s.Detail)
		}
	}
	if d := res.Steps[4].Detail; !strings.Contains(d, "assumed-role/EmergencyAccess_Role1_Ops/alice@example.com") {
		t.Errorf("console sign-in detail %q", d)
	}

	sc, err = scenarios.Parse("t", "t.yaml", []byte(head+`  - console_sign_in: {response: r, role: "arn:aws:iam::111111111111:role/EmergencyAccess_Role2_Ops"}
`))
	if err != nil {
		t.Fatal(err)
	}
	res = run(t, landscape.Default(), sc)
	if last := res.Steps[len(res.Steps)-1]; res.Passed || !strings.Contains(last.Detail, "does not offer") {
		t.Errorf("a role the response does not name: passed=%v, last step %q", res.Passed, last.Detail)
	}
}
