package sp_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/breakglass-dev/breakglass/sp"
	"github.com/breakglass-dev/breakglass/sp/control"
)

func code(t *testing.T, seed string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(seed, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestBreakGlassIAMUser is Failure Mode 1 on the emulator, set up and used
// only through the AWS API: the EmergencyAccess user signs in with its
// access key and an MFA code (GetSessionToken), assumes the emergency role
// whose trust policy demands MFA, and chains into the workload account;
// without MFA the role refuses it.
func TestBreakGlassIAMUser(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	emu := sp.New(sp.Config{Now: clock})
	ts := httptest.NewServer(emu.Handler())
	t.Cleanup(ts.Close)
	ctl := control.New(ts.URL, nil)
	root := func(acct string) *iam.Client {
		return iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), RetryMaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider(acct, "x", "")})
	}
	emergency, workload := root("111111111111"), root("222222222222")
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(emergency.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("EmergencyAccessGroup")}))
	must(emergency.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("EmergencyAccessGroup"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")}))
	must(emergency.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("EmergencyAccess")}))
	must(emergency.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("EmergencyAccessGroup"), UserName: aws.String("EmergencyAccess")}))
	if _, err := emergency.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("EmergencyAccess"), Password: aws.String("breakglass-demo")}); apiCode(err) != "PasswordPolicyViolation" {
		t.Errorf("weak password: got %v", err)
	}
	must(emergency.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("EmergencyAccess"), Password: aws.String("Breakglass-demo-1")}))
	dev, err := emergency.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("EmergencyAccess")})
	if err != nil {
		t.Fatal(err)
	}
	// The SDK decodes the base64 blob; what remains is the base32 seed.
	seed := string(dev.VirtualMFADevice.Base32StringSeed)
	serial := aws.ToString(dev.VirtualMFADevice.SerialNumber)
	if _, err := emergency.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String("EmergencyAccess"), SerialNumber: aws.String(serial),
		AuthenticationCode1: aws.String("000000"), AuthenticationCode2: aws.String("111111")}); apiCode(err) != "InvalidAuthenticationCode" {
		t.Errorf("wrong codes: got %v", err)
	}
	must(emergency.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String("EmergencyAccess"), SerialNumber: aws.String(serial),
		AuthenticationCode1: aws.String(code(t, seed, now.Add(-30*time.Second))), AuthenticationCode2: aws.String(code(t, seed, now))}))
	key, err := emergency.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("EmergencyAccess")})
	if err != nil {
		t.Fatal(err)
	}
	mfaTrust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:user/EmergencyAccess"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`
	must(emergency.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("EmergencyAccess_Role1_Ops"), AssumeRolePolicyDocument: aws.String(mfaTrust)}))
	must(emergency.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("EmergencyAccess_Role1_Ops"), PolicyName: aws.String("hop"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::222222222222:role/EmergencyAccess_Ops"}]}`)}))
	must(workload.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("EmergencyAccess_Ops"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/EmergencyAccess_Role1_Ops"},"Action":"sts:AssumeRole"}]}`)}))

	user := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")})
	opsRole := &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111111111111:role/EmergencyAccess_Role1_Ops"), RoleSessionName: aws.String("breakglass")}

	// Without MFA the role refuses the user.
	if _, err := user.AssumeRole(ctx, opsRole); apiCode(err) != "AccessDenied" {
		t.Fatalf("AssumeRole without MFA: got %v, want AccessDenied", err)
	}
	plain, err := user.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	noMFA := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(aws.ToString(plain.Credentials.AccessKeyId), aws.ToString(plain.Credentials.SecretAccessKey), aws.ToString(plain.Credentials.SessionToken))})
	if _, err := noMFA.AssumeRole(ctx, opsRole); apiCode(err) != "AccessDenied" {
		t.Errorf("AssumeRole with a session without MFA: got %v, want AccessDenied", err)
	}
	if _, err := user.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(serial), TokenCode: aws.String("123456")}); apiCode(err) != "AccessDenied" {
		t.Errorf("wrong MFA code: got %v", err)
	}

	// Malformed optional parameters fail the model's checks before any
	// authorization, naming the member as AWS does [R1].
	for _, tc := range []struct {
		name string
		in   *sts.AssumeRoleInput
		want string
	}{
		{"short token code", &sts.AssumeRoleInput{SerialNumber: aws.String(serial), TokenCode: aws.String("12345")}, "at 'tokenCode' failed to satisfy constraint: Member must have length greater than or equal to 6"},
		{"letters in token code", &sts.AssumeRoleInput{SerialNumber: aws.String(serial), TokenCode: aws.String("12345a")}, "at 'tokenCode' failed to satisfy constraint: Member must satisfy regular expression pattern"},
		{"short serial", &sts.AssumeRoleInput{SerialNumber: aws.String("arn:mfa"), TokenCode: aws.String("123456")}, "at 'serialNumber' failed to satisfy constraint: Member must have length greater than or equal to 9"},
		{"aws: source identity", &sts.AssumeRoleInput{SourceIdentity: aws.String("aws:alice")}, "at 'sourceIdentity' failed to satisfy constraint: Member must satisfy regular expression pattern"},
		{"long source identity", &sts.AssumeRoleInput{SourceIdentity: aws.String(strings.Repeat("a", 65))}, "at 'sourceIdentity' failed to satisfy constraint: Member must have length less than or equal to 64"},
		{"external id with space", &sts.AssumeRoleInput{ExternalId: aws.String("drill id")}, "at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern"},
	} {
		in := tc.in
		in.RoleArn, in.RoleSessionName = opsRole.RoleArn, opsRole.RoleSessionName
		_, err := user.AssumeRole(ctx, in)
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationError" || !strings.Contains(ae.ErrorMessage(), tc.want) {
			t.Errorf("%s: got %v, want ValidationError %q", tc.name, err, tc.want)
		}
	}
	if _, err := user.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(serial), TokenCode: aws.String("1234567")}); apiCode(err) != "ValidationError" {
		t.Errorf("GetSessionToken with a 7-digit code: got %v, want ValidationError", err)
	}

	// With MFA (a fresh 30-second step: a code is accepted once).
	if _, err := ctl.Advance(ctx, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	tok, err := user.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(serial), TokenCode: aws.String(code(t, seed, emu.Now()))})
	if err != nil {
		t.Fatalf("GetSessionToken with MFA: %v", err)
	}
	withMFA := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(aws.ToString(tok.Credentials.AccessKeyId), aws.ToString(tok.Credentials.SecretAccessKey), aws.ToString(tok.Credentials.SessionToken))})
	ops, err := withMFA.AssumeRole(ctx, opsRole)
	if err != nil {
		t.Fatalf("AssumeRole with MFA: %v", err)
	}
	opsClient := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(aws.ToString(ops.Credentials.AccessKeyId), aws.ToString(ops.Credentials.SecretAccessKey), aws.ToString(ops.Credentials.SessionToken))})
	hop, err := opsClient.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::222222222222:role/EmergencyAccess_Ops"), RoleSessionName: aws.String("breakglass")})
	if err != nil {
		t.Fatalf("chained hop: %v", err)
	}
	if got := aws.ToString(hop.AssumedRoleUser.Arn); got != "arn:aws:sts::222222222222:assumed-role/EmergencyAccess_Ops/breakglass" {
		t.Errorf("chained identity %s", got)
	}
	// Temporary credentials, of a user or a role, cannot call GetSessionToken [R1].
	for name, c := range map[string]*sts.Client{"user session": withMFA, "role session": opsClient} {
		if _, err := c.GetSessionToken(ctx, &sts.GetSessionTokenInput{}); apiCode(err) != "AccessDenied" {
			t.Errorf("GetSessionToken from a %s: got %v, want AccessDenied", name, err)
		}
	}
}

// TestIAMAuthorization: IAM calls by a role session need an identity
// policy; the root user needs none.
func TestIAMAuthorization(t *testing.T) {
	ctx := context.Background()
	ts := httptest.NewServer(sp.New(sp.Config{}).Handler())
	t.Cleanup(ts.Close)
	root := iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("444444444444", "x", "")})
	trustUser := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444444444444:user/admin"},"Action":"sts:AssumeRole"}]}`
	// IAM refuses a trust policy naming a user that does not exist [R22].
	if _, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("ReadOnly"), AssumeRolePolicyDocument: aws.String(trustUser)}); apiCode(err) != "MalformedPolicyDocument" {
		t.Fatalf("trust naming a missing user: got %v, want MalformedPolicyDocument", err)
	}
	root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("admin")})
	for _, role := range []string{"ReadOnly", "ProviderAdmin"} {
		if _, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(role), AssumeRolePolicyDocument: aws.String(trustUser)}); err != nil {
			t.Fatal(err)
		}
	}
	root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("ProviderAdmin"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetSAMLProvider","iam:UpdateSAMLProvider","iam:ListSAMLProviders"],"Resource":"*"}]}`)})
	root.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("ReadOnly"), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")})
	root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("admin"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)})
	key, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("admin")})
	if err != nil {
		t.Fatal(err)
	}
	admin := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")})
	as := func(role string) *iam.Client {
		out, err := admin.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::444444444444:role/" + role), RoleSessionName: aws.String("admin")})
		if err != nil {
			t.Fatalf("assume %s: %v", role, err)
		}
		return iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), RetryMaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider(aws.ToString(out.Credentials.AccessKeyId), aws.ToString(out.Credentials.SecretAccessKey), aws.ToString(out.Credentials.SessionToken))})
	}
	ro, pa := as("ReadOnly"), as("ProviderAdmin")
	if _, err := ro.ListRoles(ctx, &iam.ListRolesInput{}); err != nil {
		t.Errorf("ReadOnly ListRoles: %v", err)
	}
	if _, err := ro.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("ProviderAdmin")}); apiCode(err) != "AccessDenied" {
		t.Errorf("ReadOnly DeleteRole: got %v, want AccessDenied", err)
	}
	if _, err := pa.ListSAMLProviders(ctx, &iam.ListSAMLProvidersInput{}); err != nil {
		t.Errorf("ProviderAdmin ListSAMLProviders: %v", err)
	}
	if _, err := pa.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("intruder")}); apiCode(err) != "AccessDenied" {
		t.Errorf("ProviderAdmin CreateUser: got %v, want AccessDenied", err)
	}
}

// TestSimulatePrincipalPolicy: what the workload roles may and may not do,
// as a drill asks it (the seed's ReadOnlyAccess and SystemAdministrator).
func TestSimulatePrincipalPolicy(t *testing.T) {
	ctx := context.Background()
	ts := httptest.NewServer(sp.New(sp.Config{}).Handler())
	t.Cleanup(ts.Close)
	root := iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("222222222222", "x", "")})
	trustRole := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}`
	for role, managed := range map[string]string{"EmergencyAccess_RO": "ReadOnlyAccess", "EmergencyAccess_Ops": "job-function/SystemAdministrator"} {
		if _, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(role), AssumeRolePolicyDocument: aws.String(trustRole)}); err != nil {
			t.Fatal(err)
		}
		if _, err := root.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(role), PolicyArn: aws.String("arn:aws:iam::aws:policy/" + managed)}); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct{ role, action, want string }{
		{"EmergencyAccess_Ops", "autoscaling:UpdateAutoScalingGroup", "allowed"},
		{"EmergencyAccess_RO", "autoscaling:UpdateAutoScalingGroup", "implicitDeny"},
		{"EmergencyAccess_RO", "autoscaling:DescribeAutoScalingGroups", "allowed"},
		{"EmergencyAccess_Ops", "iam:CreateUser", "implicitDeny"},
	}
	for _, tc := range cases {
		out, err := root.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
			PolicySourceArn: aws.String("arn:aws:iam::222222222222:role/" + tc.role), ActionNames: []string{tc.action}})
		if err != nil {
			t.Fatal(err)
		}
		if got := string(out.EvaluationResults[0].EvalDecision); got != tc.want {
			t.Errorf("%s %s: got %s, want %s", tc.role, tc.action, got, tc.want)
		}
	}
	custom, err := root.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{
		PolicyInputList: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}`},
		ActionNames:     []string{"s3:GetObject", "s3:DeleteBucket"}})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := string(custom.EvaluationResults[0].EvalDecision), string(custom.EvaluationResults[1].EvalDecision); a != "allowed" || b != "explicitDeny" {
		t.Errorf("custom policy: got %s and %s, want allowed and explicitDeny", a, b)
	}
}
