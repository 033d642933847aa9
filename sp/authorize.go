package sp

import (
	"net/http"

	"github.com/breakglass-dev/breakglass/sp/iam"
	"github.com/breakglass-dev/breakglass/sp/internal/awsquery"
	"github.com/breakglass-dev/breakglass/sp/internal/policy"
	"github.com/breakglass-dev/breakglass/sp/internal/store"
)

// authorizeIAM decides whether caller may perform an IAM action, as IAM
// does before acting: IAM users and role sessions need an identity-based
// policy that allows iam:<Action> on the resource the call names; the root
// user needs none. The SCPs of the caller's account bound everyone in a
// member account, root included (AWS Organizations User Guide, SCPs).
// Credentials from GetSessionToken without MFA cannot call IAM at all [R1].
func (e *Emulator) authorizeIAM(caller store.Principal, req *awsquery.Request) *awsquery.Error {
	action := "iam:" + req.Action
	resource := iamResource(e.store, caller, req)
	// GetSessionToken credentials (a session without a role) need MFA for IAM.
	if caller.Session != nil && caller.Session.RoleName == "" && !caller.Session.MFA {
		return awsquery.Errorf(http.StatusForbidden, "AccessDenied",
			"User: %s is not authorized to perform: %s on resource: %s with an explicit deny", caller.ARN, action, resource)
	}
	return e.authorize(caller, action, resource)
}

// authorize evaluates the caller's identity policies, session policies and
// the SCPs of its account for action on resource: the authorization every
// signed call but GetCallerIdentity goes through. The root user needs no
// identity policy, and outside an organization (or in its management
// account) nothing restricts it.
func (e *Emulator) authorize(caller store.Principal, action, resource string) *awsquery.Error {
	scps, management, inOrg := e.store.SCPs(caller.Account)
	if caller.Type == store.Root && (!inOrg || management) && caller.Session == nil {
		return nil
	}
	ctx := policy.Context{}
	if caller.Session != nil {
		mfa := "false"
		if caller.Session.MFA {
			mfa = "true"
		}
		ctx["aws:MultiFactorAuthPresent"] = []string{mfa}
		if caller.Session.SourceIdentity != "" {
			ctx["aws:SourceIdentity"] = []string{caller.Session.SourceIdentity}
		}
	}
	res := policy.Evaluate(policy.Request{Principal: caller.Policy(), Action: action, Resource: resource, Context: ctx},
		policy.Policies{Identity: iam.CallerPolicies(e.store, caller), SCPs: scps, ManagementAccount: management, SessionPolicies: sessionPoliciesOf(caller)})
	if !res.Allowed() {
		return awsquery.Errorf(http.StatusForbidden, "AccessDenied", "%s", res.AccessDeniedMessage(caller.ARN, action, resource))
	}
	return nil
}

// userScoped lists IAM actions whose UserName defaults to the caller.
var userScoped = map[string]bool{
	"GetUser": true, "CreateAccessKey": true, "ListAccessKeys": true, "DeleteAccessKey": true, "UpdateAccessKey": true,
	"ListMFADevices": true, "ListGroupsForUser": true, "GetLoginProfile": true,
}

// iamResource is the ARN an IAM call acts on, as IAM's authorization
// reference lists it per action; "*" for list calls.
func iamResource(st *store.Store, caller store.Principal, req *awsquery.Request) string {
	account := caller.Account
	prefix := "arn:aws:iam::" + account + ":"
	switch {
	case req.Has("SAMLProviderArn"):
		return req.Get("SAMLProviderArn")
	case req.Action == "CreateSAMLProvider":
		return prefix + "saml-provider/" + req.Get("Name")
	case req.Has("RoleName"):
		if role, err := st.Role(account, req.Get("RoleName")); err == nil {
			return role.ARN
		}
		return prefix + "role" + pathOr(req.Get("Path")) + req.Get("RoleName")
	case req.Has("GroupName"):
		if g, err := st.Group(account, req.Get("GroupName")); err == nil {
			return g.ARN
		}
		return prefix + "group" + pathOr(req.Get("Path")) + req.Get("GroupName")
	case req.Has("UserName"):
		// An existing user is authorized by its stored ARN (with its path);
		// only a user being created takes the Path of the request.
		if u, err := st.User(account, req.Get("UserName")); err == nil {
			return u.ARN
		}
		return prefix + "user" + pathOr(req.Get("Path")) + req.Get("UserName")
	case req.Has("VirtualMFADeviceName"):
		return prefix + "mfa/" + req.Get("VirtualMFADeviceName")
	case req.Has("PolicyArn"):
		return req.Get("PolicyArn")
	case req.Action == "CreatePolicy":
		return prefix + "policy" + pathOr(req.Get("Path")) + req.Get("PolicyName")
	}
	// User actions without UserName act on the calling user [R2].
	if caller.Type == store.IAMUser && userScoped[req.Action] {
		return caller.ARN
	}
	return "*"
}

// sessionPoliciesOf returns the session policies of the caller's session;
// nil when none were passed (no narrowing).
func sessionPoliciesOf(caller store.Principal) []policy.Named {
	if caller.Session == nil {
		return nil
	}
	return caller.Session.Policies
}

func pathOr(p string) string {
	if p == "" {
		return "/"
	}
	return p
}
