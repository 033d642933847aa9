package idp

import (
	"fmt"
	"regexp"
	"strings"
)

// Okta's AWS Account Federation app writes named captures as
// (?{{role}}...) and (?{{accountid}}...); Go's regexp writes (?P<role>...).
// Source: Okta, "Connect Okta to multiple AWS instances by using user groups"
// (help.okta.com, aws-enable-role-based), reference section 10.1.
var oktaCapture = regexp.MustCompile(`\(\?\{\{([^}]*)\}\}`)

// Capture names a group filter may use.
const (
	CaptureRole      = "role"
	CaptureAccountID = "accountid"
)

// GroupFilter is a compiled Okta-style group filter. It is safe for
// concurrent use.
type GroupFilter struct {
	source string
	re     *regexp.Regexp
	role   int // submatch index of the role capture
	acct   int // submatch index of the accountid capture, -1 if absent
}

// CompileGroupFilter translates an Okta group filter into a Go regular
// expression once. The filter must match a whole group name (Okta applies it
// as Java's Matcher.matches does), must contain a (?{{role}}...) capture and
// may contain (?{{accountid}}...). Other capture names, Java-only syntax
// (look-around, back-references, possessive quantifiers) and an empty filter
// are errors.
func CompileGroupFilter(filter string) (*GroupFilter, error) {
	if strings.TrimSpace(filter) == "" {
		return nil, fmt.Errorf("group filter is empty")
	}
	var bad []string
	seen := map[string]int{}
	translated := oktaCapture.ReplaceAllStringFunc(filter, func(m string) string {
		name := oktaCapture.FindStringSubmatch(m)[1]
		seen[name]++
		if name != CaptureRole && name != CaptureAccountID {
			bad = append(bad, name)
		}
		return "(?P<" + name + ">"
	})
	if len(bad) > 0 {
		return nil, fmt.Errorf("group filter %q: unknown capture {{%s}}: only {{role}} and {{accountid}} are defined", filter, bad[0])
	}
	for name, n := range seen {
		if n > 1 {
			return nil, fmt.Errorf("group filter %q: capture {{%s}} appears %d times", filter, name, n)
		}
	}
	re, err := regexp.Compile(`^(?:` + translated + `)$`)
	if err != nil {
		return nil, fmt.Errorf("group filter %q is not a valid regular expression: %w", filter, err)
	}
	gf := &GroupFilter{source: filter, re: re, role: re.SubexpIndex(CaptureRole), acct: re.SubexpIndex(CaptureAccountID)}
	if gf.role < 0 {
		return nil, fmt.Errorf("group filter %q has no (?{{role}}...) capture", filter)
	}
	return gf, nil
}

// String returns the filter in Okta's syntax, as it was compiled.
func (gf *GroupFilter) String() string { return gf.source }

// HasAccountID reports whether the filter captures an account id.
func (gf *GroupFilter) HasAccountID() bool { return gf.acct >= 0 }

// Match applies the filter to a group name and returns its captures. The
// accountID is empty when the filter has no accountid capture.
func (gf *GroupFilter) Match(group string) (role, accountID string, ok bool) {
	m := gf.re.FindStringSubmatch(group)
	if m == nil {
		return "", "", false
	}
	if gf.acct >= 0 {
		accountID = m[gf.acct]
	}
	return m[gf.role], accountID, true
}

var patternVar = regexp.MustCompile(`\$\{([^}]*)\}`)

// ValidateRoleValuePattern checks that a Role Value Pattern uses only
// ${role} and ${accountid}, uses ${role}, and uses ${accountid} only when
// the filter captures it.
func ValidateRoleValuePattern(pattern string, gf *GroupFilter) error {
	if strings.TrimSpace(pattern) == "" {
		return fmt.Errorf("role value pattern is empty")
	}
	usesRole := false
	for _, m := range patternVar.FindAllStringSubmatch(pattern, -1) {
		switch m[1] {
		case CaptureRole:
			usesRole = true
		case CaptureAccountID:
			if gf != nil && !gf.HasAccountID() {
				return fmt.Errorf("role value pattern %q uses ${accountid} but the group filter has no (?{{accountid}}...) capture", pattern)
			}
		default:
			return fmt.Errorf("role value pattern %q: unknown variable ${%s}: only ${role} and ${accountid} are defined", pattern, m[1])
		}
	}
	if !usesRole {
		return fmt.Errorf("role value pattern %q does not use ${role}", pattern)
	}
	return nil
}

// ExpandRoleValue substitutes ${role} and ${accountid} in a Role Value
// Pattern.
func ExpandRoleValue(pattern, role, accountID string) string {
	return strings.NewReplacer("${role}", role, "${accountid}", accountID).Replace(pattern)
}
