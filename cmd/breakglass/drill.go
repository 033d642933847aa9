package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/breakglass-dev/breakglass/internal/browser"
	"github.com/breakglass-dev/breakglass/internal/target"
	"github.com/breakglass-dev/breakglass/scenarios"
)

func drillCommands() []command {
	return []command{
		{"drill", "run failover drills (all built-in drills on the embedded target by default)", (*cli).drill},
	}
}

// selectScenarios picks the drills named by args: a name, or a prefix
// ending in "/" such as "fm3/", each drill once. No args means every drill.
func selectScenarios(all []*scenarios.Scenario, args []string) ([]*scenarios.Scenario, error) {
	if len(args) == 0 {
		return all, nil
	}
	var out []*scenarios.Scenario
	picked := map[*scenarios.Scenario]bool{}
	for _, a := range args {
		found := false
		for _, sc := range all {
			if sc.Name == a || (strings.HasSuffix(a, "/") && strings.HasPrefix(sc.Name, a)) {
				found = true
				if !picked[sc] {
					picked[sc] = true
					out = append(out, sc)
				}
			}
		}
		if !found {
			return nil, usagef("no drill named %q (breakglass drill --list shows them)", a)
		}
	}
	return out, nil
}

func (c *cli) drill(ctx context.Context, args []string) error {
	fs := c.flagSet("drill", "[SCENARIO...] [--target embedded|URL|aws] [--landscape F] [--format text|json|junit] [--out F] [--browser] [--list]")
	where := fs.String("target", "embedded", "where to run: embedded (in-process AWS emulator), the URL of an emulator such as breakglass serve (http://127.0.0.1:4566), or aws (real accounts, read-only unless --allow-changes)")
	profile := fs.String("profile", "", "with --target aws: the shared configuration profile (default: the default credential chain)")
	region := fs.String("region", "", "with --target aws: the region (default: the profile's, else us-east-1)")
	accountRole := fs.String("account-role", "", "with --target aws: a role name the drill assumes in the landscape's other accounts for its own reads (simulation, events, providers)")
	allowChanges := fs.Bool("allow-changes", false, "with --target aws: let steps change AWS resources (break-glass users' access keys, SAML provider metadata); without it they are skipped and reported")
	path := fs.String("landscape", "", "landscape file (default: the built-in landscape)")
	format := fs.String("format", "text", "report format: text, json or junit")
	out := fs.String("out", "", "write the report to this file instead of stdout")
	list := fs.Bool("list", false, "list the drills and exit")
	var dirs stringList
	fs.Var(&dirs, "scenarios", "a directory of your own scenario files (repeatable); SCENARIO may also be a .yaml file")
	historyPath := fs.String("history", "", "record the run in this history database (default: $BREAKGLASS_HISTORY, else $XDG_DATA_HOME/breakglass/history.db)")
	noHistory := fs.Bool("no-history", false, "do not record the run in the history")
	inBrowser := fs.Bool("browser", false, "walk sign-in, role choice and Switch Role through the web pages in headless Chromium ($BREAKGLASS_CHROMIUM, else /usr/bin/chromium); screenshots of a failed drill go next to the report")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	remote := strings.HasPrefix(*where, "http://") || strings.HasPrefix(*where, "https://")
	realAWS := *where == "aws"
	if *where != "embedded" && !remote && !realAWS {
		return usagef("--target %q: want embedded, an endpoint URL or aws", *where)
	}
	if !realAWS && (*profile != "" || *region != "" || *accountRole != "" || *allowChanges) {
		return usagef("--profile, --region, --account-role and --allow-changes apply to --target aws only")
	}
	if realAWS && *inBrowser {
		return usagef("--browser walks the emulator's pages; AWS's own sign-in page is not scripted (use --target embedded or a URL)")
	}
	if *format != "text" && *format != "json" && *format != "junit" {
		return usagef("--format must be text, json or junit, not %q", *format)
	}
	all, err := scenarios.Builtin()
	if err != nil {
		return fmt.Errorf("built-in drills: %w", err)
	}
	for _, d := range dirs {
		mine, err := scenarios.LoadDir(d)
		if err != nil {
			return usageError{fmt.Errorf("--scenarios %s: %w", d, err)}
		}
		all = append(all, mine...)
	}
	seen := map[string]string{}
	for _, sc := range all {
		if other, dup := seen[sc.Name]; dup {
			return usagef("two drills are named %s (%s and %s)", sc.Name, other, sc.File)
		}
		seen[sc.Name] = sc.File
	}
	var names []string
	var files []*scenarios.Scenario
	for _, a := range fs.Args() {
		if ext := filepath.Ext(a); ext == ".yaml" || ext == ".yml" {
			sc, err := scenarios.LoadFile(a)
			if err != nil {
				return usageError{err}
			}
			files = append(files, sc)
			continue
		}
		names = append(names, a)
	}
	if *list {
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		for _, sc := range all {
			fmt.Fprintf(tw, "%s\t%s\n", sc.Name, sc.Title)
		}
		return tw.Flush()
	}
	chosen := files
	if len(names) > 0 || len(files) == 0 {
		byName, err := selectScenarios(all, names)
		if err != nil {
			return err
		}
		chosen = append(chosen, byName...)
	}
	l, err := c.loadLandscape(*path)
	if err != nil {
		return err
	}
	key, _, err := c.signingKeys(l)
	if err != nil {
		return err
	}
	w := c.stdout
	if *out != "" {
		f, err := os.OpenFile(*out, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
		if err != nil {
			return usagef("--out: %v", err)
		}
		defer f.Close()
		w = f
	}
	var pages *browser.Browser
	shots := ""
	if *inBrowser {
		if !l.UsesDemoPassword() {
			return usagef("--browser signs users in with their passwords, which the drill knows only for the built-in demo landscape's users")
		}
		pages, err = browser.Start(ctx, browser.Options{Path: os.Getenv(browser.PathEnv)})
		if err != nil {
			return setupError{fmt.Errorf("--browser: start chromium (Debian package chromium; make deps installs it): %w", err)}
		}
		defer pages.Close()
		shots = "breakglass-screenshots"
		if *out != "" {
			shots = filepath.Join(filepath.Dir(*out), "breakglass-screenshots")
		}
	}
	start := time.Now()
	var results []scenarios.Result
	for _, sc := range chosen {
		var world *target.World
		switch {
		case realAWS:
			world, err = target.AWS(ctx, l, key, target.AWSOptions{Profile: *profile, Region: *region, AccountRole: *accountRole, AllowChanges: *allowChanges})
		case remote:
			world, err = target.Endpoint(ctx, l, key, strings.TrimSuffix(*where, "/"))
		default:
			world, err = target.Embedded(ctx, l, key, componentLog(c.log, "component", "aws", "scenario", sc.Name))
		}
		if err == nil && pages != nil {
			err = world.UseBrowser(pages, l, shots)
		}
		if err != nil {
			return setupError{fmt.Errorf("prepare the target for %s: %w", sc.Name, err)}
		}
		var observe func(scenarios.StepResult)
		if isTerminal(c.stderr) && *format == "text" {
			fmt.Fprintf(c.stderr, "%s: ", sc.Name)
			observe = func(s scenarios.StepResult) {
				fmt.Fprint(c.stderr, map[string]string{scenarios.Passed: ".", scenarios.Failed: "F", scenarios.Skipped: "s"}[s.Status])
			}
		}
		res := scenarios.RunObserved(ctx, world.Target, sc, observe)
		if observe != nil {
			fmt.Fprintln(c.stderr)
		}
		world.Close()
		c.log.Debug("drill", "scenario", sc.Name, "passed", res.Passed, "duration", res.Duration)
		results = append(results, res)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	failed := 0
	for _, r := range results {
		if !r.Passed {
			failed++
		}
	}
	c.recordRun(ctx, *historyPath, *noHistory, *where, start, time.Since(start), results)
	switch *format {
	case "junit":
		err = writeJUnit(w, results, time.Since(start), start)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		err = enc.Encode(struct {
			Target  string             `json:"target"`
			Passed  int                `json:"passed"`
			Failed  int                `json:"failed"`
			Results []scenarios.Result `json:"results"`
		}{*where, len(results) - failed, failed, results})
	default:
		err = writeReport(w, results, time.Since(start))
	}
	if err != nil {
		return err
	}
	if failed > 0 {
		return errCheckFailed
	}
	return nil
}

// isTerminal reports whether w is a terminal: progress is shown there and
// kept out of logs and pipes.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// writeReport prints each drill with its steps and a closing summary line
// ("drills: N passed, N failed").
func writeReport(w io.Writer, results []scenarios.Result, took time.Duration) error {
	failed := 0
	for _, r := range results {
		mark := "PASS"
		if !r.Passed {
			mark, failed = "FAIL", failed+1
		}
		fmt.Fprintf(w, "%s  %s  %s (%s)\n", mark, r.Scenario, r.Title, r.Duration.Round(time.Millisecond))
		for _, s := range r.Steps {
			sym := map[string]string{scenarios.Passed: "ok  ", scenarios.Failed: "FAIL", scenarios.Skipped: "skip"}[s.Status]
			name := s.Name
			if name == "" {
				name = s.Action
			}
			fmt.Fprintf(w, "      %s %2d. %s", sym, s.Index, name)
			if s.Status != scenarios.Passed && s.Detail != "" {
				fmt.Fprintf(w, "\n              %s", s.Detail)
			}
			if s.Hint != "" {
				fmt.Fprintf(w, "\n              likely cause: %s", s.Hint)
			}
			fmt.Fprintln(w)
		}
	}
	_, err := fmt.Fprintf(w, "\ndrills: %d passed, %d failed (%s)\n", len(results)-failed, failed, took.Round(time.Millisecond))
	return err
}

// componentLog is the logger of the drill's in-process servers: their
// per-request records would interleave with the report, so they show only
// warnings unless the run logs at debug level.
func componentLog(l *slog.Logger, args ...any) *slog.Logger {
	l = l.With(args...)
	if l.Enabled(context.Background(), slog.LevelDebug) {
		return l
	}
	return slog.New(minLevel{l.Handler(), slog.LevelWarn})
}

// minLevel is a handler that drops records below min.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(as), h.min}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.Handler.WithGroup(name), h.min}
}

var _ slog.Handler = minLevel{}
