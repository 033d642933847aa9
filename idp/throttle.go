package idp

import (
	"sync"
	"time"
)

// throttle counts failed sign-ins per key (a username, a client address) and
// locks a key out after too many failures within a window.
type throttle struct {
	max    int
	window time.Duration
	now    func() time.Time

	mu       sync.Mutex
	failures map[string][]time.Time
}

func newThrottle(max int, window time.Duration, now func() time.Time) *throttle {
	return &throttle{max: max, window: window, now: now, failures: map[string][]time.Time{}}
}

// blocked returns how long key must still wait, or 0.
func (t *throttle) blocked(key string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	recent := t.prune(key)
	if len(recent) < t.max {
		return 0
	}
	return recent[len(recent)-t.max].Add(t.window).Sub(t.now())
}

func (t *throttle) fail(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.failures) > sweepAbove {
		for k := range t.failures {
			t.prune(k) // drops keys whose failures are all outside the window
		}
	}
	t.failures[key] = append(t.prune(key), t.now())
}

func (t *throttle) reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.failures, key)
}

// prune drops failures older than the window; the caller holds t.mu.
func (t *throttle) prune(key string) []time.Time {
	cutoff := t.now().Add(-t.window)
	kept := t.failures[key][:0]
	for _, f := range t.failures[key] {
		if f.After(cutoff) {
			kept = append(kept, f)
		}
	}
	if len(kept) == 0 {
		delete(t.failures, key)
		return nil
	}
	t.failures[key] = kept
	return kept
}
