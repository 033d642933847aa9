// Package embedded starts the default drill target in-process: the
// landscape's IdP and the AWS emulator on a loopback port, with the
// landscape applied through the AWS API. It is wiring only, shared by the
// command line and the tests; drills reach the emulator through the
// scenarios.Target it returns, as they would reach any endpoint.
package embedded

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/breakglass-dev/breakglass/certs"
	"github.com/breakglass-dev/breakglass/idp"
	"github.com/breakglass-dev/breakglass/landscape"
	"github.com/breakglass-dev/breakglass/scenarios"
	"github.com/breakglass-dev/breakglass/sp"
	"github.com/breakglass-dev/breakglass/sp/control"
)

// World is one running target: close it when the drill is over.
type World struct {
	Target scenarios.Target
	srv    *http.Server
}

// Close stops the emulator.
func (w *World) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return w.srv.Shutdown(ctx)
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

// Start builds a fresh world for one drill: the landscape at rest.
func Start(ctx context.Context, l *landscape.Landscape, key *certs.KeyPair, log *slog.Logger) (*World, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen on loopback: %w", err)
	}
	url := "http://" + ln.Addr().String()
	emu := sp.New(sp.Config{Logger: log})
	srv := &http.Server{Handler: emu.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	w := &World{srv: srv}

	clk := &clock{}
	dir, apps := l.IdP()
	p, err := idp.New(idp.Config{EntityID: l.IdentityProvider.EntityID, Directory: dir, Apps: apps, Signing: key, Now: clk.Now})
	if err != nil {
		w.Close()
		return nil, err
	}
	md, err := p.Metadata()
	if err != nil {
		w.Close()
		return nil, err
	}
	client := &http.Client{Timeout: 30 * time.Second}
	creds := func(account string) aws.CredentialsProvider {
		return credentials.NewStaticCredentialsProvider(account, "breakglass", "")
	}
	seeds := map[string]string{}
	_, err = l.Apply(ctx, func(ctx context.Context, account string) (*iam.Client, error) {
		return iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), HTTPClient: client, Credentials: creds(account)}), nil
	}, landscape.ApplyOptions{
		IdPMetadata: md, Now: emu.Now,
		OnMFASeed: func(_, serial, seed string) { seeds[serial] = seed },
		Organizations: func(ctx context.Context, account string) (*organizations.Client, error) {
			return organizations.New(organizations.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), HTTPClient: client, Credentials: creds(account)}), nil
		},
	})
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("apply the landscape: %w", err)
	}
	w.Target = scenarios.Target{IdP: p, Endpoint: url, HTTPClient: client, Control: control.New(url, client),
		AdvanceIdP: clk.Advance, Now: clk.Now, MFASeeds: seeds}
	return w, nil
}
