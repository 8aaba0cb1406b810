package lambda

import (
	"testing"
	"time"
)

// A creation stays Pending for the transition delay, an update
// InProgress for the (shorter) update delay.
func TestCreationAndUpdateDelaysAreSeparate(t *testing.T) {
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	updated := created.Add(2 * time.Hour)
	fresh, changed := &function{Created: created}, &function{Created: created, Updated: updated}
	d := delays{create: time.Hour, update: 200 * time.Millisecond}
	tests := []struct {
		f             *function
		at            time.Time
		state, update string
	}{
		{fresh, created.Add(time.Minute), "Pending", "InProgress"},
		{fresh, created.Add(time.Hour), "Active", "Successful"},
		{changed, updated.Add(100 * time.Millisecond), "Active", "InProgress"},
		{changed, updated.Add(200 * time.Millisecond), "Active", "Successful"},
	}
	for _, tt := range tests {
		if st := tt.f.status(tt.at, d); st.State != tt.state || st.LastUpdateStatus != tt.update {
			t.Errorf("at %s: %s/%s, want %s/%s", tt.at.Sub(created), st.State, st.LastUpdateStatus, tt.state, tt.update)
		}
	}
}
