package sp_test

import (
	"testing"

	"github.com/breakglass-dev/breakglass/internal/deptest"
)

// The emulator never imports the IdP, its keys, the landscape or the drills.
func TestDependencies(t *testing.T) {
	deptest.Forbid(t, "./...", "idp", "certs", "landscape", "scenarios", "cmd")
}
