package sp_test

import (
	"context"
	"strings"
	"testing"

	"net/http/httptest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/breakglass-dev/breakglass/sp"
)

const protectSCP = `{"Version":"2012-10-17","Statement":[{"Sid":"ProtectEmergencyAccessRoles","Effect":"Deny","Action":["iam:DeleteRole","iam:UpdateRole","iam:UpdateAssumeRolePolicy","iam:PutRolePolicy","iam:AttachRolePolicy"],"Resource":"arn:aws:iam::*:role/EmergencyAccess_*","Condition":{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/OrganizationAccountAccessRole"}}}]}`

// TestSCPProtectsEmergencyRoles: an SCP attached through the Organizations
// API denies changing the emergency roles, even to the member account's
// root user, and leaves other roles alone.
func TestSCPProtectsEmergencyRoles(t *testing.T) {
	ctx := context.Background()
	ts := httptest.NewServer(sp.New(sp.Config{}).Handler())
	t.Cleanup(ts.Close)
	creds := func(acct string) aws.CredentialsProvider {
		return credentials.NewStaticCredentialsProvider(acct, "x", "")
	}
	mgmt := organizations.New(organizations.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), Credentials: creds("555555555555"), RetryMaxAttempts: 1})
	member := iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), Credentials: creds("222222222222"), RetryMaxAttempts: 1})
	for _, role := range []string{"EmergencyAccess_RO", "Scratch"} {
		if _, err := member.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(role), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := mgmt.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}); err != nil {
		t.Fatal(err)
	}
	p, err := mgmt.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("ProtectEmergencyAccess"), Description: aws.String("d"),
		Content: aws.String(protectSCP), Type: orgtypes.PolicyTypeServiceControlPolicy})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mgmt.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: p.Policy.PolicySummary.Id, TargetId: aws.String("222222222222")}); err != nil {
		t.Fatal(err)
	}
	_, err = member.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("EmergencyAccess_RO")})
	if apiCode(err) != "AccessDenied" || !strings.Contains(err.Error(), "explicit deny in a service control policy") {
		t.Errorf("deleting an emergency role under the SCP: got %v", err)
	}
	if _, err := member.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String("Scratch"), MaxSessionDuration: aws.Int32(7200)}); err != nil {
		t.Errorf("another role is not protected: %v", err)
	}
	// Only the management account administers policies.
	memberOrg := organizations.New(organizations.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), Credentials: creds("222222222222"), RetryMaxAttempts: 1})
	if _, err := memberOrg.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: p.Policy.PolicySummary.Id, TargetId: aws.String("222222222222")}); apiCode(err) != "AccessDeniedException" {
		t.Errorf("member detaching the SCP: got %v", err)
	}
	if _, err := mgmt.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("Bad"), Description: aws.String("d"),
		Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}`), Type: orgtypes.PolicyTypeServiceControlPolicy}); apiCode(err) != "MalformedPolicyDocumentException" {
		t.Errorf("SCP with a Principal: got %v", err)
	}
	if _, err := mgmt.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: p.Policy.PolicySummary.Id, TargetId: aws.String("222222222222")}); err != nil {
		t.Fatal(err)
	}
	if _, err := member.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("EmergencyAccess_RO")}); err != nil {
		t.Errorf("after detaching the SCP: %v", err)
	}
}
