package ec2

import (
	"context"
	"time"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// What other parts of the emulator (traces, the console) read from EC2:
// state changes as they happen, and the instances as they are.

// StateChange is a call putting an instance in a state.
type StateChange struct {
	InstanceID string
	Region     string
	From       State // "" for a launch
	To         State
	At         time.Time
	Action     string // the call: RunInstances, StopInstances...
	// Until is when a transitional To (pending, stopping, shutting-down)
	// completes into Settles(); At otherwise.
	Until time.Time
}

// Settles is the state To completes into (To itself when stable).
func (c StateChange) Settles() State { return c.To.settled() }

func (s *Service) stateChanged(ctx context.Context, changes []StateChange) {
	if s.opts.OnStateChange == nil {
		return
	}
	for _, c := range changes {
		s.opts.OnStateChange(ctx, c)
	}
}

// launchedStates reports the instances a RunInstances put in pending.
func (s *Service) launchedStates(ctx context.Context, req *protocol.QueryRequest, ids []string, now time.Time) {
	if s.opts.OnStateChange == nil {
		return
	}
	for _, id := range ids {
		s.opts.OnStateChange(ctx, StateChange{InstanceID: id, Region: req.Region, To: StatePending, At: now,
			Action: req.Action, Until: now.Add(s.opts.TransitionDelay)})
	}
}

// InstanceView is an instance as it is now.
type InstanceView struct {
	ID           string            `json:"instanceId"`
	Region       string            `json:"region"`
	Zone         string            `json:"availabilityZone"`
	ImageID      string            `json:"imageId"`
	InstanceType string            `json:"instanceType"`
	State        State             `json:"state"`
	Since        time.Time         `json:"since"`
	LaunchTime   time.Time         `json:"launchTime"`
	PrivateIP    string            `json:"privateIpAddress,omitempty"`
	PublicIP     string            `json:"publicIpAddress,omitempty"`
	Tags         map[string]string `json:"tags,omitempty"`
	// Backed is set for an instance a driver backs (a Docker container).
	Backed bool `json:"backed,omitempty"`
}

// Instances lists every region's instances in launch order, with their
// effective state (terminated ones while AWS would still show them).
func (s *Service) Instances() []InstanceView {
	s.mu.RLock()
	defer s.mu.RUnlock()
	now := s.now()
	out := make([]InstanceView, 0, len(s.order))
	for _, in := range s.order {
		v := s.viewOf(in, now)
		if v.expired(now) {
			continue
		}
		iv := InstanceView{
			ID: in.ID, Region: in.Region, Zone: in.Zone, ImageID: in.ImageID, InstanceType: in.InstanceType,
			State: v.state, Since: v.at.UTC(), LaunchTime: in.LaunchTime, PrivateIP: in.PrivateIP, Backed: in.Backed,
		}
		if v.hasPublicIP() {
			iv.PublicIP = in.PublicIP
		}
		if len(in.Tags) > 0 {
			iv.Tags = make(map[string]string, len(in.Tags))
			for _, t := range in.Tags {
				iv.Tags[t.Key] = t.Value
			}
		}
		out = append(out, iv)
	}
	return out
}

// InstanceState is the effective state of the instance with this id.
func (s *Service) InstanceState(id string) (State, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	in, ok := s.instances[id]
	if !ok {
		return "", false
	}
	st, _ := in.effective(s.now())
	return st, true
}
