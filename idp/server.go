package idp

import (
	"bytes"
	"compress/flate"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/beevik/etree"

	"github.com/breakglass-dev/breakglass/internal/lockout"
)

//go:embed web
var webFS embed.FS

var pages = template.Must(template.ParseFS(webFS, "web/templates/pages.html"))

// Limits on what the HTTP IdP reads from a client.
const (
	maxFormBytes     = 64 << 10  // a sign-in or SSO form
	maxSAMLRequest   = 64 << 10  // the base64 SAMLRequest parameter
	maxInflatedBytes = 256 << 10 // an AuthnRequest after DEFLATE
	maxUsername      = 256
	sessionCookie    = "bg_idp_session"
	csrfCookie       = "bg_idp_csrf"
)

// HandlerConfig configures the HTTP IdP. The zero value is ready for use.
type HandlerConfig struct {
	// Logger receives one record per sign-in, SSO and administrative
	// change (actor, action, target), and one per refusal. It never
	// receives AdminToken. Nil discards.
	Logger *slog.Logger
	// SessionLifetime is how long a sign-in lasts. Zero means 8 hours.
	SessionLifetime time.Duration
	// MaxFailures is how many failed sign-ins a username or a client
	// address may make within LockoutWindow before it is refused with 429.
	// Zero means 5.
	MaxFailures int
	// LockoutWindow is the window of MaxFailures. Zero means 15 minutes.
	LockoutWindow time.Duration
	// AdminToken is the bearer token of the admin API under AdminAPIPath.
	// Empty turns the API off: it answers 404. The administration pages
	// need no token: they take a signed-in administrator.
	AdminToken string
	// SignInURL, when set, is where the auto-POST page sends a response
	// whose Destination is an AWS sign-in endpoint (the global
	// https://signin.aws.amazon.com/saml or a regional one), such as an
	// AWS emulator's http://127.0.0.1:4566/saml. The response itself is
	// unchanged: its Destination and Recipient still name AWS, as AWS
	// checks them. Empty means the browser posts to the Destination. It
	// must be an absolute http or https URL; Handler panics otherwise.
	SignInURL string
}

type session struct {
	user    string
	pending bool      // password accepted, TOTP still to come
	ret     string    // where to go once the TOTP step is done
	authnAt time.Time // when the user signed in
	mfa     bool      // the sign-in included a TOTP code
	csrf    string
	expires time.Time
	notice  string // what the last administrative change did, shown once
}

// pendingLifetime bounds the time between the password and the TOTP step.
const pendingLifetime = 5 * time.Minute

// sweepAbove is the session count above which every new session first
// drops the expired ones, so abandoned sessions cannot pile up.
const sweepAbove = 1024

type server struct {
	p        *Provider
	log      *slog.Logger
	lifetime time.Duration
	throttle *lockout.Lockout
	signIn   string // HandlerConfig.SignInURL

	mu       sync.Mutex
	sessions map[string]*session
}

// Handler returns the HTTP IdP: metadata, sign-in (password, then a TOTP
// code for enrolled users), a dashboard of apps, IdP-initiated SSO at
// /app/<id>/sso and SP-initiated SSO at /sso (HTTP-Redirect and HTTP-POST
// bindings), the administration page at AdminPath and the admin API under
// AdminAPIPath. Responses go to the app's ACS (or cfg.SignInURL) through an
// auto-submitting form.
func (p *Provider) Handler(cfg HandlerConfig) http.Handler {
	s := &server{p: p, log: cfg.Logger, lifetime: cfg.SessionLifetime, signIn: cfg.SignInURL, sessions: map[string]*session{}}
	if s.signIn != "" {
		if u, err := url.Parse(s.signIn); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			panic(fmt.Sprintf("idp: HandlerConfig.SignInURL %q is not an absolute http or https URL", s.signIn))
		}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.lifetime <= 0 {
		s.lifetime = 8 * time.Hour
	}
	max, window := cfg.MaxFailures, cfg.LockoutWindow
	if max <= 0 {
		max = 5
	}
	if window <= 0 {
		window = 15 * time.Minute
	}
	s.throttle = lockout.New(max, window, p.now)

	mux := http.NewServeMux()
	mux.HandleFunc("GET "+MetadataPath, s.metadata)
	static, err := fs.Sub(webFS, "web/static")
	if err != nil {
		panic(err) // a valid path in the embedded tree
	}
	files := http.StripPrefix("/static/", http.FileServerFS(static))
	mux.HandleFunc("GET /static/", func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r) // no directory listings
			return
		}
		files.ServeHTTP(w, r)
	})
	// Browsers ask every site for an icon: answer with none, not 404.
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("GET /login", s.loginForm)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /login/totp", s.loginTOTP)
	mux.HandleFunc("POST /logout", s.logout)
	mux.HandleFunc("GET /{$}", s.dashboard)
	mux.HandleFunc("GET /app/{id}/sso", s.idpInitiated)
	mux.HandleFunc("GET "+SSOPath, s.spInitiated)
	mux.HandleFunc("POST "+SSOPath, s.spInitiated)
	s.adminRoutes(mux, cfg.AdminToken)
	return securityHeaders(mux)
}

// securityHeaders sets the headers every page carries: no external
// resources, no framing, no caching of pages that hold assertions.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if h.Get("Content-Security-Policy") == "" {
			h.Set("Content-Security-Policy", csp(""))
		}
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// csp builds the Content-Security-Policy; formTarget is an extra origin
// forms may post to (the ACS of an auto-POST page).
func csp(formTarget string) string {
	fa := "'self'"
	if formTarget != "" {
		fa += " " + formTarget
	}
	return "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action " + fa + "; frame-ancestors 'none'; base-uri 'none'"
}

func (s *server) metadata(w http.ResponseWriter, r *http.Request) {
	md, err := s.p.Metadata()
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "Metadata unavailable", "The IdP could not build its metadata.", err)
		return
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	w.Write(md)
}

type pageData struct {
	Title, User, CSRF, Error    string
	Return, Username            string
	Apps                        []App
	AutoPost                    bool
	AppLabel, ACS, SAMLResponse string
	RelayState, Heading, Detail string
	// StandIn is the AWS endpoint that ACS stands in for (SignInURL).
	StandIn string
	// Admin: the user is an identity administrator.
	Admin  bool
	Notice string
	Groups []adminGroup
}

func (s *server) render(w http.ResponseWriter, status int, name string, d pageData) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, d); err != nil {
		s.log.Error("render page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// fail renders a refusal page; cause is logged, never shown.
func (s *server) fail(w http.ResponseWriter, r *http.Request, status int, heading, msg string, cause error) {
	if cause != nil {
		s.log.Warn("idp request refused", "path", r.URL.Path, "status", status, "err", cause)
	}
	sess := s.session(r)
	d := pageData{Title: heading, Heading: heading, Error: msg}
	if sess != nil && !sess.pending {
		d.User, d.CSRF = sess.user, sess.csrf
	}
	s.render(w, status, "refusal", d)
}

func randomToken() string {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err)) // the runtime guarantees it does not
	}
	return hex.EncodeToString(b[:])
}

// session returns the caller's live session, or nil.
func (s *server) session(r *http.Request) *session {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[c.Value]
	if !ok {
		return nil
	}
	if !s.p.now().Before(sess.expires) {
		delete(s.sessions, c.Value)
		return nil
	}
	return sess
}

func (s *server) signedIn(r *http.Request) *session {
	if sess := s.session(r); sess != nil && !sess.pending {
		return sess
	}
	return nil
}

func (s *server) startSession(w http.ResponseWriter, r *http.Request, user string, pending, mfa bool) *session {
	token := randomToken()
	now := s.p.now()
	sess := &session{user: user, pending: pending, mfa: mfa, authnAt: now, csrf: randomToken(), expires: now.Add(s.lifetime)}
	if pending {
		sess.expires = now.Add(pendingLifetime)
	}
	s.mu.Lock()
	if old, err := r.Cookie(sessionCookie); err == nil {
		delete(s.sessions, old.Value) // no session fixation: a sign-in always gets a new token
	}
	if len(s.sessions) > sweepAbove {
		for t, old := range s.sessions {
			if !now.Before(old.expires) {
				delete(s.sessions, t)
			}
		}
	}
	s.sessions[token] = sess
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	return sess
}

// safeReturn keeps only same-site absolute paths, so the sign-in form cannot
// be used as an open redirect: no scheme or host, no "//" or "/\\" prefix,
// and no control characters (browsers drop tabs and newlines from URLs, so
// "/\t/evil.example" would become "//evil.example").
func safeReturn(v string) string {
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] == 0x7f || v[i] == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(v)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(v, "/") || strings.HasPrefix(v, "//") {
		return "/"
	}
	return v
}

func (s *server) loginForm(w http.ResponseWriter, r *http.Request) {
	s.renderLogin(w, r, http.StatusOK, "", "", safeReturn(r.URL.Query().Get("return")))
}

func (s *server) renderLogin(w http.ResponseWriter, r *http.Request, status int, msg, username, ret string) {
	token := randomToken()
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: token, Path: "/login", HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	s.render(w, status, "login", pageData{Title: "Sign in", CSRF: token, Error: msg, Username: username, Return: ret})
}

// readForm parses a POST form of bounded size.
func readForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	return r.ParseForm()
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// throttled refuses with 429 when the username or the client address has
// failed too often; it reports whether it did.
func (s *server) throttled(w http.ResponseWriter, r *http.Request, username string) bool {
	wait := max(s.throttle.Blocked("user:"+username), s.throttle.Blocked("addr:"+clientAddr(r)))
	if wait <= 0 {
		return false
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
	s.log.Warn("sign-in throttled", "user_known", s.p.HasUser(username), "remote", clientAddr(r))
	s.render(w, http.StatusTooManyRequests, "refusal", pageData{Title: "Too many attempts", Heading: "Too many attempts",
		Error: fmt.Sprintf("Too many failed sign-in attempts. Try again in %d minutes.", int(wait.Minutes())+1)})
	return true
}

func (s *server) failedLogin(w http.ResponseWriter, r *http.Request, username, ret string, totpStep bool) {
	s.throttle.Fail("user:" + username)
	s.throttle.Fail("addr:" + clientAddr(r))
	// An unknown "username" is often a password typed in the wrong field:
	// only known usernames are logged.
	if s.p.HasUser(username) {
		s.log.Info("sign-in failed", "user", username, "remote", clientAddr(r), "totp", totpStep)
	} else {
		s.log.Info("sign-in failed", "user_known", false, "remote", clientAddr(r))
	}
	msg := "Sign-in failed: " + ErrBadCredentials.Error() + "."
	if totpStep {
		sess := s.session(r)
		d := pageData{Title: "Verify it's you", Error: msg}
		if sess != nil {
			d.CSRF = sess.csrf
		}
		s.render(w, http.StatusUnauthorized, "totp", d)
		return
	}
	s.renderLogin(w, r, http.StatusUnauthorized, msg, username, ret)
}

func (s *server) login(w http.ResponseWriter, r *http.Request) {
	if err := readForm(w, r); err != nil {
		s.fail(w, r, http.StatusRequestEntityTooLarge, "Request refused", "The sign-in form could not be read.", err)
		return
	}
	c, err := r.Cookie(csrfCookie)
	if err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue("csrf"))) != 1 {
		s.renderLogin(w, r, http.StatusForbidden, "Your sign-in form expired. Please sign in again.", "", safeReturn(r.PostFormValue("return")))
		return
	}
	username := strings.TrimSpace(r.PostFormValue("username"))
	if len(username) > maxUsername {
		username = username[:maxUsername] // no such user; also bounds the throttle's keys
	}
	ret := safeReturn(r.PostFormValue("return"))
	if s.throttled(w, r, username) {
		return
	}
	if err := s.p.CheckPassword(username, r.PostFormValue("password")); err != nil {
		s.failedLogin(w, r, username, ret, false)
		return
	}
	if s.p.NeedsTOTP(username) {
		sess := s.startSession(w, r, username, true, false)
		s.mu.Lock()
		sess.ret = ret
		s.mu.Unlock()
		s.render(w, http.StatusOK, "totp", pageData{Title: "Verify it's you", CSRF: sess.csrf})
		return
	}
	s.throttle.Reset("user:" + username)
	s.startSession(w, r, username, false, false)
	s.log.Info("signed in", "user", username, "remote", clientAddr(r), "mfa", false)
	http.Redirect(w, r, ret, http.StatusSeeOther)
}

func (s *server) loginTOTP(w http.ResponseWriter, r *http.Request) {
	if err := readForm(w, r); err != nil {
		s.fail(w, r, http.StatusRequestEntityTooLarge, "Request refused", "The verification form could not be read.", err)
		return
	}
	sess := s.session(r)
	if sess == nil || !sess.pending || subtle.ConstantTimeCompare([]byte(sess.csrf), []byte(r.PostFormValue("csrf"))) != 1 {
		s.renderLogin(w, r, http.StatusForbidden, "Your sign-in expired. Please sign in again.", "", "/")
		return
	}
	if s.throttled(w, r, sess.user) {
		return
	}
	if err := s.p.CheckTOTP(sess.user, r.PostFormValue("code")); err != nil {
		s.failedLogin(w, r, sess.user, "/", true)
		return
	}
	s.mu.Lock()
	ret := sess.ret
	s.mu.Unlock()
	s.throttle.Reset("user:" + sess.user)
	s.startSession(w, r, sess.user, false, true)
	s.log.Info("signed in", "user", sess.user, "remote", clientAddr(r), "mfa", true)
	http.Redirect(w, r, ret, http.StatusSeeOther)
}

func (s *server) logout(w http.ResponseWriter, r *http.Request) {
	if err := readForm(w, r); err != nil {
		s.fail(w, r, http.StatusRequestEntityTooLarge, "Request refused", "The form could not be read.", err)
		return
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.mu.Lock()
		if sess, ok := s.sessions[c.Value]; ok && subtle.ConstantTimeCompare([]byte(sess.csrf), []byte(r.PostFormValue("csrf"))) == 1 {
			delete(s.sessions, c.Value)
		}
		s.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// requireSignIn redirects to the sign-in form and reports false when the
// caller is not signed in.
func (s *server) requireSignIn(w http.ResponseWriter, r *http.Request, ret string) (*session, bool) {
	sess := s.signedIn(r)
	if sess == nil {
		http.Redirect(w, r, "/login?return="+url.QueryEscape(safeReturn(ret)), http.StatusSeeOther)
		return nil, false
	}
	return sess, true
}

func (s *server) dashboard(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.requireSignIn(w, r, "/")
	if !ok {
		return
	}
	s.render(w, http.StatusOK, "dashboard", pageData{Title: "My apps", User: sess.user, CSRF: sess.csrf, Apps: s.p.Apps(), Admin: s.p.IsAdmin(sess.user)})
}

func (s *server) idpInitiated(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.requireSignIn(w, r, r.URL.RequestURI())
	if !ok {
		return
	}
	relay := r.URL.Query().Get("RelayState")
	s.sso(w, r, sess, r.PathValue("id"), "", relay)
}

// sso mints a response for the signed-in user and renders the auto-POST
// page, or a refusal page that says why the IdP will not send the user on.
func (s *server) sso(w http.ResponseWriter, r *http.Request, sess *session, appID, inResponseTo, relay string) {
	a, err := s.p.App(appID)
	if err != nil {
		s.fail(w, r, http.StatusNotFound, "App not found", "There is no app "+strconv.Quote(appID)+".", err)
		return
	}
	resp, err := s.p.Mint(r.Context(), MintRequest{App: appID, User: sess.user, InResponseTo: inResponseTo, MFA: sess.mfa, AuthnInstant: sess.authnAt})
	switch {
	case errors.Is(err, ErrAppDisabled):
		s.fail(w, r, http.StatusForbidden, a.Label+" is disabled",
			"Your administrator has disabled this app. In an emergency, ask your identity administrator to enable it.", err)
		return
	case errors.Is(err, ErrNoRole):
		s.fail(w, r, http.StatusForbidden, "No AWS role for you",
			"You are not in any group that grants a role in "+a.Label+". Ask to be added to an emergency access group.", err)
		return
	case err != nil:
		s.fail(w, r, http.StatusInternalServerError, "Sign-in failed", "The IdP could not build a SAML response.", err)
		return
	}
	action, standIn := resp.Destination, ""
	if s.signIn != "" && awsSignInEndpoint.MatchString(resp.Destination) {
		action, standIn = s.signIn, resp.Destination
	}
	s.log.Info("sso", "user", sess.user, "app", appID, "roles", len(resp.Roles), "in_response_to", inResponseTo, "post_to", action)
	if origin := originOf(action); origin != "" {
		w.Header().Set("Content-Security-Policy", csp(origin))
	}
	s.render(w, http.StatusOK, "autopost", pageData{Title: "Signing in", User: sess.user, CSRF: sess.csrf, AutoPost: true,
		AppLabel: a.Label, ACS: action, StandIn: standIn, SAMLResponse: resp.Base64(), RelayState: relay})
}

// awsSignInEndpoint matches AWS's SAML sign-in endpoints: the global
// https://signin.aws.amazon.com/saml and the regional
// https://<region>.signin.aws.amazon.com/saml (AWS General Reference, "AWS
// Sign-In endpoints").
var awsSignInEndpoint = regexp.MustCompile(`^https://([a-z]{2}(-[a-z]+)+-[0-9]+\.)?signin\.aws\.amazon\.com/saml$`)

func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// spInitiated answers an AuthnRequest sent with the HTTP-Redirect binding
// (GET, DEFLATE + base64) or the HTTP-POST binding (POST, base64). Source:
// OASIS SAML 2.0 Bindings, sections 3.4 and 3.5.
func (s *server) spInitiated(w http.ResponseWriter, r *http.Request) {
	var raw, relay string
	deflated := r.Method == http.MethodGet
	if deflated {
		raw, relay = r.URL.Query().Get("SAMLRequest"), r.URL.Query().Get("RelayState")
	} else {
		if err := readForm(w, r); err != nil {
			s.fail(w, r, http.StatusRequestEntityTooLarge, "Request refused", "The SAML request is too large.", err)
			return
		}
		raw, relay = r.PostFormValue("SAMLRequest"), r.PostFormValue("RelayState")
	}
	req, err := parseAuthnRequest(raw, deflated)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, "Invalid SAML request", "The service provider sent a SAML request this IdP cannot read.", err)
		return
	}
	appID, err := s.appFor(req)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, "Unknown service provider", "No app is configured for this service provider.", err)
		return
	}
	ret := r.URL.Path
	if deflated {
		ret = r.URL.RequestURI()
	} else {
		// Carry a POSTed request through the sign-in form as a redirect-binding URL.
		ret = SSOPath + "?" + url.Values{"SAMLRequest": {encodeRedirect(req.raw)}, "RelayState": {relay}}.Encode()
	}
	sess, ok := s.requireSignIn(w, r, ret)
	if !ok {
		return
	}
	s.sso(w, r, sess, appID, req.id, relay)
}

// ncName is the ASCII subset of xs:NCName that IDs use (SAML core 1.3.4).
var ncName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9._-]*$`)

// authnRequest is what the IdP reads from an AuthnRequest.
type authnRequest struct {
	id, issuer, acs string
	raw             []byte
}

// parseAuthnRequest decodes and parses an AuthnRequest with bounded sizes,
// refusing DTDs (no entity expansion) and anything but an AuthnRequest.
func parseAuthnRequest(param string, deflated bool) (*authnRequest, error) {
	if param == "" {
		return nil, errors.New("SAMLRequest is missing")
	}
	if len(param) > maxSAMLRequest {
		return nil, fmt.Errorf("SAMLRequest is %d bytes, more than %d", len(param), maxSAMLRequest)
	}
	data, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(param), ""))
	if err != nil {
		return nil, fmt.Errorf("SAMLRequest is not base64: %w", err)
	}
	if deflated {
		inflated, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(data)), maxInflatedBytes+1))
		if err != nil {
			return nil, fmt.Errorf("SAMLRequest does not inflate: %w", err)
		}
		if len(inflated) > maxInflatedBytes {
			return nil, fmt.Errorf("SAMLRequest inflates to more than %d bytes", maxInflatedBytes)
		}
		data = inflated
	}
	if bytes.Contains(data, []byte("<!DOCTYPE")) || bytes.Contains(data, []byte("<!ENTITY")) {
		return nil, errors.New("SAMLRequest contains a DTD")
	}
	doc := etree.NewDocument()
	doc.ReadSettings.Permissive = false
	if err := doc.ReadFromBytes(data); err != nil {
		return nil, fmt.Errorf("SAMLRequest is not XML: %w", err)
	}
	root := doc.Root()
	if root == nil || root.Tag != "AuthnRequest" || root.NamespaceURI() != nsProtocol {
		return nil, errors.New("SAMLRequest is not a SAML 2.0 AuthnRequest")
	}
	req := &authnRequest{id: root.SelectAttrValue("ID", ""), acs: root.SelectAttrValue("AssertionConsumerServiceURL", ""), raw: data}
	if len(req.id) > 256 || !ncName.MatchString(req.id) {
		return nil, fmt.Errorf("AuthnRequest ID %q is not an xs:ID (SAML core 1.3.4)", req.id)
	}
	if iss := root.SelectElement("Issuer"); iss != nil {
		req.issuer = strings.TrimSpace(iss.Text())
	}
	return req, nil
}

func encodeRedirect(data []byte) string {
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.DefaultCompression)
	fw.Write(data)
	fw.Close()
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

// appFor finds the app an AuthnRequest is for: by its Issuer (the app's
// audience) and, when given, its AssertionConsumerServiceURL (the app's
// ACS). A request whose ACS belongs to no app is refused, so responses never
// go elsewhere.
func (s *server) appFor(req *authnRequest) (string, error) {
	for _, a := range s.p.Apps() {
		audience, acs := a.Audience, a.ACS
		if audience == "" {
			audience = AWSAudience
		}
		if acs == "" {
			acs = AWSSignInURL
		}
		if req.issuer != audience && (req.issuer != "" || req.acs != acs) {
			continue
		}
		if req.acs != "" && req.acs != acs {
			continue // another app with this audience may own the ACS (regional endpoints)
		}
		return a.ID, nil
	}
	return "", fmt.Errorf("no app has audience %q and ACS %q", req.issuer, req.acs)
}
