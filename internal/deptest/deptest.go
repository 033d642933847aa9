// Package deptest checks the direction of dependencies between breakglass's
// packages (DESIGN.md, "data flows one way"): a test per top package lists
// the module packages it must never reach, directly or transitively.
package deptest

import (
	"os/exec"
	"strings"
	"testing"
)

// Module is this repository's module path.
const Module = "github.com/breakglass-dev/breakglass"

// Forbid fails t if any package matching pattern (a `go list` pattern such
// as "./..." run in the caller's directory) depends on a package whose
// import path starts with one of the forbidden module-relative prefixes
// (e.g. "sp", "idp"). Test-only imports are not counted.
func Forbid(t *testing.T, pattern string, forbidden ...string) {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", pattern).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", pattern, err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) == 0 {
		t.Fatalf("go list -deps %s listed nothing", pattern)
	}
	for _, dep := range deps {
		rel, ok := strings.CutPrefix(dep, Module+"/")
		if !ok {
			continue
		}
		for _, f := range forbidden {
			if rel == f || strings.HasPrefix(rel, f+"/") {
				t.Errorf("%s depends on %s, which it must not import (DESIGN.md: data flows one way)", pattern, dep)
			}
		}
	}
}
