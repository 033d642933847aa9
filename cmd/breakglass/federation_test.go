package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

func stsClient(endpoint string, creds aws.CredentialsProvider) *sts.Client {
	return sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), Credentials: creds, RetryMaxAttempts: 1})
}

func code(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

// TestFederationEndToEnd walks the emergency path across the real IdP and
// the real emulator, over HTTP and the AWS SDK only: the IdP mints a
// response for alice in the read-only emergency group, STS federates her
// into EmergencyAccess_Role1_RO, she chains into workload account 1's
// EmergencyAccess_RO and sees that identity.
func TestFederationEndToEnd(t *testing.T) {
	dir := t.TempDir()
	_, awsURL := startServeIn(t, dir)
	ctx := context.Background()
	mint := breakglass(t, dir, "idp", "mint", "--user", "alice", "--group", role1ROGroup)
	if mint.code != 0 {
		t.Fatalf("mint: %d %s", mint.code, mint.stderr)
	}
	assertion := strings.TrimSpace(mint.stdout)

	anon := stsClient(awsURL, aws.AnonymousCredentials{})
	out, err := anon.AssumeRoleWithSAML(ctx, &sts.AssumeRoleWithSAMLInput{
		RoleArn:       aws.String("arn:aws:iam::111111111111:role/EmergencyAccess_Role1_RO"),
		PrincipalArn:  aws.String("arn:aws:iam::111111111111:saml-provider/Okta"),
		SAMLAssertion: aws.String(assertion),
	})
	if err != nil {
		t.Fatalf("AssumeRoleWithSAML: %v", err)
	}
	if got := aws.ToString(out.AssumedRoleUser.Arn); got != "arn:aws:sts::111111111111:assumed-role/EmergencyAccess_Role1_RO/alice@example.com" {
		t.Errorf("assumed role ARN %s", got)
	}
	if aws.ToString(out.Audience) != "https://signin.aws.amazon.com/saml" || aws.ToString(out.Issuer) != "urn:breakglass:idp" ||
		aws.ToString(out.Subject) != "alice" || aws.ToString(out.SubjectType) != "persistent" || aws.ToString(out.SourceIdentity) != "alice" {
		t.Errorf("federation result: audience %s issuer %s subject %s type %s source %s", aws.ToString(out.Audience), aws.ToString(out.Issuer),
			aws.ToString(out.Subject), aws.ToString(out.SubjectType), aws.ToString(out.SourceIdentity))
	}
	if !strings.HasPrefix(aws.ToString(out.Credentials.AccessKeyId), "ASIA") {
		t.Errorf("access key %s", aws.ToString(out.Credentials.AccessKeyId))
	}
	emergency := stsClient(awsURL, credentials.NewStaticCredentialsProvider(aws.ToString(out.Credentials.AccessKeyId),
		aws.ToString(out.Credentials.SecretAccessKey), aws.ToString(out.Credentials.SessionToken)))

	// Read-only cannot chain into the Ops role of the workload account.
	if _, err := emergency.AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::222222222222:role/EmergencyAccess_Ops"), RoleSessionName: aws.String("alice"),
	}); code(err) != "AccessDenied" {
		t.Errorf("RO into Ops: got %v, want AccessDenied", err)
	}
	// A chained session longer than one hour fails, it is not clamped.
	if _, err := emergency.AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::222222222222:role/EmergencyAccess_RO"), RoleSessionName: aws.String("alice"),
		DurationSeconds: aws.Int32(7200),
	}); code(err) != "ValidationError" {
		t.Errorf("2-hour chained session: got %v, want ValidationError", err)
	}
	hop, err := emergency.AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::222222222222:role/EmergencyAccess_RO"), RoleSessionName: aws.String("alice"),
	})
	if err != nil {
		t.Fatalf("chained AssumeRole: %v", err)
	}
	workload := stsClient(awsURL, credentials.NewStaticCredentialsProvider(aws.ToString(hop.Credentials.AccessKeyId),
		aws.ToString(hop.Credentials.SecretAccessKey), aws.ToString(hop.Credentials.SessionToken)))
	id, err := workload.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(id.Arn); got != "arn:aws:sts::222222222222:assumed-role/EmergencyAccess_RO/alice" {
		t.Errorf("chained identity %s", got)
	}
	if aws.ToString(hop.SourceIdentity) != "alice" {
		t.Errorf("source identity not carried into the chain: %q", aws.ToString(hop.SourceIdentity))
	}
}

// TestFederationRefusals reproduces federation errors with the IdP's fault
// knobs against the emulator, by AWS error code.
func TestFederationRefusals(t *testing.T) {
	dir := t.TempDir()
	_, awsURL := startServeIn(t, dir)
	anon := stsClient(awsURL, aws.AnonymousCredentials{})
	cases := []struct {
		fault, role, want string
	}{
		{"foreign-key", "EmergencyAccess_Role1_RO", "InvalidIdentityToken"},
		{"unsigned", "EmergencyAccess_Role1_RO", "InvalidIdentityToken"},
		{"tampered", "EmergencyAccess_Role1_Ops", "InvalidIdentityToken"},
		{"wrong-issuer", "EmergencyAccess_Role1_RO", "InvalidIdentityToken"},
		{"issued-in-past", "EmergencyAccess_Role1_RO", "ExpiredTokenException"},
		{"expired", "EmergencyAccess_Role1_RO", "ExpiredTokenException"},
		{"missing-role-session-name", "EmergencyAccess_Role1_RO", "InvalidIdentityToken"},
		{"invalid-role-session-name", "EmergencyAccess_Role1_RO", "InvalidIdentityToken"},
		{"missing-name-id", "EmergencyAccess_Role1_RO", "AccessDenied"},
		{"wrong-recipient", "EmergencyAccess_Role1_RO", "InvalidIdentityToken"},
	}
	for _, tc := range cases {
		t.Run(tc.fault, func(t *testing.T) {
			m := breakglass(t, dir, "idp", "mint", "--user", "alice", "--group", role1ROGroup, "--fault", tc.fault)
			if m.code != 0 {
				t.Fatalf("mint: %s", m.stderr)
			}
			_, err := anon.AssumeRoleWithSAML(context.Background(), &sts.AssumeRoleWithSAMLInput{
				RoleArn:       aws.String("arn:aws:iam::111111111111:role/" + tc.role),
				PrincipalArn:  aws.String("arn:aws:iam::111111111111:saml-provider/Okta"),
				SAMLAssertion: aws.String(strings.TrimSpace(m.stdout)),
			})
			if code(err) != tc.want {
				t.Errorf("got %v, want %s", err, tc.want)
			}
		})
	}
}
