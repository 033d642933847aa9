package sp_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/breakglass-dev/breakglass/sp"
)

// TestTrustBindsUniqueIDs: IAM saves a trust policy's role and user ARNs
// as the entities' unique ids [R22]. A workload role that trusts the
// emergency role by ARN stops trusting it when the emergency role is
// deleted and created again under the same name (the drift a break-glass
// drill must catch), until its trust policy is saved again.
func TestTrustBindsUniqueIDs(t *testing.T) {
	ctx := context.Background()
	ts := httptest.NewServer(sp.New(sp.Config{}).Handler())
	t.Cleanup(ts.Close)
	root := func(acct string) *iam.Client {
		return iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), RetryMaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider(acct, "x", "")})
	}
	stsAs := func(id, secret, token string) *sts.Client {
		return sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), RetryMaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider(id, secret, token)})
	}
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	emergency, workload := root("111111111111"), root("222222222222")
	assumeAny := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`
	must(emergency.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("responder")}))
	must(emergency.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("responder"), PolicyName: aws.String("assume"), PolicyDocument: aws.String(assumeAny)}))
	key, err := emergency.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("responder")})
	if err != nil {
		t.Fatal(err)
	}
	user := stsAs(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")
	createEmergencyRole := func() {
		t.Helper()
		must(emergency.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("EmergencyAccess_Ops"),
			AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:user/responder"},"Action":"sts:AssumeRole"}]}`)}))
		must(emergency.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("EmergencyAccess_Ops"), PolicyName: aws.String("hop"), PolicyDocument: aws.String(assumeAny)}))
	}
	createEmergencyRole()
	workloadTrust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/EmergencyAccess_Ops"},"Action":"sts:AssumeRole"}]}`
	must(workload.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("EmergencyAccess_Ops"), AssumeRolePolicyDocument: aws.String(workloadTrust)}))

	hop := func() error {
		t.Helper()
		first, err := user.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111111111111:role/EmergencyAccess_Ops"), RoleSessionName: aws.String("drill")})
		if err != nil {
			t.Fatalf("first hop: %v", err)
		}
		c := first.Credentials
		_, err = stsAs(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)).AssumeRole(ctx,
			&sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::222222222222:role/EmergencyAccess_Ops"), RoleSessionName: aws.String("drill")})
		return err
	}
	if err := hop(); err != nil {
		t.Fatalf("chained hop before the drift: %v", err)
	}

	// Delete and re-create the emergency role: same name, new unique id.
	must(emergency.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("EmergencyAccess_Ops"), PolicyName: aws.String("hop")}))
	must(emergency.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("EmergencyAccess_Ops")}))
	createEmergencyRole()
	if err := hop(); apiCode(err) != "AccessDenied" {
		t.Fatalf("chained hop into a trust bound to the deleted role: got %v, want AccessDenied", err)
	}

	// Saving the same trust policy again binds it to the new role.
	must(workload.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("EmergencyAccess_Ops"), PolicyDocument: aws.String(workloadTrust)}))
	if err := hop(); err != nil {
		t.Fatalf("chained hop after the trust was saved again: %v", err)
	}

	// A trust policy naming a role that does not exist is refused.
	_, err = workload.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("Other"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/Missing"},"Action":"sts:AssumeRole"}]}`)})
	if apiCode(err) != "MalformedPolicyDocument" || !strings.Contains(err.Error(), `Invalid principal in policy: "AWS":"arn:aws:iam::111111111111:role/Missing"`) {
		t.Errorf("trust naming a missing role: got %v", err)
	}
}
