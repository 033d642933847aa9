package e2e_test

import (
	"context"
	"flag"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/breakglass-dev/breakglass/idp"
	"github.com/breakglass-dev/breakglass/internal/browser"
	"github.com/breakglass-dev/breakglass/internal/browser/browsertest"
	"github.com/breakglass-dev/breakglass/landscape"
)

// -screenshots DIR saves a picture of each page the browser tests visit
// (the README's are made with `go test ./internal/e2e -run Chromium
// -screenshots ../../docs/screenshots`).
var screenshots = flag.String("screenshots", "", "directory to save page screenshots in")

// aliceTOTP is alice's published demo authenticator secret
// (landscape/default.yaml).
const aliceTOTP = "UHBRKNT2VD4Y2LXZQ4R3SMP6MVRFATZS"

// walk is a browser page on the world's IdP and emulator, with the helpers
// the tests read like a responder's steps.
type walk struct {
	t   *testing.T
	ctx context.Context
	p   *browser.Page
	idp string // the IdP's URL
}

func newWalk(t *testing.T, b *browser.Browser, w *world) *walk {
	t.Helper()
	srv := httptest.NewServer(w.idp.Handler(idp.HandlerConfig{SignInURL: w.url + "/saml", AdminToken: ""}))
	t.Cleanup(srv.Close)
	return &walk{t: t, ctx: t.Context(), p: browsertest.NewPage(t, b), idp: srv.URL}
}

func (k *walk) must(err error) {
	k.t.Helper()
	if err != nil {
		k.t.Fatal(err)
	}
}

func (k *walk) open(url string) { k.t.Helper(); k.must(k.p.Open(k.ctx, url)) }

func (k *walk) fill(label, value string) { k.t.Helper(); k.must(k.p.Fill(k.ctx, label, value)) }

func (k *walk) click(name string) { k.t.Helper(); k.must(k.p.Click(k.ctx, name)) }

func (k *walk) choose(label string) { k.t.Helper(); k.must(k.p.Choose(k.ctx, label)) }

// at waits, within a bound, for the page whose heading is want (pages that
// send the browser on by themselves pass by), and saves a screenshot named
// shot when -screenshots is set.
func (k *walk) at(want, shot string) {
	k.t.Helper()
	if err := k.p.WaitHeading(k.ctx, want); err != nil {
		text, _ := k.p.Text(k.ctx)
		k.t.Fatalf("%v; the page says:\n%s", err, text)
	}
	if *screenshots != "" && shot != "" {
		k.must(k.p.Screenshot(k.ctx, filepath.Join(*screenshots, shot+".png")))
	}
}

// says checks the page's visible text.
func (k *walk) says(want ...string) {
	k.t.Helper()
	text, err := k.p.Text(k.ctx)
	k.must(err)
	text = strings.Join(strings.Fields(text), " ")
	for _, w := range want {
		if !strings.Contains(text, w) {
			k.t.Errorf("the page does not say %q:\n%s", w, text)
		}
	}
}

// signIn signs a user in at the IdP, with the verification code for an
// enrolled user, and lands on the dashboard.
func (k *walk) signIn(user, totpSeed string, shots bool) {
	k.t.Helper()
	shot := func(name string) string {
		if shots {
			return name
		}
		return ""
	}
	k.open(k.idp + "/login")
	k.at("Sign in", shot("idp-sign-in"))
	k.fill("Username", user)
	k.fill("Password", landscape.DemoPassword)
	k.click("Sign in")
	if totpSeed != "" {
		k.at("Verify it's you", shot("idp-verification-code"))
		k.fill("Verification code", code(k.t, totpSeed, time.Now()))
		k.click("Verify")
	}
	k.at("My apps", shot("idp-my-apps"))
}

const appLabel = "AWS emergency access (direct IAM federation)"

// TestChromiumResponderConsole is the responder's path in Chromium: sign in
// at the IdP with a verification code, open the AWS app, pick
// EmergencyAccess_Role1_RO on AWS's role chooser, see the console with the
// federated identity, switch role into workload Account 1's
// EmergencyAccess_RO and see the chained identity. With page scripts off
// the IdP's auto-POST waits for its Continue button, and every other page
// works the same.
func TestChromiumResponderConsole(t *testing.T) {
	for _, noJS := range []bool{false, true} {
		name := "scripts on"
		if noJS {
			name = "scripts off"
		}
		t.Run(name, func(t *testing.T) {
			w := newWorld(t, nil)
			if err := w.idp.AddMember(user, role1OpsGroup, time.Time{}); err != nil {
				t.Fatal(err)
			}
			b := browsertest.Start(t, browser.Options{NoJavaScript: noJS})
			k := newWalk(t, b, w)
			shots := !noJS
			k.signIn(user, aliceTOTP, shots)
			k.click(appLabel)
			if noJS {
				k.at("Signing in to "+appLabel, "")
				k.says("stands in for https://signin.aws.amazon.com/saml")
				k.click("Continue")
			}
			k.at("Select a role", map[bool]string{true: "aws-role-chooser"}[shots])
			k.says("Account: 111111111111", "EmergencyAccess_Role1_Ops", "EmergencyAccess_Role1_RO")
			k.choose("EmergencyAccess_Role1_RO")
			k.click("Sign in")
			k.at("Console Home", map[bool]string{true: "aws-console"}[shots])
			k.says("Account 111111111111", "Role EmergencyAccess_Role1_RO", "Session name alice@example.com",
				"ARN arn:aws:sts::111111111111:assumed-role/EmergencyAccess_Role1_RO/alice@example.com", "Session expires")

			k.fill("Account ID", workload1)
			k.fill("IAM role name", "EmergencyAccess_RO")
			k.fill("Display name", "Account 1 read-only")
			k.click("Switch Role")
			k.at("Console Home", map[bool]string{true: "aws-console-switched"}[shots])
			k.says("You switched role.", "Account 222222222222", "Role EmergencyAccess_RO", "Display name Account 1 read-only",
				"ARN arn:aws:sts::222222222222:assumed-role/EmergencyAccess_RO/alice@example.com",
				"Back to EmergencyAccess_Role1_RO/alice@example.com @ 111111111111")
			if errs := k.p.ConsoleErrors(); len(errs) > 0 {
				t.Errorf("the pages reported errors (CSP violations?): %v", errs)
			}
		})
	}
}

// TestChromiumIAMUserConsole is Failure Mode 1 in Chromium: the
// EmergencyAccess IAM user signs in with its password and a TOTP code.
func TestChromiumIAMUserConsole(t *testing.T) {
	w := newWorld(t, nil)
	seed := w.mfaSeeds[mfaSerial]
	b := browsertest.Start(t, browser.Options{})
	k := newWalk(t, b, w)
	k.open(w.url + "/console/signin")
	k.at("Sign in as IAM user", "aws-iam-user-sign-in")
	k.fill("Account ID (12 digits) or account alias", emergency)
	k.fill("IAM username", "EmergencyAccess")
	k.fill("Password", "Breakglass-demo-1")
	k.click("Sign in")
	k.at("Multi-factor authentication", "aws-iam-user-mfa")
	k.fill("MFA code", code(t, seed, time.Now()))
	k.click("Submit")
	k.at("Console Home", "")
	k.says("IAM user EmergencyAccess", "ARN arn:aws:iam::111111111111:user/EmergencyAccess", "MFA yes")
	k.click("Sign out")
	k.at("Signed out", "")
}

// TestChromiumNoEmergencyGroup shows the IdP's refusal to a user in no
// emergency group, and the identity administrator's page that would fix it.
func TestChromiumNoEmergencyGroup(t *testing.T) {
	w := newWorld(t, nil)
	b := browsertest.Start(t, browser.Options{})
	k := newWalk(t, b, w)
	k.signIn("bob", "", false)
	k.click(appLabel)
	k.at("No AWS role for you", "idp-no-role")
	k.says("You are not in any group that grants a role")

	admin := newWalk(t, b, w)
	admin.idp = k.idp
	admin.signIn("carol", "", false)
	admin.click("Administration")
	admin.at("Administration", "idp-administration")
	admin.says("aws#EmergencyAccess_Role1_Ops#111111111111", "Add member")

	facilitator := newWalk(t, b, w)
	facilitator.open(w.url + "/_breakglass/dashboard")
	facilitator.at("Emulator dashboard", "emulator-dashboard")
}
