package sp

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/breakglass-dev/breakglass/sp/iam"
	"github.com/breakglass-dev/breakglass/sp/internal/awsquery"
	"github.com/breakglass-dev/breakglass/sp/internal/events"
	"github.com/breakglass-dev/breakglass/sp/internal/sigv4"
	"github.com/breakglass-dev/breakglass/sp/internal/store"
	"github.com/breakglass-dev/breakglass/sp/samlcheck"
	"github.com/breakglass-dev/breakglass/sp/signin"
	"github.com/breakglass-dev/breakglass/sp/sts"
)

// Config configures an Emulator. The zero value is ready for use.
type Config struct {
	// Now is the emulator's clock. Nil means time.Now.
	Now func() time.Time
	// Logger receives one record per request. Nil discards.
	Logger *slog.Logger
	// CheckSkew refuses signatures more than 15 minutes from Now, as AWS
	// does. Leave it off while drills move a virtual clock.
	CheckSkew bool
	// SAML holds the settings of the SAML checks where AWS's behaviour is
	// unconfirmed; the zero value is strict (docs/aws-behaviour.md).
	SAML samlcheck.Settings
}

// Emulator is the AWS side: IAM and STS over the Query protocol on one
// endpoint (as LocalStack serves them on port 4566).
type Emulator struct {
	cfg    Config
	clock  *clock
	faults faults
	log    *slog.Logger
	store  *store.Store
	events *events.Log
	iam    *iam.Service
	sts    *sts.Service
}

// New returns an emulator with no accounts; any 12-digit access key id is
// the root user of that account.
func New(cfg Config) *Emulator {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	st := store.New()
	clk := &clock{base: cfg.Now}
	return &Emulator{
		cfg: cfg, clock: clk, log: log, store: st, events: events.NewLog(0),
		iam: &iam.Service{Store: st, Now: clk.Now},
		sts: &sts.Service{Store: st, Now: clk.Now, SAML: cfg.SAML},
	}
}

// Now returns the emulator's clock reading: its base clock moved by the
// control API.
func (e *Emulator) Now() time.Time { return e.clock.Now() }

// Handler serves the AWS API (POST / with Action and Version, or a JSON
// 1.1 X-Amz-Target), AWS's sign-in SAML endpoint and console pages
// (package signin), and the control API and the facilitators' dashboard
// (package dashboard) under /_breakglass/.
func (e *Emulator) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/{$}", e.query)
	pages := e.signinPages()
	for _, p := range signin.Paths() {
		mux.Handle(p, pages)
	}
	e.controlRoutes(mux)
	return mux
}

func (e *Emulator) query(w http.ResponseWriter, r *http.Request) {
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		if strings.HasPrefix(target, organizationsTarget) {
			e.organizations(w, r)
		} else {
			e.cloudTrail(w, r)
		}
		return
	}
	id := awsquery.NewRequestID()
	if r.Header.Get("Authorization") == "" {
		// Unsigned calls (federation) carry at most a SAML assertion of
		// 100,000 characters: bound what an anonymous client may send.
		r.Body = http.MaxBytesReader(w, r.Body, maxUnsignedBody)
	}
	req, qerr := awsquery.Parse(w, r)
	ns := namespace(req)
	if qerr != nil {
		e.fail(w, ns, id, "", qerr)
		return
	}
	log := e.log.With("request_id", id, "action", req.Action)
	switch req.Version {
	case iam.Version, sts.Version:
	default:
		e.fail(w, ns, id, req.Action, awsquery.Errorf(http.StatusBadRequest, "InvalidParameterValue", "Unsupported Version: %s", req.Version))
		return
	}
	service := "sts"
	if req.Version == iam.Version {
		service = "iam"
	}
	if ferr := e.faults.check(service); ferr != nil {
		e.fail(w, ns, id, req.Action, ferr)
		return
	}
	caller, aerr := e.authenticate(r.Context(), r, req)
	if aerr != nil {
		log.Debug("request refused", "code", aerr.Code)
		e.fail(w, ns, id, req.Action, aerr)
		return
	}
	if req.Version == sts.Version {
		account := caller.Account
		if m := reAccount.FindStringSubmatch(req.Get("RoleArn")); account == "" && m != nil {
			account = m[1]
		}
		if ferr := e.faults.stsFault(req.Action, account); ferr != nil {
			e.fail(w, ns, id, req.Action, ferr)
			return
		}
	}
	var out sts.Outcome
	switch req.Version {
	case iam.Version:
		if qerr = e.authorizeIAM(caller, req); qerr == nil {
			out.Result, qerr = e.iam.Handle(r.Context(), caller, req)
		}
	case sts.Version:
		out, qerr = e.sts.Handle(r.Context(), caller, req, id)
	}
	result := out.Result
	e.record(r, req, id, caller, out, qerr)
	if qerr != nil {
		log.Debug("request failed", "code", qerr.Code, "caller", caller.ARN)
		e.fail(w, ns, id, req.Action, qerr)
		return
	}
	log.Debug("request", "caller", caller.ARN)
	awsquery.WriteResult(w, ns, req.Action, id, result)
}

func namespace(req *awsquery.Request) string {
	if req != nil && req.Version == iam.Version {
		return iam.Namespace
	}
	return sts.Namespace
}

func (e *Emulator) fail(w http.ResponseWriter, ns, id, action string, err *awsquery.Error) {
	awsquery.WriteError(w, ns, id, err)
}

// record writes the call to the event log, in the caller's account.
// Calls refused before the caller is known (bad signatures) are not
// recorded, as CloudTrail does not record them either.
func (e *Emulator) record(r *http.Request, req *awsquery.Request, id string, caller store.Principal, out sts.Outcome, err *awsquery.Error) {
	source := "sts.amazonaws.com"
	if req.Version == iam.Version {
		source = "iam.amazonaws.com"
	}
	ev := events.Event{
		EventTime: e.clock.Now().UTC(), EventSource: source, EventName: req.Action, AWSRegion: "us-east-1",
		SourceIPAddress: clientIP(r), UserAgent: r.UserAgent(), RequestID: id,
		RequestParameters: requestParameters(req), RecipientAccountID: caller.Account,
		ReadOnly:     strings.HasPrefix(req.Action, "Get") || strings.HasPrefix(req.Action, "List"),
		UserIdentity: events.Identity{Type: string(caller.Type), PrincipalID: caller.UserID, ARN: caller.ARN, AccountID: caller.Account},
	}
	if caller.Session != nil {
		ev.UserIdentity.AccessKeyID = ""
		ev.UserIdentity.SessionContext = &events.SessionContext{
			SessionIssuer: &events.SessionIssuer{Type: "Role", PrincipalID: caller.Session.RoleID, ARN: caller.RoleARN,
				AccountID: caller.Account, UserName: caller.Session.RoleName},
			Attributes:     map[string]string{"mfaAuthenticated": strconv.FormatBool(caller.Session.MFA), "creationDate": caller.Session.IssuedAt.Format(time.RFC3339)},
			SourceIdentity: caller.Session.SourceIdentity,
		}
	}
	if out.Identity != nil {
		ev.UserIdentity = *out.Identity
	}
	if out.Account != "" {
		ev.RecipientAccountID = out.Account
	}
	ev.Resources, ev.ResponseElements = out.Resources, out.Response
	for k, v := range out.Request {
		ev.RequestParameters[k] = v
	}
	if err != nil {
		ev.ErrorCode, ev.ErrorMessage = err.Code, err.Message
		ev.ResponseElements = nil
	}
	if ev.RecipientAccountID == "" && req.Action == "AssumeRoleWithSAML" {
		// A refused federation is recorded in the account of the role asked for.
		if m := reAccount.FindStringSubmatch(req.Get("RoleArn")); m != nil {
			ev.RecipientAccountID = m[1]
			ev.UserIdentity = events.Identity{Type: "SAMLUser"}
		}
	}
	// A cross-account AssumeRole is recorded in the caller's account with
	// the caller's identity and in the role's account with only the
	// calling account and principal id; the two share a sharedEventID
	// (IAM User Guide, cross-account STS events in CloudTrail [R19]).
	if req.Action == "AssumeRole" && err == nil && caller.Account != "" && out.Account != "" && out.Account != caller.Account {
		ev.SharedEventID = events.NewUUID()
		own := ev
		own.RecipientAccountID = caller.Account
		e.events.Add(own)
		ev.UserIdentity = events.Identity{Type: "AWSAccount", PrincipalID: caller.UserID, AccountID: caller.Account}
		ev.Resources = nil
	}
	e.events.Add(ev)
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// maxUnsignedBody bounds an unsigned request (URL-encoding may grow a
// 100,000-character assertion by a third).
const maxUnsignedBody = 512 << 10

var reAccount = regexp.MustCompile(`^arn:aws:iam::(\d{12}):`)

// unsigned lists the actions AWS serves without a signature: the SAML
// assertion (or web identity token) is the credential [R1].
var unsigned = map[string]bool{"AssumeRoleWithSAML": true, "AssumeRoleWithWebIdentity": true}

// authenticate verifies the request's SigV4 signature and returns who made
// it. Unsigned STS federation calls return the zero Principal.
func (e *Emulator) authenticate(ctx context.Context, r *http.Request, req *awsquery.Request) (store.Principal, *awsquery.Error) {
	if req.Version == sts.Version && unsigned[req.Action] {
		return store.Principal{}, nil
	}
	var key store.AccessKey
	lookup := func(id string) (sigv4.Credential, bool) {
		k, ok := e.store.Key(id)
		if !ok {
			return sigv4.Credential{}, false
		}
		key = k
		return sigv4.Credential{AccessKeyID: k.ID, SecretAccessKey: k.Secret, SessionToken: k.SessionToken,
			Expires: k.Expires, AnySecret: k.Principal.Type == store.Root && store.IsAccountID(k.ID)}, true
	}
	_, err := sigv4.Verify(ctx, r, req.Body, lookup, sigv4.Options{Now: e.clock.Now, CheckSkew: e.cfg.CheckSkew})
	if err != nil {
		return store.Principal{}, &awsquery.Error{Status: err.Status(), Code: string(err.Reason), Message: err.Message}
	}
	return key.Principal, nil
}
