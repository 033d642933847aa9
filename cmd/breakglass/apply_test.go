package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/breakglass-dev/breakglass/landscape"
)

// TestLandscapeApplyToAWS applies the built-in landscape to "real AWS"
// (the SDK's default chain pointed at a bare breakglass serve with
// AWS_ENDPOINT_URL): first a dry run, which lists the changes and makes
// none, then with --allow-changes, after which a second dry run has
// nothing to create.
func TestLandscapeApplyToAWS(t *testing.T) {
	dir := t.TempDir()
	_, awsURL := startServeIn(t, dir, "--bare")
	const deployer = "BreakglassDeployer"
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}`
	for _, account := range []string{"222222222222", "333333333333", "444444444444", "555555555555"} {
		c, err := rootIAMClients(awsURL)(t.Context(), account)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.CreateRole(t.Context(), &iam.CreateRoleInput{RoleName: aws.String(deployer), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.AttachRolePolicy(t.Context(), &iam.AttachRolePolicyInput{RoleName: aws.String(deployer), PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")}); err != nil {
			t.Fatal(err)
		}
	}
	home := awsCaller(t, awsURL, "deployer", "arn:aws:iam::aws:policy/AdministratorAccess", "")

	type report struct {
		DryRun  bool `json:"dry_run"`
		Changes []landscape.Change
	}
	apply := func(extra ...string) report {
		t.Helper()
		r := breakglass(t, dir, append([]string{"landscape", "apply", "--target", "aws", "--account-role", deployer, "--format", "json"}, extra...)...)
		var rep report
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &rep) != nil {
			t.Fatalf("landscape apply %v: exit %d\n%s\n%s", extra, r.code, r.stdout, r.stderr)
		}
		if strings.Contains(r.stdout, "seed") {
			t.Error("the report shows an MFA seed")
		}
		return rep
	}
	creates := func(rep report) int {
		n := 0
		for _, c := range rep.Changes {
			if c.Action == "create" {
				n++
			}
		}
		return n
	}

	dry := apply()
	if !dry.DryRun || creates(dry) < 10 {
		t.Fatalf("dry run: %+v, want a dry run that plans the landscape's creations", dry)
	}
	if ps, err := home.ListSAMLProviders(t.Context(), &iam.ListSAMLProvidersInput{}); err != nil || len(ps.SAMLProviderList) != 0 {
		t.Fatalf("the dry run changed the account: providers %v (%v)", ps, err)
	}
	done := apply("--allow-changes")
	if done.DryRun || creates(done) != creates(dry) {
		t.Errorf("applied %d creations, the dry run planned %d:\n%+v\n%+v", creates(done), creates(dry), done.Changes, dry.Changes)
	}
	if _, err := home.GetRole(t.Context(), &iam.GetRoleInput{RoleName: aws.String("EmergencyAccess_Role1_Ops")}); err != nil {
		t.Errorf("after --allow-changes: %v", err)
	}
	if again := apply(); creates(again) != 0 {
		t.Errorf("a dry run after the apply still plans %d creations", creates(again))
	}
}
