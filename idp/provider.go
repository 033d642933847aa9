package idp

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/breakglass-dev/breakglass/certs"
)

// Sentinel errors callers branch on; returned wrapped with context.
var (
	ErrUnknownUser  = errors.New("unknown user")
	ErrUnknownGroup = errors.New("unknown group")
	ErrUnknownApp   = errors.New("unknown app")
	// ErrAppDisabled: the app is switched off (the emergency app at rest).
	ErrAppDisabled = errors.New("app is disabled")
	// ErrNoRole: no group of the user matches the app's group filter, so
	// the IdP refuses rather than send an assertion without a role.
	ErrNoRole = errors.New("no AWS role for this user")
)

// Config configures a Provider. Only EntityID and Signing are required.
type Config struct {
	// EntityID is the IdP's SAML entityID and the Issuer of its responses.
	EntityID string
	// URL is the base URL where the HTTP IdP is reachable, used for the SSO
	// endpoints in the metadata. Empty means "http://127.0.0.1:4567".
	URL string
	// Directory holds the users, groups and memberships at start.
	Directory Directory
	// Apps are the federation apps; their IDs must be unique.
	Apps []App
	// Signing is the current signing key and certificate.
	Signing *certs.KeyPair
	// Next, when set, is announced in the metadata as a second signing key
	// ahead of a rollover.
	Next *certs.KeyPair
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
	// Rand supplies the bytes of response and assertion IDs and of keys
	// generated for faults. Nil means crypto/rand. It need not be safe for
	// concurrent use.
	Rand io.Reader
}

// DefaultURL is where `breakglass serve` runs the IdP unless told otherwise.
const DefaultURL = "http://127.0.0.1:4567"

type app struct {
	App
	filter *GroupFilter
}

// Provider is the IdP: a directory, federation apps and signing keys. Its
// methods are safe for concurrent use; administrative changes (enable an
// app, add a member, rotate the key) take effect for the next mint.
type Provider struct {
	entityID string
	url      string
	now      func() time.Time

	randMu sync.Mutex
	rand   io.Reader

	mu          sync.RWMutex
	users       map[string]User
	groups      map[string]Group
	memberships []Membership
	apps        map[string]*app
	appOrder    []string
	signing     *certs.KeyPair
	next        *certs.KeyPair
	foreign     *certs.KeyPair // lazily made for FaultForeignKey
	expired     *certs.KeyPair // lazily re-issued for FaultExpiredCert
	totpUsed    map[string]int64
}

// New validates cfg and returns a Provider. Every problem is reported.
func New(cfg Config) (*Provider, error) {
	var errs []error
	if cfg.EntityID == "" {
		errs = append(errs, errors.New("entityID is required"))
	}
	if cfg.Signing == nil || cfg.Signing.Key == nil || cfg.Signing.Cert == nil {
		errs = append(errs, errors.New("a signing key and certificate are required"))
	}
	p := &Provider{
		entityID: cfg.EntityID,
		url:      strings.TrimSuffix(cfg.URL, "/"),
		now:      cfg.Now,
		rand:     cfg.Rand,
		users:    map[string]User{},
		groups:   map[string]Group{},
		apps:     map[string]*app{},
		signing:  cfg.Signing,
		next:     cfg.Next,
		totpUsed: map[string]int64{},
	}
	if p.url == "" {
		p.url = DefaultURL
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.rand == nil {
		p.rand = rand.Reader
	}
	for _, u := range cfg.Directory.Users {
		if _, dup := p.users[u.Username]; dup || u.Username == "" {
			errs = append(errs, fmt.Errorf("user %q: empty or duplicate username", u.Username))
			continue
		}
		p.users[u.Username] = u
	}
	for _, g := range cfg.Directory.Groups {
		if _, dup := p.groups[g.Name]; dup || g.Name == "" {
			errs = append(errs, fmt.Errorf("group %q: empty or duplicate name", g.Name))
			continue
		}
		p.groups[g.Name] = g
	}
	for _, m := range cfg.Directory.Memberships {
		if _, ok := p.users[m.User]; !ok {
			errs = append(errs, fmt.Errorf("membership of %q in %q: %w", m.User, m.Group, ErrUnknownUser))
		}
		if _, ok := p.groups[m.Group]; !ok {
			errs = append(errs, fmt.Errorf("membership of %q in %q: %w", m.User, m.Group, ErrUnknownGroup))
		}
	}
	p.memberships = append(p.memberships, cfg.Directory.Memberships...)
	for _, a := range cfg.Apps {
		if _, dup := p.apps[a.ID]; dup || a.ID == "" {
			errs = append(errs, fmt.Errorf("app %q: empty or duplicate id", a.ID))
			continue
		}
		gf, err := CompileGroupFilter(a.GroupFilter)
		if err != nil {
			errs = append(errs, fmt.Errorf("app %q: %w", a.ID, err))
			continue
		}
		if err := ValidateRoleValuePattern(a.RoleValuePattern, gf); err != nil {
			errs = append(errs, fmt.Errorf("app %q: %w", a.ID, err))
			continue
		}
		switch a.Sign {
		case "", SignAssertion, SignResponse, SignBoth:
		default:
			errs = append(errs, fmt.Errorf("app %q: sign %q: want %s, %s or %s", a.ID, a.Sign, SignAssertion, SignResponse, SignBoth))
		}
		switch a.SignatureAlgorithm {
		case "", RSASHA256, RSASHA1:
		default:
			errs = append(errs, fmt.Errorf("app %q: signature algorithm %q: want %s or %s", a.ID, a.SignatureAlgorithm, RSASHA256, RSASHA1))
		}
		p.apps[a.ID] = &app{App: a.clone(), filter: gf}
		p.appOrder = append(p.appOrder, a.ID)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("idp config: %w", err)
	}
	return p, nil
}

// EntityID returns the IdP's entityID.
func (p *Provider) EntityID() string { return p.entityID }

// Now returns the Provider's clock reading.
func (p *Provider) Now() time.Time { return p.now() }

// Apps returns a copy of the configured apps in configuration order.
func (p *Provider) Apps() []App {
	p.mu.RLock()
	defer p.mu.RUnlock()
	out := make([]App, 0, len(p.appOrder))
	for _, id := range p.appOrder {
		out = append(out, p.apps[id].App.clone())
	}
	return out
}

// App returns the app with the given ID.
func (p *Provider) App(id string) (App, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	a, ok := p.apps[id]
	if !ok {
		return App{}, fmt.Errorf("app %q: %w", id, ErrUnknownApp)
	}
	return a.App.clone(), nil
}

// SetAppEnabled switches an app on or off (the IdP administrator's first
// failover step, and the last step of the return to normal).
func (p *Provider) SetAppEnabled(id string, enabled bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	a, ok := p.apps[id]
	if !ok {
		return fmt.Errorf("app %q: %w", id, ErrUnknownApp)
	}
	a.Enabled = enabled
	return nil
}

// AddMember puts user in group until expires (zero: no expiry). Adding an
// existing membership replaces its expiry.
func (p *Provider) AddMember(user, group string, expires time.Time) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.users[user]; !ok {
		return fmt.Errorf("add %q to %q: %w", user, group, ErrUnknownUser)
	}
	if _, ok := p.groups[group]; !ok {
		return fmt.Errorf("add %q to %q: %w", user, group, ErrUnknownGroup)
	}
	p.removeMemberLocked(user, group)
	p.memberships = append(p.memberships, Membership{User: user, Group: group, Expires: expires})
	return nil
}

// RemoveMember takes user out of group. Removing a membership that does not
// exist is not an error; an unknown user or group is.
func (p *Provider) RemoveMember(user, group string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.users[user]; !ok {
		return fmt.Errorf("remove %q from %q: %w", user, group, ErrUnknownUser)
	}
	if _, ok := p.groups[group]; !ok {
		return fmt.Errorf("remove %q from %q: %w", user, group, ErrUnknownGroup)
	}
	p.removeMemberLocked(user, group)
	return nil
}

func (p *Provider) removeMemberLocked(user, group string) {
	kept := p.memberships[:0]
	for _, m := range p.memberships {
		if m.User != user || m.Group != group {
			kept = append(kept, m)
		}
	}
	p.memberships = kept
}

// Members returns the users in group whose membership is active now, sorted.
func (p *Provider) Members(group string) ([]string, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if _, ok := p.groups[group]; !ok {
		return nil, fmt.Errorf("group %q: %w", group, ErrUnknownGroup)
	}
	now := p.now()
	var out []string
	for _, m := range p.memberships {
		if m.Group == group && m.Active(now) {
			out = append(out, m.User)
		}
	}
	sort.Strings(out)
	return out, nil
}

// Groups returns the names of the groups user belongs to now, sorted.
func (p *Provider) Groups(user string) ([]string, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if _, ok := p.users[user]; !ok {
		return nil, fmt.Errorf("user %q: %w", user, ErrUnknownUser)
	}
	return p.groupsLocked(user, p.now()), nil
}

func (p *Provider) groupsLocked(user string, now time.Time) []string {
	var out []string
	for _, m := range p.memberships {
		if m.User == user && m.Active(now) {
			out = append(out, m.Group)
		}
	}
	sort.Strings(out)
	return out
}

// SigningKeys returns the current signing key pair and the announced next
// one (nil when no rollover is under way).
func (p *Provider) SigningKeys() (current, next *certs.KeyPair) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.signing, p.next
}

// AnnounceNext publishes kp in the metadata beside the current key, the
// first step of a rollover. A nil kp withdraws the announcement.
func (p *Provider) AnnounceNext(kp *certs.KeyPair) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.next = kp
}

// Rotate makes kp the signing key. A nil kp promotes the announced next key
// and fails if there is none. The old key is no longer published.
func (p *Provider) Rotate(kp *certs.KeyPair) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if kp == nil {
		if p.next == nil {
			return errors.New("rotate: no next signing key announced")
		}
		kp = p.next
	}
	if kp.Key == nil || kp.Cert == nil {
		return errors.New("rotate: key pair is incomplete")
	}
	p.signing, p.next, p.expired = kp, nil, nil
	return nil
}

// newID returns an xs:ID-safe identifier ("id" and 40 hex digits).
func (p *Provider) newID() (string, error) {
	var b [20]byte
	p.randMu.Lock()
	_, err := io.ReadFull(p.rand, b[:])
	p.randMu.Unlock()
	if err != nil {
		return "", fmt.Errorf("read random id: %w", err)
	}
	return "id" + hex.EncodeToString(b[:]), nil
}
