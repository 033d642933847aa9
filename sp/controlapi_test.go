package sp_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/breakglass-dev/breakglass/sp"
	"github.com/breakglass-dev/breakglass/sp/control"
)

func TestControlAPI(t *testing.T) {
	ctx := context.Background()
	base := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	emu := sp.New(sp.Config{Now: func() time.Time { return base }})
	ts := httptest.NewServer(emu.Handler())
	t.Cleanup(ts.Close)
	c := control.New(ts.URL, nil)

	got, err := c.Advance(ctx, 90*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if want := base.Add(90 * time.Minute); !got.Now.Equal(want) || !emu.Now().Equal(want) {
		t.Errorf("after advancing: got %v (emulator %v), want %v", got.Now, emu.Now(), want)
	}
	if _, err := c.Advance(ctx, -time.Minute); err == nil {
		t.Error("moving the clock back succeeded")
	}
	set := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	if got, err := c.Set(ctx, set); err != nil || !got.Now.Equal(set) {
		t.Errorf("set: %v, %v", got.Now, err)
	}

	iamc := iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), RetryMaxAttempts: 1,
		Credentials: aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "111111111111", SecretAccessKey: "x"}, nil
		}))})
	if _, err := iamc.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("R"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	r, _ := iamc.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("R")})
	if !r.Role.CreateDate.Equal(set) {
		t.Errorf("role created at %v, want the emulator's clock %v", r.Role.CreateDate, set)
	}

	if err := c.SetFaults(ctx, control.Faults{Unavailable: []string{"iam"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := iamc.ListRoles(ctx, &iam.ListRolesInput{}); apiCode(err) != "ServiceUnavailable" {
		t.Errorf("iam down: got %v", err)
	}
	if err := c.SetFaults(ctx, control.Faults{Throttled: []string{"iam"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := iamc.ListRoles(ctx, &iam.ListRolesInput{}); apiCode(err) != "Throttling" {
		t.Errorf("iam throttled: got %v", err)
	}
	stsc := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("111111111111", "x", "")})
	if err := c.SetFaults(ctx, control.Faults{RegionDisabled: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := stsc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); apiCode(err) != "RegionDisabledException" || !strings.Contains(err.Error(), "account:111111111111") {
		t.Errorf("STS disabled: got %v", err)
	}
	if err := c.SetFaults(ctx, control.Faults{RejectClaims: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := stsc.AssumeRoleWithSAML(ctx, &sts.AssumeRoleWithSAMLInput{RoleArn: aws.String("arn:aws:iam::111111111111:role/R"),
		PrincipalArn: aws.String("arn:aws:iam::111111111111:saml-provider/Okta"), SAMLAssertion: aws.String("PHg+PC94Pg==")}); apiCode(err) != "IDPRejectedClaim" {
		t.Errorf("claims rejected: got %v", err)
	}
	if err := c.SetFaults(ctx, control.Faults{Unavailable: []string{"ec2"}}); err == nil {
		t.Error("unknown service accepted")
	}
	if err := c.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := iamc.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("R")}); apiCode(err) != "NoSuchEntity" {
		t.Errorf("after reset: got %v, want NoSuchEntity", err)
	}
	if got, _ := c.Clock(ctx); !got.Now.Equal(base) {
		t.Errorf("after reset the clock reads %v, want %v", got.Now, base)
	}
}
