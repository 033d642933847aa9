package main

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/breakglass-dev/breakglass/capture"
	"github.com/breakglass-dev/breakglass/sp/samlcheck"
)

func explainCommands() []command {
	return []command{
		{"explain", "explain AWS's verdict on a captured SAMLResponse, or the causes of an error message", (*cli).explain},
	}
}

// Placeholders used when neither the flags nor the assertion name a role
// pair; they share an account so that only the assertion's checks can fail.
const (
	placeholderRole     = "arn:aws:iam::000000000000:role/RoleFromTheRequest"
	placeholderProvider = "arn:aws:iam::000000000000:saml-provider/ProviderFromTheRequest"
	// explainRequestID stands for the request id AWS puts in the issuer
	// error's nested text, which explain cannot know.
	explainRequestID = "<request-id>"
	awsAttrPrefix    = "https://aws.amazon.com/SAML/Attributes/"
)

// Verdict statuses.
const (
	verdictSuccess = "success"
	verdictRefused = "refused"
	verdictUnknown = "unknown"
)

// explainReport is explain's result; --format json prints it as is.
type explainReport struct {
	Input    explainInput     `json:"input"`
	Document *explainDocument `json:"document,omitempty"`
	Request  explainRequest   `json:"request"`
	Steps    []explainStep    `json:"steps"`
	// Account lists the checks AWS applies after the SAML rules, which
	// need the account (provider, role, trust policy): never judged here.
	Account []explainStep  `json:"account_checks"`
	Notes   []string       `json:"notes,omitempty"`
	Verdict explainVerdict `json:"verdict"`
}

type explainInput struct {
	Form     string `json:"form"`
	Source   string `json:"source,omitempty"`
	Deflated bool   `json:"deflated,omitempty"`
}

type explainRequest struct {
	RoleARN      string `json:"role_arn"`
	PrincipalARN string `json:"principal_arn"`
	// RoleFrom is "flags", "assertion" (its first Role pair) or
	// "placeholder".
	RoleFrom string    `json:"role_from"`
	At       time.Time `json:"at"`
	AtFrom   string    `json:"at_from"` // "now", "flag" or "issue-instant"
	Metadata string    `json:"metadata,omitempty"`
}

type explainStep struct {
	Rule   string `json:"rule"`
	Status string `json:"status"` // pass, fail, skipped, unknown
	Detail string `json:"detail,omitempty"`
}

type explainVerdict struct {
	Status  string `json:"status"` // success, refused, unknown
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
	Rule    string `json:"rule,omitempty"`
	Fix     string `json:"fix,omitempty"`
	Drill   string `json:"drill,omitempty"`
	// Unknown lists the rules that could not be judged.
	Unknown []string `json:"unknown,omitempty"`
}

// Line returns the machine-readable last line of the text output.
func (v explainVerdict) Line() string {
	switch v.Status {
	case verdictSuccess:
		return "verdict: success"
	case verdictRefused:
		return fmt.Sprintf("verdict: %s: %s", v.Code, v.Message)
	default:
		return fmt.Sprintf("verdict: unknown: %s not judged", strings.Join(v.Unknown, ", "))
	}
}

// explainDocument is the display form of the assertion: no signature value
// or certificate bytes, long values abbreviated, secret-looking attributes
// redacted.
type explainDocument struct {
	Root                     string             `json:"root"`
	ResponseID               string             `json:"response_id,omitempty"`
	Destination              string             `json:"destination,omitempty"`
	Status                   string             `json:"status,omitempty"`
	ResponseIssuer           string             `json:"response_issuer,omitempty"`
	AssertionID              string             `json:"assertion_id,omitempty"`
	Issuer                   string             `json:"issuer,omitempty"`
	IssueInstant             string             `json:"issue_instant,omitempty"`
	NameID                   string             `json:"name_id,omitempty"`
	NameIDFormat             string             `json:"name_id_format,omitempty"`
	Recipient                string             `json:"recipient,omitempty"`
	ConfirmationNotOnOrAfter string             `json:"confirmation_not_on_or_after,omitempty"`
	Audiences                []string           `json:"audiences,omitempty"`
	NotBefore                string             `json:"not_before,omitempty"`
	NotOnOrAfter             string             `json:"not_on_or_after,omitempty"`
	AuthnInstant             string             `json:"authn_instant,omitempty"`
	SessionNotOnOrAfter      string             `json:"session_not_on_or_after,omitempty"`
	Encrypted                bool               `json:"encrypted,omitempty"`
	Attributes               []explainAttribute `json:"attributes,omitempty"`
	Signatures               []explainSignature `json:"signatures,omitempty"`
}

type explainAttribute struct {
	Name   string   `json:"name"`
	Values []string `json:"values"`
}

type explainSignature struct {
	On          string `json:"on"`
	Method      string `json:"method"`
	Digest      string `json:"digest"`
	Reference   string `json:"reference"`
	Certificate string `json:"certificate,omitempty"` // subject, validity, abbreviated fingerprint
}

func (c *cli) explain(ctx context.Context, args []string) error {
	fs := c.flagSet("explain", "RESPONSE|- [--metadata F] [--role-arn ARN --principal-arn ARN] [--at TIME|issue] [--format text|json] | --error MESSAGE")
	metadata := fs.String("metadata", "", "IdP metadata of the IAM SAML provider (as uploaded to IAM): verify the signature and issuer against it")
	provider := fs.String("provider", "", "read the metadata of this IAM SAML provider ARN from a target (with --endpoint) instead of --metadata")
	endpoint := fs.String("endpoint", "", "AWS endpoint of --provider (breakglass serve, LocalStack)")
	roleARN := fs.String("role-arn", "", "RoleArn of the AssumeRoleWithSAML call (default: the assertion's first Role pair)")
	principalARN := fs.String("principal-arn", "", "PrincipalArn (the SAML provider) of the call (default: the assertion's first Role pair)")
	at := fs.String("at", "", `judge time windows at this instant: RFC 3339, or "issue" for the assertion's IssueInstant + 1s (default: now)`)
	format := fs.String("format", "text", "output: text or json")
	errMsg := fs.String("error", "", "explain an AWS error message instead of a response: causes, checks and the drill that reproduces it")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if *format != "text" && *format != "json" {
		return usagef("--format must be text or json, not %q", *format)
	}
	if *errMsg != "" {
		if fs.NArg() > 0 {
			return usagef("--error takes no RESPONSE argument")
		}
		return c.explainError(*errMsg, *format)
	}
	if fs.NArg() != 1 {
		return usagef("want one RESPONSE argument (a file, or - for stdin), got %d", fs.NArg())
	}
	if (*roleARN == "") != (*principalARN == "") {
		return usagef("--role-arn and --principal-arn go together")
	}
	capt, err := c.readCapture(fs.Arg(0))
	if err != nil {
		return err
	}
	rep := &explainReport{Input: explainInput{Form: string(capt.Form), Source: capt.Source, Deflated: capt.Deflated}}
	if capt.Deflated {
		rep.Notes = append(rep.Notes, "the value is DEFLATE-compressed (HTTP-Redirect encoding); AWS's sign-in endpoint takes the POST binding's plain base64")
	}
	doc, derr := samlcheck.Inspect(capt.XML)
	if derr == nil {
		rep.Document = displayDocument(doc)
	} else {
		rep.Notes = append(rep.Notes, fmt.Sprintf("cannot display the document: %v", derr))
	}

	// The request.
	req := samlcheck.Request{SAMLAssertion: capt.SAMLResponse, RoleARN: *roleARN, PrincipalARN: *principalARN}
	rep.Request.RoleFrom = "flags"
	if req.RoleARN == "" {
		rep.Request.RoleFrom = "placeholder"
		req.RoleARN, req.PrincipalARN = placeholderRole, placeholderProvider
		if doc != nil {
			if pair, ok := firstRolePair(doc); ok {
				req.RoleARN, req.PrincipalARN = pair.RoleARN, pair.PrincipalARN
				rep.Request.RoleFrom = "assertion"
			}
		}
	}
	rep.Request.RoleARN, rep.Request.PrincipalARN = req.RoleARN, req.PrincipalARN

	// The instant.
	now, from, err := explainInstant(*at, c.now(), doc)
	if err != nil {
		return err
	}
	rep.Request.At, rep.Request.AtFrom = now.UTC(), from

	// The checks: samlcheck, the emulator's own implementation.
	settings := samlcheck.Settings{RequestID: explainRequestID}
	var (
		res   *samlcheck.Result
		steps []samlcheck.Step
		verr  error
	)
	// The provider's metadata comes from a file or from the provider itself.
	var mdDoc []byte
	mdName := *metadata
	switch {
	case *provider != "" && *metadata != "":
		return usagef("--provider and --metadata exclude each other")
	case *provider != "":
		in, err := readProvider(ctx, *provider, *endpoint)
		if err != nil {
			return usageError{err}
		}
		mdDoc, mdName = in.doc, in.name
	case *metadata != "":
		b, err := os.ReadFile(*metadata)
		if err != nil {
			return usageError{fmt.Errorf("--metadata: %w", err)}
		}
		mdDoc = b
	}
	if mdDoc != nil {
		b := mdDoc
		md, err := samlcheck.ParseMetadata(b)
		if err != nil {
			var se *samlcheck.Error
			if errors.As(err, &se) && se.Detail() != "" {
				return usagef("metadata %s: IAM would refuse it: %v (%s)", mdName, err, se.Detail())
			}
			return usagef("metadata %s: %v", mdName, err)
		}
		rep.Request.Metadata = fmt.Sprintf("%s (entityID %s)", mdName, md.EntityID)
		res, steps, verr = samlcheck.Verify(req, samlcheck.Provider{ARN: req.PrincipalARN, Metadata: md}, now, settings)
	} else {
		res, steps, verr = samlcheck.VerifyUnverified(req, now, settings)
	}
	for _, st := range steps {
		rep.Steps = append(rep.Steps, explainStep{Rule: st.Rule, Status: st.Status, Detail: st.Detail})
	}
	rep.Account = accountChecks(req, doc, res)
	rep.Verdict = verdictOf(steps, verr)
	if rep.Verdict.Status == verdictRefused && len(rep.Verdict.Unknown) > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("AWS refuses this response either way; the error above is the one it gives if %s pass (they come first)", strings.Join(rep.Verdict.Unknown, ", ")))
	}

	if *format == "json" {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else if err := writeExplainText(c.stdout, rep); err != nil {
		return err
	}
	switch rep.Verdict.Status {
	case verdictSuccess:
		return nil
	case verdictRefused:
		return errCheckFailed
	default:
		return cannotJudge{fmt.Sprintf("cannot judge %s: pass --metadata with the provider's metadata", strings.Join(rep.Verdict.Unknown, ", "))}
	}
}

// readCapture reads RESPONSE (a file, or - for stdin) without reading more
// than capture.MaxSize+1 bytes.
func (c *cli) readCapture(name string) (*capture.Response, error) {
	var r io.Reader = c.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, usageError{fmt.Errorf("read RESPONSE: %w", err)}
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.Size() > capture.MaxSize {
			return nil, usagef("read RESPONSE %s: %v: %d bytes, at most %d", name, capture.ErrTooLarge, st.Size(), capture.MaxSize)
		}
		r = f
	}
	capt, err := capture.Read(r)
	if err != nil {
		return nil, usageError{fmt.Errorf("read RESPONSE %s: %w", name, err)}
	}
	return capt, nil
}

// explainInstant returns the instant to judge at and where it came from.
func explainInstant(at string, now time.Time, doc *samlcheck.Document) (time.Time, string, error) {
	switch at {
	case "":
		return now, "now", nil
	case "issue":
		if doc == nil || doc.IssueInstant == "" {
			return time.Time{}, "", usagef("--at issue: the assertion has no readable IssueInstant")
		}
		t, err := time.Parse(time.RFC3339Nano, doc.IssueInstant)
		if err != nil {
			return time.Time{}, "", usagef("--at issue: IssueInstant %q: %v", doc.IssueInstant, err)
		}
		return t.Add(time.Second), "issue-instant", nil
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return time.Time{}, "", usagef("--at %q: want RFC 3339 (2026-11-22T12:00:00Z) or issue", at)
	}
	return t, "flag", nil
}

func firstRolePair(doc *samlcheck.Document) (samlcheck.RolePair, bool) {
	for _, a := range doc.Attributes {
		if a.Name != samlcheck.AttrRole {
			continue
		}
		for _, v := range a.Values {
			if p, ok := samlcheck.ParseRoleValue(v); ok {
				return p, true
			}
		}
	}
	return samlcheck.RolePair{}, false
}

// verdictOf turns samlcheck's steps and error into the verdict.
func verdictOf(steps []samlcheck.Step, err error) explainVerdict {
	var v explainVerdict
	for _, st := range steps {
		if st.Status == samlcheck.StepUnknown {
			v.Unknown = append(v.Unknown, st.Rule)
		}
	}
	var se *samlcheck.Error
	switch {
	case errors.As(err, &se):
		v.Status, v.Code, v.Message, v.Rule = verdictRefused, se.Code, se.Message, se.Rule
		v.Fix = fixFor(se.Rule)
		if e, ok := matchCatalogue(se.Message); ok {
			v.Drill = e.drill
		}
	case err != nil:
		// samlcheck returns only *Error; anything else is a bug.
		v.Status, v.Code, v.Message = verdictRefused, samlcheck.CodeInvalidIdentityToken, samlcheck.MsgInvalidResponse
	case len(v.Unknown) > 0:
		v.Status = verdictUnknown
		v.Fix = "pass --metadata with the IdP metadata uploaded to the IAM SAML provider (aws iam get-saml-provider --saml-provider-arn ARN --query SAMLMetadataDocument --output text)"
	default:
		v.Status = verdictSuccess
	}
	return v
}

// fixFor says what to change when rule fails, from the reference's error
// catalogue (section 3) and the IAM troubleshooting guide [R7].
func fixFor(rule string) string {
	switch rule {
	case samlcheck.RuleRequest:
		return "fix the AssumeRoleWithSAML parameters (ARN lengths, DurationSeconds 900-43200, SAMLAssertion at most 100,000 characters)"
	case samlcheck.RuleProviderAccount:
		return "use a Role value whose provider ARN is in the role's account: each account needs its own IAM SAML provider"
	case samlcheck.RuleBase64, samlcheck.RuleXML, samlcheck.RuleResponse:
		return "send the whole SAMLResponse form value, unmodified: base64 of one samlp:Response document, namespace-well-formed, without DTD"
	case samlcheck.RuleStructure:
		return "send one plaintext Assertion, a direct child of the Response, signed with an enveloped signature that references its own unique ID"
	case samlcheck.RuleStatus:
		return "the IdP answered with a failure status: fix the sign-in at the IdP first"
	case samlcheck.RuleSignature, samlcheck.RuleCertificateValidity:
		return "upload the IdP's current signing certificate to the IAM SAML provider (aws iam update-saml-provider --saml-metadata-document file://metadata.xml), or make the IdP sign with the key in the metadata; a response edited after signing cannot be fixed"
	case samlcheck.RuleSignatureAlgorithm:
		return "configure the IdP to sign with RSA-SHA256 and SHA-256 digests"
	case samlcheck.RuleIssuer:
		return "make the assertion Issuer equal the entityID of the metadata uploaded to the provider (re-upload the IdP's metadata, or fix the IdP's entity ID)"
	case samlcheck.RuleSubjectConfirmation:
		return "set the ACS URL / Recipient to https://signin.aws.amazon.com/saml (or a regional sign-in endpoint) with one bearer SubjectConfirmation carrying Recipient and NotOnOrAfter"
	case samlcheck.RuleAudience:
		return "set the audience (SP entity ID) to urn:amazon:webservices or https://signin.aws.amazon.com/saml"
	case samlcheck.RuleIssueInstant:
		return "redeem the response within 5 minutes of issuance: sign in again, and check the IdP's clock"
	case samlcheck.RuleNotBefore:
		return "the IdP's clock is ahead: synchronise it (NTP)"
	case samlcheck.RuleNotOnOrAfter:
		return "the response has expired: sign in again, and check the IdP's clock and assertion lifetime"
	case samlcheck.RuleNameID:
		return "configure the IdP to send Subject/NameID (persistent, transient, emailAddress or unspecified)"
	case samlcheck.RuleRoleAttribute:
		return "send the https://aws.amazon.com/SAML/Attributes/Role attribute with role-ARN,provider-ARN values (check the user's group membership and the app's group filter)"
	case samlcheck.RuleRolePair:
		return "call with a RoleArn,PrincipalArn pair that the Role attribute offers"
	case samlcheck.RuleRoleSessionName:
		return "send RoleSessionName with one value of 2-64 characters [a-zA-Z_0-9+=,.@-] (no spaces: map it to the e-mail or user name)"
	case samlcheck.RuleSourceIdentity:
		return `send SourceIdentity with 2-64 characters [a-zA-Z_0-9+=,.@-], not starting with "aws:", or omit it`
	case samlcheck.RuleSessionDuration:
		return "send SessionDuration as one integer between 900 and 43200, or omit it"
	case samlcheck.RulePrincipalTags:
		return "keep session tags within AWS's limits: at most 50, one value each, key up to 128 and value up to 256 characters, no aws: prefix"
	}
	return ""
}

// accountChecks lists what AWS checks after the SAML rules, from the
// account: explain never judges them (reference §1, §4; sp/sts's order).
func accountChecks(req samlcheck.Request, doc *samlcheck.Document, res *samlcheck.Result) []explainStep {
	recipient, tags, source := "", false, false
	switch {
	case res != nil:
		recipient, tags, source = res.Audience, len(res.PrincipalTags) > 0, res.SourceIdentity != ""
	case doc != nil:
		recipient = doc.Recipient
		for _, a := range doc.Attributes {
			tags = tags || strings.HasPrefix(a.Name, samlcheck.AttrPrincipalTag)
			source = source || a.Name == samlcheck.AttrSourceIdentity
		}
	}
	actions := []string{"sts:AssumeRoleWithSAML"}
	if tags {
		actions = append(actions, "sts:TagSession (the assertion sends PrincipalTag attributes)")
	}
	if source {
		actions = append(actions, "sts:SetSourceIdentity (the assertion sends SourceIdentity)")
	}
	trust := fmt.Sprintf("the trust policy of %s allows %s for Federated %s", req.RoleARN, strings.Join(actions, ", "), req.PrincipalARN)
	if recipient != "" {
		trust += fmt.Sprintf("; its SAML:aud condition, if any, must list %s", recipient)
		if recipient != "https://signin.aws.amazon.com/saml" && strings.HasSuffix(recipient, ".signin.aws.amazon.com/saml") {
			trust += " (a regional endpoint: a SAML:aud naming only https://signin.aws.amazon.com/saml refuses it with AccessDenied, the regional-failover trap)"
		}
	}
	return []explainStep{
		{Rule: "provider-exists", Status: samlcheck.StepUnknown, Detail: fmt.Sprintf("the IAM SAML provider %s exists and holds the metadata the signature was checked with (else InvalidIdentityToken: Specified provider doesn't exist.)", req.PrincipalARN)},
		{Rule: "role-exists", Status: samlcheck.StepUnknown, Detail: fmt.Sprintf("%s exists (else AccessDenied)", req.RoleARN)},
		{Rule: "max-session-duration", Status: samlcheck.StepUnknown, Detail: "DurationSeconds (default 3600) is at most the role's MaxSessionDuration (else ValidationError)"},
		{Rule: "trust-policy", Status: samlcheck.StepUnknown, Detail: trust + " (else AccessDenied)"},
	}
}

// secretName matches attribute names whose values are never shown.
var secretName = regexp.MustCompile(`(?i)token|secret|passw|credential|cookie|session_?key`)

func displayDocument(d *samlcheck.Document) *explainDocument {
	out := &explainDocument{
		Root: d.Root, ResponseID: d.ResponseID, Destination: d.Destination, Status: d.Status, ResponseIssuer: d.ResponseIssuer,
		AssertionID: d.AssertionID, Issuer: d.Issuer, IssueInstant: d.IssueInstant,
		NameID: abbreviate(d.NameID), NameIDFormat: d.NameIDFormat, Recipient: d.Recipient,
		ConfirmationNotOnOrAfter: d.ConfirmationNotOnOrAfter, NotBefore: d.NotBefore, NotOnOrAfter: d.NotOnOrAfter,
		AuthnInstant: d.AuthnInstant, SessionNotOnOrAfter: d.SessionNotOnOrAfter, Encrypted: d.Encrypted,
	}
	for _, a := range d.Audiences {
		out.Audiences = append(out.Audiences, abbreviate(a))
	}
	for _, a := range d.Attributes {
		x := explainAttribute{Name: a.Name, Values: []string{}}
		for _, v := range a.Values {
			if secretName.MatchString(a.Name) && !strings.HasPrefix(a.Name, awsAttrPrefix) {
				v = fmt.Sprintf("<redacted: %d characters>", len(v))
			}
			x.Values = append(x.Values, abbreviate(v))
		}
		out.Attributes = append(out.Attributes, x)
	}
	for _, s := range d.Signatures {
		out.Signatures = append(out.Signatures, explainSignature{On: s.On, Method: s.Method, Digest: s.Digest, Reference: s.Reference, Certificate: describeCert(s.Certificate)})
	}
	return out
}

// abbreviate shortens long values (certificates, tokens pasted into
// attributes) to their ends and length.
func abbreviate(s string) string {
	const max = 160
	if len(s) <= max {
		return s
	}
	return fmt.Sprintf("%s…%s (%d characters)", s[:48], s[len(s)-8:], len(s))
}

func describeCert(c *x509.Certificate) string {
	if c == nil {
		return ""
	}
	sum := sha256.Sum256(c.Raw)
	return fmt.Sprintf("%s, valid %s to %s, SHA-256 %s… (unverified KeyInfo copy)", c.Subject,
		c.NotBefore.UTC().Format(time.DateOnly), c.NotAfter.UTC().Format(time.DateOnly), hex.EncodeToString(sum[:8]))
}

func writeExplainText(w io.Writer, rep *explainReport) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "  %s\t%s\n", k, v)
		}
	}
	in := "Input: " + rep.Input.Form
	if rep.Input.Source != "" {
		in += " (" + rep.Input.Source + ")"
	}
	fmt.Fprintln(tw, in)
	if d := rep.Document; d != nil {
		fmt.Fprintln(tw, "Response")
		row("Root", d.Root)
		row("ID", d.ResponseID)
		row("Destination", d.Destination)
		row("Issuer", d.ResponseIssuer)
		row("Status", d.Status)
		for _, s := range d.Signatures {
			if s.On == "Response" {
				row("Signature", signatureLine(s))
			}
		}
		if d.Encrypted {
			row("Assertion", "encrypted (EncryptedAssertion): not readable here")
		}
		fmt.Fprintln(tw, "Assertion")
		row("ID", d.AssertionID)
		row("Issuer", d.Issuer)
		row("IssueInstant", d.IssueInstant)
		nameID := d.NameID
		if d.NameIDFormat != "" {
			nameID += " (" + d.NameIDFormat + ")"
		}
		row("NameID", nameID)
		row("Recipient", d.Recipient)
		row("Confirmation NotOnOrAfter", d.ConfirmationNotOnOrAfter)
		row("Audience", strings.Join(d.Audiences, ", "))
		row("NotBefore", d.NotBefore)
		row("NotOnOrAfter", d.NotOnOrAfter)
		row("AuthnInstant", d.AuthnInstant)
		row("SessionNotOnOrAfter", d.SessionNotOnOrAfter)
		for _, s := range d.Signatures {
			if s.On == "Assertion" {
				row("Signature", signatureLine(s))
			}
		}
		if len(d.Attributes) > 0 {
			fmt.Fprintln(tw, "Attributes")
			for _, a := range d.Attributes {
				name := strings.TrimPrefix(a.Name, awsAttrPrefix)
				if len(a.Values) == 0 {
					row(name, "(no value)")
				}
				for i, v := range a.Values {
					if i > 0 {
						name = ""
					}
					fmt.Fprintf(tw, "  %s\t%s\n", name, v)
				}
			}
		}
	}
	fmt.Fprintln(tw, "Request")
	from := map[string]string{
		"flags":       "",
		"assertion":   " (the assertion's first Role pair; choose with --role-arn and --principal-arn)",
		"placeholder": " (placeholder: no Role pair in the assertion and no --role-arn/--principal-arn)",
	}[rep.Request.RoleFrom]
	row("RoleArn", rep.Request.RoleARN+from)
	row("PrincipalArn", rep.Request.PrincipalARN)
	at := map[string]string{"now": " (now)", "flag": " (--at)", "issue-instant": " (IssueInstant + 1s, --at issue)"}[rep.Request.AtFrom]
	row("At", rep.Request.At.Format(time.RFC3339Nano)+at)
	md := rep.Request.Metadata
	if md == "" {
		md = "none: the signature, certificate and issuer checks cannot be judged (--metadata)"
	}
	row("Metadata", md)
	fmt.Fprintln(tw, "Checks, in the order AWS applies them")
	for _, st := range rep.Steps {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", st.Status, st.Rule, st.Detail)
	}
	fmt.Fprintln(tw, "Not judged here (they need the AWS account; AWS applies them next)")
	for _, st := range rep.Account {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", st.Status, st.Rule, st.Detail)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(w, "Note: %s\n", n)
	}
	v := rep.Verdict
	switch v.Status {
	case verdictSuccess:
		fmt.Fprintln(w, "AWS's SAML rules accept this response; the account checks above decide the rest.")
	case verdictRefused:
		fmt.Fprintf(w, "Refused by rule %s.\n", v.Rule)
	}
	if v.Fix != "" {
		fmt.Fprintf(w, "Fix: %s\n", v.Fix)
	}
	if v.Drill != "" {
		fmt.Fprintf(w, "Reproduce: breakglass drill %s\n", v.Drill)
	}
	_, err := fmt.Fprintln(w, v.Line())
	return err
}

func signatureLine(s explainSignature) string {
	short := func(uri string) string {
		if i := strings.LastIndexAny(uri, "#/"); i >= 0 {
			return uri[i+1:]
		}
		return uri
	}
	out := fmt.Sprintf("%s, digest %s, reference %s", short(s.Method), short(s.Digest), s.Reference)
	if s.Certificate != "" {
		out += "; certificate " + s.Certificate
	}
	return out
}

// catalogueEntry is one error of the reference's catalogue (section 3),
// with the rules of samlcheck or the account checks that produce it.
type catalogueEntry struct {
	code    string   // AWS error code ("" for browser pages)
	message string   // AWS's text, exact where known
	match   []string // lowercase phrases that identify it in a pasted message
	causes  []string
	checks  []string
	drill   string // the built-in drill reproducing it, errors/<name>; "" if none
	fault   string // the IdP fault knob behind it, if any
}

// errorCatalogue is reference section 3, plus the emulator's wording where
// AWS's text is unknown (marked UNCONFIRMED).
func errorCatalogue() []catalogueEntry {
	return []catalogueEntry{
		{code: samlcheck.CodeInvalidIdentityToken, message: samlcheck.MsgSignatureInvalid, match: []string{"response signature invalid"},
			causes: []string{"the IdP signs with a key that is not in the IAM provider's metadata (certificate rotated, metadata not re-uploaded)", "the response was edited after signing", "the response or its assertion is not signed", "the signing certificate has expired (Failure Mode 2; emulator setting)", "SHA-1 signature (emulator setting)"},
			checks: []string{"breakglass explain RESPONSE --metadata <metadata uploaded to IAM>", "compare the KeyInfo certificate with aws iam get-saml-provider --saml-provider-arn ARN", "breakglass certs inspect on the IdP's certificate (expiry)"},
			drill:  "errors/signature-invalid", fault: "foreign-key"},
		{code: samlcheck.CodeInvalidIdentityToken, message: samlcheck.IssuerMessage("<request-id>"), match: []string{"issuer not present in specified provider"},
			causes: []string{"the assertion Issuer differs from the entityID of the metadata uploaded to the provider (metadata of another IdP or tenant, entity ID changed)"},
			checks: []string{"compare the response's Issuer with the metadata's entityID (breakglass explain RESPONSE --metadata FILE)"},
			drill:  "errors/issuer-not-in-provider", fault: "wrong-issuer"},
		{code: samlcheck.CodeInvalidIdentityToken, message: samlcheck.MsgSessionNameMissing, match: []string{"rolesessionname is required"},
			causes: []string{"the IdP does not send the https://aws.amazon.com/SAML/Attributes/RoleSessionName attribute"},
			checks: []string{"breakglass explain RESPONSE: look for RoleSessionName under Attributes", "the IdP app's attribute mapping"},
			drill:  "errors/role-session-name-missing", fault: "missing-role-session-name"},
		{code: samlcheck.CodeInvalidIdentityToken, message: samlcheck.MsgSessionNameInvalid, match: []string{"rolesessionname in authnresponse must match"},
			causes: []string{"RoleSessionName has a space or another character outside [a-zA-Z_0-9+=,.@-] (display name instead of e-mail)", "it is shorter than 2 or longer than 64 characters", "several values"},
			checks: []string{"breakglass explain RESPONSE: the role-session-name check shows the value"},
			drill:  "errors/role-session-name-invalid", fault: "invalid-role-session-name"},
		{code: samlcheck.CodeInvalidIdentityToken, message: samlcheck.MsgSourceIdentity, match: []string{"source identity must match"},
			causes: []string{`SourceIdentity starts with "aws:"`, "it is shorter than 2 or longer than 64 characters, or has other characters"},
			checks: []string{"breakglass explain RESPONSE: the source-identity check shows the value"},
			drill:  "errors/source-identity-invalid", fault: "invalid-source-identity"},
		{code: samlcheck.CodeAccessDenied, message: samlcheck.MsgNotAuthorized, match: []string{"not authorized to perform sts:assumerolewithsaml"},
			causes: []string{"the role does not exist or is misspelt in the Role value", "the trust policy lacks sts:AssumeRoleWithSAML for the provider", "a trust-policy condition fails, e.g. SAML:aud naming only the global endpoint after a regional failover", "PrincipalTag attributes without sts:TagSession, or SourceIdentity without sts:SetSourceIdentity", "no NameID in the assertion"},
			checks: []string{"breakglass explain RESPONSE (NameID, Recipient, tags)", "aws iam get-role --role-name NAME --query Role.AssumeRolePolicyDocument"},
			drill:  "errors/role-not-found", fault: "unknown-role"},
		{code: samlcheck.CodeExpiredToken, message: samlcheck.MsgResponseExpired, match: []string{"response has expired"},
			causes: []string{"NotOnOrAfter (Conditions or SubjectConfirmationData) or SessionNotOnOrAfter has passed: the response was redeemed late, or the IdP's clock is behind"},
			checks: []string{"breakglass explain RESPONSE --at <when it was sent>", "the IdP's clock and assertion lifetime"},
			drill:  "errors/response-expired", fault: "expired"},
		{code: samlcheck.CodeExpiredToken, message: samlcheck.MsgRedeemWindow, match: []string{"redeemed within 5 minutes"},
			causes: []string{"the assertion's IssueInstant is more than 5 minutes old (cached response, slow redemption, IdP clock behind)"},
			checks: []string{"breakglass explain RESPONSE --at issue", "the IdP's clock"},
			drill:  "errors/redeem-window", fault: "issued-in-past"},
		{code: samlcheck.CodeValidationError, message: "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.", match: []string{"exceeds the maxsessionduration"},
			causes: []string{"DurationSeconds (or the CLI's duration) is above the role's MaxSessionDuration; AWS does not clamp"},
			checks: []string{"aws iam get-role --role-name NAME --query Role.MaxSessionDuration"},
			drill:  "errors/duration-exceeds-max"},
		{code: samlcheck.CodeValidationError, message: "1 validation error detected: Value '<v>' at '<member>' failed to satisfy constraint: ...", match: []string{"validation error detected", "failed to satisfy constraint"},
			causes: []string{"a parameter breaks the API model: DurationSeconds below 900 or above 43200, SAMLAssertion over 100,000 characters, an ARN of the wrong length"},
			checks: []string{"the member named in the message"}},
		{code: samlcheck.CodeValidationError, message: samlcheck.MsgPrincipalOutside, match: []string{"principal exists outside the account"},
			causes: []string{"the Role value pairs a role in one account with a SAML provider in another (each account needs its own provider)"},
			checks: []string{"breakglass explain RESPONSE: the Role values under Attributes"},
			drill:  "errors/principal-outside-account", fault: "foreign-account-provider"},
		{code: "MalformedPolicyDocument", message: "(describes the defect in the session policy)", match: []string{"malformedpolicydocument"},
			causes: []string{"the Policy parameter is not a valid policy document"},
			checks: []string{"validate the session policy JSON"}},
		{code: "PackedPolicyTooLarge", message: "(reports the percentage of the packed size limit)", match: []string{"packedpolicytoolarge", "packed size"},
			causes: []string{"session policies plus session tags exceed the packed size limit"},
			checks: []string{"fewer or shorter PrincipalTag attributes and session policies"}},
		{code: "RegionDisabledException", message: "STS is not activated in this region for account:<id>. Your account administrator can activate STS in this region using the IAM Console.", match: []string{"sts is not activated in this region"},
			causes: []string{"the regional STS endpoint is deactivated for the account"},
			checks: []string{"IAM console, Account settings, STS endpoints"}},
		{code: "IDPRejectedClaim", message: "(free text)", match: []string{"idprejectedclaim"},
			causes: []string{"modelled by STS, no documented SAML trigger (UNCONFIRMED)"},
			checks: []string{"the full message text"}},
		{message: "Your request included an invalid SAML response. To logout, click here.", match: []string{"included an invalid saml response"},
			causes: []string{"the Role attribute is missing or has no well-formed role-ARN,provider-ARN value (the user is in no group the app maps to a role)"},
			checks: []string{"breakglass explain RESPONSE: the role-attribute check", "the user's group membership and the app's group filter"},
			fault:  "missing-role"},
		{code: samlcheck.CodeInvalidIdentityToken, message: "Specified provider doesn't exist.", match: []string{"specified provider doesn't exist", "specified provider does not exist"},
			causes: []string{"the provider ARN in the Role value (or PrincipalArn) names no IAM SAML provider: misspelt name, wrong account"},
			checks: []string{"aws iam list-saml-providers", "breakglass explain RESPONSE: the Role values"},
			drill:  "errors/provider-not-found", fault: "unknown-provider"},
		{code: samlcheck.CodeInvalidIdentityToken, message: samlcheck.MsgAudience, match: []string{"does not contain the required audience"},
			causes: []string{"Recipient is not an AWS sign-in endpoint (wrong ACS URL)", "AudienceRestriction names neither urn:amazon:webservices nor a sign-in endpoint"},
			checks: []string{"breakglass explain RESPONSE: Recipient and Audience"},
			drill:  "errors/audience", fault: "wrong-recipient"},
		{code: samlcheck.CodeInvalidInput, message: samlcheck.MsgCouldNotParseMetadata, match: []string{"could not parse metadata", "unable to parse metadata"},
			causes: []string{"metadata with a BOM, not UTF-8, or not well-formed", "no IdP signing certificate, a key under 1024 bits, or a certificate with a repeated extension"},
			checks: []string{"breakglass metadata lint FILE"}},
		// The emulator's wording where AWS's text is unknown.
		{code: samlcheck.CodeInvalidIdentityToken, message: samlcheck.MsgInvalidResponse, match: []string{"invalid saml response"},
			causes: []string{"UNCONFIRMED wording (emulator): the value is not base64, not XML, not a samlp:Response, has an unexpected shape (two assertions, an EncryptedAssertion, misplaced signatures) or a failure Status"},
			checks: []string{"breakglass explain RESPONSE: the first failing check"}},
		{code: samlcheck.CodeInvalidIdentityToken, message: samlcheck.MsgNotYetValid, match: []string{"not yet valid"},
			causes: []string{"UNCONFIRMED wording (emulator): NotBefore or IssueInstant lies in the future; the IdP's clock is ahead"},
			checks: []string{"the IdP's clock", "breakglass explain RESPONSE --at issue"},
			fault:  "issued-in-future"},
		{code: samlcheck.CodeInvalidIdentityToken, message: samlcheck.MsgSessionDuration, match: []string{"sessionduration in authnresponse"},
			causes: []string{"UNCONFIRMED wording (emulator): SessionDuration is not one integer between 900 and 43200"},
			checks: []string{"breakglass explain RESPONSE: the session-duration check"},
			fault:  "session-duration-out-of-range"},
		{code: samlcheck.CodeInvalidIdentityToken, message: samlcheck.MsgPrincipalTag, match: []string{"principaltag attributes in authnresponse"},
			causes: []string{"UNCONFIRMED wording (emulator): session tags break AWS's limits (count, length, characters, several values, aws: prefix)"},
			checks: []string{"breakglass explain RESPONSE: the principal-tags check"}},
	}
}

// Wrappers around the STS message in pasted text: the browser sign-in page
// [R37][R49] and the AWS CLI.
var (
	browserWrap = regexp.MustCompile(`(?s)^(.*?)\s*\(Service: AWSSecurityTokenService; Status Code: \d+; Error Code: (\w+); Request ID: [^)]*\)\.?\s*(?:Please try again\.?)?\s*$`)
	cliWrap     = regexp.MustCompile(`(?s)An error occurred \((\w+)\) when calling the \w+ operation:\s*(.*)$`)
)

// matchCatalogue finds the entry for a pasted message: the message alone,
// or wrapped by the browser page or the AWS CLI.
func matchCatalogue(msg string) (catalogueEntry, bool) {
	code := ""
	if m := cliWrap.FindStringSubmatch(msg); m != nil {
		code, msg = m[1], m[2]
	}
	// The issuer error nests a service error in its own text; only a
	// trailing browser wrapper is removed.
	if m := browserWrap.FindStringSubmatch(msg); m != nil && !strings.Contains(strings.ToLower(m[1]), "issuer not present") {
		code, msg = m[2], m[1]
	}
	low := strings.ToLower(strings.Join(strings.Fields(msg), " "))
	for _, e := range errorCatalogue() {
		if code != "" && e.code != "" && e.code != code && !strings.Contains(low, "issuer not present") {
			continue
		}
		for _, p := range e.match {
			if strings.Contains(low, p) {
				return e, true
			}
		}
	}
	// Codes whose text varies ("(free text)") match by code alone.
	for _, e := range errorCatalogue() {
		if code != "" && e.code == code && strings.HasPrefix(e.message, "(") {
			return e, true
		}
	}
	return catalogueEntry{}, false
}

func (c *cli) explainError(msg, format string) error {
	e, ok := matchCatalogue(msg)
	if !ok {
		if format == "json" {
			_ = json.NewEncoder(c.stdout).Encode(map[string]any{"known": false, "message": msg})
		} else {
			fmt.Fprintf(c.stdout, "Unknown message: %q\nThe reference's error catalogue (section 3) has no entry for it; paste the exact text AWS returned.\n", msg)
		}
		return cannotJudge{"no known cause for this message"}
	}
	if format == "json" {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Known   bool     `json:"known"`
			Code    string   `json:"code,omitempty"`
			Message string   `json:"message"`
			Causes  []string `json:"causes"`
			Checks  []string `json:"checks"`
			Drill   string   `json:"drill,omitempty"`
			Fault   string   `json:"fault,omitempty"`
		}{true, e.code, e.message, e.causes, e.checks, e.drill, e.fault})
	}
	w := c.stdout
	code := e.code
	if code == "" {
		code = "(sign-in page)"
	}
	fmt.Fprintf(w, "%s: %s\n\nCauses:\n", code, e.message)
	for _, s := range e.causes {
		fmt.Fprintf(w, "  - %s\n", s)
	}
	fmt.Fprintln(w, "Checks:")
	for _, s := range e.checks {
		fmt.Fprintf(w, "  - %s\n", s)
	}
	switch {
	case e.drill != "":
		fmt.Fprintf(w, "Reproduce: breakglass drill %s\n", e.drill)
	case e.fault != "":
		fmt.Fprintf(w, "Reproduce: breakglass idp mint --user alice --fault %s\n", e.fault)
	default:
		fmt.Fprintln(w, "Reproduce: no built-in drill")
	}
	return nil
}
