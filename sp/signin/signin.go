// Package signin is the browser side of the AWS emulator: AWS's sign-in
// SAML endpoint (POST /saml, and /<region>/saml for the regional endpoints)
// with its role chooser, the account sign-in page of IAM users (password,
// then an MFA code), and a console page that shows the signed-in identity
// and switches role.
//
// Every credential comes from the emulator's STS through the same request
// pipeline as the API (Config.Call): a browser sign-in is judged by the
// checks of AssumeRoleWithSAML, a role switch by those of AssumeRole (trust
// policy, identity policies, SCPs, the one-hour role-chaining cap), and both
// are recorded in the event log as on AWS, with the console's own
// ConsoleLogin and SwitchRole events beside them.
//
// Sources: IAM User Guide, "Enabling SAML 2.0 federated principals to access
// the AWS Management Console" [R12] and "Switch to a role (console)";
// CloudTrail User Guide, "AWS Management Console sign-in events" [R32];
// reference sections 3 (browser error texts), 7 and 8.3.
package signin

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/breakglass-dev/breakglass/internal/lockout"
	"github.com/breakglass-dev/breakglass/sp/internal/awsquery"
	"github.com/breakglass-dev/breakglass/sp/internal/events"
	"github.com/breakglass-dev/breakglass/sp/internal/store"
	"github.com/breakglass-dev/breakglass/sp/internal/webpage"
	"github.com/breakglass-dev/breakglass/sp/sts"
)

//go:embed web
var webFS embed.FS

var pages = template.Must(template.ParseFS(webFS, "web/templates/pages.html"))

// Names of the cookies the pages set.
const (
	consoleCookie = "bg_console"
	formCookie    = "bg_signin_form"
	mfaCookie     = "bg_signin_mfa"
)

// Limits on what the pages read from a browser.
const (
	// maxSAMLForm bounds a POST to /saml: a SAMLResponse of at most
	// 100,000 characters [R1], URL-encoded, and a RelayState.
	maxSAMLForm = 512 << 10
	maxForm     = 16 << 10
	maxField    = 256
	// sweepAbove is the session count above which a new session first
	// drops the expired ones.
	sweepAbove = 1024
)

// Call runs one STS action for caller through the emulator's request
// pipeline (fault injection, STS's checks, the event log), as if caller had
// sent a signed request from r's address. caller is the zero Principal for
// AssumeRoleWithSAML. It returns the outcome and the request id.
type Call func(r *http.Request, caller store.Principal, params url.Values) (sts.Outcome, string, *awsquery.Error)

// Config wires the pages to the emulator. Store, STS, Events and Call are
// required.
type Config struct {
	Store  *store.Store
	STS    *sts.Service
	Events *events.Log
	Call   Call
	// Now is the emulator's clock; nil means time.Now.
	Now func() time.Time
	// Logger receives one record per sign-in and switch. Nil discards.
	Logger *slog.Logger
	// MaxFailures is how many failed IAM user sign-ins a user name or a
	// client address may make within FailureWindow before it is refused
	// with 429. Zero means 5.
	MaxFailures int
	// FailureWindow is the window of MaxFailures. Zero means 15 minutes.
	FailureWindow time.Duration
}

// identity is one credential set of a console session: the sign-in, then
// one per role switched into.
type identity struct {
	key     store.AccessKey
	display string // the Display name given when switching
}

// session is a console session.
type session struct {
	chain   []identity // chain[0] is the sign-in; the last is current
	csrf    string
	relay   string // RelayState of the SAML sign-in
	expires time.Time
}

// pendingMFA is an IAM user sign-in whose password was accepted and whose
// MFA code is still to come.
type pendingMFA struct {
	user    store.Principal
	serial  string
	csrf    string
	expires time.Time
}

// pendingLifetime bounds the time between the password and the MFA code.
const pendingLifetime = 5 * time.Minute

// iamConsoleSession is how long an IAM user's console session lasts: the
// console signs IAM users out after 12 hours (IAM User Guide, "How IAM
// users sign in to AWS"; docs/aws-behaviour.md).
const iamConsoleSession = 12 * time.Hour

// Handler serves the sign-in and console pages.
type Handler struct {
	cfg      Config
	log      *slog.Logger
	secure   http.Handler // the mux behind the pages' headers
	failures *lockout.Lockout

	mu       sync.Mutex
	sessions map[string]*session
	pending  map[string]*pendingMFA
}

// New returns the pages' handler. Mount it for the paths Paths lists.
func New(cfg Config) *Handler {
	h := &Handler{cfg: cfg, log: cfg.Logger, sessions: map[string]*session{}, pending: map[string]*pendingMFA{}}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	maxFail, window := cfg.MaxFailures, cfg.FailureWindow
	if maxFail <= 0 {
		maxFail = 5
	}
	if window <= 0 {
		window = 15 * time.Minute
	}
	h.failures = lockout.New(maxFail, window, h.now)
	static, err := fs.Sub(webFS, "web/static")
	if err != nil {
		panic(err) // a valid path in the embedded tree
	}
	files := http.FileServerFS(static)
	mux := http.NewServeMux()
	mux.Handle("GET /static/signin.css", http.StripPrefix("/static/", files))
	for _, rt := range h.routes() {
		mux.HandleFunc(rt.method+" "+rt.path, rt.fn)
	}
	h.secure = webpage.Secure(mux, func(path string) bool { return strings.HasPrefix(path, "/static/") })
	return h
}

type route struct {
	method, path string
	fn           http.HandlerFunc
}

func (h *Handler) routes() []route {
	return []route{
		// Browsers ask every site for an icon: answer with none, not 404.
		{"GET", "/favicon.ico", noContent},
		{"GET", "/saml", h.samlInfo},
		{"POST", "/saml", h.saml},
		// The regional endpoints (https://<region>.signin.aws.amazon.com/saml),
		// as a path on the emulator's one host.
		{"POST", "/{region}/saml", h.saml},
		{"GET", "/console", h.console},
		{"POST", "/console/switchrole", h.switchRole},
		{"POST", "/console/switchback", h.switchBack},
		{"POST", "/console/signout", h.signOut},
		{"GET", "/console/signedout", h.signedOut},
		{"GET", "/console/signin", h.iamForm},
		{"POST", "/console/signin", h.iamSignIn},
		{"POST", "/console/signin/mfa", h.iamMFA},
	}
}

// Paths lists the paths the handler answers, for the emulator's own mux.
func Paths() []string {
	paths := []string{"/static/signin.css"}
	seen := map[string]bool{}
	for _, rt := range (&Handler{}).routes() {
		if !seen[rt.path] {
			seen[rt.path] = true
			paths = append(paths, rt.path)
		}
	}
	return paths
}

// ServeHTTP serves a page with the headers every page carries.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.secure.ServeHTTP(w, r) }

func noContent(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }

func (h *Handler) now() time.Time {
	if h.cfg.Now != nil {
		return h.cfg.Now()
	}
	return time.Now()
}

// page is what a template renders.
type page struct {
	Title, Heading, Who, CSRF  string
	Error, ErrorDetail, Notice string
	LogoutLink                 bool
	Action, SAMLResponse       string
	RelayState                 string
	Accounts                   []chooserAccount
	Identity                   *identityView
	Previous                   string
	Form                       struct{ Account, Role, Display, User string }
}

func (h *Handler) render(w http.ResponseWriter, status int, name string, p page) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, p); err != nil {
		h.log.Error("render page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// fail renders an error page.
func (h *Handler) fail(w http.ResponseWriter, status int, heading, msg, detail string) {
	h.render(w, status, "error", page{Title: heading, Heading: heading, Error: msg, ErrorDetail: detail})
}

func randomToken() string {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err)) // the runtime guarantees it does not
	}
	return hex.EncodeToString(b[:])
}

// readForm parses a POST form of bounded size.
func readForm(w http.ResponseWriter, r *http.Request, limit int64) error {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	return r.ParseForm()
}

// field returns a trimmed form value, cut to maxField bytes.
func field(r *http.Request, name string) string {
	v := strings.TrimSpace(r.PostFormValue(name))
	if len(v) > maxField {
		v = v[:maxField]
	}
	return v
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func setCookie(w http.ResponseWriter, r *http.Request, name, value, path string, maxAge int, same http.SameSite) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: path, MaxAge: maxAge, HttpOnly: true, Secure: r.TLS != nil, SameSite: same})
}

// formToken sets a fresh token in a SameSite=Strict cookie for a form
// rendered outside a console session (the role chooser, the IAM user
// sign-in), and returns it for the form's hidden field.
func formToken(w http.ResponseWriter, r *http.Request) string {
	t := randomToken()
	setCookie(w, r, formCookie, t, "/", 0, http.SameSiteStrictMode)
	return t
}

// checkFormToken reports whether a posted form carries the token of its
// cookie.
func checkFormToken(r *http.Request) bool {
	c, err := r.Cookie(formCookie)
	return err == nil && c.Value != "" && equal(c.Value, r.PostFormValue("csrf"))
}

// newSession starts a console session with its first identity and sets
// its cookie; a sign-in always replaces the caller's old session.
func (h *Handler) newSession(w http.ResponseWriter, r *http.Request, first identity, expires time.Time, relay string) {
	token := randomToken()
	now := h.now()
	h.mu.Lock()
	if old, err := r.Cookie(consoleCookie); err == nil {
		delete(h.sessions, old.Value) // no session fixation
	}
	if len(h.sessions) > sweepAbove {
		for t, s := range h.sessions {
			if !now.Before(s.expires) {
				delete(h.sessions, t)
			}
		}
	}
	h.sessions[token] = &session{chain: []identity{first}, csrf: randomToken(), relay: relay, expires: expires}
	h.mu.Unlock()
	setCookie(w, r, consoleCookie, token, "/", 0, http.SameSiteLaxMode)
}

// session returns the caller's live console session and its token. A
// switched-role identity whose credentials expired is dropped (the console
// returns to the identity before it) and reported in expired.
func (h *Handler) session(r *http.Request) (s *session, token, expired string) {
	c, err := r.Cookie(consoleCookie)
	if err != nil {
		return nil, "", ""
	}
	now := h.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	s, ok := h.sessions[c.Value]
	if !ok {
		return nil, "", ""
	}
	if !now.Before(s.expires) || !now.Before(s.chain[0].key.Expires) {
		delete(h.sessions, c.Value)
		return nil, "", ""
	}
	for len(s.chain) > 1 && !now.Before(s.chain[len(s.chain)-1].key.Expires) {
		expired = roleName(s.chain[len(s.chain)-1].key.Principal)
		s.chain = s.chain[:len(s.chain)-1]
	}
	return s, c.Value, expired
}
