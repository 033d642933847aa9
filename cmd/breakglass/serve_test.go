package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

func TestServeRefusesNonLoopbackWithDemoCredentials(t *testing.T) {
	for flag, other := range map[string]string{"--idp-addr": "--aws-addr", "--aws-addr": "--idp-addr"} {
		r := breakglass(t, t.TempDir(), "serve", flag, "0.0.0.0:0", other, "127.0.0.1:0")
		if r.code != 2 || !strings.Contains(r.stderr, "demo password") {
			t.Errorf("%s 0.0.0.0: exit %d\n%s", flag, r.code, r.stderr)
		}
	}
	if r := breakglass(t, t.TempDir(), "serve", "--bare", "--landscape", "x.yaml"); r.code != 2 {
		t.Errorf("--bare with --landscape: exit %d", r.code)
	}
}

// startServe runs `breakglass serve` on random loopback ports and returns
// the IdP and AWS URLs it reports, and a stop function that checks the exit.
func startServe(t *testing.T, args ...string) (idpURL, awsURL string) {
	t.Helper()
	return startServeIn(t, t.TempDir(), args...)
}

// startServeIn is startServe with the configuration directory (and so the
// IdP signing key) in configDir.
func startServeIn(t *testing.T, configDir string, args ...string) (idpURL, awsURL string) {
	t.Helper()
	idpURL, awsURL, _ = startServeLines(t, map[string]string{envConfigDir: configDir}, args...)
	return idpURL, awsURL
}

func TestServe(t *testing.T) {
	idpURL, awsURL := startServe(t)
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(idpURL + "/metadata")
	if err != nil {
		t.Fatal(err)
	}
	md, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(md), `entityID="urn:breakglass:idp"`) || !strings.Contains(string(md), idpURL+"/sso") {
		t.Fatalf("metadata: %d\n%s", resp.StatusCode, md)
	}

	// The built-in landscape was applied to the emulator through its API.
	iamFor := rootIAMClients(awsURL)
	ctx := context.Background()
	emergency, _ := iamFor(ctx, "111111111111")
	p, err := emergency.GetSAMLProvider(ctx, &iam.GetSAMLProviderInput{SAMLProviderArn: aws.String("arn:aws:iam::111111111111:saml-provider/Okta")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(p.SAMLMetadataDocument) != string(md) {
		t.Error("the Okta provider does not hold the IdP's metadata")
	}
	roles, err := emergency.ListRoles(ctx, &iam.ListRolesInput{})
	if err != nil || len(roles.Roles) != 4 {
		t.Fatalf("emergency roles: %v, %d", err, len(roles.Roles))
	}
	workload, _ := iamFor(ctx, "222222222222")
	attached, err := workload.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("EmergencyAccess_Ops")})
	if err != nil || len(attached.AttachedPolicies) != 1 || aws.ToString(attached.AttachedPolicies[0].PolicyArn) != "arn:aws:iam::aws:policy/job-function/SystemAdministrator" {
		t.Errorf("EmergencyAccess_Ops policies: %v %+v", err, attached)
	}
	// The break-glass IAM user, with its group and an enabled MFA device.
	groups, err := emergency.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: aws.String("EmergencyAccess")})
	if err != nil || len(groups.Groups) != 1 || aws.ToString(groups.Groups[0].GroupName) != "EmergencyAccessGroup" {
		t.Errorf("EmergencyAccess groups: %v %+v", err, groups)
	}
	mfa, err := emergency.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: aws.String("EmergencyAccess")})
	if err != nil || len(mfa.MFADevices) != 1 {
		t.Errorf("EmergencyAccess MFA devices: %v %+v", err, mfa)
	}
	// The SCP keeps even the workload account's root from deleting an emergency role.
	if _, err := workload.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("EmergencyAccess_RO")}); code(err) != "AccessDenied" {
		t.Errorf("deleting an emergency role: got %v, want AccessDenied from the SCP", err)
	}
}

func TestServeBare(t *testing.T) {
	_, awsURL := startServe(t, "--bare")
	c, _ := rootIAMClients(awsURL)(context.Background(), "111111111111")
	roles, err := c.ListRoles(context.Background(), &iam.ListRolesInput{})
	if err != nil || len(roles.Roles) != 0 {
		t.Errorf("bare emulator: %v, %d roles", err, len(roles.Roles))
	}
}
