package dashboard

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/breakglass-dev/breakglass/sp/internal/events"
	"github.com/breakglass-dev/breakglass/sp/internal/store"
)

func TestCertStatus(t *testing.T) {
	now := time.Date(2030, 1, 15, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	cases := []struct {
		name                string
		notBefore, notAfter time.Time
		want, class         string
	}{
		{"a year left", now.Add(-day), now.Add(365 * day), "valid", "valid"},
		{"just over 30 days", now.Add(-day), now.Add(30*day + time.Second), "valid", "valid"},
		{"30 days", now.Add(-day), now.Add(30 * day), "expires in 30 days", "expiring"},
		{"10 days", now.Add(-day), now.Add(10 * day), "expires in 10 days", "expiring"},
		{"days rounded up", now.Add(-day), now.Add(9*day + 2*time.Hour), "expires in 10 days", "expiring"},
		{"one day", now.Add(-day), now.Add(day), "expires in 1 day", "expiring"},
		{"hours", now.Add(-day), now.Add(3 * time.Hour), "expires in less than a day", "expiring"},
		{"at notAfter", now.Add(-day), now, "expires in less than a day", "expiring"},
		{"a second past notAfter", now.Add(-day), now.Add(-time.Second), "EXPIRED", "expired"},
		{"long expired", now.Add(-400 * day), now.Add(-day), "EXPIRED", "expired"},
		{"not yet valid", now.Add(day), now.Add(365 * day), "not yet valid", "expired"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, class := certStatus(tc.notBefore, tc.notAfter, now)
			if got != tc.want || class != tc.class {
				t.Errorf("got %q (%s), want %q (%s)", got, class, tc.want, tc.class)
			}
		})
	}
}

func TestSpan(t *testing.T) {
	cases := []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{time.Hour, "1h"},
		{12 * time.Hour, "12h"},
		{3*24*time.Hour + 90*time.Minute, "3d 1h 30m"},
		{15*time.Minute + 30*time.Second + 400*time.Millisecond, "15m 30s"},
	}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			if got := span(tc.d); got != tc.want {
				t.Errorf("span(%v): got %q, want %q", tc.d, got, tc.want)
			}
		})
	}
}

func TestRefresh(t *testing.T) {
	cases := []struct {
		in   string
		want int
	}{{"", 0}, {"5", 5}, {"2", 2}, {"1", 0}, {"600", 600}, {"601", 0}, {"-5", 0}, {"5s", 0}}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			if got := refresh(tc.in); got != tc.want {
				t.Errorf("refresh(%q): got %d, want %d", tc.in, got, tc.want)
			}
		})
	}
}

func TestEventJSON(t *testing.T) {
	cases := []struct {
		name      string
		ev        events.Event
		want, not []string
	}{
		{
			name: "plain event keeps CloudTrail's order",
			ev:   events.Event{EventName: "GetCallerIdentity", UserIdentity: events.Identity{Type: "Root", ARN: "arn:aws:iam::111111111111:root"}},
			want: []string{"\"eventVersion\": \"1.08\",\n  \"userIdentity\": {"},
		},
		{
			name: "credentials dropped at any depth",
			ev: events.Event{EventName: "AssumeRole", ResponseElements: map[string]any{"credentials": map[string]any{
				"accessKeyId": "ASIAEXAMPLE", "secretAccessKey": "SECRET-VALUE", "sessionToken": "TOKEN-VALUE"}},
				RequestParameters: map[string]any{"list": []any{map[string]any{"Password": "PW-VALUE"}}}},
			want: []string{"ASIAEXAMPLE", "\"list\""},
			not:  []string{"SECRET-VALUE", "TOKEN-VALUE", "PW-VALUE", "secretAccessKey", "sessionToken", "Password"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := events.NewLog(0)
			l.Add(tc.ev)
			got := eventJSON(l.Lookup(events.Query{})[0])
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("lacks %q:\n%s", w, got)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(got, n) {
					t.Errorf("shows %q:\n%s", n, got)
				}
			}
		})
	}
}

// serve starts the dashboard alone on loopback over a fresh store and log.
func serve(t *testing.T, log *events.Log) string {
	t.Helper()
	ts := httptest.NewServer(New(Config{Store: store.New(), Events: log}))
	t.Cleanup(ts.Close)
	return ts.URL
}

func fetch(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: got %s, want 200", url, resp.Status)
	}
	return string(b)
}

func TestEventLimit(t *testing.T) {
	log := events.NewLog(0)
	base := time.Date(2030, 1, 15, 12, 0, 0, 0, time.UTC)
	for i := range MaxEvents + 5 {
		log.Add(events.Event{EventTime: base.Add(time.Duration(i) * time.Second), EventSource: "sts.amazonaws.com",
			EventName: "GetCallerIdentity", RecipientAccountID: "111111111111",
			UserIdentity: events.Identity{Type: "IAMUser", ARN: fmt.Sprintf("arn:aws:iam::111111111111:user/u%03d", i)}})
	}
	url := serve(t, log)
	cases := []struct {
		name, query, note, first, last string
		rows                           int
	}{
		{"all", "", "Showing the newest 200 of 205 matching events.", "user/u204", "user/u005", MaxEvents},
		{"under the limit", "?principal=user/u20", "5 matching events, newest first.", "user/u204", "user/u200", 5},
		{"one", "?principal=U007", "1 matching event, newest first.", "user/u007", "user/u007", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := fetch(t, url+Path+tc.query)
			if !strings.Contains(body, tc.note) {
				t.Errorf("lacks note %q", tc.note)
			}
			if got := strings.Count(body, "<summary>Event JSON"); got != tc.rows {
				t.Errorf("got %d rows, want %d", got, tc.rows)
			}
			first, last := strings.Index(body, "<code>arn:aws:iam::111111111111:"), strings.LastIndex(body, "<code>arn:aws:iam::111111111111:")
			if first < 0 || !strings.HasPrefix(body[first+len("<code>arn:aws:iam::111111111111:"):], tc.first) ||
				!strings.HasPrefix(body[last+len("<code>arn:aws:iam::111111111111:"):], tc.last) {
				t.Errorf("rows do not run from %s to %s, newest first", tc.first, tc.last)
			}
		})
	}
}

func TestEscaping(t *testing.T) {
	log := events.NewLog(0)
	log.Add(events.Event{EventName: "<script>alert(1)</script>", SourceIPAddress: `"><img src=x>`,
		UserIdentity: events.Identity{Type: "IAMUser", UserName: "<b>mallory</b>"}})
	url := serve(t, log)
	cases := []struct{ name, query, want string }{
		{"event", "?principal=%3Cb%3E&event=%3Cscript%3E", "&lt;b&gt;mallory&lt;/b&gt;"},
		{"form value", "?principal=%22%3E%3Cscript%3E", `value="&#34;&gt;&lt;script&gt;"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := fetch(t, url+Path+tc.query)
			for _, bad := range []string{"<script", "<img", "<b>"} {
				if strings.Contains(body, bad) {
					t.Errorf("page contains unescaped %q", bad)
				}
			}
			if !strings.Contains(body, tc.want) {
				t.Errorf("page lacks %q", tc.want)
			}
		})
	}
}

func TestEmpty(t *testing.T) {
	body := fetch(t, serve(t, events.NewLog(0))+Path)
	for _, want := range []string{"No accounts yet", "No events match."} {
		if !strings.Contains(body, want) {
			t.Errorf("lacks %q", want)
		}
	}
}
