package lockout

import (
	"testing"
	"time"
)

func TestLockout(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	l := New(3, 15*time.Minute, func() time.Time { return now })
	for i := range 3 {
		if w := l.Blocked("user:a"); w != 0 {
			t.Fatalf("after %d failures: blocked for %v, want not blocked", i, w)
		}
		l.Fail("user:a")
		now = now.Add(time.Minute)
	}
	if w := l.Blocked("user:a"); w != 12*time.Minute {
		t.Errorf("after 3 failures: blocked for %v, want 12m (15m after the first)", w)
	}
	if w := l.Blocked("user:b"); w != 0 {
		t.Errorf("another key is blocked for %v", w)
	}
	now = now.Add(12 * time.Minute)
	if w := l.Blocked("user:a"); w != 0 {
		t.Errorf("once the first failure left the window: blocked for %v", w)
	}
	l.Fail("user:a")
	l.Fail("user:a")
	l.Reset("user:a")
	if w := l.Blocked("user:a"); w != 0 {
		t.Errorf("after Reset: blocked for %v", w)
	}
}

// Abandoned keys are swept, so a stream of distinct keys cannot grow the
// map without bound.
func TestLockoutSweeps(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	l := New(3, time.Minute, func() time.Time { return now })
	for i := range 5000 {
		l.Fail(time.Duration(i).String())
		now = now.Add(time.Second)
	}
	if n := len(l.failures); n > sweepAbove+61 {
		t.Errorf("%d keys kept, want at most about %d", n, sweepAbove+61)
	}
}
