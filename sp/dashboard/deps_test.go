package dashboard_test

import (
	"testing"

	"github.com/breakglass-dev/breakglass/internal/deptest"
)

// The dashboard reads the emulator's state; it reaches no AWS service's
// handler, no other page and nothing outside sp.
func TestDependencies(t *testing.T) {
	deptest.Forbid(t, ".", "sp/iam", "sp/sts", "sp/signin", "sp/control", "idp", "certs", "landscape", "scenarios", "cmd")
}
