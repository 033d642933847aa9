package landscape

import (
	"encoding/base32"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/crypto/bcrypt"

	"github.com/breakglass-dev/breakglass/idp"
)

// issue is a semantic problem at a path; parse gives it a position.
type issue struct{ path, msg string }

// IAM limits. Sources: IAM API Reference, CreateRole, CreateUser,
// CreateGroup, CreatePolicy, CreateSAMLProvider, CreateVirtualMFADevice,
// PutRolePolicy, TagRole (parameter constraints); reference section 9.
const (
	defaultMaxSessionDuration = 3600
	minMaxSessionDuration     = 3600
	maxMaxSessionDuration     = 43200
	// SessionDuration attribute range. Source: IAM User Guide, "Configure
	// SAML assertions for the authentication response".
	minSessionDuration = 900
	maxSessionDuration = 43200
	maxTagsPerEntity   = 50
)

var (
	reAccountID    = regexp.MustCompile(`^\d{12}$`)
	reRoleName     = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	reUserName     = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	reGroupName    = regexp.MustCompile(`^[\w+=,.@-]{1,128}$`)
	rePolicyName   = regexp.MustCompile(`^[\w+=,.@-]{1,128}$`)
	reProviderName = regexp.MustCompile(`^[\w._-]{1,128}$`)
	reMFAName      = regexp.MustCompile(`^[\w+=,.@-]{1,226}$`)
	reRolePath     = regexp.MustCompile(`^/([\x21-\x7E]*/)?$`)
	reIAMText      = regexp.MustCompile(`^[\t\n\r\x20-\x7E\x{A1}-\x{FF}]*$`)
	reTagKey       = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$`)
	reTagValue     = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$`)
	reAppID        = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)
	reAttribute    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]{0,63}$`)
	reRegion       = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+$`)
	reAlertName    = regexp.MustCompile(`^[.\-_A-Za-z0-9]{1,64}$`)
	reManagedARN   = regexp.MustCompile(`^arn:aws(-[a-z]+)*:iam::(aws|\d{12}):policy/([\x21-\x7E]*/)?[\w+=,.@-]{1,128}$`)
	reRoleVar      = regexp.MustCompile(`\$\{([^}]*)\}`)
)

// validator checks a decoded landscape. Lookups are keyed by account id
// and the IAM name folded to lower case: IAM names are unique
// case-insensitively (IAM User Guide, "IAM identifiers").
type validator struct {
	l       *Landscape
	present func(path string) bool
	issues  []issue

	accounts  map[string]*Account
	providers map[string]string // acct/fold(name) -> name
	roles     map[string]*Role
	users     map[string]*IAMUser
	groups    map[string]string
	policies  map[string]string
	idpGroups map[string]string // fold(name) -> name
	filters   map[int]*idp.GroupFilter
}

func (v *validator) addf(path, format string, args ...any) {
	v.issues = append(v.issues, issue{path, fmt.Sprintf(format, args...)})
}

func validate(l *Landscape, present func(string) bool) []issue {
	v := &validator{
		l: l, present: present,
		accounts:  map[string]*Account{},
		providers: map[string]string{},
		roles:     map[string]*Role{},
		users:     map[string]*IAMUser{},
		groups:    map[string]string{},
		policies:  map[string]string{},
		idpGroups: map[string]string{},
		filters:   map[int]*idp.GroupFilter{},
	}
	switch {
	case !present("version"):
		v.addf("version", "required; the only version is 1")
	case l.Version != 1:
		v.addf("version", "must be 1, got %d", l.Version)
	}
	v.index()
	v.identityProvider()
	for i := range l.Accounts {
		v.account(joinIndex("accounts", i), &l.Accounts[i])
	}
	v.organization()
	v.alerts()
	v.appTargets()
	return v.issues
}

func key(acct, name string) string { return acct + "/" + fold(name) }

// index builds the lookups and reports duplicate names.
func (v *validator) index() {
	for i := range v.l.Accounts {
		a := &v.l.Accounts[i]
		p := joinIndex("accounts", i)
		if _, dup := v.accounts[a.ID]; dup && a.ID != "" {
			v.addf(joinKey(p, "id"), "account %s is declared twice", a.ID)
		} else {
			v.accounts[a.ID] = a
		}
		for j, sp := range a.SAMLProviders {
			v.unique(v.providers, joinKey(joinIndex(joinKey(p, "saml_providers"), j), "name"), a.ID, sp.Name, "SAML provider")
		}
		for j := range a.Roles {
			r := &a.Roles[j]
			rp := joinKey(joinIndex(joinKey(p, "roles"), j), "name")
			if prev, dup := v.roles[key(a.ID, r.Name)]; dup && r.Name != "" {
				v.addf(rp, "role %s is declared twice in account %s (IAM role names are unique regardless of case: %s)", r.Name, a.ID, prev.Name)
			} else {
				v.roles[key(a.ID, r.Name)] = r
			}
		}
		for j := range a.Users {
			u := &a.Users[j]
			up := joinKey(joinIndex(joinKey(p, "users"), j), "name")
			if prev, dup := v.users[key(a.ID, u.Name)]; dup && u.Name != "" {
				v.addf(up, "user %s is declared twice in account %s (IAM user names are unique regardless of case: %s)", u.Name, a.ID, prev.Name)
			} else {
				v.users[key(a.ID, u.Name)] = u
			}
		}
		for j, g := range a.Groups {
			v.unique(v.groups, joinKey(joinIndex(joinKey(p, "groups"), j), "name"), a.ID, g.Name, "group")
		}
		for j, pol := range a.Policies {
			v.unique(v.policies, joinKey(joinIndex(joinKey(p, "policies"), j), "name"), a.ID, pol.Name, "policy")
		}
	}
	for i, g := range v.l.IdentityProvider.Groups {
		p := joinKey(joinIndex("idp.groups", i), "name")
		if prev, dup := v.idpGroups[fold(g.Name)]; dup && g.Name != "" {
			v.addf(p, "IdP group %q is declared twice (names are compared regardless of case: %q)", g.Name, prev)
		} else {
			v.idpGroups[fold(g.Name)] = g.Name
		}
	}
}

func (v *validator) unique(m map[string]string, path, acct, name, what string) {
	if name == "" {
		return
	}
	if prev, dup := m[key(acct, name)]; dup {
		v.addf(path, "%s %s is declared twice in account %s (IAM names are unique regardless of case: %s)", what, name, acct, prev)
		return
	}
	m[key(acct, name)] = name
}

func (v *validator) identityProvider() {
	ip := &v.l.IdentityProvider
	switch {
	case ip.EntityID == "":
		v.addf("idp.entity_id", "required: the IdP's SAML entityID, such as urn:breakglass:idp")
	default:
		v.uri("idp.entity_id", ip.EntityID)
		// SAML 2.0 Core, section 8.3.6: an entity identifier is at most
		// 1024 characters.
		if len(ip.EntityID) > 1024 {
			v.addf("idp.entity_id", "must be at most 1024 characters (SAML core 8.3.6), got %d", len(ip.EntityID))
		}
	}
	if s := ip.Signing; s != nil {
		if (s.Key == "") != (s.Cert == "") {
			v.addf("idp.signing", "key and cert go together: give both or neither")
		}
		if (s.NextKey == "") != (s.NextCert == "") {
			v.addf("idp.signing", "next_key and next_cert go together: give both or neither")
		}
		if s.NextKey != "" && s.Key == "" {
			v.addf("idp.signing", "next_key and next_cert announce a rollover and need a current key and cert")
		}
	}
	for i, g := range ip.Groups {
		p := joinIndex("idp.groups", i)
		v.idpName(joinKey(p, "name"), g.Name, "group name")
	}
	seenUser := map[string]string{}
	for i := range ip.Users {
		v.idpUser(joinIndex("idp.users", i), &ip.Users[i], seenUser)
	}
	seenApp := map[string]bool{}
	for i := range ip.Apps {
		a := &ip.Apps[i]
		p := joinIndex("idp.apps", i)
		if seenApp[a.ID] && a.ID != "" {
			v.addf(joinKey(p, "id"), "app %q is declared twice", a.ID)
		}
		seenApp[a.ID] = true
		v.app(p, i, a)
	}
}

func (v *validator) idpName(path, name, what string) {
	switch {
	case name == "":
		v.addf(path, "required")
	case len(name) > 255:
		v.addf(path, "%s is longer than 255 characters", what)
	case strings.TrimSpace(name) != name || strings.IndexFunc(name, unicode.IsControl) >= 0:
		v.addf(path, "%s %q has leading or trailing spaces or control characters", what, name)
	}
}

func (v *validator) idpUser(p string, u *IdPUser, seen map[string]string) {
	up := joinKey(p, "username")
	switch {
	case u.Username == "":
		v.addf(up, "required")
	case strings.IndexFunc(u.Username, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		v.addf(up, "username %q contains spaces or control characters", u.Username)
	case len(u.Username) > 100:
		v.addf(up, "username is longer than 100 characters")
	}
	if prev, dup := seen[fold(u.Username)]; dup && u.Username != "" {
		v.addf(up, "user %q is declared twice (usernames are compared regardless of case: %q)", u.Username, prev)
	} else {
		seen[fold(u.Username)] = u.Username
	}
	hp := joinKey(p, "password_hash")
	if u.PasswordHash == "" {
		v.addf(hp, "required: a bcrypt hash, such as the output of htpasswd -nbBC 10 \"\" PASSWORD")
	} else if _, err := bcrypt.Cost([]byte(u.PasswordHash)); err != nil {
		v.addf(hp, "not a bcrypt hash: %v", err)
	}
	if u.TOTPSecret != "" {
		v.totpSecret(joinKey(p, "totp_secret"), u.TOTPSecret)
	}
	for k := range u.Attributes {
		ap := joinKey(joinKey(p, "attributes"), k)
		switch {
		case k == "username":
			v.addf(ap, "attribute name username is reserved: it always holds the username")
		case !reAttribute.MatchString(k):
			v.addf(ap, "attribute name %q must start with a letter and hold only letters, digits, '_', '.' and '-' (at most 64)", k)
		}
	}
	seenGroup := map[string]bool{}
	for j, m := range u.Groups {
		mp := joinIndex(joinKey(p, "groups"), j)
		if m.Group == "" {
			v.addf(mp, "want a group name or a mapping {name, expires}")
			continue
		}
		name, ok := v.idpGroups[fold(m.Group)]
		switch {
		case !ok:
			v.addf(mp, "group %q is not declared under idp.groups", m.Group)
		case name != m.Group:
			v.addf(mp, "group %q is declared as %q: group names are case-sensitive in memberships", m.Group, name)
		}
		if seenGroup[fold(m.Group)] {
			v.addf(mp, "user %s is a member of %q twice", u.Username, m.Group)
		}
		seenGroup[fold(m.Group)] = true
	}
}

// totpSecret checks an RFC 6238 secret: base32 (RFC 4648 alphabet,
// upper case, padding optional) of at least 128 bits, the minimum of RFC
// 4226 section 4 (requirement R6).
func (v *validator) totpSecret(path, s string) {
	raw := strings.TrimRight(s, "=")
	if strings.ToUpper(raw) != raw {
		v.addf(path, "must be upper-case base32 (A-Z, 2-7)")
		return
	}
	b, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(raw)
	if err != nil {
		v.addf(path, "not valid base32 (A-Z, 2-7): %v", err)
		return
	}
	if len(b) < 16 {
		v.addf(path, "secret is %d bits; RFC 4226 requires at least 128 (26 base32 characters)", len(b)*8)
	}
}

// nameIDFormats maps the shortcuts of name_id_format to their URIs
// (SAML 2.0 Core, section 8.3).
var nameIDFormats = map[string]string{
	"persistent":  "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
	"transient":   "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
	"email":       "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
	"unspecified": "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
}

func (v *validator) app(p string, i int, a *App) {
	switch {
	case a.ID == "":
		v.addf(joinKey(p, "id"), "required")
	case !reAppID.MatchString(a.ID):
		v.addf(joinKey(p, "id"), "app id %q must be lower-case letters, digits, '_' and '-' (it appears in URLs)", a.ID)
	}
	fp := joinKey(p, "group_filter")
	if a.GroupFilter == "" {
		v.addf(fp, `required: an Okta group filter such as ^aws\#(?{{role}}[\w\-]+)\#(?{{accountid}}\d+)$`)
	} else if gf, err := idp.CompileGroupFilter(a.GroupFilter); err != nil {
		v.addf(fp, "%v", err)
	} else {
		v.filters[i] = gf
	}
	v.roleValuePattern(joinKey(p, "role_value_pattern"), a.RoleValuePattern, v.filters[i])
	v.attributeRef(joinKey(p, "role_session_name"), a.RoleSessionName)
	v.attributeRef(joinKey(p, "name_id"), a.NameID)
	v.attributeRef(joinKey(p, "source_identity"), a.SourceIdentity)
	if f := a.NameIDFormat; f != "" {
		if _, ok := nameIDFormats[f]; !ok {
			if u, err := url.Parse(f); err != nil || u.Scheme == "" || strings.ContainsAny(f, " \t\n") {
				v.addf(joinKey(p, "name_id_format"), "want persistent, transient, email, unspecified or a format URI, got %q", f)
			}
		}
	}
	if v.present(joinKey(p, "session_duration")) && (a.SessionDuration < minSessionDuration || a.SessionDuration > maxSessionDuration) {
		v.addf(joinKey(p, "session_duration"), "must be between %d and %d seconds, got %d", minSessionDuration, maxSessionDuration, a.SessionDuration)
	}
	if len(a.PrincipalTags) > maxTagsPerEntity {
		v.addf(joinKey(p, "principal_tags"), "at most %d session tags, got %d", maxTagsPerEntity, len(a.PrincipalTags))
	}
	for k, attr := range a.PrincipalTags {
		tp := joinKey(joinKey(p, "principal_tags"), k)
		v.tagKey(tp, k)
		if attr == "" {
			v.addf(tp, "name the user attribute that holds the tag's value")
		} else {
			v.attributeRef(tp, attr)
		}
	}
	seenKey := map[string]bool{}
	for j, k := range a.TransitiveTagKeys {
		tp := joinIndex(joinKey(p, "transitive_tag_keys"), j)
		v.tagKey(tp, k)
		if _, ok := a.PrincipalTags[k]; !ok {
			v.addf(tp, "transitive tag key %q is not a key of principal_tags", k)
		}
		if seenKey[fold(k)] {
			v.addf(tp, "tag key %q is listed twice", k)
		}
		seenKey[fold(k)] = true
	}
	if a.ACS != "" && a.Region != "" {
		v.addf(joinKey(p, "region"), "acs and region are mutually exclusive: region %s stands for acs %s", a.Region, idp.RegionalSignInURL(a.Region))
	}
	if a.ACS != "" {
		if u, err := url.Parse(a.ACS); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			v.addf(joinKey(p, "acs"), "want an http or https URL such as %s, got %q", idp.AWSSignInURL, a.ACS)
		}
	}
	if a.Region != "" && !reRegion.MatchString(a.Region) {
		v.addf(joinKey(p, "region"), "want an AWS region such as us-east-2, got %q", a.Region)
	}
	if a.Audience != "" {
		v.uri(joinKey(p, "audience"), a.Audience)
	}
	switch idp.SignMode(a.Sign) {
	case "", idp.SignAssertion, idp.SignResponse, idp.SignBoth:
	default:
		v.addf(joinKey(p, "sign"), "want assertion, response or both, got %q", a.Sign)
	}
	switch idp.SignatureAlgorithm(a.SignatureAlgorithm) {
	case "", idp.RSASHA256, idp.RSASHA1:
	default:
		v.addf(joinKey(p, "signature_algorithm"), "want rsa-sha256 or rsa-sha1, got %q", a.SignatureAlgorithm)
	}
	if v.present(joinKey(p, "assertion_lifetime")) && (a.AssertionLifetime < 1 || a.AssertionLifetime > 86400) {
		v.addf(joinKey(p, "assertion_lifetime"), "must be between 1 and 86400 seconds, got %d", a.AssertionLifetime)
	}
}

func (v *validator) uri(path, s string) {
	if u, err := url.Parse(s); err != nil || u.Scheme == "" || strings.ContainsAny(s, " \t\r\n") {
		v.addf(path, "want an absolute URI, got %q", s)
	}
}

// attributeRef checks the name of a user attribute an app reads; empty
// means the default (the username).
func (v *validator) attributeRef(path, name string) {
	if name != "" && !reAttribute.MatchString(name) {
		v.addf(path, "want a user attribute name such as username or email, got %q", name)
	}
}

// roleValuePattern checks that the pattern uses only ${role} and
// ${accountid} and yields a role ARN and a SAML provider ARN separated by a
// comma, in either order, as AWS reads the Role attribute (IAM User Guide,
// "Configure SAML assertions for the authentication response").
func (v *validator) roleValuePattern(path, pattern string, gf *idp.GroupFilter) {
	if pattern == "" {
		v.addf(path, "required: such as arn:aws:iam::${accountid}:saml-provider/Okta,arn:aws:iam::${accountid}:role/${role}")
		return
	}
	usesRole := false
	for _, m := range reRoleVar.FindAllStringSubmatch(pattern, -1) {
		switch m[1] {
		case idp.CaptureRole:
			usesRole = true
		case idp.CaptureAccountID:
			if gf != nil && !gf.HasAccountID() {
				v.addf(path, "uses ${accountid} but the group filter has no (?{{accountid}}...) capture")
				return
			}
		default:
			v.addf(path, "unknown variable ${%s}: only ${role} and ${accountid} are defined", m[1])
			return
		}
	}
	if rest := reRoleVar.ReplaceAllString(pattern, ""); strings.Contains(rest, "${") {
		v.addf(path, "has an unterminated ${")
		return
	}
	if !usesRole {
		v.addf(path, "does not use ${role}")
		return
	}
	value := idp.ExpandRoleValue(pattern, "Role", "123456789012")
	if _, _, err := splitRoleValue(value); err != nil {
		v.addf(path, "%v", err)
	}
}

// splitRoleValue reads a Role attribute value: a role ARN and a SAML
// provider ARN separated by a comma, in either order.
func splitRoleValue(value string) (roleARN, providerARN arn, err error) {
	a, b, ok := strings.Cut(value, ",")
	if !ok || strings.Contains(b, ",") {
		return arn{}, arn{}, fmt.Errorf("must give a role ARN and a SAML provider ARN separated by one comma, got %q", value)
	}
	x, okx := parseARN(strings.TrimSpace(a))
	y, oky := parseARN(strings.TrimSpace(b))
	if okx && oky && x.resourceType() == "saml-provider" {
		x, y = y, x
	}
	if !okx || !oky || x.service != "iam" || y.service != "iam" || x.resourceType() != "role" || y.resourceType() != "saml-provider" {
		return arn{}, arn{}, fmt.Errorf("must give a role ARN (arn:aws:iam::ACCOUNT:role/NAME) and a SAML provider ARN (arn:aws:iam::ACCOUNT:saml-provider/NAME), got %q", value)
	}
	return x, y, nil
}

func (v *validator) tagKey(path, k string) {
	switch {
	case !reTagKey.MatchString(k):
		v.addf(path, "tag key %q must be 1-128 letters, digits, spaces and _.:/=+-@", k)
	case strings.HasPrefix(strings.ToLower(k), "aws:"):
		v.addf(path, "tag key %q: the aws: prefix is reserved for AWS", k)
	}
}

func (v *validator) account(p string, a *Account) {
	ip := joinKey(p, "id")
	switch {
	case !v.present(ip):
		v.addf(ip, "required: the 12-digit account id")
	case !reAccountID.MatchString(a.ID):
		v.addf(ip, "an account id is 12 digits, got %q", a.ID)
	}
	switch a.Kind {
	case KindEmergency, KindWorkload, KindIdentityAdmin, KindOther:
	case "":
		v.addf(joinKey(p, "kind"), "required: emergency, workload, identity-admin or other")
	default:
		v.addf(joinKey(p, "kind"), "want emergency, workload, identity-admin or other, got %q", a.Kind)
	}
	for j, sp := range a.SAMLProviders {
		sp0 := joinIndex(joinKey(p, "saml_providers"), j)
		if !reProviderName.MatchString(sp.Name) {
			v.addf(joinKey(sp0, "name"), "a SAML provider name is 1-128 letters, digits and ._-, got %q", sp.Name)
		}
		if sp.Metadata == "" {
			v.addf(joinKey(sp0, "metadata"), "required: %q for this landscape's IdP, or the path of a metadata file", MetadataFromIdP)
		}
	}
	for j := range a.Roles {
		v.role(joinIndex(joinKey(p, "roles"), j), a, &a.Roles[j])
	}
	for j, pol := range a.Policies {
		pp := joinIndex(joinKey(p, "policies"), j)
		v.name(joinKey(pp, "name"), pol.Name, rePolicyName, "policy name", 128)
		v.description(joinKey(pp, "description"), pol.Description)
		if pol.Document.IsZero() {
			v.addf(joinKey(pp, "document"), "required: the policy document")
		} else {
			v.policy(joinKey(pp, "document"), pol.Document, identityPolicy, a.ID)
		}
	}
	for j, g := range a.Groups {
		gp := joinIndex(joinKey(p, "groups"), j)
		v.name(joinKey(gp, "name"), g.Name, reGroupName, "group name", 128)
		v.managedPolicies(joinKey(gp, "managed_policies"), a.ID, g.ManagedPolicies)
		v.inlinePolicies(joinKey(gp, "inline_policies"), a.ID, g.InlinePolicies)
	}
	for j := range a.Users {
		v.iamUser(joinIndex(joinKey(p, "users"), j), a, &a.Users[j])
	}
}

func (v *validator) name(path, name string, re *regexp.Regexp, what string, max int) {
	switch {
	case name == "":
		v.addf(path, "required")
	case !re.MatchString(name):
		v.addf(path, "%s %q must be 1-%d letters, digits and +=,.@_-", what, name, max)
	}
}

func (v *validator) description(path, s string) {
	switch {
	case len(s) > 1000:
		v.addf(path, "at most 1000 characters, got %d", len(s))
	case !reIAMText.MatchString(s):
		v.addf(path, "IAM descriptions allow only printable Latin-1 characters")
	}
}

func (v *validator) role(p string, a *Account, r *Role) {
	v.name(joinKey(p, "name"), r.Name, reRoleName, "role name", 64)
	if r.Path != "" && (len(r.Path) > 512 || !reRolePath.MatchString(r.Path)) {
		v.addf(joinKey(p, "path"), "a path is / or /segments/ of printable ASCII, at most 512 characters, got %q", r.Path)
	}
	v.description(joinKey(p, "description"), r.Description)
	if v.present(joinKey(p, "max_session_duration")) && (r.MaxSessionDuration < minMaxSessionDuration || r.MaxSessionDuration > maxMaxSessionDuration) {
		v.addf(joinKey(p, "max_session_duration"), "must be between %d and %d, got %d", minMaxSessionDuration, maxMaxSessionDuration, r.MaxSessionDuration)
	}
	if r.TrustPolicy.IsZero() {
		v.addf(joinKey(p, "trust_policy"), "required: who may assume the role")
	} else {
		v.policy(joinKey(p, "trust_policy"), r.TrustPolicy, trustPolicy, a.ID)
	}
	v.managedPolicies(joinKey(p, "managed_policies"), a.ID, r.ManagedPolicies)
	v.inlinePolicies(joinKey(p, "inline_policies"), a.ID, r.InlinePolicies)
	v.tags(joinKey(p, "tags"), r.Tags)
}

func (v *validator) tags(p string, tags map[string]string) {
	if len(tags) > maxTagsPerEntity {
		v.addf(p, "at most %d tags, got %d", maxTagsPerEntity, len(tags))
	}
	for k, val := range tags {
		tp := joinKey(p, k)
		v.tagKey(tp, k)
		if !reTagValue.MatchString(val) {
			v.addf(tp, "tag value must be at most 256 letters, digits, spaces and _.:/=+-@")
		}
	}
}

func (v *validator) iamUser(p string, a *Account, u *IAMUser) {
	v.name(joinKey(p, "name"), u.Name, reUserName, "user name", 64)
	seen := map[string]bool{}
	for k, g := range u.Groups {
		gp := joinIndex(joinKey(p, "groups"), k)
		if _, ok := v.groups[key(a.ID, g)]; !ok {
			v.addf(gp, "group %s is not declared in account %s", g, a.ID)
		}
		if seen[fold(g)] {
			v.addf(gp, "group %s is listed twice", g)
		}
		seen[fold(g)] = true
	}
	if len(u.ConsolePassword) > 128 {
		v.addf(joinKey(p, "console_password"), "at most 128 characters")
	}
	if m := u.MFA; m != nil {
		mp := joinKey(p, "mfa")
		v.name(joinKey(mp, "device"), m.Device, reMFAName, "MFA device name", 226)
		if m.TOTPSecret == "" {
			v.addf(joinKey(mp, "totp_secret"), "required: the device's base32 seed")
		} else {
			v.totpSecret(joinKey(mp, "totp_secret"), m.TOTPSecret)
		}
	}
	v.managedPolicies(joinKey(p, "managed_policies"), a.ID, u.ManagedPolicies)
	v.inlinePolicies(joinKey(p, "inline_policies"), a.ID, u.InlinePolicies)
}

// managedPolicies checks policy ARNs to attach. IAM attaches AWS managed
// policies and customer managed policies of the same account only.
func (v *validator) managedPolicies(p, acct string, arns []string) {
	seen := map[string]bool{}
	for i, s := range arns {
		ip := joinIndex(p, i)
		if seen[s] {
			v.addf(ip, "policy %s is listed twice", s)
		}
		seen[s] = true
		if !reManagedARN.MatchString(s) {
			v.addf(ip, "want a managed policy ARN such as arn:aws:iam::aws:policy/ReadOnlyAccess, got %q", s)
			continue
		}
		a, _ := parseARN(s)
		if a.account == "aws" {
			continue
		}
		if a.account != acct {
			v.addf(ip, "policy %s belongs to account %s: IAM attaches only AWS managed policies and policies of the same account (%s)", s, a.account, acct)
			continue
		}
		if _, ok := v.policies[key(acct, a.name())]; !ok {
			v.addf(ip, "policy %s is not declared under policies of account %s", a.name(), acct)
		}
	}
}

func (v *validator) inlinePolicies(p, acct string, pols map[string]Policy) {
	for name, pol := range pols {
		pp := joinKey(p, name)
		if !rePolicyName.MatchString(name) {
			v.addf(pp, "policy name %q must be 1-128 letters, digits and +=,.@_-", name)
		}
		if pol.IsZero() {
			v.addf(pp, "the policy document is missing")
			continue
		}
		v.policy(pp, pol, identityPolicy, acct)
	}
}

// policy checks a document's grammar and its references to the landscape.
func (v *validator) policy(p string, pol Policy, kind policyKind, acct string) {
	stmts := parseStatements(pol.doc.value, kind, func(sub, msg string) {
		v.addf(joinPath(p, sub), "%s", msg)
	})
	for _, s := range stmts {
		if kind == trustPolicy {
			v.trustReferences(p, s)
		}
		if kind == identityPolicy && s.effect == "Allow" && !s.notAction && s.allowsAction("sts:AssumeRole") {
			for _, r := range s.resources {
				if r.s == "*" || strings.ContainsAny(r.s, "*?") {
					continue
				}
				if a, ok := parseARN(r.s); ok && a.service == "iam" && a.resourceType() == "role" {
					v.roleRef(joinPath(p, r.path), a, "role")
				}
			}
		}
	}
}

func joinPath(base, sub string) string {
	switch {
	case sub == "":
		return base
	case strings.HasPrefix(sub, "["):
		return base + sub
	}
	return base + "." + sub
}

// trustReferences checks that the SAML providers, roles and users a trust
// policy names exist when their account is part of the landscape.
func (v *validator) trustReferences(p string, s statement) {
	for _, f := range s.principal["Federated"] {
		a, ok := parseARN(f.s)
		if !ok || a.resourceType() != "saml-provider" {
			continue
		}
		if _, in := v.accounts[a.account]; !in {
			continue
		}
		if name, ok := v.providers[key(a.account, a.name())]; !ok {
			v.addf(joinPath(p, f.path), "SAML provider %s is not declared in account %s", a.name(), a.account)
		} else if name != a.name() {
			v.addf(joinPath(p, f.path), "SAML provider %s is declared as %s: ARNs are case-sensitive", a.name(), name)
		}
	}
	for _, w := range s.principal["AWS"] {
		a, ok := parseARN(w.s)
		if !ok || a.service != "iam" {
			continue
		}
		switch a.resourceType() {
		case "role":
			v.roleRef(joinPath(p, w.path), a, "role")
		case "user":
			if _, in := v.accounts[a.account]; !in {
				continue
			}
			if u, ok := v.users[key(a.account, a.name())]; !ok {
				v.addf(joinPath(p, w.path), "user %s is not declared in account %s", a.name(), a.account)
			} else if u.Name != a.name() {
				v.addf(joinPath(p, w.path), "user %s is declared as %s: ARNs are case-sensitive", a.name(), u.Name)
			}
		}
	}
}

// roleRef checks that a role ARN of a landscape account names a declared
// role, path included.
func (v *validator) roleRef(path string, a arn, what string) {
	if _, in := v.accounts[a.account]; !in {
		return
	}
	r, ok := v.roles[key(a.account, a.name())]
	switch {
	case !ok:
		v.addf(path, "%s %s is not declared in account %s", what, a.name(), a.account)
	case r.Name != a.name():
		v.addf(path, "%s %s is declared as %s: ARNs are case-sensitive", what, a.name(), r.Name)
	case pathOrRoot(r.Path) != a.path():
		v.addf(path, "%s %s has path %s, but the ARN says %s", what, r.Name, pathOrRoot(r.Path), a.path())
	}
}

func (v *validator) organization() {
	mgmt := v.l.Organization.ManagementAccount
	switch {
	case mgmt != "" && !reAccountID.MatchString(mgmt):
		v.addf("organization.management_account", "an account id is 12 digits, got %q", mgmt)
	case mgmt == "" && len(v.l.Organization.ServiceControlPolicies) > 0:
		v.addf("organization.management_account", "required with service control policies: the account that administers them")
	}
	seen := map[string]bool{}
	for i, scp := range v.l.Organization.ServiceControlPolicies {
		p := joinIndex("organization.service_control_policies", i)
		switch {
		case scp.Name == "":
			v.addf(joinKey(p, "name"), "required")
		case len(scp.Name) > 128:
			v.addf(joinKey(p, "name"), "at most 128 characters")
		case seen[scp.Name]:
			v.addf(joinKey(p, "name"), "service control policy %s is declared twice", scp.Name)
		}
		seen[scp.Name] = true
		if len(scp.Description) > 512 {
			v.addf(joinKey(p, "description"), "at most 512 characters")
		}
		if len(scp.Targets) == 0 {
			v.addf(joinKey(p, "targets"), "required: the ids of the accounts it applies to")
		}
		seenT := map[string]bool{}
		for j, t := range scp.Targets {
			tp := joinIndex(joinKey(p, "targets"), j)
			switch {
			case !reAccountID.MatchString(t):
				v.addf(tp, "an account id is 12 digits, got %q", t)
			case v.accounts[t] == nil:
				v.addf(tp, "account %s is not declared under accounts", t)
			case seenT[t]:
				v.addf(tp, "account %s is listed twice", t)
			case t == mgmt:
				v.addf(tp, "account %s is the management account, which SCPs never restrict", t)
			}
			seenT[t] = true
		}
		if scp.Policy.IsZero() {
			v.addf(joinKey(p, "policy"), "required: the policy document")
		} else {
			v.policy(joinKey(p, "policy"), scp.Policy, serviceControlPolicy, "")
		}
	}
}

func (v *validator) alerts() {
	seen := map[string]bool{}
	for i, a := range v.l.Alerts {
		p := joinIndex("alerts", i)
		switch {
		case a.Name == "":
			v.addf(joinKey(p, "name"), "required")
		case !reAlertName.MatchString(a.Name):
			v.addf(joinKey(p, "name"), "an EventBridge rule name is 1-64 letters, digits and ._-, got %q", a.Name)
		case seen[a.Name]:
			v.addf(joinKey(p, "name"), "alert %s is declared twice", a.Name)
		}
		seen[a.Name] = true
		switch a.Severity {
		case SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical:
		case "":
			v.addf(joinKey(p, "severity"), "required: low, medium, high or critical")
		default:
			v.addf(joinKey(p, "severity"), "want low, medium, high or critical, got %q", a.Severity)
		}
		if a.Pattern.IsZero() {
			v.addf(joinKey(p, "pattern"), "required: an EventBridge event pattern")
			continue
		}
		checkPattern(a.Pattern.doc.value, "", func(sub, msg string) {
			v.addf(joinPath(joinKey(p, "pattern"), sub), "%s", msg)
		})
	}
}

// checkPattern checks the shape of an EventBridge event pattern: nested
// objects whose leaves are non-empty arrays of values or of filter
// objects. Source: Amazon EventBridge User Guide, "Event patterns".
func checkPattern(obj map[string]any, path string, report func(path, msg string)) {
	if len(obj) == 0 {
		report(path, "an event pattern needs at least one field")
	}
	for k, val := range obj {
		kp := joinKey(path, k)
		switch val := val.(type) {
		case map[string]any:
			checkPattern(val, kp, report)
		case []any:
			if len(val) == 0 {
				report(kp, "an array of values to match must not be empty")
			}
			for i, e := range val {
				switch e.(type) {
				case []any:
					report(joinIndex(kp, i), "match values are strings, numbers, booleans, null or filter objects, not lists")
				}
			}
		default:
			report(kp, "want an array of values to match (EventBridge matches only arrays), got "+describe(val))
		}
	}
}

// appTargets checks that every IdP group an app maps to AWS names a role
// and a SAML provider that exist, when their account is in the landscape.
func (v *validator) appTargets() {
	for i, a := range v.l.IdentityProvider.Apps {
		gf := v.filters[i]
		if gf == nil {
			continue
		}
		for j, g := range v.l.IdentityProvider.Groups {
			role, acct, ok := gf.Match(g.Name)
			if !ok {
				continue
			}
			value := idp.ExpandRoleValue(a.RoleValuePattern, role, acct)
			roleARN, providerARN, err := splitRoleValue(value)
			if err != nil {
				continue // the pattern is reported already
			}
			gp := joinKey(joinIndex("idp.groups", j), "name")
			if _, in := v.accounts[providerARN.account]; in {
				if _, ok := v.providers[key(providerARN.account, providerARN.name())]; !ok {
					v.addf(gp, "app %s maps this group to SAML provider %s, which account %s does not declare", a.ID, providerARN.name(), providerARN.account)
				}
			}
			if _, in := v.accounts[roleARN.account]; in {
				if _, ok := v.roles[key(roleARN.account, roleARN.name())]; !ok {
					v.addf(gp, "app %s maps this group to role %s, which account %s does not declare", a.ID, roleARN.name(), roleARN.account)
				}
			}
		}
	}
}
