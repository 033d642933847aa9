package e2e_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/breakglass-dev/breakglass/idp"
)

// TestChainedSessionTags: tags passed on the chained hop need
// sts:TagSession in the target's trust (the built-in workload roles allow
// it); transitive keys must be tags of the call; an inherited transitive
// tag cannot be overridden on the next hop.
func TestChainedSessionTags(t *testing.T) {
	w := newWorld(t, nil)
	ctx := context.Background()
	c := w.sts()
	resp, err := w.idp.Mint(ctx, idp.MintRequest{App: appID, User: user})
	if err != nil {
		t.Fatal(err)
	}
	fed, err := c.AssumeRoleWithSAML(ctx, &sts.AssumeRoleWithSAMLInput{RoleArn: aws.String(role1ROARN), PrincipalArn: aws.String(providerARN), SAMLAssertion: aws.String(resp.Base64())})
	if err != nil {
		t.Fatal(err)
	}
	hop := func(tags []types.Tag, transitive []string) error {
		_, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(workloadRO), RoleSessionName: aws.String(user),
			Tags: tags, TransitiveTagKeys: transitive}, withCredentials(fed.Credentials))
		return err
	}
	incident := []types.Tag{{Key: aws.String("Incident"), Value: aws.String("INC-42")}}
	if err := hop(incident, []string{"Incident"}); err != nil {
		t.Errorf("tags on the chained hop: %v", err)
	}
	checkAPIError(t, hop(incident, []string{"Ticket"}), "InvalidParameterValue", 400, "The specified transitive tag key Ticket must be a session tag key.")
	dup := append(incident, types.Tag{Key: aws.String("incident"), Value: aws.String("x")})
	checkAPIError(t, hop(dup, nil), "InvalidParameterValue", 400, "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
}
