package sp

import (
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/breakglass-dev/breakglass/sp/control"
	"github.com/breakglass-dev/breakglass/sp/dashboard"
	"github.com/breakglass-dev/breakglass/sp/internal/awsquery"
)

// clock is the emulator's clock: a base clock plus an offset the control
// API moves.
type clock struct {
	base func() time.Time

	mu     sync.RWMutex
	offset time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.base().Add(c.offset)
}

func (c *clock) reading() control.Clock {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return control.Clock{Now: c.base().Add(c.offset).UTC(), Offset: c.offset}
}

// faults holds the outages injected through the control API.
type faults struct {
	mu sync.RWMutex
	f  control.Faults
}

// stsFault returns the STS-specific injected error for a call, or nil:
// RegionDisabledException (account is the caller's, or the role's for
// federation) or IDPRejectedClaim. Texts from the STS model and reference
// section 3 [R1][R50].
func (f *faults) stsFault(action, account string) *awsquery.Error {
	f.mu.RLock()
	defer f.mu.RUnlock()
	switch {
	case f.f.RegionDisabled:
		return awsquery.Errorf(http.StatusForbidden, "RegionDisabledException",
			"STS is not activated in this region for account:%s. Your account administrator can activate STS in this region using the IAM Console.", account)
	case f.f.RejectClaims && action == "AssumeRoleWithSAML":
		return awsquery.Errorf(http.StatusForbidden, "IDPRejectedClaim", "The identity provider rejected the claim in the SAML response.")
	}
	return nil
}

// check returns the error a faulted service answers with, or nil.
func (f *faults) check(service string) *awsquery.Error {
	f.mu.RLock()
	defer f.mu.RUnlock()
	switch {
	case slices.Contains(f.f.Unavailable, service):
		return &awsquery.Error{Status: http.StatusServiceUnavailable, Code: "ServiceUnavailable", Message: "Service is unavailable. Please try again later.", Receiver: true}
	case slices.Contains(f.f.Throttled, service):
		return awsquery.Errorf(http.StatusBadRequest, "Throttling", "Rate exceeded")
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func controlError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// readJSON decodes a small JSON body strictly.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		controlError(w, http.StatusBadRequest, "invalid JSON body: "+err.Error())
		return false
	}
	return true
}

func (e *Emulator) controlRoutes(mux *http.ServeMux) {
	board := dashboard.New(dashboard.Config{
		Store: e.store, Events: e.events, Logger: e.log.With("component", "dashboard"),
		Clock: func() (time.Time, time.Duration) {
			c := e.clock.reading()
			return c.Now, c.Offset
		},
	})
	mux.Handle("GET "+dashboard.Path, board)
	mux.Handle("GET "+dashboard.StylePath, board)
	mux.HandleFunc("GET "+control.ClockPath, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, e.clock.reading())
	})
	mux.HandleFunc("POST "+control.ClockPath, func(w http.ResponseWriter, r *http.Request) {
		var ch control.ClockChange
		if !readJSON(w, r, &ch) {
			return
		}
		switch {
		case ch.Advance != 0 && !ch.Set.IsZero():
			controlError(w, http.StatusBadRequest, "give advance_ns or set, not both")
			return
		case ch.Advance < 0:
			controlError(w, http.StatusBadRequest, "the clock only moves forward")
			return
		case ch.Advance > 0:
			e.clock.mu.Lock()
			e.clock.offset += ch.Advance
			e.clock.mu.Unlock()
		case !ch.Set.IsZero():
			e.clock.mu.Lock()
			e.clock.offset = ch.Set.Sub(e.clock.base())
			e.clock.mu.Unlock()
		default:
			controlError(w, http.StatusBadRequest, "give advance_ns or set")
			return
		}
		e.log.Debug("clock moved", "now", e.clock.Now().UTC())
		writeJSON(w, http.StatusOK, e.clock.reading())
	})
	mux.HandleFunc("POST "+control.ResetPath, func(w http.ResponseWriter, r *http.Request) {
		e.store.Reset()
		e.events.Reset()
		e.clock.mu.Lock()
		e.clock.offset = 0
		e.clock.mu.Unlock()
		e.faults.mu.Lock()
		e.faults.f = control.Faults{}
		e.faults.mu.Unlock()
		e.log.Info("emulator reset")
		writeJSON(w, http.StatusOK, map[string]string{})
	})
	mux.HandleFunc("PUT "+control.FaultsPath, func(w http.ResponseWriter, r *http.Request) {
		var f control.Faults
		if !readJSON(w, r, &f) {
			return
		}
		for _, s := range append(slices.Clone(f.Unavailable), f.Throttled...) {
			if s != "iam" && s != "sts" && s != "cloudtrail" && s != "organizations" {
				controlError(w, http.StatusBadRequest, "unknown service "+s+": want iam, sts, cloudtrail or organizations")
				return
			}
		}
		e.faults.mu.Lock()
		e.faults.f = f
		e.faults.mu.Unlock()
		e.log.Info("faults set", "unavailable", f.Unavailable, "throttled", f.Throttled)
		writeJSON(w, http.StatusOK, f)
	})
	mux.HandleFunc("GET "+control.FaultsPath, func(w http.ResponseWriter, r *http.Request) {
		e.faults.mu.RLock()
		defer e.faults.mu.RUnlock()
		writeJSON(w, http.StatusOK, e.faults.f)
	})
}
