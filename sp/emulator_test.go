package sp_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/breakglass-dev/breakglass/sp"
)

// emulator starts the emulator on loopback and returns SDK clients signed
// as the root user of account (LocalStack's 12-digit key convention).
func emulator(t *testing.T, account string) (*iam.Client, *sts.Client) {
	t.Helper()
	ts := httptest.NewServer(sp.New(sp.Config{}).Handler())
	t.Cleanup(ts.Close)
	creds := credentials.NewStaticCredentialsProvider(account, "any-secret", "")
	return iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), Credentials: creds, RetryMaxAttempts: 1}),
		sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), Credentials: creds, RetryMaxAttempts: 1})
}

func apiCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

const trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111111111111:saml-provider/Okta"},"Action":"sts:AssumeRoleWithSAML","Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}}}]}`

func TestRootCallerIdentity(t *testing.T) {
	_, stsc := emulator(t, "111111111111")
	out, err := stsc.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Arn) != "arn:aws:iam::111111111111:root" || aws.ToString(out.Account) != "111111111111" {
		t.Errorf("got %s in %s", aws.ToString(out.Arn), aws.ToString(out.Account))
	}
}

func TestUnknownKeyRefused(t *testing.T) {
	ts := httptest.NewServer(sp.New(sp.Config{}).Handler())
	t.Cleanup(ts.Close)
	c := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKIAUNKNOWNKEY000000", "x", "")})
	if _, err := c.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); apiCode(err) != "InvalidClientTokenId" {
		t.Errorf("got %v, want InvalidClientTokenId", err)
	}
}

func TestIAMRolesAndProviders(t *testing.T) {
	ctx := context.Background()
	iamc, _ := emulator(t, "111111111111")
	raw, err := os.ReadFile("../../shared/testdata/metadata/okta-dev-tenant-idp.xml")
	if err != nil {
		t.Fatal(err)
	}
	metadata := string(raw)
	p, err := iamc.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("Okta"), SAMLMetadataDocument: aws.String(metadata)})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(p.SAMLProviderArn); got != "arn:aws:iam::111111111111:saml-provider/Okta" {
		t.Errorf("provider ARN %s", got)
	}
	g, err := iamc.GetSAMLProvider(ctx, &iam.GetSAMLProviderInput{SAMLProviderArn: p.SAMLProviderArn})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(g.SAMLMetadataDocument) != metadata || g.ValidUntil.Sub(*g.CreateDate).Hours() < 100*365*24 {
		t.Errorf("GetSAMLProvider: created %v valid until %v", g.CreateDate, g.ValidUntil)
	}
	if _, err := iamc.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("Okta"), SAMLMetadataDocument: aws.String(metadata)}); apiCode(err) != "EntityAlreadyExists" {
		t.Errorf("duplicate provider: got %v", err)
	}

	r, err := iamc.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("EmergencyAccess_Role1_RO"), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(aws.ToString(r.Role.RoleId), "AROA") || aws.ToInt32(r.Role.MaxSessionDuration) != 3600 {
		t.Errorf("role id %s, max session %d", aws.ToString(r.Role.RoleId), aws.ToInt32(r.Role.MaxSessionDuration))
	}
	got, err := iamc.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("emergencyaccess_role1_ro")})
	if err != nil {
		t.Fatalf("role names are case-insensitive in IAM: %v", err)
	}
	if doc, _ := url.QueryUnescape(aws.ToString(got.Role.AssumeRolePolicyDocument)); doc != trust {
		t.Errorf("trust policy round trip: got %s", doc)
	}
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"duplicate role ignoring case", second(iamc.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("EMERGENCYACCESS_ROLE1_RO"), AssumeRolePolicyDocument: aws.String(trust)})), "EntityAlreadyExists"},
		{"bad role name", second(iamc.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("no spaces allowed"), AssumeRolePolicyDocument: aws.String(trust)})), "ValidationError"},
		{"max session too long", second(iamc.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String("EmergencyAccess_Role1_RO"), MaxSessionDuration: aws.Int32(43201)})), "ValidationError"},
		{"unknown role", second(iamc.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("Nope")})), "NoSuchEntity"},
		{"provider in another account", second(iamc.GetSAMLProvider(ctx, &iam.GetSAMLProviderInput{SAMLProviderArn: aws.String("arn:aws:iam::222222222222:saml-provider/Okta")})), "NoSuchEntity"},
		{"trust policy with a Resource", second(iamc.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("R2"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole","Resource":"*"}]}`)})), "MalformedPolicyDocument"},
		{"trust policy not JSON", second(iamc.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("EmergencyAccess_Role1_RO"), PolicyDocument: aws.String(`{`)})), "MalformedPolicyDocument"},
		{"unknown managed policy", second(iamc.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("EmergencyAccess_Role1_RO"), PolicyArn: aws.String("arn:aws:iam::aws:policy/NoSuchPolicy")})), "NoSuchEntity"},
		{"metadata without an IdP", second(iamc.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("NotIdP"), SAMLMetadataDocument: aws.String(`<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="urn:x">` + strings.Repeat(" ", 1000) + `</EntityDescriptor>`)})), "InvalidInput"},
		{"metadata too short", second(iamc.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("Short"), SAMLMetadataDocument: aws.String("<x/>")})), "ValidationError"},
	}
	for _, tc := range cases {
		if code := apiCode(tc.err); code != tc.want {
			t.Errorf("%s: got %v (code %q), want %s", tc.name, tc.err, code, tc.want)
		}
	}
	if _, err := iamc.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String("EmergencyAccess_Role1_RO"), MaxSessionDuration: aws.Int32(7200)}); err != nil {
		t.Fatal(err)
	}
	list, err := iamc.ListRoles(ctx, &iam.ListRolesInput{})
	if err != nil || len(list.Roles) != 1 || aws.ToInt32(list.Roles[0].MaxSessionDuration) != 7200 {
		t.Errorf("ListRoles: %v %+v", err, list)
	}
	if _, err := iamc.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("EmergencyAccess_Role1_RO"), PolicyName: aws.String("p"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::222222222222:role/EmergencyAccess_RO"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := iamc.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("EmergencyAccess_Role1_RO")}); apiCode(err) != "DeleteConflict" {
		t.Errorf("deleting a role with policies: got %v, want DeleteConflict", err)
	}
}

func second[T any](_ T, err error) error { return err }
