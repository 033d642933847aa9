package landscape

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/breakglass-dev/breakglass/idp"
)

// MappingRow is one role of the mapping table of the AWS guidance "Set up
// emergency access to the AWS Management Console": where the role is, who
// it trusts, what it may do, and which IdP groups reach it.
type MappingRow struct {
	AccountID   string `json:"account_id"`
	AccountName string `json:"account_name"`
	Role        string `json:"role"`
	RoleARN     string `json:"role_arn"`
	// Trust summarises the principals the trust policy allows, such as
	// "IdP (saml-provider/Okta, SAML:aud=https://signin.aws.amazon.com/saml)",
	// "role EmergencyAccess_Role1_RO (111111111111)" or
	// "user EmergencyAccess (444444444444) with MFA".
	Trust []string `json:"trust"`
	// Permissions lists the managed policy ARNs, then the inline policies:
	// sts:AssumeRole grants as "sts:AssumeRole on ACCOUNT:role/NAME",
	// anything else as "inline NAME".
	Permissions []string `json:"permissions"`
	// IdPGroups are the IdP groups whose members reach the role, directly
	// through an app's group filter and role value pattern or by role
	// chaining from such a role.
	IdPGroups []GroupMapping `json:"idp_groups"`
}

// GroupMapping is an IdP group that leads to a role through an app.
type GroupMapping struct {
	Group string `json:"group"`
	App   string `json:"app"`
	// AppEnabled is whether the app mints assertions now; at rest the
	// emergency app is disabled.
	AppEnabled bool `json:"app_enabled"`
	// Via lists the roles chained through, first the one the group maps
	// to; empty when the group maps to the role itself.
	Via []string `json:"via,omitempty"`
	// Members are the group's members as declared; at rest there are none.
	Members []Member `json:"members"`
}

// Member is a member of an IdP group, until Expires if it is not zero.
type Member struct {
	User    string    `json:"user"`
	Expires time.Time `json:"expires,omitzero"`
}

// String returns the group name, followed by the chain for a chained role:
// "aws#EmergencyAccess_Role1_RO#111111111111 (via EmergencyAccess_Role1_RO)".
func (g GroupMapping) String() string {
	if len(g.Via) == 0 {
		return g.Group
	}
	return g.Group + " (via " + strings.Join(g.Via, ", ") + ")"
}

func (m Member) String() string {
	if m.Expires.IsZero() {
		return m.User
	}
	return m.User + " (until " + m.Expires.UTC().Format(time.RFC3339) + ")"
}

// roleRef is a role with its account.
type roleRef struct {
	acct *Account
	role *Role
}

func (r roleRef) arn() string { return r.role.ARN(r.acct.ID) }

// Mapping returns one row per role, accounts and roles in file order.
// Apps map groups whether or not they are enabled; GroupMapping says which.
func (l *Landscape) Mapping() []MappingRow {
	roles := map[string]roleRef{}
	var order []roleRef
	for i := range l.Accounts {
		a := &l.Accounts[i]
		for j := range a.Roles {
			r := roleRef{a, &a.Roles[j]}
			roles[key(a.ID, r.role.Name)] = r
			order = append(order, r)
		}
	}

	// Groups that map straight to a role.
	direct := map[*Role][]GroupMapping{}
	for _, app := range l.IdentityProvider.Apps {
		gf, err := idp.CompileGroupFilter(app.GroupFilter)
		if err != nil {
			continue
		}
		for _, g := range l.IdentityProvider.Groups {
			role, acct, ok := gf.Match(g.Name)
			if !ok {
				continue
			}
			roleARN, _, err := splitRoleValue(idp.ExpandRoleValue(app.RoleValuePattern, role, acct))
			if err != nil {
				continue
			}
			r, ok := roles[key(roleARN.account, roleARN.name())]
			if !ok {
				continue
			}
			direct[r.role] = append(direct[r.role], GroupMapping{
				Group: g.Name, App: app.ID, AppEnabled: app.Enabled, Members: l.members(g.Name),
			})
		}
	}

	// Roles reachable by chaining from a directly mapped role, found
	// breadth first so that the shortest chain is shown.
	chained := map[*Role][]GroupMapping{}
	for _, start := range order {
		groups := direct[start.role]
		if len(groups) == 0 {
			continue
		}
		via := map[*Role][]string{start.role: {start.role.Name}}
		queue := []roleRef{start}
		for len(queue) > 0 {
			from := queue[0]
			queue = queue[1:]
			for _, to := range order {
				if _, seen := via[to.role]; seen || !l.canAssume(from, to) {
					continue
				}
				via[to.role] = append(slices.Clone(via[from.role]), to.role.Name)
				queue = append(queue, to)
				if len(direct[to.role]) > 0 {
					continue
				}
				chain := via[to.role][:len(via[to.role])-1]
				for _, g := range groups {
					g.Via = chain
					chained[to.role] = appendUnique(chained[to.role], g)
				}
			}
		}
	}

	rows := make([]MappingRow, 0, len(order))
	for _, r := range order {
		groups := direct[r.role]
		if len(groups) == 0 {
			groups = chained[r.role]
		}
		if groups == nil {
			groups = []GroupMapping{}
		}
		rows = append(rows, MappingRow{
			AccountID:   r.acct.ID,
			AccountName: r.acct.Name,
			Role:        r.role.Name,
			RoleARN:     r.arn(),
			Trust:       trustSummary(r.acct.ID, r.role.TrustPolicy),
			Permissions: permissionSummary(r.role),
			IdPGroups:   groups,
		})
	}
	return rows
}

func appendUnique(gs []GroupMapping, g GroupMapping) []GroupMapping {
	for _, x := range gs {
		if x.Group == g.Group && x.App == g.App && slices.Equal(x.Via, g.Via) {
			return gs
		}
	}
	return append(gs, g)
}

func (l *Landscape) members(group string) []Member {
	out := []Member{}
	for _, u := range l.IdentityProvider.Users {
		for _, m := range u.Groups {
			if m.Group == group {
				out = append(out, Member{User: u.Username, Expires: m.Expires})
			}
		}
	}
	return out
}

// canAssume reports whether a session of role from may assume role to:
// to's trust policy must allow from (by ARN, or its account), and unless
// it names from's ARN in the same account, from's own policies must allow
// sts:AssumeRole on to (IAM User Guide, "Cross account resource access in
// IAM"). Conditions and Deny statements are not evaluated: the mapping is
// a summary, not a policy engine.
func (l *Landscape) canAssume(from, to roleRef) bool {
	if from.role == to.role {
		return false
	}
	fromARN := from.arn()
	trusted, named := false, false
	for _, s := range parseStatements(to.role.TrustPolicy.doc.value, trustPolicy, nil) {
		if s.effect != "Allow" || s.notPrincipal || s.notAction || !s.allowsAction("sts:AssumeRole") {
			continue
		}
		if len(s.principal["*"]) > 0 {
			trusted = true
		}
		for _, p := range s.principal["AWS"] {
			switch p.s {
			case fromARN:
				trusted, named = true, true
			case "*", from.acct.ID, "arn:aws:iam::" + from.acct.ID + ":root":
				trusted = true
			}
		}
	}
	if !trusted {
		return false
	}
	if named && from.acct.ID == to.acct.ID {
		return true
	}
	return l.identityAllows(from, "sts:AssumeRole", to.arn())
}

// identityAllows reports whether a role's inline and customer managed
// policies allow action on resource. Of the AWS managed policies only
// AdministratorAccess is known to this package.
func (l *Landscape) identityAllows(r roleRef, action, resource string) bool {
	var pols []Policy
	for _, p := range r.role.InlinePolicies {
		pols = append(pols, p)
	}
	for _, m := range r.role.ManagedPolicies {
		a, ok := parseARN(m)
		if !ok {
			continue
		}
		if a.account == "aws" && a.resource == "policy/AdministratorAccess" {
			return true
		}
		for _, cp := range r.acct.Policies {
			if a.account == r.acct.ID && strings.EqualFold(cp.Name, a.name()) {
				pols = append(pols, cp.Document)
			}
		}
	}
	for _, p := range pols {
		for _, s := range parseStatements(p.doc.value, identityPolicy, nil) {
			if s.effect == "Allow" && !s.notAction && !s.notResource && s.allowsAction(action) && s.allowsResource(resource) {
				return true
			}
		}
	}
	return false
}

// trustSummary describes the principals a trust policy allows.
func trustSummary(acct string, pol Policy) []string {
	out := []string{}
	add := func(s string) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, s := range parseStatements(pol.doc.value, trustPolicy, nil) {
		if s.effect != "Allow" || s.notPrincipal {
			continue
		}
		mfa := false
		for _, op := range []string{"Bool", "BoolIfExists"} {
			if slices.Contains(s.conditionValues(op, "aws:MultiFactorAuthPresent"), "true") {
				mfa = true
			}
		}
		withMFA := ""
		if mfa {
			withMFA = " with MFA"
		}
		var aud []string
		for _, op := range []string{"StringEquals", "StringLike", "ForAnyValue:StringEquals", "ForAnyValue:StringLike"} {
			aud = append(aud, s.conditionValues(op, "SAML:aud")...)
		}
		for _, typ := range sortedKeys(s.principal) {
			for _, p := range s.principal[typ] {
				switch typ {
				case "*":
					add("anyone" + withMFA)
				case "Federated":
					add(federatedSummary(acct, p.s, aud))
				case "AWS":
					add(awsPrincipalSummary(p.s) + withMFA)
				case "Service":
					add("service " + p.s)
				default:
					add(typ + " " + p.s)
				}
			}
		}
	}
	return out
}

func federatedSummary(acct, principal string, aud []string) string {
	a, ok := parseARN(principal)
	if !ok || a.resourceType() != "saml-provider" {
		return "web identity " + principal
	}
	provider := a.resource
	if a.account != acct {
		provider = a.account + ":" + provider
	}
	parts := []string{provider}
	if len(aud) > 0 {
		parts = append(parts, "SAML:aud="+strings.Join(aud, " "))
	}
	return "IdP (" + strings.Join(parts, ", ") + ")"
}

func awsPrincipalSummary(p string) string {
	if p == "*" {
		return "any AWS principal"
	}
	if reAccountID.MatchString(p) {
		return "account " + p
	}
	a, ok := parseARN(p)
	if !ok || a.service != "iam" {
		return p
	}
	switch a.resourceType() {
	case "root":
		return "account " + a.account
	case "role":
		return "role " + a.name() + " (" + a.account + ")"
	case "user":
		return "user " + a.name() + " (" + a.account + ")"
	}
	return p
}

// assumeActions are the actions of a statement that grants role chaining.
var assumeActions = []string{"sts:assumerole", "sts:setsourceidentity", "sts:tagsession"}

func permissionSummary(r *Role) []string {
	out := append([]string{}, r.ManagedPolicies...)
	for _, name := range sortedKeys(r.InlinePolicies) {
		other := false
		for _, s := range parseStatements(r.InlinePolicies[name].doc.value, identityPolicy, nil) {
			if s.effect != "Allow" || s.notAction || s.notResource || !s.allowsAction("sts:AssumeRole") || !onlyAssume(s) {
				other = true
				continue
			}
			for _, res := range s.resources {
				out = append(out, "sts:AssumeRole on "+shortARN(res.s))
			}
		}
		if other {
			out = append(out, "inline "+name)
		}
	}
	return out
}

func onlyAssume(s statement) bool {
	for _, a := range s.actions {
		if !slices.Contains(assumeActions, strings.ToLower(a.s)) {
			return false
		}
	}
	return true
}

// shortARN writes an IAM ARN as ACCOUNT:RESOURCE.
func shortARN(s string) string {
	if a, ok := parseARN(s); ok && a.service == "iam" {
		return a.account + ":" + a.resource
	}
	return s
}

// WriteMappingTable writes rows as an aligned text table with the columns
// ACCOUNT, ROLE, TRUST, PERMISSIONS and IDP GROUP, a role's further
// entries on the lines below it, then a footer: whether each app is
// enabled and who is in the groups that map to roles.
func WriteMappingTable(w io.Writer, rows []MappingRow) error {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tROLE\tTRUST\tPERMISSIONS\tIDP GROUP")
	apps := map[string]bool{}
	for _, r := range rows {
		for _, g := range r.IdPGroups {
			apps[g.App] = true
		}
	}
	for _, r := range rows {
		account := r.AccountID
		if r.AccountName != "" {
			account = r.AccountName + " (" + r.AccountID + ")"
		}
		groups := make([]string, len(r.IdPGroups))
		for i, g := range r.IdPGroups {
			groups[i] = g.String()
			if len(apps) > 1 {
				groups[i] += " [app " + g.App + "]"
			}
		}
		cols := [][]string{{account}, {r.Role}, r.Trust, r.Permissions, groups}
		n := 1
		for _, c := range cols {
			n = max(n, len(c))
		}
		for i := range n {
			cells := make([]string, len(cols))
			for j, c := range cols {
				switch {
				case i < len(c):
					cells[j] = c[i]
				case i == 0:
					cells[j] = "-"
				}
			}
			fmt.Fprintln(tw, strings.Join(cells, "\t"))
		}
	}
	tw.Flush()
	for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		if _, err := fmt.Fprintln(w, strings.TrimRight(line, " ")); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, mappingFooter(rows))
	return err
}

func mappingFooter(rows []MappingRow) string {
	var b strings.Builder
	b.WriteString("\n")
	var apps []string
	enabled := map[string]bool{}
	var groups []GroupMapping
	seen := map[string]bool{}
	for _, r := range rows {
		for _, g := range r.IdPGroups {
			if !slices.Contains(apps, g.App) {
				apps = append(apps, g.App)
				enabled[g.App] = g.AppEnabled
			}
			if len(g.Via) == 0 && !seen[g.Group] {
				seen[g.Group] = true
				groups = append(groups, g)
			}
		}
	}
	if len(apps) == 0 {
		b.WriteString("No IdP group maps to a role of this landscape.\n")
		return b.String()
	}
	for _, a := range apps {
		if enabled[a] {
			fmt.Fprintf(&b, "IdP app %q is enabled: members of its groups can federate now.\n", a)
		} else {
			fmt.Fprintf(&b, "IdP app %q is disabled: no one can federate through it until an IdP administrator enables it.\n", a)
		}
	}
	atRest := true
	for _, g := range groups {
		if len(g.Members) == 0 {
			continue
		}
		atRest = false
		names := make([]string, len(g.Members))
		for i, m := range g.Members {
			names[i] = m.String()
		}
		fmt.Fprintf(&b, "IdP group %s has members: %s.\n", g.Group, strings.Join(names, ", "))
	}
	if atRest {
		b.WriteString("The IdP groups that map to roles have no members, as at rest.\n")
	}
	return b.String()
}
