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
	if r.t.Browser != nil {
		if p := r.browserState().signedIn[c.Response]; p != nil {
			// The browser is already on AWS's pages with this response.
			return r.browserChooseRole(ctx, Step{Name: st.Name, FederateSAML: &Federate{Response: c.Response, Role: c.Role}, ExpectError: st.ExpectError})
		}
	}
	if r.t.NoSignInPage || r.t.Endpoint == "" {
		return "AWS's own sign-in page is not scripted (its markup is not an API); the drill checked the same response through STS", errSkip
	}
	raw, ok := r.responses[c.Response]
	if !ok {
		return "", fmt.Errorf("no response saved as %q", c.Response)
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		return "", err
	}
	base := r.httpClient()
	client := &http.Client{Transport: base.Transport, Timeout: base.Timeout, Jar: jar}
	signIn := strings.TrimSuffix(r.t.Endpoint, "/") + "/saml"
	post := func(form url.Values) (string, string, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, signIn, strings.NewReader(form.Encode()))
		if err != nil {
			return "", "", err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := client.Do(req)
		if err != nil {
			return "", "", fmt.Errorf("post to AWS's sign-in page: %w", err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxPage))
		if err != nil {
			return "", "", err
		}
		return string(body), resp.Request.URL.Path, nil
	}
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

// plainText is a page's text without tags, on one line.
func plainText(page string) string {
	return strings.Join(strings.Fields(html.UnescapeString(reTags.ReplaceAllString(page, " "))), " ")
}
