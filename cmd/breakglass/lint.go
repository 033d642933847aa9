package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/breakglass-dev/breakglass/sp/samlcheck"
)

func lintCommands() []command {
	return []command{
		{"metadata lint", "will IAM accept SAML metadata, and is it healthy (exit 1 if IAM would reject it)", (*cli).metadataLint},
	}
}

// maxResponseBytes bounds --response: a SAMLAssertion is at most
// samlcheck.MaxAssertionChars of base64; the file may add whitespace.
const maxResponseBytes = 2 * samlcheck.MaxAssertionChars

// samlProviderARN is an IAM SAML provider ARN; the account is group 1.
var samlProviderARN = regexp.MustCompile(`^arn:aws[a-z-]*:iam::(\d{12}):saml-provider/[\w.-]{1,128}$`)

// lintInput is one document to lint: its name as given on the command line
// (a path, "-" for stdin, or a provider ARN) and its bytes. tooLarge is set
// instead of doc when the input exceeds IAM's size limit, and says by how
// much.
type lintInput struct {
	name     string
	doc      []byte
	tooLarge string
}

// lintReport is the findings for one input. Its JSON form is part of the
// --format json contract: keep the keys stable.
type lintReport struct {
	File     string        `json:"file"`
	Findings []lintFinding `json:"findings"`
}

type lintFinding struct {
	Severity string `json:"severity"`
	Rule     string `json:"rule"`
	Line     int    `json:"line,omitempty"`
	Column   int    `json:"column,omitempty"`
	Message  string `json:"message"`
	Fix      string `json:"fix"`
}

func (c *cli) metadataLint(ctx context.Context, args []string) error {
	fs := c.flagSet("metadata lint", "FILE... | - | --provider ARN --endpoint URL [--format text|json|sarif] [--expiry-days N] [--strict] [--response FILE]")
	format := fs.String("format", "text", "output: text, json or sarif")
	days := fs.Int("expiry-days", 30, "warn about signing certificates that expire within this many days")
	strict := fs.Bool("strict", false, "exit 1 on warnings too")
	respFile := fs.String("response", "", "a SAMLResponse from the IdP (XML or base64, - for stdin): warn if its Issuer is no entityID, or it is signed with a certificate the metadata lacks")
	provider := fs.String("provider", "", "lint the metadata of this IAM SAML provider ARN (read with GetSAMLProvider)")
	endpoint := fs.String("endpoint", "", "IAM endpoint URL for --provider (emulator or LocalStack; the access key is the ARN's account id)")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	switch *format {
	case "text", "json", "sarif":
	default:
		return usagef("--format must be text, json or sarif, not %q", *format)
	}
	if *days < 0 {
		return usagef("--expiry-days must not be negative, not %d", *days)
	}
	files := fs.Args()
	if len(files) == 0 && *provider == "" {
		return usagef("name at least one metadata FILE (- for stdin) or --provider ARN")
	}
	if *endpoint != "" && *provider == "" {
		return usagef("--endpoint needs --provider")
	}
	stdinUses := 0
	for _, f := range append([]string{*respFile}, files...) {
		if f == "-" {
			stdinUses++
		}
	}
	if stdinUses > 1 {
		return usagef("only one input can be - (stdin)")
	}

	var inputs []lintInput
	var errs []error
	for _, f := range files {
		in, err := c.readMetadataFile(f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		inputs = append(inputs, in)
	}
	if *provider != "" {
		in, err := readProvider(ctx, *provider, *endpoint)
		if err != nil {
			errs = append(errs, err)
		} else {
			inputs = append(inputs, in)
		}
	}
	var resp *samlcheck.Response
	if *respFile != "" {
		b, err := c.readLimited(*respFile, maxResponseBytes)
		if err == nil {
			resp, err = samlcheck.ParseResponse(b)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("--response %s: %w", *respFile, err))
		}
	}
	if len(errs) > 0 {
		return usageError{errors.Join(errs...)}
	}

	// 0 days means "only what has expired"; LintOptions reads 0 as the
	// default window.
	window := time.Duration(*days) * 24 * time.Hour
	if window == 0 {
		window = time.Nanosecond
	}
	opts := samlcheck.LintOptions{ExpiryWarning: window}
	now := c.now()
	reports := make([]lintReport, 0, len(inputs))
	failed := false
	for _, in := range inputs {
		r := lintReport{File: in.name, Findings: []lintFinding{}}
		var found []samlcheck.Finding
		if in.tooLarge != "" {
			found = []samlcheck.Finding{{Severity: samlcheck.SeverityError, Rule: samlcheck.RuleMetadataSize,
				Message: fmt.Sprintf("metadata has %s, over IAM's limit of %d characters; not read", in.tooLarge, samlcheck.MaxMetadataChars),
				Fix:     "upload the IdP's metadata document itself, not an archive or a concatenation of documents"}}
		} else {
			found = samlcheck.LintAll(in.doc, now, opts, resp)
		}
		for _, f := range found {
			if f.Severity == samlcheck.SeverityError || *strict {
				failed = true
			}
			// Some messages repeat their position; the report shows it once.
			msg := strings.TrimPrefix(f.Message, fmt.Sprintf("%d:%d: ", f.Line, f.Column))
			r.Findings = append(r.Findings, lintFinding{Severity: string(f.Severity), Rule: f.Rule,
				Line: f.Line, Column: f.Column, Message: msg, Fix: f.Fix})
		}
		reports = append(reports, r)
	}

	var err error
	switch *format {
	case "json":
		err = writeJSON(c.stdout, reports)
	case "sarif":
		err = writeJSON(c.stdout, sarifLog(reports))
	default:
		err = writeLintText(c.stdout, reports)
	}
	if err != nil {
		return err
	}
	if failed {
		return errCheckFailed
	}
	return nil
}

// readMetadataFile reads a metadata file, or stdin for "-". A file over
// IAM's limit is not read: its size is stat'ed (or, for stdin, the read
// stops one byte past the limit). The limit is in characters; a document
// over it in bytes could only fit in characters with non-ASCII text, which
// metadata does not carry in bulk.
func (c *cli) readMetadataFile(name string) (lintInput, error) {
	in := lintInput{name: name}
	if name != "-" {
		st, err := os.Stat(name)
		if err != nil {
			return in, err
		}
		if st.IsDir() {
			return in, fmt.Errorf("%s is a directory", name)
		}
		if st.Size() > samlcheck.MaxMetadataChars {
			in.tooLarge = fmt.Sprintf("%d bytes", st.Size())
			return in, nil
		}
	}
	b, err := c.readLimited(name, samlcheck.MaxMetadataChars)
	if errors.Is(err, errTooLarge) {
		in.tooLarge = fmt.Sprintf("more than %d bytes", samlcheck.MaxMetadataChars)
		return in, nil
	}
	in.doc = b
	return in, err
}

// errTooLarge is returned by readLimited for an input over its limit.
var errTooLarge = errors.New("input is too large")

// readLimited reads at most limit bytes of a file or, for "-", of stdin; a
// longer input gives errTooLarge after reading limit+1 bytes.
func (c *cli) readLimited(name string, limit int64) ([]byte, error) {
	var r io.Reader = c.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: %w: more than %d bytes", name, errTooLarge, limit)
	}
	return b, nil
}

// readProvider fetches the metadata of an IAM SAML provider from an
// emulator or LocalStack endpoint, signed as the root of the ARN's account.
func readProvider(ctx context.Context, arn, endpoint string) (lintInput, error) {
	m := samlProviderARN.FindStringSubmatch(arn)
	if m == nil {
		return lintInput{}, fmt.Errorf("--provider %q is not an IAM SAML provider ARN (arn:aws:iam::ACCOUNT:saml-provider/NAME)", arn)
	}
	if endpoint == "" {
		return lintInput{}, errors.New("--provider needs --endpoint (real AWS is not supported yet)")
	}
	if u, err := url.Parse(endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return lintInput{}, fmt.Errorf("--endpoint %q is not an http(s) URL", endpoint)
	}
	client, err := rootIAMClients(endpoint)(ctx, m[1])
	if err != nil {
		return lintInput{}, err
	}
	out, err := client.GetSAMLProvider(ctx, &iam.GetSAMLProviderInput{SAMLProviderArn: aws.String(arn)})
	if err != nil {
		return lintInput{}, fmt.Errorf("get SAML provider %s: %w", arn, err)
	}
	doc := aws.ToString(out.SAMLMetadataDocument)
	return lintInput{name: arn, doc: []byte(doc)}, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writeLintText prints compiler-style findings (FILE:LINE:COL: severity
// [rule] message) with the fix indented below, then a summary.
func writeLintText(w io.Writer, reports []lintReport) error {
	var errs, warns int
	for _, r := range reports {
		for _, f := range r.Findings {
			at := r.File
			if f.Line > 0 {
				at = fmt.Sprintf("%s:%d:%d", r.File, f.Line, f.Column)
			}
			if f.Severity == string(samlcheck.SeverityError) {
				errs++
			} else {
				warns++
			}
			if _, err := fmt.Fprintf(w, "%s: %s [%s] %s\n    fix: %s\n", at, f.Severity, f.Rule, f.Message, f.Fix); err != nil {
				return err
			}
		}
	}
	_, err := fmt.Fprintf(w, "%d %s, %d %s\n", errs, plural(errs, "error"), warns, plural(warns, "warning"))
	return err
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// SARIF 2.1.0 (OASIS sarif-v2.1.0-os), the subset code-scanning systems
// read: one run, the rules used, and one result per finding.
type sarifLogJSON struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID               string    `json:"id"`
	ShortDescription sarifText `json:"shortDescription"`
	Help             sarifText `json:"help"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

func sarifLog(reports []lintReport) sarifLogJSON {
	run := sarifRun{
		Tool:    sarifTool{Driver: sarifDriver{Name: "breakglass", Rules: []sarifRule{}}},
		Results: []sarifResult{},
	}
	index := map[string]int{}
	for _, r := range reports {
		for _, f := range r.Findings {
			i, ok := index[f.Rule]
			if !ok {
				i = len(run.Tool.Driver.Rules)
				index[f.Rule] = i
				desc := samlcheck.RuleSummary(f.Rule)
				if desc == "" {
					desc = f.Rule
				}
				run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{ID: f.Rule,
					ShortDescription: sarifText{desc}, Help: sarifText{f.Fix}})
			}
			loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: sarifURI(r.File)}}}
			// Code scanning wants a region; a finding about the whole
			// document (no position) points at its first line.
			loc.PhysicalLocation.Region = &sarifRegion{StartLine: max(f.Line, 1), StartColumn: f.Column}
			run.Results = append(run.Results, sarifResult{RuleID: f.Rule, RuleIndex: i, Level: f.Severity,
				Message: sarifText{f.Message + " Fix: " + f.Fix}, Locations: []sarifLocation{loc}})
		}
	}
	return sarifLogJSON{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}}
}

// sarifURI turns an input name into a SARIF artifact URI: a relative path
// stays relative (code scanning resolves it against the checkout), an
// absolute one becomes a file URL, and a provider ARN is kept as it is.
func sarifURI(name string) string {
	if samlProviderARN.MatchString(name) {
		return name
	}
	p := filepath.ToSlash(name)
	if filepath.IsAbs(name) {
		return (&url.URL{Scheme: "file", Path: p}).String()
	}
	return (&url.URL{Path: p}).String()
}
