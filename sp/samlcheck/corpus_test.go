package samlcheck

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// The shared corpus (shared/testdata, see its SOURCES.md) sits beside the
// repository, as CI checks it out.
const corpus = "../../../shared/testdata"

// corpusNow is the corpus's "now" (SOURCES.md).
var corpusNow = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)

func TestCorpusMetadata(t *testing.T) {
	t.Parallel()
	// rule is the rule ParseMetadata fails with ("" = IAM accepts);
	// warnings are lint rules that must be among the findings.
	tests := map[string]struct {
		rule     string
		warnings []string
		why      string
	}{
		"adfs-reindented-signature-broken.xml": {warnings: []string{RuleLintCertExpired, RuleLintSingleSigningKey},
			why: "IAM does not check the metadata's own signature; IdP key found in IDPSSODescriptor"},
		"adfs-v2-federationmetadata-signed.xml": {warnings: []string{RuleLintCertExpired},
			why: "AD FS shape: WS-Fed RoleDescriptors and SPSSODescriptor ignored"},
		"adfs-v4-federationmetadata-signed.xml": {warnings: []string{RuleLintCertExpired},
			why: "as v2"},
		"aws-iam-identity-center-idp.xml": {warnings: []string{RuleLintSingleSigningKey},
			why: "valid certificate until 2031; empty NameIDFormat is harmless"},
		"aws-signin-sp-metadata-not-an-idp.xml": {rule: RuleMetadataIdP,
			why: "AWS's own SP metadata: no IDPSSODescriptor, so no IdP signing key"},
		"entra-common-federationmetadata-signed.xml": {warnings: []string{RuleLintCertExpired},
			why: "three signing certificates (rollover), all expired"},
		"example-cert-is-base64-of-pem.xml": {rule: RuleMetadataCertificate,
			why: "X509Certificate is base64 of PEM, not DER"},
		"example-entitiesdescriptor-sp-and-two-idps.xml": {rule: RuleMetadataCertificate,
			warnings: []string{RuleLintSeveralEntities, RuleLintWeakKey, RuleLintValidUntil},
			why:      "first IdP's certificate is base64 of PEM"},
		"example-signed-enveloped-digest-mismatch.xml": {warnings: []string{RuleLintSingleSigningKey},
			why: "accepted by IAM per CloudQuery; KeyDescriptor without use counts as signing"},
		"google-workspace-idp.xml": {warnings: []string{RuleLintValidUntil, RuleLintCertExpired},
			why: "past validUntil and expired certificate are accepted at upload (UNCONFIRMED)"},
		"oasis-spec-example-keyname-only.xml": {rule: RuleMetadataCertificate,
			why: "KeyName only: no X.509 signing certificate"},
		"okta-dev-tenant-idp.xml": {warnings: []string{RuleLintSingleSigningKey},
			why: "standard Okta shape; base64 with spaces and newlines"},
		"onelogin-app-sha1-cert.xml": {warnings: []string{RuleLintSHA1Cert, RuleLintCertExpired},
			why: "structurally fine; SHA-1 certificate, expired"},
		"onelogin-three-signing-certs.xml": {warnings: []string{RuleLintWeakKey, RuleLintSHA1Cert},
			why: "duplicate certificate deduplicated; RSA-1024 is IAM's minimum"},
		"pysaml2-ns0-prefixes-mdui-scope.xml": {warnings: []string{RuleLintHTTPEndpoint, RuleLintWeakKey},
			why: "EntitiesDescriptor with one IdP; ns0: prefixes are fine"},
		"salesforce-terraform-acceptance-rsa1024.xml": {warnings: []string{RuleLintWeakKey},
			why: "known accepted by AWS (terraform acceptance tests); RSA-1024"},
		"secureworks-ca-issued-cert.xml": {warnings: []string{RuleLintCertExpired},
			why: "CA-issued certificate; no chain building"},
		"shibboleth-msidlab-idp-useless-keydescriptor.xml": {warnings: []string{RuleLintCertExpired},
			why: "KeyDescriptor without use; AttributeAuthority key ignored"},
		"shibboleth-samltest-id-extensions-three-keys.xml": {
			why: "two signing certificates valid until 2038"},
		"shibboleth-testshib-entitiesdescriptor-idp-sp.xml": {warnings: []string{RuleLintSeveralEntities},
			why: "IdP and SP entity; commented-out certificates are not read"},
		"sustainsys-stubidp-negative-serial-bogus-signature.xml": {rule: RuleMetadataCertificate,
			why: "negative serial number: Go refuses the certificate"},
	}
	files, err := filepath.Glob(filepath.Join(corpus, "metadata", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus metadata in %s: %v", corpus, err)
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
			doc := readFile(t, f)
			md, err := ParseMetadata(doc)
			if tt.rule == "" {
				if err != nil {
					t.Fatalf("got %v (%s), want accepted: %s", err, errDetail(err), tt.why)
				}
				if len(md.IdPs) == 0 || md.EntityID == "" || len(md.IdPs[0].SigningCertificates()) == 0 {
					t.Errorf("got %+v, want an IdP with signing certificates", md)
				}
			} else {
				wantErr(t, err, CodeInvalidInput, MsgCouldNotParseMetadata, tt.rule)
			}
			fs := Lint(doc, corpusNow, LintOptions{})
			var rules []string
			hasError := false
			for _, f := range fs {
				rules = append(rules, f.Rule)
				if f.Severity == SeverityError {
					hasError = true
				}
			}
			if hasError != (tt.rule != "") {
				t.Errorf("got lint errors %v, want errors iff IAM refuses (%q)", rules, tt.rule)
			}
			for _, w := range tt.warnings {
				if !slices.Contains(rules, w) {
					t.Errorf("got lint rules %v, want %s", rules, w)
				}
			}
		})
	}
	if len(files) != len(tests) {
		t.Errorf("got %d corpus files, table has %d", len(files), len(tests))
	}
}

func TestCorpusResponses(t *testing.T) {
	t.Parallel()
	// None is signed by a key of ours: each is verified against the
	// xmlsec1 fixture provider, and the verdict is the first rule that
	// fails.
	tests := map[string]struct{ rule, why string }{
		"adfs-aws-roles-invalid-datetime.xml":                         {RuleXML, "undeclared saml2: prefix (not namespace-well-formed)"},
		"adfs-aws-roles-placeholder-signature.xml":                    {RuleXML, "undeclared saml2: prefix"},
		"entra-aws-roles-document-repeated-twice.b64":                 {RuleXML, "two documents back to back: content after the root"},
		"entra-aws-roles.xml":                                         {RuleSignature, "signed by a certificate absent from the provider"},
		"google-workspace-aws-roles-notbefore-after-notonorafter.xml": {RuleSignature, "signed by Google's certificate, not ours"},
		"google-workspace-aws-roles-trailing-commas.xml":              {RuleSignature, "signed by Google's certificate, not ours"},
		"google-workspace-aws-roles.xml":                              {RuleSignature, "signed by Google's certificate, not ours"},
		"moto-aws-roles-default-namespace.xml":                        {RuleStructure, "Response and Assertion share one ID"},
		"moto-aws-roles-prefixed-xsi-type.xml":                        {RuleStructure, "Response and Assertion share one ID"},
		"okta-signed-response-no-aws-role.xml":                        {RuleSignature, "signed by Okta's certificate, not ours"},
		"pingfederate-aws-roles-unqualified-elements.xml":             {RuleResponse, "Response in no namespace"},
		"shibboleth-ecp-soap-aws-roles.xml":                           {RuleResponse, "SOAP Envelope root, not a Response"},
	}
	p := provider(t, "metadata-idp.xml")
	files, err := filepath.Glob(filepath.Join(corpus, "responses", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus responses in %s: %v", corpus, err)
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
			req := Request{SAMLAssertion: corpusAssertion(t, f), RoleARN: testRoleOps, PrincipalARN: testProvider}
			_, steps, err := Verify(req, p, corpusNow, Settings{})
			wantErr(t, err, CodeInvalidIdentityToken, "", tt.rule)
			checkSteps(t, steps, tt.rule)
		})
	}
	if len(files) != len(tests) {
		t.Errorf("got %d corpus files, table has %d", len(files), len(tests))
	}
}

// corpusAssertion returns a corpus response as the SAMLAssertion parameter.
func corpusAssertion(t *testing.T, path string) string {
	t.Helper()
	b := readFile(t, path)
	if strings.HasSuffix(path, ".b64") {
		return strings.TrimSpace(string(b))
	}
	return base64.StdEncoding.EncodeToString(b)
}

var x509CertRE = regexp.MustCompile(`(?s)<ds:X509Certificate>(.*?)</ds:X509Certificate>`)

// TestCorpusOktaSigned verifies a real Okta response, signed by Okta's
// implementation, against metadata holding the certificate it embeds: the
// signatures verify, and the AWS rules then refuse it (it was made for
// another SP).
func TestCorpusOktaSigned(t *testing.T) {
	t.Parallel()
	path := filepath.Join(corpus, "responses", "okta-signed-response-no-aws-role.xml")
	doc := string(readFile(t, path))
	m := x509CertRE.FindStringSubmatch(doc)
	if m == nil {
		t.Fatal("no certificate in the Okta response")
	}
	md := `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="http://www.okta.com/exk659aytfMeNI49v0h7">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data>
      <ds:X509Certificate>` + m[1] + `</ds:X509Certificate>
    </ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://dev-116807.oktapreview.com/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
`
	meta, err := ParseMetadata([]byte(md))
	if err != nil {
		t.Fatalf("ParseMetadata: %v (%s)", err, errDetail(err))
	}
	p := Provider{ARN: testProvider, Metadata: meta}
	req := Request{SAMLAssertion: corpusAssertion(t, path), RoleARN: testRoleOps, PrincipalARN: testProvider}
	tests := []struct {
		name            string
		now             time.Time
		s               Settings
		code, msg, rule string
	}{
		{name: "at issue: signatures verify, Recipient is not AWS", now: time.Date(2016, 7, 25, 23, 21, 0, 0, time.UTC),
			code: CodeInvalidIdentityToken, msg: MsgAudience, rule: RuleSubjectConfirmation},
		{name: "today: certificate expired (Failure Mode 2)", now: corpusNow,
			code: CodeInvalidIdentityToken, msg: MsgSignatureInvalid, rule: RuleCertificateValidity},
		{name: "tampered NameID", now: time.Date(2016, 7, 25, 23, 21, 0, 0, time.UTC),
			code: CodeInvalidIdentityToken, msg: MsgSignatureInvalid, rule: RuleSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := req
			if strings.HasPrefix(tt.name, "tampered") {
				x := strings.Replace(doc, ">russellhaering<", ">admin<", 1)
				if x == doc {
					t.Fatal("NameID not found")
				}
				r.SAMLAssertion = base64.StdEncoding.EncodeToString([]byte(x))
			}
			_, steps, err := Verify(r, p, tt.now, tt.s)
			wantErr(t, err, tt.code, tt.msg, tt.rule)
			checkSteps(t, steps, tt.rule)
		})
	}
}

func TestMetadataRejects(t *testing.T) {
	t.Parallel()
	good := fixture(t, "metadata-idp.xml")
	pad := func(s string) string { return s + "<!--" + strings.Repeat(" ", 1000) + "-->" }
	tests := []struct {
		name, doc  string
		code, rule string
	}{
		{"accepted", good, "", ""},
		{"BOM", "\xEF\xBB\xBF" + good, CodeInvalidInput, RuleMetadataEncoding},
		{"UTF-16", "\xFF\xFE" + good, CodeInvalidInput, RuleMetadataEncoding},
		{"not UTF-8", strings.Replace(good, "md:NameIDFormat>", "md:NameIDFormat>\xff", 1), CodeInvalidInput, RuleMetadataEncoding},
		{"too short", `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>`, CodeValidationError, RuleMetadataSize},
		{"DTD", strings.Replace(good, "<md:EntityDescriptor", `<!DOCTYPE md [<!ENTITY x "y">]><md:EntityDescriptor`, 1), CodeInvalidInput, RuleMetadataXML},
		{"not well-formed", strings.Replace(good, "</md:IDPSSODescriptor>", "", 1), CodeInvalidInput, RuleMetadataXML},
		{"latin-1 declared", strings.Replace(good, `encoding="UTF-8"`, `encoding="ISO-8859-1"`, 1), CodeInvalidInput, RuleMetadataXML},
		{"wrong root", pad(strings.ReplaceAll(good, "urn:oasis:names:tc:SAML:2.0:metadata", "urn:example")), CodeInvalidInput, RuleMetadataRoot},
		{"no entityID", strings.Replace(good, ` entityID="https://idp.breakglass.test/saml"`, "", 1), CodeInvalidInput, RuleMetadataEntityID},
		{"encryption key only", strings.Replace(good, `use="signing"`, `use="encryption"`, 1), CodeInvalidInput, RuleMetadataCertificate},
		{"no use attribute", strings.Replace(good, ` use="signing"`, ``, 1), "", ""},
		{"bad base64", strings.Replace(good, "<ds:X509Certificate>", "<ds:X509Certificate>!", 1), CodeInvalidInput, RuleMetadataCertificate},
		{"eleven IdPs", elevenIdPs(t, good), CodeInvalidInput, RuleMetadataIdP},
		{"bad validUntil", strings.Replace(good, `entityID=`, `validUntil="soon" entityID=`, 1), CodeInvalidInput, RuleMetadataValidUntil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			md, err := ParseMetadata([]byte(tt.doc))
			if tt.code == "" {
				if err != nil {
					t.Fatalf("got %v (%s), want accepted", err, errDetail(err))
				}
				if md.EntityID != testIssuer || len(md.IdPs[0].SigningCertificates()) != 1 || md.IdPs[0].SSO[0].Location != "https://idp.breakglass.test/sso" {
					t.Errorf("got %+v, want the fixture's IdP", md.IdPs[0])
				}
				if c := md.IdPs[0].SigningCertificates()[0]; c.Pos != (Pos{Line: 7, Column: 11}) {
					t.Errorf("got certificate at %s, want 7:11", c.Pos)
				}
				return
			}
			wantErr(t, err, tt.code, "", tt.rule)
		})
	}
}

func elevenIdPs(t *testing.T, good string) string {
	t.Helper()
	ent := good[strings.Index(good, "<md:EntityDescriptor"):]
	var b strings.Builder
	b.WriteString(`<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">`)
	for i := range 11 {
		b.WriteString(strings.Replace(ent, "/saml\"", "/saml"+string(rune('a'+i))+"\"", 1))
	}
	b.WriteString(`</md:EntitiesDescriptor>`)
	return b.String()
}

func TestLintFixture(t *testing.T) {
	t.Parallel()
	doc := readFile(t, filepath.Join("testdata", "metadata-idp.xml"))
	tests := []struct {
		name  string
		now   time.Time
		opts  LintOptions
		rules []string
	}{
		{"healthy but one key", testNow, LintOptions{}, []string{RuleLintSingleSigningKey}},
		{"expiring in 20 days", time.Date(2035, 12, 12, 0, 0, 0, 0, time.UTC), LintOptions{}, []string{RuleLintSingleSigningKey, RuleLintCertExpiring}},
		{"expiring, window 10 days", time.Date(2035, 12, 12, 0, 0, 0, 0, time.UTC), LintOptions{ExpiryWarning: 10 * 24 * time.Hour}, []string{RuleLintSingleSigningKey}},
		{"expired", time.Date(2036, 2, 1, 0, 0, 0, 0, time.UTC), LintOptions{}, []string{RuleLintSingleSigningKey, RuleLintCertExpired}},
		{"not yet valid", time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC), LintOptions{}, []string{RuleLintSingleSigningKey, RuleLintCertNotYetValid}},
		{"issuer mismatch", testNow, LintOptions{Issuer: "https://idp.other.test"}, []string{RuleLintSingleSigningKey, RuleLintEntityID}},
		{"issuer match", testNow, LintOptions{Issuer: testIssuer}, []string{RuleLintSingleSigningKey}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, f := range Lint(doc, tt.now, tt.opts) {
				if f.Severity != SeverityWarning || f.Message == "" || f.Fix == "" {
					t.Errorf("got finding %+v, want a warning with message and fix", f)
				}
				got = append(got, f.Rule)
			}
			if !slices.Equal(got, tt.rules) {
				t.Errorf("got rules %v, want %v", got, tt.rules)
			}
		})
	}
}

func TestLintPositions(t *testing.T) {
	t.Parallel()
	// The BOM finding sits at 1:1; a certificate error at its element.
	fs := Lint(append([]byte("\xEF\xBB\xBF"), readFile(t, filepath.Join("testdata", "metadata-idp.xml"))...), testNow, LintOptions{})
	if len(fs) != 1 || fs[0].Rule != RuleMetadataEncoding || fs[0].Line != 1 || fs[0].Column != 1 {
		t.Errorf("got %+v, want one encoding error at 1:1", fs)
	}
	bad := strings.Replace(fixture(t, "metadata-idp.xml"), "<ds:X509Certificate>", "<ds:X509Certificate>QUJD", 1)
	fs = Lint([]byte(bad), testNow, LintOptions{})
	if len(fs) == 0 || fs[0].Severity != SeverityError || fs[0].Line != 7 || fs[0].Column != 11 {
		t.Errorf("got %+v, want a certificate error at 7:11", fs)
	}
}

// certMetadata returns the fixture metadata with its certificate replaced
// by der.
func certMetadata(t *testing.T, der []byte) []byte {
	t.Helper()
	good := fixture(t, "metadata-idp.xml")
	m := x509CertRE.FindStringSubmatchIndex(good)
	if m == nil {
		t.Fatal("no certificate in metadata-idp.xml")
	}
	return []byte(good[:m[2]] + base64.StdEncoding.EncodeToString(der) + good[m[3]:])
}

func TestMetadataKeys(t *testing.T) {
	t.Parallel()
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := func() *x509.Certificate {
		return &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "k.breakglass.test"},
			NotBefore: testNow.Add(-time.Hour), NotAfter: testNow.Add(time.Hour)}
	}
	ecDER, err := x509.CreateCertificate(rand.Reader, tmpl(), tmpl(), &ecKey.PublicKey, ecKey)
	if err != nil {
		t.Fatal(err)
	}
	dup := tmpl()
	ext := pkix.Extension{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 55555, 1}, Value: []byte{0x05, 0x00}}
	dup.ExtraExtensions = []pkix.Extension{ext, ext}
	dupDER, dupErr := x509.CreateCertificate(rand.Reader, dup, dup, &rsaKey.PublicKey, rsaKey)
	block, _ := pem.Decode(readFile(t, filepath.Join("testdata", "weak512.crt")))
	if block == nil {
		t.Fatal("weak512.crt is not PEM")
	}
	tests := []struct {
		name string
		der  []byte
		rule string
	}{
		{"RSA-512", block.Bytes, RuleMetadataKeySize},
		{"ECDSA P-256", ecDER, RuleMetadataKeySize},
		{"repeated extension", dupDER, RuleMetadataExtension},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.der == nil {
				t.Skipf("cannot build the certificate: %v", dupErr)
			}
			_, err := ParseMetadata(certMetadata(t, tt.der))
			wantErr(t, err, CodeInvalidInput, MsgCouldNotParseMetadata, tt.rule)
		})
	}
}
