package policy

import (
	"strings"
	"unicode/utf8"
)

// ptok is one element of a compiled wildcard pattern.
type ptok struct {
	r    rune
	kind uint8 // tokLit, tokStar or tokOne
}

const (
	tokLit  uint8 = iota // the rune itself
	tokStar              // "*": any run of characters, empty included
	tokOne               // "?": exactly one character
)

// pattern is a compiled wildcard pattern. Literal '*' and '?' (written
// ${*} and ${?}, or substituted from a policy variable) are tokLit.
type pattern []ptok

// compilePattern turns a policy string into a pattern. With vars set it
// substitutes policy variables from ctx ("IAM policy elements: Variables
// and tags"): ${key} takes the key's single value, ${key, 'default'} falls
// back to default when the key is absent, and ${*}, ${?}, ${$} stand for
// the literal characters. ok is false when a variable cannot be resolved
// (absent or multi-valued key without a default, or malformed syntax): the
// value then matches nothing, as IAM documents for "Policy variables with
// no value".
func compilePattern(s string, vars bool, ctx Context) (p pattern, ok bool) {
	p = make(pattern, 0, len(s))
	for i := 0; i < len(s); {
		if vars && strings.HasPrefix(s[i:], "${") {
			val, n, ok := resolveVariable(s[i:], ctx)
			if !ok {
				return nil, false
			}
			for _, r := range val {
				p = append(p, ptok{r: r})
			}
			i += n
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch r {
		case '*':
			p = append(p, ptok{kind: tokStar})
		case '?':
			p = append(p, ptok{kind: tokOne})
		default:
			p = append(p, ptok{r: r})
		}
		i += size
	}
	return p, true
}

// resolveVariable reads one "${...}" at the start of s and returns its
// value and the number of bytes it spans.
func resolveVariable(s string, ctx Context) (val string, n int, ok bool) {
	i := 2 // past "${"
	start := i
	for i < len(s) && s[i] != '}' && s[i] != ',' {
		i++
	}
	if i >= len(s) {
		return "", 0, false
	}
	key := strings.TrimSpace(s[start:i])
	hasDefault := false
	var def strings.Builder
	if s[i] == ',' {
		i++
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i >= len(s) || s[i] != '\'' {
			return "", 0, false
		}
		i++
		closed := false
		for i < len(s) {
			if s[i] == '\'' {
				if i+1 < len(s) && s[i+1] == '\'' { // '' is one quote
					def.WriteByte('\'')
					i += 2
					continue
				}
				i++
				closed = true
				break
			}
			def.WriteByte(s[i])
			i++
		}
		if !closed {
			return "", 0, false
		}
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i >= len(s) || s[i] != '}' {
			return "", 0, false
		}
		hasDefault = true
	}
	i++ // past '}'
	switch key {
	case "*", "?", "$":
		if !hasDefault {
			return key, i, true
		}
	case "":
		return "", 0, false
	}
	if vals, present := ctx.Get(key); present && len(vals) == 1 {
		return vals[0], i, true
	}
	if hasDefault {
		return def.String(), i, true
	}
	return "", 0, false
}

// match reports whether s matches p. With fold set, letters compare
// case-insensitively (actions); otherwise exactly (resources, StringLike).
func (p pattern) match(s string, fold bool) bool {
	rs := []rune(s)
	pi, si := 0, 0
	starP, starS := -1, 0
	for si < len(rs) {
		if pi < len(p) {
			t := p[pi]
			switch {
			case t.kind == tokStar:
				starP, starS = pi, si
				pi++
				continue
			case t.kind == tokOne || runeEq(t.r, rs[si], fold):
				pi++
				si++
				continue
			}
		}
		if starP < 0 {
			return false
		}
		starS++
		si = starS
		pi = starP + 1
	}
	for pi < len(p) && p[pi].kind == tokStar {
		pi++
	}
	return pi == len(p)
}

func runeEq(a, b rune, fold bool) bool {
	if a == b {
		return true
	}
	return fold && strings.EqualFold(string(a), string(b))
}

// splitARN splits a compiled ARN pattern into its six colon-separated
// components (the last one keeps any further colons); ok is false when the
// pattern has fewer than six.
func (p pattern) splitARN() (parts [6]pattern, ok bool) {
	n, start := 0, 0
	for i, t := range p {
		if n == 5 {
			break
		}
		if t.kind == tokLit && t.r == ':' {
			parts[n] = p[start:i]
			n++
			start = i + 1
		}
	}
	if n < 5 {
		return parts, false
	}
	parts[5] = p[start:]
	return parts, true
}

// matchARN matches an ARN against an ARN pattern component by component,
// as IAM does for Resource and the Arn condition operators: each of the six
// components is compared separately and its wildcards stay inside it, but
// the last (resource) component may contain ':' and '/'. A pattern that is
// just "*" matches anything.
func (p pattern) matchARN(arn string) bool {
	if len(p) == 1 && p[0].kind == tokStar {
		return true
	}
	pp, ok := p.splitARN()
	if !ok {
		return false
	}
	as := strings.SplitN(arn, ":", 6)
	if len(as) != 6 {
		return false
	}
	for i := range pp {
		if !pp[i].match(as[i], false) {
			return false
		}
	}
	return true
}

// matchAction matches an action such as "iam:GetRole" against a policy
// action pattern such as "iam:Get*": case-insensitive, "*" and "?"
// wildcards ("IAM JSON policy elements: Action"). Policy variables are not
// substituted in actions.
func matchAction(patternText, action string) bool {
	p, _ := compilePattern(patternText, false, nil)
	return p.match(action, true)
}
