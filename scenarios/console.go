package scenarios

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
)

// maxPage bounds what a console sign-in reads of a page.
const maxPage = 1 << 20

var (
	reHiddenCSRF = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)
	reTags       = regexp.MustCompile(`<[^>]*>`)
)

// consoleSignIn posts a saved response to AWS's sign-in SAML endpoint as a
// browser with scripts off does (plain HTTP: DESIGN.md, Targets), picks
// the step's role on the role chooser when one is shown, and checks the
// console then shows a session of that role. AWS's error page becomes the
// step's AWS error.
func (r *runner) consoleSignIn(ctx context.Context, st Step) (string, error) {
	c := st.ConsoleSignIn
	if r.t.NoSignInPage || r.t.Endpoint == "" {
		return "AWS's own sign-in page is not scripted (its markup is not an API); the drill checked the same access through STS", errSkip
	}
	if c.Response == "" {
		return r.iamConsoleSignIn(ctx, st)
	}
	if r.t.Browser != nil {
		if p := r.browserState().signedIn[c.Response]; p != nil {
			// The browser is already on AWS's pages with this response.
			return r.browserChooseRole(ctx, Step{Name: st.Name, FederateSAML: &Federate{Response: c.Response, Role: c.Role}, ExpectError: st.ExpectError})
		}
	}
	raw, ok := r.responses[c.Response]
	if !ok {
		return "", fmt.Errorf("no response saved as %q", c.Response)
	}
	b, err := r.pageClient()
	if err != nil {
		return "", err
	}
	post := func(form url.Values) (string, string, error) { return b.do(ctx, http.MethodPost, "/saml", form) }
	body, path, err := post(url.Values{"SAMLResponse": {raw}})
	if err != nil {
		return "", err
	}
	if strings.Contains(body, "<h1>Select a role</h1>") {
		m := reHiddenCSRF.FindStringSubmatch(body)
		if m == nil || !strings.Contains(body, `value="`+html.EscapeString(c.Role)+`"`) {
			return outcome(st, fmt.Errorf("AWS's role chooser does not offer %s: %s", c.Role, plainText(body)), "")
		}
		if body, path, err = post(url.Values{"SAMLResponse": {raw}, "roleIndex": {c.Role}, "csrf": {m[1]}}); err != nil {
			return "", err
		}
	}
	text := plainText(body)
	if path != "/console" {
		return outcome(st, pageErrorText(text), "")
	}
	arn := ""
	if m := reARN.FindStringSubmatch(text); m != nil {
		arn = m[1]
	}
	if roleOf(arn) != roleOf(c.Role) {
		return outcome(st, fmt.Errorf("the console shows %q, not a session of %s", arn, c.Role), "")
	}
	return outcome(st, nil, "signed in to the console as "+arn)
}

// pageClient is a cookie-keeping HTTP client on the endpoint's pages.
type pageClient struct {
	c    *http.Client
	base string
}

func (r *runner) pageClient() (*pageClient, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	base := r.httpClient()
	return &pageClient{c: &http.Client{Transport: base.Transport, Timeout: base.Timeout, Jar: jar}, base: strings.TrimSuffix(r.t.Endpoint, "/")}, nil
}

// do requests a page (a form when form is not nil) and returns its body
// and the path it ended on after redirects.
func (b *pageClient) do(ctx context.Context, method, path string, form url.Values) (string, string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, b.base+path, body)
	if err != nil {
		return "", "", err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.c.Do(req)
	if err != nil {
		return "", "", fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	page, err := io.ReadAll(io.LimitReader(resp.Body, maxPage))
	if err != nil {
		return "", "", err
	}
	return string(page), resp.Request.URL.Path, nil
}

// iamConsoleSignIn signs an IAM user in on the account sign-in page with
// the user's console password, then the code of its MFA device when asked
// (Failure Mode 1 in the console).
func (r *runner) iamConsoleSignIn(ctx context.Context, st Step) (string, error) {
	c := st.ConsoleSignIn
	password, ok := r.t.ConsolePasswords[c.Account+"/"+c.User]
	if !ok {
		return "", fmt.Errorf("the drill does not know the console password of %s in %s (the landscape's console_password)", c.User, c.Account)
	}
	b, err := r.pageClient()
	if err != nil {
		return "", err
	}
	form, _, err := b.do(ctx, http.MethodGet, "/console/signin", nil)
	if err != nil {
		return "", err
	}
	token := reHiddenCSRF.FindStringSubmatch(form)
	if token == nil {
		return "", fmt.Errorf("the IAM user sign-in page has no form: %s", plainText(form))
	}
	page, path, err := b.do(ctx, http.MethodPost, "/console/signin", url.Values{"csrf": {token[1]}, "account": {c.Account}, "username": {c.User}, "password": {password}})
	if err != nil {
		return "", err
	}
	if strings.Contains(page, "<h1>Multi-factor authentication</h1>") {
		if !c.MFA {
			return outcome(st, fmt.Errorf("the console asks %s for an MFA code, and the step gives none (set mfa: true)", c.User), "")
		}
		_, code, err := r.userMFACode(ctx, c.Account, c.User)
		if err != nil {
			return "", err
		}
		token = reHiddenCSRF.FindStringSubmatch(page)
		if token == nil {
			return "", fmt.Errorf("the MFA page has no form: %s", plainText(page))
		}
		if page, path, err = b.do(ctx, http.MethodPost, "/console/signin/mfa", url.Values{"csrf": {token[1]}, "code": {code}}); err != nil {
			return "", err
		}
	}
	text := plainText(page)
	if path != "/console" {
		return outcome(st, fmt.Errorf("the console refused %s: %s", c.User, text), "")
	}
	m := reARN.FindStringSubmatch(text)
	if m == nil || m[1] != "arn:aws:iam::"+c.Account+":user/"+c.User {
		return outcome(st, fmt.Errorf("the console does not show %s: %s", c.User, text), "")
	}
	return outcome(st, nil, fmt.Sprintf("%s signed in to the console (MFA: %v)", m[1], c.MFA))
}

// plainText is a page's text without tags, on one line.
func plainText(page string) string {
	return strings.Join(strings.Fields(html.UnescapeString(reTags.ReplaceAllString(page, " "))), " ")
}
