package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/breakglass-dev/breakglass/certs"
)

// The explicit command list planned for cli.go will replace this
// registration.

// certsCommands returns the "certs" tool commands.
func certsCommands() []command {
	return []command{
		{
			name:    "certs new",
			summary: "create a signing key and self-signed certificate",
			run:     (*cli).certsNew,
		},
		{
			name:    "certs inspect",
			summary: "show a certificate's validity, fingerprints and key",
			run:     (*cli).certsInspect,
		},
	}
}

const (
	// maxDays bounds --days and --warn-days, and offsets such as +400d,
	// well below the 292 years a time.Duration holds.
	maxDays = 100 * 366
	// maxCertInput bounds what certs inspect reads, so that a wrong
	// argument such as /dev/zero fails instead of filling memory.
	maxCertInput = 8 << 20
	// backdate is how far before now a --days certificate starts, to
	// absorb clock skew between the IdP and the service provider.
	backdate = 5 * time.Minute
)

func (c *cli) certsNew(_ context.Context, args []string) error {
	flags := c.flagSet("certs new", "--out DIR [--days N | --not-before T --not-after T] [--bits N] [--cn NAME] [--force]")
	out := flags.String("out", "", "`directory` to write "+certs.KeyFile+" (mode 0600) and "+certs.CertFile+" to; created if missing (required)")
	days := flags.Int("days", 365, "valid from 5 minutes ago for `N` days; a negative N makes a certificate that expired N days ago")
	notBefore := flags.String("not-before", "", "start of validity `T`: RFC 3339 time, date (midnight UTC), \"now\" or an offset from now such as -30d, +2h, 15m")
	notAfter := flags.String("not-after", "", "end of validity `T`, in the forms of --not-before")
	bits := flags.Int("bits", 2048, "RSA key size in `bits`: 2048, 3072 or 4096")
	cn := flags.String("cn", certs.DefaultCommonName, "subject common `name`")
	force := flags.Bool("force", false, "replace a key that --out already holds (the old key is lost)")
	if err := c.parse(flags, args); err != nil {
		return err
	}
	set := map[string]bool{}
	flags.Visit(func(f *flag.Flag) { set[f.Name] = true })

	var problems []error
	if flags.NArg() > 0 {
		problems = append(problems, fmt.Errorf("unexpected argument %q", flags.Arg(0)))
	}
	if *out == "" {
		problems = append(problems, errors.New("--out is required"))
	}
	// X.509 keeps whole seconds: so must now, or a --days 7 certificate
	// would show 6 days and 23:59:59.x left.
	now := c.now().Truncate(time.Second)
	opts := certs.Options{Bits: *bits, CommonName: *cn}
	switch {
	case set["days"] && (set["not-before"] || set["not-after"]):
		problems = append(problems, errors.New("--days cannot be combined with --not-before or --not-after"))
	case set["not-before"] || set["not-after"]:
		if !set["not-before"] || !set["not-after"] {
			problems = append(problems, errors.New("--not-before and --not-after must be given together"))
			break
		}
		var err error
		if opts.NotBefore, err = parseTimeSpec(*notBefore, now); err != nil {
			problems = append(problems, fmt.Errorf("--not-before: %w", err))
		}
		if opts.NotAfter, err = parseTimeSpec(*notAfter, now); err != nil {
			problems = append(problems, fmt.Errorf("--not-after: %w", err))
		}
		if !opts.NotBefore.IsZero() && !opts.NotAfter.IsZero() && !opts.NotAfter.After(opts.NotBefore) {
			problems = append(problems, fmt.Errorf("--not-after %s is not after --not-before %s",
				opts.NotAfter.Format(time.RFC3339), opts.NotBefore.Format(time.RFC3339)))
		}
	case *days == 0:
		problems = append(problems, errors.New("--days 0 would expire at once; use a positive N, or a negative one for an expired certificate"))
	case *days > maxDays || *days < -maxDays:
		problems = append(problems, fmt.Errorf("--days must be between -%d and %d", maxDays, maxDays))
	case *days > 0:
		opts.NotBefore = now.Add(-backdate)
		opts.NotAfter = now.Add(time.Duration(*days) * 24 * time.Hour)
	default:
		opts.NotAfter = now.Add(time.Duration(*days) * 24 * time.Hour)
		opts.NotBefore = opts.NotAfter.Add(-365 * 24 * time.Hour)
	}
	if len(problems) > 0 {
		return usageError{errors.Join(problems...)}
	}

	keyPath := filepath.Join(*out, certs.KeyFile)
	if _, err := os.Lstat(keyPath); err == nil && !*force {
		return usagef("%s already exists; pass --force to replace it (the old key is lost)", keyPath)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return usagef("check --out: %w", err)
	}

	kp, err := certs.New(opts)
	if errors.Is(err, certs.ErrInvalidOptions) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	keyPath, certPath, err := kp.WriteFiles(*out)
	if err != nil {
		return usageError{fmt.Errorf("--out: %w", err)}
	}
	return writeInfoText(c.stdout, certs.Inspect(kp.Cert, now), [][2]string{
		{"Key file", keyPath},
		{"Certificate file", certPath},
	})
}

// parseTimeSpec reads a --not-before or --not-after value: an RFC 3339
// time, a date (midnight UTC), "now", or an offset from now in days
// ("-30d", "+10d", "90d") or in time.ParseDuration's units ("-2h", "15m").
func parseTimeSpec(s string, now time.Time) (time.Time, error) {
	if s == "now" {
		return now, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if d, ok := parseOffset(s); ok {
		return now.Add(d), nil
	}
	return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time (2026-01-02T15:04:05Z), a date (2026-01-02), now, or an offset from now (-30d, +10d, -2h, 15m)", s)
}

func parseOffset(s string) (time.Duration, bool) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		sign := 1
		switch {
		case strings.HasPrefix(n, "-"):
			sign, n = -1, n[1:]
		case strings.HasPrefix(n, "+"):
			n = n[1:]
		}
		// Atoi would accept a second sign; require digits only.
		if n == "" || strings.Trim(n, "0123456789") != "" {
			return 0, false
		}
		days, err := strconv.Atoi(n)
		if err != nil || days > maxDays {
			return 0, false
		}
		return time.Duration(sign*days) * 24 * time.Hour, true
	}
	d, err := time.ParseDuration(s)
	if err != nil || s == "" || strings.Trim(s, "+-0123456789.") == "" {
		return 0, false // a bare number has no unit
	}
	return d, true
}

func (c *cli) certsInspect(_ context.Context, args []string) error {
	flags := c.flagSet("certs inspect", "FILE [--format text|json] [--warn-days N]")
	format := flags.String("format", "text", "output `format`: text or json")
	warnDays := flags.Int("warn-days", 0, "fail (exit 1) if a certificate expires within `N` days; 0 checks only that it is valid now")
	if err := c.parse(flags, args); err != nil {
		return err
	}
	var problems []error
	if flags.NArg() != 1 {
		problems = append(problems, fmt.Errorf("want one FILE (PEM, DER or base64; - for standard input), got %d arguments", flags.NArg()))
	}
	if *format != "text" && *format != "json" {
		problems = append(problems, fmt.Errorf("--format must be text or json, not %q", *format))
	}
	if *warnDays < 0 || *warnDays > maxDays {
		problems = append(problems, fmt.Errorf("--warn-days must be between 0 and %d", maxDays))
	}
	if len(problems) > 0 {
		return usageError{errors.Join(problems...)}
	}

	name := flags.Arg(0)
	if name == "-" {
		name = "standard input"
	}
	data, err := c.readInput(flags.Arg(0))
	if err != nil {
		return usageError{err}
	}
	list, err := certs.ReadCertificates(data)
	if err != nil {
		return usagef("%s: %w", name, err)
	}

	now := c.now()
	infos := make([]certs.Info, len(list))
	for i, cert := range list {
		infos[i] = certs.Inspect(cert, now)
	}
	switch *format {
	case "json":
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(infos)
	default:
		for i, info := range infos {
			var extra [][2]string
			if len(infos) > 1 {
				if i > 0 {
					fmt.Fprintln(c.stdout)
				}
				extra = [][2]string{{"Certificate", fmt.Sprintf("%d of %d", i+1, len(infos))}}
			}
			if err = writeInfoText(c.stdout, info, extra); err != nil {
				break
			}
		}
	}
	if err != nil {
		return fmt.Errorf("write output: %w", err)
	}

	failed := false
	warnUntil := now.Add(time.Duration(*warnDays) * 24 * time.Hour)
	for i, info := range infos {
		var finding string
		switch {
		case info.Status == certs.StatusExpired:
			finding = "expired at " + info.NotAfter.UTC().Format(time.RFC3339)
		case info.Status == certs.StatusNotYetValid:
			finding = "is not valid before " + info.NotBefore.UTC().Format(time.RFC3339)
		case *warnDays > 0 && !info.NotAfter.After(warnUntil):
			finding = fmt.Sprintf("expires at %s, within --warn-days %d", info.NotAfter.UTC().Format(time.RFC3339), *warnDays)
		default:
			continue
		}
		failed = true
		fmt.Fprintf(c.stderr, "breakglass certs inspect: %s: certificate %d (%s) %s\n", name, i+1, info.Subject, finding)
	}
	if failed {
		return errCheckFailed
	}
	return nil
}

// readInput returns the content of the file name, or of stdin for "-",
// refusing more than maxCertInput bytes.
func (c *cli) readInput(name string) ([]byte, error) {
	r := c.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	} else {
		name = "standard input"
	}
	data, err := io.ReadAll(io.LimitReader(r, maxCertInput+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(data) > maxCertInput {
		return nil, fmt.Errorf("read %s: larger than %d MiB, not a certificate file", name, maxCertInput>>20)
	}
	return data, nil
}

// writeInfoText prints extra, then info, as aligned "key: value" lines.
func writeInfoText(w io.Writer, info certs.Info, extra [][2]string) error {
	issuer := info.Issuer
	if info.SelfSigned {
		issuer += " (self-signed)"
	}
	key := info.KeyAlgorithm
	if info.KeyBits > 0 {
		key += " " + strconv.Itoa(info.KeyBits) + " bits"
	}
	lines := append(extra, [][2]string{
		{"Subject", info.Subject},
		{"Issuer", issuer},
		{"Serial", info.Serial},
		{"SHA-1", info.SHA1},
		{"SHA-256", info.SHA256},
		{"Key", key},
		{"Signature algorithm", info.SignatureAlgorithm},
		{"Not before", info.NotBefore.UTC().Format(time.RFC3339)},
		{"Not after", info.NotAfter.UTC().Format(time.RFC3339)},
		{"Days left", strconv.Itoa(info.DaysLeft)},
		{"Status", info.Status},
	}...)
	width := 0
	for _, l := range lines {
		width = max(width, len(l[0])+1)
	}
	var b strings.Builder
	for _, l := range lines {
		fmt.Fprintf(&b, "%-*s %s\n", width, l[0]+":", l[1])
	}
	_, err := io.WriteString(w, b.String())
	return err
}
