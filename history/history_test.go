package history_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/breakglass-dev/breakglass/history"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func open(t *testing.T, path string) *history.DB {
	t.Helper()
	db, err := history.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func drill(name string, failAt int) history.Drill {
	d := history.Drill{Name: name, Title: "title of " + name, Passed: failAt == 0, Duration: time.Second}
	for i := 1; i <= 3; i++ {
		s := history.Step{Index: i, Name: fmt.Sprintf("step %d", i), Action: "sign_in", Status: "passed", Duration: time.Millisecond}
		if i == failAt {
			s.Status, s.Detail = "failed", fmt.Sprintf("%s: expected success, got AccessDenied", name)
		}
		d.Steps = append(d.Steps, s)
		if i == failAt {
			break
		}
	}
	return d
}

func TestRecordAndReadBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "dir", "history.db")
	db := open(t, path)

	if runs, err := db.Runs(t.Context(), 0); err != nil || len(runs) != 0 {
		t.Fatalf("empty database: got %v, %v; want no runs", runs, err)
	}
	runs := []history.Run{
		{Start: t0, Target: "embedded", Duration: 2 * time.Second, Drills: []history.Drill{drill("fm1/a", 0), drill("fm2/b", 0)}},
		{Start: t0.Add(time.Hour), Target: "http://127.0.0.1:4566", Duration: 3 * time.Second, Drills: []history.Drill{drill("fm1/a", 2), drill("fm2/b", 0)}},
		{Start: t0.Add(2 * time.Hour), Target: "embedded", Duration: time.Second, Drills: []history.Drill{drill("fm1/a", 0)}},
	}
	for _, r := range runs {
		if err := db.Record(t.Context(), r); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Record(t.Context(), history.Run{Target: "embedded"}); err == nil {
		t.Error("recorded a run without a start time")
	}

	got, err := db.Runs(t.Context(), 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []history.RunSummary{
		{ID: 3, Start: t0.Add(2 * time.Hour), Target: "embedded", Duration: time.Second, Passed: 1, Failed: 0},
		{ID: 2, Start: t0.Add(time.Hour), Target: "http://127.0.0.1:4566", Duration: 3 * time.Second, Passed: 1, Failed: 1},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Runs(2):\ngot  %v\nwant %v", got, want)
	}

	sum, err := db.DrillSummary(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(sum) != 2 {
		t.Fatalf("got %d drills, want 2: %+v", len(sum), sum)
	}
	a, b := sum[0], sum[1]
	if a.Name != "fm1/a" || a.Title != "title of fm1/a" || a.Runs != 3 || a.Passes != 2 || a.Failures != 1 ||
		!a.LastPass.Equal(t0.Add(2*time.Hour)) || !a.LastFailure.Equal(t0.Add(time.Hour)) {
		t.Errorf("fm1/a: got %+v", a)
	}
	if a.FailingStep == nil || a.FailingStep.Index != 2 || a.FailingStep.Name != "step 2" || !strings.Contains(a.FailingStep.Detail, "AccessDenied") {
		t.Errorf("fm1/a failing step: got %+v", a.FailingStep)
	}
	if b.Name != "fm2/b" || b.Runs != 2 || b.Failures != 0 || !b.LastFailure.IsZero() || b.FailingStep != nil || !b.LastPass.Equal(t0.Add(time.Hour)) {
		t.Errorf("fm2/b: got %+v", b)
	}

	// Reopening keeps everything and does not migrate again.
	db.Close()
	db = open(t, path)
	if all, err := db.Runs(t.Context(), 0); err != nil || len(all) != 3 {
		t.Errorf("after reopening: got %d runs, %v; want 3", len(all), err)
	}

	for _, p := range []string{filepath.Dir(path), path} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]os.FileMode{true: 0o700, false: 0o600}[st.IsDir()]; st.Mode().Perm() != want {
			t.Errorf("%s: mode %o, want %o", p, st.Mode().Perm(), want)
		}
	}
}

func TestOpenRejectsOtherFiles(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.db")
	os.WriteFile(text, []byte(strings.Repeat("this is not a database\n", 200)), 0o600)
	if _, err := history.Open(t.Context(), text); !errors.Is(err, history.ErrCorrupt) {
		t.Errorf("text file: got %v, want ErrCorrupt", err)
	}
	if b, _ := os.ReadFile(text); !strings.HasPrefix(string(b), "this is not a database") {
		t.Error("Open changed a file that is not a database")
	}

	// A damaged header.
	good := filepath.Join(dir, "damaged.db")
	db := open(t, good)
	if err := db.Record(t.Context(), history.Run{Start: t0, Drills: []history.Drill{drill("x", 0)}}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	os.Remove(good + "-wal")
	os.Remove(good + "-shm")
	b, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	copy(b, "garbage garbage garbage ")
	os.WriteFile(good, b, 0o600)
	if _, err := history.Open(t.Context(), good); !errors.Is(err, history.ErrCorrupt) {
		t.Errorf("damaged file: got %v, want ErrCorrupt", err)
	}
}

// Readers keep working while another connection writes: WAL gives them a
// snapshot, the busy timeout covers the short locks.
func TestConcurrentReaders(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	writer := open(t, path)
	const runs = 30
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	done := make(chan struct{})
	wg.Go(func() {
		defer close(done)
		for i := range runs {
			r := history.Run{Start: t0.Add(time.Duration(i) * time.Minute), Target: "embedded", Drills: []history.Drill{drill("fm1/a", i%2*2), drill("fm2/b", 0)}}
			if err := writer.Record(t.Context(), r); err != nil {
				errs <- fmt.Errorf("record %d: %w", i, err)
				return
			}
		}
	})
	for r := range 4 {
		reader := open(t, path) // its own pool, as another process would have
		wg.Go(func() {
			last := 0
			for {
				select {
				case <-done:
					return
				default:
				}
				got, err := reader.Runs(t.Context(), 0)
				if err != nil {
					errs <- fmt.Errorf("reader %d: %w", r, err)
					return
				}
				if len(got) < last {
					errs <- fmt.Errorf("reader %d: runs went from %d to %d", r, last, len(got))
				}
				last = len(got)
				sum, err := reader.DrillSummary(t.Context())
				if err != nil {
					errs <- fmt.Errorf("reader %d: %w", r, err)
					return
				}
				for _, s := range sum {
					if s.Passes+s.Failures != s.Runs {
						errs <- fmt.Errorf("reader %d: inconsistent summary %+v", r, s)
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got, err := writer.Runs(t.Context(), 0); err != nil || len(got) != runs {
		t.Errorf("got %d runs, %v; want %d", len(got), err, runs)
	}
}

// OpenReadOnly reads what Open wrote and never writes: not a missing
// file, not a foreign file, not an empty one, not a new run.
func TestOpenReadOnly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "history.db")
	db := open(t, path)
	if err := db.Record(t.Context(), history.Run{Start: t0, Target: "embedded", Drills: []history.Drill{drill("fm1", 0), drill("fm2", 2)}}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	ro, err := history.OpenReadOnly(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	runs, err := ro.Runs(t.Context(), 0)
	if err != nil || len(runs) != 1 || runs[0].Failed != 1 {
		t.Errorf("Runs read-only: got %+v, %v; want one run with one failed drill", runs, err)
	}
	if err := ro.Record(t.Context(), history.Run{Start: t0.Add(time.Hour), Drills: []history.Drill{drill("x", 0)}}); err == nil {
		t.Error("Record through a read-only handle succeeded")
	}

	missing := filepath.Join(dir, "missing.db")
	if _, err := history.OpenReadOnly(t.Context(), missing); err == nil {
		t.Error("missing file: want an error")
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("OpenReadOnly created %s", missing)
	}
	empty := filepath.Join(dir, "empty.db")
	os.WriteFile(empty, nil, 0o600)
	if _, err := history.OpenReadOnly(t.Context(), empty); !errors.Is(err, history.ErrEmpty) {
		t.Errorf("empty file: got %v, want ErrEmpty", err)
	}
	if fi, _ := os.Stat(empty); fi.Size() != 0 {
		t.Error("OpenReadOnly wrote to an empty file")
	}
	text := filepath.Join(dir, "notes.db")
	os.WriteFile(text, []byte(strings.Repeat("this is not a database\n", 200)), 0o600)
	if _, err := history.OpenReadOnly(t.Context(), text); !errors.Is(err, history.ErrCorrupt) {
		t.Errorf("text file: got %v, want ErrCorrupt", err)
	}
}
