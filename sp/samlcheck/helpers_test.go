package samlcheck

import (
	"crypto/tls"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"
)

// Fixture constants: see testdata/gen.sh.
const (
	testIssuer   = "https://idp.breakglass.test/saml"
	testProvider = "arn:aws:iam::111111111111:saml-provider/Okta"
	testRoleOps  = "arn:aws:iam::111111111111:role/EmergencyAccess_Role1_Ops"
	testRoleRO   = "arn:aws:iam::111111111111:role/EmergencyAccess_Role1_RO"
)

// testNow is one minute after the fixtures were issued.
var testNow = time.Date(2026, 11, 22, 12, 1, 0, 0, time.UTC)

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func fixture(t testing.TB, name string) string {
	t.Helper()
	return string(readFile(t, filepath.Join("testdata", name)))
}

func provider(t testing.TB, metadataFile string) Provider {
	t.Helper()
	md, err := ParseMetadata(readFile(t, filepath.Join("testdata", metadataFile)))
	if err != nil {
		t.Fatalf("ParseMetadata(%s): %v (%v)", metadataFile, err, errDetail(err))
	}
	return Provider{ARN: testProvider, Metadata: md}
}

func errDetail(err error) string {
	if e, ok := err.(*Error); ok {
		return e.Detail()
	}
	return ""
}

func request(xml string) Request {
	return Request{
		SAMLAssertion: base64.StdEncoding.EncodeToString([]byte(xml)),
		RoleARN:       testRoleOps,
		PrincipalARN:  testProvider,
	}
}

// mustReplace replaces the first old in s and fails if it is absent.
func mustReplace(t testing.TB, s, old, new string) string {
	t.Helper()
	if !strings.Contains(s, old) {
		t.Fatalf("fixture lacks %q", old)
	}
	return strings.Replace(s, old, new, 1)
}

// resignAssertion removes the assertion's signature from xml and signs the
// assertion again with testdata/idp.key using goxmldsig's signer. It is for
// tests of the content rules that follow signature verification; the
// signature check itself is tested against xmlsec1-signed fixtures.
func resignAssertion(t testing.TB, xml string) string {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromString(xml); err != nil {
		t.Fatal(err)
	}
	resp := doc.Root()
	var a *etree.Element
	for _, c := range resp.ChildElements() {
		if c.Tag == "Assertion" {
			a = c
		}
	}
	if a == nil {
		t.Fatal("no assertion")
	}
	for _, s := range a.ChildElements() {
		if s.Tag == "Signature" {
			a.RemoveChild(s)
		}
	}
	ctx, err := etreeutils.NSBuildParentContext(a)
	if err != nil {
		t.Fatal(err)
	}
	det, err := etreeutils.NSDetatch(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	kp, err := tls.LoadX509KeyPair("testdata/idp.crt", "testdata/idp.key")
	if err != nil {
		t.Fatal(err)
	}
	sc := dsig.NewDefaultSigningContext(dsig.TLSCertKeyStore(kp))
	sc.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	signedEl, err := sc.SignEnveloped(det)
	if err != nil {
		t.Fatal(err)
	}
	idx := a.Index()
	resp.RemoveChildAt(idx)
	resp.InsertChildAt(idx, signedEl)
	out, err := doc.WriteToString()
	if err != nil {
		t.Fatal(err)
	}
	return out
}
