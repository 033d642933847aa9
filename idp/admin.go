package idp

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

// AdminPath is the identity administrator's page; AdminAPIPath prefixes
// the admin API for scripts.
const (
	AdminPath    = "/admin"
	AdminAPIPath = "/admin/api/"
)

// The administrative actions: the admin API's endpoint names, the CLI's
// verbs and the action key of the log record of each change.
const (
	ActionEnableApp    = "enable-app"
	ActionDisableApp   = "disable-app"
	ActionAddMember    = "add-member"
	ActionRemoveMember = "remove-member"
)

// maxAPIBody bounds an admin API request body: a JSON object of two names.
const maxAPIBody = 16 << 10

// IsAdmin reports whether username is an identity administrator. An
// unknown user is not.
func (p *Provider) IsAdmin(username string) bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.users[username].Admin
}

// adminGroup is a group as the administration page shows it.
type adminGroup struct {
	Name, Description string
	Members           []adminMember
	// Candidates are the users who are not members now, sorted.
	Candidates []string
}

// adminMember is an active membership; Until is its expiry (RFC 3339, UTC)
// or empty.
type adminMember struct {
	User, Until string
}

// adminGroups returns every group sorted by name, with its active
// members and the users who could be added.
func (p *Provider) adminGroups() []adminGroup {
	p.mu.RLock()
	defer p.mu.RUnlock()
	now := p.now()
	users := make([]string, 0, len(p.users))
	for u := range p.users {
		users = append(users, u)
	}
	sort.Strings(users)
	out := make([]adminGroup, 0, len(p.groups))
	for _, g := range p.groups {
		ag := adminGroup{Name: g.Name, Description: g.Description}
		in := map[string]bool{}
		for _, m := range p.memberships {
			if m.Group != g.Name || !m.Active(now) {
				continue
			}
			am := adminMember{User: m.User}
			if !m.Expires.IsZero() {
				am.Until = m.Expires.UTC().Format(time.RFC3339)
			}
			ag.Members = append(ag.Members, am)
			in[m.User] = true
		}
		sort.Slice(ag.Members, func(i, j int) bool { return ag.Members[i].User < ag.Members[j].User })
		for _, u := range users {
			if !in[u] {
				ag.Candidates = append(ag.Candidates, u)
			}
		}
		out = append(out, ag)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// adminChange is one administrative change: App for the app actions, User
// and Group for the membership actions.
type adminChange struct {
	action, app, user, group string
}

// apply makes the change and logs it with its actor; via says whether it
// came from the pages ("web") or the API ("api"). Unknown names come back
// as ErrUnknownApp, ErrUnknownUser or ErrUnknownGroup, wrapped.
func (s *server) apply(r *http.Request, actor, via string, c adminChange) error {
	var err error
	switch c.action {
	case ActionEnableApp, ActionDisableApp:
		err = s.p.SetAppEnabled(c.app, c.action == ActionEnableApp)
	case ActionAddMember:
		err = s.p.AddMember(c.user, c.group, time.Time{})
	case ActionRemoveMember:
		err = s.p.RemoveMember(c.user, c.group)
	default:
		err = fmt.Errorf("unknown admin action %q", c.action)
	}
	attrs := []any{"actor", actor, "via", via, "action", c.action, "remote", clientAddr(r)}
	if c.app != "" {
		attrs = append(attrs, "target", c.app)
	} else {
		attrs = append(attrs, "target", c.group, "user", c.user)
	}
	if err != nil {
		s.log.Warn("admin change refused", append(attrs, "err", err)...)
		return err
	}
	s.log.Info("admin change", attrs...)
	return nil
}

// unknownName says which name of a change the directory lacks, for people.
func unknownName(c adminChange, err error) string {
	switch {
	case errors.Is(err, ErrUnknownApp):
		return fmt.Sprintf("There is no app %q.", c.app)
	case errors.Is(err, ErrUnknownUser):
		return fmt.Sprintf("There is no user %q.", c.user)
	case errors.Is(err, ErrUnknownGroup):
		return fmt.Sprintf("There is no group %q.", c.group)
	}
	return ""
}

func (s *server) adminRoutes(mux *http.ServeMux, token string) {
	mux.HandleFunc("GET "+AdminPath, s.adminPage)
	mux.HandleFunc("POST "+AdminPath+"/apps/enable", s.adminForm(ActionEnableApp))
	mux.HandleFunc("POST "+AdminPath+"/apps/disable", s.adminForm(ActionDisableApp))
	mux.HandleFunc("POST "+AdminPath+"/members/add", s.adminForm(ActionAddMember))
	mux.HandleFunc("POST "+AdminPath+"/members/remove", s.adminForm(ActionRemoveMember))
	mux.Handle(AdminAPIPath, s.adminAPI(token))
}

// requireAdmin is requireSignIn for the administration pages: a signed-in
// user who is not an administrator gets 403.
func (s *server) requireAdmin(w http.ResponseWriter, r *http.Request) (*session, bool) {
	sess, ok := s.requireSignIn(w, r, AdminPath)
	if !ok {
		return nil, false
	}
	if !s.p.IsAdmin(sess.user) {
		s.fail(w, r, http.StatusForbidden, "Administrators only",
			"Only identity administrators can open the administration pages.",
			fmt.Errorf("user %q is not an administrator", sess.user))
		return nil, false
	}
	return sess, true
}

func (s *server) adminPage(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.requireAdmin(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	notice := sess.notice
	sess.notice = ""
	s.mu.Unlock()
	s.renderAdmin(w, http.StatusOK, sess, notice, "")
}

func (s *server) renderAdmin(w http.ResponseWriter, status int, sess *session, notice, msg string) {
	s.render(w, status, "admin", pageData{Title: "Administration", User: sess.user, CSRF: sess.csrf,
		Admin: true, Notice: notice, Error: msg, Apps: s.p.Apps(), Groups: s.p.adminGroups()})
}

// adminForm handles the POST of one administration form: sign-in, then
// administrator, then the session's CSRF token (the /logout pattern), then
// the change. A change redirects back to the page, which shows what was
// done (POST/redirect/GET).
func (s *server) adminForm(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := readForm(w, r); err != nil {
			s.fail(w, r, http.StatusRequestEntityTooLarge, "Request refused", "The form could not be read.", err)
			return
		}
		sess, ok := s.requireAdmin(w, r)
		if !ok {
			return
		}
		if subtle.ConstantTimeCompare([]byte(sess.csrf), []byte(r.PostFormValue("csrf"))) != 1 {
			s.fail(w, r, http.StatusForbidden, "Request refused",
				"This form has expired. Open the administration page again and retry.",
				fmt.Errorf("admin form %s from %q without the session's CSRF token", action, sess.user))
			return
		}
		c := adminChange{action: action, app: r.PostFormValue("app"), user: r.PostFormValue("user"), group: r.PostFormValue("group")}
		if action == ActionEnableApp || action == ActionDisableApp {
			c.user, c.group = "", ""
			if c.app == "" {
				s.renderAdmin(w, http.StatusBadRequest, sess, "", "Choose an app.")
				return
			}
		} else {
			c.app = ""
			if c.user == "" || c.group == "" {
				s.renderAdmin(w, http.StatusBadRequest, sess, "", "Choose a user and a group.")
				return
			}
		}
		if err := s.apply(r, sess.user, "web", c); err != nil {
			if msg := unknownName(c, err); msg != "" {
				s.renderAdmin(w, http.StatusNotFound, sess, "", msg)
				return
			}
			s.fail(w, r, http.StatusInternalServerError, "Change failed", "The IdP could not make the change.", err)
			return
		}
		var notice string
		switch action {
		case ActionEnableApp, ActionDisableApp:
			label := c.app
			if a, err := s.p.App(c.app); err == nil {
				label = a.Label
			}
			notice = "Enabled " + label + "."
			if action == ActionDisableApp {
				notice = "Disabled " + label + "."
			}
		case ActionAddMember:
			notice = "Added " + c.user + " to " + c.group + "."
		case ActionRemoveMember:
			notice = "Removed " + c.user + " from " + c.group + "."
		}
		s.mu.Lock()
		sess.notice = notice
		s.mu.Unlock()
		http.Redirect(w, r, AdminPath, http.StatusSeeOther)
	}
}

// The admin API's JSON bodies. Requests name an app, or a user and a
// group; unknown JSON keys are refused.
type (
	appRequest struct {
		App string `json:"app"`
	}
	memberRequest struct {
		User  string `json:"user"`
		Group string `json:"group"`
	}
)

// AppState is the admin API's answer to enable-app and disable-app: the
// app's state after the change.
type AppState struct {
	App     string `json:"app"`
	Label   string `json:"label"`
	Enabled bool   `json:"enabled"`
}

// MemberState is the admin API's answer to add-member and remove-member:
// whether User is now in Group, and the group's active members, sorted.
type MemberState struct {
	User    string   `json:"user"`
	Group   string   `json:"group"`
	Member  bool     `json:"member"`
	Members []string `json:"members"`
}

// AdminAPIError is an admin API refusal: the HTTP status and the JSON body
// {"error": Message, "code": Code}.
type AdminAPIError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"error"`
}

func (e *AdminAPIError) Error() string {
	return fmt.Sprintf("%s (HTTP %d)", e.Message, e.Status)
}

// The codes of AdminAPIError.
const (
	CodeAPIOff        = "api_off"
	CodeUnauthorized  = "unauthorized"
	CodeNotFound      = "not_found"
	CodeMethod        = "method_not_allowed"
	CodeBadRequest    = "bad_request"
	CodeTooLarge      = "too_large"
	CodeUnknownApp    = "unknown_app"
	CodeUnknownUser   = "unknown_user"
	CodeUnknownGroup  = "unknown_group"
	CodeInternalError = "internal_error"
)

const (
	bearerRealm = `Bearer realm="breakglass IdP admin API"`
	// adminAPIActor is the actor of API changes in the log: the holder of
	// the admin token.
	adminAPIActor = "admin-api"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"internal error","code":"internal_error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

func writeAPIError(w http.ResponseWriter, status int, code, format string, args ...any) {
	writeJSON(w, status, &AdminAPIError{Code: code, Message: fmt.Sprintf(format, args...)})
}

// adminAPI serves the admin API under AdminAPIPath. An empty token turns
// it off (404); otherwise every request must carry
// "Authorization: Bearer <token>" (RFC 6750, section 2.1), compared in
// constant time.
func (s *server) adminAPI(token string) http.Handler {
	want := sha256.Sum256([]byte(token))
	mux := http.NewServeMux()
	mux.HandleFunc(AdminAPIPath+ActionEnableApp, s.apiApp(ActionEnableApp))
	mux.HandleFunc(AdminAPIPath+ActionDisableApp, s.apiApp(ActionDisableApp))
	mux.HandleFunc(AdminAPIPath+ActionAddMember, s.apiMember(ActionAddMember))
	mux.HandleFunc(AdminAPIPath+ActionRemoveMember, s.apiMember(ActionRemoveMember))
	mux.HandleFunc(AdminAPIPath, func(w http.ResponseWriter, r *http.Request) {
		writeAPIError(w, http.StatusNotFound, CodeNotFound, "no admin API endpoint %s", r.URL.Path)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token == "" {
			writeAPIError(w, http.StatusNotFound, CodeAPIOff, "the admin API is off: the IdP was started without an admin token")
			return
		}
		scheme, given, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		got := sha256.Sum256([]byte(strings.TrimSpace(given)))
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			s.log.Warn("admin API request refused", "path", r.URL.Path, "remote", clientAddr(r), "reason", "missing or wrong admin token")
			w.Header().Set("WWW-Authenticate", bearerRealm)
			writeAPIError(w, http.StatusUnauthorized, CodeUnauthorized, "missing or wrong admin token")
			return
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeAPIError(w, http.StatusMethodNotAllowed, CodeMethod, "%s takes POST, not %s", r.URL.Path, r.Method)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// decodeRequest reads one bounded JSON object into v, refusing unknown
// keys and trailing data. It writes the error response and reports false
// when the body is unusable.
func decodeRequest(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxAPIBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			err = errors.New("trailing data after the JSON object")
		}
	}
	var tooLarge *http.MaxBytesError
	switch {
	case err == nil:
		return true
	case errors.As(err, &tooLarge):
		writeAPIError(w, http.StatusRequestEntityTooLarge, CodeTooLarge, "request body is larger than %d bytes", maxAPIBody)
	case errors.Is(err, io.EOF):
		writeAPIError(w, http.StatusBadRequest, CodeBadRequest, "request body is empty: want a JSON object")
	default:
		writeAPIError(w, http.StatusBadRequest, CodeBadRequest, "request body: %v", err)
	}
	return false
}

// apiRefusal answers a failed change: 404 for an unknown name, 500 else.
func apiRefusal(w http.ResponseWriter, c adminChange, err error) {
	switch {
	case errors.Is(err, ErrUnknownApp):
		writeAPIError(w, http.StatusNotFound, CodeUnknownApp, "unknown app %q", c.app)
	case errors.Is(err, ErrUnknownUser):
		writeAPIError(w, http.StatusNotFound, CodeUnknownUser, "unknown user %q", c.user)
	case errors.Is(err, ErrUnknownGroup):
		writeAPIError(w, http.StatusNotFound, CodeUnknownGroup, "unknown group %q", c.group)
	default:
		writeAPIError(w, http.StatusInternalServerError, CodeInternalError, "the IdP could not make the change")
	}
}

func (s *server) apiApp(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req appRequest
		if !decodeRequest(w, r, &req) {
			return
		}
		if req.App == "" {
			writeAPIError(w, http.StatusBadRequest, CodeBadRequest, `"app" is required`)
			return
		}
		c := adminChange{action: action, app: req.App}
		if err := s.apply(r, adminAPIActor, "api", c); err != nil {
			apiRefusal(w, c, err)
			return
		}
		a, err := s.p.App(req.App)
		if err != nil {
			apiRefusal(w, c, err)
			return
		}
		writeJSON(w, http.StatusOK, AppState{App: a.ID, Label: a.Label, Enabled: a.Enabled})
	}
}

func (s *server) apiMember(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req memberRequest
		if !decodeRequest(w, r, &req) {
			return
		}
		if req.User == "" || req.Group == "" {
			writeAPIError(w, http.StatusBadRequest, CodeBadRequest, `"user" and "group" are required`)
			return
		}
		c := adminChange{action: action, user: req.User, group: req.Group}
		if err := s.apply(r, adminAPIActor, "api", c); err != nil {
			apiRefusal(w, c, err)
			return
		}
		members, err := s.p.Members(req.Group)
		if err != nil {
			apiRefusal(w, c, err)
			return
		}
		if members == nil {
			members = []string{}
		}
		writeJSON(w, http.StatusOK, MemberState{User: req.User, Group: req.Group, Member: slices.Contains(members, req.User), Members: members})
	}
}
