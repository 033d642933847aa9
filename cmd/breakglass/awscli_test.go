package main

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// awsCLI runs Debian's AWS CLI v2 (/usr/bin/aws; an older 1.x may come
// first on PATH) against endpoint as the root of account, with a clean
// environment so no user configuration leaks in. make test installs it.
func awsCLI(t *testing.T, endpoint, account string, args ...string) (string, error) {
	t.Helper()
	const bin = "/usr/bin/aws"
	if _, err := exec.LookPath(bin); err != nil {
		t.Fatal("AWS CLI v2 not found at /usr/bin/aws: install Debian's awscli (make test does)")
	}
	home := t.TempDir()
	cmd := exec.CommandContext(t.Context(), bin, append([]string{"--endpoint-url", endpoint, "--output", "json"}, args...)...)
	cmd.Env = []string{
		"HOME=" + home, "PATH=/usr/bin:/bin",
		"AWS_ACCESS_KEY_ID=" + account, "AWS_SECRET_ACCESS_KEY=breakglass", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=" + home + "/config", "AWS_SHARED_CREDENTIALS_FILE=" + home + "/credentials",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=",
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestAWSCLIAgainstServe(t *testing.T) {
	_, awsURL := startServe(t)
	out, err := awsCLI(t, awsURL, "111111111111", "sts", "get-caller-identity")
	if err != nil || !strings.Contains(out, `"arn:aws:iam::111111111111:root"`) {
		t.Fatalf("get-caller-identity: %v\n%s", err, out)
	}
	out, err = awsCLI(t, awsURL, "111111111111", "iam", "list-roles")
	if err != nil {
		t.Fatalf("list-roles: %v\n%s", err, out)
	}
	var roles struct {
		Roles []struct{ RoleName, Arn string }
	}
	if err := json.Unmarshal([]byte(out), &roles); err != nil || len(roles.Roles) != 4 {
		t.Fatalf("list-roles output (%v):\n%s", err, out)
	}
	out, err = awsCLI(t, awsURL, "111111111111", "iam", "get-role", "--role-name", "NoSuchRole")
	if err == nil || !strings.Contains(out, "NoSuchEntity") {
		t.Errorf("get-role of a missing role: %v\n%s", err, out)
	}
	out, err = awsCLI(t, awsURL, "111111111111", "cloudtrail", "lookup-events", "--lookup-attributes", "AttributeKey=EventName,AttributeValue=ListRoles")
	if err != nil || !strings.Contains(out, `"EventName": "ListRoles"`) {
		t.Errorf("lookup-events: %v\n%s", err, out)
	}
}
