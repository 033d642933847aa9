package idp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// AdminClient calls the admin API of an HTTP IdP (see Handler). URL and
// Token are required. Its methods are safe for concurrent use.
type AdminClient struct {
	// URL is the IdP's base URL, such as "http://127.0.0.1:4567".
	URL string
	// Token is the admin bearer token (HandlerConfig.AdminToken).
	Token string
	// HTTPClient makes the requests. Nil means a client with a 30-second
	// timeout that does not follow redirects, so the token goes nowhere
	// but URL.
	HTTPClient *http.Client
}

// maxAPIAnswer bounds what AdminClient reads of an answer.
const maxAPIAnswer = 64 << 10

// SetAppEnabled enables or disables an app. A refusal by the IdP (an
// unknown app, a wrong token) is an *AdminAPIError; any other error means
// the IdP could not be reached or did not answer as an IdP.
func (c *AdminClient) SetAppEnabled(ctx context.Context, app string, enabled bool) (AppState, error) {
	action := ActionDisableApp
	if enabled {
		action = ActionEnableApp
	}
	var out AppState
	err := c.call(ctx, action, appRequest{App: app}, &out)
	return out, err
}

// AddMember puts user in group, without expiry. Errors as SetAppEnabled.
func (c *AdminClient) AddMember(ctx context.Context, user, group string) (MemberState, error) {
	var out MemberState
	err := c.call(ctx, ActionAddMember, memberRequest{User: user, Group: group}, &out)
	return out, err
}

// RemoveMember takes user out of group. Errors as SetAppEnabled.
func (c *AdminClient) RemoveMember(ctx context.Context, user, group string) (MemberState, error) {
	var out MemberState
	err := c.call(ctx, ActionRemoveMember, memberRequest{User: user, Group: group}, &out)
	return out, err
}

func (c *AdminClient) call(ctx context.Context, action string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	endpoint := strings.TrimSuffix(c.URL, "/") + AdminAPIPath + action
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("admin API request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.Token)
	hc := c.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	resp, err := hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) && !ue.Timeout() {
			err = ue.Err // the URL is in the message already
		}
		return fmt.Errorf("reach the IdP at %s: %w", c.URL, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAPIAnswer))
	if err != nil {
		return fmt.Errorf("read the IdP's answer: %w", err)
	}
	isJSON := strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json")
	if resp.StatusCode != http.StatusOK {
		apiErr := &AdminAPIError{Status: resp.StatusCode}
		if !isJSON || json.Unmarshal(data, apiErr) != nil || apiErr.Message == "" {
			return fmt.Errorf("%s answered HTTP %d without an admin API error: is it a breakglass IdP?", endpoint, resp.StatusCode)
		}
		return apiErr
	}
	if !isJSON {
		return fmt.Errorf("%s answered %q, not JSON: is it a breakglass IdP?", endpoint, resp.Header.Get("Content-Type"))
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("read the IdP's answer: %w", err)
	}
	return nil
}
