// Package store holds the emulator's state: accounts with their IAM
// entities (SAML providers, roles, users, groups, policies) and every access
// key the emulator knows, long-term or temporary. IAM writes it, STS and
// every authorised call read it. All methods are safe for concurrent use.
package store

import (
	"crypto/rand"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/breakglass-dev/breakglass/sp/internal/policy"
	"github.com/breakglass-dev/breakglass/sp/samlcheck"
)

// Sentinel errors; IAM maps them to NoSuchEntity and EntityAlreadyExists.
var (
	ErrNotFound = errors.New("no such entity")
	ErrExists   = errors.New("entity already exists")
)

// Tag is an IAM tag.
type Tag struct{ Key, Value string }

// SAMLProvider is an IAM SAML identity provider.
type SAMLProvider struct {
	Name, ARN, UUID string
	Metadata        string
	// Parsed is Metadata as samlcheck parsed it at upload, so STS does not
	// parse it again on every federation. Treat as immutable.
	Parsed     *samlcheck.Metadata
	CreateDate time.Time
	// ValidUntil is CreateDate + 100 years, as IAM reports it (reference 6, [R28]).
	ValidUntil time.Time
	Tags       []Tag
}

// Role is an IAM role.
type Role struct {
	Name, Path, ARN, ID string
	Description         string
	TrustPolicy         string
	// Trust is TrustPolicy as the policy engine parsed it when it was set.
	// Treat as immutable.
	Trust              *policy.Policy
	MaxSessionDuration int
	CreateDate         time.Time
	InlinePolicies     map[string]string
	AttachedPolicies   []string
	Tags               []Tag
}

// Account is one AWS account and its IAM entities.
type Account struct {
	ID            string
	samlProviders map[string]*SAMLProvider // by name
	roles         map[string]*Role         // by lower-case name: IAM names are unique ignoring case
	users         map[string]*User         // by lower-case name
	groups        map[string]*Group        // by lower-case name
	mfa           map[string]*MFADevice    // by serial number

	policies map[string]*ManagedPolicy // customer managed, by lower-case name
}

// PrincipalType names who signed a request, as CloudTrail's userIdentity.type.
type PrincipalType string

// The principal types.
const (
	Root        PrincipalType = "Root"
	IAMUser     PrincipalType = "IAMUser"
	AssumedRole PrincipalType = "AssumedRole"
)

// Principal is the identity behind an access key.
type Principal struct {
	Type    PrincipalType
	Account string
	// ARN is the caller ARN (arn:aws:iam::<acct>:root, a user ARN, or
	// arn:aws:sts::<acct>:assumed-role/<role>/<session>).
	ARN string
	// UserID is GetCallerIdentity's UserId: the account id for root, the
	// user's id, or <role id>:<session name>.
	UserID string
	// RoleARN is the role of an assumed-role session.
	RoleARN string
	// Session is the role session behind temporary credentials; nil for
	// long-term keys.
	Session *Session
}

// Policy returns the principal as the policy engine sees it.
func (p Principal) Policy() policy.Principal {
	out := policy.Principal{ARN: p.ARN, Account: p.Account, RoleARN: p.RoleARN}
	switch p.Type {
	case Root:
		out.Type = policy.PrincipalRoot
	case IAMUser:
		out.Type = policy.PrincipalIAMUser
		out.UserName = p.ARN[strings.LastIndexByte(p.ARN, '/')+1:]
		out.UniqueID = p.UserID
	case AssumedRole:
		out.Type = policy.PrincipalAssumedRole
		out.UniqueID, _, _ = strings.Cut(p.UserID, ":")
	}
	return out
}

// AccessKey is a credential the emulator issued or accepts.
type AccessKey struct {
	ID, Secret, SessionToken string
	Expires                  time.Time // zero: long-term
	Principal                Principal
	Created                  time.Time
	// Inactive keys are refused like unknown ones.
	Inactive bool
}

// Session is what a role session carries into the calls made with its
// credentials, and into the next hop of a role chain.
type Session struct {
	RoleName, RoleID string
	IssuedAt         time.Time
	// MFA is true when the session was created with a verified MFA code
	// (aws:MultiFactorAuthPresent).
	MFA bool
	// SourceIdentity persists across a role chain and cannot change [R19].
	SourceIdentity string
	// Tags are the session tags; TransitiveTagKeys those that flow into the
	// next hop [R15].
	Tags              map[string]string
	TransitiveTagKeys []string
	// SAML holds the saml:namequalifier, saml:sub and saml:sub_type keys a
	// SAML session keeps after federation [R14]; nil otherwise.
	SAML map[string]string
	// FederatedProvider is the SAML provider ARN of a federated session
	// (aws:FederatedProvider) [R24].
	FederatedProvider string
	// Policies are the session policies passed when the session was
	// created: they bound what it may do [R1].
	Policies []policy.Named
}

// Store is the emulator state. The zero value is not usable; call New.
type Store struct {
	mu       sync.RWMutex
	accounts map[string]*Account
	keys     map[string]*AccessKey
	sweptAt  int // len(keys) after the last sweep of expired keys
	org      *org
}

// New returns an empty store.
func New() *Store {
	return &Store{accounts: map[string]*Account{}, keys: map[string]*AccessKey{}}
}

var accountID = regexp.MustCompile(`^\d{12}$`)

// IsAccountID reports whether s is a 12-digit account id.
func IsAccountID(s string) bool { return accountID.MatchString(s) }

// account returns the account, creating it on first use: every 12-digit id
// is an account, as in LocalStack. The caller holds s.mu for writing.
func (s *Store) account(id string) *Account {
	a, ok := s.accounts[id]
	if !ok {
		a = &Account{ID: id, samlProviders: map[string]*SAMLProvider{}, roles: map[string]*Role{}}
		s.accounts[id] = a
	}
	return a
}

// Reset forgets every account and every issued key.
func (s *Store) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accounts = map[string]*Account{}
	s.keys = map[string]*AccessKey{}
	s.sweptAt = 0
	s.org = nil
}

// Key returns the access key with the given id. A 12-digit id is the root
// user of that account with any secret (LocalStack's convention), reported
// with an empty Secret, which the caller treats as "any secret".
func (s *Store) Key(id string) (AccessKey, bool) {
	if IsAccountID(id) {
		return AccessKey{ID: id, Principal: Principal{Type: Root, Account: id, ARN: "arn:aws:iam::" + id + ":root", UserID: id}}, true
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	k, ok := s.keys[id]
	if !ok || k.Inactive {
		return AccessKey{}, false
	}
	return *k, true
}

// UpdateKey applies edit to an access key under the lock.
func (s *Store) UpdateKey(id string, edit func(*AccessKey)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[id]
	if !ok {
		return fmt.Errorf("access key %s: %w", id, ErrNotFound)
	}
	edit(k)
	return nil
}

// keepExpired is how long expired temporary credentials are remembered, so
// that using them answers ExpiredToken rather than InvalidClientTokenId.
const keepExpired = 24 * time.Hour

// sweepAbove is the key count above which AddKey drops temporary keys that
// expired more than keepExpired before the new key was created.
const sweepAbove = 10_000

// AddKey records an access key. When many keys are held, temporary keys
// long expired (judged by the new key's Created time) are forgotten, so a
// long-running emulator does not grow without bound.
func (s *Store) AddKey(k AccessKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Sweep when the map has doubled since the last sweep (or reached
	// sweepAbove), so adding stays amortized O(1) even when every key is
	// still live.
	if len(s.keys) > max(sweepAbove, s.sweptAt*2) && !k.Created.IsZero() {
		cutoff := k.Created.Add(-keepExpired)
		for id, old := range s.keys {
			if !old.Expires.IsZero() && old.Expires.Before(cutoff) {
				delete(s.keys, id)
			}
		}
		s.sweptAt = len(s.keys)
	}
	s.keys[k.ID] = &k
}

const idChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// NewID returns prefix followed by n random characters of AWS's unique-id
// alphabet (upper-case letters and digits 2-7), e.g. AROA + 17 for a role,
// AKIA/ASIA + 16 for access keys. Source: IAM User Guide, "IAM identifiers".
func NewID(prefix string, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err)) // the runtime guarantees it does not
	}
	for i := range b {
		b[i] = idChars[int(b[i])%len(idChars)]
	}
	return prefix + string(b)
}

// NewSecret returns a random 40-character secret access key.
func NewSecret() string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	b := make([]byte, 40)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	for i := range b {
		b[i] = chars[int(b[i])%len(chars)]
	}
	return string(b)
}

// PutSAMLProvider creates a provider; ErrExists if the name is taken.
func (s *Store) PutSAMLProvider(account string, p SAMLProvider) (SAMLProvider, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.account(account)
	if _, ok := a.samlProviders[p.Name]; ok {
		return SAMLProvider{}, fmt.Errorf("SAML provider %s: %w", p.Name, ErrExists)
	}
	a.samlProviders[p.Name] = &p
	return p, nil
}

// SAMLProvider returns a provider by name.
func (s *Store) SAMLProvider(account, name string) (SAMLProvider, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if a, ok := s.accounts[account]; ok {
		if p, ok := a.samlProviders[name]; ok {
			return *p, nil
		}
	}
	return SAMLProvider{}, fmt.Errorf("SAML provider %s in %s: %w", name, account, ErrNotFound)
}

// UpdateSAMLProvider applies edit to a provider under the lock.
func (s *Store) UpdateSAMLProvider(account, name string, edit func(*SAMLProvider)) (SAMLProvider, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.accounts[account]; ok {
		if p, ok := a.samlProviders[name]; ok {
			edit(p)
			return *p, nil
		}
	}
	return SAMLProvider{}, fmt.Errorf("SAML provider %s in %s: %w", name, account, ErrNotFound)
}

// DeleteSAMLProvider removes a provider.
func (s *Store) DeleteSAMLProvider(account, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.accounts[account]; ok {
		if _, ok := a.samlProviders[name]; ok {
			delete(a.samlProviders, name)
			return nil
		}
	}
	return fmt.Errorf("SAML provider %s in %s: %w", name, account, ErrNotFound)
}

// SAMLProviders lists an account's providers sorted by name.
func (s *Store) SAMLProviders(account string) []SAMLProvider {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []SAMLProvider
	if a, ok := s.accounts[account]; ok {
		for _, p := range a.samlProviders {
			out = append(out, *p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// PutRole creates a role; ErrExists if the name is taken, ignoring case.
func (s *Store) PutRole(account string, r Role) (Role, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.account(account)
	key := strings.ToLower(r.Name)
	if _, ok := a.roles[key]; ok {
		return Role{}, fmt.Errorf("role with name %s: %w", r.Name, ErrExists)
	}
	a.roles[key] = &r
	return r.clone(), nil
}

// Role returns a role by name (IAM matches names ignoring case).
func (s *Store) Role(account, name string) (Role, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if a, ok := s.accounts[account]; ok {
		if r, ok := a.roles[strings.ToLower(name)]; ok {
			return r.clone(), nil
		}
	}
	return Role{}, fmt.Errorf("role %s: %w", name, ErrNotFound)
}

// UpdateRole applies edit to a role under the lock.
func (s *Store) UpdateRole(account, name string, edit func(*Role) error) (Role, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.accounts[account]; ok {
		if r, ok := a.roles[strings.ToLower(name)]; ok {
			if err := edit(r); err != nil {
				return Role{}, err
			}
			return r.clone(), nil
		}
	}
	return Role{}, fmt.Errorf("role %s: %w", name, ErrNotFound)
}

// DeleteRole removes a role.
func (s *Store) DeleteRole(account, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.accounts[account]; ok {
		if _, ok := a.roles[strings.ToLower(name)]; ok {
			delete(a.roles, strings.ToLower(name))
			return nil
		}
	}
	return fmt.Errorf("role %s: %w", name, ErrNotFound)
}

// Roles lists an account's roles whose path starts with prefix, by name.
func (s *Store) Roles(account, prefix string) []Role {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Role
	if a, ok := s.accounts[account]; ok {
		for _, r := range a.roles {
			if strings.HasPrefix(r.Path, prefix) {
				out = append(out, r.clone())
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (r *Role) clone() Role {
	c := *r
	c.InlinePolicies = make(map[string]string, len(r.InlinePolicies))
	for k, v := range r.InlinePolicies {
		c.InlinePolicies[k] = v
	}
	c.AttachedPolicies = append([]string(nil), r.AttachedPolicies...)
	c.Tags = append([]Tag(nil), r.Tags...)
	return c
}

// AccountIDs lists, sorted, every account the store holds state for: those
// with IAM entities, the organization's management account and the
// accounts SCPs are attached to.
func (s *Store) AccountIDs() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	seen := make(map[string]bool, len(s.accounts))
	for id := range s.accounts {
		seen[id] = true
	}
	if s.org != nil {
		seen[s.org.management] = true
		for _, p := range s.org.scps {
			for _, id := range p.Targets {
				seen[id] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for id := range seen {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}
