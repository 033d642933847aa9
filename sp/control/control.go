// Package control is the client of the emulator's control API, which lives
// outside the AWS namespace at /_breakglass/: move the emulator's clock,
// reset its state, inject faults. Scenarios use it for what AWS itself
// cannot do (time travel, outages); everything else they do through the AWS
// API.
package control

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Paths of the control API.
const (
	Prefix     = "/_breakglass/"
	ClockPath  = Prefix + "clock"
	ResetPath  = Prefix + "reset"
	FaultsPath = Prefix + "faults"
)

// Clock is the emulator's clock reading.
type Clock struct {
	Now time.Time `json:"now"`
	// Offset is how far the emulator's clock is ahead of the real one.
	Offset time.Duration `json:"offset_ns"`
}

// ClockChange moves the clock: Advance adds to it, Set replaces it. Exactly
// one is given.
type ClockChange struct {
	Advance time.Duration `json:"advance_ns,omitempty"`
	Set     time.Time     `json:"set,omitzero"`
}

// Faults are outages injected into the emulator's AWS services ("iam",
// "sts", "cloudtrail").
type Faults struct {
	// Unavailable services answer 503 ServiceUnavailable.
	Unavailable []string `json:"unavailable,omitempty"`
	// Throttled services answer 400 Throttling ("Rate exceeded").
	Throttled []string `json:"throttled,omitempty"`
	// RegionDisabled makes STS answer RegionDisabledException, as when STS
	// is deactivated in the endpoint's region.
	RegionDisabled bool `json:"region_disabled,omitempty"`
	// RejectClaims makes AssumeRoleWithSAML answer IDPRejectedClaim.
	RejectClaims bool `json:"reject_claims,omitempty"`
}

// Client calls an emulator's control API. The zero value is not usable;
// call New.
type Client struct {
	base string
	http *http.Client
}

// New returns a client for the emulator at baseURL (its AWS endpoint). A
// nil httpClient means one with a 10-second timeout.
func New(baseURL string, httpClient *http.Client) *Client {
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 10 * time.Second}
	}
	return &Client{base: strings.TrimSuffix(baseURL, "/"), http: httpClient}
}

// Clock reads the emulator's clock.
func (c *Client) Clock(ctx context.Context) (Clock, error) {
	var out Clock
	return out, c.do(ctx, http.MethodGet, ClockPath, nil, &out)
}

// Advance moves the emulator's clock forward by d.
func (c *Client) Advance(ctx context.Context, d time.Duration) (Clock, error) {
	var out Clock
	return out, c.do(ctx, http.MethodPost, ClockPath, ClockChange{Advance: d}, &out)
}

// Set puts the emulator's clock at t.
func (c *Client) Set(ctx context.Context, t time.Time) (Clock, error) {
	var out Clock
	return out, c.do(ctx, http.MethodPost, ClockPath, ClockChange{Set: t}, &out)
}

// Reset forgets every account, credential and event, and the clock offset.
func (c *Client) Reset(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, ResetPath, nil, nil)
}

// SetFaults replaces the injected faults; the zero Faults clears them.
func (c *Client) SetFaults(ctx context.Context, f Faults) error {
	return c.do(ctx, http.MethodPut, FaultsPath, f, nil)
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return fmt.Errorf("control %s %s: %w", method, path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("control %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("control %s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		var e struct{ Error string }
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			return fmt.Errorf("control %s %s: %s (%s)", method, path, e.Error, resp.Status)
		}
		return fmt.Errorf("control %s %s: %s", method, path, resp.Status)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("control %s %s: decode answer: %w", method, path, err)
		}
	}
	return nil
}
