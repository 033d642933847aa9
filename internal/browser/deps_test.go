package browser_test

import (
	"testing"

	"github.com/breakglass-dev/breakglass/internal/deptest"
)

// browser drives a browser from the outside, like a user: it imports nothing
// of ours, so the pages it tests cannot share code with it.
func TestDependencies(t *testing.T) {
	deptest.Forbid(t, "./...", "idp", "sp", "scenarios", "landscape", "certs", "cmd")
}
