// Package capture finds the SAMLResponse in whatever form people capture it:
// the base64 value itself, a URL-encoded form body (SAMLResponse=...), the
// XML document, a browser HAR file, or a SAML-tracer export. It decodes
// without judging: whether AWS would accept the response is
// sp/samlcheck's job.
//
// Input is bounded: Decode refuses more than MaxSize bytes before parsing,
// Read never reads more than MaxSize+1 bytes, and a DEFLATE-compressed value
// (the HTTP-Redirect encoding, SAML bindings §3.4.4.1) is inflated to at most
// MaxSize bytes, so hostile input costs bounded time and memory. Decode never
// panics. The package has no global mutable state.
package capture

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"unicode/utf8"
)

// MaxSize is the largest capture Decode accepts, in bytes. A SAMLAssertion
// is at most 100,000 characters [AWS STS model]; a HAR of a whole sign-in
// can be larger, so the bound leaves room for the surrounding requests.
const MaxSize = 1 << 20

// Form names the shape a capture had.
type Form string

// The forms Decode recognises.
const (
	FormBase64     Form = "base64"      // the SAMLResponse value
	FormFormBody   Form = "form"        // application/x-www-form-urlencoded body
	FormXML        Form = "xml"         // the Response document
	FormHAR        Form = "har"         // HTTP Archive 1.2 (browser dev tools)
	FormSAMLTracer Form = "saml-tracer" // SAML-tracer's JSON export
)

// Errors callers branch on; Decode wraps them with detail.
var (
	// ErrTooLarge: the capture, or the inflated value, exceeds MaxSize.
	ErrTooLarge = errors.New("capture too large")
	// ErrNoResponse: a HAR, SAML-tracer export or form body without a
	// SAMLResponse.
	ErrNoResponse = errors.New("no SAMLResponse in the capture")
	// ErrUnrecognized: not any of the known forms (binary data, truncated
	// base64, text that is not a SAML message).
	ErrUnrecognized = errors.New("unrecognized capture")
)

// Response is the SAMLResponse found in a capture.
type Response struct {
	// Form is the shape of the capture.
	Form Form
	// Source says where in the capture the value was found, e.g.
	// "HAR entry 7: POST https://signin.aws.amazon.com/saml"; empty when
	// the capture is the value itself.
	Source string
	// SAMLResponse is the value as it is posted (base64 of the XML, CR and
	// LF removed): what AssumeRoleWithSAML takes as SAMLAssertion.
	SAMLResponse string
	// XML is the decoded document (inflated when Deflated).
	XML []byte
	// Deflated reports that the value was DEFLATE-compressed, as in the
	// HTTP-Redirect binding; AWS's sign-in endpoint takes POST values,
	// which are not compressed.
	Deflated bool
}

// Read reads a capture from r, at most MaxSize+1 bytes, and decodes it.
func Read(r io.Reader) (*Response, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read capture: %w", err)
	}
	return Decode(b)
}

// Decode finds and decodes the SAMLResponse in b. Errors wrap ErrTooLarge,
// ErrNoResponse or ErrUnrecognized, and say what was wrong.
func Decode(b []byte) (*Response, error) {
	if len(b) > MaxSize {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, MaxSize)
	}
	b = bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF"))
	t := bytes.TrimSpace(b)
	if len(t) == 0 {
		return nil, fmt.Errorf("%w: the capture is empty", ErrUnrecognized)
	}
	switch {
	case t[0] == '<':
		return &Response{Form: FormXML, XML: t, SAMLResponse: base64.StdEncoding.EncodeToString(t)}, nil
	case t[0] == '{':
		return decodeJSON(t)
	case bytes.Contains(t, []byte("SAMLResponse=")):
		r, err := fromForm(string(t))
		if err != nil {
			return nil, err
		}
		r.Form = FormFormBody
		return r, nil
	}
	r, err := fromValue(string(t))
	if err != nil {
		return nil, err
	}
	r.Form = FormBase64
	return r, nil
}

// fromForm reads SAMLResponse from a URL-encoded form body or query.
func fromForm(body string) (*Response, error) {
	q, err := url.ParseQuery(strings.TrimPrefix(body, "?"))
	if err != nil && len(q["SAMLResponse"]) == 0 {
		return nil, fmt.Errorf("%w: form body: %v", ErrUnrecognized, err)
	}
	vs := q["SAMLResponse"]
	if len(vs) == 0 || vs[0] == "" {
		return nil, fmt.Errorf("%w: the form body has no SAMLResponse value", ErrNoResponse)
	}
	if len(vs) > 1 {
		return nil, fmt.Errorf("%w: the form body has %d SAMLResponse values, want 1", ErrUnrecognized, len(vs))
	}
	return fromValue(vs[0])
}

// fromValue decodes a SAMLResponse value: base64, possibly still
// percent-encoded, possibly wrapped over lines, possibly deflated.
func fromValue(v string) (*Response, error) {
	v = strings.TrimSpace(v)
	if strings.Contains(v, "%") {
		if u, err := url.QueryUnescape(v); err == nil {
			v = u
		}
	}
	// Line breaks are part of wrapped base64 (Shibboleth wraps at 76);
	// AWS's decoder skips CR and LF (samlcheck's base64 rule).
	clean := strings.Map(func(r rune) rune {
		switch r {
		case '\r', '\n', '\t', ' ':
			return -1
		}
		return r
	}, v)
	if clean == "" {
		return nil, fmt.Errorf("%w: empty SAMLResponse value", ErrNoResponse)
	}
	raw, err := base64.StdEncoding.DecodeString(clean)
	if err != nil {
		var ce base64.CorruptInputError
		switch {
		case !utf8.ValidString(v) || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 && r != '\r' && r != '\n' && r != '\t' }):
			return nil, fmt.Errorf("%w: binary data, not base64, XML, a form body, HAR or SAML-tracer JSON", ErrUnrecognized)
		case errors.As(err, &ce) && int(ce) >= len(clean)-4 && len(clean)%4 != 0:
			return nil, fmt.Errorf("%w: base64 truncated (%d characters, not a multiple of 4): copy the whole SAMLResponse value", ErrUnrecognized, len(clean))
		case errors.As(err, &ce):
			return nil, fmt.Errorf("%w: not base64: invalid character at offset %d", ErrUnrecognized, int(ce))
		default:
			return nil, fmt.Errorf("%w: not base64: %v", ErrUnrecognized, err)
		}
	}
	r := &Response{SAMLResponse: clean}
	doc := bytes.TrimSpace(bytes.TrimPrefix(raw, []byte("\xEF\xBB\xBF")))
	if len(doc) > 0 && doc[0] == '<' {
		r.XML = raw
		return r, nil
	}
	// The HTTP-Redirect binding deflates before base64 [SAML bindings
	// §3.4.4.1]; inflate at most MaxSize bytes, so a deflate bomb stops.
	inflated, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(raw)), MaxSize+1))
	switch {
	case len(inflated) > MaxSize:
		return nil, fmt.Errorf("%w: the value inflates to more than %d bytes", ErrTooLarge, MaxSize)
	case err != nil || len(bytes.TrimSpace(inflated)) == 0 || bytes.TrimSpace(inflated)[0] != '<':
		return nil, fmt.Errorf("%w: the base64 value decodes to %d bytes that are neither XML nor DEFLATE-compressed XML", ErrUnrecognized, len(raw))
	}
	r.XML = inflated
	r.Deflated = true
	return r, nil
}

// har is the part of HTTP Archive 1.2 that Decode reads.
type har struct {
	Log *struct {
		Entries []struct {
			Request struct {
				Method   string `json:"method"`
				URL      string `json:"url"`
				PostData *struct {
					MimeType string `json:"mimeType"`
					Text     string `json:"text"`
					Params   []struct {
						Name  string `json:"name"`
						Value string `json:"value"`
					} `json:"params"`
				} `json:"postData"`
			} `json:"request"`
		} `json:"entries"`
	} `json:"log"`
}

// tracer is the part of a SAML-tracer export that Decode reads: requests
// with their POST parameters as [name, value] pairs and the decoded
// message in "saml" (SAML-tracer's SAMLTraceIO.js).
type tracer struct {
	Requests []struct {
		Method string      `json:"method"`
		URL    string      `json:"url"`
		Post   [][2]string `json:"post"`
		SAML   string      `json:"saml"`
	} `json:"requests"`
}

// candidate is one SAMLResponse found in a JSON capture.
type candidate struct {
	source string
	url    string
	value  string // base64 value; "" if only xml
	xml    string
}

func decodeJSON(b []byte) (*Response, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, fmt.Errorf("%w: JSON: %v", ErrUnrecognized, err)
	}
	var (
		form  Form
		found []candidate
	)
	switch {
	case probe["log"] != nil:
		form = FormHAR
		var h har
		if err := json.Unmarshal(b, &h); err != nil {
			return nil, fmt.Errorf("%w: HAR: %v", ErrUnrecognized, err)
		}
		if h.Log == nil {
			return nil, fmt.Errorf("%w: HAR whose \"log\" is null, not an object with entries", ErrUnrecognized)
		}
		for i, e := range h.Log.Entries {
			pd := e.Request.PostData
			if !strings.EqualFold(e.Request.Method, "POST") || pd == nil {
				continue
			}
			src := fmt.Sprintf("HAR entry %d: POST %s", i+1, e.Request.URL)
			// Browsers leave params URL-encoded; the text is the raw body.
			if q, err := url.ParseQuery(pd.Text); err == nil && q.Get("SAMLResponse") != "" {
				found = append(found, candidate{source: src, url: e.Request.URL, value: q.Get("SAMLResponse")})
				continue
			}
			for _, p := range pd.Params {
				if p.Name == "SAMLResponse" && p.Value != "" {
					found = append(found, candidate{source: src, url: e.Request.URL, value: p.Value})
					break
				}
			}
		}
	case probe["requests"] != nil:
		form = FormSAMLTracer
		var tr tracer
		if err := json.Unmarshal(b, &tr); err != nil {
			return nil, fmt.Errorf("%w: SAML-tracer export: %v", ErrUnrecognized, err)
		}
		for i, r := range tr.Requests {
			if !strings.EqualFold(r.Method, "POST") {
				continue
			}
			src := fmt.Sprintf("SAML-tracer request %d: POST %s", i+1, r.URL)
			c := candidate{source: src, url: r.URL}
			for _, p := range r.Post {
				if p[0] == "SAMLResponse" {
					c.value = p[1]
				}
			}
			if c.value != "" || strings.Contains(r.SAML, "Response") {
				c.xml = r.SAML
				found = append(found, c)
			}
		}
	default:
		return nil, fmt.Errorf("%w: JSON that is neither a HAR (log.entries) nor a SAML-tracer export (requests)", ErrUnrecognized)
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("%w: no POST with a SAMLResponse parameter in the %s capture", ErrNoResponse, form)
	}
	// Prefer the last response posted to AWS sign-in; else the last one.
	pick := found[len(found)-1]
	for _, c := range found {
		if strings.Contains(c.url, "signin.aws.amazon.com") || strings.Contains(c.url, "signin.amazonaws-us-gov.com") {
			pick = c
		}
	}
	var (
		r   *Response
		err error
	)
	if pick.value != "" {
		r, err = fromValue(pick.value)
	}
	// SAML-tracer can hash or obfuscate POST values on export; its decoded
	// copy in "saml" is then the only one.
	if (pick.value == "" || err != nil) && strings.HasPrefix(strings.TrimSpace(pick.xml), "<") {
		x := []byte(strings.TrimSpace(pick.xml))
		r, err = &Response{XML: x, SAMLResponse: base64.StdEncoding.EncodeToString(x)}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pick.source, err)
	}
	if r == nil {
		return nil, fmt.Errorf("%w: %s has no usable SAMLResponse", ErrNoResponse, pick.source)
	}
	r.Form = form
	r.Source = pick.source
	if len(found) > 1 {
		r.Source += fmt.Sprintf(" (%d SAMLResponse posts in the capture)", len(found))
	}
	return r, nil
}
