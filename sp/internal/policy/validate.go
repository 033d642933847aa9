package policy

import (
	"regexp"
	"strings"
)

var (
	sidRe = regexp.MustCompile(`^[0-9A-Za-z]*$`)
	// principalARNRe accepts the AWS principal ARNs IAM resolves: root,
	// users, roles, assumed-role sessions and federated users, without
	// wildcards ("AWS JSON policy elements: Principal": wildcards may not
	// match part of a principal ARN).
	principalARNRe = regexp.MustCompile(`^arn:aws[a-z-]*:(iam::[0-9]{12}:(root|user/[\x21-\x7e]+|role/[\x21-\x7e]+)|sts::[0-9]{12}:(assumed-role/[\w+=,.@/-]+/[\w+=,.@-]+|federated-user/[\w+=,.@-]+))$`)
	// federatedRe accepts SAML and OIDC provider ARNs and the web identity
	// provider host names IAM lists (cognito-identity.amazonaws.com,
	// www.amazon.com, graph.facebook.com, accounts.google.com, ...).
	federatedRe = regexp.MustCompile(`^(arn:aws[a-z-]*:iam::[0-9]{12}:(saml-provider|oidc-provider)/[\x21-\x7e]+|[a-z0-9.-]+\.[a-z]{2,})$`)
	serviceRe   = regexp.MustCompile(`^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$`)
)

// ValidateIdentity applies the rules of identity-based policies (and of
// permissions boundaries and session policies, which share them) to a
// parsed policy: no Principal or NotPrincipal, a Resource or NotResource in
// every statement, alphanumeric and unique Sids. It returns a
// *MalformedError or nil.
func ValidateIdentity(p *Policy) error {
	if err := uniqueSids(p); err != nil {
		return err
	}
	for i, s := range p.Statements {
		if s.Principal != nil || s.NotPrincipal != nil {
			return malformed(MsgIdentityPrincipal, "statement %d", i)
		}
		if s.Resource == nil && s.NotResource == nil {
			return malformed(MsgNoResources, "statement %d", i)
		}
		if !sidRe.MatchString(s.Sid) {
			return malformed(MsgSidNotAlnum, "statement %d: Sid %q", i, s.Sid)
		}
	}
	return nil
}

// ValidateTrust applies the rules of role trust policies: no Resource or
// NotResource, a Principal or NotPrincipal in every statement, and
// principals IAM can resolve (12-digit account ids, root/user/role/session
// ARNs without wildcards, "*", SAML/OIDC providers, service names). It
// does not check that named users and roles exist; IAM converts them to
// unique ids on save and the caller, which knows the entities, must reject
// unknown ones with the same "Invalid principal in policy" message. It
// returns a *MalformedError or nil.
func ValidateTrust(p *Policy) error {
	if err := uniqueSids(p); err != nil {
		return err
	}
	for i, s := range p.Statements {
		switch {
		case s.Resource != nil:
			return malformed(msgProhibited("Resource"), "statement %d", i)
		case s.NotResource != nil:
			return malformed(msgProhibited("NotResource"), "statement %d", i)
		}
		ps := s.Principal
		if ps == nil {
			ps = s.NotPrincipal
		}
		if ps == nil {
			return malformed(MsgNoPrincipals, "statement %d", i)
		}
		if err := checkPrincipals(i, ps); err != nil {
			return err
		}
	}
	return nil
}

func checkPrincipals(i int, ps *Principals) error {
	for _, a := range ps.AWS {
		if a != "*" && (strings.ContainsAny(a, "*?") || !accountIDRe.MatchString(a) && !principalARNRe.MatchString(a)) {
			return malformed(msgInvalidPrincipal(principalAWS, a), "statement %d", i)
		}
	}
	for _, f := range ps.Federated {
		if !federatedRe.MatchString(f) {
			return malformed(msgInvalidPrincipal(principalFederated, f), "statement %d", i)
		}
	}
	for _, s := range ps.Service {
		if s != "*" && !serviceRe.MatchString(s) {
			return malformed(msgInvalidPrincipal(principalService, s), "statement %d", i)
		}
	}
	for _, c := range ps.CanonicalUser {
		if strings.TrimSpace(c) == "" {
			return malformed(msgInvalidPrincipal(principalCanonicalUser, c), "statement %d", i)
		}
	}
	return nil
}

// ValidateSCP applies the rules of service control policies: no Principal
// or NotPrincipal, a Resource or NotResource in every statement,
// alphanumeric and unique Sids. AWS Organizations reports every violation
// with one message (MsgSCP). It returns a *MalformedError or nil.
func ValidateSCP(p *Policy) error {
	seen := map[string]bool{}
	for i, s := range p.Statements {
		switch {
		case s.Principal != nil || s.NotPrincipal != nil:
			return malformed(MsgSCP, "statement %d: SCPs name no principal", i)
		case s.Resource == nil && s.NotResource == nil:
			return malformed(MsgSCP, "statement %d: no Resource", i)
		case !sidRe.MatchString(s.Sid):
			return malformed(MsgSCP, "statement %d: Sid %q is not alphanumeric", i, s.Sid)
		case s.Sid != "" && seen[s.Sid]:
			return malformed(MsgSCP, "statement %d: duplicate Sid %q", i, s.Sid)
		}
		seen[s.Sid] = true
	}
	return nil
}

func uniqueSids(p *Policy) error {
	seen := map[string]bool{}
	for i, s := range p.Statements {
		if s.Sid == "" {
			continue
		}
		if seen[s.Sid] {
			return malformed(MsgSidNotUnique, "statement %d: Sid %q", i, s.Sid)
		}
		seen[s.Sid] = true
	}
	return nil
}
