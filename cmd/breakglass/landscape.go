package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/breakglass-dev/breakglass/landscape"
)

func landscapeCommands() []command {
	return []command{
		{name: "landscape show", summary: "print the mapping table of a landscape (default: the built-in one)", run: (*cli).landscapeShow},
		{name: "landscape validate", summary: "check a landscape file; print every problem", run: (*cli).landscapeValidate},
		{name: "landscape schema", summary: "print the JSON Schema of landscape files, for editors", run: (*cli).landscapeSchema},
		{name: "landscape apply", summary: "create a landscape's AWS side through the AWS API (on real AWS a dry run unless --allow-changes)", run: (*cli).landscapeApply},
	}
}

// readLandscape loads the landscape file at path, or returns the built-in
// default for an empty path. A file that cannot be read is a usage error
// (exit 2); one that is not a valid landscape returns landscape.Problems.
func (c *cli) readLandscape(path string) (*landscape.Landscape, error) {
	if path == "" {
		return landscape.Default(), nil
	}
	l, err := landscape.Load(path)
	var problems landscape.Problems
	if err != nil && !errors.As(err, &problems) {
		return nil, usagef("%v", err)
	}
	return l, err
}

// loadLandscape is readLandscape for commands that need a valid landscape
// to do their job: a landscape with problems is a set-up error (exit 2).
func (c *cli) loadLandscape(path string) (*landscape.Landscape, error) {
	l, err := c.readLandscape(path)
	var problems landscape.Problems
	if errors.As(err, &problems) {
		return nil, usageError{fmt.Errorf("invalid landscape:\n%w", err)}
	}
	return l, err
}

// landscapeFileArg returns the one optional positional argument.
func landscapeFileArg(args []string) (string, error) {
	switch len(args) {
	case 0:
		return "", nil
	case 1:
		return args[0], nil
	}
	return "", usagef("want at most one FILE, got %d arguments", len(args))
}

func (c *cli) landscapeShow(ctx context.Context, args []string) error {
	fs := c.flagSet("landscape show", "[FILE] [--format text|json]")
	format := fs.String("format", "text", "output format: text or json")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	file, err := landscapeFileArg(fs.Args())
	if err != nil {
		return err
	}
	if *format != "text" && *format != "json" {
		return usagef("--format must be text or json, not %q", *format)
	}
	l, err := c.readLandscape(file)
	var problems landscape.Problems
	if errors.As(err, &problems) {
		for _, p := range problems {
			fmt.Fprintln(c.stderr, p)
		}
		return errCheckFailed
	}
	if err != nil {
		return err
	}
	rows := l.Mapping()
	if *format == "json" {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(struct {
			File    string                 `json:"file"`
			Name    string                 `json:"name"`
			Mapping []landscape.MappingRow `json:"mapping"`
		}{l.File, l.Name, rows})
	}
	return landscape.WriteMappingTable(c.stdout, rows)
}

func (c *cli) landscapeValidate(ctx context.Context, args []string) error {
	fs := c.flagSet("landscape validate", "[FILE]")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	file, err := landscapeFileArg(fs.Args())
	if err != nil {
		return err
	}
	l, err := c.readLandscape(file)
	var problems landscape.Problems
	if errors.As(err, &problems) {
		for _, p := range problems {
			fmt.Fprintln(c.stdout, p)
		}
		fmt.Fprintf(c.stderr, "breakglass landscape validate: %s\n", landscapeCount(len(problems), "problem"))
		return errCheckFailed
	}
	if err != nil {
		return err
	}
	roles := 0
	for _, a := range l.Accounts {
		roles += len(a.Roles)
	}
	fmt.Fprintf(c.stdout, "%s: ok (%s, %s, %s, %s)\n", l.File,
		landscapeCount(len(l.Accounts), "account"), landscapeCount(roles, "role"),
		landscapeCount(len(l.IdentityProvider.Users), "IdP user"), landscapeCount(len(l.IdentityProvider.Apps), "app"))
	return nil
}

func (c *cli) landscapeSchema(ctx context.Context, args []string) error {
	fs := c.flagSet("landscape schema", "")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("takes no arguments")
	}
	_, err := c.stdout.Write(landscape.Schema)
	return err
}

func landscapeCount(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
