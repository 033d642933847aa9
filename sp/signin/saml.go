package signin

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/breakglass-dev/breakglass/sp/internal/awsquery"
	"github.com/breakglass-dev/breakglass/sp/internal/events"
	"github.com/breakglass-dev/breakglass/sp/internal/store"
	"github.com/breakglass-dev/breakglass/sp/samlcheck"
)

// Texts of AWS's sign-in pages (reference section 3).
const (
	// msgInvalidResponse is shown when the response has no usable Role
	// attribute [R7]; the page adds "To logout, click here."
	msgInvalidResponse = "Your request included an invalid SAML response."
	// msgSwitchFailed is the console's answer to any refused role switch
	// (the Switch Role page's text; IAM User Guide, "Switch to an IAM role
	// (console)", troubleshooting [R17]; docs/aws-behaviour.md).
	msgSwitchFailed = "Invalid information in one or more fields. Check your information or contact your administrator."
	// msgBadCredentials is the IAM user sign-in page's answer to a wrong
	// account, user name, password or MFA code: one text, so the page does
	// not say which field was wrong (the AWS sign-in page's text, observed;
	// docs/aws-behaviour.md).
	msgBadCredentials = "Your authentication information is incorrect. Please try again."
)

// stsMessage renders an STS refusal as the sign-in page shows it [R37][R49].
func stsMessage(err *awsquery.Error, requestID string) string {
	return fmt.Sprintf("%s (Service: AWSSecurityTokenService; Status Code: %d; Error Code: %s; Request ID: %s). Please try again.",
		err.Message, err.Status, err.Code, requestID)
}

func (h *Handler) samlInfo(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Allow", http.MethodPost)
	h.fail(w, http.StatusMethodNotAllowed, "AWS sign-in SAML endpoint",
		"This is where an identity provider posts a SAMLResponse (HTTP-POST binding). Sign in at your identity provider and open the AWS app.", "")
}

// invalidResponse renders AWS's page for a response that cannot start a
// console session at all.
func (h *Handler) invalidResponse(w http.ResponseWriter, why string) {
	h.log.Info("browser sign-in refused", "reason", why)
	h.render(w, http.StatusBadRequest, "error", page{Title: "Sign-in failed", Heading: "Sign-in failed", Error: msgInvalidResponse, LogoutLink: true})
}

// rolePairs reads the Role attribute of a posted response without
// verifying it: only to know whether a chooser is needed and which
// provider to verify against. Nothing here is trusted: the chooser lists
// the pairs of the verified assertion, and the sign-in itself is a full
// AssumeRoleWithSAML.
func rolePairs(raw string) []samlcheck.RolePair {
	doc, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(raw), ""))
	if err != nil || len(doc) > 2*samlcheck.MaxAssertionChars {
		return nil
	}
	d, err := samlcheck.Inspect(doc)
	if err != nil {
		return nil
	}
	var out []samlcheck.RolePair
	for _, a := range d.Attributes {
		if a.Name != samlcheck.AttrRole {
			continue
		}
		for _, v := range a.Values {
			if p, ok := samlcheck.ParseRoleValue(v); ok {
				out = append(out, p)
			}
		}
	}
	return out
}

// saml is AWS's sign-in SAML endpoint: it takes a SAMLResponse (and
// RelayState) from the IdP's auto-POST form, offers a role chooser when the
// Role attribute names several roles, and signs the user in to the console
// as the role chosen [R12].
func (h *Handler) saml(w http.ResponseWriter, r *http.Request) {
	if err := readForm(w, r, maxSAMLForm); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.fail(w, http.StatusRequestEntityTooLarge, "Sign-in failed", msgInvalidResponse, "The posted form is larger than AWS accepts.")
			return
		}
		h.invalidResponse(w, "unreadable form: "+err.Error())
		return
	}
	raw, relay := r.PostFormValue("SAMLResponse"), r.PostFormValue("RelayState")
	if raw == "" {
		h.invalidResponse(w, "no SAMLResponse")
		return
	}
	pairs := rolePairs(raw)
	if chosen := r.PostFormValue("roleIndex"); chosen != "" {
		if !checkFormToken(r) {
			h.fail(w, http.StatusForbidden, "Sign-in expired", "This role chooser expired. Sign in at your identity provider again.", "")
			return
		}
		for _, p := range pairs {
			if p.RoleARN == chosen {
				h.signInSAML(w, r, raw, p, relay)
				return
			}
		}
		h.invalidResponse(w, "chosen role not in the response")
		return
	}
	switch len(pairs) {
	case 0:
		h.invalidResponse(w, "no Role attribute value")
		return
	case 1:
		h.signInSAML(w, r, raw, pairs[0], relay)
		return
	}
	// Several roles: judge the response once (signature, issuer, times,
	// audience) before offering a choice, and offer only what the verified
	// assertion holds.
	id := awsquery.NewRequestID()
	res, _, qerr := h.cfg.STS.VerifyAssertion(samlcheck.Request{SAMLAssertion: raw, RoleARN: pairs[0].RoleARN, PrincipalARN: pairs[0].PrincipalARN}, h.now().UTC(), id)
	if qerr != nil {
		h.log.Info("browser sign-in refused", "code", qerr.Code, "request_id", id)
		h.fail(w, qerr.Status, "Sign-in failed", stsMessage(qerr, id), "")
		return
	}
	h.render(w, http.StatusOK, "chooser", page{Title: "Select a role", Action: r.URL.Path, SAMLResponse: raw,
		RelayState: relay, CSRF: formToken(w, r), Accounts: groupByAccount(res.Roles)})
}

// chooserAccount is one account of the role chooser with its roles.
type chooserAccount struct {
	ID    string
	Roles []chooserRole
}

type chooserRole struct {
	ID, Name, RoleARN string
}

// groupByAccount lists roles by account, as AWS's chooser does; accounts
// and roles sorted, duplicates once.
func groupByAccount(pairs []samlcheck.RolePair) []chooserAccount {
	byAccount := map[string][]chooserRole{}
	seen := map[string]bool{}
	for _, p := range pairs {
		if seen[p.RoleARN] {
			continue
		}
		seen[p.RoleARN] = true
		account, name := splitRoleARN(p.RoleARN)
		byAccount[account] = append(byAccount[account], chooserRole{Name: name, RoleARN: p.RoleARN})
	}
	out := make([]chooserAccount, 0, len(byAccount))
	for id, roles := range byAccount {
		sort.Slice(roles, func(i, j int) bool { return roles[i].Name < roles[j].Name })
		out = append(out, chooserAccount{ID: id, Roles: roles})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	n := 0
	for i := range out {
		for j := range out[i].Roles {
			out[i].Roles[j].ID = fmt.Sprintf("role-%d", n)
			n++
		}
	}
	return out
}

// splitRoleARN returns the account and the role name (path dropped) of
// arn:aws:iam::<account>:role/<path/><name>.
func splitRoleARN(arn string) (account, name string) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 {
		account = parts[4]
	}
	name = arn[strings.LastIndexByte(arn, '/')+1:]
	return account, name
}

// signInSAML federates through STS exactly as AssumeRoleWithSAML does and
// starts a console session for the role.
func (h *Handler) signInSAML(w http.ResponseWriter, r *http.Request, raw string, pair samlcheck.RolePair, relay string) {
	params := url.Values{"Action": {"AssumeRoleWithSAML"}, "Version": {"2011-06-15"},
		"SAMLAssertion": {raw}, "RoleArn": {pair.RoleARN}, "PrincipalArn": {pair.PrincipalARN}}
	out, id, qerr := h.cfg.Call(r, store.Principal{}, params)
	if qerr != nil {
		h.log.Info("browser sign-in refused", "code", qerr.Code, "role_arn", pair.RoleARN, "request_id", id)
		h.fail(w, qerr.Status, "Sign-in failed", stsMessage(qerr, id), "")
		return
	}
	if out.Key == nil {
		h.fail(w, http.StatusInternalServerError, "Sign-in failed", "The emulator issued no credentials.", "")
		return
	}
	k := *out.Key
	h.newSession(w, r, identity{key: k}, k.Expires, relay)
	p := k.Principal
	loginTo := "https://console.aws.amazon.com/console/home"
	if relay != "" {
		loginTo = relay
	}
	h.consoleLogin(r, principalIdentity(p), p.Account, "",
		map[string]any{"LoginTo": loginTo, "MobileVersion": "No", "MFAUsed": "No", "SamlProviderArn": pair.PrincipalARN})
	h.log.Info("console sign-in", "principal", p.ARN, "via", "saml", "request_id", id)
	http.Redirect(w, r, "/console", http.StatusSeeOther)
}

// record writes a console sign-in event (eventType AwsConsoleSignIn) in
// account; errMsg is set on failures [R32].
func (h *Handler) record(r *http.Request, id events.Identity, account, name, errMsg string, response, additional map[string]any) {
	h.cfg.Events.Add(events.Event{
		EventTime: h.now().UTC(), EventSource: "signin.amazonaws.com", EventName: name, AWSRegion: "us-east-1",
		SourceIPAddress: clientAddr(r), UserAgent: r.UserAgent(), EventType: "AwsConsoleSignIn",
		ResponseElements: response, AdditionalEventData: additional,
		RecipientAccountID: account, ErrorMessage: errMsg, UserIdentity: id,
	})
}

// consoleLogin records a ConsoleLogin event; errMsg "" means success.
func (h *Handler) consoleLogin(r *http.Request, id events.Identity, account, errMsg string, additional map[string]any) {
	result := "Success"
	if errMsg != "" {
		result = "Failure"
	}
	h.record(r, id, account, "ConsoleLogin", errMsg, map[string]any{"ConsoleLogin": result}, additional)
}

// principalIdentity is the userIdentity element of a console event.
func principalIdentity(p store.Principal) events.Identity {
	id := events.Identity{Type: string(p.Type), PrincipalID: p.UserID, ARN: p.ARN, AccountID: p.Account}
	switch p.Type {
	case store.IAMUser:
		id.UserName = p.ARN[strings.LastIndexByte(p.ARN, '/')+1:]
	case store.AssumedRole:
		if s := p.Session; s != nil {
			id.SessionContext = &events.SessionContext{
				SessionIssuer:  &events.SessionIssuer{Type: "Role", PrincipalID: s.RoleID, ARN: p.RoleARN, AccountID: p.Account, UserName: s.RoleName},
				Attributes:     map[string]string{"mfaAuthenticated": fmt.Sprint(s.MFA), "creationDate": s.IssuedAt.UTC().Format("2006-01-02T15:04:05Z")},
				SourceIdentity: s.SourceIdentity,
			}
		}
	}
	return id
}
