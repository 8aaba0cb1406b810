package ec2

import (
	"context"
	"encoding/xml"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/apidriven/api-driven/emulator/protocol"
	"github.com/apidriven/api-driven/emulator/store"
)

// clock is a settable time source.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func call(t *testing.T, s *Service, action string, params url.Values) (any, error) {
	t.Helper()
	params.Set("Action", action)
	return s.HandleQuery(context.Background(), &protocol.QueryRequest{Action: action, Region: "us-east-1", RequestID: "req", Params: params})
}

func stateIn(t *testing.T, s *Service, id string) State {
	t.Helper()
	out, err := call(t, s, "DescribeInstances", url.Values{"InstanceId.1": {id}})
	if err != nil {
		t.Fatalf("DescribeInstances: %v", err)
	}
	body, err := xml.Marshal(out)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	var doc struct {
		States []State `xml:"reservationSet>item>instancesSet>item>instanceState>name"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil || len(doc.States) != 1 {
		t.Fatalf("decode %s: %v", body, err)
	}
	return doc.States[0]
}

// TestLazyTransitionsAcrossRestart checks the timestamps alone drive the
// state machine, including for state loaded from disk.
func TestLazyTransitionsAcrossRestart(t *testing.T) {
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{now: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	opts := Options{Store: st, TransitionDelay: time.Minute, Now: clk.Now}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	out, err := call(t, s, "RunInstances", url.Values{"ImageId": {DefaultImageID}, "MinCount": {"1"}, "MaxCount": {"1"}})
	if err != nil {
		t.Fatalf("RunInstances: %v", err)
	}
	id := out.(runInstancesResponse).Instances.Items[0].InstanceID
	steps := []struct {
		advance time.Duration
		want    State
	}{{0, StatePending}, {59 * time.Second, StatePending}, {time.Second, StateRunning}}
	for _, step := range steps {
		clk.advance(step.advance)
		if got := stateIn(t, s, id); got != step.want {
			t.Fatalf("after +%v: %s, want %s", step.advance, got, step.want)
		}
	}
	if _, err := call(t, s, "StopInstances", url.Values{"InstanceId.1": {id}}); err != nil {
		t.Fatalf("StopInstances: %v", err)
	}
	clk.advance(30 * time.Second)
	reloaded, err := New(opts)
	if err != nil {
		t.Fatalf("reload: %v", err)
	}
	if got := stateIn(t, reloaded, id); got != StateStopping {
		t.Fatalf("reloaded mid-stop: %s, want stopping", got)
	}
	clk.advance(30 * time.Second)
	if got := stateIn(t, reloaded, id); got != StateStopped {
		t.Fatalf("reloaded after the delay: %s, want stopped", got)
	}
	if _, err := call(t, reloaded, "TerminateInstances", url.Values{"InstanceId.1": {id}}); err != nil {
		t.Fatalf("TerminateInstances: %v", err)
	}
	clk.advance(time.Minute + terminatedRetention + time.Second)
	// Past retention the instance is gone, as on AWS.
	_, err = call(t, reloaded, "DescribeInstances", url.Values{"InstanceId.1": {id}})
	if e, ok := err.(*protocol.Error); !ok || e.Code != "InvalidInstanceID.NotFound" {
		t.Fatalf("expired instance: %v, want InvalidInstanceID.NotFound", err)
	}
}

func TestTransitionTable(t *testing.T) {
	all := []State{StatePending, StateRunning, StateStopping, StateStopped, StateShuttingDown, StateTerminated}
	want := map[action]map[State]State{ // missing entries are IncorrectInstanceState
		actionStart:     {StatePending: StatePending, StateRunning: StateRunning, StateStopped: StatePending},
		actionStop:      {StateRunning: StateStopping, StateStopping: StateStopping, StateStopped: StateStopped},
		actionTerminate: {StatePending: StateShuttingDown, StateRunning: StateShuttingDown, StateStopping: StateShuttingDown, StateStopped: StateShuttingDown, StateShuttingDown: StateShuttingDown, StateTerminated: StateTerminated},
	}
	for a, row := range want {
		for _, cur := range all {
			got, err := transition(a, "i-1", cur)
			exp, ok := row[cur]
			switch {
			case ok && (err != nil || got != exp):
				t.Errorf("%s from %s = %s, %v; want %s", a.name(), cur, got, err, exp)
			case !ok && (err == nil || err.Code != "IncorrectInstanceState"):
				t.Errorf("%s from %s = %s, %v; want IncorrectInstanceState", a.name(), cur, got, err)
			}
		}
	}
}

func TestInstanceArch(t *testing.T) {
	for typ, want := range map[string]string{
		"t2.micro": "x86_64", "t3.micro": "x86_64", "t4g.nano": "arm64", "m7gd.large": "arm64",
		"c6gn.xlarge": "arm64", "a1.medium": "arm64", "g4dn.xlarge": "x86_64", "m7i-flex.large": "x86_64",
		"m5zn.large": "x86_64", "im4gn.large": "arm64", "c5.9xlarge": "x86_64", "m8g.48xlarge": "arm64",
		// Types that do not exist.
		"t3.mega": "", "t2.nano.x": "", "huge": "", "t4g": "", "m5.medium": "", "x9z.large": "", "": "",
	} {
		got, ok := instanceArch(typ)
		if got != want || ok != (want != "") {
			t.Errorf("instanceArch(%q) = %q, %v; want %q", typ, got, ok, want)
		}
	}
}
