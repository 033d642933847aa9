package main

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

type result struct {
	code           int
	stdout, stderr string
}

// breakglass runs the CLI in-process with its configuration directory in a
// temporary directory of the test.
func breakglass(t *testing.T, configDir string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := map[string]string{envConfigDir: configDir}
	code := run(t.Context(), args, strings.NewReader(""), &stdout, &stderr, func(k string) string { return env[k] })
	return result{code, stdout.String(), stderr.String()}
}

const role1ROGroup = "aws#EmergencyAccess_Role1_RO#111111111111"

func TestIdPMint(t *testing.T) {
	dir := t.TempDir()
	r := breakglass(t, dir, "idp", "mint", "--user", "alice", "--group", role1ROGroup)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	xml, err := base64.StdEncoding.DecodeString(strings.TrimSpace(r.stdout))
	if err != nil {
		t.Fatalf("stdout is not one base64 SAMLResponse: %v", err)
	}
	if !strings.Contains(string(xml), "arn:aws:iam::111111111111:saml-provider/Okta,arn:aws:iam::111111111111:role/EmergencyAccess_Role1_RO") {
		t.Errorf("response lacks the Role value:\n%s", xml)
	}
	key := filepath.Join(dir, "idp", "signing.key")
	st, err := os.Stat(key)
	if err != nil {
		t.Fatalf("signing key not generated in the config dir: %v", err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("signing key mode %o, want 600", st.Mode().Perm())
	}

	// The second run reuses the key: the metadata certificate is unchanged.
	md1 := breakglass(t, dir, "idp", "metadata")
	md2 := breakglass(t, dir, "idp", "metadata")
	if md1.code != 0 || md1.stdout != md2.stdout {
		t.Errorf("metadata differs between runs (exit %d)", md1.code)
	}
	cert := regexp.MustCompile(`<ds:X509Certificate>([^<]+)<`).FindStringSubmatch(md1.stdout)
	if cert == nil || !strings.Contains(string(xml), cert[1]) {
		t.Error("the response is not signed with the certificate of the metadata")
	}

	t.Run("xml", func(t *testing.T) {
		r := breakglass(t, dir, "idp", "mint", "--user", "bob", "--group", role1ROGroup, "--format", "xml", "--fault", "missing-role-session-name")
		if r.code != 0 || !strings.HasPrefix(r.stdout, "<saml2p:Response") || strings.Contains(r.stdout, "RoleSessionName") {
			t.Errorf("exit %d\n%s", r.code, r.stdout)
		}
	})
	t.Run("list faults", func(t *testing.T) {
		r := breakglass(t, dir, "idp", "mint", "--list-faults")
		if r.code != 0 || !strings.Contains(r.stdout, "foreign-key") || strings.Count(r.stdout, "\n") < 15 {
			t.Errorf("exit %d\n%s", r.code, r.stdout)
		}
	})
}

func TestIdPMintErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("version: 1\nidp: [\n"), 0o600)
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no user", []string{"idp", "mint"}, 2, "--user is required"},
		{"unknown user", []string{"idp", "mint", "--user", "eve"}, 2, "unknown user"},
		{"unknown group", []string{"idp", "mint", "--user", "alice", "--group", "admins"}, 2, "unknown group"},
		{"unknown fault", []string{"idp", "mint", "--user", "alice", "--fault", "gremlins"}, 2, "unknown fault"},
		{"no role", []string{"idp", "mint", "--user", "mallory"}, 1, "no AWS role"},
		{"bad format", []string{"idp", "mint", "--user", "alice", "--format", "pdf"}, 2, "--format"},
		{"bad flag", []string{"idp", "mint", "--usr", "alice"}, 2, "flag provided but not defined"},
		{"missing landscape", []string{"idp", "mint", "--user", "alice", "--landscape", "/nonexistent.yaml"}, 2, "nonexistent.yaml"},
		{"malformed landscape", []string{"idp", "metadata", "--landscape", bad}, 2, "bad.yaml:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := breakglass(t, dir, tc.args...)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d\nstderr: %s", r.code, tc.code, r.stderr)
			}
			if !strings.Contains(r.stderr, tc.want) {
				t.Errorf("stderr does not say %q:\n%s", tc.want, r.stderr)
			}
			if strings.Contains(r.stderr, "goroutine ") || r.stdout != "" {
				t.Errorf("stack trace or stdout output:\nstdout: %s\nstderr: %s", r.stdout, r.stderr)
			}
		})
	}
}

func TestSetUpErrorsExit2(t *testing.T) {
	t.Run("no command", func(t *testing.T) {
		r := breakglass(t, t.TempDir())
		if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, "Usage:") {
			t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("signing key open to others", func(t *testing.T) {
		dir := t.TempDir()
		if r := breakglass(t, dir, "idp", "metadata"); r.code != 0 {
			t.Fatalf("first run: exit %d\n%s", r.code, r.stderr)
		}
		if err := os.Chmod(filepath.Join(dir, "idp", "signing.key"), 0o644); err != nil {
			t.Fatal(err)
		}
		r := breakglass(t, dir, "idp", "metadata")
		if r.code != 2 || !strings.Contains(r.stderr, "chmod 600") {
			t.Errorf("exit %d\n%s", r.code, r.stderr)
		}
	})
	t.Run("list faults as json", func(t *testing.T) {
		r := breakglass(t, t.TempDir(), "idp", "mint", "--list-faults", "--format", "json")
		if r.code != 0 || !strings.HasPrefix(r.stdout, "[") {
			t.Errorf("exit %d\n%s", r.code, r.stdout)
		}
	})
}
