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
	scps, management, inOrg := e.store.SCPs(caller.Account)
	if caller.Type == store.Root && (!inOrg || management) {
		return nil
	}
	action := "iam:" + req.Action
	resource := iamResource(e.store, caller.Account, req)
	if caller.Type == store.IAMUser && caller.Session != nil && !caller.Session.MFA {
		return awsquery.Errorf(http.StatusForbidden, "AccessDenied",
			"User: %s is not authorized to perform: %s on resource: %s with an explicit deny", caller.ARN, action, resource)
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

// iamResource is the ARN an IAM call acts on, as IAM's authorization
// reference lists it per action; "*" for list calls.
func iamResource(st *store.Store, account string, req *awsquery.Request) string {
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
		return prefix + "group/" + req.Get("GroupName")
	case req.Has("UserName"):
		return prefix + "user" + pathOr(req.Get("Path")) + req.Get("UserName")
	case req.Has("VirtualMFADeviceName"):
		return prefix + "mfa/" + req.Get("VirtualMFADeviceName")
	case req.Has("PolicyArn"):
		return req.Get("PolicyArn")
	case req.Action == "CreatePolicy":
		return prefix + "policy" + pathOr(req.Get("Path")) + req.Get("PolicyName")
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
