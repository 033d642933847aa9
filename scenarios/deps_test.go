package scenarios_test

import (
	"testing"

	"github.com/breakglass-dev/breakglass/internal/deptest"
)

// Drills reach the emulator only through the AWS API and its control client.
func TestDependencies(t *testing.T) {
	deptest.Forbid(t, "./...", "sp/iam", "sp/sts", "sp/signin", "sp/internal", "cmd")
}
