package idp

import (
	"encoding/base64"
	"testing"
)

// FuzzParseAuthnRequest feeds arbitrary SAMLRequest parameters to the
// AuthnRequest decoder: it must return a request or an error, never panic,
// and never hand back more than the size limits allow.
func FuzzParseAuthnRequest(f *testing.F) {
	f.Add(base64.StdEncoding.EncodeToString([]byte(`<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="a"/>`)), false)
	f.Add(encodeRedirect([]byte(`<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="a"><saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">urn:amazon:webservices</saml:Issuer></samlp:AuthnRequest>`)), true)
	f.Add("", true)
	f.Add("%%%", false)
	f.Add(encodeRedirect([]byte(`<!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>`)), true)
	f.Fuzz(func(t *testing.T, param string, deflated bool) {
		req, err := parseAuthnRequest(param, deflated)
		if err != nil {
			return
		}
		if req.id == "" || len(req.raw) > maxInflatedBytes {
			t.Fatalf("accepted request with id %q and %d bytes", req.id, len(req.raw))
		}
	})
}
