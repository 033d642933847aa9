package landscape

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	awsarn "github.com/aws/aws-sdk-go-v2/aws/arn"
)

// policyKind selects the grammar a document is checked against.
type policyKind int

const (
	identityPolicy policyKind = iota
	trustPolicy
	serviceControlPolicy
)

func (k policyKind) String() string {
	switch k {
	case trustPolicy:
		return "a trust policy"
	case serviceControlPolicy:
		return "a service control policy"
	}
	return "an identity policy"
}

// valueAt is a string of a policy with its path below the policy.
type valueAt struct{ s, path string }

// statement is one parsed policy statement. Its principals are keyed by
// type (AWS, Federated, Service, CanonicalUser; "*" for Principal "*").
type statement struct {
	path         string
	effect       string
	principal    map[string][]valueAt
	notPrincipal bool
	actions      []valueAt
	notAction    bool
	resources    []valueAt
	notResource  bool
	conditions   map[string]map[string][]string
}

// Policy grammar. Source: IAM User Guide, "IAM JSON policy element
// reference" and "Grammar of the IAM JSON policy language"; AWS
// Organizations User Guide, "SCP syntax".
var (
	policyVersions   = []string{"2012-10-17", "2008-10-17"}
	policyKeys       = []string{"Version", "Id", "Statement"}
	statementKeys    = []string{"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"}
	principalTypes   = []string{"AWS", "Federated", "Service", "CanonicalUser"}
	reSid            = regexp.MustCompile(`^[A-Za-z0-9]*$`)
	reAction         = regexp.MustCompile(`^(\*|[A-Za-z0-9-]+:[A-Za-z0-9*?]+)$`)
	reAWSPrincipal   = regexp.MustCompile(`^(\*|\d{12}|arn:aws[a-z-]*:(iam|sts)::\d{12}:.+)$`)
	reServiceDomain  = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*[a-z0-9]$`)
	conditionOpNames = map[string]bool{
		"StringEquals": true, "StringNotEquals": true, "StringEqualsIgnoreCase": true, "StringNotEqualsIgnoreCase": true,
		"StringLike": true, "StringNotLike": true,
		"NumericEquals": true, "NumericNotEquals": true, "NumericLessThan": true, "NumericLessThanEquals": true,
		"NumericGreaterThan": true, "NumericGreaterThanEquals": true,
		"DateEquals": true, "DateNotEquals": true, "DateLessThan": true, "DateLessThanEquals": true,
		"DateGreaterThan": true, "DateGreaterThanEquals": true,
		"Bool": true, "BinaryEquals": true, "IpAddress": true, "NotIpAddress": true,
		"ArnEquals": true, "ArnLike": true, "ArnNotEquals": true, "ArnNotLike": true,
	}
)

// validOperator reports whether op is a condition operator, with the
// optional ForAnyValue:/ForAllValues: prefix and IfExists suffix.
func validOperator(op string) bool {
	op = strings.TrimPrefix(strings.TrimPrefix(op, "ForAnyValue:"), "ForAllValues:")
	if op == "Null" {
		return true
	}
	return conditionOpNames[strings.TrimSuffix(op, "IfExists")]
}

// parseStatements checks doc against the grammar of kind and returns its
// statements; report receives each problem with its path below the
// document. A statement with problems is still returned when it can be
// read, so that callers can check its references too.
func parseStatements(doc map[string]any, kind policyKind, report func(path, msg string)) []statement {
	if report == nil {
		report = func(string, string) {}
	}
	for _, k := range sortedKeys(doc) {
		if !contains(policyKeys, k) {
			report(joinKey("", k), unknownKeyMessage(k, policyKeys))
		}
	}
	switch ver, ok := doc["Version"]; {
	case !ok:
		report("Version", `required: "2012-10-17"`)
	default:
		if s, isStr := ver.(string); !isStr || !contains(policyVersions, s) {
			report("Version", `want "2012-10-17" (or the legacy "2008-10-17"), got `+describe(ver))
		}
	}
	if id, ok := doc["Id"]; ok {
		if _, isStr := id.(string); !isStr {
			report("Id", "want a string, got "+describe(id))
		}
	}
	var out []statement
	switch st := doc["Statement"].(type) {
	case nil:
		report("Statement", "required: one statement or a list of them")
	case map[string]any:
		out = append(out, parseStatement(st, "Statement", kind, report))
	case []any:
		if len(st) == 0 {
			report("Statement", "must not be empty")
		}
		for i, e := range st {
			p := joinIndex("Statement", i)
			obj, ok := e.(map[string]any)
			if !ok {
				report(p, "want a statement object, got "+describe(e))
				continue
			}
			out = append(out, parseStatement(obj, p, kind, report))
		}
	default:
		report("Statement", "want a statement object or a list of them, got "+describe(st))
	}
	return out
}

func parseStatement(obj map[string]any, p string, kind policyKind, report func(path, msg string)) statement {
	s := statement{path: p}
	for _, k := range sortedKeys(obj) {
		if !contains(statementKeys, k) {
			report(joinKey(p, k), unknownKeyMessage(k, statementKeys))
		}
	}
	if sid, ok := obj["Sid"]; ok {
		if str, isStr := sid.(string); !isStr || !reSid.MatchString(str) {
			report(joinKey(p, "Sid"), "a Sid holds only letters and digits, got "+describe(sid))
		}
	}
	switch e := obj["Effect"]; e {
	case nil:
		report(joinKey(p, "Effect"), `required: "Allow" or "Deny"`)
	case "Allow", "Deny":
		s.effect = e.(string)
	default:
		report(joinKey(p, "Effect"), `want "Allow" or "Deny", got `+describe(e))
	}

	// Action or NotAction, exactly one.
	act, hasAct := obj["Action"]
	nact, hasNAct := obj["NotAction"]
	switch {
	case hasAct && hasNAct:
		report(p, "has both Action and NotAction; give one")
	case !hasAct && !hasNAct:
		report(p, "needs Action or NotAction")
	case hasAct:
		s.actions = stringList(act, joinKey(p, "Action"), report)
	default:
		s.actions = stringList(nact, joinKey(p, "NotAction"), report)
		s.notAction = true
	}
	for _, a := range s.actions {
		switch {
		case !reAction.MatchString(a.s):
			report(a.path, "want an action such as sts:AssumeRole or \"*\", got "+strconv.Quote(a.s))
		case kind == trustPolicy && a.s != "*" && !strings.HasPrefix(strings.ToLower(a.s), "sts:"):
			// IAM: "AssumeRole policy may only specify STS AssumeRole actions."
			report(a.path, "a trust policy may only allow sts: actions, got "+strconv.Quote(a.s))
		}
	}

	// Resource or NotResource: required except in trust policies, where
	// IAM rejects them ("Has prohibited field Resource").
	res, hasRes := obj["Resource"]
	nres, hasNRes := obj["NotResource"]
	switch {
	case kind == trustPolicy && (hasRes || hasNRes):
		k := "Resource"
		if !hasRes {
			k = "NotResource"
		}
		report(joinKey(p, k), "a trust policy must not have "+k+": the role is the resource")
	case hasRes && hasNRes:
		report(p, "has both Resource and NotResource; give one")
	case kind != trustPolicy && !hasRes && !hasNRes:
		report(p, "needs Resource or NotResource in "+kind.String())
	case hasRes:
		s.resources = stringList(res, joinKey(p, "Resource"), report)
	case hasNRes:
		s.resources = stringList(nres, joinKey(p, "NotResource"), report)
		s.notResource = true
	}
	for _, r := range s.resources {
		if r.s != "*" && !strings.HasPrefix(r.s, "arn:") {
			report(r.path, "want an ARN or \"*\", got "+strconv.Quote(r.s))
		}
	}

	// Principal or NotPrincipal: exactly one in a trust policy, none
	// elsewhere ("Has prohibited field Principal").
	pr, hasPr := obj["Principal"]
	npr, hasNPr := obj["NotPrincipal"]
	switch {
	case kind != trustPolicy && (hasPr || hasNPr):
		k := "Principal"
		if !hasPr {
			k = "NotPrincipal"
		}
		report(joinKey(p, k), kind.String()+" must not have "+k+": it applies to the identity it is attached to")
	case hasPr && hasNPr:
		report(p, "has both Principal and NotPrincipal; give one")
	case kind == trustPolicy && !hasPr && !hasNPr:
		report(p, "needs Principal: who may assume the role")
	case hasPr:
		s.principal = parsePrincipal(pr, joinKey(p, "Principal"), report)
	case hasNPr:
		s.principal = parsePrincipal(npr, joinKey(p, "NotPrincipal"), report)
		s.notPrincipal = true
	}

	if c, ok := obj["Condition"]; ok {
		s.conditions = parseCondition(c, joinKey(p, "Condition"), report)
	}
	return s
}

func parsePrincipal(v any, p string, report func(path, msg string)) map[string][]valueAt {
	out := map[string][]valueAt{}
	switch v := v.(type) {
	case string:
		if v != "*" {
			report(p, `want "*" or an object such as {"AWS": ARN}, got `+strconv.Quote(v))
			return out
		}
		out["*"] = []valueAt{{"*", p}}
	case map[string]any:
		if len(v) == 0 {
			report(p, "names no principal")
		}
		for _, typ := range sortedKeys(v) {
			tp := joinKey(p, typ)
			if !contains(principalTypes, typ) {
				report(tp, unknownKeyMessage(typ, principalTypes))
				continue
			}
			vals := stringList(v[typ], tp, report)
			for _, x := range vals {
				checkPrincipalValue(typ, x, report)
			}
			out[typ] = vals
		}
	default:
		report(p, `want "*" or an object such as {"AWS": ARN}, got `+describe(v))
	}
	return out
}

func checkPrincipalValue(typ string, x valueAt, report func(path, msg string)) {
	switch typ {
	case "AWS":
		if !reAWSPrincipal.MatchString(x.s) {
			report(x.path, "want an account id, an IAM ARN or \"*\", got "+strconv.Quote(x.s))
		}
	case "Federated":
		if strings.HasPrefix(x.s, "arn:") {
			a, ok := parseARN(x.s)
			if !ok || a.service != "iam" || !reAccountID.MatchString(a.account) || (a.resourceType() != "saml-provider" && a.resourceType() != "oidc-provider") {
				report(x.path, "want a SAML or OIDC provider ARN such as arn:aws:iam::111111111111:saml-provider/Okta, got "+strconv.Quote(x.s))
			}
		} else if !reServiceDomain.MatchString(x.s) {
			report(x.path, "want a provider ARN or a web identity domain, got "+strconv.Quote(x.s))
		}
	case "Service":
		if !reServiceDomain.MatchString(x.s) {
			report(x.path, "want a service principal such as ec2.amazonaws.com, got "+strconv.Quote(x.s))
		}
	}
}

func parseCondition(v any, p string, report func(path, msg string)) map[string]map[string][]string {
	obj, ok := v.(map[string]any)
	if !ok {
		report(p, `want an object such as {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}, got `+describe(v))
		return nil
	}
	out := map[string]map[string][]string{}
	for _, op := range sortedKeys(obj) {
		op0 := joinKey(p, op)
		if !validOperator(op) {
			msg := "unknown condition operator " + strconv.Quote(op)
			if s, ok := closest(op, operatorNames()); ok {
				msg += " (did you mean " + strconv.Quote(s) + "?)"
			}
			report(op0, msg)
		}
		keys, ok := obj[op].(map[string]any)
		if !ok {
			report(op0, "want an object of condition keys and values, got "+describe(obj[op]))
			continue
		}
		if len(keys) == 0 {
			report(op0, "names no condition key")
		}
		m := map[string][]string{}
		for _, k := range sortedKeys(keys) {
			kp := joinKey(op0, k)
			var vals []string
			switch val := keys[k].(type) {
			case []any:
				if len(val) == 0 {
					report(kp, "needs at least one value")
				}
				for i, e := range val {
					if s, ok := conditionScalar(e); ok {
						vals = append(vals, s)
					} else {
						report(joinIndex(kp, i), "want a string, number or boolean, got "+describe(e))
					}
				}
			default:
				if s, ok := conditionScalar(val); ok {
					vals = append(vals, s)
				} else {
					report(kp, "want a value or a list of values, got "+describe(val))
				}
			}
			m[k] = vals
		}
		out[op] = m
	}
	return out
}

func conditionScalar(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case bool:
		return strconv.FormatBool(v), true
	case json.Number:
		return v.String(), true
	}
	return "", false
}

func operatorNames() []string {
	names := make([]string, 0, len(conditionOpNames)+1)
	for n := range conditionOpNames {
		names = append(names, n)
	}
	return append(names, "Null")
}

// stringList reads a policy value that is a string or a non-empty list of
// strings.
func stringList(v any, p string, report func(path, msg string)) []valueAt {
	switch v := v.(type) {
	case string:
		return []valueAt{{v, p}}
	case []any:
		if len(v) == 0 {
			report(p, "must not be an empty list")
		}
		out := make([]valueAt, 0, len(v))
		for i, e := range v {
			s, ok := e.(string)
			if !ok {
				report(joinIndex(p, i), "want a string, got "+describe(e))
				continue
			}
			out = append(out, valueAt{s, joinIndex(p, i)})
		}
		return out
	}
	report(p, "want a string or a list of strings, got "+describe(v))
	return nil
}

func describe(v any) string {
	switch v := v.(type) {
	case string:
		return quoteShort(v)
	case json.Number, bool:
		return fmt.Sprintf("%s %v", jsonKind(v), v)
	}
	return jsonKind(v)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// allowsAction reports whether one of the statement's actions matches
// action (IAM matches actions case-insensitively, with * and ?).
func (s statement) allowsAction(action string) bool {
	for _, a := range s.actions {
		if globMatch(strings.ToLower(a.s), strings.ToLower(action)) {
			return true
		}
	}
	return false
}

// allowsResource reports whether one of the statement's resources matches
// the ARN.
func (s statement) allowsResource(arn string) bool {
	for _, r := range s.resources {
		if globMatch(r.s, arn) {
			return true
		}
	}
	return false
}

// conditionValues returns the values of a condition key under operator
// op; keys compare case-insensitively, as IAM compares them.
func (s statement) conditionValues(op, key string) []string {
	var out []string
	for k, vals := range s.conditions[op] {
		if strings.EqualFold(k, key) {
			out = append(out, vals...)
		}
	}
	return out
}

// globMatch matches s against a pattern in which * matches any run of
// characters and ? any one character.
func globMatch(pattern, s string) bool {
	px, sx := 0, 0
	star, mark := -1, 0
	for sx < len(s) {
		switch {
		case px < len(pattern) && (pattern[px] == '?' || pattern[px] == s[sx]):
			px++
			sx++
		case px < len(pattern) && pattern[px] == '*':
			star, mark = px, sx
			px++
		case star >= 0:
			px = star + 1
			mark++
			sx = mark
		default:
			return false
		}
	}
	for px < len(pattern) && pattern[px] == '*' {
		px++
	}
	return px == len(pattern)
}

// arn is an Amazon Resource Name split into its fields.
type arn struct{ partition, service, region, account, resource string }

// parseARN splits s with the AWS SDK's ARN parser and requires the
// partition, service and resource fields.
func parseARN(s string) (arn, bool) {
	a, err := awsarn.Parse(s)
	if err != nil || a.Partition == "" || a.Service == "" || a.Resource == "" {
		return arn{}, false
	}
	return arn{a.Partition, a.Service, a.Region, a.AccountID, a.Resource}, true
}

// resourceType is the part of the resource before the first '/', such as
// role or saml-provider.
func (a arn) resourceType() string {
	t, _, _ := strings.Cut(a.resource, "/")
	return t
}

// name is the last segment of the resource: the role, user, policy or
// provider name.
func (a arn) name() string {
	return a.resource[strings.LastIndexByte(a.resource, '/')+1:]
}

// path is the IAM path between the resource type and the name, "/" if none.
func (a arn) path() string {
	_, rest, ok := strings.Cut(a.resource, "/")
	if !ok {
		return "/"
	}
	i := strings.LastIndexByte(rest, '/')
	if i < 0 {
		return "/"
	}
	return "/" + rest[:i+1]
}
