package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/breakglass-dev/breakglass/idp"
	"github.com/breakglass-dev/breakglass/landscape"
)

const testAdminToken = "cli-test-admin-token-0123456789"

// startLandscapeIdP serves the built-in landscape's IdP, with the admin
// API on, from an httptest server.
func startLandscapeIdP(t *testing.T) (*idp.Provider, string) {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	dir := t.TempDir()
	c := &cli{getenv: func(k string) string { return map[string]string{envConfigDir: dir}[k] }, now: time.Now, log: slog.New(slog.DiscardHandler)}
	p, err := c.newIdP(landscape.Default(), "http://"+ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = p.Handler(idp.HandlerConfig{AdminToken: testAdminToken})
	ts.Start()
	t.Cleanup(ts.Close)
	return p, ts.URL
}

func TestIdPAdmin(t *testing.T) {
	p, idpURL := startLandscapeIdP(t)
	tokenEnv := map[string]string{envAdminToken: testAdminToken}
	members := func(group string) string {
		m, err := p.Members(group)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(m, ",")
	}
	// The steps run in order against one IdP: a failover and a return to normal.
	steps := []struct {
		name   string
		env    map[string]string
		args   []string
		code   int
		stdout string // the whole of stdout
		stderr string // in stderr
		check  func() bool
	}{
		{"enable", nil, []string{"--admin-token", testAdminToken, "enable-app", "aws"}, 0,
			"enabled app aws (AWS emergency access (direct IAM federation))\n", "", func() bool { a, _ := p.App("aws"); return a.Enabled }},
		{"add member, token from the environment", tokenEnv, []string{"add-member", "bob", role1ROGroup}, 0,
			"added bob to " + role1ROGroup + " (members: bob)\n", "", func() bool { return members(role1ROGroup) == "bob" }},
		{"flags after the arguments", tokenEnv, []string{"add-member", "alice", role1ROGroup, "--idp-url", idpURL + "/"}, 0,
			"added alice to " + role1ROGroup + " (members: alice, bob)\n", "", func() bool { return members(role1ROGroup) == "alice,bob" }},
		{"flag wins over the environment", map[string]string{envAdminToken: "wrong"}, []string{"--admin-token", testAdminToken, "remove-member", "alice", role1ROGroup}, 0,
			"removed alice from " + role1ROGroup + " (members: bob)\n", "", func() bool { return members(role1ROGroup) == "bob" }},
		{"remove the last member", tokenEnv, []string{"remove-member", "bob", role1ROGroup}, 0,
			"removed bob from " + role1ROGroup + " (members: none)\n", "", func() bool { return members(role1ROGroup) == "" }},
		{"disable", tokenEnv, []string{"disable-app", "aws"}, 0,
			"disabled app aws (AWS emergency access (direct IAM federation))\n", "", func() bool { a, _ := p.App("aws"); return !a.Enabled }},

		{"wrong token", map[string]string{envAdminToken: "wrong"}, []string{"enable-app", "aws"}, 1, "", "the IdP refused: missing or wrong admin token (HTTP 401)", nil},
		{"unknown app", tokenEnv, []string{"enable-app", "gcp"}, 1, "", `the IdP refused: unknown app "gcp" (HTTP 404)`, nil},
		{"unknown user", tokenEnv, []string{"add-member", "eve", role1ROGroup}, 1, "", `the IdP refused: unknown user "eve" (HTTP 404)`, nil},
		{"unknown group", tokenEnv, []string{"remove-member", "bob", "admins"}, 1, "", `the IdP refused: unknown group "admins" (HTTP 404)`, nil},

		{"no token", nil, []string{"enable-app", "aws"}, 2, "", "--admin-token or BREAKGLASS_ADMIN_TOKEN is required", nil},
		{"no action", tokenEnv, nil, 2, "", "an action is required", nil},
		{"unknown action", tokenEnv, []string{"delete-user", "bob"}, 2, "", `unknown action "delete-user"`, nil},
		{"missing group", tokenEnv, []string{"add-member", "bob"}, 2, "", "add-member takes USER GROUP, got 1 arguments", nil},
		{"extra argument", tokenEnv, []string{"enable-app", "aws", "now"}, 2, "", "enable-app takes APP, got 2 arguments", nil},
		{"empty app", tokenEnv, []string{"enable-app", ""}, 2, "", "enable-app: empty APP", nil},
		{"bad URL", tokenEnv, []string{"--idp-url", "127.0.0.1:4567", "enable-app", "aws"}, 2, "", "--idp-url", nil},
		{"unreachable IdP", tokenEnv, []string{"--idp-url", "http://127.0.0.1:1", "enable-app", "aws"}, 2, "", "reach the IdP at http://127.0.0.1:1: dial tcp", nil},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			args := append([]string{"idp", "admin"}, st.args...)
			if !strings.Contains(strings.Join(st.args, " "), "--idp-url") {
				args = append([]string{"idp", "admin", "--idp-url", idpURL}, st.args...)
			}
			r := breakglassWithEnv(t, st.env, args...)
			if r.code != st.code {
				t.Errorf("exit %d, want %d\nstderr: %s", r.code, st.code, r.stderr)
			}
			if r.stdout != st.stdout {
				t.Errorf("stdout: got %q, want %q", r.stdout, st.stdout)
			}
			if !strings.Contains(r.stderr, st.stderr) {
				t.Errorf("stderr does not say %q:\n%s", st.stderr, r.stderr)
			}
			if r.code == 1 && strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("a refusal takes one line of stderr, got:\n%s", r.stderr)
			}
			if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, testAdminToken) {
				t.Errorf("stderr holds a stack trace or the token:\n%s", r.stderr)
			}
			if st.check != nil && !st.check() {
				t.Error("the IdP did not change")
			}
		})
	}
}

// startServeLines runs breakglass serve with env and returns its IdP and
// AWS URLs and the stderr lines up to the listening messages.
func startServeLines(t *testing.T, env map[string]string, args ...string) (idpURL, awsURL string, lines []string) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	full := map[string]string{envConfigDir: t.TempDir()}
	for k, v := range env {
		full[k] = v
	}
	done := make(chan int, 1)
	go func() {
		argv := append([]string{"serve", "--idp-addr", "127.0.0.1:0", "--aws-addr", "127.0.0.1:0"}, args...)
		done <- run(ctx, argv, strings.NewReader(""), io.Discard, pw, func(k string) string { return full[k] })
		pw.Close()
	}()
	idpRe := regexp.MustCompile(`msg="IdP listening" url=(\S+)`)
	awsRe := regexp.MustCompile(`msg="AWS emulator listening" url=(\S+)`)
	sc := bufio.NewScanner(pr)
	for (idpURL == "" || awsURL == "") && sc.Scan() {
		lines = append(lines, sc.Text())
		if m := idpRe.FindStringSubmatch(sc.Text()); m != nil {
			idpURL = m[1]
		}
		if m := awsRe.FindStringSubmatch(sc.Text()); m != nil {
			awsURL = m[1]
		}
	}
	go io.Copy(io.Discard, pr)
	if idpURL == "" || awsURL == "" {
		cancel()
		t.Fatalf("serve did not report its URLs:\n%s", strings.Join(lines, "\n"))
	}
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("serve exited %d after interrupt", code)
			}
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop after interrupt")
		}
	})
	return idpURL, awsURL, lines
}

var hiddenField = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// signedInClient signs user in to the IdP with the demo password.
func signedInClient(t *testing.T, idpURL, user string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second} // bcrypt under -race on a busy machine is slow
	form := getBody(t, c, idpURL+"/login")
	v := url.Values{}
	for _, m := range hiddenField.FindAllStringSubmatch(form, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	v.Set("username", user)
	v.Set("password", landscape.DemoPassword)
	resp, err := c.PostForm(idpURL+"/login", v)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return c
}

func getBody(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func TestServeAdminToken(t *testing.T) {
	idpURL, awsURL, lines := startServeLines(t, nil)
	tokenRe := regexp.MustCompile(`^admin token: (\S+) \(for breakglass idp admin --idp-url ` + regexp.QuoteMeta(idpURL) + `; pass it as --admin-token or in BREAKGLASS_ADMIN_TOKEN\)$`)
	var token string
	for _, l := range lines {
		if m := tokenRe.FindStringSubmatch(l); m != nil {
			if token != "" {
				t.Error("the token is printed twice")
			}
			token = m[1]
		} else if strings.Contains(l, "admin token:") {
			t.Errorf("a malformed token line: %q", l)
		}
	}
	if len(token) < minAdminToken {
		t.Fatalf("no admin token line on stderr:\n%s", strings.Join(lines, "\n"))
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "admin token:") && strings.Contains(l, token) {
			t.Errorf("the token appears in a log line: %q", l)
		}
	}

	// The failover, scripted: enable the app and add bob to an emergency group.
	env := map[string]string{envAdminToken: token}
	for _, args := range [][]string{{"enable-app", "aws"}, {"add-member", "bob", role1ROGroup}} {
		r := breakglassWithEnv(t, env, append([]string{"idp", "admin", "--idp-url", idpURL}, args...)...)
		if r.code != 0 {
			t.Fatalf("idp admin %s: exit %d\n%s", args[0], r.code, r.stderr)
		}
	}

	// bob's browser is sent to the emulator's sign-in endpoint with a
	// response still addressed to AWS.
	bob := signedInClient(t, idpURL, "bob")
	page := getBody(t, bob, idpURL+"/app/aws/sso")
	if want := `action="` + awsURL + `/saml"`; !strings.Contains(page, want) {
		t.Fatalf("the auto-POST form does not post to the emulator (%s):\n%s", want, page)
	}
	var samlResponse string
	for _, m := range hiddenField.FindAllStringSubmatch(page, -1) {
		if m[1] == "SAMLResponse" {
			samlResponse = html.UnescapeString(m[2])
		}
	}
	xml, err := base64.StdEncoding.DecodeString(samlResponse)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(xml), `Destination="https://signin.aws.amazon.com/saml"`) || !strings.Contains(string(xml), "role/EmergencyAccess_Role1_RO") {
		t.Errorf("the response:\n%s", xml)
	}
}

func TestServeAdminTokenGiven(t *testing.T) {
	t.Run("too short", func(t *testing.T) {
		r := breakglass(t, t.TempDir(), "serve", "--idp-addr", "127.0.0.1:0", "--aws-addr", "127.0.0.1:0", "--admin-token", "short")
		if r.code != 2 || !strings.Contains(r.stderr, "at least 16 characters") {
			t.Errorf("exit %d\n%s", r.code, r.stderr)
		}
	})
	for name, tc := range map[string]struct {
		env  map[string]string
		args []string
	}{
		"flag":        {nil, []string{"--admin-token", testAdminToken}},
		"environment": {map[string]string{envAdminToken: testAdminToken}, nil},
	} {
		t.Run(name, func(t *testing.T) {
			idpURL, _, lines := startServeLines(t, tc.env, append([]string{"--bare"}, tc.args...)...)
			for _, l := range lines {
				if strings.Contains(l, testAdminToken) || strings.HasPrefix(l, "admin token:") {
					t.Errorf("a given token is printed: %q", l)
				}
			}
			r := breakglassWithEnv(t, map[string]string{envAdminToken: testAdminToken}, "idp", "admin", "--idp-url", idpURL, "enable-app", "aws")
			if r.code != 0 || !strings.HasPrefix(r.stdout, "enabled app aws") {
				t.Errorf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
			}
		})
	}
}
