package samlcheck

import (
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/beevik/etree"
)

// StepUnknown marks a check that VerifyUnverified could not judge.
const StepUnknown = "unknown"

// VerifyUnverified applies Verify's checks, in Verify's order, to a request
// whose provider metadata is not at hand, for "explain". It is not a
// verifier: never grant anything on its result.
//
// UNVERIFIED: signature, certificate-validity and issuer need the
// provider's certificates and entityID and are reported as StepUnknown,
// except where the posted document alone decides them (no signature at all,
// an unsigned Assertion, SHA-1 algorithms: AWS refuses those whatever the
// keys). Every later check reads the posted, unverified document, so its
// verdict is the one AWS gives if the unknown checks pass.
//
// It returns an *Error when a check fails (as Verify does; a failure after
// an unknown step is conditional on it), and a nil error with StepUnknown
// steps otherwise. req.PrincipalARN stands for the provider.
func VerifyUnverified(req Request, now time.Time, s Settings) (*Result, []Step, error) {
	v := &verifier{req: req, p: Provider{ARN: req.PrincipalARN}, now: now, s: s}
	// Verify with no metadata runs checks 1-7 and stops at the signature.
	_, steps, err := v.run()
	var e *Error
	if !errors.As(err, &e) || e.Rule != RuleSignature {
		return nil, steps, err
	}
	v.steps = nil
	for _, st := range steps {
		if st.Rule == RuleSignature {
			break
		}
		v.steps = append(v.steps, st)
	}
	// Checks 3-6 passed, so these cannot fail.
	raw, err := base64.StdEncoding.DecodeString(req.SAMLAssertion)
	if err != nil {
		return v.fail(invalidToken(MsgInvalidResponse, RuleBase64, err))
	}
	px, err := parseXML(raw)
	if err != nil {
		return v.fail(invalidToken(MsgInvalidResponse, RuleXML, err))
	}
	resp := px.doc.Root()
	assertion, err := checkStructure(resp)
	if err != nil {
		return v.fail(invalidToken(MsgSignatureInvalid, RuleStructure, err))
	}

	// 8. What the posted document alone decides about signatures.
	respSig, _ := child(resp, nsDSig, "Signature")
	aSig, _ := child(assertion, nsDSig, "Signature")
	switch {
	case respSig == nil && aSig == nil:
		return v.fail(invalidToken(MsgSignatureInvalid, RuleSignature, errors.New("neither the Response nor the Assertion is signed")))
	case aSig == nil && !s.AllowUnsignedAssertionInSignedResponse:
		return v.fail(invalidToken(MsgSignatureInvalid, RuleSignature,
			errors.New("the Assertion is not signed; only the Response is (AWS asks WantAssertionsSigned; Settings.AllowUnsignedAssertionInSignedResponse)")))
	}
	var signedParts []string
	if respSig != nil {
		signedParts = append(signedParts, "Response")
	}
	if aSig != nil {
		signedParts = append(signedParts, "Assertion")
	}
	v.steps = append(v.steps, Step{Rule: RuleSignature, Status: StepUnknown,
		Detail: fmt.Sprintf("%s signed; not verified: needs the provider's metadata", strings.Join(signedParts, " and "))})

	// 9. Algorithms, as posted: SHA-1 is refused whether or not the
	// signature verifies (with the same error).
	var algs []string
	for _, sg := range []*etree.Element{respSig, aSig} {
		if sg != nil {
			algs = append(algs, algorithms(sg)...)
		}
	}
	if !s.AllowSHA1 {
		for _, a := range algs {
			if strings.HasSuffix(a, "sha1") {
				return v.fail(invalidToken(MsgSignatureInvalid, RuleSignatureAlgorithm,
					fmt.Errorf("signature uses %s; SHA-1 is refused (Settings.AllowSHA1)", a)))
			}
		}
	}
	v.pass(RuleSignatureAlgorithm, "%s (as posted)", strings.Join(algs, ", "))
	v.steps = append(v.steps, Step{Rule: RuleCertificateValidity, Status: StepUnknown,
		Detail: "needs the metadata certificate that verifies the signature"})

	// 10-23 on the posted document. The issuer check passes any Issuer
	// (there is no entityID to compare with) and is then reported unknown.
	sig := &signed{assertion: assertion, entityIDs: map[string]bool{}}
	if ie, err := child(assertion, nsAssertion, "Issuer"); err == nil && ie != nil {
		if t, err := text(ie); err == nil {
			sig.entityIDs[t] = true
		}
	}
	if ri, err := child(resp, nsAssertion, "Issuer"); err == nil && ri != nil {
		if t, err := text(ri); err == nil {
			sig.responseIssuer = &t
		}
	}
	provAcct, provName, _ := parseSAMLProviderARN(req.PrincipalARN)
	res, steps, err := v.content(sig, provAcct, provName)
	for i, st := range steps {
		if st.Rule == RuleIssuer && st.Status == StepPass {
			steps[i] = Step{Rule: RuleIssuer, Status: StepUnknown,
				Detail: strings.TrimSuffix(st.Detail, " is the provider's entityID") + " not compared with the provider's entityID: needs its metadata"}
		}
	}
	return res, steps, err
}

// Document is what a SAML Response says, read without verifying anything,
// for display ("explain"). Values are as posted; times are the raw
// attribute text. It holds no signature values or certificate bytes.
type Document struct {
	Root                            string // root element as {namespace}name
	ResponseID, Destination, Status string
	ResponseIssuer                  string
	AssertionID, IssueInstant       string
	Issuer                          string
	NameID, NameIDFormat            string
	Recipient                       string // SubjectConfirmationData
	ConfirmationNotOnOrAfter        string // SubjectConfirmationData
	NotBefore, NotOnOrAfter         string // Conditions
	Audiences                       []string
	AuthnInstant                    string
	SessionNotOnOrAfter             string
	Attributes                      []Attribute
	Signatures                      []Signature
	// Encrypted reports an EncryptedAssertion (not readable here).
	Encrypted bool
}

// Attribute is one SAML Attribute, in document order.
type Attribute struct {
	Name   string
	Values []string
}

// Signature describes one ds:Signature without its value.
type Signature struct {
	On        string // the signed element: Response or Assertion
	Method    string // SignatureMethod URI
	Digest    string // DigestMethod URI
	Reference string // Reference URI
	// Certificate is the KeyInfo certificate, unverified; nil if absent
	// or unreadable.
	Certificate *x509.Certificate
}

// Inspect reads doc (a SAML Response) for display, with the same XML safety
// rules as Verify (no DTD, bounded depth and size). Elements are found by
// local name, whatever their namespace, so malformed documents show as much
// as they hold; only XML that does not parse is an error.
func Inspect(doc []byte) (*Document, error) {
	px, err := parseXML(doc)
	if err != nil {
		// Namespace-ill-formed documents are common in the wild; etree
		// alone still reads them, after the safety scan.
		if _, serr := scanXML(doc); serr != nil {
			return nil, serr
		}
		d := etree.NewDocument()
		d.ReadSettings.MaxDepth = maxDepth + 1
		if rerr := d.ReadFromBytes(doc); rerr != nil || d.Root() == nil {
			return nil, err
		}
		px = &parsedXML{doc: d}
	}
	root := px.doc.Root()
	out := &Document{Root: "{" + root.NamespaceURI() + "}" + root.Tag}
	resp := root
	if root.Tag != "Response" {
		if r := find(root, "Response"); r != nil {
			resp = r
		}
	}
	out.ResponseID, _ = attr(resp, "ID")
	out.Destination, _ = attr(resp, "Destination")
	out.ResponseIssuer = localText(localChild(resp, "Issuer"))
	if sc := localChild(localChild(resp, "Status"), "StatusCode"); sc != nil {
		out.Status, _ = attr(sc, "Value")
	}
	out.Encrypted = find(resp, "EncryptedAssertion") != nil
	if s := localChild(resp, "Signature"); s != nil {
		out.Signatures = append(out.Signatures, describeSignature("Response", s))
	}
	a := find(resp, "Assertion")
	if a == nil {
		return out, nil
	}
	if s := localChild(a, "Signature"); s != nil {
		out.Signatures = append(out.Signatures, describeSignature("Assertion", s))
	}
	out.AssertionID, _ = attr(a, "ID")
	out.IssueInstant, _ = attr(a, "IssueInstant")
	out.Issuer = localText(localChild(a, "Issuer"))
	subj := localChild(a, "Subject")
	if n := localChild(subj, "NameID"); n != nil {
		out.NameID = localText(n)
		out.NameIDFormat, _ = attr(n, "Format")
	}
	if scd := localChild(localChild(subj, "SubjectConfirmation"), "SubjectConfirmationData"); scd != nil {
		out.Recipient, _ = attr(scd, "Recipient")
		out.ConfirmationNotOnOrAfter, _ = attr(scd, "NotOnOrAfter")
	}
	if c := localChild(a, "Conditions"); c != nil {
		out.NotBefore, _ = attr(c, "NotBefore")
		out.NotOnOrAfter, _ = attr(c, "NotOnOrAfter")
		for _, ar := range localChildren(c, "AudienceRestriction") {
			for _, au := range localChildren(ar, "Audience") {
				out.Audiences = append(out.Audiences, localText(au))
			}
		}
	}
	if as := localChild(a, "AuthnStatement"); as != nil {
		out.AuthnInstant, _ = attr(as, "AuthnInstant")
		out.SessionNotOnOrAfter, _ = attr(as, "SessionNotOnOrAfter")
	}
	for _, st := range localChildren(a, "AttributeStatement") {
		for _, at := range localChildren(st, "Attribute") {
			name, _ := attr(at, "Name")
			x := Attribute{Name: name}
			for _, v := range localChildren(at, "AttributeValue") {
				x.Values = append(x.Values, localText(v))
			}
			out.Attributes = append(out.Attributes, x)
		}
	}
	return out, nil
}

func describeSignature(on string, s *etree.Element) Signature {
	out := Signature{On: on}
	si := localChild(s, "SignedInfo")
	if sm := localChild(si, "SignatureMethod"); sm != nil {
		out.Method, _ = attr(sm, "Algorithm")
	}
	if ref := localChild(si, "Reference"); ref != nil {
		out.Reference, _ = attr(ref, "URI")
		if dm := localChild(ref, "DigestMethod"); dm != nil {
			out.Digest, _ = attr(dm, "Algorithm")
		}
	}
	if c := localChild(localChild(localChild(s, "KeyInfo"), "X509Data"), "X509Certificate"); c != nil {
		clean := strings.Join(strings.Fields(localText(c)), "")
		if der, err := base64.StdEncoding.DecodeString(clean); err == nil {
			out.Certificate, _ = x509.ParseCertificate(der)
		}
	}
	return out
}

// localChildren returns el's child elements whose local name is tag; el
// may be nil.
func localChildren(el *etree.Element, tag string) []*etree.Element {
	if el == nil {
		return nil
	}
	var out []*etree.Element
	for _, c := range el.ChildElements() {
		if c.Tag == tag {
			out = append(out, c)
		}
	}
	return out
}

func localChild(el *etree.Element, tag string) *etree.Element {
	if cs := localChildren(el, tag); len(cs) > 0 {
		return cs[0]
	}
	return nil
}

// find returns the first descendant of el (depth first) named tag.
func find(el *etree.Element, tag string) *etree.Element {
	for _, c := range el.ChildElements() {
		if c.Tag == tag {
			return c
		}
		if f := find(c, tag); f != nil {
			return f
		}
	}
	return nil
}

// localText returns el's character content, or "" for nil or mixed
// content.
func localText(el *etree.Element) string {
	if el == nil {
		return ""
	}
	s, _ := text(el)
	return s
}
