package sts

import (
	"net/http"
	"strconv"
	"time"

	"github.com/breakglass-dev/breakglass/sp/iam"
	"github.com/breakglass-dev/breakglass/sp/internal/awsquery"
	"github.com/breakglass-dev/breakglass/sp/internal/store"
)

// getSessionToken turns an IAM user's long-term keys into temporary
// credentials, with MFA when SerialNumber and TokenCode are given (the
// break-glass IAM user of Failure Mode 1). Duration 900-129600 s, default
// 43200; root at most 3600; role sessions may not call it [R1].
func (s *Service) getSessionToken(caller store.Principal, r *awsquery.Request) (Outcome, *awsquery.Error) {
	if caller.Session != nil {
		return Outcome{}, awsquery.Errorf(http.StatusForbidden, "AccessDenied", "Cannot call GetSessionToken with session credentials")
	}
	d := 43200
	if r.Has("DurationSeconds") {
		v := r.Get("DurationSeconds")
		n, err := strconv.Atoi(v)
		switch {
		case err != nil:
			return Outcome{}, validation(v, "durationSeconds", "Member must be an integer")
		case n < minDuration:
			return Outcome{}, validation(v, "durationSeconds", "Member must have value greater than or equal to 900")
		case n > 129600:
			return Outcome{}, validation(v, "durationSeconds", "Member must have value less than or equal to 129600")
		}
		d = n
	}
	if caller.Type == store.Root && d > 3600 {
		d = 3600 // root sessions last at most an hour [R1]
	}
	opts, err := readAll(r, optSerialNumber, optTokenCode)
	if err != nil {
		return Outcome{}, err
	}
	mfa, err := iam.VerifyMFA(s.Store, s.now(), caller, opts[0], opts[1])
	if err != nil {
		return Outcome{}, err
	}
	now := s.now()
	p := caller
	p.Session = &store.Session{MFA: mfa, IssuedAt: now}
	k := store.AccessKey{ID: store.NewID("ASIA", 16), Secret: store.NewSecret(), SessionToken: newToken(),
		Expires: now.Add(time.Duration(d) * time.Second), Principal: p, Created: now}
	s.Store.AddKey(k)
	return Outcome{
		Key: &k,
		Result: struct {
			Credentials credentials `xml:"Credentials"`
		}{credentialsXML(k)},
		Response: map[string]any{"credentials": map[string]any{"accessKeyId": k.ID, "expiration": k.Expires.UTC().Format(time.RFC3339)}},
	}, nil
}
