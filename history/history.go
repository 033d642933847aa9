// Package history keeps the record of drill runs in a local SQLite
// database, the evidence an auditor asks for: which drills ran, when, and
// for each drill the last pass and the last failure with its failing step.
//
// A run is written in one transaction, so a crash or a kill while recording
// loses at most that run and never an earlier one. The database is in WAL
// mode with synchronous=FULL: every commit is on disk before Record returns,
// which survives a power loss as well as a killed process.
//
// The package stores what it is given; callers pass step details that carry
// no credentials (the drill reports already leave them out).
package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrCorrupt reports a file that is not a readable breakglass history
// database: damaged, another application's database, or not SQLite at all.
var ErrCorrupt = errors.New("not a readable breakglass history database")

// applicationID marks the file as ours in the SQLite header ("BGLS"), so a
// foreign database is refused rather than migrated
// (https://www.sqlite.org/pragma.html#pragma_application_id).
const applicationID = 0x42474c53

// busyTimeout is how long a statement waits for a lock another connection
// or process holds before it fails with SQLITE_BUSY.
const busyTimeout = 10 * time.Second

// migrations bring the schema from version i to i+1. Append only: a
// released migration never changes.
var migrations = []string{
	// 1: runs, their drills and the drills' steps. Times are Unix
	// nanoseconds (UTC), durations nanoseconds.
	`PRAGMA application_id = ` + fmt.Sprint(applicationID) + `;
CREATE TABLE runs (
	id          INTEGER PRIMARY KEY,
	started_at  INTEGER NOT NULL,
	target      TEXT    NOT NULL,
	duration_ns INTEGER NOT NULL
);
CREATE INDEX runs_started_at ON runs (started_at);
CREATE TABLE drills (
	id          INTEGER PRIMARY KEY,
	run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	name        TEXT    NOT NULL,
	title       TEXT    NOT NULL,
	passed      INTEGER NOT NULL CHECK (passed IN (0, 1)),
	duration_ns INTEGER NOT NULL
);
CREATE INDEX drills_run ON drills (run_id);
CREATE INDEX drills_name ON drills (name, passed);
CREATE TABLE steps (
	drill_id    INTEGER NOT NULL REFERENCES drills (id) ON DELETE CASCADE,
	idx         INTEGER NOT NULL,
	name        TEXT    NOT NULL,
	action      TEXT    NOT NULL,
	status      TEXT    NOT NULL,
	detail      TEXT    NOT NULL,
	duration_ns INTEGER NOT NULL,
	PRIMARY KEY (drill_id, idx)
);`,
}

// Run is one invocation of breakglass drill.
type Run struct {
	// Start is when the run began; it orders the history. Required.
	Start  time.Time
	Target string
	// Duration is the wall time of the whole run.
	Duration time.Duration
	Drills   []Drill
}

// Drill is one drill's outcome within a run.
type Drill struct {
	Name     string
	Title    string
	Passed   bool
	Duration time.Duration
	Steps    []Step
}

// Step is one step's outcome. Status is "passed", "failed" or "skipped".
// Detail must not contain credentials.
type Step struct {
	Index    int           `json:"index"`
	Name     string        `json:"name"`
	Action   string        `json:"action"`
	Status   string        `json:"status"`
	Detail   string        `json:"detail,omitempty"`
	Duration time.Duration `json:"duration_ns"`
}

// RunSummary is a recorded run with its counts of passed and failed drills.
type RunSummary struct {
	ID       int64         `json:"id"`
	Start    time.Time     `json:"started_at"`
	Target   string        `json:"target"`
	Duration time.Duration `json:"duration_ns"`
	Passed   int           `json:"passed"`
	Failed   int           `json:"failed"`
}

// DrillStatus is what the history says about one drill.
type DrillStatus struct {
	Name string `json:"drill"`
	// Title is the drill's title in its latest run.
	Title    string `json:"title"`
	Runs     int    `json:"runs"`
	Passes   int    `json:"passes"`
	Failures int    `json:"failures"`
	// LastPass and LastFailure are the start times of the latest runs in
	// which the drill passed and failed; zero when it never did.
	LastPass    time.Time `json:"last_pass,omitzero"`
	LastFailure time.Time `json:"last_failure,omitzero"`
	// FailingStep is the step that failed in the last failure; nil when
	// the drill never failed (or failed with no step marked failed).
	FailingStep *Step `json:"failing_step,omitempty"`
}

// DB is an open history database. It is safe for concurrent use, also by
// several processes on the same file.
type DB struct {
	sql  *sql.DB
	path string
}

// Open opens the history database at path, creating its directory (mode
// 0700) and the file (mode 0600) when missing, and brings the schema up to
// date. A file that is not a breakglass history database gives an error
// wrapping ErrCorrupt.
func Open(ctx context.Context, path string) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open history %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("open history: %w", err)
	}
	// Create the file ourselves so that it (and the -wal and -shm files,
	// which SQLite creates with the database's mode) is private: step
	// details name accounts and roles.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open history: %w", err)
	}
	f.Close()

	// The pragmas run on every new connection of the pool.
	// synchronous=FULL syncs the WAL on every commit: a recorded run
	// survives a power loss, not only a killed process, and a drill run
	// commits once, so the cost does not matter
	// (https://www.sqlite.org/pragma.html#pragma_synchronous).
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate") // writers take the write lock at BEGIN
	dsn := (&url.URL{Scheme: "file", OmitHost: true, Path: abs, RawQuery: q.Encode()}).String()
	sdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open history %s: %w", path, err)
	}
	db := &DB{sql: sdb, path: path}
	if err := db.migrate(ctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("open history %s: %w", path, err)
	}
	return db, nil
}

// ErrEmpty marks a history file that holds no schema yet (created, never
// written): there is nothing to read.
var ErrEmpty = errors.New("history database is empty")

// OpenReadOnly opens an existing history database for reading only: it
// never creates, migrates or otherwise writes the file, so it works on a
// copy the user may not write (a CI artifact, another user's file). The
// schema must be the one this breakglass writes; an older one asks for a
// recording run to upgrade it, a newer one for a newer breakglass. A file
// without a schema gives ErrEmpty; another application's file ErrCorrupt.
func OpenReadOnly(ctx context.Context, path string) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open history %s: %w", path, err)
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("open history: %w", err)
	}
	open := func(flag string) (*sql.DB, int64, int, error) {
		q := url.Values{}
		q.Set(flag, map[string]string{"mode": "ro", "immutable": "1"}[flag])
		q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
		dsn := (&url.URL{Scheme: "file", OmitHost: true, Path: abs, RawQuery: q.Encode()}).String()
		sdb, err := sql.Open("sqlite", dsn)
		if err != nil {
			return nil, 0, 0, err
		}
		appID, v, err := version(ctx, sdb)
		if err != nil {
			sdb.Close()
			return nil, 0, 0, err
		}
		return sdb, appID, v, nil
	}
	sdb, appID, v, err := open("mode")
	var se *sqlite.Error
	if errors.As(err, &se) && (se.Code()&0xff == sqlite3.SQLITE_READONLY || se.Code()&0xff == sqlite3.SQLITE_CANTOPEN) {
		// A WAL database in a directory we cannot write: SQLite cannot
		// create the shared-memory file a reader needs, so read the file
		// as immutable. Nobody can be writing it there either, since a
		// writer needs the same directory for its WAL file
		// (https://www.sqlite.org/wal.html#readonly).
		sdb, appID, v, err = open("immutable")
	}
	if err != nil {
		return nil, fmt.Errorf("open history %s: %w", path, err)
	}
	fail := func(err error) (*DB, error) {
		sdb.Close()
		return nil, fmt.Errorf("open history %s: %w", path, err)
	}
	if appID != applicationID {
		var objects int
		if err := sdb.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&objects); err != nil {
			return fail(classify(err))
		}
		if appID != 0 || objects > 0 {
			return fail(fmt.Errorf("%w: another application's SQLite database", ErrCorrupt))
		}
		return fail(ErrEmpty)
	}
	switch {
	case v > len(migrations):
		return fail(fmt.Errorf("schema version %d is newer than this breakglass knows (%d): upgrade breakglass", v, len(migrations)))
	case v < len(migrations):
		return fail(fmt.Errorf("schema version %d is older than this breakglass reads (%d): record a drill run to upgrade it", v, len(migrations)))
	}
	return &DB{sql: sdb, path: path}, nil
}

// Close closes the database.
func (db *DB) Close() error { return db.sql.Close() }

// classify marks SQLite's "corrupt" and "not a database" errors with
// ErrCorrupt.
func classify(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
	}
	return err
}

// version reads the application id and schema version.
func version(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (appID int64, v int, err error) {
	if err := q.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID); err != nil {
		return 0, 0, classify(err)
	}
	var tables int
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'").Scan(&tables); err != nil {
		return 0, 0, classify(err)
	}
	if tables == 0 {
		return appID, 0, nil
	}
	if err := q.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_version").Scan(&v); err != nil {
		return 0, 0, classify(err)
	}
	return appID, v, nil
}

func (db *DB) migrate(ctx context.Context) error {
	appID, v, err := version(ctx, db.sql)
	if err != nil {
		return err
	}
	if v == len(migrations) && appID == applicationID {
		return nil
	}
	tx, err := db.sql.BeginTx(ctx, nil) // BEGIN IMMEDIATE: one migrator at a time
	if err != nil {
		return classify(err)
	}
	defer tx.Rollback()
	// Read again under the write lock: another process may have migrated.
	appID, v, err = version(ctx, tx)
	if err != nil {
		return err
	}
	if appID != applicationID {
		var objects int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&objects); err != nil {
			return classify(err)
		}
		if appID != 0 || objects > 0 {
			return fmt.Errorf("%w: another application's SQLite database", ErrCorrupt)
		}
	}
	if v > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this breakglass knows (%d): upgrade breakglass", v, len(migrations))
	}
	if _, err := tx.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY)"); err != nil {
		return classify(err)
	}
	for i := v; i < len(migrations); i++ {
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			return fmt.Errorf("migrate to schema version %d: %w", i+1, classify(err))
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO schema_version (version) VALUES (?)", i+1); err != nil {
			return classify(err)
		}
	}
	return classify(tx.Commit())
}

// Record writes a run, its drills and their steps in one transaction:
// after a crash the run is either all there or not there at all.
func (db *DB) Record(ctx context.Context, r Run) error {
	return db.record(ctx, r, nil)
}

// record is Record with a hook called inside the transaction just before
// the commit, for the test that kills a process mid-transaction.
func (db *DB) record(ctx context.Context, r Run, beforeCommit func()) error {
	if r.Start.IsZero() {
		return errors.New("record run: the run has no start time")
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record run: %w", classify(err))
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, "INSERT INTO runs (started_at, target, duration_ns) VALUES (?, ?, ?)",
		r.Start.UnixNano(), r.Target, int64(r.Duration))
	if err != nil {
		return fmt.Errorf("record run: %w", classify(err))
	}
	runID, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("record run: %w", err)
	}
	insDrill, err := tx.PrepareContext(ctx, "INSERT INTO drills (run_id, name, title, passed, duration_ns) VALUES (?, ?, ?, ?, ?)")
	if err != nil {
		return fmt.Errorf("record run: %w", classify(err))
	}
	defer insDrill.Close()
	insStep, err := tx.PrepareContext(ctx, "INSERT INTO steps (drill_id, idx, name, action, status, detail, duration_ns) VALUES (?, ?, ?, ?, ?, ?, ?)")
	if err != nil {
		return fmt.Errorf("record run: %w", classify(err))
	}
	defer insStep.Close()
	for _, d := range r.Drills {
		res, err := insDrill.ExecContext(ctx, runID, d.Name, d.Title, d.Passed, int64(d.Duration))
		if err != nil {
			return fmt.Errorf("record drill %s: %w", d.Name, classify(err))
		}
		drillID, err := res.LastInsertId()
		if err != nil {
			return fmt.Errorf("record drill %s: %w", d.Name, err)
		}
		for _, s := range d.Steps {
			if _, err := insStep.ExecContext(ctx, drillID, s.Index, s.Name, s.Action, s.Status, s.Detail, int64(s.Duration)); err != nil {
				return fmt.Errorf("record drill %s step %d: %w", d.Name, s.Index, classify(err))
			}
		}
	}
	if beforeCommit != nil {
		beforeCommit()
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("record run: %w", classify(err))
	}
	return nil
}

// Runs returns the latest runs, newest first; limit <= 0 means all.
func (db *DB) Runs(ctx context.Context, limit int) ([]RunSummary, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := db.sql.QueryContext(ctx, `
SELECT r.id, r.started_at, r.target, r.duration_ns,
       coalesce(sum(d.passed), 0), count(d.id) - coalesce(sum(d.passed), 0)
FROM runs r LEFT JOIN drills d ON d.run_id = r.id
GROUP BY r.id
ORDER BY r.started_at DESC, r.id DESC
LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", classify(err))
	}
	defer rows.Close()
	out := []RunSummary{}
	for rows.Next() {
		var s RunSummary
		var start, dur int64
		if err := rows.Scan(&s.ID, &start, &s.Target, &dur, &s.Passed, &s.Failed); err != nil {
			return nil, fmt.Errorf("list runs: %w", classify(err))
		}
		s.Start, s.Duration = time.Unix(0, start).UTC(), time.Duration(dur)
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list runs: %w", classify(err))
	}
	return out, nil
}

// DrillSummary returns, for every drill ever recorded, sorted by name, how
// often it ran, passed and failed, its last pass and its last failure with
// the failing step. It reads one consistent snapshot.
func (db *DB) DrillSummary(ctx context.Context) ([]DrillStatus, error) {
	tx, err := db.sql.BeginTx(ctx, &sql.TxOptions{ReadOnly: true}) // a deferred BEGIN: a reader's snapshot
	if err != nil {
		return nil, fmt.Errorf("summarise drills: %w", classify(err))
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `
SELECT d.name,
       (SELECT d2.title FROM drills d2 JOIN runs r2 ON r2.id = d2.run_id
        WHERE d2.name = d.name ORDER BY r2.started_at DESC, d2.id DESC LIMIT 1),
       count(*), sum(d.passed),
       max(CASE WHEN d.passed = 1 THEN r.started_at END),
       max(CASE WHEN d.passed = 0 THEN r.started_at END)
FROM drills d JOIN runs r ON r.id = d.run_id
GROUP BY d.name
ORDER BY d.name`)
	if err != nil {
		return nil, fmt.Errorf("summarise drills: %w", classify(err))
	}
	out := []DrillStatus{}
	for rows.Next() {
		var s DrillStatus
		var lastPass, lastFail sql.NullInt64
		if err := rows.Scan(&s.Name, &s.Title, &s.Runs, &s.Passes, &lastPass, &lastFail); err != nil {
			rows.Close()
			return nil, fmt.Errorf("summarise drills: %w", classify(err))
		}
		s.Failures = s.Runs - s.Passes
		if lastPass.Valid {
			s.LastPass = time.Unix(0, lastPass.Int64).UTC()
		}
		if lastFail.Valid {
			s.LastFailure = time.Unix(0, lastFail.Int64).UTC()
		}
		out = append(out, s)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, fmt.Errorf("summarise drills: %w", classify(err))
	}
	for i := range out {
		if out[i].LastFailure.IsZero() {
			continue
		}
		var st Step
		var dur int64
		err := tx.QueryRowContext(ctx, `
SELECT s.idx, s.name, s.action, s.status, s.detail, s.duration_ns
FROM steps s
WHERE s.status = 'failed' AND s.drill_id = (
	SELECT d.id FROM drills d JOIN runs r ON r.id = d.run_id
	WHERE d.name = ? AND d.passed = 0
	ORDER BY r.started_at DESC, d.id DESC LIMIT 1)
ORDER BY s.idx
LIMIT 1`, out[i].Name).Scan(&st.Index, &st.Name, &st.Action, &st.Status, &st.Detail, &dur)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return nil, fmt.Errorf("summarise drill %s: %w", out[i].Name, classify(err))
		default:
			st.Duration = time.Duration(dur)
			out[i].FailingStep = &st
		}
	}
	return out, nil
}
