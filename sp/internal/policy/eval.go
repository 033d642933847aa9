package policy

import (
	"fmt"
	"regexp"
	"strings"
)

// PrincipalType says what kind of caller made a request.
type PrincipalType string

// Principal types. The AWS ones (AWSAccount, Root, IAMUser, AssumedRole,
// FederatedUser) belong to an account and are governed by identity-based
// policies and SCPs; SAMLUser (the unauthenticated caller of
// AssumeRoleWithSAML, identified by its SAML provider) and Service are
// judged by the resource-based policy alone.
const (
	PrincipalAWSAccount    PrincipalType = "AWSAccount"
	PrincipalRoot          PrincipalType = "Root"
	PrincipalIAMUser       PrincipalType = "IAMUser"
	PrincipalAssumedRole   PrincipalType = "AssumedRole"
	PrincipalFederatedUser PrincipalType = "FederatedUser"
	PrincipalSAMLUser      PrincipalType = "SAMLUser"
	PrincipalService       PrincipalType = "Service"
)

// Principal is the caller of a request.
type Principal struct {
	Type PrincipalType
	// ARN is the caller's own ARN: the user ARN, the session ARN
	// arn:aws:sts::<acct>:assumed-role/<role>/<session>, the federated-user
	// ARN, or arn:aws:iam::<acct>:root (derived from Account when empty).
	ARN string
	// Account is the caller's 12-digit account id ("" for SAMLUser and
	// Service).
	Account string
	// RoleARN is the role of an AssumedRole session, with its path:
	// arn:aws:iam::<acct>:role/<path/><name>.
	RoleARN string
	// UserName is the IAM user name (IAMUser only); it feeds aws:username.
	UserName string
	// Federated is the identity provider of a SAMLUser, e.g.
	// arn:aws:iam::<acct>:saml-provider/<name>.
	Federated string
	// Service is the service principal, e.g. ec2.amazonaws.com.
	Service string
	// UniqueID is the IAM user's id (AIDA...) or the session's role id
	// (AROA...); "" when unknown, and then bound principals match by ARN.
	UniqueID string
}

func (p Principal) isAWS() bool {
	switch p.Type {
	case PrincipalAWSAccount, PrincipalRoot, PrincipalIAMUser, PrincipalAssumedRole, PrincipalFederatedUser:
		return true
	}
	return false
}

// Request is one authorization question: may Principal perform Action
// (e.g. "sts:AssumeRole") on Resource (an ARN, or "*" for actions without
// a resource) given the request Context?
type Request struct {
	Principal Principal
	Action    string
	Resource  string
	// Context holds the request's condition keys. Evaluate adds
	// aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType and
	// aws:username (IAM users) from Principal when they are absent; it never
	// modifies the caller's map.
	Context Context
}

// PolicyType names a kind of policy in the wording of AWS's AccessDenied
// messages.
type PolicyType string

// Policy types.
const (
	TypeSCP                 PolicyType = "service control policy"
	TypeResource            PolicyType = "resource-based policy"
	TypeTrust               PolicyType = "role trust policy"
	TypeIdentity            PolicyType = "identity-based policy"
	TypePermissionsBoundary PolicyType = "permissions boundary"
	TypeSession             PolicyType = "session policy"
)

// Named is a policy with an identifier used in Result.Matched, such as a
// policy ARN or "<role>/<inline policy name>".
type Named struct {
	ID     string
	Policy *Policy
}

// Policies is everything that applies to one request. Its zero value means
// "no policies": every request is implicitly denied except the root user's.
type Policies struct {
	// Identity holds the caller's identity-based policies (inline, managed
	// and, for users, those of its groups).
	Identity []Named
	// Resource is the resource-based policy, nil if the resource has none.
	// For sts:AssumeRole* it is the role trust policy.
	Resource *Named
	// ResourceIsTrust marks Resource as a role trust policy: it must then
	// allow the request even within one account, and denials name the
	// "role trust policy".
	ResourceIsTrust bool
	// ResourceAccount owns the resource; "" means the caller's account.
	ResourceAccount string
	// SCPs holds the service control policies applying to the caller's
	// account, one slice per level from the organization root down to the
	// account; every level must allow the request. nil means the account is
	// not in an organization.
	SCPs [][]Named
	// ManagementAccount says the caller's account is the organization's
	// management account, which SCPs never restrict.
	ManagementAccount bool
	// PermissionsBoundary is the caller's boundary, nil if none.
	PermissionsBoundary *Named
	// SessionPolicies holds the session policies passed when the session
	// was created; nil means none were passed.
	SessionPolicies []Named
}

// Decision is the outcome of an evaluation. The values are those of the
// IAM policy simulator's EvalDecision.
type Decision string

// Decisions.
const (
	DecisionAllow        Decision = "allowed"
	DecisionImplicitDeny Decision = "implicitDeny"
	DecisionExplicitDeny Decision = "explicitDeny"
)

// DenyReason says which policy type denied a request and how. It is the
// zero value when the request is allowed.
type DenyReason struct {
	Type     PolicyType
	Explicit bool
}

// articles gives the article AWS uses before each policy type.
var articles = map[PolicyType]string{
	TypeSCP:                 "a",
	TypeResource:            "a",
	TypeTrust:               "the",
	TypeIdentity:            "an",
	TypePermissionsBoundary: "a",
	TypeSession:             "a",
}

// Phrase renders the reason as the tail of AWS's enhanced AccessDenied
// message ("Troubleshooting access denied error messages", IAM User Guide),
// e.g. "because no identity-based policy allows the sts:AssumeRole action"
// or "with an explicit deny in a service control policy". It returns "" for
// the zero DenyReason.
func (r DenyReason) Phrase(action string) string {
	if r.Type == "" {
		return ""
	}
	if r.Explicit {
		return fmt.Sprintf("with an explicit deny in %s %s", articles[r.Type], r.Type)
	}
	return fmt.Sprintf("because no %s allows the %s action", r.Type, action)
}

// MatchedStatement identifies a statement that applied to the request.
type MatchedStatement struct {
	Type     PolicyType
	PolicyID string
	// Index is the statement's position in the policy, from 0.
	Index  int
	Sid    string
	Effect Effect
}

// Result is the outcome of Evaluate.
type Result struct {
	Decision   Decision
	DenyReason DenyReason
	// Matched lists every statement, Allow or Deny, whose action, resource,
	// principal and conditions matched, in evaluation order.
	Matched []MatchedStatement
}

// Allowed reports whether the request is allowed.
func (r Result) Allowed() bool { return r.Decision == DecisionAllow }

// AccessDeniedMessage renders AWS's message, e.g. "User: <caller> is not
// authorized to perform: sts:AssumeRole on resource: <role> because no
// identity-based policy allows the sts:AssumeRole action".
func (r Result) AccessDeniedMessage(callerARN, action, resource string) string {
	msg := fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s", callerARN, action, resource)
	if p := r.DenyReason.Phrase(action); p != "" {
		msg += " " + p
	}
	return msg
}

// via says how a resource-based statement's principal matched the caller,
// from weakest to most direct.
type via uint8

const (
	viaNone     via = iota
	viaAccount      // the caller's account: delegation to identity policies
	viaWildcard     // "*"
	viaRole         // the role ARN of an assumed-role session
	viaDirect       // the user ARN, root, SAML provider or service
	viaSession      // the session ARN itself
)

// outcome summarises one policy type's statements.
type outcome struct {
	allow, deny bool
	allowVia    via // strongest principal match among Allow statements
}

type evaluator struct {
	req Request
	ctx Context
	res *Result
}

func (e *evaluator) run(t PolicyType, n Named, resourcePolicy bool) outcome {
	var o outcome
	if n.Policy == nil {
		return o
	}
	for i := range n.Policy.Statements {
		s := &n.Policy.Statements[i]
		ok, v := e.applies(n.Policy, s, resourcePolicy)
		if !ok {
			continue
		}
		e.res.Matched = append(e.res.Matched, MatchedStatement{Type: t, PolicyID: n.ID, Index: i, Sid: s.Sid, Effect: s.Effect})
		if s.Effect == Deny {
			o.deny = true
			continue
		}
		o.allow = true
		o.allowVia = max(o.allowVia, v)
	}
	return o
}

func (e *evaluator) runAll(t PolicyType, ns []Named) outcome {
	var o outcome
	for _, n := range ns {
		x := e.run(t, n, false)
		o.allow = o.allow || x.allow
		o.deny = o.deny || x.deny
	}
	return o
}

// applies reports whether a statement applies to the request and, for
// resource-based policies, how its principal matched.
func (e *evaluator) applies(p *Policy, s *Statement, resourcePolicy bool) (bool, via) {
	if s.Action != nil && !anyAction(s.Action, e.req.Action) {
		return false, viaNone
	}
	if s.NotAction != nil && anyAction(s.NotAction, e.req.Action) {
		return false, viaNone
	}
	if s.Resource != nil && !e.anyResource(p, s.Resource) {
		return false, viaNone
	}
	if s.NotResource != nil && e.anyResource(p, s.NotResource) {
		return false, viaNone
	}
	v := viaDirect
	switch {
	case s.Principal != nil:
		v = matchPrincipals(s.Principal, e.req.Principal)
		if v == viaNone {
			return false, viaNone
		}
	case s.NotPrincipal != nil:
		if notPrincipalExcludes(s.NotPrincipal, e.req.Principal) {
			return false, viaNone
		}
	case resourcePolicy:
		return false, viaNone
	}
	for _, c := range s.Conditions {
		if !c.holds(e.ctx, p.variables()) {
			return false, viaNone
		}
	}
	return true, v
}

func anyAction(patterns []string, action string) bool {
	for _, a := range patterns {
		if matchAction(a, action) {
			return true
		}
	}
	return false
}

func (e *evaluator) anyResource(p *Policy, patterns []string) bool {
	for _, r := range patterns {
		pat, ok := compilePattern(r, p.variables(), e.ctx)
		if ok && pat.matchARN(e.req.Resource) {
			return true
		}
	}
	return false
}

// Evaluate decides req against pols following AWS's policy evaluation logic
// (IAM User Guide: "Policy evaluation logic", "How AWS enforcement code
// logic evaluates requests", "Policy evaluation for requests within a
// single account", "Cross-account policy evaluation logic"; emulator
// reference §5.2):
//
//  1. An applicable Deny statement in any policy is an explicit deny. When
//     several policy types deny, the reason names the first in the order
//     SCP, resource-based, identity-based, permissions boundary, session.
//  2. For AWS principals of a member account (not the management account),
//     every SCP level must allow the request.
//  3. SAMLUser and Service callers are allowed only by the resource-based
//     policy.
//  4. Cross-account (ResourceAccount differs from the caller's account): the
//     resource-based policy must allow the caller (naming its account is
//     enough) and its identity-based policies must allow the request.
//  5. Same account: a role trust policy must always allow the caller. A
//     resource-based policy naming the caller's account delegates to
//     identity-based policies; naming the user, role or session directly
//     grants access without an identity-based allow. The root user needs no
//     identity-based allow.
//  6. A permissions boundary, when set, must allow, except for grants a
//     resource-based policy makes to the IAM user or to the session ARN; a
//     grant to the role ARN stays limited by it.
//  7. Session policies, when passed, must allow, except for grants a
//     resource-based policy makes to the session ARN.
//
// Evaluate never fails: a nil Policy inside Named allows nothing.
func Evaluate(req Request, pols Policies) Result {
	var res Result
	e := &evaluator{req: req, ctx: principalContext(req), res: &res}
	pr := req.Principal

	resType := TypeResource
	if pols.ResourceIsTrust {
		resType = TypeTrust
	}
	applySCP := pr.isAWS() && pols.SCPs != nil && !pols.ManagementAccount
	governed := pr.isAWS() // identity, boundary and session policies apply

	var scpDeny bool
	scpLevelsAllow := true
	if applySCP {
		for _, level := range pols.SCPs {
			o := e.runAll(TypeSCP, level)
			scpDeny = scpDeny || o.deny
			scpLevelsAllow = scpLevelsAllow && o.allow
		}
	}
	var resO outcome
	if pols.Resource != nil {
		resO = e.run(resType, *pols.Resource, true)
	}
	var idO, pbO, spO outcome
	if governed {
		idO = e.runAll(TypeIdentity, pols.Identity)
		if pols.PermissionsBoundary != nil {
			pbO = e.run(TypePermissionsBoundary, *pols.PermissionsBoundary, false)
		}
		if pols.SessionPolicies != nil {
			spO = e.runAll(TypeSession, pols.SessionPolicies)
		}
	}

	explicit := func(t PolicyType) Result {
		res.Decision, res.DenyReason = DecisionExplicitDeny, DenyReason{Type: t, Explicit: true}
		return res
	}
	implicit := func(t PolicyType) Result {
		res.Decision, res.DenyReason = DecisionImplicitDeny, DenyReason{Type: t}
		return res
	}
	switch {
	case scpDeny:
		return explicit(TypeSCP)
	case resO.deny:
		return explicit(resType)
	case idO.deny:
		return explicit(TypeIdentity)
	case pbO.deny:
		return explicit(TypePermissionsBoundary)
	case spO.deny:
		return explicit(TypeSession)
	}
	if applySCP && !scpLevelsAllow {
		return implicit(TypeSCP)
	}
	if !governed {
		if resO.allow && resO.allowVia > viaAccount {
			res.Decision = DecisionAllow
			return res
		}
		return implicit(resType)
	}

	rootLike := pr.Type == PrincipalRoot || pr.Type == PrincipalAWSAccount
	cross := pols.ResourceAccount != "" && pols.ResourceAccount != pr.Account
	identityAllows := idO.allow || rootLike
	if cross {
		if !resO.allow {
			return implicit(resType)
		}
		if !identityAllows {
			return implicit(TypeIdentity)
		}
	} else {
		if pols.ResourceIsTrust && !resO.allow {
			return implicit(resType)
		}
		direct := resO.allow && resO.allowVia > viaAccount
		// A grant to the session ARN, or to the IAM user itself, is not
		// limited by implicit denies in identity policies, the boundary or
		// session policies (IAM users have none).
		if resO.allow && (resO.allowVia == viaSession || (direct && pr.Type == PrincipalIAMUser)) {
			res.Decision = DecisionAllow
			return res
		}
		if !identityAllows && !direct {
			return implicit(TypeIdentity)
		}
	}
	if pols.PermissionsBoundary != nil && !pbO.allow && !rootLike {
		return implicit(TypePermissionsBoundary)
	}
	if pols.SessionPolicies != nil && !spO.allow {
		return implicit(TypeSession)
	}
	res.Decision = DecisionAllow
	return res
}

// principalContext returns req.Context extended with the global keys that
// describe the caller ("AWS global condition context keys"), keeping any
// value the caller already set.
func principalContext(req Request) Context {
	pr := req.Principal
	ctx := req.Context.clone()
	set := func(k, v string) {
		if v != "" && !ctx.has(k) {
			ctx[k] = []string{v}
		}
	}
	if !pr.isAWS() {
		return ctx
	}
	set("aws:PrincipalAccount", pr.Account)
	switch pr.Type {
	case PrincipalRoot, PrincipalAWSAccount:
		set("aws:PrincipalArn", rootARN(pr))
		set("aws:PrincipalType", "Account")
	case PrincipalIAMUser:
		set("aws:PrincipalArn", pr.ARN)
		set("aws:PrincipalType", "User")
		set("aws:username", pr.UserName)
	case PrincipalAssumedRole:
		set("aws:PrincipalArn", pr.RoleARN)
		set("aws:PrincipalType", "AssumedRole")
	case PrincipalFederatedUser:
		set("aws:PrincipalArn", pr.ARN)
		set("aws:PrincipalType", "FederatedUser")
	}
	return ctx
}

func rootARN(pr Principal) string {
	if pr.ARN != "" && pr.Type == PrincipalRoot {
		return pr.ARN
	}
	return "arn:aws:iam::" + pr.Account + ":root"
}

var (
	accountIDRe   = regexp.MustCompile(`^[0-9]{12}$`)
	rootPrincipal = regexp.MustCompile(`^arn:aws[a-z-]*:iam::([0-9]{12}):root$`)
)

// accountOf returns the account an AWS principal entry delegates to
// ("123456789012" or "arn:aws:iam::123456789012:root"), or "".
func accountOf(entry string) string {
	if accountIDRe.MatchString(entry) {
		return entry
	}
	if m := rootPrincipal.FindStringSubmatch(entry); m != nil {
		return m[1]
	}
	return ""
}

// matchPrincipals matches a Principal element against the caller and
// returns the most direct kind of match ("AWS JSON policy elements:
// Principal"): an account id or root ARN matches every principal of that
// account; a role ARN matches that role's sessions; a session, user or
// federated-user ARN matches exactly; "*" matches everyone ("AWS": "*"
// matches every AWS principal).
func matchPrincipals(ps *Principals, pr Principal) via {
	if ps.Wildcard {
		return viaWildcard
	}
	best := viaNone
	for _, a := range ps.AWS {
		var v via
		switch {
		case a == "*":
			if pr.isAWS() {
				v = viaWildcard
			}
		case accountOf(a) != "":
			if pr.isAWS() && accountOf(a) == pr.Account {
				v = viaAccount
				if pr.Type == PrincipalRoot || pr.Type == PrincipalAWSAccount {
					v = viaDirect
				}
			}
		case pr.Type == PrincipalAssumedRole && strings.EqualFold(a, pr.RoleARN) && ps.sameEntity(a, pr):
			v = viaRole
		case pr.Type == PrincipalAssumedRole && a == pr.ARN:
			v = viaSession
		case pr.Type == PrincipalFederatedUser && a == pr.ARN:
			v = viaSession
		case pr.Type == PrincipalIAMUser && strings.EqualFold(a, pr.ARN) && ps.sameEntity(a, pr):
			v = viaDirect
		}
		best = max(best, v)
	}
	if pr.Type == PrincipalSAMLUser && pr.Federated != "" {
		for _, f := range ps.Federated {
			if f == pr.Federated {
				best = max(best, viaDirect)
			}
		}
	}
	if pr.Type == PrincipalService && pr.Service != "" {
		for _, s := range ps.Service {
			if strings.EqualFold(s, pr.Service) {
				best = max(best, viaDirect)
			}
		}
	}
	return best
}

// sameEntity reports whether the caller is the very user or role a bound
// principal ARN named when the policy was saved: a role or user deleted
// and created again under the same name has a new unique id, and the old
// policy no longer trusts it (IAM User Guide, "AWS JSON policy elements:
// Principal", IAM roles and users [R22]).
func (ps *Principals) sameEntity(arn string, pr Principal) bool {
	id, bound := ps.IDs[strings.ToLower(arn)]
	return !bound || pr.UniqueID == "" || id == pr.UniqueID
}

// BindPrincipals binds every user and role ARN among the AWS principals of
// p to the entity's unique id, as IAM does when it saves a resource-based
// policy. resolve returns the id of the user or role an ARN names, or
// false when there is none; then BindPrincipals fails with IAM's
// "Invalid principal in policy" *MalformedError.
func BindPrincipals(p *Policy, resolve func(arn string) (id string, ok bool)) error {
	for i, s := range p.Statements {
		for _, ps := range []*Principals{s.Principal, s.NotPrincipal} {
			if ps == nil {
				continue
			}
			for _, a := range ps.AWS {
				if !boundARNRe.MatchString(a) {
					continue
				}
				id, ok := resolve(a)
				if !ok {
					return malformed(msgInvalidPrincipal(principalAWS, a), "statement %d: no such user or role", i)
				}
				if ps.IDs == nil {
					ps.IDs = map[string]string{}
				}
				ps.IDs[strings.ToLower(a)] = id
			}
		}
	}
	return nil
}

// boundARNRe matches the principal ARNs IAM binds to unique ids: users and
// roles, not accounts, sessions or federated users.
var boundARNRe = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:(user|role)/`)

// notPrincipalExcludes reports whether a NotPrincipal element exempts the
// caller. IAM evaluates the account and the principal itself, so, as the
// IAM User Guide's NotPrincipal examples show, both the account and the
// user (or the session ARN of a role session) must be listed; a role ARN
// alone does not exempt its sessions.
func notPrincipalExcludes(ps *Principals, pr Principal) bool {
	if ps.Wildcard {
		return true
	}
	switch pr.Type {
	case PrincipalSAMLUser:
		for _, f := range ps.Federated {
			if f == pr.Federated {
				return true
			}
		}
		return false
	case PrincipalService:
		for _, s := range ps.Service {
			if strings.EqualFold(s, pr.Service) {
				return true
			}
		}
		return false
	}
	accountListed, selfListed := false, false
	for _, a := range ps.AWS {
		if a == "*" {
			return true
		}
		if acct := accountOf(a); acct != "" {
			accountListed = accountListed || acct == pr.Account
			continue
		}
		selfListed = selfListed || a == pr.ARN
	}
	if pr.Type == PrincipalRoot || pr.Type == PrincipalAWSAccount {
		return accountListed
	}
	return accountListed && selfListed
}
