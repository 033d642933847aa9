package sp

import (
	"net/http"
	"net/url"

	"github.com/breakglass-dev/breakglass/sp/internal/awsquery"
	"github.com/breakglass-dev/breakglass/sp/internal/store"
	"github.com/breakglass-dev/breakglass/sp/signin"
	"github.com/breakglass-dev/breakglass/sp/sts"
)

// signinPages builds the AWS sign-in endpoint and console pages, whose STS
// calls take the API's own path through callSTS.
func (e *Emulator) signinPages() *signin.Handler {
	return signin.New(signin.Config{
		Store: e.store, STS: e.sts, Events: e.events, Call: e.callSTS,
		Now: e.clock.Now, Logger: e.log.With("component", "signin"),
	})
}

// callSTS answers an STS action made on a caller's behalf by the sign-in
// pages exactly as the Query API answers it: injected faults first, then
// STS's checks, and the call recorded in the event log.
func (e *Emulator) callSTS(r *http.Request, caller store.Principal, params url.Values) (sts.Outcome, string, *awsquery.Error) {
	id := awsquery.NewRequestID()
	req := &awsquery.Request{Action: params.Get("Action"), Version: sts.Version, Params: params}
	if ferr := e.faults.check("sts"); ferr != nil {
		return sts.Outcome{}, id, ferr
	}
	account := caller.Account
	if m := reAccount.FindStringSubmatch(req.Get("RoleArn")); account == "" && m != nil {
		account = m[1]
	}
	if ferr := e.faults.stsFault(req.Action, account); ferr != nil {
		return sts.Outcome{}, id, ferr
	}
	out, qerr := e.sts.Handle(r.Context(), caller, req, id)
	e.record(r, req, id, caller, out, qerr)
	return out, id, qerr
}
