package ec2

import (
	"context"
	"fmt"

	"github.com/apidriven/api-driven/emulator/ec2/wire"
	"github.com/apidriven/api-driven/emulator/protocol"
)

// Driver backs instances with something real (a container, a VM). The
// service records each transition first, under its own rules and lock, and
// then calls the driver outside the lock with a snapshot of the instance; a
// driver error is reported to the caller as a 500 InternalError (the state
// stays recorded, as AWS keeps a failed start's instance). A Launch error
// terminates the instance with reason Server.InternalError, as AWS does for
// instances that fail to boot. Transitional states still complete after
// Options.TransitionDelay, whatever the driver does.
type Driver interface {
	Launch(ctx context.Context, inst InstanceInfo) error
	Start(ctx context.Context, inst InstanceInfo) error
	Stop(ctx context.Context, inst InstanceInfo, force bool) error
	Terminate(ctx context.Context, inst InstanceInfo) error
}

// InstanceInfo is what a Driver is told about an instance.
type InstanceInfo struct {
	ID            string
	ReservationID string
	Region        string
	Zone          string
	ImageID       string
	InstanceType  string
	Architecture  string
	PrivateIP     string
	UserData      string // base64, as sent to RunInstances
	Tags          map[string]string
	// Backed is set for instances launched from an ImageCatalog AMI.
	Backed bool
}

func (in *instance) info() InstanceInfo {
	tags := make(map[string]string, len(in.Tags))
	for _, t := range in.Tags {
		tags[t.Key] = t.Value
	}
	return InstanceInfo{
		ID: in.ID, ReservationID: in.ReservationID, Region: in.Region, Zone: in.Zone,
		ImageID: in.ImageID, InstanceType: in.InstanceType, Architecture: in.Architecture,
		PrivateIP: in.PrivateIP, UserData: in.UserData, Tags: tags, Backed: in.Backed,
	}
}

// nopDriver only records state.
type nopDriver struct{}

func (nopDriver) Launch(context.Context, InstanceInfo) error     { return nil }
func (nopDriver) Start(context.Context, InstanceInfo) error      { return nil }
func (nopDriver) Stop(context.Context, InstanceInfo, bool) error { return nil }
func (nopDriver) Terminate(context.Context, InstanceInfo) error  { return nil }

func (s *Service) startInstances(ctx context.Context, req *protocol.QueryRequest) (any, error) {
	return s.changeState(ctx, req, actionStart)
}

func (s *Service) stopInstances(ctx context.Context, req *protocol.QueryRequest) (any, error) {
	return s.changeState(ctx, req, actionStop)
}

func (s *Service) terminateInstances(ctx context.Context, req *protocol.QueryRequest) (any, error) {
	return s.changeState(ctx, req, actionTerminate)
}

// changeState applies a start, stop or terminate to a batch: every id is
// checked (syntax, existence, state rules) before anything changes, so a
// bad id in a batch changes nothing.
func (s *Service) changeState(ctx context.Context, req *protocol.QueryRequest, a action) (any, error) {
	ids := wire.Dedupe(protocol.Indexed(req.Params, "InstanceId"))
	if len(ids) == 0 {
		return nil, wire.Missing("InstanceId")
	}
	if err := checkInstanceIDs(ids); err != nil {
		return nil, err
	}
	force, err := wire.Bool(req.Params, "Force")
	if err != nil {
		return nil, err
	}
	for _, name := range []string{"Hibernate", "SkipOsShutdown"} {
		if _, err := wire.Bool(req.Params, name); err != nil {
			return nil, err
		}
	}
	// State rules apply to the real state: starting an instance whose
	// container exited must start it, not be a no-op.
	if err := s.reconcile(ctx); err != nil {
		return nil, err
	}

	s.mu.Lock()
	now := s.now()
	targets := make([]*instance, 0, len(ids))
	var unknown []string
	for _, id := range ids {
		in, ok := s.instances[id]
		if !ok || in.Region != req.Region {
			unknown = append(unknown, id)
			continue
		}
		targets = append(targets, in)
	}
	if len(unknown) > 0 {
		s.mu.Unlock()
		return nil, instancesNotFound(unknown)
	}
	next := make([]State, len(targets))
	for i, in := range targets {
		cur, _ := in.effective(now)
		st, perr := transition(a, in.ID, cur)
		if perr == nil && st != cur {
			perr = guard(a, in)
		}
		if perr != nil {
			s.mu.Unlock()
			return nil, perr
		}
		next[i] = st
	}
	out := stateChangeResponse{XMLName: wire.RootName(req.Action), RequestID: req.RequestID}
	out.Instances.Items = make([]xmlStateChange, len(targets))
	var changed []InstanceInfo
	var changedIDs []string
	var changes []StateChange
	for i, in := range targets {
		s.settle(in, now)
		prev := in.State
		out.Instances.Items[i] = xmlStateChange{InstanceID: in.ID, PreviousState: stateXML(prev), CurrentState: stateXML(next[i])}
		if next[i] == prev {
			continue
		}
		in.enter(next[i], now, s.opts.TransitionDelay)
		in.touch()
		changes = append(changes, StateChange{InstanceID: in.ID, Region: in.Region, From: prev, To: next[i], At: now, Action: req.Action, Until: in.Until})
		switch a {
		case actionStart:
			in.Reason, in.StateReasonMsg = "", ""
			if in.PublicAddress {
				in.PublicIP = publicIP()
			}
		case actionStop:
			in.Reason, in.StateReasonMsg = userInitiated(now), "Client.UserInitiatedShutdown: User initiated shutdown"
		case actionTerminate:
			in.Reason, in.StateReasonMsg = userInitiated(now), "Client.UserInitiatedShutdown: User initiated shutdown"
		}
		changed = append(changed, in.info())
		changedIDs = append(changedIDs, in.ID)
	}
	if len(changed) == 0 {
		s.mu.Unlock()
		return out, nil
	}
	v := s.bump()
	done := s.track(changedIDs)
	s.mu.Unlock()
	defer done()

	if err := s.mutated(v); err != nil {
		return nil, err
	}
	s.stateChanged(ctx, changes)
	for _, info := range changed {
		if err := s.drive(ctx, a, info, force); err != nil {
			return nil, wire.Internal("failed to %s instance %s: %v", a.name(), info.ID, err)
		}
	}
	return out, nil
}

// guard applies the disableApiStop / disableApiTermination attributes.
func guard(a action, in *instance) *protocol.Error {
	switch {
	case a == actionStop && in.NoStop:
		return protocol.BadRequest("OperationNotPermitted",
			"The instance '%s' may not be stopped. Modify its 'disableApiStop' instance attribute and try again.", in.ID)
	case a == actionTerminate && in.NoTerminate:
		return protocol.BadRequest("OperationNotPermitted",
			"The instance '%s' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.", in.ID)
	}
	return nil
}

func (s *Service) drive(ctx context.Context, a action, info InstanceInfo, force bool) error {
	switch a {
	case actionStart:
		return s.driver.Start(ctx, info)
	case actionStop:
		return s.driver.Stop(ctx, info, force)
	}
	return s.driver.Terminate(ctx, info)
}

func (a action) name() string {
	switch a {
	case actionStart:
		return "start"
	case actionStop:
		return "stop"
	}
	return "terminate"
}

// launchFailed terminates instances whose driver could not launch them.
func (s *Service) launchFailed(ids []string, cause error) {
	s.mu.Lock()
	now := s.now()
	for _, id := range ids {
		if in, ok := s.instances[id]; ok {
			in.enter(StateTerminated, now, 0)
			in.touch()
			in.Reason = "Server.InternalError"
			in.StateReasonMsg = fmt.Sprintf("Server.InternalError: %v", cause)
		}
	}
	v := s.bump()
	s.mu.Unlock()
	_ = s.mutated(v) // best effort: the caller already gets the launch error
}
