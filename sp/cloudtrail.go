package sp

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/breakglass-dev/breakglass/sp/internal/awsquery"
	"github.com/breakglass-dev/breakglass/sp/internal/events"
	"github.com/breakglass-dev/breakglass/sp/internal/store"
)

// lookupEventsTarget is the X-Amz-Target of CloudTrail's LookupEvents in the
// JSON 1.1 protocol. aws-sdk-go-v2 sends it bare; botocore (the AWS CLI)
// prefixes "com.amazonaws.cloudtrail.v20131101.".
const lookupEventsTarget = "CloudTrail_20131101.LookupEvents"

// jsonError renders an error in the JSON 1.1 shape: __type and message,
// with x-amzn-ErrorType.
func jsonError(w http.ResponseWriter, id string, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("x-amzn-RequestId", id)
	w.Header().Set("x-amzn-ErrorType", code)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}

// jsonCall reads and authenticates a JSON 1.1 request of service: it
// answers the injected fault, a body it cannot read or a refused signature
// itself and then reports ok=false.
func (e *Emulator) jsonCall(w http.ResponseWriter, r *http.Request, service string) (id string, body []byte, caller store.Principal, ok bool) {
	id = awsquery.NewRequestID()
	if ferr := e.faults.check(service); ferr != nil {
		jsonError(w, id, ferr.Status, ferr.Code, ferr.Message)
		return id, nil, caller, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		jsonError(w, id, http.StatusBadRequest, "SerializationException", "could not read the request body")
		return id, nil, caller, false
	}
	caller, aerr := e.authenticate(r.Context(), r, &awsquery.Request{Body: body})
	if aerr != nil {
		jsonError(w, id, aerr.Status, aerr.Code, aerr.Message)
		return id, nil, caller, false
	}
	return id, body, caller, true
}

// cloudTrail answers LookupEvents, signed like every AWS call; a caller
// sees the events recorded in its own account, newest first.
func (e *Emulator) cloudTrail(w http.ResponseWriter, r *http.Request) {
	if target := r.Header.Get("X-Amz-Target"); target != lookupEventsTarget && target != "com.amazonaws.cloudtrail.v20131101."+lookupEventsTarget {
		jsonError(w, awsquery.NewRequestID(), http.StatusBadRequest, "UnknownOperationException", "")
		return
	}
	id, body, caller, ok := e.jsonCall(w, r, "cloudtrail")
	if !ok {
		return
	}
	if aerr := e.authorize(caller, "cloudtrail:LookupEvents", "*"); aerr != nil {
		jsonError(w, id, aerr.Status, "AccessDeniedException", aerr.Message)
		return
	}
	var in struct {
		LookupAttributes []struct{ AttributeKey, AttributeValue string }
		StartTime        *float64
		EndTime          *float64
		MaxResults       *int
		NextToken        string
	}
	if err := json.Unmarshal(body, &in); err != nil {
		jsonError(w, id, http.StatusBadRequest, "SerializationException", "the request body is not valid JSON")
		return
	}
	if len(in.LookupAttributes) > 1 {
		jsonError(w, id, http.StatusBadRequest, "InvalidLookupAttributesException", "You cannot specify more than one lookup attribute.")
		return
	}
	q := events.Query{Account: caller.Account}
	if len(in.LookupAttributes) == 1 {
		q.Attribute, q.Value = in.LookupAttributes[0].AttributeKey, in.LookupAttributes[0].AttributeValue
	}
	if in.StartTime != nil {
		q.Start = epoch(*in.StartTime)
	}
	if in.EndTime != nil {
		q.End = epoch(*in.EndTime)
	}
	max := 50
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 50 {
			jsonError(w, id, http.StatusBadRequest, "InvalidMaxResultsException", "MaxResults must be between 1 and 50.")
			return
		}
		max = *in.MaxResults
	}
	offset := 0
	if in.NextToken != "" {
		raw, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		if n, cerr := strconv.Atoi(string(raw)); err != nil || cerr != nil || n < 0 {
			jsonError(w, id, http.StatusBadRequest, "InvalidNextTokenException", "Invalid NextToken.")
			return
		} else {
			offset = n
		}
	}
	all := e.events.Lookup(q)
	type resource struct{ ResourceType, ResourceName string }
	type event struct {
		EventID         string     `json:"EventId"`
		EventName       string     `json:"EventName"`
		ReadOnly        string     `json:"ReadOnly"`
		AccessKeyID     string     `json:"AccessKeyId,omitempty"`
		EventTime       float64    `json:"EventTime"`
		EventSource     string     `json:"EventSource"`
		Username        string     `json:"Username,omitempty"`
		Resources       []resource `json:"Resources,omitempty"`
		CloudTrailEvent string     `json:"CloudTrailEvent"`
	}
	out := struct {
		Events    []event `json:"Events"`
		NextToken string  `json:"NextToken,omitempty"`
	}{Events: []event{}}
	for i := offset; i < len(all) && i < offset+max; i++ {
		ev := all[i]
		var res []resource
		for _, r := range ev.Resources {
			res = append(res, resource{r.Type, r.ARN})
		}
		out.Events = append(out.Events, event{ev.EventID, ev.EventName, strconv.FormatBool(ev.ReadOnly), ev.UserIdentity.AccessKeyID,
			float64(ev.EventTime.UnixMilli()) / 1000, ev.EventSource, events.Username(ev), res, ev.JSON()})
	}
	if offset+max < len(all) {
		out.NextToken = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(offset + max)))
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("x-amzn-RequestId", id)
	json.NewEncoder(w).Encode(out)
}

func epoch(s float64) time.Time {
	sec := int64(s)
	return time.Unix(sec, int64((s-float64(sec))*1e9)).UTC()
}

// maxLoggedValue bounds each request parameter kept in an event, so a
// client cannot grow the log by sending large parameters.
const maxLoggedValue = 1024

// secretParams are request parameters never written to the event log.
var secretParams = map[string]bool{"SAMLAssertion": true, "Password": true, "NewPassword": true, "OldPassword": true,
	"AddPrivateKey": true, "WebIdentityToken": true, "TokenCode": true, "AuthenticationCode1": true, "AuthenticationCode2": true}

// requestParameters turns Query parameters into CloudTrail's camel-cased
// requestParameters, leaving out Action, Version and secrets.
func requestParameters(req *awsquery.Request) map[string]any {
	out := map[string]any{}
	if req == nil {
		return out
	}
	for k, v := range req.Params {
		if k == "" || k == "Action" || k == "Version" || secretParams[k] || strings.Contains(k, ".") || len(v) == 0 {
			continue
		}
		value := v[0]
		if len(value) > maxLoggedValue {
			value = value[:maxLoggedValue] + "...(truncated)"
		}
		out[strings.ToLower(k[:1])+k[1:]] = value
	}
	return out
}
