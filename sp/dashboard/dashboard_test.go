package dashboard_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/breakglass-dev/breakglass/sp"
	"github.com/breakglass-dev/breakglass/sp/control"
	"github.com/breakglass-dev/breakglass/sp/dashboard"
)

// t0 is the emulator's base clock in these tests.
var t0 = time.Date(2030, 1, 15, 12, 0, 0, 0, time.UTC)

const (
	mgmt     = "111111111111"
	workload = "222222222222"
	password = "Dashboard-Secret-Pass-1"
)

// world is an emulator set up through the AWS API, with what the page
// must show and what it must never show.
type world struct {
	url     string
	ctl     *control.Client
	secrets []string // values that must never appear on the page
}

// setUp starts the emulator on loopback and builds two accounts through
// IAM clients signed as their root users: SAML providers whose signing
// certificates are valid, expiring in 10 days and expired; roles trusting
// a provider, a deleted provider and another account; a user with a login
// profile, MFA and an access key, and one with neither; an organization
// whose SCP is attached to the workload account. It then makes the
// calls the event log tests read, in order: alice's GetCallerIdentity, the
// workload root's ListRoles, alice's refused AssumeRole.
func setUp(t *testing.T) world {
	t.Helper()
	ctx := t.Context()
	emu := sp.New(sp.Config{Now: func() time.Time { return t0 }})
	ts := httptest.NewServer(emu.Handler())
	t.Cleanup(ts.Close)
	w := world{url: ts.URL, ctl: control.New(ts.URL, ts.Client())}
	root := func(acct string) *iam.Client {
		return iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), RetryMaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider(acct, "x", "")})
	}
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	day := 24 * time.Hour
	fresh := certificate(t, key, "fresh.idp.test", t0.Add(-day), t0.Add(365*day))
	soon := certificate(t, key, "soon.idp.test", t0.Add(-300*day), t0.Add(10*day))
	expired := certificate(t, key, "expired.idp.test", t0.Add(-400*day), t0.Add(-day))

	m := root(mgmt)
	must(m.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("Okta"), SAMLMetadataDocument: aws.String(metadata("https://okta.idp.test", soon, fresh))}))
	must(m.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("Legacy"), SAMLMetadataDocument: aws.String(metadata("https://legacy.idp.test", expired))}))
	must(m.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("Retired"), SAMLMetadataDocument: aws.String(metadata("https://retired.idp.test", fresh))}))
	must(m.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("BreakGlass"), MaxSessionDuration: aws.Int32(7200),
		AssumeRolePolicyDocument: aws.String(federated(mgmt, "Okta"))}))
	must(m.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("Orphan"), AssumeRolePolicyDocument: aws.String(federated(mgmt, "Retired"))}))
	must(m.DeleteSAMLProvider(ctx, &iam.DeleteSAMLProviderInput{SAMLProviderArn: aws.String("arn:aws:iam::" + mgmt + ":saml-provider/Retired")}))

	must(m.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}))
	must(m.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")}))
	must(m.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("alice"), Password: aws.String(password)}))
	dev, err := m.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	seed := string(dev.VirtualMFADevice.Base32StringSeed)
	must(m.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String("alice"), SerialNumber: dev.VirtualMFADevice.SerialNumber,
		AuthenticationCode1: aws.String(code(t, seed, t0.Add(-30*time.Second))), AuthenticationCode2: aws.String(code(t, seed, t0))}))
	ak, err := m.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	secret := aws.ToString(ak.AccessKey.SecretAccessKey)
	w.secrets = append(w.secrets, password, seed, secret)

	wl := root(workload)
	must(wl.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("Workload"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + mgmt + `:root"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`)}))

	org := organizations.New(organizations.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(mgmt, "x", "")})
	must(org.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}))
	scp, err := org.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("ProtectBreakGlass"), Description: aws.String("d"),
		Type:    orgtypes.PolicyTypeServiceControlPolicy,
		Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:DeleteRole","Resource":"arn:aws:iam::*:role/Workload"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	must(org.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: scp.Policy.PolicySummary.Id, TargetId: aws.String(workload)}))

	alice := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(aws.ToString(ak.AccessKey.AccessKeyId), secret, "")})
	session, err := alice.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	w.secrets = append(w.secrets, aws.ToString(session.Credentials.SecretAccessKey), aws.ToString(session.Credentials.SessionToken))
	must(alice.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
	must(wl.ListRoles(ctx, &iam.ListRolesInput{}))
	if _, err := alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + mgmt + ":role/BreakGlass"), RoleSessionName: aws.String("drill")}); err == nil {
		t.Fatal("alice assumed a role that trusts only Okta")
	}
	return w
}

func federated(account, provider string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::` + account + `:saml-provider/` + provider + `"},"Action":"sts:AssumeRoleWithSAML","Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}}}]}`
}

func code(t *testing.T, seed string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(seed, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// certificate returns a self-signed certificate for cn with the given
// validity window.
func certificate(t *testing.T, key *rsa.PrivateKey, cn string, notBefore, notAfter time.Time) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(notAfter.Unix()), Subject: pkix.Name{CommonName: cn},
		NotBefore: notBefore, NotAfter: notAfter, KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// metadata is IdP metadata with one signing KeyDescriptor per certificate.
func metadata(entityID string, certs ...*x509.Certificate) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="%s">
<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
`, entityID)
	for _, c := range certs {
		fmt.Fprintf(&b, `<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>%s</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
`, base64.StdEncoding.EncodeToString(c.Raw))
	}
	fmt.Fprintf(&b, `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="%s/sso"/>
</md:IDPSSODescriptor>
</md:EntityDescriptor>
`, entityID)
	return b.String()
}

// get fetches a dashboard URL and returns the response and its body.
func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

// page fetches the dashboard with a query string and checks it is a page.
func page(t *testing.T, w world, query string) string {
	t.Helper()
	resp, body := get(t, w.url+dashboard.Path+query)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s%s: got %s, want 200", dashboard.Path, query, resp.Status)
	}
	return body
}

// row returns the table row of body that contains needle, or "".
func row(body, needle string) string {
	i := strings.Index(body, needle)
	if i < 0 {
		return ""
	}
	start := strings.LastIndex(body[:i], "<tr")
	end := strings.Index(body[i:], "</tr>")
	if start < 0 || end < 0 {
		return ""
	}
	return body[start : i+end]
}

// section returns the part of body from the heading with the given id to
// the next h2 (or the end).
func section(body, id string) string {
	i := strings.Index(body, `<h2 id="`+id+`">`)
	if i < 0 {
		return ""
	}
	rest := body[i+1:]
	if j := strings.Index(rest, "<h2"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// account returns the section of body about one account.
func account(body, id string) string {
	i := strings.Index(body, `<h3 id="account-`+id+`">`)
	if i < 0 {
		return ""
	}
	rest := body[i:]
	if j := strings.Index(rest, "</section>"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

type event struct{ Account, Source, Name, Principal, ErrorCode string }

var reEventRow = regexp.MustCompile(`(?s)<tr(?: class="refused")?>\s*<td><time[^>]*>[^<]*</time></td>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>\s*<td><code>([^<]*)</code></td>\s*<td>[^<]*</td>\s*<td>([^<]*)</td>`)

// events reads the event log table of a page, in page order.
func events(body string) []event {
	var out []event
	for _, m := range reEventRow.FindAllStringSubmatch(section(body, "event-log"), -1) {
		out = append(out, event{m[1], m[2], m[3], m[4], m[5]})
	}
	return out
}

func names(evs []event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Name)
	}
	return out
}

func TestDashboard(t *testing.T) {
	w := setUp(t)
	body := page(t, w, "")

	t.Run("structure", func(t *testing.T) {
		for _, want := range []string{
			"<h1>Emulator dashboard</h1>",
			`<h2 id="clock">Clock</h2>`,
			`<h2 id="accounts">Accounts</h2>`,
			`<h2 id="event-log">Event log</h2>`,
			`<h3 id="account-111111111111">Account 111111111111`,
			`<h3 id="account-222222222222">Account 222222222222</h3>`,
			`<label for="principal">Principal</label>`,
			`<input type="text" id="principal" name="principal"`,
			`<label for="account">Account</label>`,
			`<label for="event">Event name</label>`,
			`<button type="submit">Filter</button>`,
			`<th scope="col">Principal</th>`,
			`<link rel="stylesheet" href="/_breakglass/dashboard.css">`,
			"Auto-refresh every 5 s",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		if strings.Index(body, "Account 111111111111") > strings.Index(body, "Account 222222222222") {
			t.Error("accounts are not sorted")
		}
		// No script, no resource from elsewhere, no refresh unless asked.
		for _, banned := range []string{"<script", " src=", `href="http`, `href="//`, "http-equiv"} {
			if strings.Contains(strings.ToLower(body), banned) {
				t.Errorf("page contains %q", banned)
			}
		}
	})

	t.Run("roles", func(t *testing.T) {
		cases := []struct {
			name, role string
			want       []string
		}{
			{"federated", "arn:aws:iam::111111111111:role/BreakGlass", []string{"2h", "Federated", "arn:aws:iam::111111111111:saml-provider/Okta", "(with conditions)"}},
			{"deleted provider", "arn:aws:iam::111111111111:role/Orphan", []string{"1h", "saml-provider/Retired", "no such provider"}},
			{"cross-account", "arn:aws:iam::222222222222:role/Workload", []string{"AWS", "arn:aws:iam::111111111111:root"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := row(section(body, "accounts"), tc.role)
				if r == "" {
					t.Fatalf("no row for %s", tc.role)
				}
				for _, want := range tc.want {
					if !strings.Contains(r, want) {
						t.Errorf("row of %s lacks %q:\n%s", tc.role, want, r)
					}
				}
			})
		}
		if r := row(body, "role/BreakGlass"); strings.Contains(r, "no such provider") {
			t.Errorf("the Okta provider exists, got %s", r)
		}
		if !strings.Contains(body, "<summary>Trust policy JSON</summary>") {
			t.Error("no trust policy JSON")
		}
	})

	t.Run("certificates", func(t *testing.T) {
		cases := []struct{ subject, status string }{
			{"CN=fresh.idp.test", "valid"},
			{"CN=soon.idp.test", "expires in 10 days"},
			{"CN=expired.idp.test", "EXPIRED"},
		}
		for _, tc := range cases {
			t.Run(tc.subject, func(t *testing.T) {
				r := row(body, tc.subject)
				if got := status(r); got != tc.status {
					t.Errorf("got status %q, want %q in\n%s", got, tc.status, r)
				}
			})
		}
		for _, want := range []string{"arn:aws:iam::111111111111:saml-provider/Okta", "arn:aws:iam::111111111111:saml-provider/Legacy",
			"https://okta.idp.test", "ValidUntil", "2130-01-"} {
			if !strings.Contains(section(body, "accounts"), want) {
				t.Errorf("providers lack %q", want)
			}
		}
		if strings.Contains(body, "Retired</strong>") {
			t.Error("a deleted provider is listed")
		}
	})

	t.Run("organization", func(t *testing.T) {
		cases := []struct{ account, want string }{
			{mgmt, "Account 111111111111 (management account)</h3>"},
			{mgmt, "SCPs never restrict the management account."},
			{workload, "<td>ProtectBreakGlass</td>"},
		}
		for _, tc := range cases {
			t.Run(tc.want, func(t *testing.T) {
				if !strings.Contains(account(body, tc.account), tc.want) {
					t.Errorf("account %s lacks %q", tc.account, tc.want)
				}
			})
		}
		if strings.Contains(account(body, mgmt), "ProtectBreakGlass") {
			t.Error("the SCP is shown on an account it is not attached to")
		}
	})

	t.Run("users", func(t *testing.T) {
		cases := []struct {
			user, mfa, login string
		}{
			{"arn:aws:iam::111111111111:user/alice", "yes", "yes"},
			{"arn:aws:iam::111111111111:user/bob", "no", "no"},
		}
		for _, tc := range cases {
			t.Run(tc.user, func(t *testing.T) {
				cells := regexp.MustCompile(`<td>(yes|no)`).FindAllStringSubmatch(row(body, tc.user), -1)
				if len(cells) != 2 || cells[0][1] != tc.mfa || cells[1][1] != tc.login {
					t.Errorf("got %v, want MFA %s, login profile %s", cells, tc.mfa, tc.login)
				}
			})
		}
	})

	t.Run("no secrets", func(t *testing.T) {
		for _, q := range []string{"", "?principal=alice", "?refused=1"} {
			// GetSessionToken is an event name; the credential it returns
			// is what must not show.
			b := strings.ReplaceAll(page(t, w, q), "GetSessionToken", "")
			for _, s := range append([]string{"SecretAccessKey", "secretAccessKey", "SessionToken", "sessionToken", "Base32StringSeed", "Password\""}, w.secrets...) {
				if strings.Contains(b, s) {
					t.Errorf("page %q shows %q", q, s)
				}
			}
		}
	})

	t.Run("event log newest first", func(t *testing.T) {
		evs := events(body)
		if len(evs) < 4 {
			t.Fatalf("got %d events, want at least 4", len(evs))
		}
		want := []event{
			{mgmt, "sts.amazonaws.com", "AssumeRole", "arn:aws:iam::111111111111:user/alice", "AccessDenied"},
			{workload, "iam.amazonaws.com", "ListRoles", "arn:aws:iam::222222222222:root", ""},
			{mgmt, "sts.amazonaws.com", "GetCallerIdentity", "arn:aws:iam::111111111111:user/alice", ""},
			{mgmt, "sts.amazonaws.com", "GetSessionToken", "arn:aws:iam::111111111111:user/alice", ""},
		}
		for i, w := range want {
			if evs[i] != w {
				t.Errorf("event %d: got %+v, want %+v", i, evs[i], w)
			}
		}
		if got := strings.Count(section(body, "event-log"), "<summary>Event JSON"); got != len(evs) {
			t.Errorf("got %d event JSON details for %d events", got, len(evs))
		}
	})

	t.Run("filters", func(t *testing.T) {
		cases := []struct {
			name, query string
			want        []string // event names, newest first
		}{
			{"principal", "?principal=alice", []string{"AssumeRole", "GetCallerIdentity", "GetSessionToken"}},
			{"principal ignores case", "?principal=ALICE", []string{"AssumeRole", "GetCallerIdentity", "GetSessionToken"}},
			{"principal and event name", "?principal=alice&event=getcaller", []string{"GetCallerIdentity"}},
			{"account", "?account=222222222222", []string{"ListRoles", "CreateRole"}},
			{"refused", "?principal=alice&refused=1", []string{"AssumeRole"}},
			{"nothing", "?principal=mallory", nil},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				b := page(t, w, tc.query)
				if got := names(events(b)); !slices.Equal(got, tc.want) {
					t.Errorf("got %v, want %v", got, tc.want)
				}
				if tc.want == nil && !strings.Contains(b, "No events match.") {
					t.Error("no note that nothing matched")
				}
			})
		}
		if b := page(t, w, "?principal=alice&account=111111111111&event=Get&refused=1"); !strings.Contains(b, `value="alice"`) ||
			!strings.Contains(b, `name="account" value="111111111111"`) || !strings.Contains(b, `name="event" value="Get"`) || !strings.Contains(b, "checked") {
			t.Error("the form does not keep the filter")
		}
	})

	t.Run("refresh", func(t *testing.T) {
		cases := []struct {
			query, want string
			meta        bool
		}{
			{"", `href="/_breakglass/dashboard?refresh=5">Auto-refresh every 5 s`, false},
			{"?refresh=5", `<meta http-equiv="refresh" content="5">`, true},
			{"?refresh=5&principal=alice", `href="/_breakglass/dashboard?principal=alice">Stop auto-refresh`, true},
			{"?principal=alice", `href="/_breakglass/dashboard?principal=alice&amp;refresh=5"`, false},
			{"?refresh=0", "Auto-refresh every 5 s", false},
			{"?refresh=soon", "Auto-refresh every 5 s", false},
		}
		for _, tc := range cases {
			t.Run(tc.query, func(t *testing.T) {
				b := page(t, w, tc.query)
				if !strings.Contains(b, tc.want) {
					t.Errorf("page lacks %q", tc.want)
				}
				if got := strings.Contains(b, "http-equiv"); got != tc.meta {
					t.Errorf("meta refresh: got %v, want %v", got, tc.meta)
				}
			})
		}
	})

	t.Run("headers", func(t *testing.T) {
		cases := []struct {
			path, contentType, cache string
		}{
			{dashboard.Path, "text/html; charset=utf-8", "no-store"},
			{dashboard.StylePath, "text/css; charset=utf-8", ""},
		}
		for _, tc := range cases {
			t.Run(tc.path, func(t *testing.T) {
				resp, _ := get(t, w.url+tc.path)
				h := resp.Header
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("got %s", resp.Status)
				}
				csp := h.Get("Content-Security-Policy")
				for _, want := range []string{"default-src 'none'", "style-src 'self'", "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'"} {
					if !strings.Contains(csp, want) {
						t.Errorf("CSP %q lacks %q", csp, want)
					}
				}
				if strings.Contains(csp, "script-src") || strings.Contains(csp, "unsafe") || strings.Contains(csp, "*") {
					t.Errorf("CSP %q is not strict", csp)
				}
				if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
					t.Errorf("X-Content-Type-Options: got %q, want nosniff", got)
				}
				if got := h.Get("Content-Type"); got != tc.contentType {
					t.Errorf("Content-Type: got %q, want %q", got, tc.contentType)
				}
				if got := h.Get("Cache-Control"); got != tc.cache {
					t.Errorf("Cache-Control: got %q, want %q", got, tc.cache)
				}
			})
		}
		resp, err := http.Post(w.url+dashboard.Path, "text/plain", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("POST: got %s, want 405", resp.Status)
		}
	})

	// Last: it moves the emulator's clock.
	t.Run("moved clock", func(t *testing.T) {
		clock := section(body, "clock")
		for _, want := range []string{"2030-01-15 12:00:00 UTC", "none: the emulator follows the real clock"} {
			if !strings.Contains(clock, want) {
				t.Errorf("clock lacks %q:\n%s", want, clock)
			}
		}
		if _, err := w.ctl.Advance(t.Context(), 3*24*time.Hour+90*time.Minute); err != nil {
			t.Fatal(err)
		}
		b := page(t, w, "")
		clock = section(b, "clock")
		for _, want := range []string{
			`<dd id="emulator-time"><time datetime="2030-01-18T13:30:00Z">2030-01-18 13:30:00 UTC</time></dd>`,
			`<dd id="real-time"><time datetime="2030-01-15T12:00:00Z">2030-01-15 12:00:00 UTC</time></dd>`,
			"3d 1h 30m ahead of the real clock",
		} {
			if !strings.Contains(clock, want) {
				t.Errorf("clock lacks %q:\n%s", want, clock)
			}
		}
		// Certificates are judged by the emulator's clock.
		if got := status(row(b, "CN=soon.idp.test")); got != "expires in 7 days" {
			t.Errorf("after 3.0625 days: got %q, want expires in 7 days", got)
		}
	})
}

var reStatus = regexp.MustCompile(`<td class="status [a-z]+">([^<]*)</td>`)

// status returns the certificate status cell of a row.
func status(row string) string {
	if m := reStatus.FindStringSubmatch(row); m != nil {
		return m[1]
	}
	return ""
}
