package policy

import (
	"sort"
	"strings"
)

// Context is a request context: condition keys mapped to their values. A
// key that is in the map is present in the request (the Null operator and
// the ...IfExists suffix test presence), even with no values; a
// single-valued key holds one value. Keys compare case-insensitively, as
// IAM condition keys do ("IAM JSON policy elements: Condition"); callers
// should not put two keys differing only in case, and if they do, Get
// merges their values. A nil Context has no keys.
type Context map[string][]string

// Get returns the values of key, compared case-insensitively, and whether
// the key is present.
func (c Context) Get(key string) ([]string, bool) {
	if v, ok := c[key]; ok {
		return v, true
	}
	var keys []string
	for k := range c {
		if strings.EqualFold(k, key) {
			keys = append(keys, k)
		}
	}
	switch len(keys) {
	case 0:
		return nil, false
	case 1:
		return c[keys[0]], true
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		out = append(out, c[k]...)
	}
	return out, true
}

// has reports whether key is present.
func (c Context) has(key string) bool {
	_, ok := c.Get(key)
	return ok
}

// clone returns a copy of c that callers may extend.
func (c Context) clone() Context {
	out := make(Context, len(c)+6)
	for k, v := range c {
		out[k] = v
	}
	return out
}
