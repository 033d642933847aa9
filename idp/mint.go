package idp

import (
	"context"
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/beevik/etree"

	"github.com/breakglass-dev/breakglass/certs"
)

// SAML 2.0 names. Source: OASIS SAML 2.0 Core (saml-core-2.0-os).
const (
	nsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"

	NameIDFormatPersistent  = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
	NameIDFormatTransient   = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
	NameIDFormatEmail       = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
	NameIDFormatUnspecified = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
	nameIDFormatEntity      = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity"

	attrNameFormatURI = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"
	cmBearer          = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
	statusSuccess     = "urn:oasis:names:tc:SAML:2.0:status:Success"
	authnPassword     = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
	authnMFA          = "urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken"

	// timeFormat is xs:dateTime in UTC with milliseconds, as Okta sends it.
	timeFormat = "2006-01-02T15:04:05.000Z"

	// defaultLifetime is how long an assertion may be redeemed: AWS refuses
	// one issued more than 5 minutes ago (reference section 2.2).
	defaultLifetime = 5 * time.Minute
	// skew is how far the clock-skew faults move the response's times.
	skew = 10 * time.Minute
	// foreignAccount is the account the foreign-account-provider fault uses.
	foreignAccount = "999999999999"
)

// MintRequest asks for a signed SAML Response for one user of one app.
type MintRequest struct {
	// App is the app ID. Empty means the first configured app.
	App string
	// User is the username.
	User string
	// Groups are extra group memberships counted for this mint only (the
	// administrator adding the responder during a failover).
	Groups []string
	// Faults are deliberate defects to build in.
	Faults []Fault
	// InResponseTo is the ID of the AuthnRequest answered (SP-initiated SSO).
	InResponseTo string
	// MFA records that the user authenticated with a second factor.
	MFA bool
	// AuthnInstant is when the user authenticated. Zero means now.
	AuthnInstant time.Time
	// IgnoreDisabled mints even when the app is disabled, as the
	// administrator who has just enabled it would see.
	IgnoreDisabled bool
}

// Response is a minted SAML Response.
type Response struct {
	// ID and AssertionID are the IDs of the Response and its Assertion.
	ID, AssertionID string
	// XML is the serialized, signed Response.
	XML []byte
	// Destination is where the Response is to be POSTed (the ACS).
	Destination string
	// Roles are the Role attribute values sent, in order.
	Roles []string
	// IssueInstant and NotOnOrAfter bound the assertion's validity.
	IssueInstant, NotOnOrAfter time.Time
}

// Base64 returns the Response encoded as the SAMLResponse form field and the
// AWS CLI's --saml-assertion value expect.
func (r *Response) Base64() string { return base64.StdEncoding.EncodeToString(r.XML) }

// attribute is one SAML attribute to send.
type attribute struct {
	name   string
	values []string
}

// draft holds every value of a Response before it is serialized, so faults
// can edit values rather than XML.
type draft struct {
	issuer, destination, recipient, audience string
	inResponseTo                             string
	nameID, nameIDFormat                     string
	issueInstant, notBefore, notOnOrAfter    time.Time
	authnInstant                             time.Time
	authnContext                             string
	sessionIndex                             string
	attrs                                    []attribute
	signer                                   *certs.KeyPair // nil: unsigned
	sign                                     SignMode
	alg                                      SignatureAlgorithm
}

// Roles returns the Role attribute values the app would send for user now,
// counting extraGroups as memberships. It ignores whether the app is enabled.
func (p *Provider) Roles(appID, user string, extraGroups ...string) ([]string, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	a, ok := p.apps[appID]
	if !ok {
		return nil, fmt.Errorf("app %q: %w", appID, ErrUnknownApp)
	}
	if _, ok := p.users[user]; !ok {
		return nil, fmt.Errorf("user %q: %w", user, ErrUnknownUser)
	}
	return p.rolesLocked(a, user, extraGroups, p.now()), nil
}

func (p *Provider) rolesLocked(a *app, user string, extra []string, now time.Time) []string {
	groups := append(p.groupsLocked(user, now), extra...)
	sort.Strings(groups)
	var roles []string
	seen := map[string]bool{}
	for _, g := range groups {
		role, acct, ok := a.filter.Match(g)
		if !ok {
			continue
		}
		v := ExpandRoleValue(a.RoleValuePattern, role, acct)
		if !seen[v] {
			seen[v] = true
			roles = append(roles, v)
		}
	}
	return roles
}

// Mint builds and signs a SAML Response for req. It refuses, with
// ErrAppDisabled or ErrNoRole, when the IdP would not send the user to AWS.
func (p *Provider) Mint(ctx context.Context, req MintRequest) (*Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	faults, err := newFaultSet(req.Faults)
	if err != nil {
		return nil, err
	}
	d, a, err := p.draft(req, faults)
	if err != nil {
		return nil, err
	}
	applyFaults(d, a, faults)
	if d.signer, err = p.signerFor(faults); err != nil {
		return nil, err
	}
	if faults[FaultUnsigned] {
		d.signer = nil
	}
	respID, err := p.newID()
	if err != nil {
		return nil, err
	}
	assertionID, err := p.newID()
	if err != nil {
		return nil, err
	}
	doc, err := d.build(respID, assertionID)
	if err != nil {
		return nil, fmt.Errorf("mint for %q: %w", req.User, err)
	}
	roles := d.values(AttributeRole)
	if faults[FaultTampered] {
		roles = tamper(doc)
	}
	// Escape CR, LF and tab in text and attribute values as character
	// references, as canonical XML does: written raw, a parser would
	// normalise them and the signed bytes would no longer match.
	doc.WriteSettings.CanonicalText = true
	doc.WriteSettings.CanonicalAttrVal = true
	out, err := doc.WriteToBytes()
	if err != nil {
		return nil, fmt.Errorf("serialize response: %w", err)
	}
	return &Response{
		ID: respID, AssertionID: assertionID, XML: out, Destination: d.destination,
		Roles: roles, IssueInstant: d.issueInstant, NotOnOrAfter: d.notOnOrAfter,
	}, nil
}

// draft collects the values of a response under the read lock.
func (p *Provider) draft(req MintRequest, faults faultSet) (*draft, *app, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	appID := req.App
	if appID == "" && len(p.appOrder) > 0 {
		appID = p.appOrder[0]
	}
	a, ok := p.apps[appID]
	if !ok {
		return nil, nil, fmt.Errorf("app %q: %w", appID, ErrUnknownApp)
	}
	u, ok := p.users[req.User]
	if !ok {
		return nil, nil, fmt.Errorf("user %q: %w", req.User, ErrUnknownUser)
	}
	for _, g := range req.Groups {
		if _, ok := p.groups[g]; !ok {
			return nil, nil, fmt.Errorf("group %q: %w", g, ErrUnknownGroup)
		}
	}
	if !a.Enabled && !req.IgnoreDisabled {
		return nil, nil, fmt.Errorf("app %q: %w", a.ID, ErrAppDisabled)
	}
	now := p.now().UTC()
	roles := p.rolesLocked(a, u.Username, req.Groups, now)
	if len(roles) == 0 && !faults[FaultMissingRole] {
		return nil, nil, fmt.Errorf("user %q in app %q: %w", u.Username, a.ID, ErrNoRole)
	}
	lifetime := a.AssertionLifetime
	if lifetime <= 0 {
		lifetime = defaultLifetime
	}
	acs := a.ACS
	if acs == "" {
		acs = AWSSignInURL
	}
	audience := a.Audience
	if audience == "" {
		audience = AWSAudience
	}
	format := a.NameIDFormat
	if format == "" {
		format = NameIDFormatPersistent
	}
	d := &draft{
		issuer: p.entityID, destination: acs, recipient: acs, audience: audience,
		inResponseTo: req.InResponseTo,
		nameID:       userAttribute(u, a.NameIDAttribute), nameIDFormat: format,
		issueInstant: now, notBefore: now, notOnOrAfter: now.Add(lifetime),
		authnContext: authnPassword,
		sign:         a.Sign, alg: a.SignatureAlgorithm,
	}
	if req.MFA {
		d.authnContext = authnMFA
	}
	d.authnInstant = req.AuthnInstant.UTC()
	if req.AuthnInstant.IsZero() || req.AuthnInstant.After(now) {
		d.authnInstant = now
	}
	d.attrs = append(d.attrs,
		attribute{AttributeRole, roles},
		attribute{AttributeRoleSessionName, []string{userAttribute(u, a.RoleSessionNameAttribute)}},
	)
	if a.SessionDuration > 0 {
		d.attrs = append(d.attrs, attribute{AttributeSessionDuration, []string{strconv.Itoa(int(a.SessionDuration / time.Second))}})
	}
	if a.SourceIdentityAttribute != "" {
		d.attrs = append(d.attrs, attribute{AttributeSourceIdentity, []string{userAttribute(u, a.SourceIdentityAttribute)}})
	}
	keys := make([]string, 0, len(a.PrincipalTags))
	for k := range a.PrincipalTags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if v := userAttribute(u, a.PrincipalTags[k]); v != "" {
			d.attrs = append(d.attrs, attribute{AttributePrincipalTag + k, []string{v}})
		}
	}
	if len(a.TransitiveTagKeys) > 0 {
		d.attrs = append(d.attrs, attribute{AttributeTransitiveTagKeys, append([]string(nil), a.TransitiveTagKeys...)})
	}
	return d, a, nil
}

// values returns the values of the named attribute in the draft.
func (d *draft) values(name string) []string {
	for _, at := range d.attrs {
		if at.name == name {
			return at.values
		}
	}
	return nil
}

// userAttribute reads a profile attribute; "" and "username" mean the
// username.
func userAttribute(u User, name string) string {
	if name == "" || name == "username" {
		return u.Username
	}
	return u.Attributes[name]
}

// applyFaults edits the draft as each fault prescribes.
func applyFaults(d *draft, a *app, f faultSet) {
	issued := d.issueInstant
	defer func() { d.authnInstant = d.authnInstant.Add(d.issueInstant.Sub(issued)) }()
	if f[FaultIssuedInPast] {
		d.issueInstant = d.issueInstant.Add(-skew)
		d.notBefore = d.issueInstant
	}
	if f[FaultIssuedInFuture] {
		d.issueInstant = d.issueInstant.Add(skew)
		d.notBefore = d.issueInstant
		d.notOnOrAfter = d.notOnOrAfter.Add(skew)
	}
	if f[FaultExpired] {
		d.issueInstant = d.issueInstant.Add(-2 * time.Minute)
		d.notBefore = d.issueInstant
		d.notOnOrAfter = d.issueInstant.Add(time.Minute)
	}
	if f[FaultWrongAudience] {
		d.audience = "https://sp.example.com/saml/metadata"
	}
	if f[FaultWrongRecipient] {
		d.recipient = "https://sp.example.com/saml/acs"
		d.destination = d.recipient
	}
	if f[FaultRegionalRecipient] {
		d.recipient = RegionalSignInURL("us-east-2")
		d.destination = d.recipient
	}
	if f[FaultWrongIssuer] {
		d.issuer += ":not-the-provider"
	}
	if f[FaultMissingNameID] {
		d.nameID = ""
	}
	kept := d.attrs[:0]
	for _, at := range d.attrs {
		switch at.name {
		case AttributeRole:
			if f[FaultMissingRole] {
				continue
			}
			at.values = editRoles(at.values, f)
		case AttributeRoleSessionName:
			if f[FaultMissingRoleSessionName] {
				continue
			}
			if f[FaultInvalidRoleSessionName] {
				at.values = []string{at.values[0] + " (break glass)"}
			}
		case AttributeSessionDuration:
			if f[FaultSessionDurationOutOfRange] {
				continue // re-added below
			}
		case AttributeSourceIdentity:
			if f[FaultInvalidSourceIdentity] {
				continue // re-added below
			}
		}
		kept = append(kept, at)
	}
	d.attrs = kept
	if f[FaultSessionDurationOutOfRange] {
		d.attrs = append(d.attrs, attribute{AttributeSessionDuration, []string{"43201"}})
	}
	if f[FaultInvalidSourceIdentity] {
		d.attrs = append(d.attrs, attribute{AttributeSourceIdentity, []string{"aws:" + d.nameIDOr(a)}})
	}
}

func (d *draft) nameIDOr(a *app) string {
	if d.nameID != "" {
		return d.nameID
	}
	return a.ID
}

// editRoles rewrites Role values ("provider-arn,role-arn" in either order)
// for the role faults.
func editRoles(values []string, f faultSet) []string {
	out := make([]string, 0, len(values))
	for _, v := range values {
		provider, role, providerFirst, ok := splitRoleValue(v)
		if !ok {
			out = append(out, v)
			continue
		}
		if f[FaultForeignAccountProvider] {
			provider = replaceAccount(provider, foreignAccount)
		}
		if f[FaultUnknownProvider] {
			provider = provider[:strings.LastIndex(provider, "/")+1] + "NoSuchProvider"
		}
		if f[FaultUnknownRole] {
			role = role[:strings.LastIndex(role, "/")+1] + "NoSuchRole"
		}
		if f[FaultReversedRolePair] {
			providerFirst = !providerFirst
		}
		if providerFirst {
			out = append(out, provider+","+role)
		} else {
			out = append(out, role+","+provider)
		}
	}
	return out
}

// splitRoleValue classifies the two halves of a Role value by their ARN
// resource type, as AWS reads them in either order.
func splitRoleValue(v string) (provider, role string, providerFirst, ok bool) {
	first, second, found := strings.Cut(v, ",")
	if !found {
		return "", "", false, false
	}
	switch {
	case strings.Contains(first, ":saml-provider/") && strings.Contains(second, ":role/"):
		return first, second, true, true
	case strings.Contains(first, ":role/") && strings.Contains(second, ":saml-provider/"):
		return second, first, false, true
	}
	return "", "", false, false
}

// replaceAccount swaps the account of an ARN.
func replaceAccount(s, account string) string {
	a, err := arn.Parse(s)
	if err != nil {
		return s
	}
	a.AccountID = account
	return a.String()
}

// tamper edits the signed assertion after signing, as an attacker who can
// change a captured response would: every Role value is escalated (an _RO
// role becomes _Ops, any other gains an "Admin" suffix). Without a Role
// attribute the RoleSessionName is changed instead, so a signed byte always
// changes. It returns the Role values as they now read.
func tamper(doc *etree.Document) []string {
	var roles []string
	var sessionName *etree.Element
	for _, v := range doc.FindElements("//AttributeValue") {
		switch v.Parent().SelectAttrValue("Name", "") {
		case AttributeRole:
			text := v.Text()
			if strings.Contains(text, "_RO") {
				text = strings.ReplaceAll(text, "_RO", "_Ops")
			} else if provider, role, providerFirst, ok := splitRoleValue(text); ok {
				if providerFirst {
					text = provider + "," + role + "Admin"
				} else {
					text = role + "Admin," + provider
				}
			} else {
				text += "Admin"
			}
			v.SetText(text)
			roles = append(roles, text)
		case AttributeRoleSessionName:
			sessionName = v
		}
	}
	if roles == nil && sessionName != nil {
		sessionName.SetText(sessionName.Text() + ".admin")
	}
	return roles
}

// build serializes the draft into a signed Response document.
func (d *draft) build(respID, assertionID string) (*etree.Document, error) {
	doc := etree.NewDocument()
	resp := doc.CreateElement("saml2p:Response")
	resp.CreateAttr("xmlns:saml2p", nsProtocol)
	resp.CreateAttr("Destination", d.destination)
	resp.CreateAttr("ID", respID)
	if d.inResponseTo != "" {
		resp.CreateAttr("InResponseTo", d.inResponseTo)
	}
	resp.CreateAttr("IssueInstant", d.issueInstant.Format(timeFormat))
	resp.CreateAttr("Version", "2.0")
	issuer := resp.CreateElement("saml2:Issuer")
	issuer.CreateAttr("xmlns:saml2", nsAssertion)
	issuer.CreateAttr("Format", nameIDFormatEntity)
	issuer.SetText(d.issuer)
	status := resp.CreateElement("saml2p:Status")
	status.CreateElement("saml2p:StatusCode").CreateAttr("Value", statusSuccess)

	as := resp.CreateElement("saml2:Assertion")
	as.CreateAttr("xmlns:saml2", nsAssertion)
	as.CreateAttr("ID", assertionID)
	as.CreateAttr("IssueInstant", d.issueInstant.Format(timeFormat))
	as.CreateAttr("Version", "2.0")
	ai := as.CreateElement("saml2:Issuer")
	ai.CreateAttr("Format", nameIDFormatEntity)
	ai.SetText(d.issuer)

	subj := as.CreateElement("saml2:Subject")
	if d.nameID != "" {
		nid := subj.CreateElement("saml2:NameID")
		nid.CreateAttr("Format", d.nameIDFormat)
		nid.SetText(d.nameID)
	}
	sc := subj.CreateElement("saml2:SubjectConfirmation")
	sc.CreateAttr("Method", cmBearer)
	scd := sc.CreateElement("saml2:SubjectConfirmationData")
	if d.inResponseTo != "" {
		scd.CreateAttr("InResponseTo", d.inResponseTo)
	}
	scd.CreateAttr("NotOnOrAfter", d.notOnOrAfter.Format(timeFormat))
	scd.CreateAttr("Recipient", d.recipient)

	cond := as.CreateElement("saml2:Conditions")
	cond.CreateAttr("NotBefore", d.notBefore.Format(timeFormat))
	cond.CreateAttr("NotOnOrAfter", d.notOnOrAfter.Format(timeFormat))
	cond.CreateElement("saml2:AudienceRestriction").CreateElement("saml2:Audience").SetText(d.audience)

	authn := as.CreateElement("saml2:AuthnStatement")
	authn.CreateAttr("AuthnInstant", d.authnInstant.Format(timeFormat))
	authn.CreateAttr("SessionIndex", assertionID)
	authn.CreateElement("saml2:AuthnContext").CreateElement("saml2:AuthnContextClassRef").SetText(d.authnContext)

	if len(d.attrs) > 0 {
		st := as.CreateElement("saml2:AttributeStatement")
		for _, at := range d.attrs {
			el := st.CreateElement("saml2:Attribute")
			el.CreateAttr("Name", at.name)
			el.CreateAttr("NameFormat", attrNameFormatURI)
			for _, v := range at.values {
				el.CreateElement("saml2:AttributeValue").SetText(v)
			}
		}
	}

	if d.signer == nil {
		return doc, nil
	}
	if d.sign != SignResponse {
		if err := signEnveloped(as, d.signer, d.alg); err != nil {
			return nil, fmt.Errorf("sign assertion: %w", err)
		}
	}
	if d.sign == SignResponse || d.sign == SignBoth {
		if err := signEnveloped(resp, d.signer, d.alg); err != nil {
			return nil, fmt.Errorf("sign response: %w", err)
		}
	}
	return doc, nil
}
