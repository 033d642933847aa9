package store

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// User is an IAM user.
type User struct {
	Name, Path, ARN, ID string
	CreateDate          time.Time
	InlinePolicies      map[string]string
	AttachedPolicies    []string
	Groups              []string
	// Password is the console password of the login profile; "" when the
	// user has none. Kept only to check sign-ins.
	Password   string
	LoginSince time.Time
	Tags       []Tag
}

// Group is an IAM group.
type Group struct {
	Name, Path, ARN, ID string
	CreateDate          time.Time
	InlinePolicies      map[string]string
	AttachedPolicies    []string
}

// MFADevice is a virtual MFA device.
type MFADevice struct {
	SerialNumber string // arn:aws:iam::<acct>:mfa/<name>
	Seed         string // base32 TOTP secret
	User         string // "" until enabled
	EnableDate   time.Time
	// LastStep is the last TOTP time step accepted, so a code is used once.
	LastStep int64
}

func (a *Account) init() {
	if a.users == nil {
		a.users, a.groups, a.mfa = map[string]*User{}, map[string]*Group{}, map[string]*MFADevice{}
	}
}

// PutUser creates a user; ErrExists when the name is taken, ignoring case.
func (s *Store) PutUser(account string, u User) (User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.account(account)
	a.init()
	key := strings.ToLower(u.Name)
	if _, ok := a.users[key]; ok {
		return User{}, fmt.Errorf("user %s: %w", u.Name, ErrExists)
	}
	a.users[key] = &u
	return u.clone(), nil
}

// User returns a user by name.
func (s *Store) User(account, name string) (User, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if a, ok := s.accounts[account]; ok && a.users != nil {
		if u, ok := a.users[strings.ToLower(name)]; ok {
			return u.clone(), nil
		}
	}
	return User{}, fmt.Errorf("user %s: %w", name, ErrNotFound)
}

// UpdateUser applies edit to a user under the lock.
func (s *Store) UpdateUser(account, name string, edit func(*User) error) (User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.accounts[account]; ok && a.users != nil {
		if u, ok := a.users[strings.ToLower(name)]; ok {
			if err := edit(u); err != nil {
				return User{}, err
			}
			return u.clone(), nil
		}
	}
	return User{}, fmt.Errorf("user %s: %w", name, ErrNotFound)
}

// DeleteUser removes a user and every access key issued to it, temporary
// ones included.
func (s *Store) DeleteUser(account, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.accounts[account]; ok && a.users != nil {
		if u, ok := a.users[strings.ToLower(name)]; ok {
			delete(a.users, strings.ToLower(name))
			for id, k := range s.keys {
				if k.Principal.Type == IAMUser && k.Principal.Account == account && k.Principal.UserID == u.ID {
					delete(s.keys, id)
				}
			}
			return nil
		}
	}
	return fmt.Errorf("user %s: %w", name, ErrNotFound)
}

// Users lists an account's users by name.
func (s *Store) Users(account string) []User {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []User
	if a, ok := s.accounts[account]; ok {
		for _, u := range a.users {
			out = append(out, u.clone())
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (u *User) clone() User {
	c := *u
	c.InlinePolicies = cloneMap(u.InlinePolicies)
	c.AttachedPolicies = append([]string(nil), u.AttachedPolicies...)
	c.Groups = append([]string(nil), u.Groups...)
	c.Tags = append([]Tag(nil), u.Tags...)
	return c
}

// PutGroup creates a group; ErrExists when the name is taken.
func (s *Store) PutGroup(account string, g Group) (Group, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.account(account)
	a.init()
	key := strings.ToLower(g.Name)
	if _, ok := a.groups[key]; ok {
		return Group{}, fmt.Errorf("group %s: %w", g.Name, ErrExists)
	}
	a.groups[key] = &g
	return g.clone(), nil
}

// Group returns a group by name.
func (s *Store) Group(account, name string) (Group, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if a, ok := s.accounts[account]; ok && a.groups != nil {
		if g, ok := a.groups[strings.ToLower(name)]; ok {
			return g.clone(), nil
		}
	}
	return Group{}, fmt.Errorf("group %s: %w", name, ErrNotFound)
}

// UpdateGroup applies edit to a group under the lock.
func (s *Store) UpdateGroup(account, name string, edit func(*Group) error) (Group, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.accounts[account]; ok && a.groups != nil {
		if g, ok := a.groups[strings.ToLower(name)]; ok {
			if err := edit(g); err != nil {
				return Group{}, err
			}
			return g.clone(), nil
		}
	}
	return Group{}, fmt.Errorf("group %s: %w", name, ErrNotFound)
}

func (g *Group) clone() Group {
	c := *g
	c.InlinePolicies = cloneMap(g.InlinePolicies)
	c.AttachedPolicies = append([]string(nil), g.AttachedPolicies...)
	return c
}

// PutMFADevice creates a virtual MFA device; ErrExists when its serial is
// taken.
func (s *Store) PutMFADevice(account string, d MFADevice) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.account(account)
	a.init()
	if _, ok := a.mfa[d.SerialNumber]; ok {
		return fmt.Errorf("MFA device %s: %w", d.SerialNumber, ErrExists)
	}
	a.mfa[d.SerialNumber] = &d
	return nil
}

// UpdateMFADevice applies edit to a device under the lock.
func (s *Store) UpdateMFADevice(account, serial string, edit func(*MFADevice) error) (MFADevice, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.accounts[account]; ok && a.mfa != nil {
		if d, ok := a.mfa[serial]; ok {
			if err := edit(d); err != nil {
				return MFADevice{}, err
			}
			return *d, nil
		}
	}
	return MFADevice{}, fmt.Errorf("MFA device %s: %w", serial, ErrNotFound)
}

// MFADevices lists an account's virtual MFA devices by serial.
func (s *Store) MFADevices(account string) []MFADevice {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []MFADevice
	if a, ok := s.accounts[account]; ok {
		for _, d := range a.mfa {
			out = append(out, *d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SerialNumber < out[j].SerialNumber })
	return out
}

// UserKeys lists the long-term access keys of a user.
func (s *Store) UserKeys(account, user string) []AccessKey {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, ok := s.accounts[account]
	if !ok || a.users == nil {
		return nil
	}
	u, ok := a.users[strings.ToLower(user)]
	if !ok {
		return nil
	}
	var out []AccessKey
	for _, k := range s.keys {
		// Matched by the user's unique id, so a path in the ARN or a user
		// re-created under the same name cannot confuse it.
		if k.Principal.Type == IAMUser && k.Principal.Account == account && k.Principal.Session == nil && k.Principal.UserID == u.ID {
			out = append(out, *k)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// DeleteKey removes an access key.
func (s *Store) DeleteKey(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keys[id]; !ok {
		return fmt.Errorf("access key %s: %w", id, ErrNotFound)
	}
	delete(s.keys, id)
	return nil
}

func cloneMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// MFAUsers maps the names of an account's users with an enabled MFA device
// to the device's serial number. Unlike MFADevices it hands out no seed.
func (s *Store) MFAUsers(account string) map[string]string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := map[string]string{}
	if a, ok := s.accounts[account]; ok {
		for _, d := range a.mfa {
			if d.User != "" {
				out[d.User] = d.SerialNumber
			}
		}
	}
	return out
}
