package control_test

import (
	"testing"

	"github.com/breakglass-dev/breakglass/internal/deptest"
)

// The control client is what scenarios may import from sp: it must not
// drag the emulator in with it.
func TestDependencies(t *testing.T) {
	deptest.Forbid(t, ".", "sp/internal", "sp/iam", "sp/samlcheck", "idp", "certs", "landscape", "scenarios", "cmd")
}
