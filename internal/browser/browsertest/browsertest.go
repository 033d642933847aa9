// Package browsertest helps tests drive a headless browser with package
// browser.
//
// Chromium is a required part of the test suite, like xmlsec1: `make test`
// installs it (make deps), so a test that needs it fails, and never skips,
// when it is missing.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/breakglass-dev/breakglass/internal/browser"
)

// Require returns the path of the browser the tests use: $BREAKGLASS_CHROMIUM
// when set, else /usr/bin/chromium. It fails the test when that is not an
// executable file.
func Require(t testing.TB) string {
	t.Helper()
	path := os.Getenv(browser.PathEnv)
	if path == "" {
		path = browser.DefaultPath
	}
	if _, err := exec.LookPath(path); err != nil {
		t.Fatalf("chromium not installed: run make deps (%v)", err)
	}
	return path
}

// Start starts a browser for the test, with o.Path set by Require when
// empty, and closes it when the test and its subtests have finished. A
// browser takes about a second to start; tests in one package can share one
// with a sync.Once and TestMain, as package browser's own tests do.
func Start(t testing.TB, o browser.Options) *browser.Browser {
	t.Helper()
	if o.Path == "" {
		o.Path = Require(t)
	}
	b, err := browser.Start(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Error(err)
		}
	})
	return b
}

// NewPage opens a page of b for the test and closes it at the end of the
// test. When the test has failed by then, it first saves a screenshot of the
// page in the test's artifact directory (kept with go test -artifacts) and
// logs where.
func NewPage(t *testing.T, b *browser.Browser) *browser.Page {
	t.Helper()
	p, err := b.NewPage(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			f, err := os.CreateTemp(t.ArtifactDir(), "page-*.png")
			if err == nil {
				f.Close()
				// t.Context is done by now.
				if err := p.Screenshot(context.Background(), f.Name()); err != nil {
					t.Log(err)
				} else {
					t.Logf("screenshot of the page: %s", f.Name())
				}
			}
		}
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	})
	return p
}
