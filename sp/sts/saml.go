package sts

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/breakglass-dev/breakglass/sp/internal/awsquery"
	"github.com/breakglass-dev/breakglass/sp/internal/events"
	"github.com/breakglass-dev/breakglass/sp/internal/policy"
	"github.com/breakglass-dev/breakglass/sp/internal/store"
	"github.com/breakglass-dev/breakglass/sp/samlcheck"
)

// samlAttributeKeys maps SAML attribute names to the saml:* condition keys
// they feed (reference section 4, [R8][R14]); only one claim per key.
var samlAttributeKeys = map[string]string{
	"urn:oid:2.5.4.3":                                                    "saml:cn",
	"urn:oid:1.3.6.1.4.1.5923.1.1.1.1":                                   "saml:edupersonaffiliation",
	"urn:oid:1.3.6.1.4.1.5923.1.1.1.6":                                   "saml:edupersonprincipalname",
	"urn:oid:1.3.6.1.4.1.5923.1.1.1.7":                                   "saml:edupersonentitlement",
	"urn:oid:0.9.2342.19200300.100.1.3":                                  "saml:mail",
	"urn:oid:0.9.2342.19200300.100.1.1":                                  "saml:uid",
	"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress": "saml:mail",
	"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname":    "saml:givenName",
	"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname":      "saml:surname",
	"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name":         "saml:name",
}

// assumeRoleWithSAML answers AssumeRoleWithSAML, unsigned: the signed
// assertion is the credential [R1]. Order: parameters; the provider named
// by PrincipalArn; every assertion check of samlcheck.Verify in AWS's
// order; the role; the duration limits; the role's trust policy (with
// sts:TagSession and sts:SetSourceIdentity, all or nothing).
func (s *Service) assumeRoleWithSAML(r *awsquery.Request, requestID string) (Outcome, *awsquery.Error) {
	roleARN, err := param(r, "RoleArn", "roleArn", 20, 2048)
	if err != nil {
		return Outcome{}, err
	}
	principalARN, err := param(r, "PrincipalArn", "principalArn", 20, 2048)
	if err != nil {
		return Outcome{}, err
	}
	if !r.Has("SAMLAssertion") {
		return Outcome{}, validation("null", "sAMLAssertion", "Member must not be null")
	}
	dur, err := duration(r)
	if err != nil {
		return Outcome{}, err
	}
	var dreq int32
	if r.Has("DurationSeconds") {
		dreq = int32(dur)
	}
	samlReq := samlcheck.Request{SAMLAssertion: r.Get("SAMLAssertion"), RoleARN: roleARN, PrincipalARN: principalARN, DurationSeconds: dreq}
	// The model's constraints come before any service logic [R52].
	if verr := samlcheck.CheckRequest(samlReq); verr != nil {
		var se *samlcheck.Error
		if errors.As(verr, &se) {
			return Outcome{}, &awsquery.Error{Status: se.Status, Code: se.Code, Message: se.Message}
		}
	}
	sessPolicies, policySize, err := sessionPolicies(r)
	if err != nil {
		return Outcome{}, err
	}
	now := s.now()
	denied := awsquery.Errorf(http.StatusForbidden, "AccessDenied", "%s", samlcheck.MsgNotAuthorized)

	res, prov, verr := s.VerifyAssertion(samlReq, now, requestID)
	if verr != nil {
		return Outcome{}, verr
	}
	m := reProviderARN.FindStringSubmatch(prov.ARN)

	role, account, ok := s.roleFromARN(roleARN)
	if !ok {
		return Outcome{}, denied // a missing or misspelt role [R7]
	}
	if dur > role.MaxSessionDuration {
		return Outcome{}, awsquery.Errorf(http.StatusBadRequest, "ValidationError",
			"The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	// The session lasts min(DurationSeconds, SessionDuration, time left
	// before SessionNotOnOrAfter): those attributes only shorten [R1][R8].
	length := time.Duration(dur) * time.Second
	if res.SessionDuration > 0 && time.Duration(res.SessionDuration)*time.Second < length {
		length = time.Duration(res.SessionDuration) * time.Second
	}
	if !res.SessionNotOnOrAfter.IsZero() && res.SessionNotOnOrAfter.Sub(now) < length {
		length = res.SessionNotOnOrAfter.Sub(now)
	}

	ctx := policy.Context{
		"saml:aud":           {res.Audience},
		"saml:iss":           {res.Issuer},
		"saml:sub":           {res.Subject},
		"saml:sub_type":      {res.SubjectType},
		"saml:namequalifier": {res.NameQualifier},
		"saml:doc":           {m[1] + "/" + m[2]},
		"aws:CurrentTime":    {now.Format(time.RFC3339)},
		"aws:EpochTime":      {strconv.FormatInt(now.Unix(), 10)},
	}
	for name, values := range res.Attributes {
		if key, ok := samlAttributeKeys[name]; ok {
			if _, taken := ctx[key]; !taken {
				ctx[key] = values
			}
		}
	}
	for k, v := range res.PrincipalTags {
		ctx["aws:RequestTag/"+k] = []string{v}
	}
	if len(res.PrincipalTags) > 0 {
		keys := make([]string, 0, len(res.PrincipalTags))
		for k := range res.PrincipalTags {
			keys = append(keys, k)
		}
		ctx["aws:TagKeys"] = keys
	}
	if res.SourceIdentity != "" {
		ctx["sts:SourceIdentity"] = []string{res.SourceIdentity}
	}
	trust, perr2 := trustOf(role)
	if perr2 != nil {
		return Outcome{}, denied
	}
	pols := policy.Policies{
		Resource:        &policy.Named{ID: role.ARN + " trust policy", Policy: trust},
		ResourceIsTrust: true, ResourceAccount: account,
	}
	req := policy.Request{
		Principal: policy.Principal{Type: policy.PrincipalSAMLUser, Federated: prov.ARN},
		Action:    "sts:AssumeRoleWithSAML", Resource: roleARN, Context: ctx,
	}
	// The whole call fails unless the trust policy allows federation, and
	// tagging and source identity when the assertion carries them [R7][R15].
	actions := []string{"sts:AssumeRoleWithSAML"}
	if len(res.PrincipalTags) > 0 || len(res.TransitiveTagKeys) > 0 {
		actions = append(actions, "sts:TagSession")
	}
	if res.SourceIdentity != "" {
		actions = append(actions, "sts:SetSourceIdentity")
	}
	for _, a := range actions {
		req.Action = a
		if !policy.Evaluate(req, pols).Allowed() {
			return Outcome{}, denied
		}
	}

	packed, perr3 := packedCheck(policySize, res.PrincipalTags)
	if perr3 != nil {
		return Outcome{}, perr3
	}
	sess := store.Session{
		SourceIdentity: res.SourceIdentity, Tags: res.PrincipalTags, TransitiveTagKeys: res.TransitiveTagKeys,
		FederatedProvider: prov.ARN, Policies: sessPolicies,
		// Only these saml:* keys remain usable after federation [R14].
		SAML: map[string]string{"saml:namequalifier": res.NameQualifier, "saml:sub": res.Subject, "saml:sub_type": res.SubjectType},
	}
	k, p := s.issue(role, account, res.RoleSessionName, length, sess)
	result := struct {
		Credentials      credentials     `xml:"Credentials"`
		AssumedRoleUser  assumedRoleUser `xml:"AssumedRoleUser"`
		PackedPolicySize *int            `xml:"PackedPolicySize,omitempty"`
		Subject          string          `xml:"Subject"`
		SubjectType      string          `xml:"SubjectType"`
		Issuer           string          `xml:"Issuer"`
		Audience         string          `xml:"Audience"`
		NameQualifier    string          `xml:"NameQualifier"`
		SourceIdentity   string          `xml:"SourceIdentity,omitempty"`
	}{credentialsXML(k), assumedRoleUser{p.UserID, p.ARN}, packedSize(packed, policySize, res.PrincipalTags), res.Subject, res.SubjectType,
		res.Issuer, res.Audience, res.NameQualifier, res.SourceIdentity}

	resp := responseElements(k, p)
	resp["subjectType"], resp["issuer"], resp["nameQualifier"] = res.SubjectType, res.Issuer, res.NameQualifier
	resp["subject"], resp["audience"] = res.Subject, res.Audience
	if res.SourceIdentity != "" {
		resp["sourceIdentity"] = res.SourceIdentity
	}
	// CloudTrail records the assertion's id and what came from it, never
	// the assertion itself [R19].
	reqParams := map[string]any{"sAMLAssertionID": res.AssertionID, "roleSessionName": res.RoleSessionName,
		"durationSeconds": int(length / time.Second)}
	if res.SourceIdentity != "" {
		reqParams["sourceIdentity"] = res.SourceIdentity
	}
	if len(res.PrincipalTags) > 0 {
		reqParams["principalTags"] = res.PrincipalTags
	}
	if len(res.TransitiveTagKeys) > 0 {
		reqParams["transitiveTagKeys"] = res.TransitiveTagKeys
	}
	return Outcome{
		Result: result, Key: &k, Account: account, Response: resp, Request: reqParams,
		// The event names the SAML user: principalId is
		// <namequalifier>:<subject> [R19][R20].
		Identity: &events.Identity{Type: "SAMLUser", PrincipalID: res.NameQualifier + ":" + res.Subject,
			UserName: res.Subject, IdentityProvider: res.NameQualifier},
		Resources: []events.Resource{
			{Type: "AWS::IAM::Role", ARN: role.ARN, AccountID: account},
			{Type: "AWS::IAM::SAMLProvider", ARN: prov.ARN, AccountID: account},
		},
	}, nil
}

// VerifyAssertion looks up the provider that samlReq's PrincipalArn names
// and runs every assertion check of AssumeRoleWithSAML against it, in
// AWS's order, with AWS's error. The AWS sign-in endpoint uses it to judge
// a response before it offers the role chooser.
func (s *Service) VerifyAssertion(samlReq samlcheck.Request, now time.Time, requestID string) (*samlcheck.Result, store.SAMLProvider, *awsquery.Error) {
	roleARN, principalARN := samlReq.RoleARN, samlReq.PrincipalARN
	// A provider in another account than the role is refused before the
	// provider is looked up (observed, reference section 3).
	m := reProviderARN.FindStringSubmatch(principalARN)
	if rm := reRoleARN.FindStringSubmatch(roleARN); m != nil && rm != nil && m[1] != rm[1] {
		return nil, store.SAMLProvider{}, awsquery.Errorf(http.StatusBadRequest, "ValidationError", "%s", samlcheck.MsgPrincipalOutside)
	}
	// The provider must exist [R7][R36].
	if m == nil {
		return nil, store.SAMLProvider{}, awsquery.Errorf(http.StatusBadRequest, "InvalidIdentityToken", "Specified provider doesn't exist.")
	}
	prov, perr := s.Store.SAMLProvider(m[1], m[2])
	if perr != nil {
		return nil, store.SAMLProvider{}, awsquery.Errorf(http.StatusBadRequest, "InvalidIdentityToken", "Specified provider doesn't exist.")
	}
	md := prov.Parsed
	if md == nil {
		return nil, prov, awsquery.Errorf(http.StatusBadRequest, "InvalidIdentityToken", "%s", samlcheck.MsgSignatureInvalid)
	}
	settings := s.SAML
	settings.RequestID = requestID
	res, _, verr := samlcheck.Verify(samlReq, samlcheck.Provider{ARN: prov.ARN, Metadata: md}, now, settings)
	if verr != nil {
		var se *samlcheck.Error
		if errors.As(verr, &se) {
			return nil, prov, &awsquery.Error{Status: se.Status, Code: se.Code, Message: se.Message}
		}
		return nil, prov, awsquery.Errorf(http.StatusBadRequest, "InvalidIdentityToken", "%s", samlcheck.MsgInvalidResponse)
	}
	return res, prov, nil
}

// packedSize reports PackedPolicySize when session policies or tags were
// passed: the percentage of the packed limit they use (approximated; the
// omission rules are UNCONFIRMED, reference 1.3, so it is sent only then).
func packedSize(pct, policySize int, tags map[string]string) *int {
	if len(tags) == 0 && policySize == 0 {
		return nil
	}
	pct = max(1, pct)
	return &pct
}
