package idp_test

import (
	"encoding/xml"
	"slices"
	"testing"

	"github.com/crewjam/saml"

	"github.com/breakglass-dev/breakglass/idp"
)

// TestCrewjamReads parses the IdP's metadata and response with crewjam/saml,
// an independent SAML implementation, so a structural mistake that our own
// reader would share cannot pass unnoticed.
func TestCrewjamReads(t *testing.T) {
	p := newProvider(t, func(c *idp.Config) { c.Next = testKeyPair(t, "testdata/next") })
	md, err := p.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	var ed saml.EntityDescriptor
	if err := xml.Unmarshal(md, &ed); err != nil {
		t.Fatalf("crewjam/saml cannot read the metadata: %v", err)
	}
	if ed.EntityID != "urn:breakglass:idp" || len(ed.IDPSSODescriptors) != 1 {
		t.Fatalf("entityID %q with %d IDPSSODescriptors", ed.EntityID, len(ed.IDPSSODescriptors))
	}
	sso := ed.IDPSSODescriptors[0]
	if n := len(sso.KeyDescriptors); n != 2 || sso.KeyDescriptors[0].Use != "signing" {
		t.Errorf("key descriptors: %+v", sso.KeyDescriptors)
	}
	var bindings []string
	for _, ep := range sso.SingleSignOnServices {
		bindings = append(bindings, ep.Binding)
	}
	if !slices.Equal(bindings, []string{idp.BindingHTTPRedirect, idp.BindingHTTPPost}) {
		t.Errorf("SSO bindings %q", bindings)
	}

	r := mint(t, p, idp.MintRequest{User: "bob"})
	var resp saml.Response
	if err := xml.Unmarshal(r.XML, &resp); err != nil {
		t.Fatalf("crewjam/saml cannot read the response: %v", err)
	}
	as := resp.Assertion
	if as == nil || as.Subject == nil || as.Subject.NameID == nil || as.Subject.NameID.Value != "bob" {
		t.Fatalf("assertion subject: %+v", as)
	}
	if got := as.Conditions.AudienceRestrictions[0].Audience.Value; got != idp.AWSAudience {
		t.Errorf("audience %q", got)
	}
	if got := as.Subject.SubjectConfirmations[0].SubjectConfirmationData.Recipient; got != idp.AWSSignInURL {
		t.Errorf("recipient %q", got)
	}
	var names []string
	for _, a := range as.AttributeStatements[0].Attributes {
		names = append(names, a.Name)
	}
	want := []string{idp.AttributeRole, idp.AttributeRoleSessionName, idp.AttributeSessionDuration, idp.AttributeSourceIdentity}
	if !slices.Equal(names, want) {
		t.Errorf("attributes %q, want %q", names, want)
	}
}
