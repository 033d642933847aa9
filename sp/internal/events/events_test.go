package events

import (
	"testing"
	"time"
)

func TestLogKeepsTheNewest(t *testing.T) {
	l := NewLog(100)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 1000 {
		l.Add(Event{EventName: "E", EventTime: base.Add(time.Duration(i) * time.Second), RecipientAccountID: "111111111111"})
	}
	got := l.Lookup(Query{Account: "111111111111"})
	if len(got) != 100 {
		t.Fatalf("kept %d events, want 100", len(got))
	}
	if want := base.Add(999 * time.Second); !got[0].EventTime.Equal(want) {
		t.Errorf("newest %v, want %v", got[0].EventTime, want)
	}
	if want := base.Add(900 * time.Second); !got[99].EventTime.Equal(want) {
		t.Errorf("oldest kept %v, want %v", got[99].EventTime, want)
	}
	if len(l.events) > 110 {
		t.Errorf("the log holds %d events, more than its cap and a tenth", len(l.events))
	}
}
