package policy

import (
	"bytes"
	"encoding/base64"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Condition is one (operator, key) pair of a Condition element, for example
// {"ForAnyValue:StringLike": {"aws:TagKeys": ["team/*"]}}.
type Condition struct {
	// Operator is the operator as written, with any ForAnyValue: or
	// ForAllValues: prefix and IfExists suffix.
	Operator string
	// Key is the condition key as written; it is matched case-insensitively.
	Key string
	// Values lists the policy values; JSON numbers and booleans are kept as
	// their literal text.
	Values []string

	op operator
}

type opKind uint8

const (
	kString opKind = iota
	kStringIgnoreCase
	kStringLike
	kNumeric
	kDate
	kBool
	kBinary
	kIP
	kARN
	kNull
)

type cmpOp uint8

const (
	cmpEq cmpOp = iota
	cmpLt
	cmpLe
	cmpGt
	cmpGe
)

type setOp uint8

const (
	setNone setOp = iota
	setAnyValue
	setAllValues
)

type operator struct {
	kind     opKind
	cmp      cmpOp
	negated  bool
	ifExists bool
	set      setOp
}

// baseOperators lists IAM's condition operators ("IAM JSON policy elements:
// Condition operators"). Names are case-sensitive.
var baseOperators = map[string]operator{
	"StringEquals":              {kind: kString},
	"StringNotEquals":           {kind: kString, negated: true},
	"StringEqualsIgnoreCase":    {kind: kStringIgnoreCase},
	"StringNotEqualsIgnoreCase": {kind: kStringIgnoreCase, negated: true},
	"StringLike":                {kind: kStringLike},
	"StringNotLike":             {kind: kStringLike, negated: true},
	"NumericEquals":             {kind: kNumeric, cmp: cmpEq},
	"NumericNotEquals":          {kind: kNumeric, cmp: cmpEq, negated: true},
	"NumericLessThan":           {kind: kNumeric, cmp: cmpLt},
	"NumericLessThanEquals":     {kind: kNumeric, cmp: cmpLe},
	"NumericGreaterThan":        {kind: kNumeric, cmp: cmpGt},
	"NumericGreaterThanEquals":  {kind: kNumeric, cmp: cmpGe},
	"DateEquals":                {kind: kDate, cmp: cmpEq},
	"DateNotEquals":             {kind: kDate, cmp: cmpEq, negated: true},
	"DateLessThan":              {kind: kDate, cmp: cmpLt},
	"DateLessThanEquals":        {kind: kDate, cmp: cmpLe},
	"DateGreaterThan":           {kind: kDate, cmp: cmpGt},
	"DateGreaterThanEquals":     {kind: kDate, cmp: cmpGe},
	"Bool":                      {kind: kBool},
	"BinaryEquals":              {kind: kBinary},
	"IpAddress":                 {kind: kIP},
	"NotIpAddress":              {kind: kIP, negated: true},
	"ArnEquals":                 {kind: kARN},
	"ArnLike":                   {kind: kARN},
	"ArnNotEquals":              {kind: kARN, negated: true},
	"ArnNotLike":                {kind: kARN, negated: true},
	"Null":                      {kind: kNull},
}

// parseOperator splits "ForAllValues:StringLikeIfExists" into its parts.
// Null takes neither a set prefix nor IfExists.
func parseOperator(name string) (operator, bool) {
	rest := name
	set := setNone
	switch {
	case strings.HasPrefix(rest, "ForAnyValue:"):
		set, rest = setAnyValue, strings.TrimPrefix(rest, "ForAnyValue:")
	case strings.HasPrefix(rest, "ForAllValues:"):
		set, rest = setAllValues, strings.TrimPrefix(rest, "ForAllValues:")
	}
	ifExists := false
	if base, ok := strings.CutSuffix(rest, "IfExists"); ok {
		if _, known := baseOperators[base]; known {
			rest, ifExists = base, true
		}
	}
	op, ok := baseOperators[rest]
	if !ok {
		return operator{}, false
	}
	if op.kind == kNull && (ifExists || set != setNone) {
		return operator{}, false
	}
	op.ifExists, op.set = ifExists, set
	return op, true
}

func parseConditions(idx int, v jvalue) ([]Condition, error) {
	if v.kind != jObject {
		return nil, malformed(MsgSyntax, "statement %d: Condition is not an object", idx)
	}
	var out []Condition
	for _, opm := range v.members {
		op, ok := parseOperator(opm.key)
		if !ok {
			return nil, malformed(msgConditionType(opm.key), "statement %d", idx)
		}
		if opm.value.kind != jObject {
			return nil, malformed(MsgSyntax, "statement %d: condition %s is not an object", idx, opm.key)
		}
		for _, km := range opm.value.members {
			vals, err := conditionValues(km.value)
			if err != nil {
				return nil, malformed(MsgSyntax, "statement %d: %s %s: %v", idx, opm.key, km.key, err)
			}
			if op.kind == kNull || op.kind == kBool {
				for _, s := range vals {
					if !strings.EqualFold(s, "true") && !strings.EqualFold(s, "false") {
						return nil, malformed(MsgSyntax, "statement %d: %s %s: value %q is not true or false", idx, opm.key, km.key, s)
					}
				}
			}
			out = append(out, Condition{Operator: opm.key, Key: km.key, Values: vals, op: op})
		}
	}
	return out, nil
}

type valueError string

func (e valueError) Error() string { return string(e) }

func conditionValues(v jvalue) ([]string, error) {
	switch v.kind {
	case jString, jNumber, jBool:
		return []string{v.str}, nil
	case jArray:
		out := make([]string, 0, len(v.items))
		for _, it := range v.items {
			switch it.kind {
			case jString, jNumber, jBool:
				out = append(out, it.str)
			default:
				return nil, valueError("list holds a value that is not a string, number or boolean")
			}
		}
		if len(out) == 0 {
			return nil, valueError("empty value list")
		}
		return out, nil
	}
	return nil, valueError("value is not a string, number, boolean or list")
}

// holds evaluates the condition against ctx. vars says whether policy
// variables are substituted in the policy values.
//
// Semantics ("Conditions with multiple context keys or values", "Single-valued
// vs. multivalued context keys", "Condition operators" in the IAM User
// Guide):
//   - A key absent from the request makes a positive operator false and a
//     negated one (StringNotEquals, ArnNotLike, NotIpAddress, ...) true;
//     ...IfExists makes the condition true.
//   - Several policy values are ORed; for a negated operator the request
//     value must match none of them (NOR).
//   - ForAnyValue: at least one request value must satisfy the operator;
//     false when the key is absent or has no values.
//   - ForAllValues: every request value must satisfy it; true when the key
//     is absent or has no values.
//   - Without a set operator, a multivalued request key satisfies a positive
//     operator when any of its values matches (our reading; AWS asks for a
//     set operator on such keys).
func (c Condition) holds(ctx Context, vars bool) bool {
	vals, present := ctx.Get(c.Key)
	if c.op.kind == kNull {
		absent := !present || len(vals) == 0
		for _, pv := range c.Values {
			if strings.EqualFold(pv, "true") == absent {
				return true
			}
		}
		return false
	}
	m := c.matcher(ctx, vars)
	switch c.op.set {
	case setAnyValue:
		if len(vals) == 0 {
			return c.op.ifExists && !present
		}
		for _, v := range vals {
			if m(v) != c.op.negated {
				return true
			}
		}
		return false
	case setAllValues:
		for _, v := range vals {
			if m(v) == c.op.negated {
				return false
			}
		}
		return true
	}
	if !present || len(vals) == 0 {
		return c.op.ifExists || c.op.negated
	}
	matched := false
	for _, v := range vals {
		if m(v) {
			matched = true
			break
		}
	}
	return matched != c.op.negated
}

// matcher returns a function reporting whether one request value matches
// any policy value under the positive form of the operator.
func (c Condition) matcher(ctx Context, vars bool) func(string) bool {
	switch c.op.kind {
	case kString, kStringIgnoreCase, kStringLike, kARN, kBool:
		pats := make([]pattern, 0, len(c.Values))
		for _, pv := range c.Values {
			if p, ok := compilePattern(pv, vars, ctx); ok {
				pats = append(pats, p)
			}
		}
		return func(v string) bool {
			for _, p := range pats {
				if c.stringMatch(p, v) {
					return true
				}
			}
			return false
		}
	}
	return func(v string) bool {
		for _, pv := range c.Values {
			if c.scalarMatch(pv, v) {
				return true
			}
		}
		return false
	}
}

// stringMatch compares for the string-like operators. For equality
// operators the compiled pattern's wildcards are literal characters.
func (c Condition) stringMatch(p pattern, v string) bool {
	switch c.op.kind {
	case kStringLike:
		return p.match(v, false)
	case kARN:
		return p.matchARN(v)
	case kBool:
		return strings.EqualFold(p.literal(), v)
	case kStringIgnoreCase:
		return strings.EqualFold(p.literal(), v)
	}
	return p.literal() == v
}

// literal returns the pattern's text with wildcards as their characters.
func (p pattern) literal() string {
	var b strings.Builder
	for _, t := range p {
		switch t.kind {
		case tokStar:
			b.WriteByte('*')
		case tokOne:
			b.WriteByte('?')
		default:
			b.WriteRune(t.r)
		}
	}
	return b.String()
}

func (c Condition) scalarMatch(pv, v string) bool {
	switch c.op.kind {
	case kNumeric:
		a, ok1 := parseNumber(v)
		b, ok2 := parseNumber(pv)
		if !ok1 || !ok2 {
			return false
		}
		return compare(cmpFloat(a, b), c.op.cmp)
	case kDate:
		a, ok1 := parseDate(v)
		b, ok2 := parseDate(pv)
		if !ok1 || !ok2 {
			return false
		}
		return compare(a.Compare(b), c.op.cmp)
	case kBinary:
		want, err := base64.StdEncoding.DecodeString(pv)
		if err != nil {
			return false
		}
		if got, err := base64.StdEncoding.DecodeString(v); err == nil {
			return bytes.Equal(got, want)
		}
		return bytes.Equal([]byte(v), want)
	case kIP:
		addr, err := netip.ParseAddr(strings.TrimSpace(v))
		if err != nil {
			return false
		}
		pv = strings.TrimSpace(pv)
		if pfx, err := netip.ParsePrefix(pv); err == nil {
			return pfx.Contains(addr.Unmap())
		}
		if a, err := netip.ParseAddr(pv); err == nil {
			return a.Unmap() == addr.Unmap()
		}
		return false
	}
	return false
}

func compare(c int, op cmpOp) bool {
	switch op {
	case cmpLt:
		return c < 0
	case cmpLe:
		return c <= 0
	case cmpGt:
		return c > 0
	case cmpGe:
		return c >= 0
	}
	return c == 0
}

// dateLayouts are the W3C/ISO 8601 forms IAM documents for the Date
// operators; an integer is read as epoch seconds.
var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02",
}

func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), true
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// parseNumber reads an integer or decimal; NaN and infinities are refused.
func parseNumber(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
