package history

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// helperEnv names the database the helper process writes; unset, the
// helper test does nothing.
const helperEnv = "BREAKGLASS_HISTORY_KILL_HELPER_DB"

var killT0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// killRun is run i of the kill test. The fourth is large (several MB of
// step details), so SQLite spills uncommitted pages into the WAL before the
// kill: recovery must ignore frames with no commit record.
func killRun(i int) Run {
	r := Run{Start: killT0.Add(time.Duration(i) * time.Hour), Target: fmt.Sprintf("run-%d", i), Duration: time.Second}
	drills, steps := 2, 3
	if i == 3 {
		drills, steps = 200, 40
	}
	for d := range drills {
		dr := Drill{Name: fmt.Sprintf("drill-%03d", d), Title: "t", Passed: true}
		for s := range steps {
			dr.Steps = append(dr.Steps, Step{Index: s + 1, Name: "s", Action: "sign_in", Status: "passed", Detail: strings.Repeat("d", 500)})
		}
		r.Drills = append(r.Drills, dr)
	}
	return r
}

// TestHelperProcess is not a test: TestKillDuringRecord runs the test
// binary again with only this test and helperEnv set. It records three runs,
// then opens a fourth transaction, says "ready" on stdout and waits to be
// killed.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		t.Skip("helper process of TestKillDuringRecord")
	}
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	for i := range 3 {
		if err := db.Record(ctx, killRun(i)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
	}
	err = db.record(ctx, killRun(3), func() {
		fmt.Println("ready")
		time.Sleep(time.Minute) // the parent kills us long before
		fmt.Fprintln(os.Stderr, "not killed")
		os.Exit(4)
	})
	fmt.Fprintln(os.Stderr, "the fourth run returned:", err)
	os.Exit(5)
}

// Killing the process while it records a run leaves the database readable
// with every earlier run intact and nothing of the interrupted one.
func TestKillDuringRecord(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("needs a killable subprocess")
	}
	path := filepath.Join(t.TempDir(), "history.db")
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+path)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if sc.Text() == "ready" {
				ready <- true
				return
			}
		}
		ready <- false
	}()
	select {
	case ok := <-ready:
		if !ok {
			cmd.Wait()
			t.Fatalf("the helper ended before its fourth transaction:\n%s", stderr.String())
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the helper did not get ready in 30s:\n%s", stderr.String())
	}

	// While the writer holds its transaction open, a reader sees the three
	// committed runs.
	reader, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if runs, err := reader.Runs(ctx, 0); err != nil || len(runs) != 3 {
		t.Errorf("during the open transaction: got %d runs, %v; want 3", len(runs), err)
	}
	reader.Close()

	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Exited() {
		t.Fatalf("the helper was not killed: %v\n%s", err, stderr.String())
	}
	if _, err := os.Stat(path + "-wal"); err != nil {
		t.Logf("no WAL left behind: %v", err)
	}

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("the database is unreadable after the kill: %v", err)
	}
	defer db.Close()
	var check string
	if err := db.sql.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check: %q, %v", check, err)
	}
	runs, err := db.Runs(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 3 {
		t.Fatalf("got %d runs, want the 3 recorded before the kill: %+v", len(runs), runs)
	}
	for i, r := range runs {
		want := killRun(2 - i)
		if r.Target != want.Target || !r.Start.Equal(want.Start) || r.Passed != len(want.Drills) || r.Failed != 0 {
			t.Errorf("run %d: got %+v, want target %s at %s with %d drills", i, r, want.Target, want.Start, len(want.Drills))
		}
	}
	counts := map[string]int{}
	for _, table := range []string{"runs", "drills", "steps"} {
		var n int
		if err := db.sql.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		counts[table] = n
	}
	if want := map[string]int{"runs": 3, "drills": 6, "steps": 18}; fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("rows: got %v, want %v (nothing of the killed run)", counts, want)
	}
	// The database still takes new runs.
	if err := db.Record(ctx, killRun(4)); err != nil {
		t.Errorf("record after the kill: %v", err)
	}
}
