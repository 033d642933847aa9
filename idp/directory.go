package idp

import (
	"time"
)

// User is a person in the IdP's directory.
type User struct {
	// Username is the sign-in name, unique in the directory.
	Username string
	// PasswordHash is a bcrypt hash of the user's password. Empty means the
	// user cannot sign in with a password.
	PasswordHash string
	// TOTPSecret is the base32 RFC 6238 secret of an enrolled authenticator.
	// Empty means the user is not enrolled and signs in with a password only.
	TOTPSecret string
	// Admin users are identity administrators: the HTTP IdP's
	// administration pages let them enable and disable apps and add and
	// remove group members.
	Admin bool
	// Attributes are profile attributes such as "email" or "department",
	// read by apps (RoleSessionName, SourceIdentity, PrincipalTag sources).
	// The pseudo-attribute "username" always yields Username.
	Attributes map[string]string
}

// Group is a directory group. Its name is what an app's group filter reads.
type Group struct {
	Name        string
	Description string
}

// Membership puts a user in a group, optionally until an expiry time
// (time-bound elevated access). A zero Expires never expires.
type Membership struct {
	User    string
	Group   string
	Expires time.Time
}

// Active reports whether the membership is in force at t: an expiry time is
// the first instant at which the membership no longer counts.
func (m Membership) Active(t time.Time) bool {
	return m.Expires.IsZero() || t.Before(m.Expires)
}

// Directory is the IdP's user store: users, groups and memberships. The
// zero value is an empty directory.
type Directory struct {
	Users       []User
	Groups      []Group
	Memberships []Membership
}
