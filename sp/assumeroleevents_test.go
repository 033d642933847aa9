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
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/breakglass-dev/breakglass/sp"
)

// TestCrossAccountAssumeRoleEvents: a chained AssumeRole into another
// account is recorded twice, as in the IAM User Guide's CloudTrail
// examples [R19]: in the caller's account with the caller's full
// identity, and in the role's account with only the calling account and
// principal id, both with one sharedEventID. The event's parameters carry
// the session tags and the transitive tags inherited from the caller.
func TestCrossAccountAssumeRoleEvents(t *testing.T) {
	ctx := context.Background()
	ts := httptest.NewServer(sp.New(sp.Config{}).Handler())
	t.Cleanup(ts.Close)
	opts := func(id, secret, token string) (aws.CredentialsProvider, string) {
		return credentials.NewStaticCredentialsProvider(id, secret, token), ts.URL
	}
	iamAs := func(acct string) *iam.Client {
		c, u := opts(acct, "x", "")
		return iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(u), Credentials: c, RetryMaxAttempts: 1})
	}
	stsAs := func(id, secret, token string) *sts.Client {
		c, u := opts(id, secret, token)
		return sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(u), Credentials: c, RetryMaxAttempts: 1})
	}
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	emergency, workload := iamAs("111111111111"), iamAs("222222222222")
	stsAll := aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:*","Resource":"*"}]}`)
	must(emergency.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("responder")}))
	must(emergency.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("responder"), PolicyName: aws.String("sts"), PolicyDocument: stsAll}))
	must(emergency.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("EmergencyAccess_Ops"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:user/responder"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`)}))
	must(emergency.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("EmergencyAccess_Ops"), PolicyName: aws.String("sts"), PolicyDocument: stsAll}))
	must(workload.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("EmergencyAccess_Ops"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/EmergencyAccess_Ops"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`)}))
	key, err := emergency.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("responder")})
	if err != nil {
		t.Fatal(err)
	}
	first, err := stsAs(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "").AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::111111111111:role/EmergencyAccess_Ops"), RoleSessionName: aws.String("responder"),
		Tags: []ststypes.Tag{{Key: aws.String("Team"), Value: aws.String("sre")}}, TransitiveTagKeys: []string{"Team"},
	})
	if err != nil {
		t.Fatal(err)
	}
	c := first.Credentials
	_, err = stsAs(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::222222222222:role/EmergencyAccess_Ops"), RoleSessionName: aws.String("incident-42"),
		Tags: []ststypes.Tag{{Key: aws.String("Case"), Value: aws.String("42")}},
	})
	if err != nil {
		t.Fatal(err)
	}

	type event struct {
		UserIdentity struct {
			Type, PrincipalID, AccountID, ARN string
		}
		RequestParameters struct {
			RoleSessionName        string
			Tags                   []map[string]string
			IncomingTransitiveTags map[string]string
		}
		Resources          []any
		SharedEventID      string
		RecipientAccountID string
	}
	hops := func(acct string) ([]cttypes.Event, []event) {
		c, u := opts(acct, "x", "")
		ct := cloudtrail.New(cloudtrail.Options{Region: "us-east-1", BaseEndpoint: aws.String(u), Credentials: c, RetryMaxAttempts: 1})
		out, err := ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{
			{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("AssumeRole")}}})
		if err != nil {
			t.Fatal(err)
		}
		evs := make([]event, len(out.Events))
		for i, e := range out.Events {
			if err := json.Unmarshal([]byte(aws.ToString(e.CloudTrailEvent)), &evs[i]); err != nil {
				t.Fatal(err)
			}
		}
		return out.Events, evs
	}
	_, own := hops("111111111111")
	raw, theirs := hops("222222222222")
	if len(own) != 2 || len(theirs) != 1 {
		t.Fatalf("AssumeRole events: %d in the emergency account, %d in the workload account; want 2 and 1", len(own), len(theirs))
	}
	mine, other := own[0], theirs[0] // newest first: the chained hop
	if mine.UserIdentity.Type != "AssumedRole" || mine.UserIdentity.ARN != "arn:aws:sts::111111111111:assumed-role/EmergencyAccess_Ops/responder" {
		t.Errorf("caller's copy: identity %+v, want the calling session", mine.UserIdentity)
	}
	if other.UserIdentity.Type != "AWSAccount" || other.UserIdentity.AccountID != "111111111111" || other.UserIdentity.ARN != "" ||
		other.UserIdentity.PrincipalID != mine.UserIdentity.PrincipalID {
		t.Errorf("role account's copy: identity %+v, want AWSAccount 111111111111 with the caller's principal id %s", other.UserIdentity, mine.UserIdentity.PrincipalID)
	}
	if mine.SharedEventID == "" || mine.SharedEventID != other.SharedEventID {
		t.Errorf("sharedEventID %q and %q: want one shared id", mine.SharedEventID, other.SharedEventID)
	}
	if mine.RecipientAccountID != "111111111111" || other.RecipientAccountID != "222222222222" {
		t.Errorf("recipient accounts %s and %s", mine.RecipientAccountID, other.RecipientAccountID)
	}
	if got := other.RequestParameters.IncomingTransitiveTags; got["Team"] != "sre" || len(got) != 1 {
		t.Errorf("incomingTransitiveTags %v, want Team=sre", got)
	}
	if got := other.RequestParameters.Tags; len(got) != 1 || got[0]["key"] != "Case" || got[0]["value"] != "42" {
		t.Errorf("tags %v, want [{key: Case, value: 42}]", got)
	}
	if u := aws.ToString(raw[0].Username); u != "incident-42" {
		t.Errorf("role account's Username %q, want the new session's name", u)
	}
	if own[1].SharedEventID != "" || own[1].RequestParameters.IncomingTransitiveTags != nil {
		t.Errorf("same-account first hop: %+v, want no sharedEventID and no incoming tags", own[1])
	}
}
