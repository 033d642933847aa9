package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/breakglass-dev/breakglass/internal/target"
	"github.com/breakglass-dev/breakglass/landscape"
)

// landscapeApply creates a landscape's AWS side through the AWS API: on an
// emulator or LocalStack endpoint for real; on AWS as a dry run unless
// --allow-changes (DESIGN.md, command-line contract).
func (c *cli) landscapeApply(ctx context.Context, args []string) error {
	fs := c.flagSet("landscape apply", "[FILE] --target URL|aws [--allow-changes] [--profile P] [--region R] [--account-role NAME] [--format text|json]")
	where := fs.String("target", "", "where to apply: the URL of an emulator (breakglass serve, LocalStack), or aws")
	allowChanges := fs.Bool("allow-changes", false, "with --target aws: make the changes (without it: a dry run that reads the accounts and lists what would change)")
	profile := fs.String("profile", "", "with --target aws: the shared configuration profile")
	region := fs.String("region", "", "with --target aws: the region (default: the profile's, else us-east-1)")
	accountRole := fs.String("account-role", "", "with --target aws: a role name to assume in the landscape's other accounts")
	idpURL := fs.String("idp-url", "http://127.0.0.1:4567", "URL of the drill IdP, written into the metadata the providers get")
	format := fs.String("format", "text", "output format: text or json")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	path, err := landscapeFileArg(fs.Args())
	if err != nil {
		return err
	}
	realAWS := *where == "aws"
	remote := strings.HasPrefix(*where, "http://") || strings.HasPrefix(*where, "https://")
	switch {
	case !realAWS && !remote:
		return usagef("--target: want the URL of an emulator or aws, got %q", *where)
	case !realAWS && (*allowChanges || *profile != "" || *region != "" || *accountRole != ""):
		return usagef("--allow-changes, --profile, --region and --account-role apply to --target aws only")
	case *format != "text" && *format != "json":
		return usagef("--format must be text or json, not %q", *format)
	}
	l, err := c.loadLandscape(path)
	if err != nil {
		return err
	}
	p, err := c.newIdP(l, *idpURL)
	if err != nil {
		return err
	}
	md, err := p.Metadata()
	if err != nil {
		return err
	}
	var seeds []string
	opts := landscape.ApplyOptions{IdPMetadata: md, Now: c.now,
		OnMFASeed: func(user, serial, seed string) {
			seeds = append(seeds, fmt.Sprintf("virtual MFA device %s of %s: seed %s (enrol it in the device kept for emergencies, then store it offline)", serial, user, seed))
		},
	}
	clients := rootIAMClients(*where)
	if realAWS {
		access, err := target.ConnectAWS(ctx, target.AWSOptions{Profile: *profile, Region: *region, AccountRole: *accountRole})
		if err != nil {
			return setupError{err}
		}
		clients = func(_ context.Context, account string) (*iam.Client, error) { return access.IAM(account), nil }
		opts.Organizations = func(_ context.Context, account string) (*organizations.Client, error) {
			return access.Organizations(account), nil
		}
		opts.DryRun = !*allowChanges
	} else {
		opts.Organizations = rootOrgClients(*where)
	}
	changes, applyErr := l.Apply(ctx, clients, opts)
	for _, line := range seeds {
		fmt.Fprintln(c.stderr, line)
	}
	if *format == "json" {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			Target  string             `json:"target"`
			DryRun  bool               `json:"dry_run"`
			Changes []landscape.Change `json:"changes"`
		}{*where, opts.DryRun, changes}); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ACCOUNT\tKIND\tNAME\tACTION\tDETAIL")
		for _, ch := range changes {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", ch.Account, ch.Kind, ch.Name, ch.Action, ch.Detail)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if opts.DryRun {
			fmt.Fprintln(c.stdout, "dry run: nothing was changed; --allow-changes makes these changes")
		}
	}
	if applyErr != nil {
		return fmt.Errorf("apply %s to %s: %w", l.File, *where, applyErr)
	}
	return nil
}
