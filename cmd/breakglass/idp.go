package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
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
		{"idp admin", "enable or disable an app, add or remove a group member, in a running IdP", (*cli).idpAdmin},
	}
}

// envAdminToken holds the admin token of a running IdP, so that it need
// not appear on the command line (and in shell history).
const envAdminToken = "BREAKGLASS_ADMIN_TOKEN"

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

// adminArgs is the positional arguments of each idp admin action.
var adminArgs = map[string]string{
	idp.ActionEnableApp:    "APP",
	idp.ActionDisableApp:   "APP",
	idp.ActionAddMember:    "USER GROUP",
	idp.ActionRemoveMember: "USER GROUP",
}

func (c *cli) idpAdmin(ctx context.Context, args []string) error {
	fs := c.flagSet("idp admin", "[--idp-url URL] [--admin-token T] enable-app|disable-app APP | add-member|remove-member USER GROUP")
	idpURL := fs.String("idp-url", idp.DefaultURL, "base URL of the running IdP (breakglass serve)")
	flagToken := fs.String("admin-token", "", "the IdP's admin token (default: $"+envAdminToken+"; breakglass serve prints it when it starts)")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	const actions = "enable-app, disable-app, add-member or remove-member"
	if fs.NArg() == 0 {
		return usagef("an action is required: %s", actions)
	}
	action, rest := fs.Arg(0), fs.Args()[1:]
	want, ok := adminArgs[action]
	if !ok {
		return usagef("unknown action %q: want %s", action, actions)
	}
	if len(rest) != len(strings.Fields(want)) {
		return usagef("%s takes %s, got %d arguments", action, want, len(rest))
	}
	for _, a := range rest {
		if strings.TrimSpace(a) == "" {
			return usagef("%s: empty %s", action, want)
		}
	}
	token := *flagToken
	if token == "" {
		token = c.getenv(envAdminToken)
	}
	if token == "" {
		return usagef("--admin-token or %s is required: breakglass serve prints the token when it starts", envAdminToken)
	}
	u, err := url.Parse(*idpURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usagef("--idp-url %q: want the IdP's http or https base URL, such as %s", *idpURL, idp.DefaultURL)
	}
	if ip := net.ParseIP(u.Hostname()); u.Scheme == "http" && u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		c.log.Warn("sending the admin token unencrypted: the IdP URL is http and not on loopback", "idp_url", *idpURL)
	}

	client := &idp.AdminClient{URL: *idpURL, Token: token}
	var line string
	switch action {
	case idp.ActionEnableApp, idp.ActionDisableApp:
		var st idp.AppState
		st, err = client.SetAppEnabled(ctx, rest[0], action == idp.ActionEnableApp)
		verb := "disabled"
		if st.Enabled {
			verb = "enabled"
		}
		line = fmt.Sprintf("%s app %s (%s)", verb, st.App, st.Label)
	case idp.ActionAddMember, idp.ActionRemoveMember:
		var ms idp.MemberState
		if action == idp.ActionAddMember {
			ms, err = client.AddMember(ctx, rest[0], rest[1])
			line = fmt.Sprintf("added %s to %s", ms.User, ms.Group)
		} else {
			ms, err = client.RemoveMember(ctx, rest[0], rest[1])
			line = fmt.Sprintf("removed %s from %s", ms.User, ms.Group)
		}
		members := "none"
		if len(ms.Members) > 0 {
			members = strings.Join(ms.Members, ", ")
		}
		line += " (members: " + members + ")"
	}
	var refused *idp.AdminAPIError
	switch {
	case errors.As(err, &refused):
		return fmt.Errorf("the IdP refused: %v", refused)
	case errors.Is(err, context.Canceled):
		return err
	case err != nil:
		return setupError{err}
	}
	_, err = fmt.Fprintln(c.stdout, line)
	return err
}
