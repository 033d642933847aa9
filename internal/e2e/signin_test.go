package e2e_test

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/breakglass-dev/breakglass/idp"
)

const (
	role1OpsGroup = "aws#EmergencyAccess_Role1_Ops#111111111111"
	role1OpsARN   = "arn:aws:iam::111111111111:role/EmergencyAccess_Role1_Ops"
	workload1     = "222222222222"
	mfaSerial     = "arn:aws:iam::111111111111:mfa/EmergencyAccess"
)

// httpBrowser is a plain HTTP client with a cookie jar that follows
// redirects, as a browser with JavaScript off behaves on these pages.
type httpBrowser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newBrowser(t *testing.T, w *world) *httpBrowser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &httpBrowser{t: t, base: w.url, c: &http.Client{Jar: jar, Timeout: 10 * time.Second, Transport: w.client.Transport}}
}

// page is one answered request: its status, final path and body.
type page struct {
	status int
	path   string
	body   string
	header http.Header
}

func (b *httpBrowser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return page{status: resp.StatusCode, path: resp.Request.URL.Path, body: string(body), header: resp.Header}
}

func (b *httpBrowser) get(path string) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.base+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

func (b *httpBrowser) post(path string, form url.Values) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var reCSRF = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// csrf returns the form token of a page.
func (p page) csrf(t *testing.T) string {
	t.Helper()
	m := reCSRF.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no csrf field on %s:\n%s", p.path, p.body)
	}
	return m[1]
}

// text is the page's body with tags removed and entities decoded.
func (p page) text() string {
	return strings.Join(strings.Fields(html.UnescapeString(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(p.body, " "))), " ")
}

func (p page) mustContain(t *testing.T, want ...string) {
	t.Helper()
	text := p.text()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s (status %d) does not say %q:\n%s", p.path, p.status, w, text)
		}
	}
}

func (w *world) mint(t *testing.T, faults ...idp.Fault) string {
	t.Helper()
	resp, err := w.idp.Mint(context.Background(), idp.MintRequest{App: appID, User: user, Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Base64()
}

// events returns the CloudTrail events of account with eventName name.
func (w *world) events(t *testing.T, account, name string) []map[string]any {
	t.Helper()
	out, err := w.cloudTrail(account).LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String(name)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var evs []map[string]any
	for _, e := range out.Events {
		var m map[string]any
		if err := json.Unmarshal([]byte(aws.ToString(e.CloudTrailEvent)), &m); err != nil {
			t.Fatal(err)
		}
		evs = append(evs, m)
	}
	return evs
}

// TestConsoleSAMLSignIn walks the browser path at the HTTP level: the IdP's
// response posted to /saml, the role chooser grouped by account, the
// console showing the identity, a switch into workload Account 1 and back,
// and the events AWS would record.
func TestConsoleSAMLSignIn(t *testing.T) {
	w := newWorld(t, nil)
	if err := w.idp.AddMember(user, role1OpsGroup, time.Time{}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, w)
	raw := w.mint(t)

	chooser := b.post("/saml", url.Values{"SAMLResponse": {raw}, "RelayState": {"https://console.aws.amazon.com/ec2/home"}})
	if chooser.status != http.StatusOK {
		t.Fatalf("POST /saml: status %d:\n%s", chooser.status, chooser.text())
	}
	chooser.mustContain(t, "Select a role", "Account: 111111111111", "EmergencyAccess_Role1_RO", "EmergencyAccess_Role1_Ops", "Sign in")
	if csp := chooser.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "form-action 'self'") {
		t.Errorf("chooser CSP = %q", csp)
	}

	// The chooser's form is protected: without its cookie the choice is refused.
	other := newBrowser(t, w)
	if p := other.post("/saml", url.Values{"SAMLResponse": {raw}, "roleIndex": {role1ROARN}, "csrf": {chooser.csrf(t)}}); p.status != http.StatusForbidden {
		t.Errorf("choice without the chooser's cookie: status %d, want 403", p.status)
	}

	console := b.post("/saml", url.Values{"SAMLResponse": {raw}, "RelayState": {"https://console.aws.amazon.com/ec2/home"},
		"roleIndex": {role1ROARN}, "csrf": {chooser.csrf(t)}})
	if console.status != http.StatusOK || console.path != "/console" {
		t.Fatalf("after choosing: %d at %s:\n%s", console.status, console.path, console.text())
	}
	console.mustContain(t, "111111111111", "EmergencyAccess_Role1_RO", "alice@example.com", "arn:aws:sts::111111111111:assumed-role/EmergencyAccess_Role1_RO/alice@example.com",
		"Switch Role", "Account ID", "IAM role name", "Display name", "https://console.aws.amazon.com/ec2/home")

	// A role the RO session may not reach: the console's own message, and
	// AssumeRole's answer below it.
	denied := b.post("/console/switchrole", url.Values{"csrf": {console.csrf(t)}, "account": {workload1}, "roleName": {"EmergencyAccess_Ops"}})
	if denied.status != http.StatusBadRequest {
		t.Errorf("switch to Ops from RO: status %d, want 400", denied.status)
	}
	denied.mustContain(t, "Invalid information in one or more fields. Check your information or contact your administrator.", "AccessDenied")

	switched := b.post("/console/switchrole", url.Values{"csrf": {console.csrf(t)}, "account": {workload1}, "roleName": {"EmergencyAccess_RO"}, "displayName": {"W1 read-only"}})
	if switched.status != http.StatusOK {
		t.Fatalf("switch role: status %d:\n%s", switched.status, switched.text())
	}
	switched.mustContain(t, "You switched role.", "222222222222", "EmergencyAccess_RO", "W1 read-only",
		"arn:aws:sts::222222222222:assumed-role/EmergencyAccess_RO/alice@example.com", "Back to EmergencyAccess_Role1_RO/alice@example.com @ 111111111111")

	back := b.post("/console/switchback", url.Values{"csrf": {switched.csrf(t)}})
	back.mustContain(t, "arn:aws:sts::111111111111:assumed-role/EmergencyAccess_Role1_RO/alice@example.com")

	// Without the session's token, a console form is refused.
	if p := b.post("/console/switchrole", url.Values{"account": {workload1}, "roleName": {"EmergencyAccess_RO"}}); p.status != http.StatusForbidden {
		t.Errorf("switch role without csrf: status %d, want 403", p.status)
	}

	logins := w.events(t, emergency, "ConsoleLogin")
	if len(logins) != 1 {
		t.Fatalf("ConsoleLogin events in %s: %d, want 1", emergency, len(logins))
	}
	if got := logins[0]["responseElements"].(map[string]any)["ConsoleLogin"]; got != "Success" {
		t.Errorf("ConsoleLogin result %v", got)
	}
	if got := logins[0]["additionalEventData"].(map[string]any)["SamlProviderArn"]; got != providerARN {
		t.Errorf("SamlProviderArn %v, want %s", got, providerARN)
	}
	if n := len(w.events(t, emergency, "AssumeRoleWithSAML")); n != 1 {
		t.Errorf("AssumeRoleWithSAML events: %d, want 1", n)
	}
	if n := len(w.events(t, emergency, "SwitchRole")); n != 2 {
		t.Errorf("SwitchRole events: %d, want 2 (one refused, one allowed)", n)
	}
	// The refused switch never reached the workload account: the RO
	// role's own policy denies it, so only the emergency account records
	// it [R19].
	if n := len(w.events(t, workload1, "AssumeRole")); n != 1 {
		t.Errorf("AssumeRole events in the workload account: %d, want 1", n)
	}
	var codes []string
	for _, e := range w.events(t, emergency, "AssumeRole") {
		c, _ := e["errorCode"].(string)
		codes = append(codes, c)
	}
	if got := strings.Join(codes, ","); got != ",AccessDenied" {
		t.Errorf("AssumeRole events in the emergency account, newest first, have error codes %q, want \",AccessDenied\"", got)
	}

	out := b.post("/console/signout", url.Values{"csrf": {back.csrf(t)}})
	out.mustContain(t, "You have signed out")
	if p := b.get("/console"); p.path != "/console/signin" {
		t.Errorf("console after sign-out went to %s, want the sign-in page", p.path)
	}
}

// TestConsoleSAMLSignInRefusals shows AWS's sign-in page texts: STS's
// refusal with its code and request id, and the page for a response that
// holds no role.
func TestConsoleSAMLSignInRefusals(t *testing.T) {
	w := newWorld(t, nil)
	cases := []struct {
		name   string
		form   url.Values
		status int
		want   string // a regexp over the page text
	}{
		{"foreign signature", url.Values{"SAMLResponse": {w.mint(t, idp.FaultForeignKey)}}, 400,
			`Response signature invalid \(Service: AWSSecurityTokenService; Status Code: 400; Error Code: InvalidIdentityToken; Request ID: [0-9a-f-]{36}\)\. Please try again\.`},
		{"expired", url.Values{"SAMLResponse": {w.mint(t, idp.FaultExpired)}}, 400, `Response has expired \(Service: AWSSecurityTokenService; Status Code: 400; Error Code: ExpiredTokenException`},
		{"unknown provider", url.Values{"SAMLResponse": {w.mint(t, idp.FaultUnknownProvider)}}, 400, `Specified provider doesn't exist\.`},
		{"no role attribute", url.Values{"SAMLResponse": {w.mint(t, idp.FaultMissingRole)}}, 400, `Your request included an invalid SAML response\. +To logout, +click here`},
		{"not base64", url.Values{"SAMLResponse": {"%%%"}}, 400, `Your request included an invalid SAML response\.`},
		{"no response", url.Values{"RelayState": {"x"}}, 400, `Your request included an invalid SAML response\.`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newBrowser(t, w).post("/saml", tc.form)
			if p.status != tc.status {
				t.Errorf("status %d, want %d", p.status, tc.status)
			}
			if !regexp.MustCompile(tc.want).MatchString(p.text()) {
				t.Errorf("page does not match %s:\n%s", tc.want, p.text())
			}
		})
	}
}

// TestConsoleIAMUserSignIn is Failure Mode 1 in the browser: the
// EmergencyAccess IAM user signs in with password and MFA code, then
// switches into the emergency role whose trust policy demands MFA.
func TestConsoleIAMUserSignIn(t *testing.T) {
	w := newWorld(t, nil)
	seed := w.mfaSeeds[mfaSerial]
	if seed == "" {
		t.Fatalf("no MFA seed for %s in %v", mfaSerial, w.mfaSeeds)
	}
	b := newBrowser(t, w)
	form := b.get("/console/signin")
	form.mustContain(t, "Account ID (12 digits) or account alias", "IAM username", "Password", "Sign in")

	wrong := b.post("/console/signin", url.Values{"csrf": {form.csrf(t)}, "account": {emergency}, "username": {"EmergencyAccess"}, "password": {"nope"}})
	if wrong.status != http.StatusUnauthorized {
		t.Errorf("wrong password: status %d, want 401", wrong.status)
	}
	wrong.mustContain(t, "Your authentication information is incorrect. Please try again.")

	mfa := b.post("/console/signin", url.Values{"csrf": {wrong.csrf(t)}, "account": {emergency}, "username": {"EmergencyAccess"}, "password": {"Breakglass-demo-1"}})
	mfa.mustContain(t, "Multi-factor authentication", "MFA code", "Submit")
	bad := b.post("/console/signin/mfa", url.Values{"csrf": {mfa.csrf(t)}, "code": {"000000"}})
	if bad.status != http.StatusUnauthorized {
		t.Errorf("wrong MFA code: status %d, want 401", bad.status)
	}
	console := b.post("/console/signin/mfa", url.Values{"csrf": {mfa.csrf(t)}, "code": {code(t, seed, time.Now())}})
	if console.path != "/console" {
		t.Fatalf("after MFA: %d at %s:\n%s", console.status, console.path, console.text())
	}
	console.mustContain(t, "IAM user", "EmergencyAccess", "arn:aws:iam::111111111111:user/EmergencyAccess", "MFA yes")

	switched := b.post("/console/switchrole", url.Values{"csrf": {console.csrf(t)}, "account": {emergency}, "roleName": {"EmergencyAccess_Role1_Ops"}})
	switched.mustContain(t, "You switched role.", "arn:aws:sts::111111111111:assumed-role/EmergencyAccess_Role1_Ops/EmergencyAccess")

	var results []string
	for _, e := range w.events(t, emergency, "ConsoleLogin") {
		results = append(results, e["responseElements"].(map[string]any)["ConsoleLogin"].(string)+"/"+e["additionalEventData"].(map[string]any)["MFAUsed"].(string))
	}
	// Newest first: the MFA sign-in, the wrong code, the wrong password.
	if got, want := strings.Join(results, ","), "Success/Yes,Failure/Yes,Failure/No"; got != want {
		t.Errorf("ConsoleLogin events %s, want %s", got, want)
	}

	// An unknown user: the same answer, and CloudTrail hides the name.
	nobody := newBrowser(t, w)
	f := nobody.get("/console/signin")
	p := nobody.post("/console/signin", url.Values{"csrf": {f.csrf(t)}, "account": {emergency}, "username": {"mallory"}, "password": {"x"}})
	p.mustContain(t, "Your authentication information is incorrect. Please try again.")
	if got := w.events(t, emergency, "ConsoleLogin")[0]["userIdentity"].(map[string]any)["userName"]; got != "HIDDEN_DUE_TO_SECURITY_REASONS" {
		t.Errorf("failed sign-in of an unknown user records userName %v", got)
	}
}

// code is the TOTP code of seed at a time (RFC 6238: SHA-1, 6 digits, 30 s).
func code(t *testing.T, seed string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(seed, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestConsoleCookies checks what the sign-in endpoint's answer sets: the
// console session cookie is HttpOnly and SameSite, and the answer is a
// redirect to the console that no cache keeps.
func TestConsoleCookies(t *testing.T) {
	w := newWorld(t, nil)
	c := &http.Client{Transport: w.client.Transport, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(w.url+"/saml", url.Values{"SAMLResponse": {w.mint(t)}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console" {
		t.Fatalf("POST /saml: %d to %q, want 303 to /console", resp.StatusCode, resp.Header.Get("Location"))
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	var found bool
	for _, ck := range resp.Cookies() {
		if ck.Name != "bg_console" {
			continue
		}
		found = true
		if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || len(ck.Value) < 32 {
			t.Errorf("console cookie %+v: want HttpOnly, SameSite=Lax, Path=/ and a long random value", ck)
		}
	}
	if !found {
		t.Errorf("no console session cookie in %v", resp.Header.Values("Set-Cookie"))
	}
}
