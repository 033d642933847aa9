package sp_test

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/breakglass-dev/breakglass/sp"
)

// accounts starts one emulator and returns an IAM client signed as the
// root user of each account, in order, and the server URL.
func accounts(t *testing.T, ids ...string) ([]*iam.Client, string) {
	t.Helper()
	ts := httptest.NewServer(sp.New(sp.Config{}).Handler())
	t.Cleanup(ts.Close)
	var out []*iam.Client
	for _, id := range ids {
		out = append(out, iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), RetryMaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider(id, "x", "")}))
	}
	return out, ts.URL
}

const (
	listRolesPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListRoles","iam:GetRole"],"Resource":"*"}]}`
	s3ReadPolicy    = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::logs/*"}]}`
)

func TestCustomerManagedPolicyLifecycle(t *testing.T) {
	ctx := t.Context()
	clients, _ := accounts(t, "555555555555")
	c := clients[0]
	created, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("ListRoles"), Path: aws.String("/ops/"),
		PolicyDocument: aws.String(listRolesPolicy), Description: aws.String("read roles")})
	if err != nil {
		t.Fatal(err)
	}
	p := created.Policy
	arn := "arn:aws:iam::555555555555:policy/ops/ListRoles"
	if got := aws.ToString(p.Arn); got != arn {
		t.Errorf("Arn: got %s, want %s", got, arn)
	}
	if id := aws.ToString(p.PolicyId); !strings.HasPrefix(id, "ANPA") || len(id) != 21 {
		t.Errorf("PolicyId: got %s, want ANPA + 17 characters", id)
	}
	if aws.ToString(p.DefaultVersionId) != "v1" || !p.IsAttachable || aws.ToInt32(p.AttachmentCount) != 0 || aws.ToString(p.Path) != "/ops/" {
		t.Errorf("CreatePolicy: got version %s attachable %v count %d path %s, want v1 true 0 /ops/",
			aws.ToString(p.DefaultVersionId), p.IsAttachable, aws.ToInt32(p.AttachmentCount), aws.ToString(p.Path))
	}

	got, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.Policy.PolicyName) != "ListRoles" || aws.ToString(got.Policy.Description) != "read roles" {
		t.Errorf("GetPolicy: got %s %q, want ListRoles \"read roles\"", aws.ToString(got.Policy.PolicyName), aws.ToString(got.Policy.Description))
	}

	v1, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v1")})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := url.PathUnescape(aws.ToString(v1.PolicyVersion.Document))
	if err != nil || doc != listRolesPolicy {
		t.Errorf("GetPolicyVersion document: got %q (%v), want %q", doc, err, listRolesPolicy)
	}
	if !v1.PolicyVersion.IsDefaultVersion {
		t.Error("v1 is not the default version")
	}

	v2, err := c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(s3ReadPolicy), SetAsDefault: true})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(v2.PolicyVersion.VersionId) != "v2" || !v2.PolicyVersion.IsDefaultVersion {
		t.Errorf("CreatePolicyVersion: got %s default %v, want v2 default", aws.ToString(v2.PolicyVersion.VersionId), v2.PolicyVersion.IsDefaultVersion)
	}
	for i := 3; i <= 5; i++ {
		if _, err := c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(s3ReadPolicy)}); err != nil {
			t.Fatalf("version %d: %v", i, err)
		}
	}

	errorCases := []struct {
		name string
		call func() error
		want string
	}{
		{"sixth version", func() error {
			return second(c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(s3ReadPolicy)}))
		}, "LimitExceeded"},
		{"duplicate name ignoring case", func() error {
			return second(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("listroles"), PolicyDocument: aws.String(listRolesPolicy)}))
		}, "EntityAlreadyExists"},
		{"malformed document", func() error {
			return second(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("Bad"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]}`)}))
		}, "MalformedPolicyDocument"},
		{"not JSON", func() error {
			return second(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("Bad"), PolicyDocument: aws.String(`{"Statement":`)}))
		}, "MalformedPolicyDocument"},
		{"trust policy as identity policy", func() error {
			return second(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("Bad"), PolicyDocument: aws.String(trust)}))
		}, "MalformedPolicyDocument"},
		{"bad name", func() error {
			return second(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("a b"), PolicyDocument: aws.String(listRolesPolicy)}))
		}, "ValidationError"},
		{"bad path", func() error {
			return second(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("P"), Path: aws.String("ops"), PolicyDocument: aws.String(listRolesPolicy)}))
		}, "ValidationError"},
		{"unknown version", func() error {
			return second(c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v9")}))
		}, "NoSuchEntity"},
		{"unknown policy", func() error {
			return second(c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::555555555555:policy/Nope")}))
		}, "NoSuchEntity"},
		{"wrong path", func() error {
			return second(c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::555555555555:policy/ListRoles")}))
		}, "NoSuchEntity"},
		{"delete default version", func() error {
			return second(c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v2")}))
		}, "DeleteConflict"},
		{"delete with versions", func() error {
			return second(c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(arn)}))
		}, "DeleteConflict"},
		{"bad scope", func() error {
			return second(c.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: "Mine"}))
		}, "ValidationError"},
	}
	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); apiCode(err) != tc.want {
				t.Errorf("got %v, want %s", err, tc.want)
			}
		})
	}

	versions, err := c.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if len(versions.Versions) != 5 {
		t.Fatalf("ListPolicyVersions: got %d versions, want 5", len(versions.Versions))
	}
	for _, v := range versions.Versions {
		if id := aws.ToString(v.VersionId); id == "v2" {
			continue
		} else if _, err := c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String(id)}); err != nil {
			t.Fatalf("delete %s: %v", id, err)
		}
	}
	if _, err := c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)}); apiCode(err) != "NoSuchEntity" {
		t.Errorf("GetPolicy after DeletePolicy: got %v, want NoSuchEntity", err)
	}
}

func TestListPolicies(t *testing.T) {
	ctx := t.Context()
	clients, _ := accounts(t, "555555555555")
	c := clients[0]
	if _, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("Mine"), PolicyDocument: aws.String(listRolesPolicy)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("R"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("R"), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}); err != nil {
		t.Fatal(err)
	}
	names := func(ps []types.Policy) map[string]bool {
		out := map[string]bool{}
		for _, p := range ps {
			out[aws.ToString(p.Arn)] = true
		}
		return out
	}
	const mine, readOnly, admin = "arn:aws:iam::555555555555:policy/Mine", "arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/AdministratorAccess"
	cases := []struct {
		name         string
		in           iam.ListPoliciesInput
		want, absent []string
	}{
		{"all", iam.ListPoliciesInput{}, []string{mine, readOnly, admin}, nil},
		{"local", iam.ListPoliciesInput{Scope: types.PolicyScopeTypeLocal}, []string{mine}, []string{readOnly}},
		{"aws", iam.ListPoliciesInput{Scope: types.PolicyScopeTypeAws}, []string{readOnly, admin}, []string{mine}},
		{"only attached", iam.ListPoliciesInput{OnlyAttached: true}, []string{readOnly}, []string{mine, admin}},
		{"path prefix", iam.ListPoliciesInput{PathPrefix: aws.String("/job-function/")}, []string{"arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"}, []string{readOnly, mine}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := c.ListPolicies(ctx, &tc.in)
			if err != nil {
				t.Fatal(err)
			}
			got := names(out.Policies)
			for _, arn := range tc.want {
				if !got[arn] {
					t.Errorf("got %v, want it to hold %s", got, arn)
				}
			}
			for _, arn := range tc.absent {
				if got[arn] {
					t.Errorf("got %v, want it without %s", got, arn)
				}
			}
		})
	}
	ro, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(readOnly)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(ro.Policy.PolicyName) != "ReadOnlyAccess" || aws.ToInt32(ro.Policy.AttachmentCount) != 1 || aws.ToString(ro.Policy.DefaultVersionId) != "v1" {
		t.Errorf("GetPolicy ReadOnlyAccess: got %s count %d version %s, want ReadOnlyAccess 1 v1",
			aws.ToString(ro.Policy.PolicyName), aws.ToInt32(ro.Policy.AttachmentCount), aws.ToString(ro.Policy.DefaultVersionId))
	}
}

// TestAttachCustomerManagedPolicy: a customer managed policy attached to a
// role, user or group is what the policy engine evaluates for it, at its
// default version; another account's policy cannot be attached.
func TestAttachCustomerManagedPolicy(t *testing.T) {
	ctx := t.Context()
	clients, serverURL := accounts(t, "555555555555", "666666666666")
	c, other := clients[0], clients[1]
	const arn = "arn:aws:iam::555555555555:policy/ListRoles"
	if _, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("ListRoles"), PolicyDocument: aws.String(listRolesPolicy)}); err != nil {
		t.Fatal(err)
	}
	if _, err := other.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("Foreign"), PolicyDocument: aws.String(listRolesPolicy)}); err != nil {
		t.Fatal(err)
	}
	trustAccount := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::555555555555:root"},"Action":"sts:AssumeRole"}]}`
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("Operator"), AssumeRolePolicyDocument: aws.String(trustAccount)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("ops")}); err != nil {
		t.Fatal(err)
	}

	attachCases := []struct {
		name, policy, want string
		attach             func(arn string) error
	}{
		{"role", arn, "", func(a string) error {
			return second(c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("Operator"), PolicyArn: aws.String(a)}))
		}},
		{"user", arn, "", func(a string) error {
			return second(c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: aws.String(a)}))
		}},
		{"group", arn, "", func(a string) error {
			return second(c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("ops"), PolicyArn: aws.String(a)}))
		}},
		{"role, other account", "arn:aws:iam::666666666666:policy/Foreign", "NoSuchEntity", func(a string) error {
			return second(c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("Operator"), PolicyArn: aws.String(a)}))
		}},
		{"user, other account", "arn:aws:iam::666666666666:policy/Foreign", "NoSuchEntity", func(a string) error {
			return second(c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: aws.String(a)}))
		}},
		{"group, other account", "arn:aws:iam::666666666666:policy/Foreign", "NoSuchEntity", func(a string) error {
			return second(c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("ops"), PolicyArn: aws.String(a)}))
		}},
		{"unknown customer policy", "arn:aws:iam::555555555555:policy/Nope", "NoSuchEntity", func(a string) error {
			return second(c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("Operator"), PolicyArn: aws.String(a)}))
		}},
	}
	for _, tc := range attachCases {
		t.Run("attach "+tc.name, func(t *testing.T) {
			if err := tc.attach(tc.policy); apiCode(err) != tc.want {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}

	p, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if n := aws.ToInt32(p.Policy.AttachmentCount); n != 3 {
		t.Errorf("AttachmentCount: got %d, want 3", n)
	}
	if _, err := c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(arn)}); apiCode(err) != "DeleteConflict" {
		t.Errorf("DeletePolicy while attached: got %v, want DeleteConflict", err)
	}

	simulate := func(t *testing.T, source, action string, resources ...string) string {
		t.Helper()
		out, err := c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(source),
			ActionNames: []string{action}, ResourceArns: resources})
		if err != nil {
			t.Fatal(err)
		}
		return string(out.EvaluationResults[0].EvalDecision)
	}
	simCases := []struct{ source, action, want string }{
		{"arn:aws:iam::555555555555:role/Operator", "iam:ListRoles", "allowed"},
		{"arn:aws:iam::555555555555:role/Operator", "iam:DeleteRole", "implicitDeny"},
		{"arn:aws:iam::555555555555:user/alice", "iam:GetRole", "allowed"},
		{"arn:aws:iam::555555555555:group/ops", "iam:ListRoles", "allowed"},
	}
	for _, tc := range simCases {
		t.Run("simulate "+tc.source+" "+tc.action, func(t *testing.T) {
			if got := simulate(t, tc.source, tc.action); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}

	// A session of the role is authorised by the same policy. Root cannot
	// assume roles, so alice does.
	if _, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	key, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	stsc := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(serverURL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")})
	creds, err := stsc.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::555555555555:role/Operator"), RoleSessionName: aws.String("drill")})
	if err != nil {
		t.Fatal(err)
	}
	session := iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(serverURL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(aws.ToString(creds.Credentials.AccessKeyId),
			aws.ToString(creds.Credentials.SecretAccessKey), aws.ToString(creds.Credentials.SessionToken))})
	if _, err := session.ListRoles(ctx, &iam.ListRolesInput{}); err != nil {
		t.Errorf("session ListRoles: got %v, want success", err)
	}
	if _, err := session.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("Operator")}); apiCode(err) != "AccessDenied" {
		t.Errorf("session DeleteRole: got %v, want AccessDenied", err)
	}

	// A new default version changes what the role may do.
	if _, err := c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(s3ReadPolicy), SetAsDefault: true}); err != nil {
		t.Fatal(err)
	}
	if got := simulate(t, "arn:aws:iam::555555555555:role/Operator", "iam:ListRoles"); got != "implicitDeny" {
		t.Errorf("after v2: iam:ListRoles got %s, want implicitDeny", got)
	}
	if got := simulate(t, "arn:aws:iam::555555555555:role/Operator", "s3:GetObject", "arn:aws:s3:::logs/app.log"); got != "allowed" {
		t.Errorf("after v2: s3:GetObject got %s, want allowed", got)
	}
}

// TestGetPolicyVersionAWSManaged: the emulator cannot render the
// documents of AWS managed policies, and says so with NoSuchEntity.
func TestGetPolicyVersionAWSManaged(t *testing.T) {
	clients, _ := accounts(t, "555555555555")
	_, err := clients[0].GetPolicyVersion(t.Context(), &iam.GetPolicyVersionInput{
		PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess"), VersionId: aws.String("v1")})
	if apiCode(err) != "NoSuchEntity" {
		t.Errorf("got %v, want NoSuchEntity", err)
	}
}
