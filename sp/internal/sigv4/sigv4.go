// Package sigv4 verifies AWS Signature Version 4 on incoming requests by
// recomputing the signature with aws-sdk-go-v2's own signer, so the
// emulator accepts exactly what AWS's SDKs produce.
//
// Source: AWS General Reference, "Signature Version 4 signing process";
// error codes as AWS's Query services return them (reference section 1.1).
package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	algorithm  = "AWS4-HMAC-SHA256"
	timeFormat = "20060102T150405Z"
	// MaxSkew is how far AWS lets a request's signing time differ from its
	// clock (15 minutes).
	MaxSkew = 15 * time.Minute
)

// Credential is what the emulator knows of an access key.
type Credential struct {
	AccessKeyID     string
	SecretAccessKey string
	// SessionToken is set for temporary credentials; the request must carry
	// it in X-Amz-Security-Token.
	SessionToken string
	// Expires is when temporary credentials stop working; zero: never.
	Expires time.Time
	// AnySecret accepts the request whatever it was signed with: the
	// LocalStack convention for a 12-digit access key id (the root user of
	// that account). The Authorization header must still be well formed.
	AnySecret bool
}

// Reason says why a request was refused; the caller turns it into AWS's
// error code.
type Reason string

// The refusal reasons, named after AWS's error codes.
const (
	MissingAuthenticationToken Reason = "MissingAuthenticationToken" // no signature at all
	IncompleteSignature        Reason = "IncompleteSignature"        // a malformed Authorization header
	InvalidClientTokenID       Reason = "InvalidClientTokenId"       // unknown key, or wrong session token
	SignatureDoesNotMatch      Reason = "SignatureDoesNotMatch"      // wrong secret, altered request, or a skewed clock
	ExpiredToken               Reason = "ExpiredToken"               // temporary credentials past their expiry
)

// Error is a refused signature: the reason (AWS's error code) and AWS's
// message.
type Error struct {
	Reason  Reason
	Message string
}

func (e *Error) Error() string { return string(e.Reason) + ": " + e.Message }

// Signed is what a verified signature tells about the request.
type Signed struct {
	Credential Credential
	Region     string
	Service    string
	Time       time.Time
}

// Lookup finds the credential of an access key id; ok is false for an
// unknown key.
type Lookup func(accessKeyID string) (c Credential, ok bool)

// Options tune verification. The zero value checks everything but clock
// skew.
type Options struct {
	// Now is the verifier's clock, for credential expiry and skew. Nil
	// means time.Now.
	Now func() time.Time
	// CheckSkew refuses a signing time more than MaxSkew away from Now.
	// Leave it off when Now is a virtual clock that drills move while SDK
	// clients keep signing with the real time.
	CheckSkew bool
}

// authorization is a parsed Authorization header.
type authorization struct {
	accessKeyID, date, region, service string
	signedHeaders                      []string
	signature                          string
}

func parseAuthorization(h string) (*authorization, error) {
	rest, ok := strings.CutPrefix(h, algorithm+" ")
	if !ok {
		return nil, fmt.Errorf("Authorization header requires the %s algorithm", algorithm)
	}
	a := &authorization{}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, fmt.Errorf("Authorization header has a malformed element %q", part)
		}
		switch k {
		case "Credential":
			f := strings.Split(v, "/")
			if len(f) != 5 || f[4] != "aws4_request" {
				return nil, fmt.Errorf("Credential should be scoped to a valid region and service, not %q", v)
			}
			a.accessKeyID, a.date, a.region, a.service = f[0], f[1], f[2], f[3]
		case "SignedHeaders":
			a.signedHeaders = strings.Split(v, ";")
		case "Signature":
			a.signature = v
		}
	}
	switch {
	case a.accessKeyID == "":
		return nil, fmt.Errorf("Authorization header requires 'Credential' parameter")
	case a.signedHeaders == nil:
		return nil, fmt.Errorf("Authorization header requires 'SignedHeaders' parameter")
	case a.signature == "":
		return nil, fmt.Errorf("Authorization header requires 'Signature' parameter")
	}
	return a, nil
}

// Verify checks the SigV4 signature of r, whose body has been read into
// body, against the credential lookup returns for its access key.
func Verify(ctx context.Context, r *http.Request, body []byte, lookup Lookup, opts Options) (*Signed, *Error) {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	header := r.Header.Get("Authorization")
	if header == "" {
		if r.URL.Query().Get("X-Amz-Signature") != "" {
			return nil, &Error{IncompleteSignature, "Presigned requests are not supported by this emulator."}
		}
		return nil, &Error{MissingAuthenticationToken, "Request is missing Authentication Token"}
	}
	a, err := parseAuthorization(header)
	if err != nil {
		return nil, &Error{IncompleteSignature, err.Error()}
	}
	amzDate := r.Header.Get("X-Amz-Date")
	signedAt, err := time.Parse(timeFormat, amzDate)
	if err != nil {
		return nil, &Error{IncompleteSignature, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."}
	}
	if !strings.HasPrefix(amzDate, a.date) {
		return nil, &Error{SignatureDoesNotMatch, fmt.Sprintf("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", a.date, amzDate[:8], amzDate)}
	}
	cred, ok := lookup(a.accessKeyID)
	if !ok {
		return nil, &Error{InvalidClientTokenID, "The security token included in the request is invalid."}
	}
	if cred.SessionToken != "" && subtle.ConstantTimeCompare([]byte(cred.SessionToken), []byte(r.Header.Get("X-Amz-Security-Token"))) != 1 {
		return nil, &Error{InvalidClientTokenID, "The security token included in the request is invalid."}
	}
	t := now()
	if opts.CheckSkew && (signedAt.Before(t.Add(-MaxSkew)) || signedAt.After(t.Add(MaxSkew))) {
		return nil, &Error{SignatureDoesNotMatch, fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - 15 min.)",
			amzDate, t.Add(-MaxSkew).UTC().Format(timeFormat), t.UTC().Format(timeFormat))}
	}
	// The signature covers the body through its hash: the hash is always
	// computed from the body received, and a declared hash must equal it.
	sum := sha256.Sum256(body)
	payload := hex.EncodeToString(sum[:])
	if declared := r.Header.Get("X-Amz-Content-Sha256"); declared != "" && declared != payload {
		return nil, &Error{SignatureDoesNotMatch, "The provided 'x-amz-content-sha256' header does not match what was computed."}
	}
	if cred.AnySecret {
		return &Signed{Credential: cred, Region: a.region, Service: a.service, Time: signedAt}, nil
	}
	want, signedHeaders, err := sign(ctx, r, body, payload, cred, a, signedAt)
	if err != nil {
		return nil, &Error{IncompleteSignature, err.Error()}
	}
	if signedHeaders != strings.Join(a.signedHeaders, ";") || subtle.ConstantTimeCompare([]byte(want), []byte(a.signature)) != 1 {
		return nil, &Error{SignatureDoesNotMatch, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}
	}
	if !cred.Expires.IsZero() && !t.Before(cred.Expires) {
		return nil, &Error{ExpiredToken, "The security token included in the request is expired"}
	}
	return &Signed{Credential: cred, Region: a.region, Service: a.service, Time: signedAt}, nil
}

// sign recomputes the signature with the SDK's signer over a copy of r that
// carries only the headers the client signed.
func sign(ctx context.Context, r *http.Request, body []byte, payload string, cred Credential, a *authorization, at time.Time) (signature, signedHeaders string, err error) {
	c, err := http.NewRequestWithContext(ctx, r.Method, r.URL.String(), io.NopCloser(bytes.NewReader(body)))
	if err != nil {
		return "", "", err
	}
	c.Host = r.Host
	c.URL.Host = r.Host
	if c.URL.Scheme == "" {
		c.URL.Scheme = "http"
	}
	c.ContentLength = 0
	for _, h := range a.signedHeaders {
		switch h {
		case "host":
		case "content-length":
			c.ContentLength = int64(len(body))
		default:
			if vs, ok := r.Header[http.CanonicalHeaderKey(h)]; ok {
				c.Header[http.CanonicalHeaderKey(h)] = vs
			}
		}
	}
	creds := aws.Credentials{AccessKeyID: cred.AccessKeyID, SecretAccessKey: cred.SecretAccessKey, SessionToken: cred.SessionToken}
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = false })
	if err := signer.SignHTTP(ctx, creds, c, payload, a.service, a.region, at); err != nil {
		return "", "", fmt.Errorf("recompute signature: %w", err)
	}
	got, err := parseAuthorization(c.Header.Get("Authorization"))
	if err != nil {
		return "", "", err
	}
	return got.signature, strings.Join(got.signedHeaders, ";"), nil
}

// Status is the HTTP status AWS answers the refusal with.
func (e *Error) Status() int {
	if e.Reason == IncompleteSignature {
		return http.StatusBadRequest
	}
	return http.StatusForbidden
}
