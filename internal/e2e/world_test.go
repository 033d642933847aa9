package e2e_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/breakglass-dev/breakglass/certs"
	"github.com/breakglass-dev/breakglass/idp"
	"github.com/breakglass-dev/breakglass/landscape"
	"github.com/breakglass-dev/breakglass/sp"
)

// Names from the built-in landscape (landscape/default.yaml).
const (
	appID        = "aws"
	user         = "alice"
	role1ROGroup = "aws#EmergencyAccess_Role1_RO#111111111111"
	emergency    = "111111111111"
	workload2    = "333333333333"
	providerARN  = "arn:aws:iam::111111111111:saml-provider/Okta"
	role1ROARN   = "arn:aws:iam::111111111111:role/EmergencyAccess_Role1_RO"
	workloadRO   = "arn:aws:iam::222222222222:role/EmergencyAccess_RO"
	region       = "us-east-1"
)

// world is the built-in landscape running in-process: its IdP and the AWS
// emulator with the landscape applied, the emergency app enabled and alice
// in the Role1 read-only emergency group, as after the IdP administrator's
// failover steps.
type world struct {
	idp      *idp.Provider
	emu      *sp.Emulator
	handler  http.Handler // emu.Handler(), for in-process requests
	url      string       // the emulator on loopback
	client   *http.Client // shared by every SDK client, to reuse connections
	metadata []byte       // the IdP metadata uploaded to the SAML providers
	// mfaSeeds holds the seed of each virtual MFA device, by serial
	// number: IAM chooses it at creation (landscape.ApplyOptions.OnMFASeed).
	mfaSeeds map[string]string
}

// newWorld builds the world. now is the clock of both the IdP and the
// emulator; nil means time.Now. The signing certificate is valid from an
// hour before now() to a year after it.
func newWorld(tb testing.TB, now func() time.Time) *world {
	tb.Helper()
	if now == nil {
		now = time.Now
	}
	l := landscape.Default()
	t0 := now()
	key, err := certs.New(certs.Options{Bits: 2048, NotBefore: t0.Add(-time.Hour), NotAfter: t0.AddDate(1, 0, 0)})
	if err != nil {
		tb.Fatal(err)
	}
	dir, apps := l.IdP()
	p, err := idp.New(idp.Config{
		EntityID: l.IdentityProvider.EntityID, Directory: dir, Apps: apps, Signing: key, Now: now,
	})
	if err != nil {
		tb.Fatal(err)
	}
	emu := sp.New(sp.Config{Now: now})
	srv := httptest.NewServer(emu.Handler())
	tb.Cleanup(srv.Close)
	w := &world{idp: p, emu: emu, handler: emu.Handler(), url: srv.URL, client: srv.Client(), mfaSeeds: map[string]string{}}

	if w.metadata, err = p.Metadata(); err != nil {
		tb.Fatal(err)
	}
	if _, err := l.Apply(context.Background(), w.rootIAMClients(), landscape.ApplyOptions{
		IdPMetadata: w.metadata, OnMFASeed: func(_, serial, seed string) { w.mfaSeeds[serial] = seed },
	}); err != nil {
		tb.Fatalf("apply the landscape: %v", err)
	}
	if err := p.SetAppEnabled(appID, true); err != nil {
		tb.Fatal(err)
	}
	if err := p.AddMember(user, role1ROGroup, time.Time{}); err != nil {
		tb.Fatal(err)
	}
	return w
}

// rootIAMClients signs each account's IAM client as its root: the
// emulator takes any 12-digit access key id as the root of that account,
// with any secret (as cmd/breakglass's serve does).
func (w *world) rootIAMClients() landscape.IAMClients {
	return func(ctx context.Context, account string) (*iam.Client, error) {
		return w.iam(account), nil
	}
}

func (w *world) iam(account string) *iam.Client {
	return iam.New(iam.Options{
		Region: region, BaseEndpoint: aws.String(w.url), HTTPClient: w.client, RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(account, "breakglass", ""),
	})
}

// sts returns an STS client without credentials, for AssumeRoleWithSAML;
// other calls pass theirs with withCredentials.
func (w *world) sts() *sts.Client {
	return sts.New(sts.Options{
		Region: region, BaseEndpoint: aws.String(w.url), HTTPClient: w.client, RetryMaxAttempts: 1,
		Credentials: aws.AnonymousCredentials{},
	})
}

func (w *world) cloudTrail(account string) *cloudtrail.Client {
	return cloudtrail.New(cloudtrail.Options{
		Region: region, BaseEndpoint: aws.String(w.url), HTTPClient: w.client, RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(account, "breakglass", ""),
	})
}

// withCredentials signs one STS call with temporary credentials.
func withCredentials(c *types.Credentials) func(*sts.Options) {
	return func(o *sts.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider(
			aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	}
}

// federate walks the emergency path once: mint a response for alice,
// redeem it for EmergencyAccess_Role1_RO and chain into workload Account
// 1's EmergencyAccess_RO. It returns the chained session's credentials.
func (w *world) federate(ctx context.Context, c *sts.Client) (*types.Credentials, error) {
	resp, err := w.idp.Mint(ctx, idp.MintRequest{App: appID, User: user})
	if err != nil {
		return nil, fmt.Errorf("mint: %w", err)
	}
	fed, err := c.AssumeRoleWithSAML(ctx, &sts.AssumeRoleWithSAMLInput{
		RoleArn: aws.String(role1ROARN), PrincipalArn: aws.String(providerARN), SAMLAssertion: aws.String(resp.Base64()),
	})
	if err != nil {
		return nil, fmt.Errorf("AssumeRoleWithSAML: %w", err)
	}
	hop, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String(workloadRO), RoleSessionName: aws.String(user),
	}, withCredentials(fed.Credentials))
	if err != nil {
		return nil, fmt.Errorf("chained AssumeRole: %w", err)
	}
	return hop.Credentials, nil
}
