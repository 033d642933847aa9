package sigv4_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/breakglass-dev/breakglass/sp/internal/awsquery"
	"github.com/breakglass-dev/breakglass/sp/internal/sigv4"
)

const stsNS = "https://sts.amazonaws.com/doc/2011-06-15/"

// server answers GetCallerIdentity for requests whose signature verifies
// against known, and the AWS error otherwise.
func server(t *testing.T, known map[string]sigv4.Credential, now func() time.Time) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := awsquery.NewRequestID()
		body, _ := io.ReadAll(r.Body)
		lookup := func(k string) (sigv4.Credential, bool) { c, ok := known[k]; return c, ok }
		if _, err := sigv4.Verify(r.Context(), r, body, lookup, sigv4.Options{Now: now, CheckSkew: true}); err != nil {
			awsquery.WriteError(w, stsNS, id, &awsquery.Error{Status: err.Status(), Code: string(err.Reason), Message: err.Message})
			return
		}
		awsquery.WriteResult(w, stsNS, "GetCallerIdentity", id, struct {
			Account, Arn, UserId string
		}{"111111111111", "arn:aws:iam::111111111111:root", "111111111111"})
	}))
	t.Cleanup(ts.Close)
	return ts
}

func client(url, key, secret, token string) *sts.Client {
	return sts.New(sts.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider(key, secret, token),
		RetryMaxAttempts: 1,
	})
}

func TestVerifyWithTheSDK(t *testing.T) {
	now := time.Now
	known := map[string]sigv4.Credential{
		"AKIAEXAMPLE000000001": {AccessKeyID: "AKIAEXAMPLE000000001", SecretAccessKey: "right-secret"},
		"ASIAEXAMPLE000000002": {AccessKeyID: "ASIAEXAMPLE000000002", SecretAccessKey: "temp-secret", SessionToken: "token-1", Expires: time.Now().Add(time.Hour)},
		"ASIAEXAMPLE000000003": {AccessKeyID: "ASIAEXAMPLE000000003", SecretAccessKey: "old-secret", SessionToken: "token-2", Expires: time.Now().Add(-time.Minute)},
	}
	ts := server(t, known, now)
	cases := []struct {
		name, key, secret, token string
		wantCode                 string
	}{
		{"long-term key", "AKIAEXAMPLE000000001", "right-secret", "", ""},
		{"session credentials", "ASIAEXAMPLE000000002", "temp-secret", "token-1", ""},
		{"wrong secret", "AKIAEXAMPLE000000001", "wrong-secret", "", "SignatureDoesNotMatch"},
		{"unknown key", "AKIAUNKNOWN000000000", "x", "", "InvalidClientTokenId"},
		{"wrong session token", "ASIAEXAMPLE000000002", "temp-secret", "token-X", "InvalidClientTokenId"},
		{"expired session", "ASIAEXAMPLE000000003", "old-secret", "token-2", "ExpiredToken"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := client(ts.URL, tc.key, tc.secret, tc.token).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
			if tc.wantCode == "" {
				if err != nil {
					t.Fatalf("got %v, want success", err)
				}
				return
			}
			var api smithy.APIError
			if !errors.As(err, &api) {
				t.Fatalf("got %v, want API error %s", err, tc.wantCode)
			}
			if api.ErrorCode() != tc.wantCode {
				t.Errorf("got code %s, want %s", api.ErrorCode(), tc.wantCode)
			}
		})
	}
}

func TestVerifySkewAndMissing(t *testing.T) {
	known := map[string]sigv4.Credential{"AKIAEXAMPLE000000001": {AccessKeyID: "AKIAEXAMPLE000000001", SecretAccessKey: "s"}}
	ts := server(t, known, func() time.Time { return time.Now().Add(time.Hour) })
	_, err := client(ts.URL, "AKIAEXAMPLE000000001", "s", "").GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "SignatureDoesNotMatch" {
		t.Errorf("skewed clock: got %v, want SignatureDoesNotMatch", err)
	}
	resp, err := http.Post(ts.URL, "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("unsigned: got %d, want 403", resp.StatusCode)
	}
}
