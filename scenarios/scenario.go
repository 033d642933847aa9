package scenarios

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/breakglass-dev/breakglass/idp"
)

// Scenario is one drill: a named sequence of steps a security engineer can
// read without knowing Go.
type Scenario struct {
	// Name is the stable id used on the command line ("fm3/identity-center").
	Name        string `yaml:"-"`
	Title       string `yaml:"title"`
	Description string `yaml:"description"`
	// Source names the seed document the drill follows.
	Source string `yaml:"source"`
	Steps  []Step `yaml:"steps"`
	// File is where the scenario was read from.
	File string `yaml:"-"`
}

// Step is one action, with what it must produce. Exactly one action field
// is set.
type Step struct {
	Name string `yaml:"name"`

	EnableApp    string      `yaml:"enable_app"`
	DisableApp   string      `yaml:"disable_app"`
	AddMember    *Membership `yaml:"add_member"`
	RemoveMember *Membership `yaml:"remove_member"`
	SignIn       *SignIn     `yaml:"sign_in"`
	FederateSAML *Federate   `yaml:"assume_role_with_saml"`
	AssumeRole   *AssumeRole `yaml:"assume_role"`
	WhoAmI       *WhoAmI     `yaml:"caller_identity"`
	Simulate     *Simulate   `yaml:"simulate"`
	AdvanceClock string      `yaml:"advance_clock"`
	ExpectEvent  *Event      `yaml:"expect_event"`
	// ExpectAlert expects one of the landscape's alert rules (an
	// EventBridge pattern) to match an event recorded since the drill
	// started.
	ExpectAlert *Alert `yaml:"expect_alert"`
	// IAMUserSignIn signs a break-glass IAM user in through the API
	// (Failure Mode 1): an access key, then GetSessionToken with MFA.
	IAMUserSignIn *IAMUserSignIn `yaml:"iam_user_sign_in"`
	// RotateSigningKey makes the IdP sign with a new key (Failure Mode 2).
	RotateSigningKey bool `yaml:"rotate_signing_key"`
	// ImportMetadata uploads the IdP's current metadata to a SAML provider
	// with UpdateSAMLProvider.
	ImportMetadata *ImportMetadata `yaml:"import_metadata"`
	// CheckCertificate reads a provider's metadata and checks its signing
	// certificates stay valid for a while: the early warning.
	CheckCertificate *CheckCertificate `yaml:"check_provider_certificate"`
	// ConsoleSignIn posts a saved SAMLResponse to AWS's sign-in page, as
	// the IdP's auto-POST does, and picks a role on its chooser: a console
	// session and a ConsoleLogin event.
	ConsoleSignIn *ConsoleSignIn `yaml:"console_sign_in"`

	// ExpectError makes the step pass only if the action fails with this
	// AWS error (or, for sign_in, this IdP refusal).
	ExpectError *ExpectedError `yaml:"expect_error"`
	// Hint is the likely cause shown when the step fails.
	Hint string `yaml:"hint"`

	// Line is the step's line in its file, for messages.
	Line int `yaml:"-"`
}

// Membership names a user and an IdP group.
type Membership struct {
	User  string `yaml:"user"`
	Group string `yaml:"group"`
}

// SignIn gets a SAMLResponse for a user from the IdP, as the browser would
// after the user signs in and opens the AWS app.
type SignIn struct {
	User   string   `yaml:"user"`
	App    string   `yaml:"app"`
	Faults []string `yaml:"faults"`
	// Save names the response for later steps.
	Save string `yaml:"save"`
}

// Federate redeems a saved SAMLResponse with STS AssumeRoleWithSAML.
type Federate struct {
	Response string `yaml:"response"`
	Role     string `yaml:"role"`
	Provider string `yaml:"provider"`
	Duration int32  `yaml:"duration"`
	Save     string `yaml:"save"`
}

// ConsoleSignIn signs in to the console: with a saved SAMLResponse as the
// role Role (one of the response's roles), or as the IAM user User of
// Account with the user's console password, and the code of its MFA
// device when MFA is set (Failure Mode 1).
type ConsoleSignIn struct {
	Response string `yaml:"response"`
	Role     string `yaml:"role"`
	Account  string `yaml:"account"`
	User     string `yaml:"user"`
	MFA      bool   `yaml:"mfa"`
}

// AssumeRole is the chained hop, with saved credentials.
type AssumeRole struct {
	Credentials string `yaml:"credentials"`
	Role        string `yaml:"role"`
	SessionName string `yaml:"session_name"`
	Duration    int32  `yaml:"duration"`
	Save        string `yaml:"save"`
}

// WhoAmI checks STS GetCallerIdentity with saved credentials.
type WhoAmI struct {
	Credentials string `yaml:"credentials"`
	ARN         string `yaml:"arn"`
}

// Simulate asks IAM SimulatePrincipalPolicy whether a role may perform an
// action; Expect is "allowed" or "denied".
type Simulate struct {
	Account  string `yaml:"account"`
	Role     string `yaml:"role"`
	Action   string `yaml:"action"`
	Resource string `yaml:"resource"`
	Expect   string `yaml:"expect"`
}

// Event expects a CloudTrail event (LookupEvents) in an account.
type Event struct {
	Account   string `yaml:"account"`
	EventName string `yaml:"event_name"`
	Username  string `yaml:"username"`
}

// Alert expects the landscape's alert rule of that name to fire: its
// EventBridge pattern matches an event of the account's CloudTrail log,
// as EventBridge delivers it ("AWS API Call via CloudTrail").
type Alert struct {
	Account string `yaml:"account"`
	Alert   string `yaml:"alert"`
}

// IAMUserSignIn is the break-glass IAM user's API sign-in.
type IAMUserSignIn struct {
	Account string `yaml:"account"`
	User    string `yaml:"user"`
	// MFA sends the code of the user's virtual MFA device.
	MFA  bool   `yaml:"mfa"`
	Save string `yaml:"save"`
}

// ImportMetadata re-imports the IdP's metadata into a provider, with saved
// credentials (or the account's root when none are named).
type ImportMetadata struct {
	Account     string `yaml:"account"`
	Provider    string `yaml:"provider"`
	Credentials string `yaml:"credentials"`
}

// CheckCertificate checks that every signing certificate of a provider's
// metadata stays valid for at least MinDays; Expect "expiring" inverts it.
type CheckCertificate struct {
	Account  string `yaml:"account"`
	Provider string `yaml:"provider"`
	MinDays  int    `yaml:"min_days"`
	Expect   string `yaml:"expect"`
}

// ExpectedError is an AWS error code and, optionally, its exact message.
type ExpectedError struct {
	Code    string `yaml:"code"`
	Message string `yaml:"message"`
}

// action returns the names of the action fields set on s.
func (s Step) actions() []string {
	var out []string
	v := reflect.ValueOf(s)
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		switch f.Name {
		case "Name", "ExpectError", "Hint", "Line":
			continue
		}
		if !v.Field(i).IsZero() {
			out = append(out, strings.Split(f.Tag.Get("yaml"), ",")[0])
		}
	}
	return out
}

// Parse reads a scenario. Unknown keys, steps with no action or several,
// references to responses or credentials not saved before, and bad values
// are errors naming file:line; every problem is reported.
func Parse(name, file string, data []byte) (*Scenario, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%s: empty file: a scenario needs a title and steps", file)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var sc Scenario
	if err := dec.Decode(&sc); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			msgs := make([]string, 0, len(te.Errors))
			for _, e := range te.Errors {
				msgs = append(msgs, file+":"+strings.TrimPrefix(e, "line "))
			}
			return nil, errors.New(strings.Join(msgs, "\n"))
		}
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var extra any
	if err := dec.Decode(&extra); err == nil {
		return nil, fmt.Errorf("%s: more than one YAML document: a scenario is one document", file)
	}
	sc.Name, sc.File = name, file
	lines := stepLines(&root)
	var problems []string
	add := func(line int, format string, args ...any) {
		problems = append(problems, fmt.Sprintf("%s:%d: %s", file, line, fmt.Sprintf(format, args...)))
	}
	if sc.Title == "" {
		add(1, "title is required")
	}
	if len(sc.Steps) == 0 {
		add(1, "steps: a scenario needs at least one step")
	}
	saved := map[string]string{} // name -> kind
	use := func(line int, kind, name string) {
		if name == "" {
			add(line, "which %s? name one saved by an earlier step", kind)
		} else if saved[name] != kind {
			add(line, "%s %q is not saved by an earlier step", kind, name)
		}
	}
	for i := range sc.Steps {
		st := &sc.Steps[i]
		if i < len(lines) {
			st.Line = lines[i]
		}
		acts := st.actions()
		switch len(acts) {
		case 0:
			add(st.Line, "step %d has no action", i+1)
			continue
		case 1:
		default:
			add(st.Line, "step %d has several actions (%s): give each its own step", i+1, strings.Join(acts, ", "))
			continue
		}
		switch {
		case st.SignIn != nil:
			if st.SignIn.User == "" {
				add(st.Line, "sign_in.user is required")
			}
			for _, f := range st.SignIn.Faults {
				if _, err := idp.ParseFault(f); err != nil {
					add(st.Line, "sign_in.faults: %v", err)
				}
			}
			if st.SignIn.Save != "" {
				saved[st.SignIn.Save] = "response"
			}
		case st.FederateSAML != nil:
			use(st.Line, "response", st.FederateSAML.Response)
			if st.FederateSAML.Role == "" || st.FederateSAML.Provider == "" {
				add(st.Line, "assume_role_with_saml needs role and provider ARNs")
			}
			if st.FederateSAML.Save != "" {
				saved[st.FederateSAML.Save] = "credentials"
			}
		case st.AssumeRole != nil:
			use(st.Line, "credentials", st.AssumeRole.Credentials)
			if st.AssumeRole.Role == "" || st.AssumeRole.SessionName == "" {
				add(st.Line, "assume_role needs role and session_name")
			}
			if st.AssumeRole.Save != "" {
				saved[st.AssumeRole.Save] = "credentials"
			}
		case st.WhoAmI != nil:
			use(st.Line, "credentials", st.WhoAmI.Credentials)
		case st.ConsoleSignIn != nil:
			c := st.ConsoleSignIn
			switch {
			case c.Response != "" && (c.Account != "" || c.User != "" || c.MFA):
				add(st.Line, "console_sign_in is either {response, role} (federated) or {account, user, mfa} (an IAM user), not both")
			case c.Response != "":
				use(st.Line, "response", c.Response)
				if c.Role == "" {
					add(st.Line, "console_sign_in needs the role ARN to pick")
				}
			case c.Account == "" || c.User == "" || c.Role != "":
				add(st.Line, "console_sign_in needs {response, role} (federated) or {account, user} (an IAM user)")
			}
		case st.Simulate != nil:
			if st.Simulate.Expect != "allowed" && st.Simulate.Expect != "denied" {
				add(st.Line, "simulate.expect must be allowed or denied, not %q", st.Simulate.Expect)
			}
			if st.Simulate.Account == "" || st.Simulate.Role == "" || st.Simulate.Action == "" {
				add(st.Line, "simulate needs account, role and action")
			}
		case st.AdvanceClock != "":
			if d, err := time.ParseDuration(st.AdvanceClock); err != nil || d <= 0 {
				add(st.Line, "advance_clock: want a positive duration such as 90m, got %q", st.AdvanceClock)
			}
		case st.ExpectEvent != nil:
			if st.ExpectEvent.Account == "" || st.ExpectEvent.EventName == "" {
				add(st.Line, "expect_event needs account and event_name")
			}
		case st.ExpectAlert != nil:
			if st.ExpectAlert.Account == "" || st.ExpectAlert.Alert == "" {
				add(st.Line, "expect_alert needs account and alert")
			}
		case st.IAMUserSignIn != nil:
			if st.IAMUserSignIn.Account == "" || st.IAMUserSignIn.User == "" {
				add(st.Line, "iam_user_sign_in needs account and user")
			}
			if st.IAMUserSignIn.Save != "" {
				saved[st.IAMUserSignIn.Save] = "credentials"
			}
		case st.ImportMetadata != nil:
			if st.ImportMetadata.Account == "" || st.ImportMetadata.Provider == "" {
				add(st.Line, "import_metadata needs account and provider")
			}
			if st.ImportMetadata.Credentials != "" {
				use(st.Line, "credentials", st.ImportMetadata.Credentials)
			}
		case st.CheckCertificate != nil:
			c := st.CheckCertificate
			if c.Account == "" || c.Provider == "" || c.MinDays <= 0 {
				add(st.Line, "check_provider_certificate needs account, provider and min_days")
			}
			if c.Expect != "" && c.Expect != "valid" && c.Expect != "expiring" {
				add(st.Line, "check_provider_certificate.expect must be valid or expiring, not %q", c.Expect)
			}
		case st.AddMember != nil || st.RemoveMember != nil:
			m := st.AddMember
			if m == nil {
				m = st.RemoveMember
			}
			if m.User == "" || m.Group == "" {
				add(st.Line, "membership steps need user and group")
			}
		}
		if st.ExpectError != nil {
			switch {
			case st.ExpectError.Code == "":
				add(st.Line, "expect_error.code is required")
			case !canFail[acts[0]]:
				add(st.Line, "expect_error does not apply to %s: only to sign_in, assume_role_with_saml, console_sign_in, assume_role, caller_identity, iam_user_sign_in and import_metadata", acts[0])
			case saves(*st):
				add(st.Line, "a step that expects an error saves nothing: drop save")
			}
		}
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	return &sc, nil
}

// canFail lists the actions whose refusal a step may expect.
var canFail = map[string]bool{"sign_in": true, "assume_role_with_saml": true, "console_sign_in": true, "assume_role": true,
	"caller_identity": true, "iam_user_sign_in": true, "import_metadata": true}

// saves reports whether a step saves a response or credentials.
func saves(st Step) bool { return savedName(st) != "" }

// savedName is the name a step saves a response or credentials under, or "".
func savedName(st Step) string {
	switch {
	case st.SignIn != nil:
		return st.SignIn.Save
	case st.FederateSAML != nil:
		return st.FederateSAML.Save
	case st.AssumeRole != nil:
		return st.AssumeRole.Save
	case st.IAMUserSignIn != nil:
		return st.IAMUserSignIn.Save
	}
	return ""
}

// uses is the saved response or credentials a step reads, or "".
func (s Step) uses() string {
	switch {
	case s.FederateSAML != nil:
		return s.FederateSAML.Response
	case s.ConsoleSignIn != nil:
		return s.ConsoleSignIn.Response
	case s.AssumeRole != nil:
		return s.AssumeRole.Credentials
	case s.WhoAmI != nil:
		return s.WhoAmI.Credentials
	case s.ImportMetadata != nil:
		return s.ImportMetadata.Credentials
	}
	return ""
}

// stepLines returns the line of each item of the top-level steps list.
func stepLines(root *yaml.Node) []int {
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return nil
	}
	m := root.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "steps" {
			var out []int
			for _, item := range m.Content[i+1].Content {
				out = append(out, item.Line)
			}
			return out
		}
	}
	return nil
}

//go:embed builtin
var builtinFS embed.FS

// Builtin returns the drills embedded in the binary, sorted by name. Their
// names are their paths under builtin/ without ".yaml".
func Builtin() ([]*Scenario, error) {
	var out []*Scenario
	err := fs.WalkDir(builtinFS, "builtin", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".yaml" {
			return err
		}
		data, err := builtinFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimSuffix(strings.TrimPrefix(p, "builtin/"), ".yaml")
		sc, err := Parse(name, p, data)
		if err != nil {
			return err
		}
		out = append(out, sc)
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// MaxFileSize bounds a scenario file.
const MaxFileSize = 1 << 20

// LoadFile reads a user's scenario file; its name is the file name without
// the .yaml or .yml extension.
func LoadFile(file string) (*Scenario, error) {
	info, err := os.Stat(file)
	if err != nil {
		return nil, err
	}
	if info.Size() > MaxFileSize {
		return nil, fmt.Errorf("%s: %d bytes, more than the %d a scenario may have", file, info.Size(), MaxFileSize)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	base := filepath.Base(file)
	return Parse(strings.TrimSuffix(strings.TrimSuffix(base, ".yaml"), ".yml"), file, data)
}

// LoadDir reads every .yaml and .yml file under dir; a drill's name is its
// path relative to dir without the extension ("team/failover").
func LoadDir(dir string) ([]*Scenario, error) {
	if info, err := os.Stat(dir); err != nil {
		return nil, err
	} else if !info.IsDir() {
		return nil, fmt.Errorf("%s is not a directory (give a scenario file as an argument instead)", dir)
	}
	var out []*Scenario
	var errs []error
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		ext := filepath.Ext(p)
		if d.IsDir() || (ext != ".yaml" && ext != ".yml") {
			return nil
		}
		sc, err := LoadFile(p)
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		sc.Name = filepath.ToSlash(strings.TrimSuffix(rel, ext))
		out = append(out, sc)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, errors.Join(errs...)
}
