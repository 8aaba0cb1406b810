package auth

import (
	"sync"
	"time"
)

// Call is one AWS API call as the emulator's router saw it: enough for a
// tracer to attribute it (through Principal.Sandbox) to the function
// sandbox and invocation that made it.
type Call struct {
	Service   string // SigV4 service name: ec2, iam, sts, lambda, apigateway
	Action    string // the IAM action, e.g. ec2:StopInstances ("" if unknown)
	Region    string
	Principal Principal
	// Invocation is the request id of the invocation the sandbox was
	// running when the call arrived ("" when not made by a sandbox).
	Invocation string
	// Resources are the ARNs the call acted on, when authorization named
	// them.
	Resources []string
	Status    int    // HTTP status of the answer
	ErrorCode string // AWS error code, "" on success
	Start     time.Time
	Duration  time.Duration
}

// Observer receives every call once it has been answered. ObserveCall
// runs on the request's goroutine: it must be quick and must not block.
type Observer interface {
	ObserveCall(Call)
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(Call)

// ObserveCall calls f.
func (f ObserverFunc) ObserveCall(c Call) { f(c) }

// Observers is a set of subscribed observers, safe for concurrent use.
type Observers struct {
	mu   sync.RWMutex
	next int
	subs map[int]Observer
}

// Subscribe adds o; the returned function removes it.
func (s *Observers) Subscribe(o Observer) (unsubscribe func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.subs == nil {
		s.subs = map[int]Observer{}
	}
	id := s.next
	s.next++
	s.subs[id] = o
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.subs, id)
	}
}

// Active reports whether anyone listens, so that callers can skip the
// work of building a Call.
func (s *Observers) Active() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.subs) > 0
}

// Notify hands c to every observer.
func (s *Observers) Notify(c Call) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, o := range s.subs {
		o.ObserveCall(c)
	}
}
