package history_test

import (
	"testing"

	"github.com/breakglass-dev/breakglass/internal/deptest"
)

// The history stores what cmd hands it: it knows no drill, IdP or emulator.
func TestDependencies(t *testing.T) {
	deptest.Forbid(t, "./...", "scenarios", "idp", "sp", "certs", "landscape", "cmd")
}
