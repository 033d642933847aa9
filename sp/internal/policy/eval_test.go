package policy

import (
	"testing"
)

func mustParse(t *testing.T, doc string) *Policy {
	t.Helper()
	p, err := Parse(doc)
	if err != nil {
		t.Fatalf("Parse(%s): %v", doc, err)
	}
	return p
}

func mustManaged(t *testing.T, name string) Named {
	t.Helper()
	arn := "arn:aws:iam::aws:policy/" + name
	p, ok := Managed(arn)
	if !ok {
		t.Fatalf("Managed(%q): not found", arn)
	}
	return Named{ID: arn, Policy: p}
}

const (
	emergencyAcct = "111111111111"
	workloadAcct  = "222222222222"
	oktaProvider  = "arn:aws:iam::111111111111:saml-provider/Okta"
	role1Ops      = "arn:aws:iam::111111111111:role/EmergencyAccess_Role1_Ops"
	workloadOps   = "arn:aws:iam::222222222222:role/EmergencyAccess_Ops"
	signinAud     = "https://signin.aws.amazon.com/saml"
)

var (
	samlCaller = Principal{Type: PrincipalSAMLUser, Federated: oktaProvider}
	opsSession = Principal{
		Type:    PrincipalAssumedRole,
		ARN:     "arn:aws:sts::111111111111:assumed-role/EmergencyAccess_Role1_Ops/alice@example.com",
		Account: emergencyAcct,
		RoleARN: role1Ops,
	}
	workloadSession = Principal{
		Type:    PrincipalAssumedRole,
		ARN:     "arn:aws:sts::222222222222:assumed-role/EmergencyAccess_Ops/alice",
		Account: workloadAcct,
		RoleARN: workloadOps,
	}
	breakGlassUser = Principal{
		Type:     PrincipalIAMUser,
		ARN:      "arn:aws:iam::111111111111:user/EmergencyAccess",
		Account:  emergencyAcct,
		UserName: "EmergencyAccess",
	}
)

type evalCase struct {
	name   string
	req    Request
	pols   func(t *testing.T) Policies
	want   Decision
	reason DenyReason
}

func runEvalCases(t *testing.T, tests []evalCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Evaluate(tt.req, tt.pols(t))
			if got.Decision != tt.want {
				t.Errorf("got decision %s, want %s (matched %+v)", got.Decision, tt.want, got.Matched)
			}
			if got.DenyReason != tt.reason {
				t.Errorf("got reason %+v, want %+v", got.DenyReason, tt.reason)
			}
		})
	}
}

func TestEvaluateSAMLTrust(t *testing.T) {
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + oktaProvider + `"},"Action":"sts:AssumeRoleWithSAML","Condition":{"StringEquals":{"SAML:aud":"` + signinAud + `"}}}]}`
	pols := func(t *testing.T) Policies {
		return Policies{Resource: &Named{ID: role1Ops, Policy: mustParse(t, trust)}, ResourceIsTrust: true,
			SCPs: [][]Named{{}}} // SCPs never apply to the SAML caller
	}
	req := func(aud, provider, action string) Request {
		c := samlCaller
		c.Federated = provider
		return Request{Principal: c, Action: action, Resource: role1Ops, Context: Context{"saml:aud": {aud}}}
	}
	denied := DenyReason{Type: TypeTrust}
	runEvalCases(t, []evalCase{
		{"global endpoint audience", req(signinAud, oktaProvider, "sts:AssumeRoleWithSAML"), pols, DecisionAllow, DenyReason{}},
		{"regional audience after failover", req("https://us-west-2.signin.aws.amazon.com/saml", oktaProvider, "sts:AssumeRoleWithSAML"), pols, DecisionImplicitDeny, denied},
		{"other provider", req(signinAud, "arn:aws:iam::111111111111:saml-provider/Other", "sts:AssumeRoleWithSAML"), pols, DecisionImplicitDeny, denied},
		{"assume role is another action", req(signinAud, oktaProvider, "sts:AssumeRole"), pols, DecisionImplicitDeny, denied},
		{"no trust policy", req(signinAud, oktaProvider, "sts:AssumeRoleWithSAML"), func(*testing.T) Policies { return Policies{ResourceIsTrust: true} }, DecisionImplicitDeny, denied},
	})
}

func TestEvaluateAssumeRole(t *testing.T) {
	trustAccount := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}}`
	trustBareAccount := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}}`
	trustRole := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"` + role1Ops + `"},"Action":"sts:AssumeRole"}}`
	trustOtherRole := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/Other"},"Action":"sts:AssumeRole"}}`
	trustUser := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"` + breakGlassUser.ARN + `"},"Action":"sts:AssumeRole"}}`
	trustMFA := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}}`
	trustDenyRole := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"},{"Effect":"Deny","Principal":{"AWS":"` + role1Ops + `"},"Action":"sts:AssumeRole"}]}`
	allowAssume := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::*:role/EmergencyAccess_*"}}`
	allowOther := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::*:role/Other"}}`

	cross := func(trust string, identity ...string) func(t *testing.T) Policies {
		return func(t *testing.T) Policies {
			p := Policies{Resource: &Named{ID: workloadOps, Policy: mustParse(t, trust)}, ResourceIsTrust: true, ResourceAccount: workloadAcct}
			for i, d := range identity {
				p.Identity = append(p.Identity, Named{ID: string(rune('a' + i)), Policy: mustParse(t, d)})
			}
			return p
		}
	}
	same := func(trust string, identity ...string) func(t *testing.T) Policies {
		return func(t *testing.T) Policies {
			p := cross(trust, identity...)(t)
			p.ResourceAccount = emergencyAcct
			return p
		}
	}
	chained := Request{Principal: opsSession, Action: "sts:AssumeRole", Resource: workloadOps}
	sameAcct := Request{Principal: opsSession, Action: "sts:AssumeRole", Resource: "arn:aws:iam::111111111111:role/Target"}
	userReq := Request{Principal: breakGlassUser, Action: "sts:AssumeRole", Resource: "arn:aws:iam::111111111111:role/Target"}
	withMFA := userReq
	withMFA.Context = Context{"aws:MultiFactorAuthPresent": {"true"}}

	runEvalCases(t, []evalCase{
		{"cross-account trusts account root, identity allows", chained, cross(trustAccount, allowAssume), DecisionAllow, DenyReason{}},
		{"cross-account trusts bare account id", chained, cross(trustBareAccount, allowAssume), DecisionAllow, DenyReason{}},
		{"cross-account without identity allow", chained, cross(trustAccount), DecisionImplicitDeny, DenyReason{Type: TypeIdentity}},
		{"cross-account identity allows another role", chained, cross(trustAccount, allowOther), DecisionImplicitDeny, DenyReason{Type: TypeIdentity}},
		{"cross-account trusts the caller's role ARN", chained, cross(trustRole, allowAssume), DecisionAllow, DenyReason{}},
		{"cross-account role ARN still needs identity", chained, cross(trustRole), DecisionImplicitDeny, DenyReason{Type: TypeIdentity}},
		{"cross-account trusts another role", chained, cross(trustOtherRole, allowAssume), DecisionImplicitDeny, DenyReason{Type: TypeTrust}},
		{"cross-account explicit deny in trust", chained, cross(trustDenyRole, allowAssume), DecisionExplicitDeny, DenyReason{Type: TypeTrust, Explicit: true}},
		{"same account trusts account, identity allows", sameAcct, same(trustAccount, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::111111111111:role/Target"}}`), DecisionAllow, DenyReason{}},
		{"same account trusts account, no identity", sameAcct, same(trustAccount), DecisionImplicitDeny, DenyReason{Type: TypeIdentity}},
		{"same account trust names role, no identity", sameAcct, same(trustRole), DecisionAllow, DenyReason{}},
		{"same account trust silent, identity allows", sameAcct, same(trustOtherRole, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}}`), DecisionImplicitDeny, DenyReason{Type: TypeTrust}},
		{"same account trust names user, no identity", userReq, same(trustUser), DecisionAllow, DenyReason{}},
		{"mfa condition without the key", userReq, same(trustMFA, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}}`), DecisionImplicitDeny, DenyReason{Type: TypeTrust}},
		{"mfa condition with mfa", withMFA, same(trustMFA, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}}`), DecisionAllow, DenyReason{}},
	})
}

// The SCP of the seed: deny changing the EmergencyAccess_* roles except for
// an administration role, tested with aws:PrincipalArn.
const protectSCP = `{
  "Version": "2012-10-17",
  "Statement": [{
    "Sid": "ProtectEmergencyAccessRoles",
    "Effect": "Deny",
    "Action": ["iam:AttachRolePolicy", "iam:DeleteRole", "iam:DeleteRolePolicy", "iam:DetachRolePolicy",
               "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:UpdateRole"],
    "Resource": "arn:aws:iam::*:role/EmergencyAccess_*",
    "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/OrgAdmin"}}
  }]
}`

const fullAWSAccess = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`

func TestEvaluateSCP(t *testing.T) {
	orgAdmin := Principal{Type: PrincipalAssumedRole, ARN: "arn:aws:sts::222222222222:assumed-role/OrgAdmin/bob", Account: workloadAcct, RoleARN: "arn:aws:iam::222222222222:role/OrgAdmin"}
	root := Principal{Type: PrincipalRoot, Account: workloadAcct}
	pols := func(mgmt bool, levels ...string) func(t *testing.T) Policies {
		return func(t *testing.T) Policies {
			p := Policies{Identity: []Named{mustManaged(t, "AdministratorAccess")}, ManagementAccount: mgmt, SCPs: [][]Named{}}
			for i, l := range levels {
				var level []Named
				for _, d := range splitDocs(l) {
					level = append(level, Named{ID: string(rune('0' + i)), Policy: mustParse(t, d)})
				}
				p.SCPs = append(p.SCPs, level)
			}
			return p
		}
	}
	del := func(pr Principal) Request {
		return Request{Principal: pr, Action: "iam:DeleteRole", Resource: workloadOps}
	}
	both := fullAWSAccess + "\x00" + protectSCP
	runEvalCases(t, []evalCase{
		{"ops session is denied by the SCP", del(workloadSession), pols(false, fullAWSAccess, both), DecisionExplicitDeny, DenyReason{Type: TypeSCP, Explicit: true}},
		{"exception role passes", del(orgAdmin), pols(false, fullAWSAccess, both), DecisionAllow, DenyReason{}},
		{"management account is exempt", del(workloadSession), pols(true, fullAWSAccess, both), DecisionAllow, DenyReason{}},
		{"member root is denied too", del(root), pols(false, fullAWSAccess, both), DecisionExplicitDeny, DenyReason{Type: TypeSCP, Explicit: true}},
		{"other roles unaffected", Request{Principal: workloadSession, Action: "iam:DeleteRole", Resource: "arn:aws:iam::222222222222:role/App"}, pols(false, fullAWSAccess, both), DecisionAllow, DenyReason{}},
		{"a level without allow", del(orgAdmin), pols(false, fullAWSAccess, protectSCP), DecisionImplicitDeny, DenyReason{Type: TypeSCP}},
		{"not in an organization", del(workloadSession), func(t *testing.T) Policies {
			return Policies{Identity: []Named{mustManaged(t, "AdministratorAccess")}}
		}, DecisionAllow, DenyReason{}},
	})
}

// splitDocs splits documents joined by NUL.
func splitDocs(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func TestEvaluateIdentityLogic(t *testing.T) {
	one := func(docs ...string) func(t *testing.T) Policies {
		return func(t *testing.T) Policies {
			var p Policies
			for i, d := range docs {
				p.Identity = append(p.Identity, Named{ID: string(rune('a' + i)), Policy: mustParse(t, d)})
			}
			return p
		}
	}
	req := func(action, resource string) Request {
		return Request{Principal: breakGlassUser, Action: action, Resource: resource}
	}
	notIAM := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}`
	denyOutside := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"s3:*","NotResource":["arn:aws:s3:::logs","arn:aws:s3:::logs/*"]}]}`
	ownFolder := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::home/${aws:username}/*"}}`
	ownFolderOld := `{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::home/${aws:username}/*"}}`
	denyAll := `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}`
	runEvalCases(t, []evalCase{
		{"no policy is an implicit deny", req("s3:GetObject", "arn:aws:s3:::b/k"), one(), DecisionImplicitDeny, DenyReason{Type: TypeIdentity}},
		{"notaction allows other services", req("ec2:RunInstances", "*"), one(notIAM), DecisionAllow, DenyReason{}},
		{"notaction excludes iam", req("iam:CreateUser", "arn:aws:iam::111111111111:user/x"), one(notIAM), DecisionImplicitDeny, DenyReason{Type: TypeIdentity}},
		{"notresource deny outside logs", req("s3:GetObject", "arn:aws:s3:::other/k"), one(denyOutside), DecisionExplicitDeny, DenyReason{Type: TypeIdentity, Explicit: true}},
		{"notresource inside logs", req("s3:GetObject", "arn:aws:s3:::logs/k"), one(denyOutside), DecisionAllow, DenyReason{}},
		{"explicit deny beats allow in another policy", req("s3:GetObject", "arn:aws:s3:::b/k"), one(fullAWSAccess, denyAll), DecisionExplicitDeny, DenyReason{Type: TypeIdentity, Explicit: true}},
		{"username variable own folder", req("s3:GetObject", "arn:aws:s3:::home/EmergencyAccess/x"), one(ownFolder), DecisionAllow, DenyReason{}},
		{"username variable other folder", req("s3:GetObject", "arn:aws:s3:::home/bob/x"), one(ownFolder), DecisionImplicitDeny, DenyReason{Type: TypeIdentity}},
		{"no variables without Version", req("s3:GetObject", "arn:aws:s3:::home/EmergencyAccess/x"), one(ownFolderOld), DecisionImplicitDeny, DenyReason{Type: TypeIdentity}},
		{"root needs no identity policy", Request{Principal: Principal{Type: PrincipalRoot, Account: emergencyAcct}, Action: "iam:CreateUser", Resource: "*"}, one(), DecisionAllow, DenyReason{}},
	})
}

func TestEvaluateBoundaryAndSession(t *testing.T) {
	s3Only := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`
	bucket := "arn:aws:s3:::b"
	resPolicy := func(principal string) string {
		return `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":"sqs:SendMessage","Resource":"*"}}`
	}
	pols := func(identity, boundary string, session []string, resource string) func(t *testing.T) Policies {
		return func(t *testing.T) Policies {
			var p Policies
			if identity != "" {
				p.Identity = []Named{{ID: "id", Policy: mustParse(t, identity)}}
			}
			if boundary != "" {
				p.PermissionsBoundary = &Named{ID: "pb", Policy: mustParse(t, boundary)}
			}
			if session != nil {
				p.SessionPolicies = []Named{}
				for _, d := range session {
					p.SessionPolicies = append(p.SessionPolicies, Named{ID: "sp", Policy: mustParse(t, d)})
				}
			}
			if resource != "" {
				p.Resource = &Named{ID: "queue", Policy: mustParse(t, resource)}
			}
			return p
		}
	}
	req := func(pr Principal, action, resource string) Request {
		return Request{Principal: pr, Action: action, Resource: resource}
	}
	queue := "arn:aws:sqs:us-east-1:222222222222:q"
	runEvalCases(t, []evalCase{
		{"boundary allows", req(breakGlassUser, "s3:GetObject", bucket), pols(fullAWSAccess, s3Only, nil, ""), DecisionAllow, DenyReason{}},
		{"boundary limits admin", req(breakGlassUser, "iam:CreateUser", "*"), pols(fullAWSAccess, s3Only, nil, ""), DecisionImplicitDeny, DenyReason{Type: TypePermissionsBoundary}},
		{"session policy limits role", req(workloadSession, "iam:CreateUser", "*"), pols(fullAWSAccess, "", []string{s3Only}, ""), DecisionImplicitDeny, DenyReason{Type: TypeSession}},
		{"session policy allows", req(workloadSession, "s3:ListBucket", bucket), pols(fullAWSAccess, "", []string{s3Only}, ""), DecisionAllow, DenyReason{}},
		{"empty session policy list denies", req(workloadSession, "s3:ListBucket", bucket), pols(fullAWSAccess, "", []string{}, ""), DecisionImplicitDeny, DenyReason{Type: TypeSession}},
		{"resource grant to session ARN bypasses session policy", req(workloadSession, "sqs:SendMessage", queue), pols("", "", []string{s3Only}, resPolicy(workloadSession.ARN)), DecisionAllow, DenyReason{}},
		{"resource grant to role ARN is limited by session policy", req(workloadSession, "sqs:SendMessage", queue), pols("", "", []string{s3Only}, resPolicy(workloadOps)), DecisionImplicitDeny, DenyReason{Type: TypeSession}},
		{"resource grant to role ARN is limited by boundary", req(workloadSession, "sqs:SendMessage", queue), pols("", s3Only, nil, resPolicy(workloadOps)), DecisionImplicitDeny, DenyReason{Type: TypePermissionsBoundary}},
		{"resource grant to role ARN without identity policy", req(workloadSession, "sqs:SendMessage", queue), pols("", "", nil, resPolicy(workloadOps)), DecisionAllow, DenyReason{}},
		{"resource grant to account needs identity", req(workloadSession, "sqs:SendMessage", queue), pols("", "", nil, resPolicy(workloadAcct)), DecisionImplicitDeny, DenyReason{Type: TypeIdentity}},
	})
}

func TestEvaluateManagedJobFunctions(t *testing.T) {
	asg := "arn:aws:autoscaling:us-east-1:222222222222:autoScalingGroup:uuid:autoScalingGroupName/web"
	with := func(name string) func(t *testing.T) Policies {
		return func(t *testing.T) Policies { return Policies{Identity: []Named{mustManaged(t, name)}} }
	}
	req := func(action, resource string) Request {
		return Request{Principal: workloadSession, Action: action, Resource: resource}
	}
	deny := DenyReason{Type: TypeIdentity}
	runEvalCases(t, []evalCase{
		{"read-only cannot update a scaling group", req("autoscaling:UpdateAutoScalingGroup", asg), with("ReadOnlyAccess"), DecisionImplicitDeny, deny},
		{"read-only describes scaling groups", req("autoscaling:DescribeAutoScalingGroups", "*"), with("ReadOnlyAccess"), DecisionAllow, DenyReason{}},
		{"read-only reads iam roles", req("iam:GetRole", workloadOps), with("ReadOnlyAccess"), DecisionAllow, DenyReason{}},
		{"read-only cannot delete", req("s3:DeleteObject", "arn:aws:s3:::b/k"), with("ReadOnlyAccess"), DecisionImplicitDeny, deny},
		{"sysadmin updates a scaling group", req("autoscaling:UpdateAutoScalingGroup", asg), with("job-function/SystemAdministrator"), DecisionAllow, DenyReason{}},
		{"sysadmin runs instances", req("ec2:RunInstances", "*"), with("job-function/SystemAdministrator"), DecisionAllow, DenyReason{}},
		{"sysadmin cannot create users", req("iam:CreateUser", "arn:aws:iam::222222222222:user/x"), with("job-function/SystemAdministrator"), DecisionImplicitDeny, deny},
		{"sysadmin cannot attach role policies", req("iam:AttachRolePolicy", workloadOps), with("job-function/SystemAdministrator"), DecisionImplicitDeny, deny},
		{"sysadmin passes sysadmin roles", req("iam:PassRole", "arn:aws:iam::222222222222:role/ec2-sysadmin-web"), with("job-function/SystemAdministrator"), DecisionAllow, DenyReason{}},
		{"sysadmin cannot pass other roles", req("iam:PassRole", workloadOps), with("job-function/SystemAdministrator"), DecisionImplicitDeny, deny},
		{"power user cannot touch iam", req("iam:CreateUser", "*"), with("PowerUserAccess"), DecisionImplicitDeny, deny},
		{"power user may create service-linked roles", req("iam:CreateServiceLinkedRole", "*"), with("PowerUserAccess"), DecisionAllow, DenyReason{}},
		{"view-only lists", req("ec2:DescribeInstances", "*"), with("job-function/ViewOnlyAccess"), DecisionAllow, DenyReason{}},
		{"view-only cannot read objects", req("s3:GetObject", "arn:aws:s3:::b/k"), with("job-function/ViewOnlyAccess"), DecisionImplicitDeny, deny},
		{"admin does anything", req("iam:CreateUser", "*"), with("AdministratorAccess"), DecisionAllow, DenyReason{}},
	})
}

func TestResultDetails(t *testing.T) {
	scp := mustParse(t, protectSCP)
	id := mustParse(t, `{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"iam:*","Resource":"*"},{"Sid":"B","Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)
	res := Evaluate(Request{Principal: workloadSession, Action: "iam:DeleteRole", Resource: workloadOps},
		Policies{Identity: []Named{{ID: "inline", Policy: id}}, SCPs: [][]Named{{{ID: "full", Policy: mustParse(t, fullAWSAccess)}, {ID: "protect", Policy: scp}}}})
	want := []MatchedStatement{
		{Type: TypeSCP, PolicyID: "full", Index: 0, Effect: Allow},
		{Type: TypeSCP, PolicyID: "protect", Index: 0, Sid: "ProtectEmergencyAccessRoles", Effect: Deny},
		{Type: TypeIdentity, PolicyID: "inline", Index: 0, Sid: "A", Effect: Allow},
	}
	if len(res.Matched) != len(want) {
		t.Fatalf("got matched %+v, want %+v", res.Matched, want)
	}
	for i := range want {
		if res.Matched[i] != want[i] {
			t.Errorf("matched[%d]: got %+v, want %+v", i, res.Matched[i], want[i])
		}
	}
	msgs := []struct {
		name   string
		reason DenyReason
		want   string
	}{
		{"explicit scp", DenyReason{Type: TypeSCP, Explicit: true}, "User: arn:x is not authorized to perform: sts:AssumeRole on resource: arn:r with an explicit deny in a service control policy"},
		{"explicit identity", DenyReason{Type: TypeIdentity, Explicit: true}, "User: arn:x is not authorized to perform: sts:AssumeRole on resource: arn:r with an explicit deny in an identity-based policy"},
		{"implicit identity", DenyReason{Type: TypeIdentity}, "User: arn:x is not authorized to perform: sts:AssumeRole on resource: arn:r because no identity-based policy allows the sts:AssumeRole action"},
		{"implicit resource", DenyReason{Type: TypeResource}, "User: arn:x is not authorized to perform: sts:AssumeRole on resource: arn:r because no resource-based policy allows the sts:AssumeRole action"},
		{"implicit trust", DenyReason{Type: TypeTrust}, "User: arn:x is not authorized to perform: sts:AssumeRole on resource: arn:r because no role trust policy allows the sts:AssumeRole action"},
		{"explicit trust", DenyReason{Type: TypeTrust, Explicit: true}, "User: arn:x is not authorized to perform: sts:AssumeRole on resource: arn:r with an explicit deny in the role trust policy"},
		{"implicit scp", DenyReason{Type: TypeSCP}, "User: arn:x is not authorized to perform: sts:AssumeRole on resource: arn:r because no service control policy allows the sts:AssumeRole action"},
		{"implicit boundary", DenyReason{Type: TypePermissionsBoundary}, "User: arn:x is not authorized to perform: sts:AssumeRole on resource: arn:r because no permissions boundary allows the sts:AssumeRole action"},
		{"implicit session", DenyReason{Type: TypeSession}, "User: arn:x is not authorized to perform: sts:AssumeRole on resource: arn:r because no session policy allows the sts:AssumeRole action"},
		{"allowed", DenyReason{}, "User: arn:x is not authorized to perform: sts:AssumeRole on resource: arn:r"},
	}
	for _, m := range msgs {
		t.Run(m.name, func(t *testing.T) {
			got := Result{DenyReason: m.reason}.AccessDeniedMessage("arn:x", "sts:AssumeRole", "arn:r")
			if got != m.want {
				t.Errorf("got %q, want %q", got, m.want)
			}
		})
	}
}

func TestPrincipalContextKeys(t *testing.T) {
	// The SCP exception keys on aws:PrincipalArn, which for a role session
	// is the role ARN, not the session ARN.
	p := mustParse(t, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ArnEquals":{"aws:PrincipalArn":"`+workloadOps+`"},"StringEquals":{"aws:PrincipalType":"AssumedRole","aws:PrincipalAccount":"`+workloadAcct+`"}}}}`)
	caller := Context{"x:y": {"z"}}
	res := Evaluate(Request{Principal: workloadSession, Action: "s3:GetObject", Resource: "*", Context: caller}, Policies{Identity: []Named{{ID: "p", Policy: p}}})
	if !res.Allowed() {
		t.Errorf("got %s, want allowed", res.Decision)
	}
	if len(caller) != 1 {
		t.Errorf("Evaluate modified the caller's context: %v", caller)
	}
}
