package store

import (
	"fmt"
	"testing"
	"time"
)

// Long-expired temporary keys are forgotten once many are held; live ones
// never are.
func TestAddKeySweepsExpiredKeys(t *testing.T) {
	s := New()
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for i := range sweepAbove {
		s.AddKey(AccessKey{ID: fmt.Sprintf("ASIAOLD%09d", i), Created: now.Add(-48 * time.Hour), Expires: now.Add(-47 * time.Hour)})
	}
	for i := range 10 {
		s.AddKey(AccessKey{ID: fmt.Sprintf("AKIALIVE%08d", i), Created: now})
	}
	if _, ok := s.Key("ASIAOLD000000001"); ok {
		t.Error("a key expired two days ago is still held")
	}
	for i := range 10 {
		if _, ok := s.Key(fmt.Sprintf("AKIALIVE%08d", i)); !ok {
			t.Errorf("live key %d was forgotten", i)
		}
	}
	if n := len(s.keys); n > 10 {
		t.Errorf("%d keys held, want the 10 live ones", n)
	}
}
