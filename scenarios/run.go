package scenarios

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/breakglass-dev/breakglass/certs"
	"github.com/breakglass-dev/breakglass/eventpattern"
	"github.com/breakglass-dev/breakglass/idp"
	"github.com/breakglass-dev/breakglass/sp/control"
)

// Target is where a drill runs: the IdP, driven through its Go API, and
// the AWS side, reached only as a customer reaches AWS.
type Target struct {
	IdP *idp.Provider
	// Endpoint is the AWS API endpoint (the emulator, LocalStack).
	Endpoint string
	// HTTPClient carries the AWS calls; nil means http.DefaultClient.
	HTTPClient *http.Client
	// Control moves the emulator's clock; nil skips clock steps (and says so).
	Control *control.Client
	// AdvanceIdP moves the IdP's clock with the emulator's.
	AdvanceIdP func(time.Duration)
	// Now is the drill's clock (the IdP's and the emulator's). Nil means
	// time.Now.
	Now func() time.Time
	// MFASeeds holds the seeds of the virtual MFA devices by serial number,
	// as the landscape's apply reported them; a drill computes the codes an
	// authenticator app would show.
	MFASeeds map[string]string
	// Alerts are the landscape's alert rules: EventBridge patterns (JSON)
	// by name, for expect_alert steps.
	Alerts map[string]string
	// Browser, when set, walks sign-in, role choice, Switch Role and
	// caller-identity steps through the web pages in a real browser.
	Browser *Browser
	// Credentials returns the credentials the drill uses for its own reads
	// and set-up in an account (simulation, event lookups, provider reads,
	// access keys of break-glass users). Nil means the emulator's
	// convention: a 12-digit access key id is the root of that account.
	Credentials func(account string) aws.CredentialsProvider
	// Region of the AWS clients; "" means us-east-1.
	Region string
	// ReadOnly skips, and reports, the steps that would change AWS
	// resources: access keys for break-glass users, metadata imports.
	ReadOnly bool
	// ConsolePasswords holds the console passwords of IAM users, by
	// "<account>/<user>", for console_sign_in steps of IAM users.
	ConsolePasswords map[string]string
	// NoSignInPage marks a target without the emulator's sign-in page
	// (real AWS): console_sign_in steps are skipped and reported.
	NoSignInPage bool
}

// Step statuses.
const (
	Passed  = "passed"
	Failed  = "failed"
	Skipped = "skipped"
)

// StepResult is what one step did.
type StepResult struct {
	Index  int    `json:"index"`
	Line   int    `json:"line"`
	Name   string `json:"name"`
	Action string `json:"action"`
	Status string `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Hint is the likely cause of a failure, from the scenario.
	Hint     string        `json:"hint,omitempty"`
	Duration time.Duration `json:"duration_ns"`
}

// Result is a drill's outcome: it passed when every step passed or was
// skipped and none failed.
type Result struct {
	Scenario string        `json:"scenario"`
	Title    string        `json:"title"`
	Passed   bool          `json:"passed"`
	Steps    []StepResult  `json:"steps"`
	Duration time.Duration `json:"duration_ns"`
}

// runner holds a drill's saved responses and credentials.
type runner struct {
	t         Target
	start     time.Time                      // the drill's start, on the drill's clock
	keys      map[string]*iamtypes.AccessKey // break-glass users' access keys, one per user and drill
	responses map[string]string
	creds     map[string]*ststypes.Credentials
	mfaSteps  map[string]int64 // the last TOTP step used, by MFA serial number
	b         *browserState    // pages of a browser drill; nil until used
}

// Run walks a scenario against t. A failed step stops the drill: later
// steps depend on it.
func Run(ctx context.Context, t Target, sc *Scenario) Result {
	return RunObserved(ctx, t, sc, nil)
}

// RunObserved is Run that reports each step to observe as it ends (for a
// live progress display); a nil observe reports nothing.
func RunObserved(ctx context.Context, t Target, sc *Scenario, observe func(StepResult)) Result {
	start := time.Now()
	r := &runner{t: t, responses: map[string]string{}, creds: map[string]*ststypes.Credentials{}, keys: map[string]*iamtypes.AccessKey{}, mfaSteps: map[string]int64{}}
	r.start = r.now().Add(-time.Second)
	res := Result{Scenario: sc.Name, Title: sc.Title, Passed: true}
	// A skipped step cannot feed later ones: what it would have saved is
	// missing, and after a clock that did not move, no later check means
	// what it says.
	missing := map[string]bool{}
	// A skipped action (a clock move, a metadata import, a sign-in) leaves
	// the drill's world apart from what later steps expect.
	clockStuck := false
	for i, st := range sc.Steps {
		sr := StepResult{Index: i + 1, Line: st.Line, Name: st.Name, Action: st.actions()[0]}
		t0 := time.Now()
		var detail string
		var err error
		switch dep := st.uses(); {
		case clockStuck:
			detail, err = "an earlier action of the drill was skipped, and this step may depend on it", errSkip
		case dep != "" && missing[dep]:
			detail, err = fmt.Sprintf("%q comes from a step that was skipped", dep), errSkip
		default:
			detail, err = r.step(ctx, st)
		}
		if errors.Is(err, errSkip) {
			if name := savedName(st); name != "" {
				missing[name] = true
			}
			clockStuck = clockStuck || st.AdvanceClock != "" || st.ImportMetadata != nil || st.IAMUserSignIn != nil || st.ConsoleSignIn != nil
		}
		sr.Duration = time.Since(t0)
		switch {
		case errors.Is(err, errSkip):
			if detail == "" {
				detail = strings.TrimPrefix(err.Error(), errSkip.Error()+": ")
			}
			sr.Status, sr.Detail = Skipped, detail
		case err != nil:
			sr.Status, sr.Detail, sr.Hint = Failed, err.Error(), st.Hint
			res.Passed = false
		default:
			sr.Status, sr.Detail = Passed, detail
		}
		res.Steps = append(res.Steps, sr)
		if observe != nil {
			observe(sr)
		}
		if !res.Passed {
			break
		}
	}
	r.deleteKeys(ctx)
	res.Duration = time.Since(start)
	r.closeBrowser(res)
	return res
}

var errSkip = errors.New("skipped")

func (r *runner) httpClient() *http.Client {
	if r.t.HTTPClient != nil {
		return r.t.HTTPClient
	}
	return http.DefaultClient
}

func (r *runner) sts(c aws.CredentialsProvider) *sts.Client {
	if c == nil {
		c = aws.AnonymousCredentials{}
	}
	return sts.New(sts.Options{Region: r.region(), BaseEndpoint: r.endpoint(), HTTPClient: r.httpClient(), Credentials: c, RetryMaxAttempts: 1})
}

// admin returns the credentials the drill uses for its own reads and
// set-up in account: Target.Credentials, or the emulator's and
// LocalStack's convention that a 12-digit access key id is the root of
// that account.
func (r *runner) admin(account string) aws.CredentialsProvider {
	if r.t.Credentials != nil {
		return r.t.Credentials(account)
	}
	return credentials.NewStaticCredentialsProvider(account, "breakglass", "")
}

// endpoint is the clients' BaseEndpoint: nil on real AWS, where the SDK
// resolves each service's own.
func (r *runner) endpoint() *string {
	if r.t.Endpoint == "" {
		return nil
	}
	return aws.String(r.t.Endpoint)
}

func (r *runner) region() string {
	if r.t.Region != "" {
		return r.t.Region
	}
	return "us-east-1"
}

// changesAWS skips a step that would change AWS resources on a read-only
// target, saying so.
func (r *runner) changesAWS(what string) error {
	if r.t.ReadOnly {
		return fmt.Errorf("%w: the step would %s; run with --allow-changes to include it", errSkip, what)
	}
	return nil
}

// saved returns saved credentials; Parse guarantees an earlier step saves
// them, and a step that failed stops the drill, so they exist. An unknown
// name yields credentials AWS refuses rather than a crash.
func (r *runner) saved(name string) aws.CredentialsProvider {
	c, ok := r.creds[name]
	if !ok {
		return credentials.NewStaticCredentialsProvider("ASIAUNSAVEDCREDENTIAL", "none", "none")
	}
	return credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
}

// outcome compares what an action returned with what the step expects.
func outcome(st Step, err error, success string) (string, error) {
	want := st.ExpectError
	if want == nil {
		if err != nil {
			return "", fmt.Errorf("expected success, got %s", describe(err))
		}
		return success, nil
	}
	if err == nil {
		return "", fmt.Errorf("expected %s, but the call succeeded (%s)", want.Code, success)
	}
	code, msg := codeOf(err)
	if code != want.Code || (want.Message != "" && msg != want.Message) {
		return "", fmt.Errorf("expected %s, got %s", expectText(want), describe(err))
	}
	return "refused as expected: " + code + ": " + msg, nil
}

func expectText(e *ExpectedError) string {
	if e.Message == "" {
		return e.Code
	}
	return e.Code + ": " + e.Message
}

// codeOf returns an error's AWS code and message, or the IdP's refusal.
func codeOf(err error) (string, string) {
	var api smithy.APIError
	switch {
	case errors.As(err, &api):
		return api.ErrorCode(), api.ErrorMessage()
	case errors.Is(err, idp.ErrAppDisabled):
		return "AppDisabled", err.Error()
	case errors.Is(err, idp.ErrNoRole):
		return "NoRole", err.Error()
	}
	return "", err.Error()
}

func describe(err error) string {
	code, msg := codeOf(err)
	if code == "" {
		return msg
	}
	return code + ": " + msg
}

func (r *runner) step(ctx context.Context, st Step) (string, error) {
	if r.t.Browser != nil {
		if detail, handled, err := r.browserStep(ctx, st); handled {
			return detail, err
		}
	}
	p := r.t.IdP
	switch {
	case st.EnableApp != "":
		return "app " + st.EnableApp + " enabled", p.SetAppEnabled(st.EnableApp, true)
	case st.DisableApp != "":
		return "app " + st.DisableApp + " disabled", p.SetAppEnabled(st.DisableApp, false)
	case st.AddMember != nil:
		return st.AddMember.User + " added to " + st.AddMember.Group, p.AddMember(st.AddMember.User, st.AddMember.Group, time.Time{})
	case st.RemoveMember != nil:
		return st.RemoveMember.User + " removed from " + st.RemoveMember.Group, p.RemoveMember(st.RemoveMember.User, st.RemoveMember.Group)
	case st.SignIn != nil:
		var faults []idp.Fault
		for _, f := range st.SignIn.Faults {
			faults = append(faults, idp.Fault(f))
		}
		resp, err := p.Mint(ctx, idp.MintRequest{App: st.SignIn.App, User: st.SignIn.User, Faults: faults})
		if err == nil && st.SignIn.Save != "" {
			r.responses[st.SignIn.Save] = resp.Base64()
		}
		roles := ""
		if resp != nil {
			roles = fmt.Sprintf("%d role(s): %s", len(resp.Roles), strings.Join(resp.Roles, "; "))
		}
		return outcome(st, err, "signed in; "+roles)
	case st.FederateSAML != nil:
		f := st.FederateSAML
		in := &sts.AssumeRoleWithSAMLInput{RoleArn: aws.String(f.Role), PrincipalArn: aws.String(f.Provider), SAMLAssertion: aws.String(r.responses[f.Response])}
		if f.Duration > 0 {
			in.DurationSeconds = aws.Int32(f.Duration)
		}
		out, err := r.sts(nil).AssumeRoleWithSAML(ctx, in)
		success := ""
		if err == nil {
			if f.Save != "" {
				r.creds[f.Save] = out.Credentials
			}
			success = "federated as " + aws.ToString(out.AssumedRoleUser.Arn)
		}
		return outcome(st, err, success)
	case st.AssumeRole != nil:
		a := st.AssumeRole
		in := &sts.AssumeRoleInput{RoleArn: aws.String(a.Role), RoleSessionName: aws.String(a.SessionName)}
		if a.Duration > 0 {
			in.DurationSeconds = aws.Int32(a.Duration)
		}
		out, err := r.sts(r.saved(a.Credentials)).AssumeRole(ctx, in)
		success := ""
		if err == nil {
			if a.Save != "" {
				r.creds[a.Save] = out.Credentials
			}
			success = "assumed " + aws.ToString(out.AssumedRoleUser.Arn)
		}
		return outcome(st, err, success)
	case st.WhoAmI != nil:
		out, err := r.sts(r.saved(st.WhoAmI.Credentials)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		got := ""
		if err == nil {
			got = aws.ToString(out.Arn)
			if st.WhoAmI.ARN != "" && got != st.WhoAmI.ARN {
				return "", fmt.Errorf("expected identity %s, got %s", st.WhoAmI.ARN, got)
			}
		}
		return outcome(st, err, "identity "+got)
	case st.Simulate != nil:
		return r.simulate(ctx, st.Simulate)
	case st.AdvanceClock != "":
		d, _ := time.ParseDuration(st.AdvanceClock)
		if r.t.Control == nil {
			return "the target has no control API to move its clock", errSkip
		}
		c, err := r.t.Control.Advance(ctx, d)
		if err != nil {
			return "", err
		}
		if r.t.AdvanceIdP != nil {
			r.t.AdvanceIdP(d)
		}
		return "clock now " + c.Now.Format(time.RFC3339), nil
	case st.ExpectEvent != nil:
		return r.expectEvent(ctx, st.ExpectEvent)
	case st.ExpectAlert != nil:
		return r.expectAlert(ctx, st.ExpectAlert)
	case st.IAMUserSignIn != nil:
		return r.iamUserSignIn(ctx, st)
	case st.RotateSigningKey:
		now := r.now()
		kp, err := certs.New(certs.Options{CommonName: "breakglass drill IdP (rotated)", NotBefore: now.Add(-5 * time.Minute), NotAfter: now.AddDate(1, 0, 0)})
		if err != nil {
			return "", err
		}
		if err := p.Rotate(kp); err != nil {
			return "", err
		}
		return "the IdP now signs with a new key; AWS still holds the old certificate", nil
	case st.ImportMetadata != nil:
		return r.importMetadata(ctx, st)
	case st.CheckCertificate != nil:
		return r.checkCertificate(ctx, st.CheckCertificate)
	case st.ConsoleSignIn != nil:
		return r.consoleSignIn(ctx, st)
	}
	return "", fmt.Errorf("step has no action")
}

func (r *runner) now() time.Time {
	if r.t.Now != nil {
		return r.t.Now()
	}
	return time.Now()
}

func (r *runner) iam(c aws.CredentialsProvider) *iam.Client {
	return iam.New(iam.Options{Region: r.region(), BaseEndpoint: r.endpoint(), HTTPClient: r.httpClient(), Credentials: c, RetryMaxAttempts: 1})
}

// iamUserSignIn gives the break-glass user an access key (as the account's
// root, the drill's set-up) and signs in with GetSessionToken, sending the
// MFA code of the user's device when asked.
func (r *runner) iamUserSignIn(ctx context.Context, st Step) (string, error) {
	s := st.IAMUserSignIn
	admin := r.iam(r.admin(s.Account))
	// One access key per user and drill, made on first use.
	key, ok := r.keys[s.Account+"/"+s.User]
	if !ok {
		if err := r.changesAWS("create an access key for " + s.User); err != nil {
			return "", err
		}
		out, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(s.User)})
		if err != nil {
			return "", fmt.Errorf("create an access key for %s: %s", s.User, describe(err))
		}
		key = out.AccessKey
		r.keys[s.Account+"/"+s.User] = key
	}
	in := &sts.GetSessionTokenInput{}
	if s.MFA {
		serial, code, err := r.userMFACode(ctx, s.Account, s.User)
		if err != nil {
			return "", err
		}
		in.SerialNumber, in.TokenCode = aws.String(serial), aws.String(code)
	}
	user := r.sts(credentials.NewStaticCredentialsProvider(aws.ToString(key.AccessKeyId), aws.ToString(key.SecretAccessKey), ""))
	out, err := user.GetSessionToken(ctx, in)
	success := ""
	if err == nil {
		if s.Save != "" {
			r.creds[s.Save] = out.Credentials
		}
		success = fmt.Sprintf("%s signed in (MFA: %v)", s.User, s.MFA)
	}
	return outcome(st, err, success)
}

// deleteKeys deletes the access keys the drill made for break-glass users,
// so a drill leaves no credential behind.
func (r *runner) deleteKeys(ctx context.Context) {
	for id, k := range r.keys {
		account, _, _ := strings.Cut(id, "/")
		r.iam(r.admin(account)).DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: k.AccessKeyId, UserName: k.UserName})
	}
}

// userMFACode returns the serial of a user's MFA device and the code it
// shows now. A real device (a phone, a key) keeps its seed: the drill
// cannot produce its codes, and the step is skipped, saying so.
func (r *runner) userMFACode(ctx context.Context, account, user string) (serial, code string, err error) {
	devices, err := r.iam(r.admin(account)).ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: aws.String(user)})
	if err != nil || len(devices.MFADevices) == 0 {
		return "", "", fmt.Errorf("%s has no MFA device (%v)", user, err)
	}
	serial = aws.ToString(devices.MFADevices[0].SerialNumber)
	seed, ok := r.t.MFASeeds[serial]
	if !ok {
		return "", "", fmt.Errorf("%w: the seed of MFA device %s is unknown to the drill (a real device): sign in by hand to check it", errSkip, serial)
	}
	code, err = r.mfaCode(serial, seed)
	return serial, code, err
}

// mfaCode is the code an authenticator shows for seed now. AWS accepts
// each code once, so a second sign-in within the same 30 seconds uses the
// authenticator's next code, which AWS's tolerance of one step accepts.
func (r *runner) mfaCode(serial, seed string) (string, error) {
	step := r.now().Unix() / 30
	if last, ok := r.mfaSteps[serial]; ok && step <= last {
		step = last + 1
	}
	if step > r.now().Unix()/30+1 {
		return "", fmt.Errorf("MFA device %s was used more than twice within a minute: the drill has no unused code left", serial)
	}
	r.mfaSteps[serial] = step
	return totp.GenerateCodeCustom(seed, time.Unix(step*30, 0), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
}

func (r *runner) importMetadata(ctx context.Context, st Step) (string, error) {
	m := st.ImportMetadata
	creds := r.admin(m.Account)
	if m.Credentials != "" {
		creds = r.saved(m.Credentials)
	}
	arn := "arn:aws:iam::" + m.Account + ":saml-provider/" + m.Provider
	if err := r.changesAWS("overwrite the metadata of " + arn); err != nil {
		return "", err
	}
	md, err := r.t.IdP.Metadata()
	if err != nil {
		return "", err
	}
	_, err = r.iam(creds).UpdateSAMLProvider(ctx, &iam.UpdateSAMLProviderInput{SAMLProviderArn: aws.String(arn), SAMLMetadataDocument: aws.String(string(md))})
	return outcome(st, err, "imported the IdP's current metadata into "+arn)
}

func (r *runner) checkCertificate(ctx context.Context, c *CheckCertificate) (string, error) {
	arn := "arn:aws:iam::" + c.Account + ":saml-provider/" + c.Provider
	out, err := r.iam(r.admin(c.Account)).GetSAMLProvider(ctx, &iam.GetSAMLProviderInput{SAMLProviderArn: aws.String(arn)})
	if err != nil {
		return "", fmt.Errorf("read %s: %s", arn, describe(err))
	}
	notAfter, err := earliestNotAfter(aws.ToString(out.SAMLMetadataDocument))
	if err != nil {
		return "", fmt.Errorf("%s: %w", arn, err)
	}
	left := notAfter.Sub(r.now())
	expiring := left < time.Duration(c.MinDays)*24*time.Hour
	status := fmt.Sprintf("the signing certificate of %s expires %s (%d days left)", c.Provider, notAfter.Format(time.DateOnly), int(left.Hours()/24))
	switch {
	case c.Expect == "expiring" && !expiring:
		return "", fmt.Errorf("expected a warning, but %s", status)
	case c.Expect != "expiring" && expiring:
		return "", fmt.Errorf("early warning: %s, less than %d days: rotate it and import the new metadata before federation breaks", status, c.MinDays)
	}
	return status, nil
}

// earliestNotAfter reads the signing certificates of a metadata document
// and returns the earliest end of validity.
func earliestNotAfter(doc string) (time.Time, error) {
	var earliest time.Time
	rest := doc
	for {
		i := strings.Index(rest, "X509Certificate>")
		if i < 0 {
			break
		}
		rest = rest[i+len("X509Certificate>"):]
		j := strings.Index(rest, "<")
		if j < 0 {
			break
		}
		cs, err := certs.ReadCertificates([]byte(rest[:j]))
		if err == nil && len(cs) > 0 && (earliest.IsZero() || cs[0].NotAfter.Before(earliest)) {
			earliest = cs[0].NotAfter
		}
		rest = rest[j:]
	}
	if earliest.IsZero() {
		return time.Time{}, fmt.Errorf("no signing certificate in the metadata")
	}
	return earliest, nil
}

func (r *runner) simulate(ctx context.Context, s *Simulate) (string, error) {
	c := r.iam(r.admin(s.Account))
	in := &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String("arn:aws:iam::" + s.Account + ":role/" + s.Role), ActionNames: []string{s.Action},
	}
	if s.Resource != "" {
		in.ResourceArns = []string{s.Resource}
	}
	out, err := c.SimulatePrincipalPolicy(ctx, in)
	if err != nil {
		return "", fmt.Errorf("simulate: %s", describe(err))
	}
	if len(out.EvaluationResults) == 0 {
		return "", fmt.Errorf("simulate: no evaluation result")
	}
	got := "denied"
	if out.EvaluationResults[0].EvalDecision == "allowed" {
		got = "allowed"
	}
	if got != s.Expect {
		return "", fmt.Errorf("expected %s may%s %s, but it is %s (%s)", s.Role, map[bool]string{true: "", false: " not"}[s.Expect == "allowed"], s.Action, got, out.EvaluationResults[0].EvalDecision)
	}
	return fmt.Sprintf("%s %s: %s", s.Role, s.Action, got), nil
}

// expectEvent looks for an event recorded since the drill started (so the
// landscape's set-up does not count), through every page of LookupEvents.
// events pages through the account's CloudTrail events since the drill
// started (of one event name, or all when name is ""), newest first, until
// fn returns true; it returns how many events it looked at.
func (r *runner) events(ctx context.Context, account, name string, fn func(cttypes.Event) bool) (int, error) {
	c := cloudtrail.New(cloudtrail.Options{Region: r.region(), BaseEndpoint: r.endpoint(), HTTPClient: r.httpClient(), Credentials: r.admin(account), RetryMaxAttempts: 1})
	in := &cloudtrail.LookupEventsInput{StartTime: aws.Time(r.start)}
	if name != "" {
		in.LookupAttributes = []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String(name)}}
	}
	seen := 0
	for page := 0; page < 100; page++ {
		out, err := c.LookupEvents(ctx, in)
		if err != nil {
			return seen, fmt.Errorf("lookup events: %s", describe(err))
		}
		for _, ev := range out.Events {
			seen++
			if fn(ev) {
				return seen, nil
			}
		}
		if out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
	}
	return seen, nil
}

// expectAlert wraps each event recorded in the account since the drill
// started as EventBridge delivers CloudTrail events (source aws.<service>,
// detail-type "AWS API Call via CloudTrail" or "AWS Console Sign In via
// CloudTrail", the record as detail) and matches the alert's pattern.
func (r *runner) expectAlert(ctx context.Context, a *Alert) (string, error) {
	doc, ok := r.t.Alerts[a.Alert]
	if !ok {
		return "", fmt.Errorf("the landscape has no alert named %q", a.Alert)
	}
	pattern, err := eventpattern.Parse([]byte(doc))
	if err != nil {
		return "", fmt.Errorf("alert %s: %w", a.Alert, err)
	}
	var fired string
	seen := 0
	// A pattern that names its events lets LookupEvents filter by name
	// (one name per call), instead of reading the whole log.
	for _, name := range eventNames(doc) {
		n, err := r.events(ctx, a.Account, name, func(ev cttypes.Event) bool {
			var detail map[string]any
			if json.Unmarshal([]byte(aws.ToString(ev.CloudTrailEvent)), &detail) != nil || !pattern.MatchValue(eventBridgeEnvelope(detail)) {
				return false
			}
			fired = fmt.Sprintf("alert %s fires on %s by %s", a.Alert, aws.ToString(ev.EventName), aws.ToString(ev.Username))
			return true
		})
		seen += n
		if err != nil || fired != "" {
			return fired, err
		}
	}
	return "", fmt.Errorf("alert %s matches none of the %d events in %s's event log since the drill started", a.Alert, seen, a.Account)
}

// eventNames returns the event names a pattern's detail.eventName lists
// as plain strings, or [""] (every event) when it lists none or uses a
// filter there.
func eventNames(pattern string) []string {
	var p struct {
		Detail struct {
			EventName []any `json:"eventName"`
		} `json:"detail"`
	}
	if json.Unmarshal([]byte(pattern), &p) != nil || len(p.Detail.EventName) == 0 {
		return []string{""}
	}
	names := make([]string, 0, len(p.Detail.EventName))
	for _, v := range p.Detail.EventName {
		s, ok := v.(string)
		if !ok {
			return []string{""}
		}
		names = append(names, s)
	}
	return names
}

// eventBridgeEnvelope is a CloudTrail record as EventBridge delivers it
// (Amazon EventBridge User Guide, events from AWS services via CloudTrail).
func eventBridgeEnvelope(detail map[string]any) map[string]any {
	source, _ := detail["eventSource"].(string)
	source = "aws." + strings.TrimSuffix(source, ".amazonaws.com")
	kind := "AWS API Call via CloudTrail"
	if detail["eventType"] == "AwsConsoleSignIn" {
		kind = "AWS Console Sign In via CloudTrail"
	}
	return map[string]any{
		"version": "0", "source": source, "detail-type": kind,
		"account": detail["recipientAccountId"], "region": detail["awsRegion"], "time": detail["eventTime"],
		"detail": detail,
	}
}

func (r *runner) expectEvent(ctx context.Context, e *Event) (string, error) {
	var found string
	seen, err := r.events(ctx, e.Account, e.EventName, func(ev cttypes.Event) bool {
		if e.Username != "" && aws.ToString(ev.Username) != e.Username {
			return false
		}
		found = fmt.Sprintf("%s by %s recorded", e.EventName, aws.ToString(ev.Username))
		return true
	})
	if err != nil || found != "" {
		return found, err
	}
	return "", fmt.Errorf("no %s event for %q in %s's event log since the drill started (%d %s events)", e.EventName, e.Username, e.Account, seen, e.EventName)
}
