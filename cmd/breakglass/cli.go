package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
)

// exitCode values follow DESIGN.md: 0 success, 1 a failed check, 2 bad usage
// or a set-up error.
const (
	exitOK       = 0
	exitFailed   = 1
	exitUsage    = 2
	envConfigDir = "BREAKGLASS_CONFIG_DIR"
)

// usageError marks an error caused by how breakglass was called (unknown
// flag, missing argument, unreadable input file); it exits with status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// cannotJudge is returned by a check that printed its findings but could
// not reach a verdict (explain without the provider's metadata); it exits
// 2 with its reason and no usage hint.
type cannotJudge struct{ reason string }

func (e cannotJudge) Error() string { return e.reason }

// setupError is a set-up failure that is not about how breakglass was
// called (a target that cannot be reached): exit 2, without a usage hint.
type setupError struct{ err error }

func (e setupError) Error() string { return e.err.Error() }
func (e setupError) Unwrap() error { return e.err }

// errCheckFailed is returned by commands whose job is a check (validate,
// lint, explain, drill) after they have printed their findings; it exits 1
// without printing anything more.
var errCheckFailed = errors.New("check failed")

// cli carries what every subcommand needs from the process. Tests build one
// with their own streams, environment and clock.
type cli struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	now    func() time.Time
	log    *slog.Logger
	usages map[*flag.FlagSet]string // a subcommand's argument synopsis
}

// command is one subcommand: its name path ("certs new"), a one-line summary
// and the function that runs it with the arguments after its name.
type command struct {
	name    string
	summary string
	run     func(c *cli, ctx context.Context, args []string) error
}

// commands lists every subcommand; each group lives in its own file.
func commands() []command {
	return slices.Concat(certsCommands(), drillCommands(), explainCommands(), historyCommands(), idpCommands(), landscapeCommands(), lintCommands(), serveCommands())
}

// run executes one breakglass invocation and returns the process exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv, now: time.Now}
	return c.main(ctx, args)
}

func (c *cli) main(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("breakglass", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	logFormat := fs.String("log-format", "text", "log format on stderr: text or json")
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			c.usage(c.stdout)
			return exitOK
		}
		fmt.Fprintf(c.stderr, "breakglass: %v\n", err)
		c.usage(c.stderr)
		return exitUsage
	}
	logger, err := newLogger(c.stderr, *logLevel, *logFormat)
	if err != nil {
		fmt.Fprintf(c.stderr, "breakglass: %v\n", err)
		return exitUsage
	}
	c.log = logger

	rest := fs.Args()
	if len(rest) == 0 {
		c.usage(c.stderr)
		return exitUsage
	}
	if rest[0] == "help" {
		c.usage(c.stdout)
		return exitOK
	}
	cmd, cmdArgs, ok := lookup(rest)
	if !ok {
		fmt.Fprintf(c.stderr, "breakglass: unknown command %q\n", strings.Join(rest[:min(2, len(rest))], " "))
		c.usage(c.stderr)
		return exitUsage
	}
	err = cmd.run(c, ctx, cmdArgs)
	return c.exit(cmd.name, err)
}

// lookup finds the longest command name that prefixes args.
func lookup(args []string) (command, []string, bool) {
	for n := min(2, len(args)); n > 0; n-- {
		name := strings.Join(args[:n], " ")
		for _, cmd := range commands() {
			if cmd.name == name {
				return cmd, args[n:], true
			}
		}
	}
	return command{}, nil, false
}

func (c *cli) exit(name string, err error) int {
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errCheckFailed):
		return exitFailed
	case errors.As(err, new(cannotJudge)), errors.As(err, new(setupError)):
		fmt.Fprintf(c.stderr, "breakglass %s: %v\n", name, err)
		return exitUsage
	case errors.As(err, &ue):
		fmt.Fprintf(c.stderr, "breakglass %s: %v\n", name, err)
		fmt.Fprintf(c.stderr, "run 'breakglass %s -h' for usage\n", name)
		return exitUsage
	case errors.Is(err, context.Canceled):
		fmt.Fprintf(c.stderr, "breakglass %s: interrupted\n", name)
		return exitFailed
	default:
		fmt.Fprintf(c.stderr, "breakglass %s: %v\n", name, err)
		return exitFailed
	}
}

func (c *cli) usage(w io.Writer) {
	fmt.Fprintln(w, "breakglass proves that your AWS emergency access works.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: breakglass [--log-level L] [--log-format text|json] COMMAND [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	cmds := commands()
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	for _, cmd := range cmds {
		fmt.Fprintf(w, "  %-20s %s\n", cmd.name, cmd.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'breakglass COMMAND -h' for the flags of a command.")
}

// flagSet returns a flag set for a subcommand. Its -h prints the usage
// (once, to stdout, through parse); its parse errors become usage errors.
func (c *cli) flagSet(name, args string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {} // flag.Parse calls it on errors too; parse prints help itself
	if c.usages == nil {
		c.usages = map[*flag.FlagSet]string{}
	}
	c.usages[fs] = args
	return fs
}

func (c *cli) printUsage(fs *flag.FlagSet) {
	fmt.Fprintf(c.stdout, "Usage: breakglass %s %s\n\nFlags:\n", fs.Name(), c.usages[fs])
	fs.SetOutput(c.stdout)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// parse parses flags, printing usage for -h and wrapping errors as usage
// errors. Flags may follow positional arguments (breakglass certs inspect
// FILE --format json), as users expect from modern CLIs.
func (c *cli) parse(fs *flag.FlagSet, args []string) error {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				c.printUsage(fs)
				return flag.ErrHelp
			}
			return usageError{err}
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		if args[0] == "--" {
			positional = append(positional, args[1:]...)
			break
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
	return fs.Parse(append([]string{"--"}, positional...))
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: l}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	default:
		return nil, fmt.Errorf("--log-format must be text or json, not %q", format)
	}
}

// configDir is where breakglass keeps state that must survive between runs,
// such as the drill IdP's signing key: $BREAKGLASS_CONFIG_DIR, else the
// user's configuration directory (XDG_CONFIG_HOME on Linux) + /breakglass.
func (c *cli) configDir() (string, error) {
	if d := c.getenv(envConfigDir); d != "" {
		return d, nil
	}
	base := c.getenv("XDG_CONFIG_HOME")
	if base == "" {
		home := c.getenv("HOME")
		if home == "" {
			var err error
			if base, err = os.UserConfigDir(); err != nil {
				return "", fmt.Errorf("find configuration directory (set %s): %w", envConfigDir, err)
			}
		} else {
			base = filepath.Join(home, ".config")
		}
	}
	return filepath.Join(base, "breakglass"), nil
}
