package target

import (
	"bytes"
	"io"
	"net/http"
	"time"
)

// ownBodies hands net/http a private copy of every request body.
//
// aws-sdk-go-v2 (smithy-go) closes the request body as soon as the
// response headers arrive; when the server answers before net/http's
// write loop has finished with the body, the closed body ends the write
// with io.EOF and net/http closes the connection under the response still
// being read: the SDK then fails with "deserialization failed ... use of
// closed network connection" on large responses (LookupEvents of a busy
// log). Reading the small request body first removes the race.
type ownBodies struct{ next http.RoundTripper }

func (o ownBodies) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return o.next.RoundTrip(req)
	}
	b, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	out := req.Clone(req.Context())
	out.Body = io.NopCloser(bytes.NewReader(b))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	return o.next.RoundTrip(out)
}

// HTTPClient is the HTTP client for SDK clients of an emulator or
// LocalStack endpoint: bounded in time, with every request body its own
// (see ownBodies).
func HTTPClient() *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: ownBodies{http.DefaultTransport}}
}
