package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/breakglass-dev/breakglass/landscape"
)

type landscapeResult struct {
	code           int
	stdout, stderr string
}

// landscapeRun runs breakglass in-process with args.
func landscapeRun(t *testing.T, args ...string) landscapeResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := map[string]string{"HOME": t.TempDir()}
	code := run(t.Context(), args, strings.NewReader(""), &stdout, &stderr, func(k string) string { return env[k] })
	return landscapeResult{code, stdout.String(), stderr.String()}
}

// writeLandscape writes data to a file in a new temporary directory.
func writeLandscape(t *testing.T, data string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "landscape.yaml")
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// badLandscape has several problems of both passes: an unknown key, an
// account id of 11 digits, a trust policy that names an undefined SAML
// provider and an invalid group filter.
const badLandscape = `version: 1
idp:
  entity_id: urn:test
  apps:
    - id: aws
      group_filter: '^aws\#(?{{role}}[\w\-+)\#(?{{accountid}}\d+)$'
      role_value_pattern: 'arn:aws:iam::${accountid}:saml-provider/Okta,arn:aws:iam::${accountid}:role/${role}'
accounts:
  - id: 11111111111
    kind: emergency
  - id: "222222222222"
    kind: workload
    colour: blue
    roles:
      - name: W
        trust_policy:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Principal: {Federated: "arn:aws:iam::222222222222:saml-provider/Missing"}
              Action: sts:AssumeRoleWithSAML
`

func TestLandscapeValidate(t *testing.T) {
	good := writeLandscape(t, string(landscape.DefaultYAML()))
	bad := writeLandscape(t, badLandscape)
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout []string // lines, in order
		wantStderr string   // substring
	}{
		{"built-in default", nil, 0, []string{"built-in default: ok (4 accounts, 9 roles, 4 IdP users, 1 app)"}, ""},
		{"file", []string{good}, 0, []string{good + ": ok (4 accounts, 9 roles, 4 IdP users, 1 app)"}, ""},
		{"problems", []string{bad}, 1, []string{
			bad + `:6:21: idp.apps[0].group_filter: group filter "^aws\\#(?{{role}}[\\w\\-+)\\#(?{{accountid}}\\d+)$" is not a valid regular expression: error parsing regexp: missing closing ]: ` + "`[\\w\\-+)\\#(?P<accountid>\\d+)$)$`",
			bad + `:9:9: accounts[0].id: an account id is 12 digits, got "11111111111"`,
			bad + `:13:5: accounts[1].colour: unknown key "colour"; allowed keys: groups, id, kind, name, policies, roles, saml_providers, users`,
			bad + `:20:38: accounts[1].roles[0].trust_policy.Statement[0].Principal.Federated: SAML provider Missing is not declared in account 222222222222`,
		}, "breakglass landscape validate: 4 problems"},
		{"missing file", []string{filepath.Join(t.TempDir(), "absent.yaml")}, 2, nil, "no such file or directory"},
		{"two files", []string{good, good}, 2, nil, "want at most one FILE, got 2 arguments"},
		{"unknown flag", []string{"--strict", good}, 2, nil, "flag provided but not defined: -strict"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := landscapeRun(t, append([]string{"landscape", "validate"}, tt.args...)...)
			if r.code != tt.wantCode {
				t.Errorf("exit code: got %d, want %d (stderr %q)", r.code, tt.wantCode, r.stderr)
			}
			if want := strings.Join(tt.wantStdout, "\n"); strings.TrimSuffix(r.stdout, "\n") != want {
				t.Errorf("stdout:\ngot\n%s\nwant\n%s", r.stdout, want)
			}
			if !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("stderr: got %q, want it to contain %q", r.stderr, tt.wantStderr)
			}
		})
	}
}

func TestLandscapeShow(t *testing.T) {
	bad := writeLandscape(t, badLandscape)
	t.Run("text", func(t *testing.T) {
		r := landscapeRun(t, "landscape", "show")
		if r.code != 0 {
			t.Fatalf("exit code: got %d, want 0 (stderr %q)", r.code, r.stderr)
		}
		var want bytes.Buffer
		if err := landscape.WriteMappingTable(&want, landscape.Default().Mapping()); err != nil {
			t.Fatal(err)
		}
		if r.stdout != want.String() {
			t.Errorf("stdout:\ngot\n%s\nwant\n%s", r.stdout, want.String())
		}
		for _, w := range []string{
			"ACCOUNT", "IDP GROUP",
			"Account 1 (222222222222)",
			"aws#EmergencyAccess_Role1_RO#111111111111 (via EmergencyAccess_Role1_RO)",
			`IdP app "aws" is disabled`,
		} {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("stdout lacks %q", w)
			}
		}
	})
	t.Run("json", func(t *testing.T) {
		r := landscapeRun(t, "landscape", "show", "--format", "json")
		if r.code != 0 {
			t.Fatalf("exit code: got %d, want 0 (stderr %q)", r.code, r.stderr)
		}
		var got struct {
			File    string
			Name    string
			Mapping []landscape.MappingRow
		}
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
		}
		if got.File != landscape.DefaultName || got.Name != "default" || len(got.Mapping) != 9 {
			t.Errorf("got file %q name %q %d rows, want %q default 9", got.File, got.Name, len(got.Mapping), landscape.DefaultName)
		}
		if g := got.Mapping[4].IdPGroups; len(g) != 1 || len(g[0].Via) != 1 || g[0].Via[0] != "EmergencyAccess_Role1_RO" {
			t.Errorf("row 4 groups: got %+v, want one via EmergencyAccess_Role1_RO", g)
		}
	})
	t.Run("file with flag after it", func(t *testing.T) {
		p := writeLandscape(t, string(landscape.DefaultYAML()))
		r := landscapeRun(t, "landscape", "show", p, "--format", "json")
		if r.code != 0 || !strings.Contains(r.stdout, `"file": "`+p+`"`) {
			t.Errorf("got exit %d stdout %q", r.code, r.stdout)
		}
	})
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{"bad format", []string{"--format", "yaml"}, 2, `--format must be text or json, not "yaml"`},
		{"invalid file", []string{bad}, 1, bad + ":13:5: accounts[1].colour: unknown key"},
		{"missing file", []string{filepath.Join(t.TempDir(), "absent.yaml")}, 2, "no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := landscapeRun(t, append([]string{"landscape", "show"}, tt.args...)...)
			if r.code != tt.wantCode {
				t.Errorf("exit code: got %d, want %d", r.code, tt.wantCode)
			}
			if r.stdout != "" {
				t.Errorf("stdout: got %q, want nothing", r.stdout)
			}
			if !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("stderr: got %q, want it to contain %q", r.stderr, tt.wantStderr)
			}
		})
	}
}

func TestLandscapeSchema(t *testing.T) {
	r := landscapeRun(t, "landscape", "schema")
	if r.code != 0 {
		t.Fatalf("exit code: got %d, want 0", r.code)
	}
	if r.stdout != string(landscape.Schema) {
		t.Error("stdout differs from landscape.Schema")
	}
	if !json.Valid([]byte(r.stdout)) {
		t.Error("stdout is not JSON")
	}
	if r := landscapeRun(t, "landscape", "schema", "extra"); r.code != 2 {
		t.Errorf("with an argument: got exit %d, want 2", r.code)
	}
}

func TestLandscapeHelp(t *testing.T) {
	for _, cmd := range []string{"show", "validate", "schema"} {
		t.Run(cmd, func(t *testing.T) {
			r := landscapeRun(t, "landscape", cmd, "-h")
			if r.code != 0 || !strings.HasPrefix(r.stdout, "Usage: breakglass landscape "+cmd) {
				t.Errorf("got exit %d stdout %q", r.code, r.stdout)
			}
		})
	}
}
