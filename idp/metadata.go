package idp

import (
	"bytes"
	"encoding/base64"
	"fmt"

	"github.com/beevik/etree"

	"github.com/breakglass-dev/breakglass/certs"
)

// SAML 2.0 binding URIs. Source: OASIS SAML 2.0 Bindings (saml-bindings-2.0-os).
const (
	nsMetadata          = "urn:oasis:names:tc:SAML:2.0:metadata"
	nsDSig              = "http://www.w3.org/2000/09/xmldsig#"
	BindingHTTPRedirect = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
	BindingHTTPPost     = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
)

// SSOPath is the path of the SSO endpoint that takes AuthnRequests.
const SSOPath = "/sso"

// MetadataPath is the path where the HTTP IdP serves its metadata.
const MetadataPath = "/metadata"

// Metadata returns the IdP's SAML metadata: its entityID, an
// IDPSSODescriptor with one signing KeyDescriptor per published key (two
// during a rollover) and SSO endpoints for the HTTP-Redirect and HTTP-POST
// bindings. Faults that concern keys (FaultExpiredCert) change what is
// published, so metadata and responses minted with the same faults agree.
func (p *Provider) Metadata(faults ...Fault) ([]byte, error) {
	fs, err := newFaultSet(faults)
	if err != nil {
		return nil, err
	}
	current, next := p.SigningKeys()
	if fs[FaultExpiredCert] {
		if current, err = p.expiredKey(); err != nil {
			return nil, err
		}
	}
	keys := []*certs.KeyPair{current}
	if next != nil {
		keys = append(keys, next)
	}
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	ed := doc.CreateElement("md:EntityDescriptor")
	ed.CreateAttr("xmlns:md", nsMetadata)
	ed.CreateAttr("xmlns:ds", nsDSig)
	ed.CreateAttr("entityID", p.entityID)
	sso := ed.CreateElement("md:IDPSSODescriptor")
	sso.CreateAttr("WantAuthnRequestsSigned", "false")
	sso.CreateAttr("protocolSupportEnumeration", nsProtocol)
	for _, kp := range keys {
		kd := sso.CreateElement("md:KeyDescriptor")
		kd.CreateAttr("use", "signing")
		kd.CreateElement("ds:KeyInfo").CreateElement("ds:X509Data").CreateElement("ds:X509Certificate").
			SetText(base64.StdEncoding.EncodeToString(kp.Cert.Raw))
	}
	for _, f := range []string{NameIDFormatPersistent, NameIDFormatTransient, NameIDFormatEmail, NameIDFormatUnspecified} {
		sso.CreateElement("md:NameIDFormat").SetText(f)
	}
	for _, b := range []string{BindingHTTPRedirect, BindingHTTPPost} {
		ep := sso.CreateElement("md:SingleSignOnService")
		ep.CreateAttr("Binding", b)
		ep.CreateAttr("Location", p.url+SSOPath)
	}
	doc.Indent(2)
	var buf bytes.Buffer
	if _, err := doc.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("encode metadata: %w", err)
	}
	return buf.Bytes(), nil
}
