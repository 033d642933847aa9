package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/breakglass-dev/breakglass/sp"
)

// corpusDir is the shared corpus (shared/testdata, see its SOURCES.md),
// checked out beside the repository.
const corpusDir = "../../../shared/testdata/metadata"

// corpusNow is the corpus's "now" (SOURCES.md).
var corpusNow = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)

// lint runs "breakglass metadata lint ARGS" in-process at now, reading
// stdin from in (nil: empty).
func lint(t *testing.T, now time.Time, in io.Reader, args ...string) result {
	t.Helper()
	if in == nil {
		in = strings.NewReader("")
	}
	var stdout, stderr bytes.Buffer
	c := &cli{stdin: in, stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }, now: func() time.Time { return now }}
	code := c.main(t.Context(), append([]string{"metadata", "lint"}, args...))
	return result{code, stdout.String(), stderr.String()}
}

// lintJSON runs lint with --format json and returns the parsed reports.
func lintJSON(t *testing.T, now time.Time, in io.Reader, args ...string) (int, []lintReport) {
	t.Helper()
	r := lint(t, now, in, append(args, "--format", "json")...)
	var reports []lintReport
	if err := json.Unmarshal([]byte(r.stdout), &reports); err != nil {
		t.Fatalf("stdout is not JSON (exit %d): %v\n%s\nstderr: %s", r.code, err, r.stdout, r.stderr)
	}
	return r.code, reports
}

// rules returns the distinct rules of a report, sorted.
func rules(r lintReport) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Rule)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func TestMetadataLintCorpus(t *testing.T) {
	t.Parallel()
	// code is the exit status; rules are all distinct rules found, at
	// corpusNow with the default 30-day window. Verdicts (accepted or not,
	// and why) follow sp/samlcheck's TestCorpusMetadata.
	tests := map[string]struct {
		code  int
		rules []string
		why   string
	}{
		"adfs-reindented-signature-broken.xml": {0, []string{"certificate-expired", "single-signing-certificate"},
			"IAM does not check the metadata's own signature; lone certificate expired, so a rollover is due"},
		"adfs-v2-federationmetadata-signed.xml": {0, []string{"certificate-expired", "single-signing-certificate"},
			"AD FS shape: WS-Fed RoleDescriptors and SPSSODescriptor ignored; lone certificate expired"},
		"adfs-v4-federationmetadata-signed.xml": {0, []string{"certificate-expired", "single-signing-certificate"},
			"as v2"},
		"aws-iam-identity-center-idp.xml": {0, nil,
			"one certificate valid until 2031 and no rollover due: healthy"},
		"aws-signin-sp-metadata-not-an-idp.xml": {1, []string{"metadata-idp"},
			"AWS's own SP metadata: no IDPSSODescriptor, so no IdP signing key"},
		"entra-common-federationmetadata-signed.xml": {0, []string{"certificate-expired"},
			"three signing certificates (a rollover set), all expired"},
		"example-cert-is-base64-of-pem.xml": {1, []string{"metadata-certificate"},
			"X509Certificate is base64 of PEM, not DER"},
		"example-entitiesdescriptor-sp-and-two-idps.xml": {1, []string{"metadata-certificate", "several-entities", "valid-until-passed", "weak-key"},
			"first IdP's certificate is base64 of PEM; the other IdP is past validUntil with an RSA-1024 key"},
		"example-signed-enveloped-digest-mismatch.xml": {0, nil,
			"accepted by IAM per CloudQuery; KeyDescriptor without use counts as signing; certificate valid"},
		"google-workspace-idp.xml": {0, []string{"certificate-expired", "single-signing-certificate", "valid-until-passed"},
			"past validUntil and expired certificate are accepted at upload (UNCONFIRMED) but break federation"},
		"oasis-spec-example-keyname-only.xml": {1, []string{"metadata-certificate"},
			"KeyName only: no X.509 signing certificate"},
		"okta-dev-tenant-idp.xml": {0, nil,
			"standard Okta shape; base64 with spaces and newlines; certificate valid"},
		"onelogin-app-sha1-cert.xml": {0, []string{"certificate-expired", "certificate-sha1", "single-signing-certificate"},
			"structurally fine; SHA-1 certificate, expired"},
		"onelogin-three-signing-certs.xml": {0, []string{"certificate-expired", "certificate-sha1", "weak-key"},
			"duplicate certificate deduplicated; RSA-1024 is IAM's minimum but weak"},
		"pysaml2-ns0-prefixes-mdui-scope.xml": {0, []string{"certificate-expired", "certificate-sha1", "http-endpoint", "single-signing-certificate", "weak-key"},
			"EntitiesDescriptor with one IdP; ns0: prefixes are fine; plain-HTTP SSO, old weak certificate"},
		"salesforce-terraform-acceptance-rsa1024.xml": {0, []string{"weak-key"},
			"known accepted by AWS (terraform acceptance tests); RSA-1024"},
		"secureworks-ca-issued-cert.xml": {0, []string{"certificate-expired", "single-signing-certificate"},
			"CA-issued certificate, no chain building; expired"},
		"shibboleth-msidlab-idp-useless-keydescriptor.xml": {0, []string{"certificate-expired", "single-signing-certificate"},
			"KeyDescriptor without use; AttributeAuthority key ignored; expired"},
		"shibboleth-samltest-id-extensions-three-keys.xml": {0, nil,
			"two signing certificates valid until 2038"},
		"shibboleth-testshib-entitiesdescriptor-idp-sp.xml": {0, []string{"several-entities"},
			"IdP and SP entity; commented-out certificates are not read"},
		"sustainsys-stubidp-negative-serial-bogus-signature.xml": {1, []string{"metadata-certificate"},
			"negative serial number: Go (and so we) refuse the certificate"},
	}
	files, err := filepath.Glob(filepath.Join(corpusDir, "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus metadata in %s: %v", corpusDir, err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		tt, ok := tests[name]
		if !ok {
			t.Errorf("%s: no expected verdict in the table", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			code, reports := lintJSON(t, corpusNow, nil, f)
			if len(reports) != 1 || reports[0].File != f {
				t.Fatalf("got reports %+v, want one for %s", reports, f)
			}
			if got := rules(reports[0]); code != tt.code || !slices.Equal(got, tt.rules) {
				t.Errorf("got exit %d, rules %v; want exit %d, rules %v (%s)", code, got, tt.code, tt.rules, tt.why)
			}
			for _, fd := range reports[0].Findings {
				if fd.Message == "" || fd.Fix == "" || (fd.Severity != "error" && fd.Severity != "warning") {
					t.Errorf("got finding %+v, want a severity, message and fix", fd)
				}
			}
		})
	}
	if len(files) != len(tests) {
		t.Errorf("got %d corpus files, table has %d", len(files), len(tests))
	}
}

// ownMetadata writes the metadata our IdP publishes (with the signing key
// of configDir) to a file and returns its path.
func ownMetadata(t *testing.T, configDir string, args ...string) string {
	t.Helper()
	r := breakglass(t, configDir, append([]string{"idp", "metadata"}, args...)...)
	if r.code != 0 {
		t.Fatalf("idp metadata: exit %d\n%s", r.code, r.stderr)
	}
	path := filepath.Join(t.TempDir(), "idp.xml")
	if err := os.WriteFile(path, []byte(r.stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestMetadataLintOwnIdP(t *testing.T) {
	dir := t.TempDir()
	md := ownMetadata(t, dir)
	now := time.Now()

	r := lint(t, now, nil, md, "--strict")
	if r.code != 0 || r.stdout != "0 errors, 0 warnings\n" || r.stderr != "" {
		t.Errorf("got exit %d\n%s%s\nwant no findings", r.code, r.stdout, r.stderr)
	}

	// A response of the same IdP matches the metadata: issuer and key.
	mint := breakglass(t, dir, "idp", "mint", "--user", "alice", "--group", role1ROGroup)
	if mint.code != 0 {
		t.Fatalf("idp mint: exit %d\n%s", mint.code, mint.stderr)
	}
	resp := filepath.Join(t.TempDir(), "response.b64")
	os.WriteFile(resp, []byte(mint.stdout), 0o600)
	if r := lint(t, now, nil, md, "--strict", "--response", resp); r.code != 0 || r.stdout != "0 errors, 0 warnings\n" {
		t.Errorf("with --response: got exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// An IdP that signs with a key the metadata lacks has rolled over: the
	// lone certificate and the unknown one are both reported.
	other := breakglass(t, t.TempDir(), "idp", "mint", "--user", "alice", "--group", role1ROGroup, "--format", "xml")
	otherResp := filepath.Join(t.TempDir(), "other.xml")
	os.WriteFile(otherResp, []byte(other.stdout), 0o600)
	code, reports := lintJSON(t, now, nil, md, "--response", otherResp)
	if got, want := rules(reports[0]), []string{"response-certificate-unknown", "single-signing-certificate"}; code != 0 || !slices.Equal(got, want) {
		t.Errorf("response signed by another key: got exit %d, rules %v; want 0, %v", code, got, want)
	}

	// An Issuer that is no entityID (read from stdin).
	renamed := strings.ReplaceAll(other.stdout, ">urn:breakglass:idp</saml2:Issuer>", ">urn:elsewhere</saml2:Issuer>")
	if renamed == other.stdout {
		t.Fatalf("no Issuer in the response:\n%s", other.stdout)
	}
	code, reports = lintJSON(t, now, strings.NewReader(renamed), md, "--response", "-")
	if !slices.Contains(rules(reports[0]), "entity-id-mismatch") || code != 0 {
		t.Errorf("issuer mismatch: got exit %d, rules %v", code, rules(reports[0]))
	}

	// The certificate lives five years: a window longer than that warns,
	// and a rollover is then due with one certificate.
	code, reports = lintJSON(t, now, nil, md, "--expiry-days", "2000")
	if got, want := rules(reports[0]), []string{"certificate-expiring", "single-signing-certificate"}; code != 0 || !slices.Equal(got, want) {
		t.Errorf("--expiry-days 2000: got exit %d, rules %v; want 0, %v", code, got, want)
	}
	if r := lint(t, now, nil, md, "--expiry-days", "2000", "--strict"); r.code != 1 {
		t.Errorf("--strict with warnings: got exit %d, want 1", r.code)
	}
	// The expired-cert fault publishes an expired certificate (Failure
	// Mode 2).
	expired := ownMetadata(t, dir, "--fault", "expired-cert")
	code, reports = lintJSON(t, now, nil, expired)
	if !slices.Contains(rules(reports[0]), "certificate-expired") || code != 0 {
		t.Errorf("expired-cert fault: got exit %d, rules %v", code, rules(reports[0]))
	}
}

func TestMetadataLintText(t *testing.T) {
	t.Parallel()
	f := filepath.Join(corpusDir, "example-cert-is-base64-of-pem.xml")
	g := filepath.Join(corpusDir, "google-workspace-idp.xml")
	r := lint(t, corpusNow, nil, f, g)
	if r.code != 1 {
		t.Errorf("got exit %d, want 1", r.code)
	}
	want := []string{
		f + ":7:11: error [metadata-certificate] certificate does not parse: x509: malformed certificate",
		"    fix: put the base64 DER of the certificate",
		g + ":7:11: warning [certificate-expired] signing certificate",
		"2 errors, 3 warnings",
	}
	for _, w := range want {
		if !strings.Contains(r.stdout, "\n"+w) && !strings.HasPrefix(r.stdout, w) {
			t.Errorf("output lacks a line starting %q:\n%s", w, r.stdout)
		}
	}
	if !strings.HasSuffix(r.stdout, "2 errors, 3 warnings\n") {
		t.Errorf("output does not end with the summary:\n%s", r.stdout)
	}
}

func TestMetadataLintStdin(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(filepath.Join(corpusDir, "salesforce-terraform-acceptance-rsa1024.xml"))
	if err != nil {
		t.Fatal(err)
	}
	r := lint(t, corpusNow, bytes.NewReader(doc), "-")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "-:") || !strings.Contains(r.stdout, "[weak-key]") {
		t.Errorf("got exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestMetadataLintJSON(t *testing.T) {
	t.Parallel()
	okta := filepath.Join(corpusDir, "okta-dev-tenant-idp.xml")
	pem := filepath.Join(corpusDir, "example-cert-is-base64-of-pem.xml")
	r := lint(t, corpusNow, nil, okta, pem, "--format", "json")
	if r.code != 1 {
		t.Errorf("got exit %d, want 1", r.code)
	}
	var got []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("not a JSON array: %v\n%s", err, r.stdout)
	}
	if len(got) != 2 {
		t.Fatalf("got %d reports, want 2", len(got))
	}
	for i, file := range []string{okta, pem} {
		if keys := mapKeys(got[i]); !slices.Equal(keys, []string{"file", "findings"}) {
			t.Errorf("report keys %v, want [file findings]", keys)
		}
		var name string
		json.Unmarshal(got[i]["file"], &name)
		if name != file {
			t.Errorf("got file %q, want %q", name, file)
		}
	}
	if string(got[0]["findings"]) != "[]" {
		t.Errorf("clean file: got findings %s, want []", got[0]["findings"])
	}
	var findings []map[string]json.RawMessage
	if err := json.Unmarshal(got[1]["findings"], &findings); err != nil || len(findings) == 0 {
		t.Fatalf("findings: %v %s", err, got[1]["findings"])
	}
	want := []string{"column", "fix", "line", "message", "rule", "severity"}
	for _, f := range findings {
		if keys := mapKeys(f); !slices.Equal(keys, want) {
			t.Errorf("finding keys %v, want %v", keys, want)
		}
	}
}

func mapKeys(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// sarifDoc is the part of SARIF 2.1.0 that code-scanning systems require,
// decoded loosely so that missing fields show up as zero values.
type sarifDoc struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name  string `json:"name"`
				Rules []struct {
					ID               string `json:"id"`
					ShortDescription struct {
						Text string `json:"text"`
					} `json:"shortDescription"`
					Help struct {
						Text string `json:"text"`
					} `json:"help"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID    string `json:"ruleId"`
			RuleIndex *int   `json:"ruleIndex"`
			Level     string `json:"level"`
			Message   struct {
				Text string `json:"text"`
			} `json:"message"`
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI string `json:"uri"`
					} `json:"artifactLocation"`
					Region *struct {
						StartLine   int `json:"startLine"`
						StartColumn int `json:"startColumn"`
					} `json:"region"`
				} `json:"physicalLocation"`
			} `json:"locations"`
		} `json:"results"`
	} `json:"runs"`
}

func TestMetadataLintSARIF(t *testing.T) {
	t.Parallel()
	files := []string{
		filepath.Join(corpusDir, "example-entitiesdescriptor-sp-and-two-idps.xml"),
		filepath.Join(corpusDir, "google-workspace-idp.xml"),
		filepath.Join(corpusDir, "okta-dev-tenant-idp.xml"),
	}
	r := lint(t, corpusNow, nil, append(files, "--format", "sarif")...)
	if r.code != 1 {
		t.Errorf("got exit %d, want 1", r.code)
	}
	var doc sarifDoc
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	if doc.Version != "2.1.0" || !strings.Contains(doc.Schema, "sarif") || len(doc.Runs) != 1 {
		t.Fatalf("got version %q, schema %q, %d runs; want 2.1.0, a SARIF schema, one run", doc.Version, doc.Schema, len(doc.Runs))
	}
	run := doc.Runs[0]
	if run.Tool.Driver.Name != "breakglass" {
		t.Errorf("got driver %q, want breakglass", run.Tool.Driver.Name)
	}
	ruleIDs := map[string]int{}
	for i, rule := range run.Tool.Driver.Rules {
		if rule.ID == "" || rule.ShortDescription.Text == "" || rule.Help.Text == "" || rule.ShortDescription.Text == rule.ID {
			t.Errorf("rule %d: got %+v, want id, shortDescription and help", i, rule)
		}
		if _, dup := ruleIDs[rule.ID]; dup {
			t.Errorf("rule %s listed twice", rule.ID)
		}
		ruleIDs[rule.ID] = i
	}
	uris := map[string]bool{}
	levels := map[string]bool{}
	for _, res := range run.Results {
		i, ok := ruleIDs[res.RuleID]
		if !ok || res.RuleIndex == nil || *res.RuleIndex != i {
			t.Errorf("result %s: rule not in the driver or ruleIndex wrong", res.RuleID)
		}
		if res.Level != "error" && res.Level != "warning" {
			t.Errorf("result %s: level %q", res.RuleID, res.Level)
		}
		levels[res.Level] = true
		if res.Message.Text == "" || len(res.Locations) != 1 {
			t.Errorf("result %s: no message or not one location", res.RuleID)
			continue
		}
		pl := res.Locations[0].PhysicalLocation
		uris[pl.ArtifactLocation.URI] = true
		if pl.Region == nil || pl.Region.StartLine < 1 || pl.Region.StartColumn < 0 {
			t.Errorf("result %s: region %+v, want startLine >= 1", res.RuleID, pl.Region)
		}
	}
	// Relative paths are kept as given; the clean file has no results.
	for _, f := range files[:2] {
		if !uris[filepath.ToSlash(f)] {
			t.Errorf("no result with uri %q (have %v)", f, uris)
		}
	}
	if len(uris) != 2 || !levels["error"] || !levels["warning"] {
		t.Errorf("got uris %v, levels %v; want two files with errors and warnings", uris, levels)
	}

	// A file with no findings gives an empty, still valid log.
	r = lint(t, corpusNow, nil, files[2], "--format", "sarif")
	var empty map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &empty); err != nil || r.code != 0 || !strings.Contains(r.stdout, `"results": []`) {
		t.Errorf("got exit %d, %v\n%s", r.code, err, r.stdout)
	}
}

func TestSARIFURI(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"metadata/okta.xml", "metadata/okta.xml"},
		{"../shared/a b.xml", "../shared/a%20b.xml"},
		{"/etc/idp.xml", "file:///etc/idp.xml"},
		{"c:idp.xml", "./c:idp.xml"},
		{"arn:aws:iam::111111111111:saml-provider/Okta", "arn:aws:iam::111111111111:saml-provider/Okta"},
	}
	for _, tt := range tests {
		if got := sarifURI(tt.in); got != tt.want {
			t.Errorf("sarifURI(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// zeros is an endless reader of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestMetadataLintMalformed feeds hostile input: each gives an error
// finding (IAM would refuse it) quickly and with bounded memory. Not
// parallel: it measures allocation.
func TestMetadataLintMalformed(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile(filepath.Join(corpusDir, "okta-dev-tenant-idp.xml"))
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	garbage := make([]byte, 1<<20)
	rng := rand.NewChaCha8([32]byte{1})
	rng.Read(garbage)
	huge := filepath.Join(dir, "huge.xml")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := os.Truncate(huge, 50<<20); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	laughs := `<?xml version="1.0"?>
<!DOCTYPE md [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY xxe SYSTEM "file:///etc/passwd">
]>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&e;&xxe;">` + strings.Repeat(" ", 1000) + `</md:EntityDescriptor>`
	deep := strings.Repeat("<a>", 100000) + strings.Repeat("</a>", 100000)
	tests := []struct {
		name  string
		file  string
		stdin io.Reader
		rule  string
		want  string // in the message
	}{
		{"truncated", write("truncated.xml", good[:len(good)*2/3]), nil, "metadata-xml", "unexpected EOF"},
		{"binary garbage", write("garbage.bin", garbage), nil, "metadata-encoding", "not valid UTF-8"},
		{"empty", write("empty.xml", nil), nil, "metadata-size", "0 characters"},
		{"50 MB file", huge, nil, "metadata-size", "52428800 bytes"},
		{"50 MB on stdin", "-", io.LimitReader(zeros{}, 50<<20), "metadata-size", "more than 10000000 bytes"},
		{"DOCTYPE with entities", write("laughs.xml", []byte(laughs)), nil, "metadata-xml", "DTD"},
		{"deep nesting", write("deep.xml", []byte(deep)), nil, "metadata-xml", "nesting deeper"},
		{"UTF-16 BOM", write("utf16.xml", append([]byte{0xFF, 0xFE}, good...)), nil, "metadata-encoding", "byte order mark"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			// Memory, not time, is asserted: a bounded read allocates
			// little whatever the machine's load.
			code, reports := lintJSON(t, corpusNow, tt.stdin, tt.file)
			runtime.ReadMemStats(&after)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
				t.Errorf("allocated %d MB, want at most 64", alloc>>20)
			}
			if code != 1 || len(reports) != 1 || len(reports[0].Findings) == 0 {
				t.Fatalf("got exit %d, reports %+v; want exit 1 and a finding", code, reports)
			}
			f := reports[0].Findings[0]
			if f.Severity != "error" || f.Rule != tt.rule || !strings.Contains(f.Message, tt.want) {
				t.Errorf("got %+v, want an error [%s] saying %q", f, tt.rule, tt.want)
			}
		})
	}
}

func TestMetadataLintUsage(t *testing.T) {
	t.Parallel()
	okta := filepath.Join(corpusDir, "okta-dev-tenant-idp.xml")
	notXML := filepath.Join(t.TempDir(), "resp.txt")
	os.WriteFile(notXML, []byte("not a response"), 0o600)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no input", nil, 2, "name at least one metadata FILE"},
		{"missing file", []string{"/nonexistent/idp.xml"}, 2, "/nonexistent/idp.xml"},
		{"missing among good", []string{okta, "/nonexistent/idp.xml"}, 2, "no such file"},
		{"directory", []string{corpusDir}, 2, "is a directory"},
		{"bad format", []string{okta, "--format", "xml"}, 2, "--format must be text, json or sarif"},
		{"negative days", []string{okta, "--expiry-days", "-1"}, 2, "--expiry-days"},
		{"bad flag", []string{okta, "--stritc"}, 2, "flag provided but not defined"},
		{"stdin twice", []string{"-", "--response", "-"}, 2, "only one input can be -"},
		{"bad response", []string{okta, "--response", notXML}, 2, "--response"},
		{"missing response", []string{okta, "--response", "/nonexistent/r.xml"}, 2, "r.xml"},
		{"endpoint alone", []string{okta, "--endpoint", "http://127.0.0.1:1"}, 2, "--endpoint needs --provider"},
		{"bad ARN", []string{"--provider", "arn:aws:iam::1:role/x", "--endpoint", "http://127.0.0.1:1"}, 2, "not an IAM SAML provider ARN"},
		{"provider without endpoint", []string{"--provider", "arn:aws:iam::111111111111:saml-provider/Okta"}, 2, "--provider needs --endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := lint(t, corpusNow, nil, tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("got exit %d, stderr %q; want exit %d saying %q", r.code, r.stderr, tt.code, tt.want)
			}
			if r.stdout != "" || strings.Contains(r.stderr, "goroutine ") {
				t.Errorf("stdout output or stack trace:\nstdout: %s\nstderr: %s", r.stdout, r.stderr)
			}
		})
	}
	t.Run("help", func(t *testing.T) {
		r := lint(t, corpusNow, nil, "-h")
		if r.code != 0 || !strings.Contains(r.stdout, "Usage: breakglass metadata lint") || !strings.Contains(r.stdout, "-strict") {
			t.Errorf("got exit %d\n%s", r.code, r.stdout)
		}
	})
}

func TestMetadataLintProvider(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(sp.New(sp.Config{}).Handler())
	t.Cleanup(ts.Close)
	const account = "111111111111"
	client, err := rootIAMClients(ts.URL)(t.Context(), account)
	if err != nil {
		t.Fatal(err)
	}
	create := func(name, path string) string {
		t.Helper()
		doc, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		out, err := client.CreateSAMLProvider(context.WithoutCancel(t.Context()), &iam.CreateSAMLProviderInput{
			Name: aws.String(name), SAMLMetadataDocument: aws.String(string(doc))})
		if err != nil {
			t.Fatalf("CreateSAMLProvider %s: %v", name, err)
		}
		return aws.ToString(out.SAMLProviderArn)
	}
	okta := create("Okta", filepath.Join(corpusDir, "okta-dev-tenant-idp.xml"))
	google := create("Google", filepath.Join(corpusDir, "google-workspace-idp.xml"))

	t.Run("healthy", func(t *testing.T) {
		r := lint(t, corpusNow, nil, "--provider", okta, "--endpoint", ts.URL, "--strict")
		if r.code != 0 || r.stdout != "0 errors, 0 warnings\n" {
			t.Errorf("got exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("expired, with a file", func(t *testing.T) {
		file := filepath.Join(corpusDir, "salesforce-terraform-acceptance-rsa1024.xml")
		code, reports := lintJSON(t, corpusNow, nil, file, "--provider", google, "--endpoint", ts.URL)
		if code != 0 || len(reports) != 2 || reports[1].File != google || !slices.Contains(rules(reports[1]), "certificate-expired") {
			t.Errorf("got exit %d, reports %+v", code, reports)
		}
		r := lint(t, corpusNow, nil, "--provider", google, "--endpoint", ts.URL, "--format", "sarif")
		if !strings.Contains(r.stdout, `"uri": "`+google+`"`) {
			t.Errorf("SARIF uri is not the ARN:\n%s", r.stdout)
		}
	})
	t.Run("no such provider", func(t *testing.T) {
		r := lint(t, corpusNow, nil, "--provider", "arn:aws:iam::"+account+":saml-provider/Nope", "--endpoint", ts.URL)
		if r.code != 2 || !strings.Contains(r.stderr, "NoSuchEntity") {
			t.Errorf("got exit %d\n%s", r.code, r.stderr)
		}
	})
}

// TestMetadataLintResponseBase64 checks that a base64 response file with
// line breaks (as copied from a browser) is read.
func TestMetadataLintResponseBase64(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	md := ownMetadata(t, dir)
	mint := breakglass(t, dir, "idp", "mint", "--user", "alice", "--group", role1ROGroup, "--format", "xml")
	b64 := base64.StdEncoding.EncodeToString([]byte(mint.stdout))
	var wrapped strings.Builder
	for len(b64) > 76 {
		wrapped.WriteString(b64[:76] + "\n")
		b64 = b64[76:]
	}
	wrapped.WriteString(b64 + "\n")
	resp := filepath.Join(dir, "resp.b64")
	os.WriteFile(resp, []byte(wrapped.String()), 0o600)
	if r := lint(t, time.Now(), nil, md, "--response", resp, "--strict"); r.code != 0 {
		t.Errorf("got exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
