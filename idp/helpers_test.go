package idp_test

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/breakglass-dev/breakglass/certs"
	"github.com/breakglass-dev/breakglass/idp"
)

// fixedNow is the clock of every golden test.
var fixedNow = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

const (
	groupRole1RO  = "aws#EmergencyAccess_Role1_RO#111111111111"
	groupRole1Ops = "aws#EmergencyAccess_Role1_Ops#111111111111"
	groupRole2RO  = "aws#EmergencyAccess_Role2_RO#333333333333"
	okFilter      = `^aws\#(?{{role}}[\w\-]+)\#(?{{accountid}}\d+)$`
	okPattern     = "arn:aws:iam::${accountid}:saml-provider/Okta,arn:aws:iam::${accountid}:role/${role}"
)

// countingReader is a deterministic stand-in for crypto/rand in goldens.
type countingReader struct{ n byte }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		r.n++
		p[i] = r.n
	}
	return len(p), nil
}

// testKeyPair reads a checked-in key pair. Git does not keep file modes, so
// this parses the PEM directly instead of going through certs.Load.
func testKeyPair(t testing.TB, dir string) *certs.KeyPair {
	t.Helper()
	keyPEM, err := os.ReadFile(filepath.Join(dir, "signing.key"))
	if err != nil {
		t.Fatal(err)
	}
	certPEM, err := os.ReadFile(filepath.Join(dir, "signing.crt"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(keyPEM)
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := certs.ReadCertificates(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	return &certs.KeyPair{Key: key.(*rsa.PrivateKey), Cert: cs[0]}
}

// testApp is the default landscape's AWS app, enabled.
func testApp() idp.App {
	return idp.App{
		ID: "aws", Label: "AWS emergency access", Enabled: true,
		GroupFilter: okFilter, RoleValuePattern: okPattern,
		RoleSessionNameAttribute: "email", SourceIdentityAttribute: "username",
		SessionDuration: time.Hour,
	}
}

// testConfig returns a Provider config with alice (in no group), bob (in
// Role1_Ops) and mallory, a fixed clock, key and ID source; edit adjusts it.
func testConfig(t testing.TB, edit func(*idp.Config)) idp.Config {
	t.Helper()
	cfg := idp.Config{
		EntityID: "urn:breakglass:idp",
		URL:      "http://127.0.0.1:4567",
		Signing:  testKeyPair(t, "testdata"),
		Now:      func() time.Time { return fixedNow },
		Rand:     &countingReader{},
		Directory: idp.Directory{
			Users: []idp.User{
				{Username: "alice", Attributes: map[string]string{"email": "alice@example.com"}},
				{Username: "bob", Attributes: map[string]string{"email": "bob@example.com"}},
				{Username: "mallory", Attributes: map[string]string{"email": "mallory@example.com"}},
			},
			Groups: []idp.Group{{Name: groupRole1RO}, {Name: groupRole1Ops}, {Name: groupRole2RO}, {Name: "responders"}},
			Memberships: []idp.Membership{
				{User: "bob", Group: groupRole1Ops},
				{User: "alice", Group: "responders"},
			},
		},
		Apps: []idp.App{testApp()},
	}
	if edit != nil {
		edit(&cfg)
	}
	return cfg
}

func newProvider(t testing.TB, edit func(*idp.Config)) *idp.Provider {
	t.Helper()
	p, err := idp.New(testConfig(t, edit))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// xmlsecPath returns the xmlsec1 binary; the reference XML-DSig
// implementation is a required part of the test suite (make test installs
// it), so its absence fails the test rather than skipping it.
func xmlsecPath(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("xmlsec1")
	if err != nil {
		t.Fatal("xmlsec1 not found: install Debian's xmlsec1 (make test does)")
	}
	return p
}

// xmlsecVerify runs `xmlsec1 --verify` on doc against the PEM certificate
// certPEM, for the signature that is a child of the element named
// localName. It returns xmlsec1's error output when verification fails.
func xmlsecVerify(t testing.TB, doc, certPEM []byte, localName string) (ok bool, output string) {
	t.Helper()
	dir := t.TempDir()
	docPath := filepath.Join(dir, "doc.xml")
	certPath := filepath.Join(dir, "cert.pem")
	if err := os.WriteFile(docPath, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certPath, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(xmlsecPath(t), "--verify",
		"--pubkey-cert-pem", certPath,
		"--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
		"--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:protocol:Response",
		"--node-xpath", "//*[local-name()='"+localName+"']/*[local-name()='Signature']",
		docPath)
	out, err := cmd.CombinedOutput()
	return err == nil && strings.Contains(string(out), "OK"), string(out)
}
