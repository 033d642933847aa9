package signin

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/breakglass-dev/breakglass/sp/iam"
	"github.com/breakglass-dev/breakglass/sp/internal/store"
)

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// identityView is what the console shows of an identity.
type identityView struct {
	Account, Role, User, DisplayName, SessionName string
	SourceIdentity, ARN, Provider                 string
	MFA                                           bool
	Expires, ExpiresISO, Remaining                string
}

// roleName is the role of an assumed-role principal, or the user name.
func roleName(p store.Principal) string {
	if p.Session != nil && p.Session.RoleName != "" {
		return p.Session.RoleName
	}
	return p.ARN[strings.LastIndexByte(p.ARN, '/')+1:]
}

func (h *Handler) view(id identity) *identityView {
	p, now := id.key.Principal, h.now()
	v := &identityView{Account: p.Account, ARN: p.ARN, DisplayName: id.display,
		Expires: id.key.Expires.UTC().Format("2006-01-02 15:04:05 UTC"), ExpiresISO: id.key.Expires.UTC().Format(time.RFC3339)}
	left := id.key.Expires.Sub(now).Round(time.Minute)
	v.Remaining = "in " + strings.TrimSuffix(left.String(), "0s")
	if s := p.Session; s != nil {
		v.MFA, v.SourceIdentity, v.Provider = s.MFA, s.SourceIdentity, s.FederatedProvider
	}
	switch p.Type {
	case store.AssumedRole:
		v.Role = roleName(p)
		v.SessionName = p.ARN[strings.LastIndexByte(p.ARN, '/')+1:]
	default:
		v.User = p.ARN[strings.LastIndexByte(p.ARN, '/')+1:]
	}
	return v
}

// who is the header's short name of the current identity.
func who(id identity) string {
	p := id.key.Principal
	name := id.display
	if name == "" {
		name = roleName(p)
		if p.Type == store.AssumedRole {
			name += "/" + p.ARN[strings.LastIndexByte(p.ARN, '/')+1:]
		}
	}
	return name + " @ " + p.Account
}

func (h *Handler) consolePage(s *session, notice, errMsg, detail string) page {
	cur := s.chain[len(s.chain)-1]
	p := page{Title: "Console Home", Who: who(cur), CSRF: s.csrf, Identity: h.view(cur),
		Notice: notice, Error: errMsg, ErrorDetail: detail, RelayState: s.relay}
	if len(s.chain) > 1 {
		p.Previous = who(s.chain[len(s.chain)-2])
	}
	return p
}

func (h *Handler) console(w http.ResponseWriter, r *http.Request) {
	s, _, expired := h.session(r)
	if s == nil {
		http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
		return
	}
	notice := ""
	switch {
	case expired != "":
		notice = "Your session as " + expired + " expired; you are back to the identity you switched from."
	case r.URL.Query().Get("switched") != "":
		notice = "You switched role."
	}
	h.mu.Lock()
	p := h.consolePage(s, notice, "", "")
	h.mu.Unlock()
	h.render(w, http.StatusOK, "console", p)
}

// signedInForm reads a console form and checks its CSRF token; it
// redirects and returns nil when the caller has no session.
func (h *Handler) signedInForm(w http.ResponseWriter, r *http.Request) *session {
	if err := readForm(w, r, maxForm); err != nil {
		h.fail(w, http.StatusRequestEntityTooLarge, "Request refused", "The form could not be read.", "")
		return nil
	}
	s, _, _ := h.session(r)
	if s == nil {
		http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
		return nil
	}
	h.mu.Lock()
	ok := equal(s.csrf, r.PostFormValue("csrf"))
	h.mu.Unlock()
	if !ok {
		h.fail(w, http.StatusForbidden, "Request refused", "This form expired. Reload the console and try again.", "")
		return nil
	}
	return s
}

var (
	reAccountID = regexp.MustCompile(`^\d{12}$`)
	// IAM role names: 1-64 of [\w+=,.@-] [IAM API reference, CreateRole].
	reRoleName = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
)

// switchRole is the console's Switch Role form: a chained AssumeRole with
// the API's rules, as the current identity, for one hour [R17].
func (h *Handler) switchRole(w http.ResponseWriter, r *http.Request) {
	s := h.signedInForm(w, r)
	if s == nil {
		return
	}
	account, role, display := field(r, "account"), field(r, "roleName"), field(r, "displayName")
	h.mu.Lock()
	cur := s.chain[len(s.chain)-1]
	h.mu.Unlock()
	refuse := func(detail string) {
		h.mu.Lock()
		p := h.consolePage(s, "", msgSwitchFailed, detail)
		h.mu.Unlock()
		p.Form.Account, p.Form.Role, p.Form.Display = account, role, display
		h.render(w, http.StatusBadRequest, "console", p)
	}
	if !reAccountID.MatchString(account) || !reRoleName.MatchString(role) {
		refuse("Account ID must be 12 digits and the IAM role name 1-64 letters, digits or +=,.@-_ characters.")
		return
	}
	p := cur.key.Principal
	sessionName := p.ARN[strings.LastIndexByte(p.ARN, '/')+1:]
	params := url.Values{"Action": {"AssumeRole"}, "Version": {"2011-06-15"},
		"RoleArn": {"arn:aws:iam::" + account + ":role/" + role}, "RoleSessionName": {sessionName}}
	out, id, qerr := h.cfg.Call(r, p, params)
	if qerr != nil {
		h.record(r, principalIdentity(p), p.Account, "SwitchRole", "", map[string]any{"SwitchRole": "Failure"}, map[string]any{"SwitchTo": params.Get("RoleArn")})
		h.log.Info("switch role refused", "principal", p.ARN, "role_arn", params.Get("RoleArn"), "code", qerr.Code, "request_id", id)
		refuse(fmt.Sprintf("AssumeRole answered %s: %s (request id %s).", qerr.Code, qerr.Message, id))
		return
	}
	if out.Key == nil {
		refuse("The emulator issued no credentials.")
		return
	}
	h.mu.Lock()
	s.chain = append(s.chain, identity{key: *out.Key, display: display})
	h.mu.Unlock()
	h.record(r, principalIdentity(p), p.Account, "SwitchRole", "", map[string]any{"SwitchRole": "Success"}, map[string]any{"SwitchTo": params.Get("RoleArn")})
	h.log.Info("switched role", "from", p.ARN, "to", out.Key.Principal.ARN, "request_id", id)
	http.Redirect(w, r, "/console?switched=1", http.StatusSeeOther)
}

// switchBack returns to the identity before the last switch.
func (h *Handler) switchBack(w http.ResponseWriter, r *http.Request) {
	s := h.signedInForm(w, r)
	if s == nil {
		return
	}
	h.mu.Lock()
	if len(s.chain) > 1 {
		s.chain = s.chain[:len(s.chain)-1]
	}
	h.mu.Unlock()
	http.Redirect(w, r, "/console", http.StatusSeeOther)
}

func (h *Handler) signOut(w http.ResponseWriter, r *http.Request) {
	if s := h.signedInForm(w, r); s == nil {
		return
	}
	if c, err := r.Cookie(consoleCookie); err == nil {
		h.mu.Lock()
		delete(h.sessions, c.Value)
		h.mu.Unlock()
	}
	setCookie(w, r, consoleCookie, "", "/", -1, http.SameSiteLaxMode)
	http.Redirect(w, r, "/console/signedout", http.StatusSeeOther)
}

func (h *Handler) signedOut(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(consoleCookie); err == nil {
		h.mu.Lock()
		delete(h.sessions, c.Value)
		h.mu.Unlock()
		setCookie(w, r, consoleCookie, "", "/", -1, http.SameSiteLaxMode)
	}
	h.render(w, http.StatusOK, "signedout", page{Title: "Signed out"})
}

// iamForm is the account sign-in page of IAM users.
func (h *Handler) iamForm(w http.ResponseWriter, r *http.Request) {
	p := page{Title: "Sign in as IAM user", CSRF: formToken(w, r)}
	if a := r.URL.Query().Get("account"); reAccountID.MatchString(a) {
		p.Form.Account = a
	}
	h.render(w, http.StatusOK, "iamsignin", p)
}

func (h *Handler) iamRefuse(w http.ResponseWriter, r *http.Request, status int, msg, account, user string) {
	p := page{Title: "Sign in as IAM user", CSRF: formToken(w, r), Error: msg}
	p.Form.Account, p.Form.User = account, user
	h.render(w, status, "iamsignin", p)
}

// throttled refuses with 429 when the user or the client address failed
// too often; it reports whether it did.
func (h *Handler) throttled(w http.ResponseWriter, r *http.Request, keys ...string) bool {
	var wait time.Duration
	for _, k := range keys {
		wait = max(wait, h.failures.Blocked(k))
	}
	if wait <= 0 {
		return false
	}
	w.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
	h.fail(w, http.StatusTooManyRequests, "Too many attempts",
		fmt.Sprintf("Too many failed sign-in attempts. Try again in %d minutes.", int(wait.Minutes())+1), "")
	return true
}

// failedIAM records a failed IAM user sign-in: CloudTrail hides a user
// name that does not exist [R32].
func (h *Handler) failedIAM(r *http.Request, account, user string, known bool, mfaUsed string) {
	h.failures.Fail("user:" + account + "/" + user)
	h.failures.Fail("addr:" + clientAddr(r))
	p := store.Principal{Type: store.IAMUser, Account: account}
	if known {
		if u, err := h.cfg.Store.User(account, user); err == nil {
			p.ARN, p.UserID = u.ARN, u.ID
		}
	}
	id := principalIdentity(p)
	if !known {
		id.UserName = "HIDDEN_DUE_TO_SECURITY_REASONS"
	}
	h.consoleLogin(r, id, account, "Failed authentication", iamLoginData(mfaUsed))
	h.log.Info("console sign-in failed", "account", account, "user_known", known, "remote", clientAddr(r))
}

// iamSignIn checks an IAM user's password; a user with an MFA device goes
// on to the MFA step.
func (h *Handler) iamSignIn(w http.ResponseWriter, r *http.Request) {
	if err := readForm(w, r, maxForm); err != nil {
		h.fail(w, http.StatusRequestEntityTooLarge, "Request refused", "The sign-in form could not be read.", "")
		return
	}
	account, user := field(r, "account"), field(r, "username")
	if !checkFormToken(r) {
		h.iamRefuse(w, r, http.StatusForbidden, "Your sign-in form expired. Please sign in again.", account, user)
		return
	}
	if h.throttled(w, r, "user:"+account+"/"+user, "addr:"+clientAddr(r)) {
		return
	}
	if !reAccountID.MatchString(account) {
		h.iamRefuse(w, r, http.StatusUnauthorized, msgBadCredentials, account, user)
		return
	}
	u, err := h.cfg.Store.User(account, user)
	if err != nil || u.Password == "" || !equal(u.Password, r.PostFormValue("password")) {
		h.failedIAM(r, account, user, err == nil, "No")
		h.iamRefuse(w, r, http.StatusUnauthorized, msgBadCredentials, account, user)
		return
	}
	p := store.Principal{Type: store.IAMUser, Account: account, ARN: u.ARN, UserID: u.ID}
	if serial := mfaSerial(h.cfg.Store, account, u.Name); serial != "" {
		token := randomToken()
		pm := &pendingMFA{user: p, serial: serial, csrf: randomToken(), expires: h.now().Add(pendingLifetime)}
		h.mu.Lock()
		if len(h.pending) > sweepAbove {
			now := h.now()
			for t, old := range h.pending {
				if !now.Before(old.expires) {
					delete(h.pending, t)
				}
			}
		}
		h.pending[token] = pm
		h.mu.Unlock()
		setCookie(w, r, mfaCookie, token, "/console/signin/mfa", 0, http.SameSiteStrictMode)
		pg := page{Title: "Multi-factor authentication", CSRF: pm.csrf}
		pg.Form.User = u.Name
		h.render(w, http.StatusOK, "mfa", pg)
		return
	}
	h.finishIAM(w, r, p, false)
}

// mfaSerial returns the serial of the MFA device enabled for user, or "".
func mfaSerial(st *store.Store, account, user string) string {
	for _, d := range st.MFADevices(account) {
		if d.User == user {
			return d.SerialNumber
		}
	}
	return ""
}

// iamMFA checks the MFA code of a pending IAM user sign-in; the code is
// accepted once, as by GetSessionToken.
func (h *Handler) iamMFA(w http.ResponseWriter, r *http.Request) {
	if err := readForm(w, r, maxForm); err != nil {
		h.fail(w, http.StatusRequestEntityTooLarge, "Request refused", "The form could not be read.", "")
		return
	}
	c, err := r.Cookie(mfaCookie)
	h.mu.Lock()
	var pm *pendingMFA
	if err == nil {
		pm = h.pending[c.Value]
		if pm != nil && !h.now().Before(pm.expires) {
			delete(h.pending, c.Value)
			pm = nil
		}
	}
	h.mu.Unlock()
	if pm == nil || !equal(pm.csrf, r.PostFormValue("csrf")) {
		h.iamRefuse(w, r, http.StatusForbidden, "Your sign-in expired. Please sign in again.", "", "")
		return
	}
	user := pm.user.ARN[strings.LastIndexByte(pm.user.ARN, '/')+1:]
	if h.throttled(w, r, "user:"+pm.user.Account+"/"+user, "addr:"+clientAddr(r)) {
		return
	}
	code := field(r, "code")
	if ok, qerr := iam.VerifyMFA(h.cfg.Store, h.now(), pm.user, pm.serial, code); !ok || qerr != nil {
		h.failedIAM(r, pm.user.Account, user, true, "Yes")
		pg := page{Title: "Multi-factor authentication", CSRF: pm.csrf, Error: msgBadCredentials}
		pg.Form.User = user
		h.render(w, http.StatusUnauthorized, "mfa", pg)
		return
	}
	h.mu.Lock()
	delete(h.pending, c.Value)
	h.mu.Unlock()
	setCookie(w, r, mfaCookie, "", "/console/signin/mfa", -1, http.SameSiteStrictMode)
	h.finishIAM(w, r, pm.user, true)
}

// finishIAM starts the console session of a signed-in IAM user.
func (h *Handler) finishIAM(w http.ResponseWriter, r *http.Request, p store.Principal, mfa bool) {
	now := h.now()
	h.failures.Reset("user:" + p.Account + "/" + p.ARN[strings.LastIndexByte(p.ARN, '/')+1:])
	p.Session = &store.Session{MFA: mfa, IssuedAt: now}
	k := store.AccessKey{Principal: p, Created: now, Expires: now.Add(iamConsoleSession)}
	h.newSession(w, r, identity{key: k}, k.Expires, "")
	mfaUsed := "No"
	if mfa {
		mfaUsed = "Yes"
	}
	h.consoleLogin(r, principalIdentity(p), p.Account, "", iamLoginData(mfaUsed))
	h.log.Info("console sign-in", "principal", p.ARN, "via", "iam-user", "mfa", mfa)
	http.Redirect(w, r, "/console", http.StatusSeeOther)
}

// iamLoginData is the additionalEventData of an IAM user's ConsoleLogin.
func iamLoginData(mfaUsed string) map[string]any {
	return map[string]any{"LoginTo": "https://console.aws.amazon.com/console/home", "MobileVersion": "No", "MFAUsed": mfaUsed}
}
