package idp_test

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"golang.org/x/crypto/bcrypt"

	"github.com/breakglass-dev/breakglass/idp"
)

const testPassword = "correct horse"

var (
	hashOnce sync.Once
	hash     string
)

func passwordHash(t testing.TB) string {
	hashOnce.Do(func() {
		h, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		hash = string(h)
	})
	return hash
}

// clock is a settable clock shared by a test and its server.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type idpServer struct {
	*httptest.Server
	p     *idp.Provider
	clock *clock
	totp  string // alice's TOTP secret
}

func startIdP(t *testing.T, edit func(*idp.Config)) *idpServer {
	t.Helper()
	return startIdPWith(t, edit, idp.HandlerConfig{})
}

// startIdPWith is startIdP with a handler configuration.
func startIdPWith(t *testing.T, edit func(*idp.Config), hc idp.HandlerConfig) *idpServer {
	t.Helper()
	secret, err := totp.Generate(totp.GenerateOpts{Issuer: "breakglass", AccountName: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Now()}
	ts := httptest.NewUnstartedServer(nil)
	p := newProvider(t, func(c *idp.Config) {
		c.Now = clk.Now
		c.Rand = nil
		c.URL = "http://" + ts.Listener.Addr().String()
		for i := range c.Directory.Users {
			c.Directory.Users[i].PasswordHash = passwordHash(t)
		}
		c.Directory.Users[0].TOTPSecret = secret.Secret() // alice
		if edit != nil {
			edit(c)
		}
	})
	ts.Config.Handler = p.Handler(hc)
	ts.Start()
	t.Cleanup(ts.Close)
	return &idpServer{Server: ts, p: p, clock: clk, totp: secret.Secret()}
}

// browser is an HTTP client with cookies that does not follow redirects,
// so tests see every hop.
type browser struct {
	t    *testing.T
	c    *http.Client
	base string
}

func newBrowser(t *testing.T, s *idpServer) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: s.URL, c: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	status   int
	body     string
	location string
	header   http.Header
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, body: string(body), location: resp.Header.Get("Location"), header: resp.Header}
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.base+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// hidden returns the hidden form fields of a page.
func (p page) hidden() url.Values {
	v := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(p.body, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	return v
}

// signIn walks the sign-in form with username and password and returns the
// page after the POST.
func (b *browser) signIn(user, password, ret string) page {
	b.t.Helper()
	form := b.get("/login?return=" + url.QueryEscape(ret))
	if form.status != http.StatusOK {
		b.t.Fatalf("GET /login: %d", form.status)
	}
	v := form.hidden()
	v.Set("username", user)
	v.Set("password", password)
	return b.post("/login", v)
}

func TestServerMetadata(t *testing.T) {
	s := startIdP(t, nil)
	b := newBrowser(t, s)
	p := b.get(idp.MetadataPath)
	if p.status != http.StatusOK || !strings.Contains(p.body, `entityID="urn:breakglass:idp"`) {
		t.Fatalf("metadata: %d\n%s", p.status, p.body)
	}
	if want := s.URL + idp.SSOPath; !strings.Contains(p.body, want) {
		t.Errorf("metadata does not name the SSO endpoint %s", want)
	}
	if ct := p.header.Get("Content-Type"); ct != "application/samlmetadata+xml" {
		t.Errorf("Content-Type %q", ct)
	}
}

func TestServerIdPInitiated(t *testing.T) {
	s := startIdP(t, nil)
	b := newBrowser(t, s)
	if p := b.get("/app/aws/sso"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/login?return=") {
		t.Fatalf("unauthenticated SSO: got %d to %q, want a redirect to sign in", p.status, p.location)
	}
	p := b.signIn("bob", testPassword, "/app/aws/sso?RelayState=https%3A%2F%2Fconsole.aws.amazon.com%2F")
	if p.status != http.StatusSeeOther || p.location != "/app/aws/sso?RelayState=https%3A%2F%2Fconsole.aws.amazon.com%2F" {
		t.Fatalf("sign-in: got %d to %q", p.status, p.location)
	}
	dash := b.get("/")
	if !strings.Contains(dash.body, `href="/app/aws/sso"`) {
		t.Errorf("dashboard does not link the app:\n%s", dash.body)
	}
	post := b.get(p.location)
	if post.status != http.StatusOK {
		t.Fatalf("SSO: %d\n%s", post.status, post.body)
	}
	if !strings.Contains(post.body, `action="https://signin.aws.amazon.com/saml"`) {
		t.Errorf("auto-POST form does not target the ACS:\n%s", post.body)
	}
	if csp := post.header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' https://signin.aws.amazon.com") {
		t.Errorf("CSP does not allow the ACS as form target: %q", csp)
	}
	fields := post.hidden()
	if fields.Get("RelayState") != "https://console.aws.amazon.com/" {
		t.Errorf("RelayState got %q", fields.Get("RelayState"))
	}
	xml, err := base64.StdEncoding.DecodeString(fields.Get("SAMLResponse"))
	if err != nil {
		t.Fatalf("SAMLResponse is not base64: %v", err)
	}
	if !strings.Contains(string(xml), "role/EmergencyAccess_Role1_Ops") {
		t.Errorf("response lacks bob's role:\n%s", xml)
	}
}

func TestServerRefusals(t *testing.T) {
	t.Run("no emergency group", func(t *testing.T) {
		s := startIdP(t, nil)
		b := newBrowser(t, s)
		b.signIn("mallory", testPassword, "/")
		p := b.get("/app/aws/sso")
		if p.status != http.StatusForbidden || !strings.Contains(p.body, "not in any group") || strings.Contains(p.body, "SAMLResponse") {
			t.Errorf("got %d:\n%s", p.status, p.body)
		}
	})
	t.Run("app disabled", func(t *testing.T) {
		s := startIdP(t, func(c *idp.Config) { c.Apps[0].Enabled = false })
		b := newBrowser(t, s)
		b.signIn("bob", testPassword, "/")
		if dash := b.get("/"); !strings.Contains(dash.body, "disabled by your administrator") {
			t.Errorf("dashboard does not show the app as disabled:\n%s", dash.body)
		}
		p := b.get("/app/aws/sso")
		if p.status != http.StatusForbidden || !strings.Contains(p.body, "disabled") || strings.Contains(p.body, "SAMLResponse") {
			t.Errorf("got %d:\n%s", p.status, p.body)
		}
		// The administrator enables the app: the same user now gets through.
		if err := s.p.SetAppEnabled("aws", true); err != nil {
			t.Fatal(err)
		}
		if p := b.get("/app/aws/sso"); p.status != http.StatusOK {
			t.Errorf("after enabling: %d", p.status)
		}
	})
	t.Run("unknown app", func(t *testing.T) {
		s := startIdP(t, nil)
		b := newBrowser(t, s)
		b.signIn("bob", testPassword, "/")
		if p := b.get("/app/nope/sso"); p.status != http.StatusNotFound {
			t.Errorf("got %d", p.status)
		}
	})
}

func TestServerBadCredentials(t *testing.T) {
	s := startIdP(t, nil)
	b := newBrowser(t, s)
	wrongPassword := b.signIn("bob", "guess", "/")
	unknownUser := b.signIn("eve", "guess", "/")
	for name, p := range map[string]page{"wrong password": wrongPassword, "unknown user": unknownUser} {
		if p.status != http.StatusUnauthorized {
			t.Errorf("%s: got %d, want 401", name, p.status)
		}
		if !strings.Contains(p.body, "username, password or verification code is incorrect") {
			t.Errorf("%s: message does not hide which part was wrong:\n%s", name, p.body)
		}
	}
	t.Run("missing csrf", func(t *testing.T) {
		p := b.post("/login", url.Values{"username": {"bob"}, "password": {testPassword}})
		if p.status != http.StatusForbidden {
			t.Errorf("got %d, want 403", p.status)
		}
	})
	t.Run("oversized form", func(t *testing.T) {
		p := b.post("/login", url.Values{"username": {strings.Repeat("a", 100<<10)}})
		if p.status != http.StatusRequestEntityTooLarge {
			t.Errorf("got %d, want 413", p.status)
		}
	})
	t.Run("open redirect", func(t *testing.T) {
		b := newBrowser(t, s)
		if p := b.signIn("bob", testPassword, "//evil.example/"); p.location != "/" {
			t.Errorf("redirected to %q after sign-in, want /", p.location)
		}
	})
}

func TestServerThrottle(t *testing.T) {
	s := startIdP(t, nil)
	b := newBrowser(t, s)
	for i := range 5 {
		if p := b.signIn("bob", fmt.Sprintf("guess-%d", i), "/"); p.status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i, p.status)
		}
	}
	p := b.signIn("bob", testPassword, "/")
	if p.status != http.StatusTooManyRequests || p.header.Get("Retry-After") == "" {
		t.Fatalf("after 5 failures the right password got %d (Retry-After %q), want 429", p.status, p.header.Get("Retry-After"))
	}
	s.clock.Advance(16 * time.Minute)
	if p := b.signIn("bob", testPassword, "/"); p.status != http.StatusSeeOther {
		t.Errorf("after the lockout window: got %d, want 303", p.status)
	}
}

func TestServerTOTP(t *testing.T) {
	s := startIdP(t, nil)
	b := newBrowser(t, s)
	p := b.signIn("alice", testPassword, "/")
	if p.status != http.StatusOK || !strings.Contains(p.body, "Verification code") {
		t.Fatalf("alice is enrolled, want the code step; got %d\n%s", p.status, p.body)
	}
	if dash := b.get("/"); dash.status != http.StatusSeeOther {
		t.Errorf("dashboard reachable before the code step: %d", dash.status)
	}
	code, err := idp.TOTPCode(s.totp, s.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	v := p.hidden()
	v.Set("code", wrongCode(code))
	if bad := b.post("/login/totp", v); bad.status != http.StatusUnauthorized {
		t.Fatalf("wrong code: got %d", bad.status)
	}
	v.Set("code", code)
	if ok := b.post("/login/totp", v); ok.status != http.StatusSeeOther {
		t.Fatalf("right code: got %d\n%s", ok.status, ok.body)
	}
	if dash := b.get("/"); dash.status != http.StatusOK {
		t.Errorf("dashboard after sign-in: %d", dash.status)
	}

	// The same code, within its window, from another browser: refused.
	b2 := newBrowser(t, s)
	p2 := b2.signIn("alice", testPassword, "/")
	v2 := p2.hidden()
	v2.Set("code", code)
	if replay := b2.post("/login/totp", v2); replay.status != http.StatusUnauthorized {
		t.Errorf("replayed code: got %d, want 401", replay.status)
	}
	// The next step's code works.
	s.clock.Advance(30 * time.Second)
	next, _ := idp.TOTPCode(s.totp, s.clock.Now())
	v2.Set("code", next)
	if ok := b2.post("/login/totp", v2); ok.status != http.StatusSeeOther {
		t.Errorf("next code: got %d", ok.status)
	}
}

func wrongCode(code string) string {
	if code == "000000" {
		return "000001"
	}
	return "000000"
}

func deflateB64(t *testing.T, data string) string {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	w.Write([]byte(data))
	w.Close()
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

const authnRequest = `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="req-42" Version="2.0" IssueInstant="2026-11-22T12:00:00Z" AssertionConsumerServiceURL="https://signin.aws.amazon.com/saml"><saml:Issuer>urn:amazon:webservices</saml:Issuer></samlp:AuthnRequest>`

func TestServerSPInitiated(t *testing.T) {
	s := startIdP(t, nil)
	b := newBrowser(t, s)
	q := url.Values{"SAMLRequest": {deflateB64(t, authnRequest)}, "RelayState": {"state-1"}}
	p := b.get(idp.SSOPath + "?" + q.Encode())
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/login?return=") {
		t.Fatalf("got %d to %q, want sign-in", p.status, p.location)
	}
	ret, _ := url.QueryUnescape(strings.TrimPrefix(p.location, "/login?return="))
	signed := b.signIn("bob", testPassword, ret)
	post := b.get(signed.location)
	if post.status != http.StatusOK {
		t.Fatalf("SSO after sign-in: %d\n%s", post.status, post.body)
	}
	fields := post.hidden()
	xml, _ := base64.StdEncoding.DecodeString(fields.Get("SAMLResponse"))
	if !strings.Contains(string(xml), `InResponseTo="req-42"`) {
		t.Errorf("response does not answer the request:\n%s", xml)
	}
	if fields.Get("RelayState") != "state-1" {
		t.Errorf("RelayState got %q", fields.Get("RelayState"))
	}

	t.Run("POST binding", func(t *testing.T) {
		p := b.post(idp.SSOPath, url.Values{"SAMLRequest": {base64.StdEncoding.EncodeToString([]byte(authnRequest))}})
		if p.status != http.StatusOK || !strings.Contains(p.body, "SAMLResponse") {
			t.Errorf("got %d\n%s", p.status, p.body)
		}
	})
}

func TestServerGarbageAuthnRequests(t *testing.T) {
	s := startIdP(t, nil)
	b := newBrowser(t, s)
	b.signIn("bob", testPassword, "/")
	bomb := deflateB64(t, `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="x">`+strings.Repeat(" ", 4<<20)+`</samlp:AuthnRequest>`)
	cases := map[string]string{
		"missing":         "",
		"not base64":      "%%%not-base64%%%",
		"not deflate":     base64.StdEncoding.EncodeToString([]byte("plain text, not deflated")),
		"not XML":         deflateB64(t, "hello <world"),
		"doctype":         deflateB64(t, `<!DOCTYPE x [<!ENTITY a "aaaa">]><samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="x">&a;</samlp:AuthnRequest>`),
		"wrong root":      deflateB64(t, `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="x"/>`),
		"wrong namespace": deflateB64(t, `<AuthnRequest ID="x"/>`),
		"no ID":           deflateB64(t, `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>`),
		"deflate bomb":    bomb,
		"oversized":       strings.Repeat("A", 70<<10),
		"foreign ACS":     deflateB64(t, strings.Replace(authnRequest, "https://signin.aws.amazon.com/saml", "https://evil.example/acs", 1)),
		"unknown SP":      deflateB64(t, strings.Replace(authnRequest, "urn:amazon:webservices", "https://other.example/sp", 1)),
	}
	for name, param := range cases {
		t.Run(name, func(t *testing.T) {
			p := b.get(idp.SSOPath + "?" + url.Values{"SAMLRequest": {param}}.Encode())
			if p.status != http.StatusBadRequest {
				t.Errorf("got %d, want 400\n%s", p.status, p.body)
			}
			if strings.Contains(p.body, "SAMLResponse") || strings.Contains(p.body, "goroutine") {
				t.Errorf("page leaks a response or a stack trace:\n%s", p.body)
			}
		})
	}
}

func TestServerOpenRedirectControlCharacters(t *testing.T) {
	s := startIdP(t, nil)
	for _, ret := range []string{"/\t/evil.example", "/\n/evil.example", "/\\evil.example", "//evil.example", "https://evil.example/", "/%0A", "javascript:alert(1)"} {
		b := newBrowser(t, s)
		p := b.signIn("bob", testPassword, ret)
		if p.status != http.StatusSeeOther {
			t.Fatalf("return %q: status %d", ret, p.status)
		}
		if ret == "/%0A" {
			if p.location != ret {
				t.Errorf("return %q: redirected to %q, want it kept (it is an escaped path)", ret, p.location)
			}
			continue
		}
		if p.location != "/" {
			t.Errorf("return %q: redirected to %q, want /", ret, p.location)
		}
	}
}

func TestServerPendingSessionGetsNoResponse(t *testing.T) {
	s := startIdP(t, nil)
	b := newBrowser(t, s)
	step := b.signIn("alice", testPassword, "/app/aws/sso")
	if !strings.Contains(step.body, "Verification code") {
		t.Fatalf("want the code step, got %d", step.status)
	}
	if err := s.p.AddMember("alice", groupRole1RO, time.Time{}); err != nil {
		t.Fatal(err)
	}
	q := url.Values{"SAMLRequest": {deflateB64(t, authnRequest)}}.Encode()
	for _, p := range []page{
		b.get("/app/aws/sso"),
		b.get(idp.SSOPath + "?" + q),
		b.post(idp.SSOPath, url.Values{"SAMLRequest": {base64.StdEncoding.EncodeToString([]byte(authnRequest))}}),
	} {
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/login") || strings.Contains(p.body, "SAMLResponse") {
			t.Errorf("before the code step: got %d to %q", p.status, p.location)
		}
	}
	// The password step alone expires after a few minutes.
	s.clock.Advance(6 * time.Minute)
	code, _ := idp.TOTPCode(s.totp, s.clock.Now())
	v := step.hidden()
	v.Set("code", code)
	if p := b.post("/login/totp", v); p.status != http.StatusForbidden {
		t.Errorf("code for a pending session older than its lifetime: got %d, want 403", p.status)
	}
}

func TestServerRegionalAppSharesAudience(t *testing.T) {
	s := startIdP(t, func(c *idp.Config) {
		west := testApp()
		west.ID, west.Label, west.ACS = "aws-west", "AWS (us-west-2)", idp.RegionalSignInURL("us-west-2")
		c.Apps = append(c.Apps, west)
	})
	b := newBrowser(t, s)
	b.signIn("bob", testPassword, "/")
	req := strings.Replace(authnRequest, "https://signin.aws.amazon.com/saml", "https://us-west-2.signin.aws.amazon.com/saml", 1)
	p := b.get(idp.SSOPath + "?" + url.Values{"SAMLRequest": {deflateB64(t, req)}}.Encode())
	if p.status != http.StatusOK || !strings.Contains(p.body, `action="https://us-west-2.signin.aws.amazon.com/saml"`) {
		t.Errorf("got %d\n%s", p.status, p.body)
	}
}

func TestServerAuthnContext(t *testing.T) {
	s := startIdP(t, nil)
	b := newBrowser(t, s)
	if err := s.p.AddMember("alice", groupRole1RO, time.Time{}); err != nil {
		t.Fatal(err)
	}
	p := b.signIn("alice", testPassword, "/")
	code, _ := idp.TOTPCode(s.totp, s.clock.Now())
	v := p.hidden()
	v.Set("code", code)
	b.post("/login/totp", v)
	signedInAt := s.clock.Now()
	s.clock.Advance(2 * time.Hour)
	post := b.get("/app/aws/sso")
	xml, _ := base64.StdEncoding.DecodeString(post.hidden().Get("SAMLResponse"))
	if want := `AuthnInstant="` + signedInAt.UTC().Format("2006-01-02T15:04:05.000Z") + `"`; !strings.Contains(string(xml), want) {
		t.Errorf("response does not carry the sign-in time %s:\n%s", want, xml)
	}
	if !strings.Contains(string(xml), "TimeSyncToken") {
		t.Errorf("a TOTP sign-in is not reported as such:\n%s", xml)
	}
}

func TestServerNoDirectoryListing(t *testing.T) {
	s := startIdP(t, nil)
	b := newBrowser(t, s)
	if p := b.get("/static/"); p.status != http.StatusNotFound {
		t.Errorf("/static/: got %d, want 404", p.status)
	}
	if p := b.get("/static/style.css"); p.status != http.StatusOK {
		t.Errorf("/static/style.css: got %d", p.status)
	}
}
