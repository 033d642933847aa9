package idp_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/breakglass-dev/breakglass/idp"
)

const (
	adminToken = "test-admin-token-0123456789abcdef"
	role1ROARN = "arn:aws:iam::111111111111:role/EmergencyAccess_Role1_RO"
)

// syncBuffer is a log sink the server writes while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// withCarol adds carol, an identity administrator, to the test directory.
func withCarol(t *testing.T) func(*idp.Config) {
	return func(c *idp.Config) {
		c.Directory.Users = append(c.Directory.Users, idp.User{Username: "carol", PasswordHash: passwordHash(t), Admin: true,
			Attributes: map[string]string{"email": "carol@example.com"}})
	}
}

// startAdminIdP starts an IdP with carol, the admin token and a log the
// test can read; edit adjusts the handler configuration.
func startAdminIdP(t *testing.T, edit func(*idp.HandlerConfig)) (*idpServer, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	hc := idp.HandlerConfig{AdminToken: adminToken, Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if edit != nil {
		edit(&hc)
	}
	return startIdPWith(t, withCarol(t), hc), logs
}

// form is one HTML form of a page.
type form struct {
	action string
	fields url.Values
	button string // the button's accessible name: aria-label, else its text
}

var (
	formRe   = regexp.MustCompile(`(?s)<form method="post" action="([^"]+)"[^>]*>(.*?)</form>`)
	buttonRe = regexp.MustCompile(`<button type="submit"(?: aria-label="([^"]*)")?>([^<]*)</button>`)
)

func (p page) forms() []form {
	var out []form
	for _, m := range formRe.FindAllStringSubmatch(p.body, -1) {
		f := form{action: m[1], fields: url.Values{}}
		for _, h := range hiddenInput.FindAllStringSubmatch(m[2], -1) {
			f.fields.Set(h[1], html.UnescapeString(h[2]))
		}
		if b := buttonRe.FindStringSubmatch(m[2]); b != nil {
			f.button = html.UnescapeString(b[2])
			if b[1] != "" {
				f.button = html.UnescapeString(b[1])
			}
		}
		out = append(out, f)
	}
	return out
}

// form returns the form whose button is named button, or fails the test.
func (p page) form(t *testing.T, button string) form {
	t.Helper()
	for _, f := range p.forms() {
		if f.button == button {
			return f
		}
	}
	t.Fatalf("no form with the button %q on the page:\n%s", button, p.body)
	return form{}
}

func (p page) hasButton(button string) bool {
	for _, f := range p.forms() {
		if f.button == button {
			return true
		}
	}
	return false
}

// submit posts a form of the page, with field values set on top.
func (b *browser) submit(f form, set url.Values) page {
	b.t.Helper()
	v := url.Values{}
	for k, vs := range f.fields {
		v[k] = vs
	}
	for k, vs := range set {
		v[k] = vs
	}
	return b.post(f.action, v)
}

// roles returns the Role attribute values of the user's SSO, or the
// refusal page's status when there is no response.
func (b *browser) roles() (int, string) {
	b.t.Helper()
	p := b.get("/app/aws/sso")
	if p.status != http.StatusOK {
		return p.status, ""
	}
	xml, err := base64.StdEncoding.DecodeString(p.hidden().Get("SAMLResponse"))
	if err != nil {
		b.t.Fatalf("SAMLResponse is not base64: %v", err)
	}
	return p.status, string(xml)
}

func TestAdminPageAccess(t *testing.T) {
	s, logs := startAdminIdP(t, nil)
	tests := []struct {
		name       string
		user       string // empty: not signed in
		wantStatus int
		wantLink   bool
	}{
		{"administrator", "carol", http.StatusOK, true},
		{"not an administrator", "bob", http.StatusForbidden, false},
		{"anonymous", "", http.StatusSeeOther, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t, s)
			if tt.user != "" {
				if p := b.signIn(tt.user, testPassword, "/"); p.status != http.StatusSeeOther {
					t.Fatalf("sign-in: %d", p.status)
				}
				dash := b.get("/")
				if got := strings.Contains(dash.body, `<a href="/admin">Administration</a>`); got != tt.wantLink {
					t.Errorf("dashboard has the Administration link: got %v, want %v", got, tt.wantLink)
				}
			}
			p := b.get("/admin")
			if p.status != tt.wantStatus {
				t.Fatalf("GET /admin: got %d, want %d\n%s", p.status, tt.wantStatus, p.body)
			}
			if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "form-action 'self';") {
				t.Errorf("CSP got %q", csp)
			}
			switch tt.wantStatus {
			case http.StatusSeeOther:
				if p.location != "/login?return=%2Fadmin" {
					t.Errorf("redirected to %q, want the sign-in form returning to /admin", p.location)
				}
				// A form post without a session goes to sign-in too, and changes nothing.
				if p := b.post("/admin/apps/enable", url.Values{"app": {"aws"}}); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/login") {
					t.Errorf("anonymous POST: got %d to %q", p.status, p.location)
				}
			case http.StatusForbidden:
				if !strings.Contains(p.body, "Administrators only") || strings.Contains(p.body, "Add member") {
					t.Errorf("refusal page:\n%s", p.body)
				}
				dash := b.get("/")
				f := url.Values{"csrf": {dash.hidden().Get("csrf")}, "user": {"bob"}, "group": {groupRole1RO}}
				if p := b.post("/admin/members/add", f); p.status != http.StatusForbidden {
					t.Errorf("non-administrator POST: got %d, want 403", p.status)
				}
				if !strings.Contains(logs.String(), `user \"bob\" is not an administrator`) {
					t.Errorf("refusal not logged:\n%s", logs)
				}
			case http.StatusOK:
				for _, want := range []string{
					"<h2>Administration</h2>", `<h3 id="admin-apps">Apps</h3>`, `<h3 id="admin-groups">Groups</h3>`,
					"<h4 id=\"group-0\">" + groupRole1Ops + "</h4>",
					`<label for="add-member-0">User</label>`, `<select id="add-member-0" name="user" required>`,
				} {
					if !strings.Contains(p.body, want) {
						t.Errorf("admin page lacks %s", want)
					}
				}
				for _, button := range []string{"Disable AWS emergency access", "Remove bob from " + groupRole1Ops, "Add member"} {
					if !p.hasButton(button) {
						t.Errorf("admin page lacks the button %q", button)
					}
				}
				if strings.Contains(p.body, "<script") || strings.Contains(p.body, "http://") || strings.Contains(p.body, "https://") {
					t.Errorf("admin page loads scripts or names external resources:\n%s", p.body)
				}
			}
			if s.p.Apps()[0].Enabled != true {
				t.Error("the app changed")
			}
			if m, _ := s.p.Members(groupRole1RO); len(m) != 0 {
				t.Errorf("members changed: %q", m)
			}
		})
	}
}

func TestAdminPagePendingSession(t *testing.T) {
	s, _ := startAdminIdP(t, func(*idp.HandlerConfig) {})
	b := newBrowser(t, s)
	// alice has a TOTP secret: after the password alone she is not signed in.
	if err := s.p.AddMember("alice", groupRole1RO, time.Time{}); err != nil {
		t.Fatal(err)
	}
	step := b.signIn("alice", testPassword, "/admin")
	if !strings.Contains(step.body, "Verification code") {
		t.Fatalf("want the code step, got %d", step.status)
	}
	if p := b.get("/admin"); p.status != http.StatusSeeOther {
		t.Errorf("pending session: got %d, want a redirect to sign in", p.status)
	}
}

func TestAdminPageCSRF(t *testing.T) {
	s, _ := startAdminIdP(t, nil)
	b := newBrowser(t, s)
	b.signIn("carol", testPassword, "/")
	admin := b.get("/admin")
	f := admin.form(t, "Disable AWS emergency access")
	other := newBrowser(t, s)
	other.signIn("carol", testPassword, "/")
	otherToken := other.get("/admin").form(t, "Add member").fields.Get("csrf")
	for name, token := range map[string][]string{"missing": nil, "empty": {""}, "wrong": {"0123"}, "another session's": {otherToken}} {
		t.Run(name, func(t *testing.T) {
			v := url.Values{"app": {"aws"}}
			if token != nil {
				v["csrf"] = token
			}
			p := b.post(f.action, v)
			if p.status != http.StatusForbidden || !strings.Contains(p.body, "This form has expired") {
				t.Errorf("got %d\n%s", p.status, p.body)
			}
			if !s.p.Apps()[0].Enabled {
				t.Error("the app was disabled without a CSRF token")
			}
		})
	}
}

func TestAdminPageEnableDisable(t *testing.T) {
	s, logs := startAdminIdP(t, nil)
	if err := s.p.SetAppEnabled("aws", false); err != nil {
		t.Fatal(err)
	}
	carol := newBrowser(t, s)
	carol.signIn("carol", testPassword, "/")
	bob := newBrowser(t, s)
	bob.signIn("bob", testPassword, "/")

	steps := []struct {
		button     string
		wantNotice string
		wantSSO    int
	}{
		{"Enable AWS emergency access", "Enabled AWS emergency access.", http.StatusOK},
		{"Disable AWS emergency access", "Disabled AWS emergency access.", http.StatusForbidden},
	}
	if status, _ := bob.roles(); status != http.StatusForbidden {
		t.Fatalf("at rest bob's SSO got %d, want 403 (app disabled)", status)
	}
	for _, step := range steps {
		t.Run(step.button, func(t *testing.T) {
			admin := carol.get("/admin")
			p := carol.submit(admin.form(t, step.button), nil)
			if p.status != http.StatusSeeOther || p.location != "/admin" {
				t.Fatalf("got %d to %q, want a redirect to /admin\n%s", p.status, p.location, p.body)
			}
			after := carol.get("/admin")
			if !strings.Contains(after.body, `<p class="notice" role="status">`+step.wantNotice+`</p>`) {
				t.Errorf("no notice %q:\n%s", step.wantNotice, after.body)
			}
			if again := carol.get("/admin"); strings.Contains(again.body, step.wantNotice) {
				t.Error("the notice shows twice")
			}
			if status, xml := bob.roles(); status != step.wantSSO {
				t.Errorf("bob's SSO: got %d, want %d", status, step.wantSSO)
			} else if status == http.StatusOK && !strings.Contains(xml, "role/EmergencyAccess_Role1_Ops") {
				t.Errorf("bob's response lacks his role:\n%s", xml)
			}
		})
	}
	log := logs.String()
	for _, want := range []string{
		`msg="admin change" actor=carol via=web action=enable-app remote=127.0.0.1 target=aws`,
		`msg="admin change" actor=carol via=web action=disable-app remote=127.0.0.1 target=aws`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %s:\n%s", want, log)
		}
	}
}

func TestAdminPageMembers(t *testing.T) {
	s, logs := startAdminIdP(t, nil)
	carol := newBrowser(t, s)
	carol.signIn("carol", testPassword, "/")
	mallory := newBrowser(t, s)
	mallory.signIn("mallory", testPassword, "/")
	if status, _ := mallory.roles(); status != http.StatusForbidden {
		t.Fatalf("mallory, in no group: got %d, want 403", status)
	}

	// Add mallory to Role1_RO through the form of that group.
	admin := carol.get("/admin")
	var add form
	for _, f := range admin.forms() {
		if f.button == "Add member" && f.fields.Get("group") == groupRole1RO {
			add = f
		}
	}
	if add.action == "" {
		t.Fatalf("no Add member form for %s", groupRole1RO)
	}
	if p := carol.submit(add, url.Values{"user": {"mallory"}}); p.status != http.StatusSeeOther {
		t.Fatalf("add: got %d\n%s", p.status, p.body)
	}
	after := carol.get("/admin")
	if !strings.Contains(after.body, "Added mallory to "+groupRole1RO+".") {
		t.Errorf("no notice:\n%s", after.body)
	}
	if status, xml := mallory.roles(); status != http.StatusOK || !strings.Contains(xml, role1ROARN) {
		t.Fatalf("after add: got %d, want a response with %s\n%s", status, role1ROARN, xml)
	}

	// Remove her again with her Remove button.
	if p := carol.submit(after.form(t, "Remove mallory from "+groupRole1RO), nil); p.status != http.StatusSeeOther {
		t.Fatalf("remove: got %d\n%s", p.status, p.body)
	}
	if status, _ := mallory.roles(); status != http.StatusForbidden {
		t.Errorf("after remove: got %d, want 403", status)
	}
	if !strings.Contains(carol.get("/admin").body, "Removed mallory from "+groupRole1RO+".") {
		t.Error("no notice after remove")
	}
	for _, want := range []string{
		`msg="admin change" actor=carol via=web action=add-member remote=127.0.0.1 target=` + groupRole1RO + ` user=mallory`,
		`msg="admin change" actor=carol via=web action=remove-member remote=127.0.0.1 target=` + groupRole1RO + ` user=mallory`,
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}

	t.Run("expiry shown", func(t *testing.T) {
		until := s.clock.Now().Add(time.Hour).UTC().Truncate(time.Second)
		if err := s.p.AddMember("alice", groupRole2RO, until); err != nil {
			t.Fatal(err)
		}
		if p := carol.get("/admin"); !strings.Contains(p.body, "until "+until.Format(time.RFC3339)) {
			t.Errorf("the membership's expiry is not shown:\n%s", p.body)
		}
	})
	t.Run("refusals", func(t *testing.T) {
		csrf := carol.get("/admin").form(t, "Add member").fields.Get("csrf")
		tests := []struct {
			name, path string
			form       url.Values
			status     int
			want       string
		}{
			{"unknown user", "/admin/members/add", url.Values{"user": {"eve"}, "group": {groupRole1RO}}, http.StatusNotFound, `There is no user &#34;eve&#34;.`},
			{"unknown group", "/admin/members/remove", url.Values{"user": {"bob"}, "group": {"admins"}}, http.StatusNotFound, `There is no group &#34;admins&#34;.`},
			{"unknown app", "/admin/apps/enable", url.Values{"app": {"gcp"}}, http.StatusNotFound, `There is no app &#34;gcp&#34;.`},
			{"no user", "/admin/members/add", url.Values{"group": {groupRole1RO}}, http.StatusBadRequest, "Choose a user and a group."},
			{"no app", "/admin/apps/disable", url.Values{}, http.StatusBadRequest, "Choose an app."},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tt.form.Set("csrf", csrf)
				p := carol.post(tt.path, tt.form)
				if p.status != tt.status || !strings.Contains(p.body, `<p class="error" role="alert">`+tt.want+`</p>`) {
					t.Errorf("got %d, want %d with %q\n%s", p.status, tt.status, tt.want, p.body)
				}
			})
		}
	})
}

// api calls the admin API with a raw request.
func api(t *testing.T, s *idpServer, method, path, auth, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s %s: answer is not JSON: %v", method, path, err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	return resp.StatusCode, resp.Header, out
}

func TestAdminAPI(t *testing.T) {
	s, logs := startAdminIdP(t, nil)
	bearer := "Bearer " + adminToken
	tests := []struct {
		name, method, path, auth, body string
		status                         int
		want                           map[string]any
	}{
		{"no token", "POST", "/admin/api/enable-app", "", `{"app":"aws"}`, 401, map[string]any{"code": "unauthorized"}},
		{"wrong token", "POST", "/admin/api/enable-app", "Bearer nope", `{"app":"aws"}`, 401, map[string]any{"code": "unauthorized"}},
		{"token prefix", "POST", "/admin/api/enable-app", "Bearer " + adminToken[:10], `{"app":"aws"}`, 401, map[string]any{"code": "unauthorized"}},
		{"basic scheme", "POST", "/admin/api/enable-app", "Basic " + adminToken, `{"app":"aws"}`, 401, map[string]any{"code": "unauthorized"}},
		{"unknown endpoint without token", "POST", "/admin/api/delete-user", "", `{}`, 401, map[string]any{"code": "unauthorized"}},
		{"unknown endpoint", "POST", "/admin/api/delete-user", bearer, `{}`, 404, map[string]any{"code": "not_found"}},
		{"GET", "GET", "/admin/api/enable-app", bearer, ``, 405, map[string]any{"code": "method_not_allowed"}},
		{"empty body", "POST", "/admin/api/enable-app", bearer, ``, 400, map[string]any{"code": "bad_request"}},
		{"not JSON", "POST", "/admin/api/enable-app", bearer, `app=aws`, 400, map[string]any{"code": "bad_request"}},
		{"unknown key", "POST", "/admin/api/enable-app", bearer, `{"app":"aws","force":true}`, 400, map[string]any{"code": "bad_request"}},
		{"trailing data", "POST", "/admin/api/enable-app", bearer, `{"app":"aws"} {}`, 400, map[string]any{"code": "bad_request"}},
		{"no app", "POST", "/admin/api/enable-app", bearer, `{}`, 400, map[string]any{"code": "bad_request", "error": `"app" is required`}},
		{"no group", "POST", "/admin/api/add-member", bearer, `{"user":"bob"}`, 400, map[string]any{"code": "bad_request", "error": `"user" and "group" are required`}},
		{"too large", "POST", "/admin/api/add-member", bearer, `{"user":"` + strings.Repeat("a", 20<<10) + `"}`, 413, map[string]any{"code": "too_large"}},
		{"unknown app", "POST", "/admin/api/disable-app", bearer, `{"app":"gcp"}`, 404, map[string]any{"code": "unknown_app", "error": `unknown app "gcp"`}},
		{"unknown user", "POST", "/admin/api/add-member", bearer, `{"user":"eve","group":"responders"}`, 404, map[string]any{"code": "unknown_user", "error": `unknown user "eve"`}},
		{"unknown group", "POST", "/admin/api/remove-member", bearer, `{"user":"bob","group":"admins"}`, 404, map[string]any{"code": "unknown_group", "error": `unknown group "admins"`}},
		{"disable", "POST", "/admin/api/disable-app", bearer, `{"app":"aws"}`, 200, map[string]any{"app": "aws", "label": "AWS emergency access", "enabled": false}},
		{"enable", "POST", "/admin/api/enable-app", "bearer " + adminToken, `{"app":"aws"}`, 200, map[string]any{"app": "aws", "label": "AWS emergency access", "enabled": true}},
		{"add", "POST", "/admin/api/add-member", bearer, `{"user":"mallory","group":"` + groupRole1Ops + `"}`, 200,
			map[string]any{"user": "mallory", "group": groupRole1Ops, "member": true, "members": []any{"bob", "mallory"}}},
		{"remove", "POST", "/admin/api/remove-member", bearer, `{"user":"bob","group":"` + groupRole1Ops + `"}`, 200,
			map[string]any{"user": "bob", "group": groupRole1Ops, "member": false, "members": []any{"mallory"}}},
		{"remove again", "POST", "/admin/api/remove-member", bearer, `{"user":"bob","group":"` + groupRole1Ops + `"}`, 200,
			map[string]any{"user": "bob", "group": groupRole1Ops, "member": false, "members": []any{"mallory"}}},
		{"remove the last", "POST", "/admin/api/remove-member", bearer, `{"user":"mallory","group":"` + groupRole1Ops + `"}`, 200,
			map[string]any{"user": "mallory", "group": groupRole1Ops, "member": false, "members": []any{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, header, got := api(t, s, tt.method, tt.path, tt.auth, tt.body)
			if status != tt.status {
				t.Errorf("status: got %d, want %d (%v)", status, tt.status, got)
			}
			for k, want := range tt.want {
				if g, _ := json.Marshal(got[k]); string(g) != mustJSON(t, want) {
					t.Errorf("%s: got %s, want %s", k, g, mustJSON(t, want))
				}
			}
			if status >= 400 && got["error"] == "" {
				t.Errorf("no error message: %v", got)
			}
			if status == 401 && header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			if status == 405 && header.Get("Allow") != "POST" {
				t.Errorf("Allow got %q", header.Get("Allow"))
			}
		})
	}
	log := logs.String()
	if strings.Contains(log, adminToken) || strings.Contains(log, adminToken[:10]) {
		t.Errorf("the log holds the admin token:\n%s", log)
	}
	for _, want := range []string{
		`msg="admin API request refused" path=/admin/api/enable-app remote=127.0.0.1 reason="missing or wrong admin token"`,
		`msg="admin change" actor=admin-api via=api action=add-member remote=127.0.0.1 target=` + groupRole1Ops + ` user=mallory`,
		`msg="admin change" actor=admin-api via=api action=disable-app remote=127.0.0.1 target=aws`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %s:\n%s", want, log)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAdminAPIOff(t *testing.T) {
	s, _ := startAdminIdP(t, func(hc *idp.HandlerConfig) { hc.AdminToken = "" })
	for _, auth := range []string{"", "Bearer ", "Bearer " + adminToken} {
		status, _, got := api(t, s, "POST", "/admin/api/enable-app", auth, `{"app":"aws"}`)
		if status != http.StatusNotFound || got["code"] != "api_off" {
			t.Errorf("Authorization %q: got %d %v, want 404 api_off", auth, status, got)
		}
	}
	if !s.p.Apps()[0].Enabled {
		t.Fatal("unchanged app expected")
	}
	// The pages still work for an administrator.
	b := newBrowser(t, s)
	b.signIn("carol", testPassword, "/")
	if p := b.get("/admin"); p.status != http.StatusOK {
		t.Errorf("admin page without an API token: %d", p.status)
	}
}

func TestAdminClient(t *testing.T) {
	s, _ := startAdminIdP(t, nil)
	ctx := t.Context()
	c := &idp.AdminClient{URL: s.URL + "/", Token: adminToken}
	st, err := c.SetAppEnabled(ctx, "aws", false)
	if err != nil || st != (idp.AppState{App: "aws", Label: "AWS emergency access", Enabled: false}) {
		t.Fatalf("disable: %+v, %v", st, err)
	}
	if s.p.Apps()[0].Enabled {
		t.Error("the app is still enabled")
	}
	ms, err := c.AddMember(ctx, "alice", groupRole1RO)
	if err != nil || !ms.Member || strings.Join(ms.Members, ",") != "alice" {
		t.Fatalf("add: %+v, %v", ms, err)
	}
	if ms, err = c.RemoveMember(ctx, "alice", groupRole1RO); err != nil || ms.Member || len(ms.Members) != 0 {
		t.Fatalf("remove: %+v, %v", ms, err)
	}

	tests := []struct {
		name   string
		client *idp.AdminClient
		call   func(*idp.AdminClient) error
		status int
		code   string
	}{
		{"wrong token", &idp.AdminClient{URL: s.URL, Token: "wrong"}, func(c *idp.AdminClient) error { _, err := c.SetAppEnabled(ctx, "aws", true); return err }, 401, idp.CodeUnauthorized},
		{"unknown app", c, func(c *idp.AdminClient) error { _, err := c.SetAppEnabled(ctx, "gcp", true); return err }, 404, idp.CodeUnknownApp},
		{"unknown user", c, func(c *idp.AdminClient) error { _, err := c.AddMember(ctx, "eve", groupRole1RO); return err }, 404, idp.CodeUnknownUser},
		{"unknown group", c, func(c *idp.AdminClient) error { _, err := c.RemoveMember(ctx, "bob", "admins"); return err }, 404, idp.CodeUnknownGroup},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call(tt.client)
			var apiErr *idp.AdminAPIError
			if !errors.As(err, &apiErr) || apiErr.Status != tt.status || apiErr.Code != tt.code {
				t.Errorf("got %v, want an AdminAPIError %d %s", err, tt.status, tt.code)
			}
		})
	}
	t.Run("not an IdP", func(t *testing.T) {
		c := &idp.AdminClient{URL: s.URL + "/static", Token: adminToken}
		_, err := c.SetAppEnabled(ctx, "aws", true)
		var apiErr *idp.AdminAPIError
		if err == nil || errors.As(err, &apiErr) || !strings.Contains(err.Error(), "is it a breakglass IdP?") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		c := &idp.AdminClient{URL: "http://127.0.0.1:1", Token: adminToken}
		_, err := c.SetAppEnabled(ctx, "aws", true)
		var apiErr *idp.AdminAPIError
		if err == nil || errors.As(err, &apiErr) || !strings.Contains(err.Error(), "reach the IdP") {
			t.Errorf("got %v", err)
		}
	})
}

func TestSignInURLMapping(t *testing.T) {
	const signIn = "http://127.0.0.1:4566/saml"
	tests := []struct {
		name        string
		acs         string // the app's ACS; empty: the global AWS endpoint
		signInURL   string
		wantAction  string
		wantStandIn bool
	}{
		{"global endpoint", "", signIn, signIn, true},
		{"regional endpoint", idp.RegionalSignInURL("us-west-2"), signIn, signIn, true},
		{"GovCloud endpoint", idp.RegionalSignInURL("us-gov-west-1"), signIn, signIn, true},
		{"no sign-in URL", "", "", idp.AWSSignInURL, false},
		{"another SP", "https://sp.example/acs", signIn, "https://sp.example/acs", false},
		{"look-alike host", "https://signin.aws.amazon.com.evil.example/saml", signIn, "https://signin.aws.amazon.com.evil.example/saml", false},
		{"http AWS", "http://signin.aws.amazon.com/saml", signIn, "http://signin.aws.amazon.com/saml", false},
		{"another path", "https://signin.aws.amazon.com/saml/extra", signIn, "https://signin.aws.amazon.com/saml/extra", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startIdPWith(t, func(c *idp.Config) { c.Apps[0].ACS = tt.acs }, idp.HandlerConfig{SignInURL: tt.signInURL})
			b := newBrowser(t, s)
			b.signIn("bob", testPassword, "/")
			p := b.get("/app/aws/sso")
			if p.status != http.StatusOK {
				t.Fatalf("SSO: %d\n%s", p.status, p.body)
			}
			if !strings.Contains(p.body, `<form id="saml-post" method="post" action="`+tt.wantAction+`">`) {
				t.Errorf("form action is not %s:\n%s", tt.wantAction, p.body)
			}
			u, _ := url.Parse(tt.wantAction)
			if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' "+u.Scheme+"://"+u.Host+";") {
				t.Errorf("CSP does not allow %s: %q", tt.wantAction, csp)
			}
			if !strings.Contains(p.body, "Your browser is being sent to <code>"+tt.wantAction+"</code>") {
				t.Errorf("the note does not say where the browser goes:\n%s", p.body)
			}
			dest := tt.acs
			if dest == "" {
				dest = idp.AWSSignInURL
			}
			if got := strings.Contains(p.body, "stands in for <code>"+dest+"</code>"); got != tt.wantStandIn {
				t.Errorf("note names the AWS endpoint: got %v, want %v\n%s", got, tt.wantStandIn, p.body)
			}
			xml, err := base64.StdEncoding.DecodeString(p.hidden().Get("SAMLResponse"))
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{`Destination="` + dest + `"`, `Recipient="` + dest + `"`} {
				if !strings.Contains(string(xml), want) {
					t.Errorf("the response lacks %s:\n%s", want, xml)
				}
			}
			if tt.wantAction != dest && strings.Contains(string(xml), tt.wantAction) {
				t.Errorf("the response names the sign-in stand-in %s", tt.wantAction)
			}
		})
	}
}

func TestSignInURLInvalid(t *testing.T) {
	p := newProvider(t, nil)
	for _, bad := range []string{"127.0.0.1:4566/saml", "/saml", "ftp://host/saml", "http:///saml"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("SignInURL %q: no panic", bad)
				}
			}()
			p.Handler(idp.HandlerConfig{SignInURL: bad})
		}()
	}
}
