package trace

import "time"

// StateChange is an EC2 instance entering a state because of a call.
type StateChange struct {
	InstanceID string
	From, To   string
	At         time.Time
	// Action is the call that caused it (StopInstances).
	Action string
	// SettlesTo is the state a transitional To (pending, stopping,
	// shutting-down) completes into at SettlesAt, on its own.
	SettlesTo string
	SettlesAt time.Time
}

// Transition is one state change of an instance, as a trace shows it.
type Transition struct {
	InstanceID string    `json:"instanceId"`
	From       string    `json:"from"`
	To         string    `json:"to"`
	At         time.Time `json:"at"`
	Action     string    `json:"action,omitempty"`
}

// StateEvent is an instance's new state, for live views (every change,
// traced or not).
type StateEvent struct {
	InstanceID string    `json:"instanceId"`
	State      string    `json:"state"`
	At         time.Time `json:"at"`
}

// StateChanged records a state change: in the trace of the invocation
// with this Lambda request id when there is one (invocationID may be ""),
// and for subscribers. A transitional state's completion is recorded when
// it is due, once States confirms it: the trace keeps growing after the
// response.
func (r *Recorder) StateChanged(invocationID string, c StateChange) {
	if r == nil {
		return
	}
	var t *Trace
	if inv := r.invocation(invocationID); inv != nil {
		t = inv.t
		t.mu.Lock()
		t.addTransitionLocked(Transition{InstanceID: c.InstanceID, From: c.From, To: c.To, At: c.At, Action: c.Action})
		if c.SettlesTo != "" {
			t.scheduled++
		}
		t.version++
		t.mu.Unlock()
		r.notify(t)
	}
	r.publishState(StateEvent{InstanceID: c.InstanceID, State: c.To, At: c.At})
	if c.SettlesTo != "" {
		r.schedule(t, c)
	}
}

func (t *Trace) addTransitionLocked(tr Transition) {
	if len(t.transitions) < maxTransitions {
		t.transitions = append(t.transitions, tr)
	}
}

// schedule confirms c's completion when it is due.
func (r *Recorder) schedule(t *Trace, c StateChange) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	var tm *time.Timer
	tm = time.AfterFunc(max(c.SettlesAt.Sub(r.opts.Now()), 0), func() {
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			return
		}
		delete(r.timers, tm)
		states := r.opts.States
		r.mu.Unlock()
		r.settle(t, c, states)
	})
	r.timers[tm] = struct{}{}
}

// settle records c's completion if the instance did complete it (it may
// have been terminated meanwhile: that change was reported on its own).
func (r *Recorder) settle(t *Trace, c StateChange, states StateSource) {
	settled := true
	if states != nil {
		cur, ok := states(c.InstanceID)
		settled = ok && cur == c.SettlesTo
	}
	if t != nil {
		t.mu.Lock()
		if settled {
			t.addTransitionLocked(Transition{InstanceID: c.InstanceID, From: c.To, To: c.SettlesTo, At: c.SettlesAt})
		}
		t.scheduled--
		t.version++
		t.mu.Unlock()
		r.notify(t)
	}
	if settled {
		r.publishState(StateEvent{InstanceID: c.InstanceID, State: c.SettlesTo, At: c.SettlesAt})
	}
}
