// Package awsquery speaks the AWS Query protocol that IAM and STS use: a
// form-encoded request with Action and Version, answered by an XML
// <ActionResponse> or an <ErrorResponse>, both with a request id. Errors are
// built by one type and rendered in one place, so every emulated service
// answers in the shape aws-sdk-go-v2, the AWS CLI and boto3 parse.
//
// Source: Smithy, "AWS query protocol" (aws-query-protocol.rst), reference
// section 1.1.
package awsquery

import (
	"bytes"
	"crypto/rand"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// MaxBodyBytes bounds a Query request body. The largest legitimate one is
// a SAML metadata document (IAM allows 10,000,000 characters), form-encoded.
const MaxBodyBytes = 32 << 20

// Request is a parsed Query request.
type Request struct {
	Action  string
	Version string
	// Params are every form field, Action and Version included.
	Params url.Values
	// Body is the raw body, kept for SigV4 verification.
	Body []byte
}

// Get returns a parameter's value ("" when absent).
func (r *Request) Get(name string) string { return r.Params.Get(name) }

// Has reports whether a parameter was sent, even empty.
func (r *Request) Has(name string) bool { _, ok := r.Params[name]; return ok }

// List returns the members of a Query list parameter, name.member.1 .. N,
// in order, stopping at the first gap as AWS does.
func (r *Request) List(name string) []string {
	var out []string
	for i := 1; ; i++ {
		v, ok := r.Params[fmt.Sprintf("%s.member.%d", name, i)]
		if !ok {
			return out
		}
		out = append(out, v[0])
	}
}

// Parse reads a Query request: a POST with a form body (or a GET with a
// query string), of at most MaxBodyBytes.
func Parse(w http.ResponseWriter, r *http.Request) (*Request, *Error) {
	var body []byte
	params := url.Values{}
	switch r.Method {
	case http.MethodPost:
		b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				return nil, &Error{Status: http.StatusRequestEntityTooLarge, Code: "RequestEntityTooLarge", Message: "Request body too large."}
			}
			return nil, Malformed("could not read the request body")
		}
		body = b
		ct := r.Header.Get("Content-Type")
		if ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/x-www-form-urlencoded") {
			return nil, Malformed("unsupported Content-Type " + ct)
		}
		if params, err = url.ParseQuery(string(b)); err != nil {
			return nil, Malformed("the request body is not form-encoded")
		}
	case http.MethodGet:
		params = r.URL.Query()
	default:
		return nil, &Error{Status: http.StatusMethodNotAllowed, Code: "MethodNotAllowed", Message: "The requested method is not allowed for this resource."}
	}
	for k, v := range r.URL.Query() {
		if _, ok := params[k]; !ok {
			params[k] = v
		}
	}
	req := &Request{Action: params.Get("Action"), Version: params.Get("Version"), Params: params, Body: body}
	if req.Action == "" {
		return nil, &Error{Status: http.StatusBadRequest, Code: "MissingAction", Message: "Missing Action"}
	}
	return req, nil
}

// Error is an AWS API error: code, message, HTTP status and fault type.
type Error struct {
	Status  int
	Code    string
	Message string
	// Receiver marks a server fault (<Type>Receiver</Type>); the zero value
	// is a client fault (Sender).
	Receiver bool
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf builds a client (Sender) error.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Malformed is the error for a request the protocol cannot read.
func Malformed(msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "MalformedQueryString", Message: msg}
}

// InvalidAction is AWS's answer to an Action the service does not have.
func InvalidAction(action string) *Error {
	return Errorf(http.StatusBadRequest, "InvalidAction", "Could not find operation %s for version", action)
}

// Internal is a server fault whose cause is not shown to clients.
func Internal() *Error {
	return &Error{Status: http.StatusInternalServerError, Code: "ServiceFailure", Message: "An internal error occurred.", Receiver: true}
}

// NewRequestID returns a random UUID in the form AWS uses for request ids.
func NewRequestID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err)) // the runtime guarantees it does not
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

type errorResponse struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

// WriteError renders err as AWS does: <ErrorResponse xmlns=ns> with Type,
// Code and Message inside <Error> and RequestId outside it, the status of
// the error and an x-amzn-RequestId header. Source: reference 1.1 [R25][R46].
func WriteError(w http.ResponseWriter, ns, requestID string, err *Error) {
	var body errorResponse
	body.Xmlns = ns
	body.Error.Type = "Sender"
	if err.Receiver {
		body.Error.Type = "Receiver"
	}
	body.Error.Code, body.Error.Message, body.RequestID = err.Code, err.Message, requestID
	write(w, err.Status, requestID, body)
}

// WriteResult renders a successful answer: <{action}Response xmlns=ns>
// holding <{action}Result> (omitted when result is nil) and
// <ResponseMetadata><RequestId>. result is marshalled with encoding/xml;
// its own element name is replaced by {action}Result.
func WriteResult(w http.ResponseWriter, ns, action, requestID string, result any) {
	type metadata struct {
		RequestID string `xml:"RequestId"`
	}
	type envelope struct {
		XMLName  xml.Name
		Xmlns    string   `xml:"xmlns,attr"`
		Result   any      `xml:",omitempty"`
		Metadata metadata `xml:"ResponseMetadata"`
	}
	env := envelope{XMLName: xml.Name{Local: action + "Response"}, Xmlns: ns, Metadata: metadata{requestID}}
	if result != nil {
		env.Result = resultElement{name: action + "Result", v: result}
	}
	write(w, http.StatusOK, requestID, env)
}

// resultElement marshals v under another element name.
type resultElement struct {
	name string
	v    any
}

func (r resultElement) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	return e.EncodeElement(r.v, xml.StartElement{Name: xml.Name{Local: r.name}})
}

func write(w http.ResponseWriter, status int, requestID string, v any) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	buf.WriteByte('\n')
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set("x-amzn-RequestId", requestID)
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
