package samlcheck

import (
	"bytes"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"
)

// AWS SAML attribute names [R8]. Names match exactly, case-sensitively.
const (
	AttrRole              = "https://aws.amazon.com/SAML/Attributes/Role"
	AttrRoleSessionName   = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
	AttrSessionDuration   = "https://aws.amazon.com/SAML/Attributes/SessionDuration"
	AttrSourceIdentity    = "https://aws.amazon.com/SAML/Attributes/SourceIdentity"
	AttrPrincipalTag      = "https://aws.amazon.com/SAML/Attributes/PrincipalTag:" // + key
	AttrTransitiveTagKeys = "https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys"
)

// SAML URIs.
const (
	nameIDFormatPrefix = "urn:oasis:names:tc:SAML:2.0:nameid-format:"
	statusSuccess      = "urn:oasis:names:tc:SAML:2.0:status:Success"
	methodBearer       = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
	// AWSAudience is AWS's SP entityID [R41].
	AWSAudience = "urn:amazon:webservices"
)

// Limits of AssumeRoleWithSAML [R1][R8][R15].
const (
	MinAssertionChars   = 4
	MaxAssertionChars   = 100_000
	RedeemWindow        = 5 * time.Minute
	MinSessionDuration  = 900
	MaxSessionDuration  = 43200
	MaxPrincipalTags    = 50
	MaxTagKeyChars      = 128
	MaxTagValueChars    = 256
	MaxTransitiveTagKey = 50
)

// Rules of Verify, in the order Verify applies them (Error.Rule, Step.Rule).
const (
	RuleRequest             = "request-parameters"
	RuleProviderAccount     = "provider-account"
	RuleBase64              = "base64"
	RuleXML                 = "xml"
	RuleResponse            = "response"
	RuleStructure           = "structure"
	RuleStatus              = "status"
	RuleSignature           = "signature"
	RuleSignatureAlgorithm  = "signature-algorithm"
	RuleCertificateValidity = "certificate-validity"
	RuleIssuer              = "issuer"
	RuleSubjectConfirmation = "subject-confirmation"
	RuleAudience            = "audience"
	RuleIssueInstant        = "issue-instant-age"
	RuleNotBefore           = "not-before"
	RuleNotOnOrAfter        = "not-on-or-after"
	RuleNameID              = "name-id"
	RuleRoleAttribute       = "role-attribute"
	RuleRolePair            = "role-pair"
	RuleRoleSessionName     = "role-session-name"
	RuleSourceIdentity      = "source-identity"
	RuleSessionDuration     = "session-duration"
	RulePrincipalTags       = "principal-tags"
)

// CheckOrder lists Verify's rules in the order they are applied.
func CheckOrder() []string {
	return []string{
		RuleRequest, RuleProviderAccount, RuleBase64, RuleXML, RuleResponse, RuleStructure, RuleStatus,
		RuleSignature, RuleSignatureAlgorithm, RuleCertificateValidity, RuleIssuer,
		RuleSubjectConfirmation, RuleAudience, RuleIssueInstant, RuleNotBefore, RuleNotOnOrAfter,
		RuleNameID, RuleRoleAttribute, RuleRolePair, RuleRoleSessionName, RuleSourceIdentity,
		RuleSessionDuration, RulePrincipalTags,
	}
}

// Provider is an IAM SAML provider: its ARN
// (arn:aws:iam::<account>:saml-provider/<name>) and its parsed metadata.
type Provider struct {
	ARN      string
	Metadata *Metadata
}

// Request holds the AssumeRoleWithSAML parameters Verify checks [R1].
type Request struct {
	SAMLAssertion string // base64 of the whole SAML Response
	RoleARN       string
	PrincipalARN  string
	// DurationSeconds is the requested session length; 0 means absent.
	// Whether it exceeds the role's MaxSessionDuration is the caller's
	// check, since Verify does not know the role.
	DurationSeconds int32
}

// Settings are Verify's knobs. The zero value is the strict default; each
// field documents what zero means.
type Settings struct {
	// AllowExpiredCertificate accepts a signature made with a metadata
	// certificate whose notAfter has passed (Failure Mode 2). Zero: refuse
	// it with "Response signature invalid". AWS's behaviour is UNCONFIRMED
	// (reference §6 and §12.10 suggest a toggle); a drill must be able to
	// show the failure, so strict is the default.
	AllowExpiredCertificate bool
	// AllowSHA1 accepts rsa-sha1 signatures and sha1 digests. Zero: refuse
	// them. UNCONFIRMED (reference §2.1: "SHA-1 behind a flag").
	AllowSHA1 bool
	// ClockSkew widens every time check (IssueInstant age, NotBefore,
	// NotOnOrAfter, certificate validity) by this much. Zero: no tolerance.
	// AWS publishes no figure (UNCONFIRMED, reference §2.2).
	ClockSkew time.Duration
	// AllowUnsignedAssertionInSignedResponse accepts an assertion without
	// its own signature when it is the only assertion of a Response whose
	// signature verifies; values are then read from the verified Response.
	// Zero: the assertion must carry a valid signature of its own, as AWS's
	// SP metadata asks (WantAssertionsSigned="true" [R41]); a Response
	// signature, if present, must verify too. UNCONFIRMED (reference §2.1).
	AllowUnsignedAssertionInSignedResponse bool
	// NameQualifierSlashAfterIssuer computes NameQualifier as
	// SHA1(Issuer "/" Account "/" Name), the IAM condition-key page's
	// wording [R14]. Zero: SHA1(Issuer Account "/" Name), STS's pseudocode
	// [R1] (reference §1.3).
	NameQualifierSlashAfterIssuer bool
	// RequestID is the request id embedded in the nested text of the issuer
	// error [R45]; the caller passes its own. Zero: empty.
	RequestID string
}

// RolePair is one value of the Role attribute [R8], whichever order it
// was written in.
type RolePair struct {
	RoleARN      string
	PrincipalARN string
}

// Result is what a verified response yields: the AssumeRoleWithSAML output
// fields that come from the assertion [R1] and what policy evaluation needs.
type Result struct {
	Issuer  string // assertion Issuer
	Subject string // NameID text
	// SubjectType is NameID's Format with the SAML 2.0 nameid-format
	// prefix stripped; other formats unchanged [R1].
	SubjectType string
	// Audience is SubjectConfirmationData's Recipient, not the
	// AudienceRestriction [R1][R14]; it is saml:aud.
	Audience        string
	NameQualifier   string
	RoleSessionName string
	SourceIdentity  string // "" if absent
	// SessionDuration is the SessionDuration attribute in seconds; 0 if
	// absent.
	SessionDuration int
	// SessionNotOnOrAfter is AuthnStatement's SessionNotOnOrAfter; zero if
	// absent.
	SessionNotOnOrAfter time.Time
	PrincipalTags       map[string]string
	TransitiveTagKeys   []string
	// Roles holds every well-formed pair of the Role attribute.
	Roles []RolePair
	// Attributes maps every attribute Name to its values, for saml:*
	// condition keys.
	Attributes   map[string][]string
	AssertionID  string
	NotOnOrAfter time.Time // the earliest NotOnOrAfter of the assertion
	IssueInstant time.Time // assertion IssueInstant
}

// Step statuses.
const (
	StepPass    = "pass"
	StepFail    = "fail"
	StepSkipped = "skipped"
)

// Step is the outcome of one check of Verify, for explain.
type Step struct {
	Rule   string
	Status string // StepPass, StepFail or StepSkipped
	Detail string
}

// Compiled once [STYLE §10].
var (
	// [R7][R8]
	sessionNameRE = regexp.MustCompile(`^[a-zA-Z_0-9+=,.@-]{2,64}$`)
	// [R8][R15]: key and value characters of session tags.
	tagCharsRE = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
	// [R8][R8b][R14]: AWS sign-in SAML endpoints. Regions as
	// us-east-1, us-gov-west-1, ap-southeast-2; the IdP-ID is a
	// SAMLProviderUUID, 22-64 of [A-Z0-9] [R2].
	recipientRE = regexp.MustCompile(`^https://(?:[a-z]{2}(?:-[a-z]+)+-\d+\.)?signin\.aws\.amazon\.com/(?:saml|saml/acs/[A-Z0-9]{22,64})$|^https://signin\.aws\.amazon\.com/static/saml$`)
	roleARNRE   = regexp.MustCompile(`^arn:aws(?:-cn|-us-gov)?:iam::(\d{12}):role/[\w+=,.@/-]+$`)
	samlARNRE   = regexp.MustCompile(`^arn:aws(?:-cn|-us-gov)?:iam::(\d{12}):saml-provider/([\w.+=,@-]+)$`)
)

// verifier carries one Verify call.
type verifier struct {
	req   Request
	p     Provider
	now   time.Time
	s     Settings
	steps []Step
}

func (v *verifier) pass(rule, format string, args ...any) {
	detail := format
	if len(args) > 0 {
		detail = fmt.Sprintf(format, args...)
	}
	v.steps = append(v.steps, Step{Rule: rule, Status: StepPass, Detail: detail})
}

// fail records e and marks every later rule skipped.
func (v *verifier) fail(e *Error) (*Result, []Step, error) {
	detail := e.Message
	if d := e.Detail(); d != "" {
		detail = d
	}
	v.steps = append(v.steps, Step{Rule: e.Rule, Status: StepFail, Detail: detail})
	done := make(map[string]bool, len(v.steps))
	for _, st := range v.steps {
		done[st.Rule] = true
	}
	for _, r := range CheckOrder() {
		if !done[r] {
			v.steps = append(v.steps, Step{Rule: r, Status: StepSkipped})
		}
	}
	return nil, v.steps, e
}

// Verify checks an AssumeRoleWithSAML request against provider p at now,
// the way STS does, and returns what the response asserts.
//
// On success err is nil and every Step passed. On failure the result is
// nil, err is an *Error with AWS's code, status and message, and the steps
// end with the failing check followed by the skipped ones. Verify does not
// look up roles, trust policies or MaxSessionDuration: the caller checks
// them with the Result. p must be the provider named by req.PrincipalARN.
//
// The checks, in order (AWS documents no order; this one follows the data:
// request parameters, decoding, signature, then the signed content in
// document order of AWS's documentation [R7][R8]):
//
//  1. request-parameters: model constraints [R1] (SAMLAssertion 4-100,000
//     characters, RoleArn and PrincipalArn 20-2048, DurationSeconds 900-43200
//     when present) -> ValidationError with the model-constraint text [R52].
//  2. provider-account: RoleArn and PrincipalArn in the same account ->
//     ValidationError "Principal exists outside the account of the Role being
//     assumed." (obs). Checked before the assertion because it needs only the
//     request.
//  3. base64, 4. xml (no DTD, one root, well-formed), 5. response (root is
//     samlp:Response), 6. structure (exactly one Assertion, a direct child of
//     the Response; no EncryptedAssertion; ds:Signature only directly under
//     the Response or the Assertion, referencing its parent's unique ID:
//     this refuses the XML signature wrapping shapes XSW1-XSW8),
//  7. status (StatusCode Success; UNCONFIRMED [§2.2]) -> InvalidIdentityToken.
//  8. signature: verified with the metadata signing certificates only (the
//     KeyInfo certificate must be one of them) [R7]; a Response signature, if
//     present, must verify; the Assertion must carry its own valid signature
//     unless AllowUnsignedAssertionInSignedResponse -> "Response signature
//     invalid". From here on, values come only from the verified copy.
//  9. signature-algorithm: no SHA-1 unless AllowSHA1.
//  10. certificate-validity: the verifying certificate is within its validity
//     (Failure Mode 2) unless AllowExpiredCertificate.
//  11. issuer: assertion Issuer (and the Response Issuer, if present; SAML
//     profiles §4.1.4.2) equals the entityID of the IdP entity whose
//     certificate verified -> InvalidIdentityToken with AWS's nested text [R7][R45].
//  12. subject-confirmation: exactly one bearer SubjectConfirmation whose
//     data has NotOnOrAfter and a Recipient that is an AWS sign-in endpoint
//     [R8][R8b] -> InvalidIdentityToken.
//  13. audience: an AudienceRestriction with urn:amazon:webservices or a
//     sign-in endpoint (UNCONFIRMED [§2.2]) -> InvalidIdentityToken
//     "Response does not contain the required audience." [R7].
//  14. issue-instant-age: assertion IssueInstant at most 5 minutes old
//     -> ExpiredTokenException [R42].
//  15. not-before: Conditions NotBefore reached and IssueInstant not in
//     the future (UNCONFIRMED) -> InvalidIdentityToken.
//  16. not-on-or-after: Conditions, SubjectConfirmationData and
//     SessionNotOnOrAfter not passed -> ExpiredTokenException "Response has
//     expired" [R43].
//  17. name-id: Subject/NameID present and not empty -> AccessDenied [R7].
//  18. role-attribute: a Role attribute with a value -> AccessDenied
//     (UNCONFIRMED for the API; the sign-in page shows "invalid SAML
//     response" [R7]).
//  19. role-pair: the requested RoleArn,PrincipalArn pair is a Role value,
//     in either order [R8] (UNCONFIRMED that STS checks it) -> AccessDenied.
//  20. role-session-name [R7], 21. source-identity [R7], 22. session-duration
//     (UNCONFIRMED), 23. principal-tags [R8][R15] -> InvalidIdentityToken.
//
// Values are used exactly as signed: no whitespace trimming.
func Verify(req Request, p Provider, now time.Time, s Settings) (*Result, []Step, error) {
	v := &verifier{req: req, p: p, now: now, s: s, steps: make([]Step, 0, len(CheckOrder()))}
	return v.run()
}

func (v *verifier) run() (*Result, []Step, error) {
	// 1. Model constraints [R1].
	if e := checkModel(v.req); e != nil {
		return v.fail(e)
	}
	v.pass(RuleRequest, "parameters satisfy the AssumeRoleWithSAML model")

	// 2. Role and provider in one account.
	provAcct, provName, ok := parseSAMLProviderARN(v.req.PrincipalARN)
	if !ok {
		return v.fail(invalidToken(MsgInvalidResponse, RuleProviderAccount,
			fmt.Errorf("request PrincipalArn %q is not a SAML provider ARN", v.req.PrincipalARN)))
	}
	if v.p.ARN != v.req.PrincipalARN {
		return v.fail(invalidToken(MsgSignatureInvalid, RuleProviderAccount,
			fmt.Errorf("provider %q is not the PrincipalArn %q", v.p.ARN, v.req.PrincipalARN)))
	}
	if m := roleARNRE.FindStringSubmatch(v.req.RoleARN); m != nil && m[1] != provAcct {
		return v.fail(validationError(MsgPrincipalOutside, RuleProviderAccount,
			fmt.Errorf("role account %s, provider account %s", m[1], provAcct)))
	}
	v.pass(RuleProviderAccount, "provider %s is in the role's account", v.req.PrincipalARN)

	// 3. Base64. The standard decoder skips CR and LF, as AWS's does for
	// wrapped input (inferred).
	raw, err := base64.StdEncoding.DecodeString(v.req.SAMLAssertion)
	if err != nil {
		return v.fail(invalidToken(MsgInvalidResponse, RuleBase64, fmt.Errorf("SAMLAssertion is not base64: %w", err)))
	}
	v.pass(RuleBase64, "decoded %d bytes", len(raw))

	// 4. XML.
	doc, err := parseTree(raw)
	if err != nil {
		return v.fail(invalidToken(MsgInvalidResponse, RuleXML, err))
	}
	v.pass(RuleXML, "well-formed, no DTD")

	// 5. Root.
	resp := doc.Root()
	if !is(resp, nsProtocol, "Response") {
		return v.fail(invalidToken(MsgInvalidResponse, RuleResponse,
			fmt.Errorf("root element is {%s}%s, want {%s}Response", resp.NamespaceURI(), resp.Tag, nsProtocol)))
	}
	v.pass(RuleResponse, "root is samlp:Response")

	// 6. Shape.
	assertion, err := checkStructure(resp)
	if err != nil {
		msg := MsgSignatureInvalid
		var enc errEncrypted
		if errors.As(err, &enc) {
			msg = MsgInvalidResponse
		}
		return v.fail(invalidToken(msg, RuleStructure, err))
	}
	v.pass(RuleStructure, "one assertion; signatures only on the Response and the Assertion")

	// 7. Status (read from the posted tree: it can only reject).
	if e := checkStatus(resp); e != nil {
		return v.fail(e)
	}
	v.pass(RuleStatus, "status Success")

	// 8. Signature.
	sig, e := v.verifySignatures(resp, assertion)
	if e != nil {
		return v.fail(e)
	}
	v.pass(RuleSignature, "%s", sig.summary)

	// 9. Algorithms.
	if !v.s.AllowSHA1 {
		for _, a := range sig.algorithms {
			if a == dsig.RSASHA1SignatureMethod || a == "http://www.w3.org/2000/09/xmldsig#sha1" || strings.HasSuffix(a, "sha1") {
				return v.fail(invalidToken(MsgSignatureInvalid, RuleSignatureAlgorithm,
					fmt.Errorf("signature uses %s; SHA-1 is refused (Settings.AllowSHA1)", a)))
			}
		}
	}
	v.pass(RuleSignatureAlgorithm, "%s", strings.Join(sig.algorithms, ", "))

	// 10. Certificate validity (Failure Mode 2).
	for _, c := range sig.certs {
		if v.now.Add(v.s.ClockSkew).Before(c.NotBefore) {
			return v.fail(invalidToken(MsgSignatureInvalid, RuleCertificateValidity,
				fmt.Errorf("signing certificate %q is not valid before %s", c.Subject, c.NotBefore.UTC().Format(time.RFC3339))))
		}
		if v.now.Add(-v.s.ClockSkew).After(c.NotAfter) && !v.s.AllowExpiredCertificate {
			return v.fail(invalidToken(MsgSignatureInvalid, RuleCertificateValidity,
				fmt.Errorf("signing certificate %q expired on %s (Failure Mode 2; Settings.AllowExpiredCertificate)", c.Subject, c.NotAfter.UTC().Format(time.RFC3339))))
		}
	}
	v.pass(RuleCertificateValidity, "signing certificate valid at %s", v.now.UTC().Format(time.RFC3339))

	return v.content(sig, provAcct, provName)
}

// content applies checks 11-23 to the verified assertion.
func (v *verifier) content(sig *signed, provAcct, provName string) (*Result, []Step, error) {
	a := sig.assertion
	res := &Result{Attributes: map[string][]string{}, PrincipalTags: map[string]string{}}

	// 11. Issuer [R7][R45].
	issuerEl, err := child(a, nsAssertion, "Issuer")
	var issuer string
	if err == nil && issuerEl != nil {
		issuer, err = text(issuerEl)
	}
	if err != nil || issuerEl == nil {
		if err == nil {
			err = errors.New("assertion has no Issuer")
		}
		return v.fail(invalidToken(IssuerMessage(v.s.RequestID), RuleIssuer, err))
	}
	if !sig.entityIDs[issuer] {
		return v.fail(invalidToken(IssuerMessage(v.s.RequestID), RuleIssuer,
			fmt.Errorf("assertion Issuer %q is not the entityID of the metadata that holds the signing certificate (%s)", issuer, strings.Join(keys(sig.entityIDs), ", "))))
	}
	if sig.responseIssuer != nil && *sig.responseIssuer != issuer {
		return v.fail(invalidToken(IssuerMessage(v.s.RequestID), RuleIssuer,
			fmt.Errorf("response Issuer %q differs from assertion Issuer %q", *sig.responseIssuer, issuer)))
	}
	res.Issuer = issuer
	v.pass(RuleIssuer, "Issuer %q is the provider's entityID", issuer)

	// 12. SubjectConfirmation [R8][R8b].
	subject, err := child(a, nsAssertion, "Subject")
	if err != nil || subject == nil {
		return v.fail(invalidToken(MsgInvalidResponse, RuleSubjectConfirmation, orErr(err, "assertion has no Subject")))
	}
	scs := children(subject, nsAssertion, "SubjectConfirmation")
	if len(scs) != 1 {
		return v.fail(invalidToken(MsgInvalidResponse, RuleSubjectConfirmation,
			fmt.Errorf("assertion Subject has %d SubjectConfirmation elements, want exactly 1", len(scs))))
	}
	if m, _ := attr(scs[0], "Method"); m != methodBearer {
		return v.fail(invalidToken(MsgInvalidResponse, RuleSubjectConfirmation,
			fmt.Errorf("SubjectConfirmation Method %q, want %s", m, methodBearer)))
	}
	scd, err := child(scs[0], nsAssertion, "SubjectConfirmationData")
	if err != nil || scd == nil {
		return v.fail(invalidToken(MsgInvalidResponse, RuleSubjectConfirmation, orErr(err, "SubjectConfirmation has no SubjectConfirmationData")))
	}
	recipient, hasRecipient := attr(scd, "Recipient")
	scdNotOnOrAfter, hasNOA := attr(scd, "NotOnOrAfter")
	if !hasRecipient || !hasNOA {
		return v.fail(invalidToken(MsgInvalidResponse, RuleSubjectConfirmation,
			errors.New("SubjectConfirmationData needs both Recipient and NotOnOrAfter")))
	}
	if !recipientRE.MatchString(recipient) {
		return v.fail(invalidToken(MsgAudience, RuleSubjectConfirmation,
			fmt.Errorf("confirmation Recipient %q is not an AWS sign-in SAML endpoint (https://signin.aws.amazon.com/saml, https://<region>.signin.aws.amazon.com/saml, .../saml/acs/<IdP-ID>)", recipient)))
	}
	scdNOA, err := parseDateTime(scdNotOnOrAfter)
	if err != nil {
		return v.fail(invalidToken(MsgInvalidResponse, RuleSubjectConfirmation, fmt.Errorf("SubjectConfirmationData NotOnOrAfter: %w", err)))
	}
	res.Audience = recipient
	v.pass(RuleSubjectConfirmation, "bearer confirmation for %s", recipient)

	// 13. AudienceRestriction (UNCONFIRMED; strict).
	conditions, err := child(a, nsAssertion, "Conditions")
	if err != nil {
		return v.fail(invalidToken(MsgInvalidResponse, RuleAudience, err))
	}
	if e := checkAudience(conditions); e != nil {
		return v.fail(e)
	}
	v.pass(RuleAudience, "AudienceRestriction names AWS")

	// 14. IssueInstant age [R42].
	ii, _ := attr(a, "IssueInstant")
	issueInstant, err := parseDateTime(ii)
	if err != nil {
		return v.fail(invalidToken(MsgInvalidResponse, RuleIssueInstant, fmt.Errorf("assertion IssueInstant: %w", err)))
	}
	if age := v.now.Sub(issueInstant); age > RedeemWindow+v.s.ClockSkew {
		return v.fail(expiredToken(MsgRedeemWindow, RuleIssueInstant,
			fmt.Errorf("assertion issued at %s, %s before now", issueInstant.Format(time.RFC3339), age.Round(time.Second))))
	}
	res.IssueInstant = issueInstant
	v.pass(RuleIssueInstant, "issued %s ago", v.now.Sub(issueInstant).Round(time.Second))

	// 15. NotBefore (UNCONFIRMED).
	if issueInstant.After(v.now.Add(v.s.ClockSkew)) {
		return v.fail(invalidToken(MsgNotYetValid, RuleNotBefore,
			fmt.Errorf("assertion IssueInstant %s is in the future", issueInstant.Format(time.RFC3339))))
	}
	var condNOA time.Time
	if conditions != nil {
		if nb, ok := attr(conditions, "NotBefore"); ok {
			t, err := parseDateTime(nb)
			if err != nil {
				return v.fail(invalidToken(MsgInvalidResponse, RuleNotBefore, fmt.Errorf("assertion Conditions NotBefore: %w", err)))
			}
			if v.now.Add(v.s.ClockSkew).Before(t) {
				return v.fail(invalidToken(MsgNotYetValid, RuleNotBefore,
					fmt.Errorf("assertion Conditions NotBefore %s is after now", t.Format(time.RFC3339))))
			}
		}
		if noa, ok := attr(conditions, "NotOnOrAfter"); ok {
			condNOA, err = parseDateTime(noa)
			if err != nil {
				return v.fail(invalidToken(MsgInvalidResponse, RuleNotOnOrAfter, fmt.Errorf("assertion Conditions NotOnOrAfter: %w", err)))
			}
		}
	}
	v.pass(RuleNotBefore, "valid from its NotBefore")

	// 16. NotOnOrAfter [R43].
	res.NotOnOrAfter = scdNOA
	if !condNOA.IsZero() && condNOA.Before(scdNOA) {
		res.NotOnOrAfter = condNOA
	}
	if !v.now.Add(-v.s.ClockSkew).Before(res.NotOnOrAfter) {
		return v.fail(expiredToken(MsgResponseExpired, RuleNotOnOrAfter,
			fmt.Errorf("NotOnOrAfter %s has passed", res.NotOnOrAfter.Format(time.RFC3339))))
	}
	authn, err := child(a, nsAssertion, "AuthnStatement")
	if err != nil {
		return v.fail(invalidToken(MsgInvalidResponse, RuleNotOnOrAfter, err))
	}
	if authn != nil {
		if sno, ok := attr(authn, "SessionNotOnOrAfter"); ok {
			t, err := parseDateTime(sno)
			if err != nil {
				return v.fail(invalidToken(MsgInvalidResponse, RuleNotOnOrAfter, fmt.Errorf("SessionNotOnOrAfter: %w", err)))
			}
			// [R1][R8]: it caps the session; one already passed leaves none
			// (UNCONFIRMED which error AWS gives).
			if !v.now.Before(t) {
				return v.fail(expiredToken(MsgResponseExpired, RuleNotOnOrAfter,
					fmt.Errorf("SessionNotOnOrAfter %s has passed", t.Format(time.RFC3339))))
			}
			res.SessionNotOnOrAfter = t
		}
	}
	v.pass(RuleNotOnOrAfter, "valid until %s", res.NotOnOrAfter.Format(time.RFC3339))

	// 17. NameID [R7].
	nameID, err := child(subject, nsAssertion, "NameID")
	if err != nil || nameID == nil {
		return v.fail(accessDenied(RuleNameID, orErr(err, "assertion Subject has no NameID")))
	}
	sub, err := text(nameID)
	if err != nil || sub == "" {
		return v.fail(accessDenied(RuleNameID, orErr(err, "NameID is empty")))
	}
	res.Subject = sub
	format, _ := attr(nameID, "Format")
	res.SubjectType = strings.TrimPrefix(format, nameIDFormatPrefix) // [R1]
	res.NameQualifier = NameQualifier(issuer, provAcct, provName, v.s.NameQualifierSlashAfterIssuer)
	v.pass(RuleNameID, "subject %q (%s)", sub, res.SubjectType)

	// Attributes.
	attrs, err := readAttributes(a)
	if err != nil {
		return v.fail(invalidToken(MsgInvalidResponse, RuleRoleAttribute, err))
	}
	res.Attributes = attrs

	// 18. Role attribute [R8][R7].
	roleValues := attrs[AttrRole]
	if len(roleValues) == 0 {
		return v.fail(accessDenied(RuleRoleAttribute, fmt.Errorf("assertion has no %s attribute value", AttrRole)))
	}
	var bad []string
	for _, rv := range roleValues {
		if pair, ok := ParseRoleValue(rv); ok {
			res.Roles = append(res.Roles, pair)
		} else {
			bad = append(bad, rv)
		}
	}
	detail := fmt.Sprintf("%d role pairs", len(res.Roles))
	if len(bad) > 0 {
		detail += fmt.Sprintf("; ignored malformed values %q", bad)
	}
	v.pass(RuleRoleAttribute, "%s", detail)

	// 19. Requested pair present [R8] (UNCONFIRMED that STS checks it).
	want := RolePair{RoleARN: v.req.RoleARN, PrincipalARN: v.req.PrincipalARN}
	found := false
	for _, pr := range res.Roles {
		if pr == want {
			found = true
			break
		}
	}
	if !found {
		return v.fail(accessDenied(RuleRolePair,
			fmt.Errorf("the Role attribute has no value pairing %s with %s (%s)", want.RoleARN, want.PrincipalARN, detail)))
	}
	v.pass(RuleRolePair, "%s is offered with %s", want.RoleARN, want.PrincipalARN)

	// 20. RoleSessionName [R7][R8].
	rsn := attrs[AttrRoleSessionName]
	if len(rsn) == 0 {
		return v.fail(invalidToken(MsgSessionNameMissing, RuleRoleSessionName, errors.New("no RoleSessionName attribute")))
	}
	if len(rsn) != 1 || !sessionNameRE.MatchString(rsn[0]) {
		return v.fail(invalidToken(MsgSessionNameInvalid, RuleRoleSessionName,
			fmt.Errorf("RoleSessionName values %q, want one matching [a-zA-Z_0-9+=,.@-]{2,64}", rsn)))
	}
	res.RoleSessionName = rsn[0]
	v.pass(RuleRoleSessionName, "%q", rsn[0])

	// 21. SourceIdentity [R7][R8].
	if si, ok := attrs[AttrSourceIdentity]; ok {
		if len(si) != 1 || !sessionNameRE.MatchString(si[0]) || strings.HasPrefix(strings.ToLower(si[0]), "aws:") {
			return v.fail(invalidToken(MsgSourceIdentity, RuleSourceIdentity, fmt.Errorf("SourceIdentity values %q", si)))
		}
		res.SourceIdentity = si[0]
		v.pass(RuleSourceIdentity, "%q", si[0])
	} else {
		v.pass(RuleSourceIdentity, "absent")
	}

	// 22. SessionDuration [R8] (out-of-range handling UNCONFIRMED).
	if sd, ok := attrs[AttrSessionDuration]; ok {
		n, err := 0, error(nil)
		if len(sd) == 1 {
			n, err = strconv.Atoi(sd[0])
		} else {
			err = fmt.Errorf("%d values", len(sd))
		}
		if err != nil || n < MinSessionDuration || n > MaxSessionDuration {
			return v.fail(invalidToken(MsgSessionDuration, RuleSessionDuration,
				fmt.Errorf("SessionDuration %q, want one integer in %d..%d", sd, MinSessionDuration, MaxSessionDuration)))
		}
		res.SessionDuration = n
		v.pass(RuleSessionDuration, "%d seconds", n)
	} else {
		v.pass(RuleSessionDuration, "absent")
	}

	// 23. Session tags [R8][R15].
	if e := readTags(attrs, res); e != nil {
		return v.fail(e)
	}
	v.pass(RulePrincipalTags, "%d tags, %d transitive", len(res.PrincipalTags), len(res.TransitiveTagKeys))

	res.AssertionID, _ = attr(a, "ID")
	return res, v.steps, nil
}

func orErr(err error, msg string) error {
	if err != nil {
		return err
	}
	return errors.New(msg)
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, strconv.Quote(k))
	}
	return out
}

// checkModel applies AssumeRoleWithSAML's model constraints [R1] and returns
// the ValidationError AWS's Query protocol produces [R52].
func checkModel(req Request) *Error {
	var msgs []string
	length := func(member, value string, sensitive bool, lo, hi int) {
		// A character is 1-4 bytes: count them only when the byte
		// length leaves the verdict open (a SAMLAssertion is long).
		n := len(value)
		if n < 4*lo || n > hi {
			n = utf8.RuneCountInString(value)
		}
		if n >= lo && n <= hi {
			return
		}
		shown := fmt.Sprintf("Value '%s' at '%s'", value, member)
		if sensitive {
			// Sensitive members are not echoed (inferred from AWS's
			// Cognito password errors). UNCONFIRMED.
			shown = fmt.Sprintf("Value at '%s'", member)
		}
		if n < lo {
			msgs = append(msgs, fmt.Sprintf("%s failed to satisfy constraint: Member must have length greater than or equal to %d", shown, lo))
		} else {
			msgs = append(msgs, fmt.Sprintf("%s failed to satisfy constraint: Member must have length less than or equal to %d", shown, hi))
		}
	}
	length("roleArn", req.RoleARN, false, 20, 2048)
	length("principalArn", req.PrincipalARN, false, 20, 2048)
	length("sAMLAssertion", req.SAMLAssertion, true, MinAssertionChars, MaxAssertionChars)
	if d := req.DurationSeconds; d != 0 {
		switch {
		case d < MinSessionDuration:
			msgs = append(msgs, fmt.Sprintf("Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to %d", d, MinSessionDuration))
		case d > MaxSessionDuration:
			msgs = append(msgs, fmt.Sprintf("Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to %d", d, MaxSessionDuration))
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	noun := "error"
	if len(msgs) > 1 {
		noun = "errors"
	}
	msg := fmt.Sprintf("%d validation %s detected: %s", len(msgs), noun, strings.Join(msgs, "; "))
	return validationError(msg, RuleRequest, errors.New("request violates the AssumeRoleWithSAML model"))
}

// errEncrypted marks a refused EncryptedAssertion.
type errEncrypted struct{ error }

// checkStructure enforces the response shape and returns the assertion of
// the posted tree. Signature wrapping (XSW) attacks need a second assertion,
// a signature elsewhere than on its parent, a reference to another element
// or duplicate IDs; all are refused here, before any signature is checked,
// and reading only from goxmldsig's verified copy is the second line.
func checkStructure(resp *etree.Element) (*etree.Element, error) {
	var assertions []*etree.Element
	ids := map[string]bool{}
	var walkErr error
	var walk func(el *etree.Element)
	walk = func(el *etree.Element) {
		if walkErr != nil {
			return
		}
		if id, ok := attr(el, "ID"); ok {
			if ids[id] {
				walkErr = fmt.Errorf("ID %q appears twice", id)
				return
			}
			ids[id] = true
		}
		switch {
		case is(el, nsAssertion, "EncryptedAssertion"):
			// Decryption is not implemented: IAM providers hold the key
			// [R2], this emulator does not. Refuse clearly.
			walkErr = errEncrypted{errors.New("EncryptedAssertion is not supported by the emulator (no decryption key); send a plaintext signed assertion")}
			return
		case is(el, nsAssertion, "Assertion"):
			assertions = append(assertions, el)
		case is(el, nsDSig, "Signature"):
			p := el.Parent()
			if p != resp && !(is(p, nsAssertion, "Assertion") && p.Parent() == resp) {
				walkErr = fmt.Errorf("ds:Signature under a %s that is not the root Response or its Assertion", p.Tag)
				return
			}
		}
		for _, c := range el.ChildElements() {
			walk(c)
		}
	}
	walk(resp)
	if walkErr != nil {
		return nil, walkErr
	}
	if len(assertions) != 1 {
		return nil, fmt.Errorf("response has %d Assertion elements, want exactly 1", len(assertions))
	}
	a := assertions[0]
	if a.Parent() != resp {
		return nil, fmt.Errorf("the Assertion is inside %s, want a direct child of the Response", a.Parent().Tag)
	}
	for _, el := range []*etree.Element{resp, a} {
		sigs := children(el, nsDSig, "Signature")
		if len(sigs) > 1 {
			return nil, fmt.Errorf("%s has %d signatures, want at most 1", el.Tag, len(sigs))
		}
		if len(sigs) == 1 {
			if err := checkReference(el, sigs[0]); err != nil {
				return nil, err
			}
		}
	}
	return a, nil
}

// checkReference requires an enveloped signature with exactly one
// Reference, to its parent's ID (SAML core §5.4.2).
func checkReference(parent, sig *etree.Element) error {
	id, _ := attr(parent, "ID")
	if id == "" {
		return fmt.Errorf("signed %s has no ID", parent.Tag)
	}
	si, err := child(sig, nsDSig, "SignedInfo")
	if err != nil || si == nil {
		return orErr(err, "signature has no SignedInfo")
	}
	refs := children(si, nsDSig, "Reference")
	if len(refs) != 1 {
		return fmt.Errorf("signature on %s has %d references, want 1", parent.Tag, len(refs))
	}
	if uri, _ := attr(refs[0], "URI"); uri != "#"+id {
		return fmt.Errorf("signature on %s references %q, want %q", parent.Tag, uri, "#"+id)
	}
	return nil
}

// checkStatus requires a Success status when a Status is present
// (UNCONFIRMED whether STS checks it, reference §2.2).
func checkStatus(resp *etree.Element) *Error {
	st, err := child(resp, nsProtocol, "Status")
	if err != nil {
		return invalidToken(MsgInvalidResponse, RuleStatus, err)
	}
	if st == nil {
		return nil
	}
	code, err := child(st, nsProtocol, "StatusCode")
	if err != nil || code == nil {
		return invalidToken(MsgInvalidResponse, RuleStatus, orErr(err, "response Status has no StatusCode"))
	}
	if v, _ := attr(code, "Value"); v != statusSuccess {
		return invalidToken(MsgInvalidResponse, RuleStatus, fmt.Errorf("StatusCode %q, want %s", v, statusSuccess))
	}
	return nil
}

// checkAudience requires Conditions with at least one AudienceRestriction,
// each naming AWS (an AudienceRestriction holds when any of its Audiences
// matches; all restrictions must hold, SAML core §2.5.1.4).
func checkAudience(conditions *etree.Element) *Error {
	if conditions == nil {
		return invalidToken(MsgAudience, RuleAudience, errors.New("assertion has no Conditions, so no AudienceRestriction"))
	}
	ars := children(conditions, nsAssertion, "AudienceRestriction")
	if len(ars) == 0 {
		return invalidToken(MsgAudience, RuleAudience, errors.New("assertion Conditions has no AudienceRestriction"))
	}
	for _, ar := range ars {
		var seen []string
		ok := false
		for _, au := range children(ar, nsAssertion, "Audience") {
			s, err := text(au)
			if err != nil {
				return invalidToken(MsgAudience, RuleAudience, err)
			}
			seen = append(seen, s)
			if s == AWSAudience || recipientRE.MatchString(s) {
				ok = true
			}
		}
		if !ok {
			return invalidToken(MsgAudience, RuleAudience,
				fmt.Errorf("AudienceRestriction %q names neither %s nor an AWS sign-in endpoint", seen, AWSAudience))
		}
	}
	return nil
}

// readAttributes returns every attribute of the assertion's
// AttributeStatements by Name; values of repeated Names are merged.
func readAttributes(a *etree.Element) (map[string][]string, error) {
	out := map[string][]string{}
	for _, st := range children(a, nsAssertion, "AttributeStatement") {
		for _, at := range children(st, nsAssertion, "Attribute") {
			name, _ := attr(at, "Name")
			vals := children(at, nsAssertion, "AttributeValue")
			if _, ok := out[name]; !ok {
				out[name] = []string{}
			}
			for _, ve := range vals {
				s, err := text(ve)
				if err != nil {
					return nil, fmt.Errorf("attribute %s: %w", name, err)
				}
				out[name] = append(out[name], s)
			}
		}
	}
	return out, nil
}

// readTags fills res.PrincipalTags and TransitiveTagKeys [R8][R15].
func readTags(attrs map[string][]string, res *Result) *Error {
	bad := func(format string, args ...any) *Error {
		return invalidToken(MsgPrincipalTag, RulePrincipalTags, fmt.Errorf(format, args...))
	}
	lower := map[string]string{}
	for name, vals := range attrs {
		key, ok := strings.CutPrefix(name, AttrPrincipalTag)
		if !ok {
			continue
		}
		if n := utf8.RuneCountInString(key); n < 1 || n > MaxTagKeyChars || !tagCharsRE.MatchString(key) {
			return bad("tag key %q: want 1-%d characters of [\\p{L}\\p{Z}\\p{N}_.:/=+-@]", key, MaxTagKeyChars)
		}
		if strings.HasPrefix(strings.ToLower(key), "aws:") {
			return bad("tag key %q: the aws: prefix is reserved", key)
		}
		if len(vals) != 1 {
			return bad("tag %q has %d values; session tags take exactly one", key, len(vals))
		}
		if n := utf8.RuneCountInString(vals[0]); n > MaxTagValueChars || !tagCharsRE.MatchString(vals[0]) {
			return bad("tag %q value: want 0-%d characters of [\\p{L}\\p{Z}\\p{N}_.:/=+-@]", key, MaxTagValueChars)
		}
		if prev, dup := lower[strings.ToLower(key)]; dup {
			return bad("tag keys %q and %q differ only in case; keys are case-insensitive", prev, key)
		}
		lower[strings.ToLower(key)] = key
		res.PrincipalTags[key] = vals[0]
	}
	if len(res.PrincipalTags) > MaxPrincipalTags {
		return bad("%d session tags, want at most %d", len(res.PrincipalTags), MaxPrincipalTags)
	}
	tk := attrs[AttrTransitiveTagKeys]
	if len(tk) > MaxTransitiveTagKey {
		return bad("%d transitive tag keys, want at most %d", len(tk), MaxTransitiveTagKey)
	}
	for _, k := range tk {
		if _, ok := lower[strings.ToLower(k)]; !ok {
			return bad("transitive tag key %q is not a PrincipalTag of the assertion", k)
		}
	}
	res.TransitiveTagKeys = tk
	return nil
}

// ParseRoleValue splits a Role attribute value "role-ARN,provider-ARN" in
// either order [R8] and reports whether it is well-formed: exactly two
// comma-separated IAM ARNs, one role and one SAML provider. Values are not
// trimmed.
func ParseRoleValue(s string) (RolePair, bool) {
	parts := strings.Split(s, ",")
	if len(parts) != 2 {
		return RolePair{}, false
	}
	a, b := parts[0], parts[1]
	switch {
	case roleARNRE.MatchString(a) && samlARNRE.MatchString(b):
		return RolePair{RoleARN: a, PrincipalARN: b}, true
	case samlARNRE.MatchString(a) && roleARNRE.MatchString(b):
		return RolePair{RoleARN: b, PrincipalARN: a}, true
	}
	return RolePair{}, false
}

// parseSAMLProviderARN returns the account and name of a SAML provider ARN.
func parseSAMLProviderARN(arn string) (account, name string, ok bool) {
	m := samlARNRE.FindStringSubmatch(arn)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

// NameQualifier returns Base64(SHA1(issuer + account + "/" + providerName))
// as STS computes it [R1] (reference §1.3, §12.2), or, with
// slashAfterIssuer, Base64(SHA1(issuer + "/" + account + "/" +
// providerName)), the condition-key page's wording [R14].
func NameQualifier(issuer, account, providerName string, slashAfterIssuer bool) string {
	s := issuer + account + "/" + providerName
	if slashAfterIssuer {
		s = issuer + "/" + account + "/" + providerName
	}
	sum := sha1.Sum([]byte(s))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// signed is the outcome of signature verification.
type signed struct {
	// assertion is the verified assertion: goxmldsig's canonical copy of
	// the Assertion, or the Assertion inside the verified Response.
	assertion *etree.Element
	// responseIssuer is the Response's Issuer if present (from the
	// verified Response when it is signed); nil if absent.
	responseIssuer *string
	certs          []*x509.Certificate // certificates that verified
	entityIDs      map[string]bool     // entityIDs of the IdPs holding them
	algorithms     []string            // signature and digest methods used
	summary        string
}

// verifySignatures verifies the Response and Assertion signatures of the
// posted tree (shape already checked by checkStructure).
func (v *verifier) verifySignatures(resp, assertion *etree.Element) (*signed, *Error) {
	fail := func(format string, args ...any) (*signed, *Error) {
		return nil, invalidToken(MsgSignatureInvalid, RuleSignature, fmt.Errorf(format, args...))
	}
	if v.p.Metadata == nil || len(v.p.Metadata.IdPs) == 0 {
		return fail("provider %s has no metadata", v.p.ARN)
	}
	out := &signed{entityIDs: map[string]bool{}}
	var parts []string

	respSig, _ := child(resp, nsDSig, "Signature")
	var verifiedResp *etree.Element
	if respSig != nil {
		el, c, err := v.validate(resp)
		if err != nil {
			return fail("response signature: %v", err)
		}
		verifiedResp = el
		out.addCert(v.p.Metadata, c)
		out.algorithms = append(out.algorithms, algorithms(respSig)...)
		parts = append(parts, fmt.Sprintf("Response signed by %q", c.Subject))
	}

	aSig, _ := child(assertion, nsDSig, "Signature")
	switch {
	case aSig != nil:
		// Detach with the in-scope namespaces, as the signer saw them.
		ctx, err := etreeutils.NSBuildParentContext(assertion)
		if err != nil {
			return fail("assertion namespaces: %v", err)
		}
		det, err := etreeutils.NSDetatch(ctx, assertion)
		if err != nil {
			return fail("assertion namespaces: %v", err)
		}
		el, c, err := v.validate(det)
		if err != nil {
			return fail("assertion signature: %v", err)
		}
		out.assertion = el
		out.addCert(v.p.Metadata, c)
		out.algorithms = append(out.algorithms, algorithms(aSig)...)
		parts = append(parts, fmt.Sprintf("Assertion signed by %q", c.Subject))
	case verifiedResp != nil && v.s.AllowUnsignedAssertionInSignedResponse:
		as := children(verifiedResp, nsAssertion, "Assertion")
		if len(as) != 1 {
			return fail("verified Response has %d assertions, want 1", len(as))
		}
		out.assertion = as[0]
		parts = append(parts, "unsigned Assertion read from the verified Response (Settings.AllowUnsignedAssertionInSignedResponse)")
	case verifiedResp != nil:
		return fail("the Assertion is not signed; only the Response is (AWS asks WantAssertionsSigned; Settings.AllowUnsignedAssertionInSignedResponse)")
	default:
		return fail("neither the Response nor the Assertion is signed")
	}

	// The Response Issuer: from the verified Response when signed; else
	// from the posted tree, where it can only cause a rejection.
	src := resp
	if verifiedResp != nil {
		src = verifiedResp
	}
	if ri, err := child(src, nsAssertion, "Issuer"); err != nil {
		return fail("%v", err)
	} else if ri != nil {
		s, err := text(ri)
		if err != nil {
			return fail("response Issuer: %v", err)
		}
		out.responseIssuer = &s
	}
	out.summary = strings.Join(parts, "; ")
	return out, nil
}

func (s *signed) addCert(md *Metadata, c *x509.Certificate) {
	s.certs = append(s.certs, c)
	for _, idp := range md.IdPs {
		for _, mc := range idp.SigningCertificates() {
			if mc.Cert.Equal(c) {
				s.entityIDs[idp.EntityID] = true
			}
		}
	}
}

// validate verifies el's enveloped signature against the metadata signing
// certificates and returns goxmldsig's verified copy and the certificate
// that verified it.
//
// goxmldsig checks the certificate's validity window itself; its clock is
// set inside the window so that the cryptographic verdict is separate from
// the validity verdict, which Verify reports as certificate-validity.
//
// When the signature names its certificate the usual way (one KeyInfo
// holding one X509Data of X509Certificates) and the first one is a metadata
// signing certificate, byte for byte, goxmldsig gets that certificate as its
// only trusted one and the signature without its KeyInfo, for the duration
// of the call. That is the check goxmldsig makes on the KeyInfo (its first
// certificate must equal a trusted one) without decoding and parsing that
// certificate again on every call; KeyInfo lies outside what an enveloped
// signature covers, so the digest and the verified copy are the same. Any
// other KeyInfo, or a certificate that is not in the metadata, takes the
// general path: goxmldsig with the KeyInfo, against each metadata signing
// certificate in turn.
func (v *verifier) validate(el *etree.Element) (*etree.Element, *x509.Certificate, error) {
	if c, ki := keyInfoCertificate(el, v.p.Metadata); c != nil {
		sig, i := ki.Parent(), ki.Index()
		sig.RemoveChildAt(i)
		out, err := validateWith(el, c)
		sig.InsertChildAt(i, ki)
		if err != nil {
			return nil, nil, err
		}
		return out, c, nil
	}
	var lastErr error
	for _, idp := range v.p.Metadata.IdPs {
		for _, c := range idp.SigningCertificates() {
			out, err := validateWith(el, c.Cert)
			if err == nil {
				return out, c.Cert, nil
			}
			// Keep the most telling error: one from the certificate the
			// signature names beats "not among trusted certs".
			if lastErr == nil || !strings.Contains(err.Error(), "Could not verify certificate against trusted certs") {
				lastErr = err
			}
		}
	}
	if lastErr != nil && strings.Contains(lastErr.Error(), "Could not verify certificate against trusted certs") {
		return nil, nil, fmt.Errorf("signed with a certificate that is not in the provider's metadata: %w", lastErr)
	}
	return nil, nil, lastErr
}

// validateWith runs goxmldsig on el with c as the only trusted certificate.
func validateWith(el *etree.Element, c *x509.Certificate) (*etree.Element, error) {
	ctx := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{c}})
	ctx.Clock = dsig.NewFakeClockAt(c.NotBefore)
	return ctx.Validate(el)
}

// keyInfoCertificate returns the metadata signing certificate that the
// KeyInfo of el's signature names, and that KeyInfo, when the signature has
// the usual shape: el has one ds:Signature child, which has one child named
// KeyInfo (goxmldsig counts them by local name), in the ds namespace, holding
// only a ds:X509Data that holds only ds:X509Certificates, the first of which
// is base64 (goxmldsig drops ASCII whitespace first) of the DER of a
// metadata signing certificate. Otherwise it returns nil, nil.
func keyInfoCertificate(el *etree.Element, md *Metadata) (*x509.Certificate, *etree.Element) {
	sig, err := child(el, nsDSig, "Signature")
	if err != nil || sig == nil {
		return nil, nil
	}
	var ki *etree.Element
	for _, c := range sig.ChildElements() {
		if c.Tag == "KeyInfo" {
			if ki != nil {
				return nil, nil
			}
			ki = c
		}
	}
	if !is(ki, nsDSig, "KeyInfo") {
		return nil, nil
	}
	data := ki.ChildElements()
	if len(data) != 1 || !is(data[0], nsDSig, "X509Data") {
		return nil, nil
	}
	certs := data[0].ChildElements()
	if len(certs) == 0 {
		return nil, nil
	}
	for _, c := range certs {
		if !is(c, nsDSig, "X509Certificate") {
			return nil, nil
		}
	}
	b64, err := text(certs[0])
	if err != nil {
		return nil, nil
	}
	if strings.ContainsAny(b64, " \t\n\f\r") {
		b64 = strings.Map(func(r rune) rune {
			if strings.ContainsRune(" \t\n\f\r", r) {
				return -1
			}
			return r
		}, b64)
	}
	der, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(der) == 0 {
		return nil, nil
	}
	for _, idp := range md.IdPs {
		for _, c := range idp.SigningCertificates() {
			if bytes.Equal(c.Cert.Raw, der) {
				return c.Cert, ki
			}
		}
	}
	return nil, nil
}

// algorithms returns the SignatureMethod and DigestMethod URIs of sig. It
// reads the posted tree: checkStructure ensured sig is the only signature
// that can reference its parent, so these are the algorithms goxmldsig
// verified, and the values can only cause a rejection.
func algorithms(sig *etree.Element) []string {
	var out []string
	si, _ := child(sig, nsDSig, "SignedInfo")
	if si == nil {
		return nil
	}
	for _, sm := range children(si, nsDSig, "SignatureMethod") {
		a, _ := attr(sm, "Algorithm")
		out = append(out, a)
	}
	for _, ref := range children(si, nsDSig, "Reference") {
		for _, dm := range children(ref, nsDSig, "DigestMethod") {
			a, _ := attr(dm, "Algorithm")
			out = append(out, a)
		}
	}
	return out
}
