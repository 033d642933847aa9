package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/breakglass-dev/breakglass/history"
	"github.com/breakglass-dev/breakglass/scenarios"
)

// envHistory names the history database, overriding the XDG default.
const envHistory = "BREAKGLASS_HISTORY"

func historyCommands() []command {
	return []command{
		{"history", "list recorded drill runs and, per drill, the last pass and the last failure", (*cli).showHistory},
	}
}

// historyPath is the history database: the --history flag, else
// $BREAKGLASS_HISTORY, else $XDG_DATA_HOME/breakglass/history.db, else
// $HOME/.local/share/breakglass/history.db. It is "" when none is set, as
// in tests that give breakglass an environment of their own.
func (c *cli) historyPath(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if p := c.getenv(envHistory); p != "" {
		return p
	}
	// The XDG Base Directory spec ignores relative paths.
	if d := c.getenv("XDG_DATA_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "breakglass", "history.db")
	}
	if h := c.getenv("HOME"); h != "" {
		return filepath.Join(h, ".local", "share", "breakglass", "history.db")
	}
	return ""
}

// recordRun writes a drill run to the history. The history is evidence,
// not the check itself: a failure to record is a warning and leaves the
// drill's exit code alone.
func (c *cli) recordRun(ctx context.Context, flagValue string, skip bool, where string, start time.Time, took time.Duration, results []scenarios.Result) {
	if skip {
		return
	}
	path := c.historyPath(flagValue)
	if path == "" {
		c.log.Debug("run not recorded: no history database (set --history, " + envHistory + ", XDG_DATA_HOME or HOME)")
		return
	}
	run := history.Run{Start: start, Target: where, Duration: took}
	for _, r := range results {
		d := history.Drill{Name: r.Scenario, Title: r.Title, Passed: r.Passed, Duration: r.Duration}
		for _, s := range r.Steps {
			d.Steps = append(d.Steps, history.Step{Index: s.Index, Name: s.Name, Action: s.Action, Status: s.Status, Detail: s.Detail, Duration: s.Duration})
		}
		run.Drills = append(run.Drills, d)
	}
	db, err := history.Open(ctx, path)
	if err == nil {
		err = db.Record(ctx, run)
		if cerr := db.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		c.log.Warn("run not recorded in the history", "path", path, "err", err)
		return
	}
	c.log.Debug("run recorded in the history", "path", path)
}

// showHistory is breakglass history.
func (c *cli) showHistory(ctx context.Context, args []string) error {
	flags := c.flagSet("history", "[--history F] [--format text|json] [--limit N]")
	flagPath := flags.String("history", "", "history database (default: $"+envHistory+", else $XDG_DATA_HOME/breakglass/history.db)")
	format := flags.String("format", "text", "output format: text or json")
	limit := flags.Int("limit", 20, "how many recent runs to list (0: all)")
	if err := c.parse(flags, args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return usagef("unexpected argument %q", flags.Arg(0))
	}
	if *format != "text" && *format != "json" {
		return usagef("--format must be text or json, not %q", *format)
	}
	if *limit < 0 {
		return usagef("--limit must be 0 or more, not %d", *limit)
	}
	path := c.historyPath(*flagPath)
	if path == "" {
		return usagef("no history database: pass --history or set %s, XDG_DATA_HOME or HOME", envHistory)
	}

	runs, drills := []history.RunSummary{}, []history.DrillStatus{}
	// Reading must not create the database.
	if _, err := os.Stat(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return usageError{fmt.Errorf("history database: %w", err)}
	} else if err == nil {
		// Read-only: showing the history never writes it.
		db, err := history.OpenReadOnly(ctx, path)
		switch {
		case errors.Is(err, history.ErrEmpty):
		case err != nil:
			return usageError{err}
		default:
			defer db.Close()
			if runs, err = db.Runs(ctx, *limit); err != nil {
				return err
			}
			if drills, err = db.DrillSummary(ctx); err != nil {
				return err
			}
		}
	}

	if *format == "json" {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Database string                `json:"database"`
			Runs     []history.RunSummary  `json:"runs"`
			Drills   []history.DrillStatus `json:"drills"`
		}{path, runs, drills})
	}
	if len(runs) == 0 {
		_, err := fmt.Fprintf(c.stdout, "no drill runs recorded yet in %s\n", path)
		return err
	}
	stamp := func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return t.UTC().Format(time.RFC3339)
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "RUN\tSTARTED\tTARGET\tPASSED\tFAILED\tDURATION\n")
	for _, r := range runs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%s\n", r.ID, stamp(r.Start), r.Target, r.Passed, r.Failed, r.Duration.Round(time.Millisecond))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(c.stdout)
	tw = tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "DRILL\tRUNS\tLAST PASS\tLAST FAILURE\tFAILING STEP\n")
	for _, d := range drills {
		step := "-"
		if s := d.FailingStep; s != nil {
			name := s.Name
			if name == "" {
				name = s.Action
			}
			step = fmt.Sprintf("%d. %s: %s", s.Index, name, strings.Join(strings.Fields(s.Detail), " "))
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", d.Name, d.Runs, stamp(d.LastPass), stamp(d.LastFailure), step)
	}
	return tw.Flush()
}
