package certs_test

import (
	"testing"

	"github.com/breakglass-dev/breakglass/internal/deptest"
)

// certs is at the start of the data flow: it imports nothing of ours.
func TestDependencies(t *testing.T) {
	deptest.Forbid(t, "./...", "idp", "sp", "scenarios", "landscape", "cmd")
}
