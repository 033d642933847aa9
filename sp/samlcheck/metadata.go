package samlcheck

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/beevik/etree"
)

// Metadata document limits for CreateSAMLProvider and UpdateSAMLProvider:
// SAMLMetadataDocument is 1,000-10,000,000 characters [R2].
const (
	MinMetadataChars = 1_000
	MaxMetadataChars = 10_000_000
)

// MaxIdPsPerProvider is the number of IdP entities one IAM SAML provider
// may hold: the IAM quota "IdPs associated with an IAM SAML provider object"
// is 10 [R16]. That the quota means EntityDescriptors in one document is
// UNCONFIRMED (reference §6); this package accepts an EntitiesDescriptor with
// 1-10 IdP entities and refuses more.
const MaxIdPsPerProvider = 10

// MinRSABits is IAM's minimum key size for metadata certificates [R10][R7].
const MinRSABits = 1024

// Rules for metadata checks (Error.Rule and Finding.Rule).
const (
	RuleMetadataSize        = "metadata-size"
	RuleMetadataEncoding    = "metadata-encoding"
	RuleMetadataXML         = "metadata-xml"
	RuleMetadataRoot        = "metadata-root"
	RuleMetadataIdP         = "metadata-idp"
	RuleMetadataEntityID    = "metadata-entity-id"
	RuleMetadataCertificate = "metadata-certificate"
	RuleMetadataKeySize     = "metadata-key-size"
	RuleMetadataExtension   = "metadata-duplicate-extension"
	RuleMetadataValidUntil  = "metadata-valid-until"
)

// Metadata is IdP metadata as IAM accepted it.
//
// A document holds one IdP entity (an EntityDescriptor with an
// IDPSSODescriptor) or an EntitiesDescriptor with up to MaxIdPsPerProvider of
// them; SP entities and other roles (AD FS's WS-Federation RoleDescriptors)
// are ignored. EntityID, ValidUntil and the other top-level fields repeat
// IdPs[0] for the common single-IdP case.
type Metadata struct {
	// EntityID is the first IdP's entityID: the Issuer responses must carry.
	EntityID string
	// ValidUntil is the first IdP's effective validUntil (the earliest on
	// the path from the document root to it); zero if absent.
	ValidUntil time.Time
	// IdPs holds every IdP entity, in document order; len >= 1.
	IdPs []IdP
	// Entities is the number of EntityDescriptors in the document, IdP or
	// not.
	Entities int
}

// IdP is one IdP entity of a metadata document.
type IdP struct {
	EntityID   string
	Pos        Pos       // of the EntityDescriptor
	ValidUntil time.Time // effective validUntil; zero if absent
	// KeyDescriptors are those of the IDPSSODescriptor, in document order.
	KeyDescriptors []KeyDescriptor
	// SSO lists the SingleSignOnService endpoints.
	SSO []Endpoint
	// NameIDFormats lists the NameIDFormat values, whitespace trimmed.
	NameIDFormats []string
}

// KeyDescriptor is an IDPSSODescriptor KeyDescriptor.
type KeyDescriptor struct {
	// Use is the use attribute: "signing", "encryption" or "" (absent,
	// which means both [SAML metadata §2.4.1.1]).
	Use          string
	Pos          Pos
	Certificates []Certificate
}

// Signing reports whether the key descriptor holds signing keys.
func (k KeyDescriptor) Signing() bool { return k.Use == "" || k.Use == "signing" }

// Certificate is an X.509 certificate from metadata and where it was found.
type Certificate struct {
	Cert *x509.Certificate
	Pos  Pos // of the X509Certificate element
}

// Endpoint is a SingleSignOnService endpoint.
type Endpoint struct {
	Binding  string
	Location string
	Pos      Pos
}

// SigningCertificates returns the IdP's signing certificates without
// duplicates, in document order.
func (i IdP) SigningCertificates() []Certificate {
	var out []Certificate
	for _, kd := range i.KeyDescriptors {
		if !kd.Signing() {
			continue
		}
	next:
		for _, c := range kd.Certificates {
			for _, o := range out {
				if o.Cert.Equal(c.Cert) {
					continue next
				}
			}
			out = append(out, c)
		}
	}
	return out
}

// ParseMetadata applies the checks IAM applies to SAMLMetadataDocument in
// CreateSAMLProvider and UpdateSAMLProvider and returns the parsed metadata.
//
// The checks, in order: UTF-8 without byte order mark [R10][R7]; 1,000 to
// 10,000,000 characters [R2]; well-formed XML without DTD; an
// EntityDescriptor or EntitiesDescriptor root in the metadata namespace; 1
// to MaxIdPsPerProvider IdP entities, each with an entityID [R9]; for each
// IdP, every KeyDescriptor certificate parses as X.509 (so no repeated
// extension [R10][R7]) with an RSA key of at least 1024 bits [R10], and at
// least one signing certificate (use="signing" or no use) [R9]; validUntil,
// if present, is an xs:dateTime.
//
// The metadata's own XML signature is not checked: IAM accepts metadata whose
// signature does not verify (shared/testdata SOURCES.md, CloudQuery fixture).
// Expired certificates and a past validUntil are accepted (UNCONFIRMED, see
// reference §6); Lint warns about them.
//
// A size violation is a model constraint and returns ValidationError like
// any AWS Query model check [R52] (UNCONFIRMED wording); every other failure
// returns InvalidInput "Could not parse metadata" with the reason as the
// private cause. The error is always an *Error.
func ParseMetadata(doc []byte) (*Metadata, error) {
	md, findings := inspectMetadata(doc)
	for _, f := range findings {
		if f.Severity == SeverityError {
			return nil, f.err
		}
	}
	return md, nil
}

// inspectMetadata runs IAM's checks and returns the metadata (nil if the
// document is unusable) and one error finding per IAM rejection reason.
func inspectMetadata(doc []byte) (*Metadata, []Finding) {
	var fs []Finding
	reject := func(rule string, pos Pos, fix string, err *Error) {
		fs = append(fs, Finding{Severity: SeverityError, Rule: rule, Line: pos.Line, Column: pos.Column,
			Message: err.Detail(), Fix: fix, err: err})
	}
	fail := func(rule string, pos Pos, fix string, format string, args ...any) {
		reject(rule, pos, fix, metadataError(rule, fmt.Errorf(format, args...)))
	}

	// [R10][R7]: UTF-8 without BOM.
	for _, bom := range [][]byte{{0xEF, 0xBB, 0xBF}, {0xFE, 0xFF}, {0xFF, 0xFE}} {
		if bytes.HasPrefix(doc, bom) {
			fail(RuleMetadataEncoding, Pos{1, 1}, "save the file as UTF-8 without a byte order mark",
				"metadata starts with a byte order mark % X", bom)
			return nil, fs
		}
	}
	if !utf8.Valid(doc) {
		fail(RuleMetadataEncoding, Pos{}, "save the file as UTF-8", "metadata is not valid UTF-8")
		return nil, fs
	}
	// [R2]: model length constraint, in characters.
	if n := utf8.RuneCount(doc); n < MinMetadataChars || n > MaxMetadataChars {
		bound := "greater than or equal to 1000"
		if n > MaxMetadataChars {
			bound = "less than or equal to 10000000"
		}
		err := validationError("1 validation error detected: Value at 'sAMLMetadataDocument' failed to satisfy constraint: Member must have length "+bound,
			RuleMetadataSize, fmt.Errorf("metadata has %d characters, want %d to %d", n, MinMetadataChars, MaxMetadataChars))
		reject(RuleMetadataSize, Pos{}, "upload the IdP's complete metadata document", err)
		return nil, fs
	}
	px, err := parseXML(doc)
	if err != nil {
		fail(RuleMetadataXML, Pos{}, "upload the metadata exactly as the IdP publishes it", "%v", err)
		return nil, fs
	}
	root := px.doc.Root()
	if !is(root, nsMetadata, "EntityDescriptor") && !is(root, nsMetadata, "EntitiesDescriptor") {
		fail(RuleMetadataRoot, px.at(root), "upload SAML 2.0 metadata (an md:EntityDescriptor)",
			"root element is {%s}%s, want {%s}EntityDescriptor or EntitiesDescriptor", root.NamespaceURI(), root.Tag, nsMetadata)
		return nil, fs
	}

	md := &Metadata{}
	var walk func(el *etree.Element, validUntil time.Time)
	walk = func(el *etree.Element, validUntil time.Time) {
		if v, ok := attr(el, "validUntil"); ok {
			t, err := parseDateTime(v)
			if err != nil {
				fail(RuleMetadataValidUntil, px.at(el), "write validUntil as an xs:dateTime in UTC, e.g. 2030-01-01T00:00:00Z",
					"%s: validUntil: %v", px.at(el), err)
			} else if validUntil.IsZero() || t.Before(validUntil) {
				validUntil = t
			}
		}
		switch {
		case is(el, nsMetadata, "EntitiesDescriptor"):
			for _, c := range el.ChildElements() {
				if is(c, nsMetadata, "EntitiesDescriptor") || is(c, nsMetadata, "EntityDescriptor") {
					walk(c, validUntil)
				}
			}
		case is(el, nsMetadata, "EntityDescriptor"):
			md.Entities++
			for _, d := range children(el, nsMetadata, "IDPSSODescriptor") {
				if idp, ok := inspectIdP(px, el, d, validUntil, fail); ok {
					md.IdPs = append(md.IdPs, idp)
				}
			}
		}
	}
	walk(root, time.Time{})

	if len(md.IdPs) == 0 && !hasIDPSSO(root) {
		fail(RuleMetadataIdP, px.at(root), "upload the IdP's metadata, not an SP's: it must contain an md:IDPSSODescriptor",
			"no EntityDescriptor has an IDPSSODescriptor")
	}
	if len(md.IdPs) > MaxIdPsPerProvider {
		fail(RuleMetadataIdP, px.at(root), "upload only the IdP entity that signs for AWS",
			"metadata has %d IdP entities, want at most %d", len(md.IdPs), MaxIdPsPerProvider)
	}
	if len(md.IdPs) > 0 {
		md.EntityID = md.IdPs[0].EntityID
		md.ValidUntil = md.IdPs[0].ValidUntil
	}
	return md, fs
}

func hasIDPSSO(root *etree.Element) bool {
	for _, el := range root.FindElements("//IDPSSODescriptor") {
		if el.NamespaceURI() == nsMetadata {
			return true
		}
	}
	return false
}

// inspectIdP checks one IDPSSODescriptor d of entity ent. It returns false
// if the entity cannot be used.
func inspectIdP(px *parsedXML, ent, d *etree.Element, validUntil time.Time, fail func(rule string, pos Pos, fix, format string, args ...any)) (IdP, bool) {
	idp := IdP{Pos: px.at(ent), ValidUntil: validUntil}
	ok := true
	// [R9]: metadata must name the issuer.
	id, _ := attr(ent, "entityID")
	if id == "" {
		fail(RuleMetadataEntityID, px.at(ent), "set entityID to the IdP's issuer", "%s: EntityDescriptor has no entityID", px.at(ent))
		ok = false
	} else if utf8.RuneCountInString(id) > 1024 {
		// SAML metadata §2.3.2: entityID is at most 1024 characters.
		fail(RuleMetadataEntityID, px.at(ent), "shorten the entityID", "%s: entityID is longer than 1024 characters", px.at(ent))
		ok = false
	}
	idp.EntityID = id
	if v, has := attr(d, "validUntil"); has {
		if t, err := parseDateTime(v); err == nil && (idp.ValidUntil.IsZero() || t.Before(idp.ValidUntil)) {
			idp.ValidUntil = t
		} else if err != nil {
			fail(RuleMetadataValidUntil, px.at(d), "write validUntil as an xs:dateTime in UTC", "%s: validUntil: %v", px.at(d), err)
		}
	}
	for _, kdEl := range children(d, nsMetadata, "KeyDescriptor") {
		use, _ := attr(kdEl, "use")
		kd := KeyDescriptor{Use: use, Pos: px.at(kdEl)}
		if use != "" && use != "signing" && use != "encryption" {
			fail(RuleMetadataCertificate, kd.Pos, `set use to "signing" or leave it out`,
				"%s: KeyDescriptor use=%q, want signing or encryption", kd.Pos, use)
			ok = false
		}
		for _, ki := range children(kdEl, nsDSig, "KeyInfo") {
			for _, xd := range children(ki, nsDSig, "X509Data") {
				for _, xc := range children(xd, nsDSig, "X509Certificate") {
					c, rule, err := parseMetadataCert(xc)
					if err != nil {
						fail(rule, px.at(xc), certFix(rule), "%s: %v", px.at(xc), err)
						ok = false
						continue
					}
					kd.Certificates = append(kd.Certificates, Certificate{Cert: c, Pos: px.at(xc)})
				}
			}
		}
		idp.KeyDescriptors = append(idp.KeyDescriptors, kd)
	}
	for _, s := range children(d, nsMetadata, "SingleSignOnService") {
		b, _ := attr(s, "Binding")
		l, _ := attr(s, "Location")
		idp.SSO = append(idp.SSO, Endpoint{Binding: b, Location: l, Pos: px.at(s)})
	}
	for _, f := range children(d, nsMetadata, "NameIDFormat") {
		v, _ := text(f)
		idp.NameIDFormats = append(idp.NameIDFormats, strings.TrimSpace(v))
	}
	if ok && len(idp.SigningCertificates()) == 0 {
		// [R9]: metadata must contain the IdP's signing keys.
		fail(RuleMetadataCertificate, px.at(d), `add a KeyDescriptor use="signing" with the IdP's X509Certificate`,
			"%s: IDPSSODescriptor of %q has no signing certificate", px.at(d), id)
		ok = false
	}
	return idp, ok
}

func certFix(rule string) string {
	switch rule {
	case RuleMetadataKeySize:
		return "issue the IdP signing certificate with an RSA key of 2048 bits or more"
	case RuleMetadataExtension:
		return "reissue the certificate without repeated extensions"
	default:
		return "put the base64 DER of the certificate (no PEM header, not base64 of PEM) in X509Certificate"
	}
}

// parseMetadataCert decodes an X509Certificate element and applies IAM's key
// rules. It returns the failing rule with the error.
func parseMetadataCert(el *etree.Element) (*x509.Certificate, string, error) {
	v, err := text(el)
	if err != nil {
		return nil, RuleMetadataCertificate, err
	}
	der, err := base64.StdEncoding.DecodeString(stripSpace(v))
	if err != nil {
		return nil, RuleMetadataCertificate, fmt.Errorf("certificate is not base64: %w", err)
	}
	if len(der) == 0 {
		return nil, RuleMetadataCertificate, errors.New("X509Certificate is empty")
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		// Go's parser refuses repeated extensions, which IAM also refuses
		// [R10][R7].
		if strings.Contains(err.Error(), "duplicate extension") {
			return nil, RuleMetadataExtension, fmt.Errorf("certificate repeats an extension: %w", err)
		}
		return nil, RuleMetadataCertificate, fmt.Errorf("certificate does not parse: %w", err)
	}
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < MinRSABits {
			return nil, RuleMetadataKeySize, fmt.Errorf("RSA key has %d bits, want at least %d", k.N.BitLen(), MinRSABits)
		}
	case *ecdsa.PublicKey:
		// IAM states a 1024-bit minimum without naming key types [R10];
		// strict reading: a 256-384 bit EC key is below it. UNCONFIRMED.
		return nil, RuleMetadataKeySize, fmt.Errorf("ECDSA %s key has %d bits, want an RSA key of at least %d bits",
			k.Curve.Params().Name, k.Curve.Params().BitSize, MinRSABits)
	case ed25519.PublicKey:
		return nil, RuleMetadataKeySize, fmt.Errorf("key is Ed25519, want an RSA key of at least %d bits", MinRSABits)
	default:
		return nil, RuleMetadataKeySize, fmt.Errorf("%T key, want an RSA key of at least %d bits", k, MinRSABits)
	}
	return c, "", nil
}

// stripSpace removes XML whitespace, which IdPs put inside base64.
func stripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, s)
}

// parseDateTime parses an xs:dateTime as SAML requires it: with a time zone
// (SAML core §1.3.3 says UTC, "Z"). Fractional seconds are allowed.
func parseDateTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an xs:dateTime with a time zone", s)
	}
	return t.UTC(), nil
}
