package landscape

import (
	"strings"
	"time"
)

// Fixed account ids of the built-in default landscape, and the passwords of
// its demo users: DemoPassword for the IdP users, DemoIAMPassword for the
// break-glass IAM user (AWS's default password policy wants three character
// classes). Both are public: a landscape that uses them must never be
// reachable from another machine (see UsesDemoPassword).
const (
	EmergencyAccountID     = "111111111111"
	Workload1AccountID     = "222222222222"
	Workload2AccountID     = "333333333333"
	IdentityAdminAccountID = "444444444444"

	DemoPassword    = "breakglass-demo"
	DemoIAMPassword = "Breakglass-demo-1"
)

// MetadataFromIdP is the SAMLProvider.Metadata value that stands for the
// metadata of the landscape's own IdP.
const MetadataFromIdP = "idp"

// Landscape is one emergency-access setup. A *Landscape returned by Load,
// Parse or Default has passed validation and has its defaults filled in
// (role paths and maximum session durations). Its methods only read it; a
// caller that shares it must not modify it.
type Landscape struct {
	// Version is the format version; only 1 exists.
	Version int `yaml:"version"`
	// Name and Description are free text.
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	// IdentityProvider is the drill IdP: directory and federation apps.
	IdentityProvider IdentityProvider `yaml:"idp"`
	// Accounts are the AWS accounts, in file order.
	Accounts []Account `yaml:"accounts"`
	// Organization holds the organisation-wide policies.
	Organization Organization `yaml:"organization"`
	// Alerts are the monitoring rules a drill may check.
	Alerts []Alert `yaml:"alerts"`

	// File is the name the landscape was loaded or parsed from.
	File string `yaml:"-"`
}

// IdentityProvider is the IdP part of a landscape.
type IdentityProvider struct {
	// EntityID is the IdP's SAML entityID (Issuer). Required.
	EntityID string `yaml:"entity_id"`
	// Signing names the signing key files. Nil means the caller generates a
	// key on first use and keeps it in the user's configuration directory.
	Signing *Signing `yaml:"signing"`
	// Groups are the directory groups.
	Groups []IdPGroup `yaml:"groups"`
	// Users are the directory users with their memberships.
	Users []IdPUser `yaml:"users"`
	// Apps are the AWS federation apps.
	Apps []App `yaml:"apps"`
}

// Signing names PEM files of the IdP's signing key and certificate. Load
// resolves relative paths against the landscape file's directory; Parse
// leaves them as written. Key and Cert come as a pair, as do NextKey and
// NextCert (a second key announced ahead of a rollover).
type Signing struct {
	Key      string `yaml:"key"`
	Cert     string `yaml:"cert"`
	NextKey  string `yaml:"next_key"`
	NextCert string `yaml:"next_cert"`
}

// IdPGroup is a directory group; an app's group filter reads its name.
type IdPGroup struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
}

// IdPUser is a directory user.
type IdPUser struct {
	Username string `yaml:"username"`
	// PasswordHash is a bcrypt hash. Required.
	PasswordHash string `yaml:"password_hash"`
	// TOTPSecret is a base32 RFC 6238 secret; empty means no second factor.
	TOTPSecret string `yaml:"totp_secret"`
	// Admin makes the user an identity administrator of the IdP: its
	// administration pages enable and disable apps and change group members.
	Admin bool `yaml:"admin"`
	// Attributes are profile attributes (email, display_name, ...).
	Attributes map[string]string `yaml:"attributes"`
	// Groups are the user's memberships. In YAML each is a group name or a
	// mapping {name, expires}.
	Groups []Membership `yaml:"groups"`
}

// Membership puts the user in Group until Expires; a zero Expires never
// expires. In YAML it is written as a plain group name or as a mapping
// with the keys name and expires (RFC 3339).
type Membership struct {
	Group   string    `yaml:"name"`
	Expires time.Time `yaml:"expires"`
}

// App is an Okta-style AWS federation app; see idp.App for the meaning of
// each field. Durations are in seconds.
type App struct {
	ID                 string            `yaml:"id"`
	Label              string            `yaml:"label"`
	Enabled            bool              `yaml:"enabled"`
	GroupFilter        string            `yaml:"group_filter"`
	RoleValuePattern   string            `yaml:"role_value_pattern"`
	RoleSessionName    string            `yaml:"role_session_name"`
	NameID             string            `yaml:"name_id"`
	NameIDFormat       string            `yaml:"name_id_format"`
	SessionDuration    int               `yaml:"session_duration"`
	SourceIdentity     string            `yaml:"source_identity"`
	PrincipalTags      map[string]string `yaml:"principal_tags"`
	TransitiveTagKeys  []string          `yaml:"transitive_tag_keys"`
	ACS                string            `yaml:"acs"`
	Region             string            `yaml:"region"`
	Audience           string            `yaml:"audience"`
	Sign               string            `yaml:"sign"`
	SignatureAlgorithm string            `yaml:"signature_algorithm"`
	AssertionLifetime  int               `yaml:"assertion_lifetime"`
}

// AccountKind says what an account is for.
type AccountKind string

// Account kinds.
const (
	KindEmergency     AccountKind = "emergency"
	KindWorkload      AccountKind = "workload"
	KindIdentityAdmin AccountKind = "identity-admin"
	KindOther         AccountKind = "other"
)

// Account is an AWS account and the IAM entities the landscape creates in
// it.
type Account struct {
	// ID is the 12-digit account id.
	ID   string      `yaml:"id"`
	Name string      `yaml:"name"`
	Kind AccountKind `yaml:"kind"`

	SAMLProviders []SAMLProvider  `yaml:"saml_providers"`
	Roles         []Role          `yaml:"roles"`
	Policies      []ManagedPolicy `yaml:"policies"`
	Groups        []IAMGroup      `yaml:"groups"`
	Users         []IAMUser       `yaml:"users"`
}

// SAMLProvider is an IAM SAML provider.
type SAMLProvider struct {
	Name string `yaml:"name"`
	// Metadata is MetadataFromIdP ("idp") for the landscape IdP's metadata,
	// or the path of a metadata XML file (resolved like Signing's paths).
	Metadata string `yaml:"metadata"`
}

// ARN returns the provider's ARN in account.
func (p SAMLProvider) ARN(account string) string {
	return "arn:aws:iam::" + account + ":saml-provider/" + p.Name
}

// Role is an IAM role.
type Role struct {
	Name        string `yaml:"name"`
	Path        string `yaml:"path"` // "/" when loaded without one
	Description string `yaml:"description"`
	// MaxSessionDuration is in seconds; 3600 when loaded without one.
	MaxSessionDuration int               `yaml:"max_session_duration"`
	TrustPolicy        Policy            `yaml:"trust_policy"`
	ManagedPolicies    []string          `yaml:"managed_policies"`
	InlinePolicies     map[string]Policy `yaml:"inline_policies"`
	Tags               map[string]string `yaml:"tags"`
}

// ARN returns the role's ARN in account.
func (r Role) ARN(account string) string {
	return "arn:aws:iam::" + account + ":role" + pathOrRoot(r.Path) + r.Name
}

// ManagedPolicy is a customer managed policy.
type ManagedPolicy struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	Document    Policy `yaml:"document"`
}

// ARN returns the policy's ARN in account.
func (p ManagedPolicy) ARN(account string) string {
	return "arn:aws:iam::" + account + ":policy/" + p.Name
}

// IAMGroup is an IAM group.
type IAMGroup struct {
	Name            string            `yaml:"name"`
	ManagedPolicies []string          `yaml:"managed_policies"`
	InlinePolicies  map[string]Policy `yaml:"inline_policies"`
}

// IAMUser is an IAM user, such as the break-glass user of Failure Mode 1.
type IAMUser struct {
	Name   string   `yaml:"name"`
	Groups []string `yaml:"groups"`
	// ConsolePassword is the plaintext login-profile password: the AWS API
	// (CreateLoginProfile) needs it. Empty means no console access. Only
	// for demos and drill accounts.
	ConsolePassword string            `yaml:"console_password"`
	MFA             *MFADevice        `yaml:"mfa"`
	ManagedPolicies []string          `yaml:"managed_policies"`
	InlinePolicies  map[string]Policy `yaml:"inline_policies"`
}

// ARN returns the user's ARN in account.
func (u IAMUser) ARN(account string) string {
	return "arn:aws:iam::" + account + ":user/" + u.Name
}

// MFADevice is a virtual MFA device enabled for an IAM user.
type MFADevice struct {
	Device     string `yaml:"device"`
	TOTPSecret string `yaml:"totp_secret"`
}

// Organization holds organisation-wide settings.
type Organization struct {
	// ManagementAccount is the organization's management account: it
	// administers the SCPs, which never restrict it. Required when there are
	// SCPs; it must not be one of their targets.
	ManagementAccount      string                 `yaml:"management_account"`
	ServiceControlPolicies []ServiceControlPolicy `yaml:"service_control_policies"`
}

// ServiceControlPolicy is an AWS Organizations SCP attached to accounts.
type ServiceControlPolicy struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	// Targets are ids of accounts of the landscape.
	Targets []string `yaml:"targets"`
	Policy  Policy   `yaml:"policy"`
}

// Severity grades an alert.
type Severity string

// Severities.
const (
	SeverityLow      Severity = "low"
	SeverityMedium   Severity = "medium"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

// Alert is a monitoring rule: an EventBridge event pattern that should
// fire when emergency access is used or tampered with.
type Alert struct {
	Name        string       `yaml:"name"`
	Description string       `yaml:"description"`
	Severity    Severity     `yaml:"severity"`
	Pattern     EventPattern `yaml:"pattern"`
}

// Account returns the account with the given id.
func (l *Landscape) Account(id string) (*Account, bool) {
	for i := range l.Accounts {
		if l.Accounts[i].ID == id {
			return &l.Accounts[i], true
		}
	}
	return nil, false
}

func pathOrRoot(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

// fold is the key under which IAM compares names: case-insensitively.
func fold(s string) string { return strings.ToLower(s) }
