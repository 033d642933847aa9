// Package sts emulates the STS Query API (version 2011-06-15):
// AssumeRoleWithSAML, AssumeRole (role chaining included) and
// GetCallerIdentity, with AWS's checks in AWS's order and AWS's error codes,
// statuses and messages.
//
// Sources: botocore's STS model [R1]; IAM User Guide pages on SAML
// federation, role chaining and troubleshooting (reference sections 1-5).
package sts

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/breakglass-dev/breakglass/sp/internal/awsquery"
	"github.com/breakglass-dev/breakglass/sp/internal/events"
	"github.com/breakglass-dev/breakglass/sp/internal/policy"
	"github.com/breakglass-dev/breakglass/sp/internal/store"
	"github.com/breakglass-dev/breakglass/sp/samlcheck"
)

// Namespace and Version of the STS Query API.
const (
	Namespace = "https://sts.amazonaws.com/doc/2011-06-15/"
	Version   = "2011-06-15"
)

// Session length limits [R1][R17].
const (
	defaultDuration = 3600
	minDuration     = 900
	maxDuration     = 43200
	chainedMax      = 3600
)

// Service answers STS actions. Store is required.
type Service struct {
	Store *store.Store
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// SAML tunes the SAML checks; its zero value is strict.
	SAML samlcheck.Settings
}

// Outcome is an answered call: the result for the client and what the
// event log records of it.
type Outcome struct {
	Result any
	// Key holds the credentials the call issued; nil for calls that
	// issue none. Never recorded.
	Key *store.AccessKey
	// Account is where the call is recorded (the role's account for
	// federation, whose caller has no account of its own).
	Account string
	// Identity replaces the caller's identity in the event, for
	// AssumeRoleWithSAML (a SAMLUser); nil keeps the caller's.
	Identity  *events.Identity
	Resources []events.Resource
	// Response is the event's responseElements, without secrets.
	Response map[string]any
	// Request adds to the event's requestParameters what STS derives from
	// the call, such as the SAML assertion's id and session name.
	Request map[string]any
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Handle answers one STS request. caller is the zero Principal for the
// unsigned federation calls. requestID is embedded in some AWS messages.
func (s *Service) Handle(ctx context.Context, caller store.Principal, r *awsquery.Request, requestID string) (Outcome, *awsquery.Error) {
	switch r.Action {
	case "GetCallerIdentity":
		// No permission is needed: even an explicit deny returns data [R1].
		return Outcome{Result: struct {
			UserID  string `xml:"UserId"`
			Account string `xml:"Account"`
			ARN     string `xml:"Arn"`
		}{caller.UserID, caller.Account, caller.ARN}}, nil
	case "AssumeRole":
		return s.assumeRole(caller, r)
	case "AssumeRoleWithSAML":
		return s.assumeRoleWithSAML(r, requestID)
	case "GetSessionToken":
		return s.getSessionToken(caller, r)
	}
	return Outcome{}, awsquery.InvalidAction(r.Action)
}

// validation is the model-constraint error [R52].
func validation(value, member, constraint string) *awsquery.Error {
	return awsquery.Errorf(http.StatusBadRequest, "ValidationError",
		"1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, member, constraint)
}

var (
	reSessionName = regexp.MustCompile(`^[\w+=,.@-]*$`)
	reRoleARN     = regexp.MustCompile(`^arn:aws:iam::(\d{12}):role/(?:[\x21-\x7E]*/)?([\w+=,.@-]+)$`)
	reProviderARN = regexp.MustCompile(`^arn:aws:iam::(\d{12}):saml-provider/([\w._-]+)$`)
)

// optional describes an optional string parameter of the STS API model:
// its length bounds and pattern (AWS STS API Reference, AssumeRole and
// GetSessionToken request parameters [R1]).
type optional struct {
	name, member   string
	minLen, maxLen int
	pattern        *regexp.Regexp
	patternText    string
}

var (
	optSourceIdentity = optional{"SourceIdentity", "sourceIdentity", 2, 64, reSessionName, `[\w+=,.@-]*`}
	optExternalID     = optional{"ExternalId", "externalId", 2, 1224, regexp.MustCompile(`^[\w+=,.@:/-]*$`), `[\w+=,.@:\/-]*`}
	optSerialNumber   = optional{"SerialNumber", "serialNumber", 9, 256, regexp.MustCompile(`^[\w+=/:,.@-]*$`), `[\w+=/:,.@-]*`}
	optTokenCode      = optional{"TokenCode", "tokenCode", 6, 6, regexp.MustCompile(`^\d*$`), `[\d]*`}
)

// read returns the parameter's value ("" when absent) after the model's
// length and pattern checks; an absent parameter is not checked.
func (o optional) read(r *awsquery.Request) (string, *awsquery.Error) {
	if !r.Has(o.name) {
		return "", nil
	}
	v := r.Get(o.name)
	shown := v
	if len(shown) > 64 {
		shown = shown[:64] + "..."
	}
	if n := len([]rune(v)); n < o.minLen {
		return "", validation(shown, o.member, fmt.Sprintf("Member must have length greater than or equal to %d", o.minLen))
	} else if n > o.maxLen {
		return "", validation(shown, o.member, fmt.Sprintf("Member must have length less than or equal to %d", o.maxLen))
	}
	if !o.pattern.MatchString(v) {
		return "", validation(shown, o.member, "Member must satisfy regular expression pattern: "+o.patternText)
	}
	return v, nil
}

// readAll reads several optional parameters in order, stopping at the
// first invalid one.
func readAll(r *awsquery.Request, opts ...optional) ([]string, *awsquery.Error) {
	out := make([]string, len(opts))
	for i, o := range opts {
		v, err := o.read(r)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// param reads a required string parameter with the model's length bounds.
func param(r *awsquery.Request, name, member string, minLen, maxLen int) (string, *awsquery.Error) {
	if !r.Has(name) {
		return "", validation("null", member, "Member must not be null")
	}
	v := r.Get(name)
	if n := len([]rune(v)); n < minLen {
		return "", validation(v, member, fmt.Sprintf("Member must have length greater than or equal to %d", minLen))
	} else if n > maxLen {
		return "", validation(v[:min(len(v), 64)]+"...", member, fmt.Sprintf("Member must have length less than or equal to %d", maxLen))
	}
	return v, nil
}

// duration reads DurationSeconds: 900-43200, default 3600 [R1].
func duration(r *awsquery.Request) (int, *awsquery.Error) {
	if !r.Has("DurationSeconds") {
		return defaultDuration, nil
	}
	v := r.Get("DurationSeconds")
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, validation(v, "durationSeconds", "Member must be an integer")
	}
	if n < minDuration {
		return 0, validation(v, "durationSeconds", "Member must have value greater than or equal to 900")
	}
	if n > maxDuration {
		return 0, validation(v, "durationSeconds", "Member must have value less than or equal to 43200")
	}
	return n, nil
}

// roleFromARN finds the role an ARN names; ok is false when the ARN is not
// a role ARN or the role does not exist.
func (s *Service) roleFromARN(arn string) (store.Role, string, bool) {
	m := reRoleARN.FindStringSubmatch(arn)
	if m == nil {
		return store.Role{}, "", false
	}
	role, err := s.Store.Role(m[1], m[2])
	if err != nil || role.ARN != arn {
		return store.Role{}, "", false
	}
	return role, m[1], true
}

// trustOf returns a role's parsed trust policy: the one IAM parsed when it
// was set, or a fresh parse.
func trustOf(role store.Role) (*policy.Policy, error) {
	if role.Trust != nil {
		return role.Trust, nil
	}
	return policy.Parse(role.TrustPolicy)
}

// issue creates temporary credentials for a role session.
func (s *Service) issue(role store.Role, account, sessionName string, d time.Duration, sess store.Session) (store.AccessKey, store.Principal) {
	now := s.now()
	sess.RoleName, sess.RoleID, sess.IssuedAt = role.Name, role.ID, now
	p := store.Principal{
		Type: store.AssumedRole, Account: account,
		ARN:     "arn:aws:sts::" + account + ":assumed-role/" + role.Name + "/" + sessionName,
		UserID:  role.ID + ":" + sessionName,
		RoleARN: role.ARN,
	}
	p.Session = &sess
	k := store.AccessKey{
		ID: store.NewID("ASIA", 16), Secret: store.NewSecret(), SessionToken: newToken(),
		Expires: now.Add(d), Principal: p, Created: now,
	}
	s.Store.AddKey(k)
	return k, p
}

func newToken() string {
	// Opaque and long, like AWS's tokens: clients must not assume a size [R1].
	return "IQoJb3JpZ2luX2VjE" + store.NewSecret() + store.NewSecret() + store.NewSecret()
}

type credentials struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

type assumedRoleUser struct {
	AssumedRoleID string `xml:"AssumedRoleId"`
	ARN           string `xml:"Arn"`
}

func credentialsXML(k store.AccessKey) credentials {
	return credentials{k.ID, k.Secret, k.SessionToken, k.Expires.UTC().Format("2006-01-02T15:04:05Z")}
}

// responseElements is what CloudTrail records of the credentials: never the
// secret or the session token.
func responseElements(k store.AccessKey, p store.Principal) map[string]any {
	return map[string]any{
		"credentials":     map[string]any{"accessKeyId": k.ID, "expiration": k.Expires.UTC().Format(time.RFC3339)},
		"assumedRoleUser": map[string]any{"assumedRoleId": p.UserID, "arn": p.ARN},
	}
}

func accessDenied(caller, action, resource, because string) *awsquery.Error {
	msg := fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s", caller, action, resource)
	if because != "" {
		msg += " " + because
	}
	return awsquery.Errorf(http.StatusForbidden, "AccessDenied", "%s", msg)
}
