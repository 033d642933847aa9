package scenarios_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/breakglass-dev/breakglass/internal/browser"
	"github.com/breakglass-dev/breakglass/internal/browser/browsertest"
	"github.com/breakglass-dev/breakglass/internal/target"
	"github.com/breakglass-dev/breakglass/landscape"
	"github.com/breakglass-dev/breakglass/scenarios"
)

func builtin(t *testing.T, name string) *scenarios.Scenario {
	t.Helper()
	all, err := scenarios.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range all {
		if sc.Name == name {
			return sc
		}
	}
	t.Fatalf("no built-in drill %s", name)
	return nil
}

// runInBrowser runs a drill on a fresh embedded world whose sign-in steps
// go through the pages in pages.
func runInBrowser(t *testing.T, pages *browser.Browser, l *landscape.Landscape, sc *scenarios.Scenario, shots string) scenarios.Result {
	t.Helper()
	w, err := target.Embedded(context.Background(), l, signingKey(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	if err := w.UseBrowser(pages, l, shots); err != nil {
		t.Fatal(err)
	}
	return scenarios.Run(context.Background(), w.Target, sc)
}

// TestFailureMode3InBrowser walks the Failure Mode 3 drill through the IdP's
// pages, AWS's role chooser and the console's Switch Role in Chromium, with
// page scripts on and off; a broken workload trust fails it at the switch,
// with AWS's code, and leaves a screenshot of each browser step.
func TestFailureMode3InBrowser(t *testing.T) {
	sc := builtin(t, "fm3/identity-center-disrupted")
	for _, noJS := range []bool{false, true} {
		name := "scripts on"
		if noJS {
			name = "scripts off"
		}
		t.Run(name, func(t *testing.T) {
			pages := browsertest.Start(t, browser.Options{NoJavaScript: noJS})
			res := runInBrowser(t, pages, landscape.Default(), sc, "")
			browserSteps := 0
			for _, s := range res.Steps {
				if s.Status == scenarios.Failed {
					t.Errorf("step %d (%s) failed: %s", s.Index, s.Name, s.Detail)
				}
				if strings.Contains(s.Detail, "console") || strings.Contains(s.Detail, "AWS's sign-in page") {
					browserSteps++
				}
			}
			if browserSteps < 4 {
				t.Errorf("only %d steps went through the pages:\n%+v", browserSteps, res.Steps)
			}
		})
	}

	t.Run("broken workload trust", func(t *testing.T) {
		pages := browsertest.Start(t, browser.Options{})
		yaml := strings.Replace(string(landscape.DefaultYAML()),
			`Principal: {AWS: "arn:aws:iam::111111111111:role/EmergencyAccess_Role1_Ops"}`, `Principal: {AWS: "arn:aws:iam::999999999999:root"}`, 1)
		l, err := landscape.Parse("broken.yaml", []byte(yaml))
		if err != nil {
			t.Fatal(err)
		}
		shots := t.TempDir()
		res := runInBrowser(t, pages, l, sc, shots)
		if res.Passed {
			t.Fatal("the drill passed with a workload trust policy that names the wrong account")
		}
		last := res.Steps[len(res.Steps)-1]
		if !strings.Contains(last.Detail, "AccessDenied") || !strings.Contains(last.Detail, "screenshots in") {
			t.Errorf("failing step %q says %q", last.Name, last.Detail)
		}
		files, _ := filepath.Glob(filepath.Join(shots, sc.Name, "*.png"))
		if len(files) < 3 {
			t.Errorf("screenshots: %v, want one per browser step", files)
		}
		for _, f := range files {
			if fi, err := os.Stat(f); err != nil || fi.Size() < 1000 {
				t.Errorf("screenshot %s: %v", f, err)
			}
		}
	})
}
