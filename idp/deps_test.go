package idp_test

import (
	"testing"

	"github.com/breakglass-dev/breakglass/internal/deptest"
)

// The IdP never reaches the AWS side, the drills or the landscape file.
func TestDependencies(t *testing.T) {
	deptest.Forbid(t, "./...", "sp", "scenarios", "landscape", "cmd")
}
