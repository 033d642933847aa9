package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/breakglass-dev/breakglass/idp"
	"github.com/breakglass-dev/breakglass/internal/target"
	"github.com/breakglass-dev/breakglass/landscape"
	"github.com/breakglass-dev/breakglass/sp"
)

func serveCommands() []command {
	return []command{
		{"serve", "run the IdP and the AWS emulator on loopback until interrupted", (*cli).serve},
	}
}

// isLoopback reports whether a listen address binds only the loopback
// interface. An empty host (":4567") binds every interface.
func isLoopback(addr string) (bool, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, err
	}
	if host == "localhost" {
		return true, nil
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback(), nil
}

// checkAddr refuses a malformed listen address, and a non-loopback one
// while the landscape uses the built-in demo credentials.
func checkAddr(flag, addr string, demo bool) error {
	loop, err := isLoopback(addr)
	if err != nil {
		return usagef("%s %q: %v", flag, addr, err)
	}
	if !loop && demo {
		return usagef("refusing to listen on %s: the landscape uses the built-in demo password %q, so anyone who can reach this address could sign in; listen on 127.0.0.1 or use a landscape with your own password hashes", addr, landscape.DemoPassword)
	}
	return nil
}

// listen opens a listener on addr.
func listen(flag, addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, usagef("%s: listen on %s: %v", flag, addr, err)
	}
	return ln, nil
}

func (c *cli) serve(ctx context.Context, args []string) error {
	fs := c.flagSet("serve", "[--aws-addr 127.0.0.1:4566] [--idp-addr 127.0.0.1:4567] [--landscape F | --bare] [--admin-token T]")
	awsAddr := fs.String("aws-addr", "127.0.0.1:4566", "listen address of the AWS emulator (IAM and STS)")
	idpAddr := fs.String("idp-addr", "127.0.0.1:4567", "listen address of the IdP")
	path := fs.String("landscape", "", "landscape file (default: the built-in landscape)")
	bare := fs.Bool("bare", false, "start the emulator empty: apply no landscape")
	publicURL := fs.String("idp-url", "", "URL the IdP is reached at, if not http://<idp-addr>")
	adminToken := fs.String("admin-token", "", "bearer token of the IdP's admin API (default: $"+envAdminToken+", else a random token printed on stderr)")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	token, tokenFrom := *adminToken, "--admin-token"
	if token == "" {
		token, tokenFrom = c.getenv(envAdminToken), envAdminToken
	}
	switch {
	case token == "":
		token, tokenFrom = rand.Text(), "generated"
	case len(token) < minAdminToken:
		return usagef("%s: the admin token must be at least %d characters", tokenFrom, minAdminToken)
	}
	if *bare && *path != "" {
		return usagef("--bare and --landscape exclude each other")
	}
	l, err := c.loadLandscape(*path)
	if err != nil {
		return err
	}
	demo := l.UsesDemoPassword()
	if err := errors.Join(checkAddr("--idp-addr", *idpAddr, demo), checkAddr("--aws-addr", *awsAddr, demo)); err != nil {
		return usageError{err}
	}
	idpLn, err := listen("--idp-addr", *idpAddr)
	if err != nil {
		return err
	}
	defer idpLn.Close()
	awsLn, err := listen("--aws-addr", *awsAddr)
	if err != nil {
		return err
	}
	defer awsLn.Close()

	url := *publicURL
	if url == "" {
		url = "http://" + idpLn.Addr().String()
	}
	emu := sp.New(sp.Config{Now: c.now, Logger: c.log.With("component", "aws")})
	p, err := c.newIdPAt(l, url, emu.Now)
	if err != nil {
		return err
	}
	servers := []*http.Server{
		newServer(p.Handler(idp.HandlerConfig{
			Logger:     c.log.With("component", "idp"),
			AdminToken: token,
			SignInURL:  signInURL(awsLn.Addr()),
		})),
		newServer(emu.Handler()),
	}
	errc := make(chan error, 2)
	go func() { errc <- servers[0].Serve(idpLn) }()
	go func() { errc <- servers[1].Serve(awsLn) }()
	awsURL := "http://" + awsLn.Addr().String()

	if !*bare {
		md, err := p.Metadata()
		if err != nil {
			return err
		}
		var seeds []string
		changes, err := l.Apply(ctx, rootIAMClients(awsURL), landscape.ApplyOptions{
			IdPMetadata: md, Organizations: rootOrgClients(awsURL), Now: emu.Now,
			OnMFASeed: func(user, serial, seed string) {
				seeds = append(seeds, fmt.Sprintf("virtual MFA device %s of %s: seed %s (otpauth://totp/%s?secret=%s)", serial, user, seed, serial[strings.LastIndexByte(serial, '/')+1:], seed))
			},
		})
		if err != nil {
			shutdown(servers)
			return fmt.Errorf("apply the landscape to the emulator: %w", err)
		}
		c.log.Info("landscape applied", "landscape", l.File, "changes", len(changes))
		if demo {
			// IAM chooses each virtual MFA seed. With the demo landscape the
			// operator needs them to sign in as the break-glass IAM user, so
			// they are shown once, like the admin token; never logged.
			for _, line := range seeds {
				fmt.Fprintln(c.stderr, line)
			}
		}
	}
	if tokenFrom == "generated" {
		// The one place the token is shown: the operator needs it for
		// breakglass idp admin. It never goes through the logger.
		fmt.Fprintf(c.stderr, "admin token: %s (for breakglass idp admin --idp-url %s; pass it as --admin-token or in %s)\n", token, url, envAdminToken)
	}
	c.log.Info("IdP admin API on", "url", url+idp.AdminAPIPath, "token_from", tokenFrom, "admin_page", url+idp.AdminPath)
	c.log.Info("IdP listening", "url", url, "metadata", url+idp.MetadataPath, "entity_id", p.EntityID())
	c.log.Info("AWS emulator listening", "url", awsURL, "hint", "aws --endpoint-url "+awsURL+" with a 12-digit access key id (the root of that account)")
	c.log.Info("AWS pages", "console", awsURL+"/console", "iam_user_sign_in", awsURL+"/console/signin", "dashboard", awsURL+"/_breakglass/dashboard")
	select {
	case err := <-errc:
		shutdown(servers)
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
	}
	if err := shutdown(servers); err != nil {
		return err
	}
	c.log.Info("stopped")
	return nil
}

// minAdminToken is the shortest admin token serve accepts.
const minAdminToken = 16

// signInURL is the AWS emulator's sign-in endpoint, where the IdP's
// auto-POST page sends the browser instead of AWS. A wildcard listen
// address is reached through loopback.
func signInURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String() + "/saml"
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/saml"
}

func newServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		MaxHeaderBytes:    256 << 10,
	}
}

func shutdown(servers []*http.Server) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var errs []error
	for _, s := range servers {
		if err := s.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// rootOrgClients returns Organizations clients for an emulator or
// LocalStack endpoint, signed as the root of the account asked for.
func rootOrgClients(endpoint string) func(ctx context.Context, account string) (*organizations.Client, error) {
	client := target.HTTPClient()
	return func(ctx context.Context, account string) (*organizations.Client, error) {
		return organizations.New(organizations.Options{
			Region:       "us-east-1",
			BaseEndpoint: aws.String(endpoint),
			HTTPClient:   client,
			Credentials:  credentials.NewStaticCredentialsProvider(account, "breakglass", ""),
		}), nil
	}
}

// rootIAMClients returns IAM clients for an emulator or LocalStack
// endpoint, each signed as the root of its account (a 12-digit access key).
func rootIAMClients(endpoint string) landscape.IAMClients {
	client := target.HTTPClient()
	return func(ctx context.Context, account string) (*iam.Client, error) {
		return iam.New(iam.Options{
			Region:       "us-east-1",
			BaseEndpoint: aws.String(endpoint),
			HTTPClient:   client,
			Credentials:  credentials.NewStaticCredentialsProvider(account, "breakglass", ""),
		}), nil
	}
}
