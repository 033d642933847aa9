package store

import (
	"fmt"
	"slices"
	"sort"

	"github.com/breakglass-dev/breakglass/sp/internal/policy"
)

// SCP is a service control policy of the organization.
type SCP struct {
	ID, ARN, Name, Description string
	Content                    string
	Parsed                     *policy.Policy
	Targets                    []string // account ids it is attached to
}

// org is the emulator's one organization. Every account other than the
// management account is a member once the organization exists.
type org struct {
	id, management string
	scps           map[string]*SCP
}

// ErrNoOrganization is returned before CreateOrganization.
var ErrNoOrganization = fmt.Errorf("no organization")

// CreateOrganization makes management the management account; ErrExists
// when an organization exists.
func (s *Store) CreateOrganization(management string) (id string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.org != nil {
		return "", fmt.Errorf("organization: %w", ErrExists)
	}
	s.org = &org{id: "o-" + lower(NewID("", 10)), management: management, scps: map[string]*SCP{}}
	return s.org.id, nil
}

// Organization returns the organization's id and management account.
func (s *Store) Organization() (id, management string, err error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.org == nil {
		return "", "", ErrNoOrganization
	}
	return s.org.id, s.org.management, nil
}

// PutSCP records a new SCP and returns it with its id and ARN.
func (s *Store) PutSCP(p SCP) (SCP, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.org == nil {
		return SCP{}, ErrNoOrganization
	}
	for _, old := range s.org.scps {
		if old.Name == p.Name {
			return SCP{}, fmt.Errorf("policy %s: %w", p.Name, ErrExists)
		}
	}
	p.ID = "p-" + lower(NewID("", 8))
	p.ARN = "arn:aws:organizations::" + s.org.management + ":policy/" + s.org.id + "/service_control_policy/" + p.ID
	s.org.scps[p.ID] = &p
	return p, nil
}

// AttachSCP attaches a policy to an account.
func (s *Store) AttachSCP(id, account string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.org == nil {
		return ErrNoOrganization
	}
	p, ok := s.org.scps[id]
	if !ok {
		return fmt.Errorf("policy %s: %w", id, ErrNotFound)
	}
	if slices.Contains(p.Targets, account) {
		return fmt.Errorf("policy %s on %s: %w", id, account, ErrExists)
	}
	p.Targets = append(p.Targets, account)
	return nil
}

// DetachSCP detaches a policy from an account.
func (s *Store) DetachSCP(id, account string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.org == nil {
		return ErrNoOrganization
	}
	p, ok := s.org.scps[id]
	if !ok {
		return fmt.Errorf("policy %s: %w", id, ErrNotFound)
	}
	i := slices.Index(p.Targets, account)
	if i < 0 {
		return fmt.Errorf("policy %s on %s: %w", id, account, ErrNotFound)
	}
	p.Targets = slices.Delete(p.Targets, i, i+1)
	return nil
}

// SCPList lists the organization's SCPs by name.
func (s *Store) SCPList() []SCP {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []SCP
	if s.org != nil {
		for _, p := range s.org.scps {
			c := *p
			c.Targets = slices.Clone(p.Targets)
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// fullAWSAccess is the AWS managed SCP attached everywhere by default
// (AWS Organizations User Guide, "FullAWSAccess").
var fullAWSAccess = func() *policy.Policy {
	p, err := policy.Parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	if err != nil {
		panic(err) // a constant document
	}
	return p
}()

// SCPs returns the SCP levels that apply to principals of account: the
// organization root and the account, each with FullAWSAccess as AWS
// attaches it by default, the account level also with the SCPs attached to
// it. inOrg is false before CreateOrganization; management is true for the
// management account, which SCPs never restrict.
func (s *Store) SCPs(account string) (levels [][]policy.Named, management, inOrg bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.org == nil {
		return nil, false, false
	}
	full := policy.Named{ID: "p-FullAWSAccess", Policy: fullAWSAccess}
	acct := []policy.Named{full}
	for _, p := range s.org.scps {
		if slices.Contains(p.Targets, account) && p.Parsed != nil {
			acct = append(acct, policy.Named{ID: p.ID, Policy: p.Parsed})
		}
	}
	sort.Slice(acct, func(i, j int) bool { return acct[i].ID < acct[j].ID })
	return [][]policy.Named{{full}, acct}, account == s.org.management, true
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
