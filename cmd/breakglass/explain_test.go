package main

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/breakglass-dev/breakglass/certs"
	"github.com/breakglass-dev/breakglass/idp"
	"github.com/breakglass-dev/breakglass/landscape"
	"github.com/breakglass-dev/breakglass/scenarios"
	"github.com/breakglass-dev/breakglass/sp"
	"github.com/breakglass-dev/breakglass/sp/samlcheck"
)

// The shared corpus sits beside the repository (sp/samlcheck's corpus
// tests use the same files and judgments).
const (
	explainCorpus    = "../../../shared/testdata/responses"
	samlcheckFixture = "../../sp/samlcheck/testdata/metadata-idp.xml"
	fixtureRoleOps   = "arn:aws:iam::111111111111:role/EmergencyAccess_Role1_Ops"
	fixtureProvider  = "arn:aws:iam::111111111111:saml-provider/Okta"
)

// explainCorpusNow is the corpus's "now" (shared/testdata/SOURCES.md).
var explainCorpusNow = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)

// explainRun runs breakglass with stdin and a fixed clock.
func explainRun(t *testing.T, now time.Time, stdin string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	c := &cli{stdin: strings.NewReader(stdin), stdout: &stdout, stderr: &stderr,
		getenv: func(string) string { return "" }, now: func() time.Time { return now }}
	code := c.main(t.Context(), args)
	return result{code, stdout.String(), stderr.String()}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func explainJSON(t *testing.T, r result) explainReport {
	t.Helper()
	var rep explainReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("stdout is not the JSON report: %v\n%s", err, r.stdout)
	}
	return rep
}

func TestExplainCorpus(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(explainCorpus); err != nil {
		t.Fatalf("corpus: %v", err)
	}
	const issuerRefused = "verdict: InvalidIdentityToken: Issuer not present in specified provider (Service: AWSOpenIdDiscoveryService; Status Code: 400; Error Code: AuthSamlInvalidSamlResponseException; Request ID: <request-id>)"
	tests := map[string]struct {
		// alone is the verdict without metadata, at the corpus's now, for
		// the assertion's first Role pair; rule is the rule that refuses it
		// with the xmlsec1 fixture provider (as in sp/samlcheck's
		// TestCorpusResponses).
		alone string
		rule  string
	}{
		"adfs-aws-roles-invalid-datetime.xml":                         {"verdict: InvalidIdentityToken: Invalid SAML response", samlcheck.RuleXML},
		"adfs-aws-roles-placeholder-signature.xml":                    {"verdict: InvalidIdentityToken: Invalid SAML response", samlcheck.RuleXML},
		"entra-aws-roles-document-repeated-twice.b64":                 {"verdict: InvalidIdentityToken: Invalid SAML response", samlcheck.RuleXML},
		"entra-aws-roles.xml":                                         {issuerRefused, samlcheck.RuleSignature},
		"google-workspace-aws-roles-notbefore-after-notonorafter.xml": {"verdict: ExpiredTokenException: Token must be redeemed within 5 minutes of issuance", samlcheck.RuleSignature},
		"google-workspace-aws-roles-trailing-commas.xml":              {"verdict: ExpiredTokenException: Token must be redeemed within 5 minutes of issuance", samlcheck.RuleSignature},
		"google-workspace-aws-roles.xml":                              {"verdict: ExpiredTokenException: Token must be redeemed within 5 minutes of issuance", samlcheck.RuleSignature},
		"moto-aws-roles-default-namespace.xml":                        {"verdict: InvalidIdentityToken: Response signature invalid", samlcheck.RuleStructure},
		"moto-aws-roles-prefixed-xsi-type.xml":                        {"verdict: InvalidIdentityToken: Response signature invalid", samlcheck.RuleStructure},
		"okta-signed-response-no-aws-role.xml":                        {"verdict: InvalidIdentityToken: Response does not contain the required audience.", samlcheck.RuleSignature},
		"pingfederate-aws-roles-unqualified-elements.xml":             {"verdict: InvalidIdentityToken: Invalid SAML response", samlcheck.RuleResponse},
		"shibboleth-ecp-soap-aws-roles.xml":                           {"verdict: InvalidIdentityToken: Invalid SAML response", samlcheck.RuleResponse},
	}
	files, err := filepath.Glob(filepath.Join(explainCorpus, "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus responses in %s: %v", explainCorpus, err)
	}
	if len(files) != len(tests) {
		t.Errorf("got %d corpus files, table has %d", len(files), len(tests))
	}
	at := explainCorpusNow.Format(time.RFC3339)
	for _, f := range files {
		name := filepath.Base(f)
		tt, ok := tests[name]
		if !ok {
			t.Errorf("%s: no expected verdict in the table", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := explainRun(t, explainCorpusNow, "", "explain", f, "--at", at)
			if got := lastLine(r.stdout); got != tt.alone || r.code != exitFailed {
				t.Errorf("without metadata: got exit %d, %q, want 1, %q\n%s", r.code, got, tt.alone, r.stderr)
			}
			r = explainRun(t, explainCorpusNow, "", "explain", f, "--at", at, "--format", "json",
				"--metadata", samlcheckFixture, "--role-arn", fixtureRoleOps, "--principal-arn", fixtureProvider)
			rep := explainJSON(t, r)
			if r.code != exitFailed || rep.Verdict.Status != verdictRefused || rep.Verdict.Code != samlcheck.CodeInvalidIdentityToken || rep.Verdict.Rule != tt.rule {
				t.Errorf("with the fixture metadata: got exit %d, %+v, want 1, InvalidIdentityToken by %s", r.code, rep.Verdict, tt.rule)
			}
			if len(rep.Steps) != len(samlcheck.CheckOrder()) {
				t.Errorf("got %d steps, want every rule (%d)", len(rep.Steps), len(samlcheck.CheckOrder()))
			}
		})
	}
}

// faultWorld is the built-in landscape in-process at a fixed instant: its
// IdP, and the emulator with the landscape applied (as internal/e2e's
// world), plus the IdP metadata in a file for explain.
type faultWorld struct {
	idp      *idp.Provider
	sts      *sts.Client
	metadata string
	now      time.Time
}

func newFaultWorld(t *testing.T) *faultWorld {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	clock := func() time.Time { return now }
	l := landscape.Default()
	key, err := certs.New(certs.Options{Bits: 2048, NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	dir, apps := l.IdP()
	p, err := idp.New(idp.Config{EntityID: l.IdentityProvider.EntityID, Directory: dir, Apps: apps, Signing: key, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sp.New(sp.Config{Now: clock}).Handler())
	t.Cleanup(srv.Close)
	md, err := p.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	iamFor := func(ctx context.Context, account string) (*iam.Client, error) {
		return iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), HTTPClient: srv.Client(), RetryMaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider(account, "breakglass", "")}), nil
	}
	if _, err := l.Apply(t.Context(), iamFor, landscape.ApplyOptions{IdPMetadata: md}); err != nil {
		t.Fatalf("apply the landscape: %v", err)
	}
	if err := p.SetAppEnabled("aws", true); err != nil {
		t.Fatal(err)
	}
	if err := p.AddMember("alice", role1ROGroup, time.Time{}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "metadata.xml")
	if err := os.WriteFile(path, md, 0o600); err != nil {
		t.Fatal(err)
	}
	c := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), HTTPClient: srv.Client(), RetryMaxAttempts: 1,
		Credentials: aws.AnonymousCredentials{}})
	return &faultWorld{idp: p, sts: c, metadata: path, now: now}
}

var requestIDRE = regexp.MustCompile(`Request ID: [^)]*\)`)

// TestExplainAgreesWithEmulator mints a response for every fault knob (and
// none), redeems it at the emulator and explains it with the IdP's
// metadata at the same instant, for the pair explain picks by default (the
// assertion's first Role pair): the verdicts must be equal. The only
// differences allowed are refusals by the account-side checks (provider,
// role, trust policy), which explain lists as not judged.
func TestExplainAgreesWithEmulator(t *testing.T) {
	w := newFaultWorld(t)
	at := w.now.Format(time.RFC3339)
	// What only the account decides, by fault.
	accountSide := map[idp.Fault]string{
		idp.FaultUnknownProvider:   "verdict: InvalidIdentityToken: Specified provider doesn't exist.",
		idp.FaultUnknownRole:       "verdict: AccessDenied: Not authorized to perform sts:AssumeRoleWithSAML",
		idp.FaultRegionalRecipient: "verdict: AccessDenied: Not authorized to perform sts:AssumeRoleWithSAML",
	}
	cases := []idp.Fault{""}
	for _, f := range idp.Faults() {
		cases = append(cases, f.Name)
	}
	for _, fault := range cases {
		name := string(fault)
		if name == "" {
			name = "no-fault"
		}
		t.Run(name, func(t *testing.T) {
			req := idp.MintRequest{App: "aws", User: "alice"}
			if fault != "" {
				req.Faults = []idp.Fault{fault}
			}
			resp, err := w.idp.Mint(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			// The assertion's first Role pair, as explain picks it; with
			// none, the landscape's pair, passed to explain too.
			role, provider := "", ""
			for _, v := range resp.Roles {
				if p, ok := samlcheck.ParseRoleValue(v); ok {
					role, provider = p.RoleARN, p.PrincipalARN
					break
				}
			}
			args := []string{"explain", "", "--metadata", w.metadata, "--at", at}
			if role == "" {
				role, provider = "arn:aws:iam::111111111111:role/EmergencyAccess_Role1_RO", fixtureProvider
				args = append(args, "--role-arn", role, "--principal-arn", provider)
			}
			_, err = w.sts.AssumeRoleWithSAML(t.Context(), &sts.AssumeRoleWithSAMLInput{
				RoleArn: aws.String(role), PrincipalArn: aws.String(provider), SAMLAssertion: aws.String(resp.Base64()),
			})
			emulator := "verdict: success"
			if err != nil {
				var api smithy.APIError
				if !errors.As(err, &api) {
					t.Fatalf("AssumeRoleWithSAML: %v", err)
				}
				emulator = "verdict: " + api.ErrorCode() + ": " + requestIDRE.ReplaceAllString(api.ErrorMessage(), "Request ID: <request-id>)")
			}

			file := filepath.Join(t.TempDir(), "response.b64")
			if err := os.WriteFile(file, []byte(resp.Base64()), 0o600); err != nil {
				t.Fatal(err)
			}
			args[1] = file
			r := explainRun(t, w.now, "", args...)
			got := lastLine(r.stdout)
			wantCode := map[bool]int{true: exitOK, false: exitFailed}[got == "verdict: success"]
			if r.code != wantCode {
				t.Errorf("exit %d for %q, want %d\n%s", r.code, got, wantCode, r.stderr)
			}
			if acct, ok := accountSide[fault]; ok {
				if got != "verdict: success" || emulator != acct {
					t.Errorf("got explain %q and emulator %q, want success and the account-side %q", got, emulator, acct)
				}
				return
			}
			if got != emulator {
				t.Errorf("explain says %q, the emulator %q", got, emulator)
			}
		})
	}
}

// TestExplainWithoutMetadata: the signature is unknown, so a response that
// passes every other check is "unknown" (exit 2); faults the document alone
// decides are refused.
func TestExplainWithoutMetadata(t *testing.T) {
	w := newFaultWorld(t)
	at := w.now.Format(time.RFC3339)
	tests := []struct {
		fault idp.Fault
		line  string
		code  int
	}{
		{"", "verdict: unknown: signature, certificate-validity, issuer not judged", exitUsage},
		{idp.FaultForeignKey, "verdict: unknown: signature, certificate-validity, issuer not judged", exitUsage},
		{idp.FaultUnsigned, "verdict: InvalidIdentityToken: Response signature invalid", exitFailed},
		{idp.FaultExpired, "verdict: ExpiredTokenException: Response has expired", exitFailed},
		{idp.FaultMissingRoleSessionName, "verdict: InvalidIdentityToken: RoleSessionName is required in AuthnResponse", exitFailed},
	}
	for _, tt := range tests {
		t.Run(string(tt.fault), func(t *testing.T) {
			req := idp.MintRequest{App: "aws", User: "alice"}
			if tt.fault != "" {
				req.Faults = []idp.Fault{tt.fault}
			}
			resp, err := w.idp.Mint(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			// Through stdin, as a form body.
			r := explainRun(t, w.now, "RelayState=x&SAMLResponse="+strings.ReplaceAll(resp.Base64(), "+", "%2B"), "explain", "-", "--at", at)
			if got := lastLine(r.stdout); got != tt.line || r.code != tt.code {
				t.Errorf("got exit %d, %q, want %d, %q\n%s", r.code, got, tt.code, tt.line, r.stderr)
			}
			if !strings.Contains(r.stdout, "(the assertion's first Role pair") {
				t.Errorf("output does not say where the role pair came from:\n%s", r.stdout)
			}
		})
	}
}

func TestExplainDisplay(t *testing.T) {
	w := newFaultWorld(t)
	resp, err := w.idp.Mint(t.Context(), idp.MintRequest{App: "aws", User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	// A captured response, explained hours later as of its issue.
	later := w.now.Add(3 * time.Hour)
	file := filepath.Join(t.TempDir(), "capture.har")
	har := `{"log":{"version":"1.2","entries":[{"request":{"method":"POST","url":"https://signin.aws.amazon.com/saml","postData":{"mimeType":"application/x-www-form-urlencoded","params":[{"name":"SAMLResponse","value":` + jsonQuote(resp.Base64()) + `}]}}}]}}`
	if err := os.WriteFile(file, []byte(har), 0o600); err != nil {
		t.Fatal(err)
	}
	r := explainRun(t, later, "", "explain", file, "--metadata", w.metadata)
	if got := lastLine(r.stdout); got != "verdict: ExpiredTokenException: Token must be redeemed within 5 minutes of issuance" {
		t.Errorf("3 hours later: got %q", got)
	}
	r = explainRun(t, later, "", "explain", file, "--metadata", w.metadata, "--at", "issue")
	if got := lastLine(r.stdout); got != "verdict: success" || r.code != exitOK {
		t.Fatalf("--at issue: got exit %d, %q\n%s%s", r.code, got, r.stdout, r.stderr)
	}
	for _, want := range []string{"Input: har (HAR entry 1: POST https://signin.aws.amazon.com/saml)", "Issuer", "urn:breakglass:idp",
		"NameID", "Recipient", "https://signin.aws.amazon.com/saml", "RoleSessionName", "alice@example.com", "SourceIdentity", "SessionDuration",
		"Role ", "arn:aws:iam::111111111111:saml-provider/Okta,arn:aws:iam::111111111111:role/EmergencyAccess_Role1_RO",
		"IssueInstant + 1s", "rsa-sha256", "trust-policy"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	// No signature value or certificate blob.
	xml := string(resp.XML)
	for _, re := range []string{`<ds:SignatureValue>([^<]+)<`, `<ds:X509Certificate>([^<]+)<`} {
		if m := regexp.MustCompile(re).FindStringSubmatch(xml); m != nil && strings.Contains(r.stdout, m[1][:32]) {
			t.Errorf("output shows %s", re)
		}
	}
	// JSON: the same verdict, machine-readable.
	r = explainRun(t, later, "", "explain", file, "--metadata", w.metadata, "--at", "issue", "--format", "json")
	rep := explainJSON(t, r)
	if rep.Verdict.Status != verdictSuccess || rep.Request.RoleFrom != "assertion" || rep.Document == nil || rep.Document.Issuer != "urn:breakglass:idp" {
		t.Errorf("got %+v %+v", rep.Verdict, rep.Request)
	}
}

func jsonQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestExplainRedactsSecrets(t *testing.T) {
	t.Parallel()
	token := strings.Repeat("s3cr3t", 20)
	doc := `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r"><saml:Assertion ID="_a" IssueInstant="2026-11-22T00:00:00Z"><saml:Issuer>x</saml:Issuer><saml:AttributeStatement><saml:Attribute Name="session_token"><saml:AttributeValue>` + token + `</saml:AttributeValue></saml:Attribute><saml:Attribute Name="blob"><saml:AttributeValue>` + strings.Repeat("A", 500) + `</saml:AttributeValue></saml:Attribute></saml:AttributeStatement></saml:Assertion></samlp:Response>`
	r := explainRun(t, explainCorpusNow, doc, "explain", "-")
	if strings.Contains(r.stdout, "s3cr3t") || !strings.Contains(r.stdout, "<redacted: 120 characters>") {
		t.Errorf("the token is shown or not marked redacted:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout, strings.Repeat("A", 100)) || !strings.Contains(r.stdout, "(500 characters)") {
		t.Errorf("a long value is not abbreviated:\n%s", r.stdout)
	}
}

// TestExplainMalformed: every kind of bad input gets a clear error quickly,
// with bounded memory.
func TestExplainMalformed(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var bomb bytes.Buffer
	fw, _ := flate.NewWriter(&bomb, flate.BestCompression)
	fw.Write(make([]byte, 50<<20))
	fw.Close()
	big := filepath.Join(dir, "big")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(50 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	good := base64.StdEncoding.EncodeToString([]byte(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r"/>`))
	laughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&lol3;</samlp:Response>`
	tests := []struct {
		name, path string
		code       int
		text       string // in stderr, or in the last line for a refusal
	}{
		{"truncated base64", write("trunc", []byte(good[:len(good)-2])), exitUsage, "truncated"},
		{"binary garbage", write("bin", []byte("\x00\x9f\x92\x96garbage\xff\x01")), exitUsage, "binary"},
		{"50 MB file", big, exitUsage, "too large"},
		{"deflate bomb", write("bomb", []byte(base64.StdEncoding.EncodeToString(bomb.Bytes()))), exitUsage, "inflates to more than"},
		{"DOCTYPE and entities", write("dtd.xml", []byte(laughs)), exitFailed, "verdict: InvalidIdentityToken: Invalid SAML response"},
		{"missing file", filepath.Join(dir, "nope"), exitUsage, "no such file"},
		{"empty", write("empty", nil), exitUsage, "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			r := explainRun(t, explainCorpusNow, "", "explain", tt.path)
			d := time.Since(start)
			runtime.ReadMemStats(&after)
			if r.code != tt.code {
				t.Errorf("got exit %d, want %d\n%s%s", r.code, tt.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stderr+lastLine(r.stdout), tt.text) {
				t.Errorf("got %q / %q, want it to mention %q", r.stderr, lastLine(r.stdout), tt.text)
			}
			if d > time.Second {
				t.Errorf("took %s, want under a second", d)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
				t.Errorf("allocated %d MB, want at most 32", alloc>>20)
			}
		})
	}
	// Stdin is bounded too.
	r := explainRun(t, explainCorpusNow, strings.Repeat("A", 2<<20), "explain", "-")
	if r.code != exitUsage || !strings.Contains(r.stderr, "too large") {
		t.Errorf("2 MB on stdin: got exit %d %q", r.code, r.stderr)
	}
}

func TestExplainUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"explain"},
		{"explain", "a", "b"},
		{"explain", "x", "--role-arn", fixtureRoleOps},
		{"explain", "x", "--format", "yaml"},
		{"explain", "x", "--error", "Response has expired"},
	} {
		if r := explainRun(t, explainCorpusNow, "", args...); r.code != exitUsage {
			t.Errorf("%q: got exit %d, want 2", args, r.code)
		}
	}
	b64 := filepath.Join(explainCorpus, "entra-aws-roles-document-repeated-twice.b64")
	if r := explainRun(t, explainCorpusNow, "", "explain", b64, "--at", "yesterday"); r.code != exitUsage || !strings.Contains(r.stderr, "RFC 3339") {
		t.Errorf("bad --at: got exit %d %q", r.code, r.stderr)
	}
	if r := explainRun(t, explainCorpusNow, "", "explain", b64, "--metadata", b64); r.code != exitUsage || !strings.Contains(r.stderr, "IAM would refuse it") {
		t.Errorf("bad --metadata: got exit %d %q", r.code, r.stderr)
	}
}

func TestExplainError(t *testing.T) {
	t.Parallel()
	all, err := scenarios.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	drills := map[string]bool{}
	for _, s := range all {
		drills[s.Name] = true
	}
	faults := map[string]bool{}
	for _, f := range idp.Faults() {
		faults[string(f.Name)] = true
	}
	for _, e := range errorCatalogue() {
		t.Run(e.message, func(t *testing.T) {
			t.Parallel()
			if e.drill != "" && !drills[e.drill] {
				t.Errorf("drill %s is not built in", e.drill)
			}
			if e.fault != "" && !faults[e.fault] {
				t.Errorf("fault %s is not an IdP knob", e.fault)
			}
			var msgs []string
			if !strings.HasPrefix(e.message, "(") { // a placeholder for text that varies
				msgs = append(msgs, e.message)
			}
			if e.code != "" {
				msgs = append(msgs,
					e.message+" (Service: AWSSecurityTokenService; Status Code: 400; Error Code: "+e.code+"; Request ID: 1f0e). Please try again.",
					"An error occurred ("+e.code+") when calling the AssumeRoleWithSAML operation: "+e.message)
			}
			for _, m := range msgs {
				r := explainRun(t, explainCorpusNow, "", "explain", "--error", m)
				if r.code != exitOK || !strings.Contains(r.stdout, e.message) || !strings.Contains(r.stdout, "Causes:") || (e.code != "" && !strings.HasPrefix(r.stdout, e.code+": ")) {
					t.Errorf("%q: got exit %d\n%s%s", m, r.code, r.stdout, r.stderr)
				}
				if e.drill != "" && !strings.Contains(r.stdout, "breakglass drill "+e.drill) {
					t.Errorf("%q: output does not name the drill %s", m, e.drill)
				}
			}
		})
	}
	r := explainRun(t, explainCorpusNow, "", "explain", "--error", "Something else broke", "--format", "json")
	if r.code != exitUsage || !strings.Contains(r.stdout, `"known":false`) {
		t.Errorf("unknown message: got exit %d %q", r.code, r.stdout)
	}
	// Every verdict explain can give has a catalogue entry.
	for _, m := range []string{samlcheck.MsgSignatureInvalid, samlcheck.IssuerMessage("x"), samlcheck.MsgResponseExpired, samlcheck.MsgRedeemWindow,
		samlcheck.MsgNotAuthorized, samlcheck.MsgPrincipalOutside, samlcheck.MsgSessionNameMissing, samlcheck.MsgSessionNameInvalid,
		samlcheck.MsgSourceIdentity, samlcheck.MsgAudience, samlcheck.MsgInvalidResponse, samlcheck.MsgNotYetValid,
		samlcheck.MsgSessionDuration, samlcheck.MsgPrincipalTag} {
		if _, ok := matchCatalogue(m); !ok {
			t.Errorf("%q has no catalogue entry", m)
		}
	}
}

// TestExplainProvider reads the provider's metadata from breakglass serve.
func TestExplainProvider(t *testing.T) {
	dir := t.TempDir()
	_, awsURL := startServeIn(t, dir)
	m := breakglass(t, dir, "idp", "mint", "--user", "alice", "--group", role1ROGroup)
	resp := filepath.Join(t.TempDir(), "r.b64")
	if err := os.WriteFile(resp, []byte(m.stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	r := breakglass(t, dir, "explain", resp, "--provider", "arn:aws:iam::111111111111:saml-provider/Okta", "--endpoint", awsURL)
	if r.code != 0 || !strings.HasSuffix(strings.TrimSpace(r.stdout), "verdict: success") {
		t.Errorf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := breakglass(t, dir, "explain", resp, "--provider", "arn:aws:iam::111111111111:saml-provider/Nope", "--endpoint", awsURL); r.code != 2 {
		t.Errorf("missing provider: exit %d", r.code)
	}
}
