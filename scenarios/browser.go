package scenarios

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/aws/smithy-go"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/breakglass-dev/breakglass/idp"
	"github.com/breakglass-dev/breakglass/internal/browser"
)

// Browser lets a drill walk its sign-in steps through the web pages in a
// real browser, as a responder does: the IdP's sign-in page and app
// dashboard, AWS's sign-in endpoint with its role chooser, and the
// console's Switch Role form. Steps the pages cannot express (fault knobs,
// a session duration, calls made with an IAM user's access keys) run
// through the API as usual.
type Browser struct {
	// Pages opens a page (with its own cookies) per signed-in user.
	Pages *browser.Browser
	// IdPURL is the IdP's web site, e.g. http://127.0.0.1:4567.
	IdPURL string
	// Password returns an IdP user's password; false when the drill does
	// not know it.
	Password func(user string) (string, bool)
	// TOTPSeeds holds the authenticator secrets of enrolled IdP users, by
	// username, to compute the code an authenticator app shows.
	TOTPSeeds map[string]string
	// Screenshots is the directory where a failed drill leaves a
	// screenshot of each browser step, in a subdirectory named after the
	// scenario. "" keeps none.
	Screenshots string
}

// Page headings the walk recognises (idp/web and sp/signin/web templates).
const (
	headingVerify   = "Verify it's you"
	headingApps     = "My apps"
	headingPosting  = "Signing in to "
	headingChooser  = "Select a role"
	headingConsole  = "Console Home"
	headingNoRole   = "No AWS role for you"
	headingDisabled = " is disabled"
)

// console is a saved browser identity: a page signed in to the console,
// and the assumed-role ARN it showed when saved.
type console struct {
	page *browser.Page
	arn  string
	// switched is set for identities reached through Switch Role, whose
	// session name the console chooses (the caller's own).
	switched bool
}

// browserState is a drill's pages and screenshots.
type browserState struct {
	pages     []*browser.Page
	signedIn  map[string]*browser.Page // sign_in saves: the page after the IdP sent the user on
	consoles  map[string]*console      // assume_role_with_saml and assume_role saves
	totpSteps map[string]int64         // the last TOTP time step used, by user
	shotDir   string                   // temporary directory of this drill's screenshots
	shots     int
}

func (r *runner) browserState() *browserState {
	if r.b == nil {
		r.b = &browserState{signedIn: map[string]*browser.Page{}, consoles: map[string]*console{}, totpSteps: map[string]int64{}}
	}
	return r.b
}

// closeBrowser closes the drill's pages and keeps its screenshots when it
// failed.
func (r *runner) closeBrowser(res Result) {
	b := r.b
	if b == nil {
		return
	}
	for _, p := range b.pages {
		p.Close()
	}
	if b.shotDir == "" {
		return
	}
	defer os.RemoveAll(b.shotDir)
	if res.Passed || r.t.Browser.Screenshots == "" {
		return
	}
	dst := filepath.Join(r.t.Browser.Screenshots, res.Scenario)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return
	}
	os.RemoveAll(dst)
	if err := os.Rename(b.shotDir, dst); err != nil {
		return
	}
	for i := range res.Steps {
		if res.Steps[i].Status == Failed {
			res.Steps[i].Detail += " (screenshots in " + dst + ")"
		}
	}
}

// screenshot keeps a picture of page after a browser step.
func (r *runner) screenshot(ctx context.Context, p *browser.Page, step string) {
	b := r.browserState()
	if r.t.Browser.Screenshots == "" {
		return
	}
	if b.shotDir == "" {
		dir, err := os.MkdirTemp("", "breakglass-shots-")
		if err != nil {
			return
		}
		b.shotDir = dir
	}
	b.shots++
	p.Screenshot(ctx, filepath.Join(b.shotDir, fmt.Sprintf("%02d-%s.png", b.shots, slug(step))))
}

var reSlug = regexp.MustCompile(`[^a-z0-9]+`)

func slug(s string) string {
	s = strings.Trim(reSlug.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(s) > 60 {
		s = s[:60]
	}
	return s
}

// browserStep runs st through the pages when it can; handled is false when
// the step must go through the API instead.
func (r *runner) browserStep(ctx context.Context, st Step) (detail string, handled bool, err error) {
	switch {
	case st.SignIn != nil && len(st.SignIn.Faults) == 0:
		detail, err = r.browserSignIn(ctx, st)
	case st.FederateSAML != nil && r.browserState().signedIn[st.FederateSAML.Response] != nil:
		if st.FederateSAML.Duration != 0 {
			return "AWS's sign-in page takes no DurationSeconds; run the drill without --browser to check this step", true, errSkip
		}
		detail, err = r.browserChooseRole(ctx, st)
	case st.AssumeRole != nil && r.browserState().consoles[st.AssumeRole.Credentials] != nil:
		if st.AssumeRole.Duration != 0 {
			return "the console's Switch Role always asks for one hour; run the drill without --browser to check this step", true, errSkip
		}
		detail, err = r.browserSwitchRole(ctx, st)
	case st.WhoAmI != nil && r.browserState().consoles[st.WhoAmI.Credentials] != nil:
		detail, err = r.browserWhoAmI(ctx, st)
	default:
		return "", false, nil
	}
	return detail, true, err
}

// waitPast waits, within a bound, until the page's heading no longer
// starts with prefix (a page that sends the browser on by itself) and
// returns the heading it ends on. A page in the middle of loading does not
// answer, so each look is short and retried.
func waitPast(ctx context.Context, p *browser.Page, prefix string, scripts bool) (string, error) {
	deadline := time.Now().Add(15 * time.Second)
	var h string
	var err error
	for time.Now().Before(deadline) {
		lctx, cancel := context.WithTimeout(ctx, time.Second)
		h, err = p.Heading(lctx)
		cancel()
		if err == nil && !strings.HasPrefix(h, prefix) {
			return h, nil
		}
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		if err == nil && strings.HasPrefix(h, prefix) && !scripts {
			return h, nil // nothing will move this page: the caller presses its button
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	if err != nil {
		return "", err
	}
	return h, nil
}

// pageText is the page's visible text on one line, for messages.
func pageText(ctx context.Context, p *browser.Page) string {
	t, err := p.Text(ctx)
	if err != nil {
		return "(page text unavailable: " + err.Error() + ")"
	}
	return strings.Join(strings.Fields(t), " ")
}

// browserSignIn signs a user in at the IdP's sign-in page (with the
// authenticator code when enrolled) and opens the AWS app from the
// dashboard; the IdP's auto-POST takes the browser to AWS's sign-in
// endpoint.
func (r *runner) browserSignIn(ctx context.Context, st Step) (string, error) {
	bt, b, s := r.t.Browser, r.browserState(), st.SignIn
	password, known := bt.Password(s.User)
	if !known {
		return "", fmt.Errorf("the browser drill does not know %s's IdP password (only the built-in demo users')", s.User)
	}
	p, err := bt.Pages.NewPage(ctx)
	if err != nil {
		return "", err
	}
	b.pages = append(b.pages, p)
	defer r.screenshot(ctx, p, st.Name)
	if err := p.Open(ctx, strings.TrimSuffix(bt.IdPURL, "/")+"/login"); err != nil {
		return "", err
	}
	if err := fillAll(ctx, p, "Username", s.User, "Password", password); err != nil {
		return "", err
	}
	if err := p.Click(ctx, "Sign in"); err != nil {
		return "", err
	}
	h, err := p.Heading(ctx)
	if err != nil {
		return "", err
	}
	if h == headingVerify {
		seed := bt.TOTPSeeds[s.User]
		if seed == "" {
			return "", fmt.Errorf("the IdP asks %s for a verification code, and the drill knows no authenticator secret for them", s.User)
		}
		// An IdP accepts each code once (RFC 6238 section 5.2): a second
		// sign-in within the same 30 seconds uses the authenticator's next
		// code, which the IdP's one step of tolerance accepts.
		step := r.now().Unix() / 30
		if last, ok := b.totpSteps[s.User]; ok && step <= last {
			step = last + 1
		}
		if step > r.now().Unix()/30+1 {
			return "", fmt.Errorf("%s signed in more than twice within a minute: the authenticator has no unused code left", s.User)
		}
		b.totpSteps[s.User] = step
		code, err := totp.GenerateCodeCustom(seed, time.Unix(step*30, 0), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			return "", err
		}
		if err := p.Fill(ctx, "Verification code", code); err != nil {
			return "", err
		}
		if err := p.Click(ctx, "Verify"); err != nil {
			return "", err
		}
		if h, err = p.Heading(ctx); err != nil {
			return "", err
		}
	}
	if h != headingApps {
		return "", fmt.Errorf("the IdP did not sign %s in: %s", s.User, pageText(ctx, p))
	}
	appID := s.App
	if appID == "" {
		if apps := r.t.IdP.Apps(); len(apps) > 0 {
			appID = apps[0].ID // Mint's default: the first app
		}
	}
	app, err := r.t.IdP.App(appID)
	if err != nil {
		return "", err
	}
	if err := p.Click(ctx, app.Label); err != nil {
		return outcome(st, fmt.Errorf("%w: the dashboard offers no enabled %q app (%v)", idp.ErrAppDisabled, app.Label, err), "")
	}
	if h, err = waitPast(ctx, p, headingPosting, bt.Pages.ScriptsEnabled()); err != nil {
		return "", err
	}
	if strings.HasPrefix(h, headingPosting) {
		// Scripts are off: press the form's visible button.
		if err := p.Click(ctx, "Continue"); err != nil {
			return "", err
		}
		if h, err = p.Heading(ctx); err != nil {
			return "", err
		}
	}
	// The IdP's refusals fail this step; once the IdP has sent the user
	// on, what AWS's sign-in page says belongs to the role step, as
	// AssumeRoleWithSAML's answer does through the API.
	var refusal error
	switch url, _ := p.URL(ctx); {
	case strings.HasSuffix(h, headingDisabled):
		refusal = fmt.Errorf("%w: the IdP shows %q", idp.ErrAppDisabled, h)
	case h == headingNoRole:
		refusal = fmt.Errorf("%w: the IdP shows %q", idp.ErrNoRole, h)
	case strings.HasPrefix(url, strings.TrimSuffix(bt.IdPURL, "/")+"/"):
		refusal = fmt.Errorf("the IdP did not send %s on: %s", s.User, pageText(ctx, p))
	}
	if refusal == nil && s.Save != "" {
		b.signedIn[s.Save] = p
	}
	return outcome(st, refusal, fmt.Sprintf("signed in at the IdP; AWS's sign-in page shows %q", h))
}

func fillAll(ctx context.Context, p *browser.Page, labelValue ...string) error {
	for i := 0; i+1 < len(labelValue); i += 2 {
		if err := p.Fill(ctx, labelValue[i], labelValue[i+1]); err != nil {
			return err
		}
	}
	return nil
}

// reAWSError reads an STS refusal as AWS's sign-in page words it.
var reAWSError = regexp.MustCompile(`^(.*) \(Service: AWSSecurityTokenService; Status Code: \d+; Error Code: (\w+); Request ID: [0-9a-f-]+\)\. Please try again\.`)

// reSwitchError reads the emulator's detail under a refused switch.
var reSwitchError = regexp.MustCompile(`AssumeRole answered (\w+): (.*) \(request id [0-9a-f-]+\)\.`)

// pageError turns an AWS error page into an API error with AWS's code and
// message, so expect_error steps judge browser and API alike.
func pageError(ctx context.Context, p *browser.Page) error {
	return pageErrorText(pageText(ctx, p))
}

// pageErrorText reads AWS's code and message from an error page's text.
func pageErrorText(text string) error {
	if m := reSwitchError.FindStringSubmatch(text); m != nil {
		return &smithy.GenericAPIError{Code: m[1], Message: m[2]}
	}
	for _, line := range strings.Split(text, "Sign-in failed ") {
		if m := reAWSError.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
			return &smithy.GenericAPIError{Code: m[2], Message: m[1]}
		}
	}
	return errors.New("AWS's page says: " + text)
}

var reARN = regexp.MustCompile(`ARN (arn:aws:(?:sts|iam)::\d{12}:\S+)`)

// consoleARN reads the ARN the console shows, or "".
func consoleARN(ctx context.Context, p *browser.Page) string {
	if m := reARN.FindStringSubmatch(pageText(ctx, p)); m != nil {
		return m[1]
	}
	return ""
}

// roleOf is "<account>:<role name>" of a role or assumed-role ARN.
func roleOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return arn
	}
	res := strings.Split(parts[5], "/")
	if len(res) < 2 {
		return arn
	}
	return parts[4] + ":" + res[1]
}

// browserChooseRole picks the step's role on AWS's role chooser (or checks
// the console AWS went straight to, for a single role) [R12].
func (r *runner) browserChooseRole(ctx context.Context, st Step) (string, error) {
	f := st.FederateSAML
	p := r.browserState().signedIn[f.Response]
	defer r.screenshot(ctx, p, st.Name)
	h, err := p.Heading(ctx)
	if err != nil {
		return "", err
	}
	notOffered := func(offered string) (string, error) {
		return fmt.Sprintf("AWS's sign-in page does not offer %s (%s), so a browser cannot ask for it; run the drill without --browser to check STS's answer", f.Role, offered), errSkip
	}
	if h == headingChooser {
		if err := p.Choose(ctx, f.Role[strings.LastIndexByte(f.Role, '/')+1:]); err != nil {
			var missing *browser.LookupError
			if errors.As(err, &missing) {
				return notOffered("its role chooser lists other roles")
			}
			return "", err
		}
		if err := p.Click(ctx, "Sign in"); err != nil {
			return "", err
		}
		if h, err = p.Heading(ctx); err != nil {
			return "", err
		}
	}
	if h != headingConsole {
		return outcome(st, pageError(ctx, p), "")
	}
	arn := consoleARN(ctx, p)
	if roleOf(arn) != roleOf(f.Role) {
		return notOffered("the response names one role, and AWS signed the user in as " + arn)
	}
	if f.Save != "" {
		r.browserState().consoles[f.Save] = &console{page: p, arn: arn}
	}
	return outcome(st, nil, "signed in to the console as "+arn)
}

// browserSwitchRole fills the console's Switch Role form.
func (r *runner) browserSwitchRole(ctx context.Context, st Step) (string, error) {
	a := st.AssumeRole
	c := r.browserState().consoles[a.Credentials]
	p := c.page
	defer r.screenshot(ctx, p, st.Name)
	if cur := consoleARN(ctx, p); cur != c.arn {
		return "", fmt.Errorf("the console now shows %s, not %s's identity %s: a browser drill switches only from the current identity", cur, a.Credentials, c.arn)
	}
	parts := strings.SplitN(a.Role, ":", 6)
	if len(parts) < 6 {
		return "", fmt.Errorf("role %q is not an IAM role ARN", a.Role)
	}
	display := a.Save
	if display == "" {
		display = a.Role[strings.LastIndexByte(a.Role, '/')+1:]
	}
	if err := fillAll(ctx, p, "Account ID", parts[4], "IAM role name", a.Role[strings.LastIndexByte(a.Role, '/')+1:], "Display name", display); err != nil {
		return "", err
	}
	if err := p.Click(ctx, "Switch Role"); err != nil {
		return "", err
	}
	text := pageText(ctx, p)
	if !strings.Contains(text, "You switched role.") {
		return outcome(st, pageError(ctx, p), "")
	}
	arn := consoleARN(ctx, p)
	if a.Save != "" {
		r.browserState().consoles[a.Save] = &console{page: p, arn: arn, switched: true}
	}
	return outcome(st, nil, "switched role in the console to "+arn)
}

// browserWhoAmI reads the identity the console shows. A switched session
// is named by the console after the caller, not by the drill, so only its
// role is compared.
func (r *runner) browserWhoAmI(ctx context.Context, st Step) (string, error) {
	c := r.browserState().consoles[st.WhoAmI.Credentials]
	p := c.page
	defer r.screenshot(ctx, p, st.Name)
	if err := p.Open(ctx, consoleURL(ctx, p)); err != nil {
		return "", err
	}
	got := consoleARN(ctx, p)
	if h, _ := p.Heading(ctx); got == "" && h != headingConsole {
		// The console ends a session when its credentials expire and sends
		// the browser to the sign-in page: its form of ExpiredToken.
		if e := st.ExpectError; e != nil && e.Code == "ExpiredToken" {
			return fmt.Sprintf("the console ended %s's session at its expiry (the browser is on %q)", st.WhoAmI.Credentials, h), nil
		}
		return "", fmt.Errorf("the console no longer has %s's session (the browser is on %q)", st.WhoAmI.Credentials, h)
	}
	if st.ExpectError != nil {
		return "", fmt.Errorf("expected %s, but the console still shows %s", expectText(st.ExpectError), got)
	}
	if got != c.arn {
		return "", fmt.Errorf("the console shows %s, not %s's identity %s", got, st.WhoAmI.Credentials, c.arn)
	}
	want := st.WhoAmI.ARN
	switch {
	case want == "" || got == want:
	case c.switched && roleOf(got) == roleOf(want):
		return "identity " + got + " (the console names a switched session after the caller)", nil
	default:
		return "", fmt.Errorf("expected identity %s, the console shows %s", want, got)
	}
	return "identity " + got, nil
}

// consoleURL is the console page of the origin p is on.
func consoleURL(ctx context.Context, p *browser.Page) string {
	u, err := p.URL(ctx)
	if err != nil {
		return "/console"
	}
	if i := strings.Index(u, "://"); i >= 0 {
		if j := strings.IndexByte(u[i+3:], '/'); j >= 0 {
			u = u[:i+3+j]
		}
	}
	return u + "/console"
}
