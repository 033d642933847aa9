package landscape

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// FuzzParse checks that no input makes Parse panic, that failures are
// Problems with messages, and that a landscape that parses can be
// rendered and converted.
func FuzzParse(f *testing.F) {
	f.Add(defaultYAML)
	f.Add([]byte(baseYAML))
	f.Add([]byte(""))
	f.Add([]byte("version: 1\n---\nversion: 1\n"))
	f.Add([]byte("version: 1\nidp: &a {groups: [*a]}\n"))
	f.Add([]byte("version: 1\naccounts: [{id: 111111111111, kind: other, roles: [{name: R, trust_policy: '{\"Version\":\"2012-10-17\"}'}]}]\n"))
	f.Add([]byte("a: &a [*a, *a]\nb: [*a, *a, *a]\n"))
	f.Add([]byte("version: !!binary 'not base64'\n"))
	f.Add([]byte("{version: 1, idp: {entity_id: urn:x, users: [{username: u, password_hash: x, groups: [{expires: 1}]}]}}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := Parse("fuzz.yaml", data)
		if err != nil {
			var ps Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("got error %T %v, want Problems", err, err)
			}
			for _, p := range ps {
				if p.Message == "" {
					t.Fatalf("problem without a message: %+v", p)
				}
				if strings.ContainsAny(p.String(), "\r\n") {
					t.Fatalf("problem spans lines: %q", p.String())
				}
			}
			return
		}
		if err := WriteMappingTable(io.Discard, l.Mapping()); err != nil {
			t.Fatal(err)
		}
		l.IdP()
	})
}
