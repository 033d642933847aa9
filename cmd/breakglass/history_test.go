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

// breakglassWithEnv runs the CLI in-process with exactly env as its
// environment.
func breakglassWithEnv(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), args, strings.NewReader(""), &stdout, &stderr, func(k string) string { return env[k] })
	return result{code, stdout.String(), stderr.String()}
}

type historyReport struct {
	Database string
	Runs     []struct {
		ID             int64
		Target         string
		Passed, Failed int
	}
	Drills []struct {
		Drill       string
		Runs        int
		LastPass    string `json:"last_pass"`
		LastFailure string `json:"last_failure"`
		FailingStep *struct {
			Index        int
			Name, Detail string
		} `json:"failing_step"`
	}
}

func readHistory(t *testing.T, db string) historyReport {
	t.Helper()
	r := breakglass(t, t.TempDir(), "history", "--history", db, "--format", "json")
	if r.code != 0 {
		t.Fatalf("history: exit %d\n%s", r.code, r.stderr)
	}
	var rep historyReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("history --format json: %v\n%s", err, r.stdout)
	}
	return rep
}

// A passing and a failing run are recorded; history shows both, and for
// the drill its last pass and its last failure with the failing step.
func TestDrillRecordsHistory(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(t.TempDir(), "data", "history.db")
	const drill = "fm3/identity-center-disrupted"

	if r := breakglass(t, dir, "drill", drill, "--history", db); r.code != 0 {
		t.Fatalf("drill: exit %d\n%s", r.code, r.stderr)
	}
	broken := strings.Replace(string(landscape.DefaultYAML()), "      enabled: false", "      enabled: true", 1)
	bad := filepath.Join(t.TempDir(), "broken.yaml")
	if err := os.WriteFile(bad, []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := breakglass(t, dir, "drill", drill, "--landscape", bad, "--history", db); r.code != 1 {
		t.Fatalf("drill on a broken landscape: exit %d, want 1\n%s", r.code, r.stderr)
	}

	rep := readHistory(t, db)
	if len(rep.Runs) != 2 || rep.Runs[0].Failed != 1 || rep.Runs[1].Passed != 1 || rep.Runs[0].Target != "embedded" {
		t.Errorf("runs: got %+v, want the failed run then the passed one", rep.Runs)
	}
	if len(rep.Drills) != 1 {
		t.Fatalf("drills: got %+v", rep.Drills)
	}
	d := rep.Drills[0]
	if d.Drill != drill || d.Runs != 2 || d.LastPass == "" || d.LastFailure == "" || d.LastFailure < d.LastPass {
		t.Errorf("drill: got %+v", d)
	}
	if d.FailingStep == nil || !strings.Contains(d.FailingStep.Detail, "expected AppDisabled") {
		t.Errorf("failing step: got %+v, want the AppDisabled failure", d.FailingStep)
	}

	r := breakglass(t, dir, "history", "--history", db)
	if r.code != 0 {
		t.Fatalf("history: exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"STARTED", "embedded", "LAST FAILURE", drill, "expected AppDisabled"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("history text lacks %q:\n%s", want, r.stdout)
		}
	}
	if r := breakglass(t, dir, "history", "--history", db, "--limit", "1", "--format", "json"); strings.Count(r.stdout, `"target"`) != 1 {
		t.Errorf("--limit 1 lists more than one run:\n%s", r.stdout)
	}
}

func TestDrillHistoryPath(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string // besides the config directory
		args []string
		want string // relative to the test's directory; "" means no database anywhere
	}{
		{"XDG_DATA_HOME", map[string]string{"XDG_DATA_HOME": "xdg", "HOME": "home"}, nil, "xdg/breakglass/history.db"},
		{"HOME", map[string]string{"HOME": "home"}, nil, "home/.local/share/breakglass/history.db"},
		{"BREAKGLASS_HISTORY", map[string]string{envHistory: "env.db", "HOME": "home"}, nil, "env.db"},
		{"flag", map[string]string{envHistory: "env.db"}, []string{"--history", "flag.db"}, "flag.db"},
		{"no-history", map[string]string{"HOME": "home"}, []string{"--no-history"}, ""},
		{"nothing set", map[string]string{}, nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tmp := t.TempDir()
			env := map[string]string{envConfigDir: filepath.Join(tmp, "config")}
			for k, v := range tc.env {
				env[k] = filepath.Join(tmp, v)
			}
			var args []string
			for _, a := range tc.args {
				if strings.HasSuffix(a, ".db") {
					a = filepath.Join(tmp, a)
				}
				args = append(args, a)
			}
			r := breakglassWithEnv(t, env, append([]string{"--log-level", "debug", "drill", "errors/unsigned"}, args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d\n%s", r.code, r.stderr)
			}
			var dbs []string
			filepath.WalkDir(tmp, func(p string, d os.DirEntry, err error) error {
				if err == nil && strings.HasSuffix(p, ".db") {
					rel, _ := filepath.Rel(tmp, p)
					dbs = append(dbs, filepath.ToSlash(rel))
				}
				return nil
			})
			switch {
			case tc.want == "" && len(dbs) > 0:
				t.Errorf("got databases %v, want none", dbs)
			case tc.want != "" && (len(dbs) != 1 || dbs[0] != tc.want):
				t.Errorf("got databases %v, want %s", dbs, tc.want)
			}
			if tc.name == "nothing set" && !strings.Contains(r.stderr, "run not recorded: no history database") {
				t.Errorf("no debug line says why the run was not recorded:\n%s", r.stderr)
			}
			if tc.want != "" {
				if rep := readHistory(t, filepath.Join(tmp, tc.want)); len(rep.Runs) != 1 {
					t.Errorf("got %d runs recorded, want 1", len(rep.Runs))
				}
			}
		})
	}
}

// A history that cannot be written is a warning: the drill's verdict
// stands.
func TestDrillHistoryFailureIsAWarning(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "history.db")
	if err := os.WriteFile(bad, bytes.Repeat([]byte("not a database\n"), 100), 0o600); err != nil {
		t.Fatal(err)
	}
	r := breakglass(t, t.TempDir(), "drill", "errors/unsigned", "--history", bad)
	if r.code != 0 || !strings.Contains(r.stderr, "level=WARN") || !strings.Contains(r.stderr, "not recorded") {
		t.Errorf("exit %d, want 0 with a warning\n%s", r.code, r.stderr)
	}
}

func TestHistoryCommand(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(t.TempDir(), "none", "history.db")
	t.Run("missing database", func(t *testing.T) {
		r := breakglass(t, dir, "history", "--history", missing)
		if r.code != 0 || !strings.Contains(r.stdout, "no drill runs recorded yet") {
			t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		if _, err := os.Stat(filepath.Dir(missing)); !os.IsNotExist(err) {
			t.Error("history created the database it was only asked to read")
		}
		r = breakglass(t, dir, "history", "--history", missing, "--format", "json")
		if r.code != 0 || !strings.Contains(r.stdout, `"runs": []`) || !strings.Contains(r.stdout, `"drills": []`) {
			t.Errorf("json: exit %d\n%s", r.code, r.stdout)
		}
	})
	t.Run("empty database", func(t *testing.T) {
		empty := filepath.Join(t.TempDir(), "history.db")
		if err := os.WriteFile(empty, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		r := breakglass(t, dir, "history", "--history", empty)
		if r.code != 0 || !strings.Contains(r.stdout, "no drill runs recorded yet") {
			t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("corrupt database", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "history.db")
		if err := os.WriteFile(bad, bytes.Repeat([]byte("not a database\n"), 100), 0o600); err != nil {
			t.Fatal(err)
		}
		r := breakglass(t, dir, "history", "--history", bad)
		if r.code != 2 || !strings.Contains(r.stderr, "not a readable breakglass history database") {
			t.Errorf("exit %d, want 2\n%s", r.code, r.stderr)
		}
	})
	t.Run("usage", func(t *testing.T) {
		for _, args := range [][]string{
			{"history", "--format", "xml", "--history", missing},
			{"history", "--limit", "-1", "--history", missing},
			{"history", "extra", "--history", missing},
			{"history"}, // no --history, and no HOME in the test's environment
		} {
			if r := breakglass(t, dir, args...); r.code != 2 {
				t.Errorf("%v: exit %d, want 2\n%s", args, r.code, r.stderr)
			}
		}
		if r := breakglass(t, dir, "history", "-h"); r.code != 0 || !strings.Contains(r.stdout, "--limit") {
			t.Errorf("-h: exit %d\n%s", r.code, r.stdout)
		}
	})
}
