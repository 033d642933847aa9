package sp_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/breakglass-dev/breakglass/sp"
)

// TestPathUsers: a user with a path has its keys counted, listed and
// authorized by its stored ARN, and cannot be deleted with keys left.
func TestPathUsers(t *testing.T) {
	ctx := context.Background()
	ts := httptest.NewServer(sp.New(sp.Config{}).Handler())
	t.Cleanup(ts.Close)
	root := iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("111111111111", "x", "")})
	for _, u := range []struct{ name, path string }{{"admin", "/admins/"}, {"mallory", "/"}} {
		if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(u.name), Path: aws.String(u.path)}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 2 {
		if _, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("admin")}); err != nil {
			t.Fatalf("key %d: %v", i, err)
		}
	}
	if _, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("admin")}); apiCode(err) != "LimitExceeded" {
		t.Errorf("third key of a path user: got %v, want LimitExceeded", err)
	}
	keys, err := root.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("admin")})
	if err != nil || len(keys.AccessKeyMetadata) != 2 {
		t.Errorf("ListAccessKeys of a path user: %v, %d keys", err, len(keys.AccessKeyMetadata))
	}
	if _, err := root.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("admin")}); apiCode(err) != "DeleteConflict" {
		t.Errorf("deleting a user with keys: got %v, want DeleteConflict", err)
	}

	// mallory may do anything in IAM but touch the admins.
	root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("mallory"), PolicyName: aws.String("p"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"},{"Effect":"Deny","Action":"iam:*","Resource":"arn:aws:iam::111111111111:user/admins/*"}]}`)})
	mk, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("mallory")})
	if err != nil {
		t.Fatal(err)
	}
	mallory := iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(aws.ToString(mk.AccessKey.AccessKeyId), aws.ToString(mk.AccessKey.SecretAccessKey), "")})
	if _, err := mallory.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("admin"), Password: aws.String("Takeover-123")}); apiCode(err) != "AccessDenied" {
		t.Errorf("acting on a path user the caller is denied: got %v, want AccessDenied", err)
	}
}

// TestBodyBoundToSignature: a declared payload hash that is not the body's
// is refused, so a signed request's body cannot be swapped.
func TestBodyBoundToSignature(t *testing.T) {
	ts := httptest.NewServer(sp.New(sp.Config{}).Handler())
	t.Cleanup(ts.Close)
	swapped := "Action=CreateUser&Version=2010-05-08&UserName=evil"
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/", strings.NewReader(swapped))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	hash := "a" + strings.Repeat("0", 63) // any hash but the swapped body's
	req.Header.Set("X-Amz-Content-Sha256", hash)
	// The account root's key (any secret) would pass the signature itself.
	creds := aws.Credentials{AccessKeyID: "111111111111", SecretAccessKey: "s"}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hash, "iam", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "SignatureDoesNotMatch") {
		t.Errorf("a body that does not match its declared hash: got %d\n%s", resp.StatusCode, body)
	}
}
