package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/breakglass-dev/breakglass/certs"
	"github.com/breakglass-dev/breakglass/idp"
	"github.com/breakglass-dev/breakglass/landscape"
)

func idpCommands() []command {
	return []command{
		{"idp mint", "print a signed base64 SAMLResponse for a user (the AWS CLI's --saml-assertion)", (*cli).idpMint},
		{"idp metadata", "print the IdP's SAML metadata XML", (*cli).idpMetadata},
	}
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// signingKeys returns the IdP's signing key pairs: the files the landscape
// names, or a key generated on first use in the configuration directory
// (private key mode 0600) and reused, so an AWS SAML provider that trusts
// its certificate keeps working across runs.
func (c *cli) signingKeys(l *landscape.Landscape) (current, next *certs.KeyPair, err error) {
	s := l.IdentityProvider.Signing
	if s != nil && s.Key != "" {
		if current, err = certs.Load(s.Key, s.Cert); err != nil {
			return nil, nil, usageError{fmt.Errorf("IdP signing key: %w", err)}
		}
		if s.NextKey != "" {
			if next, err = certs.Load(s.NextKey, s.NextCert); err != nil {
				return nil, nil, usageError{fmt.Errorf("IdP next signing key: %w", err)}
			}
		}
		return current, next, nil
	}
	dir, err := c.configDir()
	if err != nil {
		return nil, nil, usageError{err}
	}
	dir = filepath.Join(dir, "idp")
	now := c.now()
	kp, created, err := certs.LoadOrCreate(dir, certs.Options{
		CommonName: "breakglass drill IdP",
		NotBefore:  now.Add(-5 * time.Minute),
		NotAfter:   now.AddDate(5, 0, 0),
	})
	if err != nil {
		return nil, nil, usageError{fmt.Errorf("IdP signing key in %s: %w", dir, err)}
	}
	if created {
		c.log.Info("generated the IdP signing key", "dir", dir, "not_after", kp.Cert.NotAfter.Format(time.DateOnly))
	}
	return kp, nil, nil
}

// newIdP builds the drill IdP of a landscape, reachable at url, on the
// command's clock.
func (c *cli) newIdP(l *landscape.Landscape, url string) (*idp.Provider, error) {
	return c.newIdPAt(l, url, c.now)
}

// newIdPAt is newIdP with its own clock (serve gives it the emulator's, so
// moving the emulator's clock moves the IdP's too).
func (c *cli) newIdPAt(l *landscape.Landscape, url string, now func() time.Time) (*idp.Provider, error) {
	current, next, err := c.signingKeys(l)
	if err != nil {
		return nil, err
	}
	dir, apps := l.IdP()
	p, err := idp.New(idp.Config{
		EntityID: l.IdentityProvider.EntityID, URL: url,
		Directory: dir, Apps: apps, Signing: current, Next: next, Now: now,
	})
	if err != nil {
		return nil, usageError{err}
	}
	return p, nil
}

// landscapeIdP loads the landscape at path (the built-in one if empty) and
// builds its IdP, reachable at url.
func (c *cli) landscapeIdP(path, url string) (*idp.Provider, error) {
	l, err := c.loadLandscape(path)
	if err != nil {
		return nil, err
	}
	return c.newIdP(l, url)
}

func parseFaults(names []string) ([]idp.Fault, error) {
	out := make([]idp.Fault, 0, len(names))
	for _, n := range names {
		for _, part := range strings.Split(n, ",") {
			f, err := idp.ParseFault(strings.TrimSpace(part))
			if err != nil {
				return nil, usageError{err}
			}
			out = append(out, f)
		}
	}
	return out, nil
}

func (c *cli) idpMint(ctx context.Context, args []string) error {
	fs := c.flagSet("idp mint", "--user U [--group G]... [--fault F]... [--landscape F] [--app ID] [--format base64|xml] | --list-faults")
	user := fs.String("user", "", "the IdP user to mint for (required)")
	var groups, faults stringList
	fs.Var(&groups, "group", "add a group membership for this mint only (repeatable)")
	fs.Var(&faults, "fault", "build in a fault knob (repeatable; see --list-faults)")
	path := fs.String("landscape", "", "landscape file (default: the built-in landscape)")
	appID := fs.String("app", "", "federation app id (default: the landscape's first app)")
	format := fs.String("format", "base64", "output: base64 (the SAMLResponse) or xml; with --list-faults: text or json")
	list := fs.Bool("list-faults", false, "list the fault knobs and exit")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if *list {
		switch *format {
		case "base64", "text", "json":
		default:
			return usagef("--format with --list-faults must be text or json, not %q", *format)
		}
		return c.listFaults(*format)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if *user == "" {
		return usagef("--user is required")
	}
	if *format != "base64" && *format != "xml" {
		return usagef("--format must be base64 or xml, not %q", *format)
	}
	fl, err := parseFaults(faults)
	if err != nil {
		return err
	}
	p, err := c.landscapeIdP(*path, idp.DefaultURL)
	if err != nil {
		return err
	}
	id := *appID
	if id == "" && len(p.Apps()) > 0 {
		id = p.Apps()[0].ID
	}
	if a, err := p.App(id); err == nil && !a.Enabled {
		c.log.Info("the app is disabled in the landscape, as at rest; minting as the administrator who enabled it", "app", id)
	}
	resp, err := p.Mint(ctx, idp.MintRequest{App: id, User: *user, Groups: groups, Faults: fl, IgnoreDisabled: true})
	switch {
	case errors.Is(err, idp.ErrUnknownUser), errors.Is(err, idp.ErrUnknownGroup), errors.Is(err, idp.ErrUnknownApp):
		return usageError{err}
	case errors.Is(err, idp.ErrNoRole):
		return fmt.Errorf("%w: add --group with a group the app's filter matches (e.g. 'aws#EmergencyAccess_Role1_RO#%s')", err, landscape.EmergencyAccountID)
	case err != nil:
		return err
	}
	for _, r := range resp.Roles {
		c.log.Debug("role", "value", r)
	}
	if *format == "xml" {
		_, err = fmt.Fprintln(c.stdout, string(resp.XML))
		return err
	}
	_, err = fmt.Fprintln(c.stdout, resp.Base64())
	return err
}

func (c *cli) listFaults(format string) error {
	if format == "json" {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(idp.Faults())
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	for _, f := range idp.Faults() {
		fmt.Fprintf(tw, "%s\t%s; AWS: %s\n", f.Name, f.Summary, f.AWS)
	}
	return tw.Flush()
}

func (c *cli) idpMetadata(ctx context.Context, args []string) error {
	fs := c.flagSet("idp metadata", "[--landscape F] [--url URL] [--fault F]...")
	path := fs.String("landscape", "", "landscape file (default: the built-in landscape)")
	url := fs.String("url", idp.DefaultURL, "base URL of the IdP, for its SSO endpoints")
	var faults stringList
	fs.Var(&faults, "fault", "publish what a key fault publishes (e.g. expired-cert)")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	fl, err := parseFaults(faults)
	if err != nil {
		return err
	}
	p, err := c.landscapeIdP(*path, *url)
	if err != nil {
		return err
	}
	md, err := p.Metadata(fl...)
	if err != nil {
		return err
	}
	_, err = c.stdout.Write(md)
	return err
}
