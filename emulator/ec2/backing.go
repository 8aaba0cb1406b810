package ec2

import (
	"context"
	"fmt"
	"time"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// A Driver may implement the optional interfaces below to back some
// instances with something that changes on its own (a container can exit
// or be removed behind the emulator's back). Instances launched from an
// ImageCatalog AMI are "backed": their records carry Backed, and the
// service reconciles them with the driver's Observations.

// ImageCatalog is an optional Driver interface for drivers with AMIs of
// their own: DescribeImages lists them after the built-in ones and
// RunInstances launches them as backed instances.
type ImageCatalog interface {
	Images(ctx context.Context) ([]Image, error)
}

// Observation is a backed instance as the driver finds it.
type Observation struct {
	// State is StateRunning, StateStopped, or StateTerminated when what
	// backed the instance no longer exists.
	State State
	// PrivateIP is the instance's address now; "" keeps the recorded one
	// (a stopped container has none, and EC2 keeps the address).
	PrivateIP string
	// Reason says what happened, for a change the service did not make.
	Reason string
}

// Observer is an optional Driver interface. Before DescribeInstances,
// DescribeInstanceStatus and the lifecycle calls, the service asks it
// about the backed instances that are not terminated and that no driver
// call is changing, and records what changed behind its back. An instance
// missing from the answer keeps its recorded state.
type Observer interface {
	Observe(ctx context.Context, insts []InstanceInfo) (map[string]Observation, error)
}

// Resyncer is an optional Driver interface: Service.Resync hands it the
// backed instances that are not terminated, once at start-up, so that it
// adopts what it finds and removes what belongs to no such instance.
type Resyncer interface {
	Resync(ctx context.Context, live []InstanceInfo) error
}

// Resync reconciles persisted state with the driver after a (re)start: the
// driver adopts or cleans up, then each backed instance shows its real
// state.
func (s *Service) Resync(ctx context.Context) error {
	if rs, ok := s.driver.(Resyncer); ok {
		s.mu.RLock()
		live := s.backedLocked(false)
		s.mu.RUnlock()
		if err := rs.Resync(ctx, live); err != nil {
			return fmt.Errorf("failed to resync ec2 instances with their driver: %w", err)
		}
	}
	if err := s.reconcile(ctx); err != nil {
		return fmt.Errorf("failed to reconcile ec2 instances: %w", err)
	}
	return nil
}

// backedLocked lists the backed instances that are not terminated,
// skipping those a driver call is changing when idle is set; callers hold
// s.mu.
func (s *Service) backedLocked(idle bool) []InstanceInfo {
	var out []InstanceInfo
	at := s.now()
	for _, in := range s.order {
		if !in.Backed || (idle && s.driving[in.ID] > 0) {
			continue
		}
		if st, _ := in.effective(at); st == StateTerminated {
			continue
		}
		out = append(out, in.info())
	}
	return out
}

// reconcile records what the Observer sees of idle backed instances. It
// costs one driver call, and nothing when no backed instance is live.
func (s *Service) reconcile(ctx context.Context) error {
	obs, ok := s.driver.(Observer)
	if !ok {
		return nil
	}
	s.mu.RLock()
	insts := s.backedLocked(true)
	gens := make(map[string]uint64, len(insts))
	for _, info := range insts {
		gens[info.ID] = s.instances[info.ID].gen
	}
	s.mu.RUnlock()
	if len(insts) == 0 {
		return nil
	}
	seen, err := obs.Observe(ctx, insts)
	if err != nil {
		return protocol.Errorf(503, "Unavailable", "the real state of container-backed instances is unknown: %v", err)
	}
	s.mu.Lock()
	changed := false
	now := s.now()
	for id, o := range seen {
		in, ok := s.instances[id]
		// A record changed since the snapshot, or being driven now, is
		// newer than the observation.
		if !ok || in.gen != gens[id] || s.driving[id] > 0 {
			continue
		}
		if s.apply(in, o, now) {
			changed = true
		}
	}
	var v uint64
	if changed {
		v = s.bump()
	}
	s.mu.Unlock()
	if changed {
		return s.mutated(v)
	}
	return nil
}

// apply records one observation; callers hold the write lock. Only
// settled states follow the driver: a transitional one completes on its
// own, except when the backing is gone.
func (s *Service) apply(in *instance, o Observation, now time.Time) bool {
	s.settle(in, now)
	changed := false
	if o.PrivateIP != "" && o.PrivateIP != in.PrivateIP {
		in.PrivateIP = o.PrivateIP
		changed = true
	}
	cur := in.State
	switch {
	case cur == StateTerminated || cur == StateShuttingDown:
	case o.State == StateTerminated:
		in.enter(StateTerminated, now, 0)
		in.Reason = observed(o.Reason, now)
		in.StateReasonMsg = "Server.InternalError: " + o.Reason
		changed = true
	case cur == StateRunning && o.State == StateStopped:
		in.enter(StateStopped, now, 0)
		in.Reason = observed(o.Reason, now)
		in.StateReasonMsg = "Client.InstanceInitiatedShutdown: Instance initiated shutdown"
		changed = true
	case cur == StateStopped && o.State == StateRunning:
		in.enter(StateRunning, now, 0)
		in.Reason, in.StateReasonMsg = "", ""
		if in.PublicAddress {
			in.PublicIP = publicIP()
		}
		changed = true
	}
	if changed {
		in.touch()
	}
	return changed
}

// observed is the stateTransitionReason of a change seen, not made, in the
// form AWS uses for its own ("User initiated (2024-01-02 03:04:05 GMT)").
func observed(reason string, now time.Time) string {
	return fmt.Sprintf("%s (%s GMT)", reason, now.UTC().Format("2006-01-02 15:04:05"))
}

// track marks ids as being changed by a driver call; callers hold the
// write lock and call the returned func, without it, when the call ends.
func (s *Service) track(ids []string) func() {
	for _, id := range ids {
		s.driving[id]++
	}
	return func() {
		s.mu.Lock()
		for _, id := range ids {
			if s.driving[id]--; s.driving[id] <= 0 {
				delete(s.driving, id)
			}
		}
		s.mu.Unlock()
	}
}
