// Package events is the emulator's event log: every API call, allowed or
// refused, recorded as a CloudTrail event and readable through CloudTrail's
// LookupEvents (JSON 1.1 protocol), so a drill checks "was break-glass use
// recorded" the same way on the emulator and on AWS.
//
// Sources: CloudTrail User Guide, "CloudTrail record contents" and
// "userIdentity element" [R20]; IAM User Guide, "Logging IAM and AWS STS API
// calls with AWS CloudTrail" [R19]; CloudTrail API Reference, LookupEvents.
package events

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// Identity is CloudTrail's userIdentity element.
type Identity struct {
	Type             string          `json:"type"`
	PrincipalID      string          `json:"principalId,omitempty"`
	ARN              string          `json:"arn,omitempty"`
	AccountID        string          `json:"accountId,omitempty"`
	AccessKeyID      string          `json:"accessKeyId,omitempty"`
	UserName         string          `json:"userName,omitempty"`
	IdentityProvider string          `json:"identityProvider,omitempty"`
	SessionContext   *SessionContext `json:"sessionContext,omitempty"`
}

// SessionContext describes the session behind temporary credentials.
type SessionContext struct {
	SessionIssuer  *SessionIssuer    `json:"sessionIssuer,omitempty"`
	Attributes     map[string]string `json:"attributes,omitempty"`
	SourceIdentity string            `json:"sourceIdentity,omitempty"`
}

// SessionIssuer is the role (or user) that issued a session.
type SessionIssuer struct {
	Type        string `json:"type"`
	PrincipalID string `json:"principalId"`
	ARN         string `json:"arn"`
	AccountID   string `json:"accountId"`
	UserName    string `json:"userName"`
}

// Resource is a resource an event touched.
type Resource struct {
	Type      string `json:"type"`
	ARN       string `json:"ARN"`
	AccountID string `json:"accountId,omitempty"`
}

// Event is one CloudTrail record.
type Event struct {
	EventVersion      string         `json:"eventVersion"`
	UserIdentity      Identity       `json:"userIdentity"`
	EventTime         time.Time      `json:"eventTime"`
	EventSource       string         `json:"eventSource"`
	EventName         string         `json:"eventName"`
	AWSRegion         string         `json:"awsRegion"`
	SourceIPAddress   string         `json:"sourceIPAddress"`
	UserAgent         string         `json:"userAgent,omitempty"`
	ErrorCode         string         `json:"errorCode,omitempty"`
	ErrorMessage      string         `json:"errorMessage,omitempty"`
	RequestParameters map[string]any `json:"requestParameters"`
	ResponseElements  map[string]any `json:"responseElements"`
	RequestID         string         `json:"requestID"`
	EventID           string         `json:"eventID"`
	// SharedEventID links the events one cross-account call writes in
	// each account it involves.
	SharedEventID string     `json:"sharedEventID,omitempty"`
	ReadOnly      bool       `json:"readOnly"`
	Resources     []Resource `json:"resources,omitempty"`
	EventType     string     `json:"eventType"`
	// AdditionalEventData carries what a console sign-in adds (LoginTo,
	// MFAUsed, SamlProviderArn) [R32].
	AdditionalEventData map[string]any `json:"additionalEventData,omitempty"`
	RecipientAccountID  string         `json:"recipientAccountId"`
}

// Log keeps the most recent events. It is safe for concurrent use.
type Log struct {
	mu     sync.RWMutex
	max    int
	events []Event
}

// NewLog returns a log that keeps the last max events (0 means 100,000).
func NewLog(max int) *Log {
	if max <= 0 {
		max = 100_000
	}
	return &Log{max: max}
}

// Add records an event, filling EventVersion, EventID and EventType when
// empty.
func (l *Log) Add(e Event) {
	if e.EventVersion == "" {
		e.EventVersion = "1.08"
	}
	if e.EventID == "" {
		e.EventID = newUUID()
	}
	if e.EventType == "" {
		e.EventType = "AwsApiCall"
	}
	if e.RequestParameters == nil {
		e.RequestParameters = map[string]any{}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
	// Trim in batches of a tenth, so adding stays amortized O(1) once the
	// log is full instead of copying it on every event.
	if len(l.events) > l.max+l.max/10 {
		l.events = append([]Event(nil), l.events[len(l.events)-l.max:]...)
	}
}

// Reset forgets every event.
func (l *Log) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = nil
}

// Query selects events for LookupEvents.
type Query struct {
	// Attribute and Value filter as LookupAttributes does (one pair).
	Attribute, Value string
	// Start and End bound EventTime; zero means unbounded.
	Start, End time.Time
	// Account restricts to events recorded in that account (CloudTrail's
	// LookupEvents shows the caller's own account's events).
	Account string
}

// Lookup returns matching events, newest first.
func (l *Log) Lookup(q Query) []Event {
	l.mu.RLock()
	defer l.mu.RUnlock()
	var out []Event
	for i := len(l.events) - 1; i >= max(0, len(l.events)-l.max); i-- {
		e := l.events[i]
		if q.Account != "" && e.RecipientAccountID != q.Account {
			continue
		}
		if !q.Start.IsZero() && e.EventTime.Before(q.Start) || !q.End.IsZero() && e.EventTime.After(q.End) {
			continue
		}
		if q.Attribute != "" && !matches(e, q.Attribute, q.Value) {
			continue
		}
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].EventTime.After(out[j].EventTime) })
	return out
}

// matches applies one LookupAttributes pair.
func matches(e Event, attr, value string) bool {
	switch attr {
	case "EventName":
		return e.EventName == value
	case "EventSource":
		return e.EventSource == value
	case "EventId":
		return e.EventID == value
	case "Username":
		return Username(e) == value
	case "AccessKeyId":
		return e.UserIdentity.AccessKeyID == value
	case "ReadOnly":
		return fmt.Sprint(e.ReadOnly) == value
	case "ResourceName":
		for _, r := range e.Resources {
			if r.ARN == value || strings.HasSuffix(r.ARN, "/"+value) {
				return true
			}
		}
	case "ResourceType":
		for _, r := range e.Resources {
			if r.Type == value {
				return true
			}
		}
	}
	return false
}

// Username is what LookupEvents reports as an event's Username: the user
// name, the session name of an assumed role, or the SAML subject.
func Username(e Event) string {
	id := e.UserIdentity
	switch {
	case id.UserName != "":
		return id.UserName
	case id.Type == "AssumedRole":
		if i := strings.LastIndexByte(id.ARN, '/'); i >= 0 {
			return id.ARN[i+1:]
		}
	case id.Type == "Root":
		return "root"
	case id.Type == "AWSAccount" && e.EventName == "AssumeRole":
		// The role account's copy of a cross-account AssumeRole names
		// only the calling account; its Username is the session name.
		if name, ok := e.RequestParameters["roleSessionName"].(string); ok {
			return name
		}
	}
	return ""
}

// JSON returns the event as the CloudTrailEvent string of LookupEvents.
func (e Event) JSON() string {
	b, err := json.Marshal(e)
	if err != nil {
		return "{}"
	}
	return string(b)
}

// NewUUID returns a random (version 4) UUID, the form of CloudTrail's event ids.
func NewUUID() string { return newUUID() }

func newUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err)) // the runtime guarantees it does not
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
