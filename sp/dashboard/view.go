package dashboard

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/breakglass-dev/breakglass/sp/internal/events"
	"github.com/breakglass-dev/breakglass/sp/internal/policy"
	"github.com/breakglass-dev/breakglass/sp/internal/store"
	"github.com/breakglass-dev/breakglass/sp/samlcheck"
)

// stamp is an instant as the page shows it.
type stamp struct{ Text, ISO string }

func newStamp(t time.Time) stamp {
	if t.IsZero() {
		return stamp{}
	}
	t = t.UTC()
	return stamp{Text: t.Format("2006-01-02 15:04:05 UTC"), ISO: t.Format(time.RFC3339)}
}

type clockView struct {
	Now, Real stamp
	// Offset describes how far the emulator's clock is from the real one.
	Offset string
	Moved  bool
}

func newClockView(now time.Time, offset time.Duration) clockView {
	v := clockView{Now: newStamp(now), Real: newStamp(now.Add(-offset)), Moved: offset != 0,
		Offset: "none: the emulator follows the real clock"}
	switch {
	case offset > 0:
		v.Offset = span(offset) + " ahead of the real clock"
	case offset < 0:
		v.Offset = span(-offset) + " behind the real clock"
	}
	return v
}

// span writes a positive duration as days, hours, minutes and seconds,
// leaving out zero parts: "3d 2h", "15m 30s", "0s".
func span(d time.Duration) string {
	d = d.Round(time.Second)
	parts := []struct {
		unit time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}}
	var out []string
	for _, p := range parts {
		if n := d / p.unit; n > 0 {
			out = append(out, strconv.FormatInt(int64(n), 10)+p.name)
			d -= n * p.unit
		}
	}
	if len(out) == 0 {
		return "0s"
	}
	return strings.Join(out, " ")
}

type orgView struct{ ID, Management string }

func (h *handler) org() *orgView {
	id, mgmt, err := h.cfg.Store.Organization()
	if err != nil {
		return nil
	}
	return &orgView{ID: id, Management: mgmt}
}

type accountView struct {
	ID         string
	Management bool
	Roles      []roleView
	Providers  []providerView
	Users      []userView
	// SCPs are those attached to the account; nil outside an organization.
	SCPs  []scpView
	InOrg bool
}

type roleView struct {
	Name, ARN, Path string
	MaxSession      string
	Trusted         []trustee
	TrustJSON       string
}

// trustee is one principal an Allow statement of a trust policy names.
type trustee struct {
	// Kind is the Principal key (AWS, Federated, Service, CanonicalUser),
	// or "Anyone" for "*".
	Kind, Value string
	// Missing is set for a SAML provider the store does not hold: the
	// role cannot be federated into through it.
	Missing bool
	// Conditional is set when the statement has conditions.
	Conditional bool
}

type providerView struct {
	Name, ARN  string
	Created    stamp
	ValidUntil stamp
	IdPs       []idpView
}

type idpView struct {
	EntityID string
	Certs    []certView
}

type certView struct {
	Subject             string
	NotBefore, NotAfter stamp
	// Status is "valid", "expires in N days", "EXPIRED" or "not yet
	// valid", at the emulator's time; Class names its style.
	Status, Class string
	// Fingerprint is the start of the SHA-256 of the DER certificate,
	// enough to tell a rotated certificate from its predecessor.
	Fingerprint string
}

type userView struct {
	Name, ARN    string
	MFA          bool
	MFASerial    string
	LoginProfile bool
}

type scpView struct{ Name, ID string }

func (h *handler) accounts(now time.Time) []accountView {
	st := h.cfg.Store
	_, mgmt, orgErr := st.Organization()
	scps := st.SCPList()
	var out []accountView
	for _, id := range st.AccountIDs() {
		a := accountView{ID: id, InOrg: orgErr == nil, Management: orgErr == nil && id == mgmt}
		for _, r := range st.Roles(id, "") {
			a.Roles = append(a.Roles, h.role(r))
		}
		for _, p := range st.SAMLProviders(id) {
			a.Providers = append(a.Providers, provider(p, now))
		}
		mfa := st.MFAUsers(id)
		for _, u := range st.Users(id) {
			serial, ok := mfa[u.Name]
			a.Users = append(a.Users, userView{Name: u.Name, ARN: u.ARN, MFA: ok, MFASerial: serial, LoginProfile: u.Password != ""})
		}
		for _, p := range scps {
			for _, t := range p.Targets {
				if t == id {
					a.SCPs = append(a.SCPs, scpView{Name: p.Name, ID: p.ID})
				}
			}
		}
		out = append(out, a)
	}
	return out
}

var reSAMLProvider = regexp.MustCompile(`^arn:aws:iam::(\d{12}):saml-provider/(.+)$`)

func (h *handler) role(r store.Role) roleView {
	v := roleView{Name: r.Name, ARN: r.ARN, Path: r.Path, TrustJSON: indent(r.TrustPolicy),
		MaxSession: span(time.Duration(r.MaxSessionDuration) * time.Second)}
	if r.Trust == nil {
		return v
	}
	for _, s := range r.Trust.Statements {
		if s.Effect != policy.Allow || s.Principal == nil {
			continue
		}
		add := func(kind string, values []string) {
			for _, val := range values {
				t := trustee{Kind: kind, Value: val, Conditional: len(s.Conditions) > 0}
				if m := reSAMLProvider.FindStringSubmatch(val); kind == "Federated" && m != nil {
					_, err := h.cfg.Store.SAMLProvider(m[1], m[2])
					t.Missing = err != nil
				}
				v.Trusted = append(v.Trusted, t)
			}
		}
		if s.Principal.Wildcard {
			add("Anyone", []string{"*"})
		}
		add("Federated", s.Principal.Federated)
		add("AWS", s.Principal.AWS)
		add("Service", s.Principal.Service)
		add("CanonicalUser", s.Principal.CanonicalUser)
	}
	return v
}

func provider(p store.SAMLProvider, now time.Time) providerView {
	v := providerView{Name: p.Name, ARN: p.ARN, Created: newStamp(p.CreateDate), ValidUntil: newStamp(p.ValidUntil)}
	if p.Parsed == nil {
		return v
	}
	for _, idp := range p.Parsed.IdPs {
		iv := idpView{EntityID: idp.EntityID}
		for _, c := range idp.SigningCertificates() {
			iv.Certs = append(iv.Certs, cert(c, now))
		}
		v.IdPs = append(v.IdPs, iv)
	}
	return v
}

func cert(c samlcheck.Certificate, now time.Time) certView {
	sum := sha256.Sum256(c.Cert.Raw)
	v := certView{Subject: c.Cert.Subject.String(), NotBefore: newStamp(c.Cert.NotBefore), NotAfter: newStamp(c.Cert.NotAfter),
		Fingerprint: fmt.Sprintf("%X", sum[:8])}
	v.Status, v.Class = certStatus(c.Cert.NotBefore, c.Cert.NotAfter, now)
	return v
}

// certStatus judges a validity window at now. Days left are rounded up, so
// a certificate with 9 days and 2 hours left "expires in 10 days".
func certStatus(notBefore, notAfter, now time.Time) (status, class string) {
	switch left := notAfter.Sub(now); {
	case now.After(notAfter):
		return "EXPIRED", "expired"
	case now.Before(notBefore):
		return "not yet valid", "expired"
	case left > expiringWithin:
		return "valid", "valid"
	case left < 24*time.Hour:
		return "expires in less than a day", "expiring"
	case left <= 24*time.Hour:
		return "expires in 1 day", "expiring"
	default:
		days := int((left + 24*time.Hour - 1) / (24 * time.Hour))
		return fmt.Sprintf("expires in %d days", days), "expiring"
	}
}

// indent pretty-prints a JSON document, or returns it as it is when it is
// not JSON.
func indent(doc string) string {
	var out bytes.Buffer
	if err := json.Indent(&out, []byte(doc), "", "  "); err != nil {
		return doc
	}
	return out.String()
}

// filter selects events; empty fields select everything.
type filter struct {
	// Principal is a case-insensitive substring of the userIdentity's ARN,
	// userName or principalId, of the session issuer's ARN, or of
	// LookupEvents' Username.
	Principal string
	// Account is the recipientAccountId, exactly.
	Account string
	// EventName is a case-insensitive substring of the eventName.
	EventName string
	// Refused keeps only events with an errorCode.
	Refused bool
}

func (f filter) match(e events.Event) bool {
	if f.Refused && e.ErrorCode == "" {
		return false
	}
	if f.EventName != "" && !contains(e.EventName, f.EventName) {
		return false
	}
	if f.Principal == "" {
		return true
	}
	id := e.UserIdentity
	fields := []string{id.ARN, id.UserName, id.PrincipalID, events.Username(e)}
	if id.SessionContext != nil && id.SessionContext.SessionIssuer != nil {
		fields = append(fields, id.SessionContext.SessionIssuer.ARN)
	}
	for _, s := range fields {
		if contains(s, f.Principal) {
			return true
		}
	}
	return false
}

func contains(s, sub string) bool {
	return sub != "" && strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// url is the dashboard's address with the filter and refresh seconds
// (0: none).
func (f filter) url(refresh int) string {
	q := url.Values{}
	for k, v := range map[string]string{"principal": f.Principal, "account": f.Account, "event": f.EventName} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Refused {
		q.Set("refused", "1")
	}
	if refresh > 0 {
		q.Set("refresh", strconv.Itoa(refresh))
	}
	if len(q) == 0 {
		return Path
	}
	return Path + "?" + q.Encode()
}

type eventLog struct {
	Filter filter
	Rows   []eventRow
	// Matched counts every matching event; Rows holds at most MaxEvents.
	Matched int
	Max     int
}

type eventRow struct {
	Time                              stamp
	Account, Source, Name, Principal  string
	SourceIP, ErrorCode, ErrorMessage string
	ID, JSON                          string
}

func (h *handler) events(f filter) eventLog {
	out := eventLog{Filter: f, Max: MaxEvents}
	for _, e := range h.cfg.Events.Lookup(events.Query{Account: f.Account}) {
		if !f.match(e) {
			continue
		}
		out.Matched++
		if len(out.Rows) < MaxEvents {
			out.Rows = append(out.Rows, eventRow{
				Time: newStamp(e.EventTime), Account: e.RecipientAccountID, Source: e.EventSource, Name: e.EventName,
				Principal: principal(e.UserIdentity), SourceIP: e.SourceIPAddress,
				ErrorCode: e.ErrorCode, ErrorMessage: e.ErrorMessage, ID: e.EventID, JSON: eventJSON(e),
			})
		}
	}
	return out
}

// principal names who made a call: the ARN, else the user name, else the
// identity type with its account or principal id.
func principal(id events.Identity) string {
	switch {
	case id.ARN != "":
		return id.ARN
	case id.UserName != "":
		return id.UserName
	}
	var parts []string
	for _, s := range []string{id.Type, id.AccountID, id.PrincipalID} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " ")
}

// secretFields are JSON member names, lower-cased, whose values the page
// never prints. CloudTrail records none of them and neither does the
// emulator; the check keeps it so if an event ever carries one.
var secretFields = map[string]bool{
	"secretaccesskey": true, "sessiontoken": true, "password": true, "newpassword": true, "oldpassword": true,
	"samlassertion": true, "samlresponse": true, "base32stringseed": true, "qrcodepng": true,
	"tokencode": true, "authenticationcode1": true, "authenticationcode2": true, "privatekey": true,
}

// eventJSON returns the event's CloudTrail JSON, indented, without any
// member named in secretFields. Members keep CloudTrail's order unless one
// had to be dropped.
func eventJSON(e events.Event) string {
	doc := e.JSON()
	var v any
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return "{}"
	}
	if !strip(v) {
		return indent(doc)
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return "{}"
	}
	return string(b)
}

// strip deletes the members named in secretFields from a decoded JSON
// value, at any depth, and reports whether it deleted any.
func strip(v any) bool {
	found := false
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if secretFields[strings.ToLower(k)] {
				delete(v, k)
				found = true
			} else if strip(x) {
				found = true
			}
		}
	case []any:
		for _, x := range v {
			if strip(x) {
				found = true
			}
		}
	}
	return found
}
