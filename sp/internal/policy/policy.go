package policy

import (
	"errors"
	"strings"
)

// Policy language versions. A document without Version is read with
// Version2008 semantics: policy variables are not substituted ("IAM JSON
// policy elements: Version", IAM User Guide).
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// Effect is a statement's Effect element.
type Effect string

// The two effects IAM accepts; the comparison is case-sensitive (IAM
// grammar: <effect_block> = "Effect" : ("Allow" | "Deny")).
const (
	Allow Effect = "Allow"
	Deny  Effect = "Deny"
)

// Policy is a parsed policy document. Its zero value is an empty policy
// that allows nothing. A Policy is immutable after Parse and safe for
// concurrent use.
type Policy struct {
	// Version is the Version element, "" when absent.
	Version string
	// ID is the Id element, "" when absent.
	ID string
	// Statements holds the statements in document order; a single
	// statement object is returned as a one-element slice.
	Statements []Statement
}

// variables reports whether policy variables are substituted, which IAM
// does only for Version 2012-10-17.
func (p *Policy) variables() bool { return p.Version == Version2012 }

// Statement is one statement of a policy. Exactly one of Action and
// NotAction is non-nil after Parse; at most one of Resource and NotResource
// and at most one of Principal and NotPrincipal is set.
type Statement struct {
	Sid    string
	Effect Effect
	// Action or NotAction lists the action patterns as written.
	Action, NotAction []string
	// Resource or NotResource lists the resource patterns as written; both
	// are nil when the statement has neither (trust policies).
	Resource, NotResource []string
	// Principal or NotPrincipal is nil when the element is absent.
	Principal, NotPrincipal *Principals
	// Conditions holds one entry per (operator, key) pair, in document
	// order. All of them must hold for the statement to apply.
	Conditions []Condition
}

// Principals is a Principal or NotPrincipal element. Wildcard is set for
// "Principal": "*"; otherwise the lists hold the values under each key
// (a single string becomes a one-element list).
type Principals struct {
	Wildcard      bool
	AWS           []string
	Federated     []string
	Service       []string
	CanonicalUser []string
	// IDs maps a user or role ARN of AWS to the unique id IAM bound it
	// to when the policy was saved (see BindPrincipals); nil when the
	// policy was never bound, and then ARNs match by name.
	IDs map[string]string
}

// Parse parses an identity-based, resource-based or service control policy
// document and checks the grammar shared by all of them: well-formed JSON
// without duplicate object keys, known elements with the right JSON types,
// a Statement, Effect Allow or Deny, exactly one of Action and NotAction
// with vendor-prefixed actions, at most one of Resource and NotResource
// with ARN or "*" values, well-formed Principal elements and known condition
// operators. Rules of one policy type are checked by ValidateIdentity,
// ValidateTrust and ValidateSCP.
//
// Every error is a *MalformedError. Duplicate keys are rejected although
// IAM may accept them (hashicorp/terraform-provider-aws#33026 suggests the
// last one silently wins): we found no AWS statement either way and choose
// the strict reading.
func Parse(doc string) (*Policy, error) {
	root, err := decodeJSON(doc)
	if err != nil {
		if errors.Is(err, errDuplicateKey) {
			return nil, malformed(MsgSyntax, "%v", err)
		}
		return nil, malformed(MsgSyntax, "invalid JSON: %v", err)
	}
	if root.kind != jObject {
		return nil, malformed(MsgSyntax, "document is not a JSON object")
	}
	p := &Policy{}
	var stmts *jvalue
	for i := range root.members {
		m := &root.members[i]
		switch m.key {
		case "Version":
			if m.value.kind != jString {
				return nil, malformed(MsgSyntax, "Version is not a string")
			}
			if m.value.str != Version2012 && m.value.str != Version2008 {
				return nil, malformed(MsgLegacyParsing, "unknown Version %q", m.value.str)
			}
			p.Version = m.value.str
		case "Id":
			if m.value.kind != jString {
				return nil, malformed(MsgSyntax, "Id is not a string")
			}
			p.ID = m.value.str
		case "Statement":
			stmts = &m.value
		default:
			return nil, malformed(MsgSyntax, "unknown element %q", m.key)
		}
	}
	if stmts == nil {
		return nil, malformed(MsgSyntax, "missing Statement")
	}
	var list []jvalue
	switch stmts.kind {
	case jObject:
		list = []jvalue{*stmts}
	case jArray:
		list = stmts.items
	default:
		return nil, malformed(MsgSyntax, "Statement is neither an object nor an array")
	}
	if len(list) == 0 {
		return nil, malformed(MsgSyntax, "Statement is empty")
	}
	for i, js := range list {
		s, err := parseStatement(i, js)
		if err != nil {
			return nil, err
		}
		p.Statements = append(p.Statements, s)
	}
	return p, nil
}

func parseStatement(idx int, js jvalue) (Statement, error) {
	var s Statement
	if js.kind != jObject {
		return s, malformed(MsgSyntax, "statement %d is not an object", idx)
	}
	hasEffect := false
	for _, m := range js.members {
		var err error
		switch m.key {
		case "Sid":
			if m.value.kind != jString {
				return s, malformed(MsgSyntax, "statement %d: Sid is not a string", idx)
			}
			s.Sid = m.value.str
		case "Effect":
			if m.value.kind != jString || (m.value.str != string(Allow) && m.value.str != string(Deny)) {
				return s, malformed(MsgSyntax, "statement %d: Effect must be Allow or Deny", idx)
			}
			s.Effect, hasEffect = Effect(m.value.str), true
		case "Action":
			s.Action, err = stringList(idx, m.key, m.value)
		case "NotAction":
			s.NotAction, err = stringList(idx, m.key, m.value)
		case "Resource":
			s.Resource, err = stringList(idx, m.key, m.value)
		case "NotResource":
			s.NotResource, err = stringList(idx, m.key, m.value)
		case "Principal":
			s.Principal, err = parsePrincipals(idx, m.key, m.value)
		case "NotPrincipal":
			s.NotPrincipal, err = parsePrincipals(idx, m.key, m.value)
		case "Condition":
			s.Conditions, err = parseConditions(idx, m.value)
		default:
			return s, malformed(MsgSyntax, "statement %d: unknown element %q", idx, m.key)
		}
		if err != nil {
			return s, err
		}
	}
	if !hasEffect {
		return s, malformed(MsgSyntax, "statement %d: missing Effect", idx)
	}
	if s.Action != nil && s.NotAction != nil {
		return s, malformed(MsgSyntax, "statement %d: both Action and NotAction", idx)
	}
	if len(s.Action) == 0 && len(s.NotAction) == 0 {
		return s, malformed(MsgNoActions, "statement %d: no Action or NotAction", idx)
	}
	for _, a := range append(append([]string(nil), s.Action...), s.NotAction...) {
		if err := checkAction(idx, a); err != nil {
			return s, err
		}
	}
	if s.Resource != nil && s.NotResource != nil {
		return s, malformed(MsgSyntax, "statement %d: both Resource and NotResource", idx)
	}
	if len(s.Resource) == 0 {
		s.Resource = nil
	}
	if len(s.NotResource) == 0 {
		s.NotResource = nil
	}
	for _, r := range append(append([]string(nil), s.Resource...), s.NotResource...) {
		if !validResource(r) {
			return s, malformed(msgResourceFormat(r), "statement %d", idx)
		}
	}
	if s.Principal != nil && s.NotPrincipal != nil {
		return s, malformed(MsgSyntax, "statement %d: both Principal and NotPrincipal", idx)
	}
	return s, nil
}

// stringList reads an element that IAM accepts as a string or a list of
// strings.
func stringList(idx int, name string, v jvalue) ([]string, error) {
	switch v.kind {
	case jString:
		return []string{v.str}, nil
	case jArray:
		out := make([]string, 0, len(v.items))
		for _, it := range v.items {
			if it.kind != jString {
				return nil, malformed(MsgSyntax, "statement %d: %s holds a non-string", idx, name)
			}
			out = append(out, it.str)
		}
		return out, nil
	}
	return nil, malformed(MsgSyntax, "statement %d: %s is neither a string nor a list of strings", idx, name)
}

// checkAction applies IAM's action syntax: "*" or "<service>:<pattern>" with
// exactly one colon.
func checkAction(idx int, a string) error {
	if a == "*" {
		return nil
	}
	switch strings.Count(a, ":") {
	case 0:
		return malformed(MsgActionVendor, "statement %d: action %q", idx, a)
	case 1:
	default:
		return malformed(MsgActionColons, "statement %d: action %q", idx, a)
	}
	svc, name, _ := strings.Cut(a, ":")
	if svc == "" || name == "" {
		return malformed(MsgActionVendor, "statement %d: action %q", idx, a)
	}
	return nil
}

// validResource accepts "*" and strings shaped like an ARN
// (arn:partition:service:region:account:resource, six colon-separated
// parts, possibly with wildcards or policy variables).
func validResource(r string) bool {
	if r == "*" {
		return true
	}
	return strings.HasPrefix(r, "arn:") && strings.Count(r, ":") >= 5
}

// Principal element keys ("AWS JSON policy elements: Principal").
const (
	principalAWS           = "AWS"
	principalFederated     = "Federated"
	principalService       = "Service"
	principalCanonicalUser = "CanonicalUser"
)

func parsePrincipals(idx int, name string, v jvalue) (*Principals, error) {
	switch v.kind {
	case jString:
		if v.str != "*" {
			return nil, malformed(MsgSyntax, "statement %d: %s string must be \"*\"", idx, name)
		}
		return &Principals{Wildcard: true}, nil
	case jObject:
	default:
		return nil, malformed(MsgSyntax, "statement %d: %s is neither \"*\" nor an object", idx, name)
	}
	if len(v.members) == 0 {
		return nil, malformed(MsgSyntax, "statement %d: empty %s", idx, name)
	}
	p := &Principals{}
	for _, m := range v.members {
		list, err := stringList(idx, name+"."+m.key, m.value)
		if err != nil {
			return nil, err
		}
		if len(list) == 0 {
			return nil, malformed(MsgSyntax, "statement %d: empty %s.%s", idx, name, m.key)
		}
		switch m.key {
		case principalAWS:
			p.AWS = list
		case principalFederated:
			p.Federated = list
		case principalService:
			p.Service = list
		case principalCanonicalUser:
			p.CanonicalUser = list
		default:
			return nil, malformed(msgInvalidPrincipal(m.key, list[0]), "statement %d: unknown principal type", idx)
		}
	}
	return p, nil
}
