package store

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/breakglass-dev/breakglass/sp/internal/policy"
)

// ErrAttached is returned by DeletePolicy's check when the policy is still
// attached; IAM maps it to DeleteConflict.
var ErrAttached = errors.New("policy is attached to entities")

// ManagedPolicy is a customer managed policy.
type ManagedPolicy struct {
	Name, Path, ARN, ID string
	Description         string
	CreateDate          time.Time
	// UpdateDate is the creation time of the newest version.
	UpdateDate time.Time
	// DefaultVersion is the id of the version the policy engine evaluates.
	DefaultVersion string
	// Versions holds the versions, oldest first.
	Versions []PolicyVersion
	// LastVersion is the number of the newest version ever created: IAM
	// does not reuse the ids of deleted versions.
	LastVersion int
	Tags        []Tag
}

// PolicyVersion is one version of a customer managed policy.
type PolicyVersion struct {
	ID       string // "v1", "v2", ...
	Document string
	// Parsed is Document as the policy engine parsed it when the version
	// was created. Treat as immutable.
	Parsed     *policy.Policy
	CreateDate time.Time
}

// Version returns the version with the given id.
func (p ManagedPolicy) Version(id string) (PolicyVersion, bool) {
	for _, v := range p.Versions {
		if v.ID == id {
			return v, true
		}
	}
	return PolicyVersion{}, false
}

func (p *ManagedPolicy) clone() ManagedPolicy {
	c := *p
	c.Versions = slices.Clone(p.Versions)
	c.Tags = slices.Clone(p.Tags)
	return c
}

// PutPolicy creates a customer managed policy; ErrExists when the name is
// taken, ignoring case (IAM API reference, CreatePolicy: "Names are not
// distinguished by case").
func (s *Store) PutPolicy(account string, p ManagedPolicy) (ManagedPolicy, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.account(account)
	if a.policies == nil {
		a.policies = map[string]*ManagedPolicy{}
	}
	key := strings.ToLower(p.Name)
	if _, ok := a.policies[key]; ok {
		return ManagedPolicy{}, fmt.Errorf("policy %s: %w", p.Name, ErrExists)
	}
	a.policies[key] = &p
	return p.clone(), nil
}

// Policy returns a customer managed policy by name.
func (s *Store) Policy(account, name string) (ManagedPolicy, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if a, ok := s.accounts[account]; ok {
		if p, ok := a.policies[strings.ToLower(name)]; ok {
			return p.clone(), nil
		}
	}
	return ManagedPolicy{}, fmt.Errorf("policy %s: %w", name, ErrNotFound)
}

// UpdatePolicy applies edit to a customer managed policy under the lock;
// an error from edit is returned as is and nothing changes.
func (s *Store) UpdatePolicy(account, name string, edit func(*ManagedPolicy) error) (ManagedPolicy, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.accounts[account]; ok {
		if p, ok := a.policies[strings.ToLower(name)]; ok {
			c := p.clone()
			if err := edit(&c); err != nil {
				return ManagedPolicy{}, err
			}
			*p = c
			return p.clone(), nil
		}
	}
	return ManagedPolicy{}, fmt.Errorf("policy %s: %w", name, ErrNotFound)
}

// DeletePolicy removes a customer managed policy once check, called under
// the lock with the policy and the number of users, groups and roles it is
// attached to, returns nil.
func (s *Store) DeletePolicy(account, name string, check func(p ManagedPolicy, attachments int) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.accounts[account]; ok {
		key := strings.ToLower(name)
		if p, ok := a.policies[key]; ok {
			if err := check(p.clone(), a.attachments(p.ARN)); err != nil {
				return err
			}
			delete(a.policies, key)
			return nil
		}
	}
	return fmt.Errorf("policy %s: %w", name, ErrNotFound)
}

// Policies lists an account's customer managed policies by name.
func (s *Store) Policies(account string) []ManagedPolicy {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []ManagedPolicy
	if a, ok := s.accounts[account]; ok {
		for _, p := range a.policies {
			out = append(out, p.clone())
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// PolicyAttachments counts the users, groups and roles of an account that
// have the managed policy arn attached (IAM's AttachmentCount).
func (s *Store) PolicyAttachments(account, arn string) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if a, ok := s.accounts[account]; ok {
		return a.attachments(arn)
	}
	return 0
}

// attachments counts the entities with arn attached; the caller holds s.mu.
func (a *Account) attachments(arn string) int {
	n := 0
	for _, r := range a.roles {
		if slices.Contains(r.AttachedPolicies, arn) {
			n++
		}
	}
	for _, u := range a.users {
		if slices.Contains(u.AttachedPolicies, arn) {
			n++
		}
	}
	for _, g := range a.groups {
		if slices.Contains(g.AttachedPolicies, arn) {
			n++
		}
	}
	return n
}
