package capture

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

const doc = `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r"><saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a"/></samlp:Response>`

var b64 = base64.StdEncoding.EncodeToString([]byte(doc))

func deflate(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func harOf(t testing.TB, entries ...map[string]any) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"log": map[string]any{"version": "1.2", "entries": entries}})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func harPost(u, text string, params map[string]string) map[string]any {
	var ps []map[string]string
	for k, v := range params {
		ps = append(ps, map[string]string{"name": k, "value": v})
	}
	return map[string]any{"request": map[string]any{"method": "POST", "url": u,
		"postData": map[string]any{"mimeType": "application/x-www-form-urlencoded", "text": text, "params": ps}}}
}

func TestDecodeForms(t *testing.T) {
	t.Parallel()
	wrapped := ""
	for i := 0; i < len(b64); i += 76 {
		wrapped += b64[i:min(i+76, len(b64))] + "\r\n"
	}
	form := "RelayState=x&SAMLResponse=" + url.QueryEscape(b64)
	tracer := `{"requests":[{"method":"GET","url":"https://idp/sso"},{"method":"POST","url":"https://signin.aws.amazon.com/saml","post":[["SAMLResponse",` + jsonString(b64) + `]],"saml":"<x/>"}],"timestamp":"2026-01-01T00:00:00Z"}`
	tracerHashed := `{"requests":[{"method":"POST","url":"https://signin.aws.amazon.com/saml","post":[["SAMLResponse","2f1e0c"]],"saml":` + jsonString(doc) + `}]}`
	tests := []struct {
		name, in string
		form     Form
		deflated bool
		source   string
	}{
		{"base64", b64, FormBase64, false, ""},
		{"base64 with BOM and newline", "\xEF\xBB\xBF" + b64 + "\n", FormBase64, false, ""},
		{"wrapped base64", wrapped, FormBase64, false, ""},
		{"percent-encoded base64", url.QueryEscape(b64), FormBase64, false, ""},
		{"xml", "\n" + doc + "\n", FormXML, false, ""},
		{"form body", form, FormFormBody, false, ""},
		{"deflated base64", base64.StdEncoding.EncodeToString(deflate(t, []byte(doc))), FormBase64, true, ""},
		{"HAR text", harOf(t, harPost("https://idp/login", "user=a", nil), harPost("https://signin.aws.amazon.com/saml", form, nil)), FormHAR, false, "HAR entry 2: POST https://signin.aws.amazon.com/saml"},
		{"HAR params only, URL-encoded", harOf(t, harPost("https://signin.aws.amazon.com/saml", "", map[string]string{"SAMLResponse": url.QueryEscape(b64)})), FormHAR, false, "HAR entry 1"},
		{"HAR prefers AWS sign-in", harOf(t, harPost("https://signin.aws.amazon.com/saml", form, nil), harPost("https://other.example/acs", "SAMLResponse=bm9wZQ==", nil)), FormHAR, false, "(2 SAMLResponse posts"},
		{"SAML-tracer", tracer, FormSAMLTracer, false, "SAML-tracer request 2"},
		{"SAML-tracer with hashed POST values", tracerHashed, FormSAMLTracer, false, "SAML-tracer request 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := Decode([]byte(tt.in))
			if err != nil {
				t.Fatalf("got %v, want a response", err)
			}
			if r.Form != tt.form || r.Deflated != tt.deflated {
				t.Errorf("got form %s deflated %v, want %s %v", r.Form, r.Deflated, tt.form, tt.deflated)
			}
			if string(bytes.TrimSpace(r.XML)) != doc {
				t.Errorf("got XML %q, want the document", r.XML)
			}
			if !strings.Contains(r.Source, tt.source) {
				t.Errorf("got source %q, want it to contain %q", r.Source, tt.source)
			}
			if !tt.deflated {
				raw, err := base64.StdEncoding.DecodeString(r.SAMLResponse)
				if err != nil || string(bytes.TrimSpace(raw)) != doc {
					t.Errorf("got SAMLResponse %q, want base64 of the document", r.SAMLResponse)
				}
			}
		})
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestDecodeRejects(t *testing.T) {
	t.Parallel()
	bomb := deflate(t, make([]byte, 50<<20))
	tests := []struct {
		name string
		in   []byte
		want error
		text string
	}{
		{"empty", nil, ErrUnrecognized, "empty"},
		{"blank", []byte(" \n\t"), ErrUnrecognized, "empty"},
		{"truncated base64", []byte(b64[:len(b64)-3]), ErrUnrecognized, "truncated"},
		{"bad character", []byte("PHNhbWxw!!!" + b64), ErrUnrecognized, "invalid character"},
		{"binary garbage", []byte("\x00\x01\x02\xff\xfe garbage \x7f\x80"), ErrUnrecognized, "binary"},
		{"base64 of garbage", []byte(base64.StdEncoding.EncodeToString([]byte("\x00\x01hello world"))), ErrUnrecognized, "neither XML"},
		{"too large", bytes.Repeat([]byte("A"), MaxSize+1), ErrTooLarge, "more than"},
		{"deflate bomb", []byte(base64.StdEncoding.EncodeToString(bomb)), ErrTooLarge, "inflates"},
		{"form without SAMLResponse value", []byte("SAMLResponse=&RelayState=x"), ErrNoResponse, "no SAMLResponse"},
		{"HAR without SAMLResponse", []byte(harOf(t, harPost("https://idp/login", "user=a", nil))), ErrNoResponse, "no POST"},
		{"HAR without log object", []byte(`{"log": 3}`), ErrUnrecognized, "HAR"},
		{"HAR with a null log", []byte(`{"log": null}`), ErrUnrecognized, "is null"},
		{"SAML-tracer without responses", []byte(`{"requests":[{"method":"GET","url":"x"}]}`), ErrNoResponse, "saml-tracer"},
		{"other JSON", []byte(`{"a":1}`), ErrUnrecognized, "neither a HAR"},
		{"broken JSON", []byte(`{"log":`), ErrUnrecognized, "JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			r, err := Decode(tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, %v, want %v", r, err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("got %q, want it to mention %q", err, tt.text)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("took %s, want under a second", d)
			}
		})
	}
}

func TestReadBounded(t *testing.T) {
	t.Parallel()
	// An endless reader: Read must stop after MaxSize+1 bytes.
	_, err := Read(endless{})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}
	r, err := Read(strings.NewReader(b64))
	if err != nil || string(r.XML) != doc {
		t.Fatalf("got %v, %v, want the document", r, err)
	}
}

type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'A'
	}
	return len(p), nil
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(b64))
	f.Add([]byte(doc))
	f.Add([]byte("SAMLResponse=" + url.QueryEscape(b64)))
	f.Add([]byte(harOf(f, harPost("https://signin.aws.amazon.com/saml", "SAMLResponse="+url.QueryEscape(b64), nil))))
	f.Add([]byte(`{"requests":[{"method":"POST","url":"u","post":[["SAMLResponse","x"]],"saml":"<a/>"}]}`))
	f.Add([]byte(base64.StdEncoding.EncodeToString(deflate(f, []byte(doc)))))
	f.Add([]byte("\x00\xff"))
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := Decode(in)
		if err != nil {
			if r != nil {
				t.Fatalf("got a response and error %v", err)
			}
			if !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrNoResponse) && !errors.Is(err, ErrUnrecognized) {
				t.Fatalf("error %v wraps none of the sentinels", err)
			}
			return
		}
		if len(r.XML) == 0 || r.SAMLResponse == "" || len(r.XML) > MaxSize {
			t.Fatalf("got %+v, want XML and a SAMLResponse within MaxSize", r)
		}
		if _, err := base64.StdEncoding.DecodeString(r.SAMLResponse); err != nil {
			t.Fatalf("SAMLResponse %q is not base64: %v", r.SAMLResponse, err)
		}
	})
}
