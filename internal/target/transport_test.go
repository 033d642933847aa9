package target

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/breakglass-dev/breakglass/sp"
)

// Large LookupEvents answers read through the SDK do not lose their
// connection mid-body (see ownBodies). Without ownBodies this failed
// within a few hundred calls on a 2-core machine.
func TestLargeResponsesKeepTheirConnection(t *testing.T) {
	ctx := context.Background()
	ts := httptest.NewServer(sp.New(sp.Config{}).Handler())
	t.Cleanup(ts.Close)
	creds := credentials.NewStaticCredentialsProvider("111111111111", "x", "")
	client := &http.Client{Transport: ownBodies{http.DefaultTransport}}
	c := iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), Credentials: creds, RetryMaxAttempts: 1, HTTPClient: client})
	for range 45 { // a page of 45 events, about 40 KB of JSON
		if _, err := c.ListRoles(ctx, &iam.ListRolesInput{}); err != nil {
			t.Fatal(err)
		}
	}
	ct := cloudtrail.New(cloudtrail.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), Credentials: creds, RetryMaxAttempts: 1, HTTPClient: client})
	for i := range 500 {
		if _, err := ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{}); err != nil {
			t.Fatalf("LookupEvents %d: %v", i, err)
		}
	}
}
