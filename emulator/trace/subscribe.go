package trace

import (
	"context"
	"slices"
	"sync"
)

// maxPendingStates bounds the state events a slow subscriber may owe; the
// oldest are dropped (the latest state of each instance is what matters).
const maxPendingStates = 256

// Subscription receives the traces that changed and the state events
// since its last Next. A slow reader never slows the requests: changes to
// one trace coalesce and it reads the trace as it is by then.
type Subscription struct {
	r      *Recorder
	wake   chan struct{} // capacity 1
	mu     sync.Mutex
	dirty  map[*Trace]struct{}
	resync bool // dirty overflowed: the next read gets the whole ring
	states []StateEvent
	ended  bool
}

// Subscribe starts a subscription; Close it when done. A nil recorder
// gives one that ends at once.
func (r *Recorder) Subscribe() *Subscription {
	s := &Subscription{r: r, wake: make(chan struct{}, 1), dirty: map[*Trace]struct{}{}}
	if r == nil {
		s.ended = true
		return s
	}
	// Under subMu: Close sets closed before it swaps the subscribers out
	// under subMu, so a subscription is either refused here or ended there.
	r.subMu.Lock()
	defer r.subMu.Unlock()
	r.mu.Lock()
	closed := r.closed
	r.mu.Unlock()
	if closed {
		s.ended = true
		return s
	}
	var next []*Subscription
	if cur := r.subs.Load(); cur != nil {
		next = append(next, *cur...)
	}
	next = append(next, s)
	r.subs.Store(&next)
	return s
}

// Close ends the subscription.
func (s *Subscription) Close() {
	r := s.r
	if r != nil {
		r.subMu.Lock()
		if cur := r.subs.Load(); cur != nil {
			next := slices.DeleteFunc(slices.Clone(*cur), func(x *Subscription) bool { return x == s })
			r.subs.Store(&next)
		}
		r.subMu.Unlock()
	}
	s.end()
}

func (s *Subscription) end() {
	s.mu.Lock()
	s.ended = true
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Next waits for changes: the traces that changed (oldest first) and the
// state events in order. ok is false once the subscription or the
// recorder is closed, or ctx is done.
func (s *Subscription) Next(ctx context.Context) (traces []*Trace, states []StateEvent, ok bool) {
	for {
		s.mu.Lock()
		if s.ended {
			s.mu.Unlock()
			return nil, nil, false
		}
		if len(s.dirty) > 0 || len(s.states) > 0 || s.resync {
			for t := range s.dirty {
				traces = append(traces, t)
			}
			clear(s.dirty)
			resync := s.resync
			s.resync = false
			states, s.states = s.states, nil
			s.mu.Unlock()
			if resync {
				traces = s.r.Recent(0)
			}
			slices.SortFunc(traces, func(a, b *Trace) int { return cmpSeq(a.seq, b.seq) })
			return traces, states, true
		}
		s.mu.Unlock()
		select {
		case <-s.wake:
		case <-ctx.Done():
			return nil, nil, false
		}
	}
}

func cmpSeq(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (s *Subscription) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// notify tells subscribers t changed; without subscribers it costs one
// atomic load.
func (r *Recorder) notify(t *Trace) {
	if r == nil {
		return
	}
	subs := r.subs.Load()
	if subs == nil {
		return
	}
	for _, s := range *subs {
		s.mu.Lock()
		if len(s.dirty) >= r.opts.Capacity {
			clear(s.dirty) // a reader that lags this much rereads the ring
			s.resync = true
		}
		if !s.resync {
			s.dirty[t] = struct{}{}
		}
		s.mu.Unlock()
		s.signal()
	}
}

func (r *Recorder) publishState(e StateEvent) {
	subs := r.subs.Load()
	if subs == nil {
		return
	}
	for _, s := range *subs {
		s.mu.Lock()
		if len(s.states) >= maxPendingStates {
			s.states = s.states[1:]
		}
		s.states = append(s.states, e)
		s.mu.Unlock()
		s.signal()
	}
}
