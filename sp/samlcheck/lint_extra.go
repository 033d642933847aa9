package samlcheck

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/beevik/etree"
)

// Rules for the response cross-checks of LintAll (Finding.Rule).
const (
	// RuleLintResponseCert: the response embeds a signing certificate the
	// metadata lacks, so the IdP has moved (or announced a move) to a key
	// the provider does not trust.
	RuleLintResponseCert = "response-certificate-unknown"
	// RuleLintResponseSHA1: the response is signed or digested with SHA-1.
	RuleLintResponseSHA1 = "response-signature-sha1"
)

// Response is what LintAll needs from a SAMLResponse the IdP sent.
type Response struct {
	// Issuer is the first Assertion's Issuer, which STS compares with the
	// entityID [R7][R45]; the Response's Issuer if no Assertion has one
	// (an encrypted assertion).
	Issuer string
	// Certificates are the X.509 certificates in the KeyInfo of the
	// response's and its assertions' signatures, in document order.
	Certificates []*x509.Certificate
	// Algorithms are the SignatureMethod and DigestMethod algorithms of
	// those signatures, in document order.
	Algorithms []string
}

// ParseResponse reads a SAMLResponse, as XML or as its base64 (the
// SAMLAssertion parameter), with the same hardened parser as the metadata
// checks: no DTD or entities, bounded depth and element count. It does not
// verify anything; Verify does. doc over MaxAssertionChars bytes is refused
// (its base64 would exceed STS's limit anyway).
func ParseResponse(doc []byte) (*Response, error) {
	doc = bytes.TrimSpace(doc)
	if len(doc) > MaxAssertionChars {
		return nil, fmt.Errorf("response has %d bytes, want at most %d", len(doc), MaxAssertionChars)
	}
	decoded := false
	if len(doc) > 0 && doc[0] != '<' {
		raw, err := base64.StdEncoding.DecodeString(stripSpace(string(doc)))
		if err != nil {
			return nil, fmt.Errorf("response is neither XML nor base64: %w", err)
		}
		doc, decoded = raw, true
	}
	px, err := parseXML(doc)
	if err != nil {
		if decoded {
			return nil, fmt.Errorf("response is base64, but what it encodes: %w", err)
		}
		return nil, err
	}
	root := px.doc.Root()
	if !is(root, nsProtocol, "Response") {
		return nil, fmt.Errorf("root element is {%s}%s, want {%s}Response", root.NamespaceURI(), root.Tag, nsProtocol)
	}
	r := &Response{}
	var respIssuer string
	if el := first(children(root, nsAssertion, "Issuer")); el != nil {
		respIssuer, _ = text(el)
	}
	r.readSignature(root)
	for _, a := range children(root, nsAssertion, "Assertion") {
		if el := first(children(a, nsAssertion, "Issuer")); el != nil && r.Issuer == "" {
			r.Issuer, _ = text(el)
		}
		r.readSignature(a)
	}
	if r.Issuer == "" {
		r.Issuer = respIssuer
	}
	r.Issuer = strings.TrimSpace(r.Issuer)
	if r.Issuer == "" {
		return nil, errors.New("response has no Issuer")
	}
	return r, nil
}

// isLoopback reports whether host names this machine.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func first(els []*etree.Element) *etree.Element {
	if len(els) == 0 {
		return nil
	}
	return els[0]
}

// readSignature collects the algorithms and embedded certificates of el's
// enveloped signatures. Unreadable certificates are skipped: Verify reports
// them.
func (r *Response) readSignature(el *etree.Element) {
	for _, sig := range children(el, nsDSig, "Signature") {
		for _, si := range children(sig, nsDSig, "SignedInfo") {
			for _, m := range children(si, nsDSig, "SignatureMethod") {
				a, _ := attr(m, "Algorithm")
				r.Algorithms = append(r.Algorithms, a)
			}
			for _, ref := range children(si, nsDSig, "Reference") {
				for _, m := range children(ref, nsDSig, "DigestMethod") {
					a, _ := attr(m, "Algorithm")
					r.Algorithms = append(r.Algorithms, a)
				}
			}
		}
		for _, ki := range children(sig, nsDSig, "KeyInfo") {
			for _, xd := range children(ki, nsDSig, "X509Data") {
				for _, xc := range children(xd, nsDSig, "X509Certificate") {
					v, err := text(xc)
					if err != nil {
						continue
					}
					der, err := base64.StdEncoding.DecodeString(stripSpace(v))
					if err != nil {
						continue
					}
					if c, err := x509.ParseCertificate(der); err == nil {
						r.Certificates = append(r.Certificates, c)
					}
				}
			}
		}
	}
}

// LintAll is Lint for a person deciding whether metadata is fit to
// upload ("breakglass metadata lint"), with refinements that need more than
// the document or that would be noise for a person.
//
// A plain-HTTP SingleSignOnService (RuleLintHTTPEndpoint) on a loopback
// host (localhost, 127.0.0.0/8, ::1) is not reported: the browser's POST
// never leaves the machine, and that is where drill and test IdPs live.
//
// A lone signing certificate (RuleLintSingleSigningKey) is reported only
// when a rollover is announced: one metadata file cannot show an
// announcement, so this function takes it as announced when that
// certificate has expired or expires within opts.ExpiryWarning (the IdP
// must roll over now), or when resp embeds a signing certificate the IdP
// entity lacks (the IdP already signs with its next key). A long-lived
// single certificate, as Okta, Google and IAM Identity Center publish, is
// not a finding.
//
// If resp is not nil, its Issuer is compared with the entityIDs (as
// opts.Issuer, which it replaces when opts.Issuer is empty), a certificate
// in its signatures that no IdP entity publishes is a warning
// (RuleLintResponseCert: STS would answer "Response signature invalid"),
// and SHA-1 signature or digest algorithms are a warning
// (RuleLintResponseSHA1: AWS's own SAML provider metadata signs with
// SHA-256, and the emulator refuses SHA-1 by default).
func LintAll(doc []byte, now time.Time, opts LintOptions, resp *Response) []Finding {
	window := opts.ExpiryWarning
	if window == 0 {
		window = DefaultExpiryWarning
	}
	if resp != nil && opts.Issuer == "" {
		opts.Issuer = resp.Issuer
	}
	fs := Lint(doc, now, opts)
	if resp == nil && !slices.ContainsFunc(fs, func(f Finding) bool {
		return f.Rule == RuleLintSingleSigningKey || f.Rule == RuleLintHTTPEndpoint
	}) {
		return fs // nothing to refine: spare a second parse
	}
	md, _ := inspectMetadata(doc)
	if md == nil {
		return fs
	}
	// announced maps the Pos of each lone signing certificate to whether a
	// rollover is announced for its entity.
	announced := map[Pos]bool{}
	unknown := map[string]*x509.Certificate{}
	if resp != nil {
		for _, c := range resp.Certificates {
			unknown[string(c.Raw)] = c
		}
		for _, idp := range md.IdPs {
			for _, c := range idp.SigningCertificates() {
				delete(unknown, string(c.Cert.Raw))
			}
		}
	}
	for _, idp := range md.IdPs {
		signing := idp.SigningCertificates()
		if len(signing) != 1 {
			continue
		}
		c := signing[0].Cert
		announced[signing[0].Pos] = announced[signing[0].Pos] || c.NotAfter.Sub(now) <= window || len(unknown) > 0
	}
	loopbackSSO := map[Pos]bool{}
	for _, idp := range md.IdPs {
		for _, e := range idp.SSO {
			if u, err := url.Parse(e.Location); err == nil && isLoopback(u.Hostname()) {
				loopbackSSO[e.Pos] = true
			}
		}
	}
	out := fs[:0]
	for _, f := range fs {
		at := Pos{f.Line, f.Column}
		if (f.Rule == RuleLintSingleSigningKey && !announced[at]) || (f.Rule == RuleLintHTTPEndpoint && loopbackSSO[at]) {
			continue
		}
		out = append(out, f)
	}
	if resp == nil || len(md.IdPs) == 0 {
		return out
	}
	at := md.IdPs[0].Pos
	seen := map[string]bool{}
	for _, c := range resp.Certificates {
		if unknown[string(c.Raw)] == nil || seen[string(c.Raw)] {
			continue
		}
		seen[string(c.Raw)] = true
		out = append(out, Finding{Severity: SeverityWarning, Rule: RuleLintResponseCert, Line: at.Line, Column: at.Column,
			Message: fmt.Sprintf("the response is signed with certificate %q (serial %s), which the metadata does not publish: STS would answer %q",
				c.Subject.String(), c.SerialNumber, MsgSignatureInvalid),
			Fix: "add the IdP's new signing certificate to the metadata and update the SAML provider before the IdP switches to it"})
	}
	for _, a := range resp.Algorithms {
		if strings.HasSuffix(strings.ToLower(a), "sha1") {
			out = append(out, Finding{Severity: SeverityWarning, Rule: RuleLintResponseSHA1, Line: at.Line, Column: at.Column,
				Message: fmt.Sprintf("the response uses SHA-1 (%s)", a),
				Fix:     "configure the IdP to sign with rsa-sha256 and digest with sha256"})
			break
		}
	}
	return out
}

// RuleSummary returns a one-line description of a metadata or lint rule,
// for reports that list rules apart from their findings (SARIF's
// tool.driver.rules), or "" for a rule this package does not define.
func RuleSummary(rule string) string {
	switch rule {
	case RuleMetadataSize:
		return "IAM accepts 1,000 to 10,000,000 characters of metadata"
	case RuleMetadataEncoding:
		return "IAM accepts only UTF-8 metadata without a byte order mark"
	case RuleMetadataXML:
		return "IAM accepts only well-formed XML without a DTD"
	case RuleMetadataRoot:
		return "the root must be a SAML 2.0 md:EntityDescriptor or md:EntitiesDescriptor"
	case RuleMetadataIdP:
		return "the metadata must describe 1 to 10 IdP entities (md:IDPSSODescriptor)"
	case RuleMetadataEntityID:
		return "every IdP entity needs an entityID of at most 1024 characters"
	case RuleMetadataCertificate:
		return "every IdP needs a parseable X.509 signing certificate"
	case RuleMetadataKeySize:
		return "IAM requires RSA keys of at least 1024 bits"
	case RuleMetadataExtension:
		return "IAM refuses certificates with repeated extensions"
	case RuleMetadataValidUntil:
		return "validUntil must be an xs:dateTime"
	case RuleLintCertExpired:
		return "a signing certificate has expired (Failure Mode 2)"
	case RuleLintCertExpiring:
		return "a signing certificate expires soon"
	case RuleLintCertNotYetValid:
		return "a signing certificate is not valid yet"
	case RuleLintSingleSigningKey:
		return "a rollover is due but the metadata has only one signing certificate"
	case RuleLintSHA1Cert:
		return "a signing certificate is signed with SHA-1 or weaker"
	case RuleLintWeakKey:
		return "a signing key is under 2048 bits"
	case RuleLintSeveralEntities:
		return "the metadata holds several EntityDescriptors"
	case RuleLintHTTPEndpoint:
		return "a single sign-on endpoint is plain HTTP"
	case RuleLintEntityID:
		return "no entityID equals the Issuer of the IdP's responses"
	case RuleLintValidUntil:
		return "the metadata's validUntil has passed"
	case RuleLintResponseCert:
		return "the IdP signs with a certificate the metadata does not publish"
	case RuleLintResponseSHA1:
		return "the IdP's responses use SHA-1"
	default:
		return ""
	}
}
