// Package lockout counts failed sign-ins per key (a user name, a client
// address) and locks a key out after too many failures within a window.
// The IdP's sign-in page and the emulator's IAM user sign-in page share it.
package lockout

import (
	"sync"
	"time"
)

// sweepAbove is the key count above which a failure first drops the keys
// whose failures have all left the window, so abandoned keys cannot pile up.
const sweepAbove = 1024

// Lockout is safe for concurrent use.
type Lockout struct {
	max    int
	window time.Duration
	now    func() time.Time

	mu       sync.Mutex
	failures map[string][]time.Time
}

// New returns a Lockout that refuses a key after max failures within
// window, on the clock now.
func New(max int, window time.Duration, now func() time.Time) *Lockout {
	return &Lockout{max: max, window: window, now: now, failures: map[string][]time.Time{}}
}

// Blocked returns how long key must still wait, or 0.
func (l *Lockout) Blocked(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	recent := l.prune(key)
	if len(recent) < l.max {
		return 0
	}
	return recent[len(recent)-l.max].Add(l.window).Sub(l.now())
}

// Fail records a failure of key.
func (l *Lockout) Fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.failures) > sweepAbove {
		for k := range l.failures {
			l.prune(k)
		}
	}
	l.failures[key] = append(l.prune(key), l.now())
}

// Reset forgets key's failures (after a successful sign-in).
func (l *Lockout) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, key)
}

// prune drops failures older than the window; the caller holds l.mu.
func (l *Lockout) prune(key string) []time.Time {
	cutoff := l.now().Add(-l.window)
	kept := l.failures[key][:0]
	for _, f := range l.failures[key] {
		if f.After(cutoff) {
			kept = append(kept, f)
		}
	}
	if len(kept) == 0 {
		delete(l.failures, key)
		return nil
	}
	l.failures[key] = kept
	return kept
}
