package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/joshdk/go-junit"

	"github.com/breakglass-dev/breakglass/landscape"
	"github.com/breakglass-dev/breakglass/scenarios"
)

func TestDrill(t *testing.T) {
	dir := t.TempDir()
	all, err := scenarios.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	r := breakglass(t, dir, "drill")
	if r.code != 0 || !strings.Contains(r.stdout, fmt.Sprintf("drills: %d passed, 0 failed", len(all))) {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, "SecretAccessKey") || strings.Contains(r.stdout+r.stderr, "IQoJb3JpZ2lu") {
		t.Error("the report shows credentials")
	}
	r = breakglass(t, dir, "drill", "fm3/", "--format", "json")
	var report struct {
		Passed, Failed int
		Results        []struct {
			Scenario string
			Passed   bool
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &report); err != nil || report.Passed != 1 || report.Results[0].Scenario != "fm3/identity-center-disrupted" {
		t.Errorf("json report (%v): %s", err, r.stdout)
	}
	for _, args := range [][]string{{"drill", "no-such-drill"}, {"drill", "--target", "aws"}, {"drill", "--format", "pdf"}, {"drill", "--target", "http://127.0.0.1:1"}} {
		if r := breakglass(t, dir, args...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2", args, r.code)
		}
	}
}

// TestDrillUserScenarios: a user's own scenario file, and a bad one with
// its file:line.
func TestDrillUserScenarios(t *testing.T) {
	dir := t.TempDir()
	mine := filepath.Join(dir, "team", "ops-can-scale.yaml")
	os.MkdirAll(filepath.Dir(mine), 0o700)
	os.WriteFile(mine, []byte(`title: Ops may scale in Account 2
steps:
  - simulate: {account: "333333333333", role: EmergencyAccess_Ops, action: "autoscaling:SetDesiredCapacity", expect: allowed}
`), 0o600)
	r := breakglass(t, t.TempDir(), "drill", "--scenarios", dir, "team/")
	if r.code != 0 || !strings.Contains(r.stdout, "PASS  team/ops-can-scale") {
		t.Errorf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = breakglass(t, t.TempDir(), "drill", mine)
	if r.code != 0 || !strings.Contains(r.stdout, "drills: 1 passed, 0 failed") {
		t.Errorf("by file: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("title: x\nsteps:\n  - enable_app: aws\n    colour: red\n"), 0o600)
	r = breakglass(t, t.TempDir(), "drill", bad)
	if r.code != 2 || !strings.Contains(r.stderr, "bad.yaml:4") {
		t.Errorf("bad file: exit %d\n%s", r.code, r.stderr)
	}
}

// TestDrillAgainstServe runs every built-in drill against breakglass serve
// started separately, through its AWS endpoint and control API.
func TestDrillAgainstServe(t *testing.T) {
	dir := t.TempDir()
	_, awsURL := startServeIn(t, dir)
	all, err := scenarios.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	r := breakglass(t, dir, "drill", "--target", awsURL)
	if r.code != 0 || !strings.Contains(r.stdout, fmt.Sprintf("drills: %d passed, 0 failed", len(all))) {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestDrillJUnit: the JUnit report is read by a JUnit parser, with the
// failing step as a failed test case.
func TestDrillJUnit(t *testing.T) {
	broken := strings.Replace(string(landscape.DefaultYAML()), "      enabled: false", "      enabled: true", 1)
	dir := t.TempDir()
	path := filepath.Join(dir, "broken.yaml")
	if err := os.WriteFile(path, []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "report.xml")
	r := breakglass(t, t.TempDir(), "drill", "--landscape", path, "--format", "junit", "--out", out, "fm3/", "return-to-normal")
	if r.code != 1 || r.stdout != "" {
		t.Fatalf("exit %d, stdout %q", r.code, r.stdout)
	}
	suites, err := junit.IngestFile(out)
	if err != nil {
		t.Fatalf("a JUnit parser cannot read the report: %v", err)
	}
	if len(suites) != 2 {
		t.Fatalf("got %d suites, want 2", len(suites))
	}
	failed := 0
	for _, s := range suites {
		for _, tc := range s.Tests {
			if tc.Status == junit.StatusFailed {
				failed++
				if !strings.Contains(tc.Error.Error(), "expected AppDisabled") {
					t.Errorf("failure message %q", tc.Error)
				}
			}
		}
	}
	if failed != 1 || suites[1].Totals.Failed != 0 {
		t.Errorf("failed cases: %d (second suite %d), want exactly the first step of fm3", failed, suites[1].Totals.Failed)
	}
}

// TestDrillFailsOnABrokenLandscape: the app enabled at rest makes the
// Failure Mode 3 drill fail with a precise message, and the exit code 1.
func TestDrillFailsOnABrokenLandscape(t *testing.T) {
	broken := strings.Replace(string(landscape.DefaultYAML()), "      enabled: false", "      enabled: true", 1)
	path := filepath.Join(t.TempDir(), "broken.yaml")
	if err := os.WriteFile(path, []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	r := breakglass(t, t.TempDir(), "drill", "--landscape", path, "fm3/identity-center-disrupted")
	if r.code != 1 || !strings.Contains(r.stdout, "FAIL") || !strings.Contains(r.stdout, "expected AppDisabled, got NoRole") {
		t.Errorf("exit %d\n%s", r.code, r.stdout)
	}
	if !strings.Contains(r.stdout, "likely cause: the direct federation app must be disabled at rest") {
		t.Errorf("no likely cause shown:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "drills: 0 passed, 1 failed") {
		t.Errorf("summary missing:\n%s", r.stdout)
	}
}

// TestDrillAgainstServeProcess runs the built-in drills against
// `breakglass serve` started as a separate process, as a team would run
// serve on a workstation and drills from CI.
func TestDrillAgainstServeProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "breakglass")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	serve := exec.CommandContext(ctx, bin, "serve", "--aws-addr", "127.0.0.1:0", "--idp-addr", "127.0.0.1:0")
	serve.Env = []string{"BREAKGLASS_CONFIG_DIR=" + dir, "HOME=" + dir}
	stderr, err := serve.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { serve.Process.Kill(); serve.Wait() })
	awsRe := regexp.MustCompile(`msg="AWS emulator listening" url=(\S+)`)
	awsURL := ""
	lines := bufio.NewScanner(stderr)
	for awsURL == "" && lines.Scan() {
		if m := awsRe.FindStringSubmatch(lines.Text()); m != nil {
			awsURL = m[1]
		}
	}
	go io.Copy(io.Discard, stderr)
	if awsURL == "" {
		t.Fatal("serve did not report its AWS URL")
	}
	all, err := scenarios.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	r := breakglass(t, dir, "drill", "--target", awsURL)
	if r.code != 0 || !strings.Contains(r.stdout, fmt.Sprintf("drills: %d passed, 0 failed", len(all))) {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}
