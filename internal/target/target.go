// Package target prepares where a drill runs, with the landscape at rest:
// Embedded starts the AWS emulator in-process on a loopback port; Endpoint
// attaches to an emulator (breakglass serve) or LocalStack-compatible
// endpoint, resetting it through its control API. Either way the drill's
// IdP runs in-process and the landscape is applied through the AWS API. It
// is wiring only, shared by the command line and the tests; drills reach
// the AWS side through the scenarios.Target returned, as they would AWS.
package target

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"golang.org/x/crypto/bcrypt"

	"github.com/breakglass-dev/breakglass/certs"
	"github.com/breakglass-dev/breakglass/idp"
	"github.com/breakglass-dev/breakglass/internal/browser"
	"github.com/breakglass-dev/breakglass/landscape"
	"github.com/breakglass-dev/breakglass/scenarios"
	"github.com/breakglass-dev/breakglass/sp"
	"github.com/breakglass-dev/breakglass/sp/control"
)

// World is one prepared target: close it when the drill is over.
type World struct {
	Target scenarios.Target
	srv    *http.Server // the in-process emulator; nil for an endpoint
	idpSrv *http.Server // the IdP's pages; nil unless ServeIdP started them
}

// Close stops the in-process servers, if any.
func (w *World) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var errs []error
	for _, s := range []*http.Server{w.idpSrv, w.srv} {
		if s != nil {
			errs = append(errs, s.Shutdown(ctx))
		}
	}
	return errors.Join(errs...)
}

// ServeIdP serves the drill IdP's web pages (sign-in, dashboard, SSO) on a
// loopback port, for drills walked in a browser, and returns their URL.
// The AWS app's responses go to the endpoint's own sign-in page
// (<endpoint>/saml), standing in for https://signin.aws.amazon.com/saml.
func (w *World) ServeIdP() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("listen on loopback: %w", err)
	}
	h := w.Target.IdP.Handler(idp.HandlerConfig{SignInURL: strings.TrimSuffix(w.Target.Endpoint, "/") + "/saml"})
	w.idpSrv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go w.idpSrv.Serve(ln)
	return "http://" + ln.Addr().String(), nil
}

// clock is the IdP's clock: the real time moved by the drill's
// advance_clock steps, as the emulator's is by its control API.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// Embedded builds a fresh in-process world for one drill: the landscape
// at rest.
func Embedded(ctx context.Context, l *landscape.Landscape, key *certs.KeyPair, log *slog.Logger) (*World, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen on loopback: %w", err)
	}
	url := "http://" + ln.Addr().String()
	emu := sp.New(sp.Config{Logger: log})
	srv := &http.Server{Handler: emu.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	w := &World{srv: srv}
	if err := w.prepare(ctx, l, key, url); err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}

// Endpoint attaches to the AWS endpoint at url (breakglass serve, or any
// emulator with breakglass's control API): it resets the endpoint, then
// applies the landscape. The SAML providers get the drill IdP's metadata,
// signed with key: the same key breakglass serve uses when both share the
// configuration directory.
func Endpoint(ctx context.Context, l *landscape.Landscape, key *certs.KeyPair, url string) (*World, error) {
	w := &World{}
	if err := control.New(url, nil).Reset(ctx); err != nil {
		return nil, fmt.Errorf("reset %s through its control API: %w", url, err)
	}
	if err := w.prepare(ctx, l, key, url); err != nil {
		return nil, err
	}
	return w, nil
}

// prepare builds the drill IdP and applies the landscape to the AWS
// endpoint at url.
func (w *World) prepare(ctx context.Context, l *landscape.Landscape, key *certs.KeyPair, url string) error {
	clk := &clock{}
	dir, apps := l.IdP()
	p, err := idp.New(idp.Config{EntityID: l.IdentityProvider.EntityID, Directory: dir, Apps: apps, Signing: key, Now: clk.Now})
	if err != nil {
		return err
	}
	md, err := p.Metadata()
	if err != nil {
		return err
	}
	client := HTTPClient()
	creds := func(account string) aws.CredentialsProvider {
		return credentials.NewStaticCredentialsProvider(account, "breakglass", "")
	}
	seeds := map[string]string{}
	_, err = l.Apply(ctx, func(ctx context.Context, account string) (*iam.Client, error) {
		return iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), HTTPClient: client, Credentials: creds(account)}), nil
	}, landscape.ApplyOptions{
		IdPMetadata: md, Now: clk.Now,
		OnMFASeed: func(_, serial, seed string) { seeds[serial] = seed },
		Organizations: func(ctx context.Context, account string) (*organizations.Client, error) {
			return organizations.New(organizations.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), HTTPClient: client, Credentials: creds(account)}), nil
		},
	})
	if err != nil {
		return fmt.Errorf("apply the landscape to %s: %w", url, err)
	}
	alerts := make(map[string]string, len(l.Alerts))
	for _, a := range l.Alerts {
		alerts[a.Name] = a.Pattern.JSON()
	}
	passwords := map[string]string{}
	for _, a := range l.Accounts {
		for _, u := range a.Users {
			if u.ConsolePassword != "" {
				passwords[a.ID+"/"+u.Name] = u.ConsolePassword
			}
		}
	}
	w.Target = scenarios.Target{IdP: p, Endpoint: url, HTTPClient: client, Control: control.New(url, client),
		AdvanceIdP: clk.Advance, Now: clk.Now, MFASeeds: seeds, Alerts: alerts, ConsolePasswords: passwords}
	return nil
}

// UseBrowser makes the world's drills walk their sign-in steps through
// the web pages in pages: it serves the IdP's pages (ServeIdP) and gives
// the drill the passwords it can know, those of users of the built-in
// demo landscape, whose password is landscape.DemoPassword, and the
// landscape's authenticator secrets. Screenshots of a failed drill go to
// screenshots ("" keeps none).
func (w *World) UseBrowser(pages *browser.Browser, l *landscape.Landscape, screenshots string) error {
	url, err := w.ServeIdP()
	if err != nil {
		return err
	}
	demo := map[string]bool{}
	seeds := map[string]string{}
	for _, u := range l.IdentityProvider.Users {
		demo[u.Username] = bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(landscape.DemoPassword)) == nil
		if u.TOTPSecret != "" {
			seeds[u.Username] = u.TOTPSecret
		}
	}
	w.Target.Browser = &scenarios.Browser{
		Pages: pages, IdPURL: url, TOTPSeeds: seeds, Screenshots: screenshots,
		Password: func(user string) (string, bool) {
			if demo[user] {
				return landscape.DemoPassword, true
			}
			return "", false
		},
	}
	return nil
}

// AWSOptions choose how a drill reaches real AWS.
type AWSOptions struct {
	// Profile is the shared configuration profile; "" means the default
	// credential chain (environment, shared files, SSO, instance role).
	Profile string
	// Region overrides the profile's region; when both are empty,
	// us-east-1 (where signin.aws.amazon.com and IAM's events live).
	Region string
	// AccountRole is the role the drill assumes, from the caller's
	// credentials, in each other account of the landscape for its own
	// reads and set-up (simulation, event lookups, provider reads). ""
	// means the drill can work only in the caller's own account.
	AccountRole string
	// AllowChanges lets steps change AWS resources (access keys of
	// break-glass users, provider metadata imports). Without it they are
	// skipped and reported.
	AllowChanges bool
}

// Access is a way into real AWS accounts: the caller's configuration and
// credentials, and credentials for each other account.
type Access struct {
	Config aws.Config
	// HTTPClient is Config's HTTP client, for other clients of the drill.
	HTTPClient *http.Client
	// Home is the caller's own account.
	Home string
	// Credentials returns credentials that act in account: the caller's
	// own in Home, else the AccountRole assumed there (cached), else ones
	// that fail saying what to pass.
	Credentials func(account string) aws.CredentialsProvider
}

// IAM returns an IAM client acting in account.
func (a *Access) IAM(account string) *iam.Client {
	return iam.NewFromConfig(a.Config, func(o *iam.Options) { o.Credentials = a.Credentials(account) })
}

// Organizations returns an Organizations client acting in account.
func (a *Access) Organizations(account string) *organizations.Client {
	return organizations.NewFromConfig(a.Config, func(o *organizations.Options) { o.Credentials = a.Credentials(account) })
}

// ConnectAWS loads the AWS configuration (the default credential chain or
// a profile; AWS_ENDPOINT_URL, which the SDK honours, points it elsewhere)
// and asks STS who the caller is. It changes nothing.
func ConnectAWS(ctx context.Context, o AWSOptions) (*Access, error) {
	opts := []func(*config.LoadOptions) error{}
	if o.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.Profile))
	}
	if o.Region != "" {
		opts = append(opts, config.WithRegion(o.Region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load the AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	// Keep the SDK's transport (it carries AWS_CA_BUNDLE and the proxy
	// settings) and give every request its own body (ownBodies).
	transport := http.DefaultTransport
	if bc, ok := cfg.HTTPClient.(*awshttp.BuildableClient); ok {
		transport = bc.GetTransport()
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: ownBodies{transport}}
	cfg.HTTPClient = client
	stsClient := sts.NewFromConfig(cfg)
	me, err := stsClient.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, fmt.Errorf("no usable AWS credentials (GetCallerIdentity): %w", err)
	}
	home := aws.ToString(me.Account)
	var mu sync.Mutex
	assumed := map[string]aws.CredentialsProvider{}
	creds := func(account string) aws.CredentialsProvider {
		if account == home {
			return cfg.Credentials
		}
		if o.AccountRole == "" {
			return noCredentials{account: account, home: home}
		}
		mu.Lock()
		defer mu.Unlock()
		if p, ok := assumed[account]; ok {
			return p
		}
		p := aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(stsClient, "arn:aws:iam::"+account+":role/"+o.AccountRole,
			func(ao *stscreds.AssumeRoleOptions) { ao.RoleSessionName = "breakglass-drill" }))
		assumed[account] = p
		return p
	}
	return &Access{Config: cfg, HTTPClient: client, Home: home, Credentials: creds}, nil
}

// AWS prepares a drill against real AWS accounts (ConnectAWS). The
// landscape is not applied: it must already be deployed, with its SAML
// providers trusting the drill IdP's certificate (breakglass idp
// metadata), whose key persists in the configuration directory. Nothing
// here changes AWS.
func AWS(ctx context.Context, l *landscape.Landscape, key *certs.KeyPair, o AWSOptions) (*World, error) {
	access, err := ConnectAWS(ctx, o)
	if err != nil {
		return nil, err
	}
	dir, apps := l.IdP()
	p, err := idp.New(idp.Config{EntityID: l.IdentityProvider.EntityID, Directory: dir, Apps: apps, Signing: key})
	if err != nil {
		return nil, err
	}
	alerts := make(map[string]string, len(l.Alerts))
	for _, a := range l.Alerts {
		alerts[a.Name] = a.Pattern.JSON()
	}
	return &World{Target: scenarios.Target{
		IdP: p, Endpoint: aws.ToString(access.Config.BaseEndpoint), HTTPClient: access.HTTPClient,
		Credentials: access.Credentials, Region: access.Config.Region, ReadOnly: !o.AllowChanges, NoSignInPage: true, Alerts: alerts,
	}}, nil
}

// noCredentials answers for an account the drill has no way into.
type noCredentials struct{ account, home string }

func (n noCredentials) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials{}, fmt.Errorf("no credentials for account %s: the caller is in %s; pass --account-role with a role the caller may assume there", n.account, n.home)
}
