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

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
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
	noAWS(t)
	for _, args := range [][]string{{"drill", "no-such-drill"}, {"drill", "--target", "aws"}, {"drill", "--format", "pdf"}, {"drill", "--target", "http://127.0.0.1:1"},
		{"drill", "--target", "aws", "--browser"}, {"drill", "--allow-changes"}} {
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

// noAWS makes the AWS SDK find no credentials and ask nothing of the
// network: no instance metadata service, no shared files.
func noAWS(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "", "AWS_ENDPOINT_URL": "",
	} {
		t.Setenv(k, v)
	}
}

// TestDrillTargetAWS runs the real-AWS code path (default credential
// chain, one role per other account, read-only) against breakglass serve:
// AWS_ENDPOINT_URL points the SDK there, as it would at any endpoint. The
// steps that would change AWS or need the emulator are skipped and said
// so, and nothing fails.
func TestDrillTargetAWS(t *testing.T) {
	dir := t.TempDir()
	_, awsURL := startServeIn(t, dir)
	// The organisation's read-only drill role in every other account,
	// which the caller (the emergency account) may assume.
	const auditRole = "BreakglassDrillAudit"
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}`
	for _, account := range []string{"222222222222", "333333333333", "444444444444"} {
		c, err := rootIAMClients(awsURL)(t.Context(), account)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.CreateRole(t.Context(), &iam.CreateRoleInput{RoleName: aws.String(auditRole), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.AttachRolePolicy(t.Context(), &iam.AttachRolePolicyInput{RoleName: aws.String(auditRole), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}); err != nil {
			t.Fatal(err)
		}
	}
	// The caller: a read-only auditor in the emergency account.
	awsCaller(t, awsURL, "drill-auditor", "arn:aws:iam::aws:policy/ReadOnlyAccess",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::*:role/`+auditRole+`"}]}`)

	r := breakglass(t, dir, "drill", "--target", "aws", "--account-role", auditRole, "--format", "json", "--no-history")
	var report struct {
		Failed  int
		Results []scenarios.Result
	}
	if err := json.Unmarshal([]byte(r.stdout), &report); err != nil {
		t.Fatalf("exit %d, report %v:\n%s\n%s", r.code, err, r.stdout, r.stderr)
	}
	skipped := map[string]string{}
	for _, res := range report.Results {
		for _, s := range res.Steps {
			switch s.Status {
			case scenarios.Failed:
				t.Errorf("%s step %d (%s) failed: %s", res.Scenario, s.Index, s.Name, s.Detail)
			case scenarios.Skipped:
				if _, seen := skipped[res.Scenario+"/"+s.Action]; !seen {
					skipped[res.Scenario+"/"+s.Action] = s.Detail
				}
			}
		}
	}
	if r.code != 0 {
		t.Errorf("exit %d", r.code)
	}
	for key, want := range map[string]string{
		"fm1/iam-user/iam_user_sign_in":                    "--allow-changes",
		"fm2/idp-key-rotated/import_metadata":              "was skipped",
		"fm3/identity-center-disrupted/console_sign_in":    "not scripted",
		"return-to-normal/advance_clock":                   "no control API",
		"return-to-normal/caller_identity":                 "may depend on it",
		"fm2/certificate-expiry-warning/advance_clock":     "",
		"guardrails/least-privilege/assume_role_with_saml": "",
	} {
		got, ok := skipped[key]
		switch {
		case want == "" && ok:
			t.Errorf("%s was skipped: %s", key, got)
		case want != "" && !strings.Contains(got, want):
			t.Errorf("%s: skipped with %q, want a skip saying %q", key, got, want)
		}
	}

	// Without a role into the other accounts, the drill says which
	// account it cannot reach.
	r = breakglass(t, dir, "drill", "--target", "aws", "fm3/", "--no-history")
	if r.code != 1 || !strings.Contains(r.stdout, "no credentials for account 222222222222") {
		t.Errorf("without --account-role: exit %d\n%s", r.code, r.stdout)
	}
}

// TestDrillTargetAWSAllowChanges: with --allow-changes the break-glass
// user gets an access key for the drill, the drill cannot produce a real
// MFA device's codes and says so, and the key is deleted at the end.
func TestDrillTargetAWSAllowChanges(t *testing.T) {
	dir := t.TempDir()
	_, awsURL := startServeIn(t, dir)
	home := awsCaller(t, awsURL, "drill-operator", "arn:aws:iam::aws:policy/AdministratorAccess", "")

	r := breakglass(t, dir, "drill", "--target", "aws", "--allow-changes", "fm1/", "--no-history")
	if r.code != 0 || !strings.Contains(r.stdout, "the seed of MFA device arn:aws:iam::111111111111:mfa/EmergencyAccess is unknown to the drill") {
		t.Errorf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	keys, err := home.ListAccessKeys(t.Context(), &iam.ListAccessKeysInput{UserName: aws.String("EmergencyAccess")})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(keys.AccessKeyMetadata); n != 0 {
		t.Errorf("the break-glass user keeps %d access key(s) after the drill", n)
	}
}

// awsCaller makes an IAM user in the emergency account with a managed
// policy (and an inline one when given), and points the AWS SDK's default
// credential chain at the emulator as that user, as AWS_* variables would
// point it at AWS. AWS lets no root user assume a role, so the caller is a
// user. It returns the emergency account's root IAM client.
func awsCaller(t *testing.T, awsURL, user, managed, inline string) *iam.Client {
	t.Helper()
	home, err := rootIAMClients(awsURL)(t.Context(), "111111111111")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := home.CreateUser(t.Context(), &iam.CreateUserInput{UserName: aws.String(user)}); err != nil {
		t.Fatal(err)
	}
	if _, err := home.AttachUserPolicy(t.Context(), &iam.AttachUserPolicyInput{UserName: aws.String(user), PolicyArn: aws.String(managed)}); err != nil {
		t.Fatal(err)
	}
	if inline != "" {
		if _, err := home.PutUserPolicy(t.Context(), &iam.PutUserPolicyInput{UserName: aws.String(user), PolicyName: aws.String("drill"), PolicyDocument: aws.String(inline)}); err != nil {
			t.Fatal(err)
		}
	}
	key, err := home.CreateAccessKey(t.Context(), &iam.CreateAccessKeyInput{UserName: aws.String(user)})
	if err != nil {
		t.Fatal(err)
	}
	noAWS(t)
	t.Setenv("AWS_ENDPOINT_URL", awsURL)
	t.Setenv("AWS_ACCESS_KEY_ID", aws.ToString(key.AccessKey.AccessKeyId))
	t.Setenv("AWS_SECRET_ACCESS_KEY", aws.ToString(key.AccessKey.SecretAccessKey))
	t.Setenv("AWS_REGION", "us-east-1")
	return home
}
