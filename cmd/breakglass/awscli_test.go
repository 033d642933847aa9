package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// awsCLI runs Debian's AWS CLI v2 (/usr/bin/aws; an older 1.x may come
// first on PATH) against endpoint as the root of account, with a clean
// environment so no user configuration leaks in. make test installs it.
func awsCLI(t *testing.T, endpoint, account string, args ...string) (string, error) {
	t.Helper()
	return awsCLIAs(t, endpoint, []string{"AWS_ACCESS_KEY_ID=" + account, "AWS_SECRET_ACCESS_KEY=breakglass"}, args...)
}

// awsCLIAs runs the AWS CLI with the given credential variables.
func awsCLIAs(t *testing.T, endpoint string, creds []string, args ...string) (string, error) {
	t.Helper()
	const bin = "/usr/bin/aws"
	if _, err := exec.LookPath(bin); err != nil {
		t.Fatal("AWS CLI v2 not found at /usr/bin/aws: install Debian's awscli (make test does)")
	}
	home := t.TempDir()
	cmd := exec.CommandContext(t.Context(), bin, append([]string{"--endpoint-url", endpoint, "--output", "json"}, args...)...)
	cmd.Env = append([]string{
		"HOME=" + home, "PATH=/usr/bin:/bin", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=" + home + "/config", "AWS_SHARED_CREDENTIALS_FILE=" + home + "/credentials",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=",
	}, creds...)
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

// TestAWSCLIFederation sets the emergency path up by hand on a bare
// emulator with the AWS CLI v2, as a customer would on AWS, then federates
// with a response from `breakglass idp mint` and chains into the workload
// account.
func TestAWSCLIFederation(t *testing.T) {
	dir := t.TempDir()
	_, awsURL := startServeIn(t, dir, "--bare")
	md := breakglass(t, dir, "idp", "metadata")
	if md.code != 0 {
		t.Fatalf("idp metadata: %s", md.stderr)
	}
	files := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(files, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return "file://" + p
	}
	mustCLI := func(account string, args ...string) string {
		t.Helper()
		out, err := awsCLI(t, awsURL, account, args...)
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	mustCLI("111111111111", "iam", "create-saml-provider", "--name", "Okta", "--saml-metadata-document", write("md.xml", md.stdout))
	mustCLI("111111111111", "iam", "create-role", "--role-name", "EmergencyAccess_Role1_RO", "--assume-role-policy-document", write("trust.json",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111111111111:saml-provider/Okta"},"Action":["sts:AssumeRoleWithSAML","sts:SetSourceIdentity","sts:TagSession"],"Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}}}]}`))
	mustCLI("111111111111", "iam", "put-role-policy", "--role-name", "EmergencyAccess_Role1_RO", "--policy-name", "AssumeWorkloadRole", "--policy-document", write("perm.json",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:SetSourceIdentity"],"Resource":"arn:aws:iam::222222222222:role/EmergencyAccess_RO"}]}`))
	mustCLI("222222222222", "iam", "create-role", "--role-name", "EmergencyAccess_RO", "--assume-role-policy-document", write("wtrust.json",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/EmergencyAccess_Role1_RO"},"Action":["sts:AssumeRole","sts:SetSourceIdentity"]}]}`))
	mustCLI("222222222222", "iam", "attach-role-policy", "--role-name", "EmergencyAccess_RO", "--policy-arn", "arn:aws:iam::aws:policy/ReadOnlyAccess")

	m := breakglass(t, dir, "idp", "mint", "--user", "alice", "--group", role1ROGroup)
	if m.code != 0 {
		t.Fatalf("mint: %s", m.stderr)
	}
	out := mustCLI("111111111111", "sts", "assume-role-with-saml",
		"--role-arn", "arn:aws:iam::111111111111:role/EmergencyAccess_Role1_RO",
		"--principal-arn", "arn:aws:iam::111111111111:saml-provider/Okta",
		"--saml-assertion", strings.TrimSpace(m.stdout))
	var fed struct {
		Credentials struct{ AccessKeyId, SecretAccessKey, SessionToken string }
	}
	if err := json.Unmarshal([]byte(out), &fed); err != nil || fed.Credentials.AccessKeyId == "" {
		t.Fatalf("assume-role-with-saml output (%v):\n%s", err, out)
	}
	as := func(c struct{ AccessKeyId, SecretAccessKey, SessionToken string }) []string {
		return []string{"AWS_ACCESS_KEY_ID=" + c.AccessKeyId, "AWS_SECRET_ACCESS_KEY=" + c.SecretAccessKey, "AWS_SESSION_TOKEN=" + c.SessionToken}
	}
	out, err := awsCLIAs(t, awsURL, as(fed.Credentials), "sts", "assume-role",
		"--role-arn", "arn:aws:iam::222222222222:role/EmergencyAccess_RO", "--role-session-name", "alice")
	if err != nil {
		t.Fatalf("assume-role: %v\n%s", err, out)
	}
	var hop struct {
		Credentials struct{ AccessKeyId, SecretAccessKey, SessionToken string }
	}
	if err := json.Unmarshal([]byte(out), &hop); err != nil {
		t.Fatal(err)
	}
	out, err = awsCLIAs(t, awsURL, as(hop.Credentials), "sts", "get-caller-identity")
	if err != nil || !strings.Contains(out, `"arn:aws:sts::222222222222:assumed-role/EmergencyAccess_RO/alice"`) {
		t.Errorf("get-caller-identity: %v\n%s", err, out)
	}
}
