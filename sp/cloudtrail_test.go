package sp_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/breakglass-dev/breakglass/sp"
)

func TestLookupEventsRecordsCallsAllowedAndRefused(t *testing.T) {
	ctx := context.Background()
	ts := httptest.NewServer(sp.New(sp.Config{}).Handler())
	t.Cleanup(ts.Close)
	creds := func(acct string) aws.CredentialsProvider {
		return credentials.NewStaticCredentialsProvider(acct, "x", "")
	}
	iamc := iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), Credentials: creds("111111111111"), RetryMaxAttempts: 1})
	if _, err := iamc.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("EmergencyAccess_Role1_RO"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	if _, err := iamc.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("Missing")}); apiCode(err) != "NoSuchEntity" {
		t.Fatalf("got %v", err)
	}
	other := iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), Credentials: creds("222222222222"), RetryMaxAttempts: 1})
	other.ListRoles(ctx, &iam.ListRolesInput{})

	ct := cloudtrail.New(cloudtrail.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), Credentials: creds("111111111111"), RetryMaxAttempts: 1})
	out, err := ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Events) != 2 {
		t.Fatalf("events in 111111111111: got %d, want 2 (the other account's call must not show)", len(out.Events))
	}
	if got := aws.ToString(out.Events[0].EventName); got != "GetRole" {
		t.Errorf("newest event %s, want GetRole", got)
	}
	var rec struct {
		ErrorCode         string
		UserIdentity      struct{ Type, Arn string }
		RequestParameters map[string]string
	}
	if err := json.Unmarshal([]byte(aws.ToString(out.Events[0].CloudTrailEvent)), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.ErrorCode != "NoSuchEntity" || rec.UserIdentity.Type != "Root" || rec.RequestParameters["roleName"] != "Missing" {
		t.Errorf("CloudTrailEvent: %+v", rec)
	}
	byName, err := ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("CreateRole")}}})
	if err != nil || len(byName.Events) != 1 {
		t.Errorf("filter by EventName: %v, %d events", err, len(byName.Events))
	}
	page, err := ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{MaxResults: aws.Int32(1)})
	if err != nil || len(page.Events) != 1 || page.NextToken == nil {
		t.Fatalf("first page: %v", err)
	}
	page2, err := ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{MaxResults: aws.Int32(1), NextToken: page.NextToken})
	if err != nil || len(page2.Events) != 1 || aws.ToString(page2.Events[0].EventName) != "CreateRole" {
		t.Errorf("second page: %v", err)
	}
}
