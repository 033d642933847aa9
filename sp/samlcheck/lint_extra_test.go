package samlcheck

import (
	"encoding/base64"
	"encoding/pem"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseResponse(t *testing.T) {
	t.Parallel()
	signed := fixture(t, "response-assertion-signed.xml")
	block, _ := pem.Decode(readFile(t, filepath.Join("testdata", "idp.crt")))
	if block == nil {
		t.Fatal("idp.crt is not PEM")
	}
	for _, tt := range []struct{ name, doc string }{
		{"xml", signed},
		{"base64 with line breaks", wrap76(base64.StdEncoding.EncodeToString([]byte(signed)))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := ParseResponse([]byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			if r.Issuer != testIssuer {
				t.Errorf("got Issuer %q, want %q", r.Issuer, testIssuer)
			}
			if len(r.Certificates) != 1 || string(r.Certificates[0].Raw) != string(block.Bytes) {
				t.Errorf("got %d certificates, want idp.crt", len(r.Certificates))
			}
			if !slices.Contains(r.Algorithms, "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256") {
				t.Errorf("got algorithms %v, want rsa-sha256 among them", r.Algorithms)
			}
		})
	}

	bad := []struct{ name, doc, want string }{
		{"DTD", strings.Replace(signed, "<samlp:Response", `<!DOCTYPE r [<!ENTITY x "y">]><samlp:Response`, 1), "DTD"},
		{"too large", strings.Repeat("A", MaxAssertionChars+1), "at most"},
		{"not base64", "not a response!", "neither XML nor base64"},
		{"base64 of garbage", "notaresponse", "base64, but what it encodes: parse xml"},
		{"metadata, not a response", fixture(t, "metadata-idp.xml"), "want {urn:oasis:names:tc:SAML:2.0:protocol}Response"},
		{"no issuer", removeIssuers(signed), "no Issuer"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := ParseResponse([]byte(tt.doc)); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error saying %q", err, tt.want)
			}
		})
	}
}

func wrap76(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	b.WriteString(s)
	return b.String()
}

// removeIssuers removes every saml:Issuer element of s.
func removeIssuers(s string) string {
	for {
		i := strings.Index(s, "<saml:Issuer>")
		if i < 0 {
			return s
		}
		j := strings.Index(s[i:], "</saml:Issuer>")
		s = s[:i] + s[i+j+len("</saml:Issuer>"):]
	}
}

func TestLintAll(t *testing.T) {
	t.Parallel()
	good := fixture(t, "metadata-idp.xml")
	parse := func(name string) *Response {
		r, err := ParseResponse(readFile(t, filepath.Join("testdata", name)))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	signed := parse("response-assertion-signed.xml")
	sha1 := parse("response-assertion-signed-sha1.xml")
	renamed := *signed
	renamed.Issuer = "https://idp.other.test"
	expiring := time.Date(2035, 12, 12, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		doc   string
		now   time.Time
		resp  *Response
		rules []string
	}{
		{"one long-lived certificate is healthy", good, testNow, nil, nil},
		{"matching response", good, testNow, signed, nil},
		{"rollover due: lone certificate expiring", good, expiring, nil, []string{RuleLintSingleSigningKey, RuleLintCertExpiring}},
		{"rollover done: response signed by a key the metadata lacks", fixture(t, "metadata-other.xml"), testNow, signed,
			[]string{RuleLintSingleSigningKey, RuleLintResponseCert}},
		{"issuer differs", good, testNow, &renamed, []string{RuleLintEntityID}},
		{"SHA-1 response", good, testNow, sha1, []string{RuleLintResponseSHA1}},
		{"loopback HTTP endpoint", strings.Replace(good, "https://idp.breakglass.test/sso", "http://127.0.0.1:4567/sso", 1), testNow, nil, nil},
		{"localhost HTTP endpoint", strings.Replace(good, "https://idp.breakglass.test/sso", "http://localhost/sso", 1), testNow, nil, nil},
		{"public HTTP endpoint", strings.Replace(good, "https://idp.breakglass.test/sso", "http://idp.breakglass.test/sso", 1), testNow, nil, []string{RuleLintHTTPEndpoint}},
		{"refused metadata", "<x/>", testNow, signed, []string{RuleMetadataSize}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, f := range LintAll([]byte(tt.doc), tt.now, LintOptions{}, tt.resp) {
				if f.Message == "" || f.Fix == "" {
					t.Errorf("got finding %+v, want message and fix", f)
				}
				got = append(got, f.Rule)
			}
			if !slices.Equal(got, tt.rules) {
				t.Errorf("got rules %v, want %v", got, tt.rules)
			}
		})
	}
}

func TestRuleSummary(t *testing.T) {
	t.Parallel()
	rules := []string{
		RuleMetadataSize, RuleMetadataEncoding, RuleMetadataXML, RuleMetadataRoot, RuleMetadataIdP,
		RuleMetadataEntityID, RuleMetadataCertificate, RuleMetadataKeySize, RuleMetadataExtension, RuleMetadataValidUntil,
		RuleLintCertExpired, RuleLintCertExpiring, RuleLintCertNotYetValid, RuleLintSingleSigningKey, RuleLintSHA1Cert,
		RuleLintWeakKey, RuleLintSeveralEntities, RuleLintHTTPEndpoint, RuleLintEntityID, RuleLintValidUntil,
		RuleLintResponseCert, RuleLintResponseSHA1,
	}
	for _, r := range rules {
		if RuleSummary(r) == "" {
			t.Errorf("RuleSummary(%q) is empty", r)
		}
	}
	if RuleSummary("no-such-rule") != "" {
		t.Error("RuleSummary of an unknown rule is not empty")
	}
}
