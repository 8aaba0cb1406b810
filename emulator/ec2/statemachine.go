package ec2

import (
	"fmt"
	"time"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// State is an instance state name as EC2 spells it.
type State string

// The EC2 instance states and the codes AWS reports for them.
const (
	StatePending      State = "pending"
	StateRunning      State = "running"
	StateShuttingDown State = "shutting-down"
	StateTerminated   State = "terminated"
	StateStopping     State = "stopping"
	StateStopped      State = "stopped"
)

// Code is the numeric state code AWS pairs with the name (low byte only).
func (s State) Code() int {
	switch s {
	case StatePending:
		return 0
	case StateRunning:
		return 16
	case StateShuttingDown:
		return 32
	case StateTerminated:
		return 48
	case StateStopping:
		return 64
	case StateStopped:
		return 80
	}
	return -1
}

// settled is the state a transitional state ends in; a stable state ends
// in itself.
func (s State) settled() State {
	switch s {
	case StatePending:
		return StateRunning
	case StateStopping:
		return StateStopped
	case StateShuttingDown:
		return StateTerminated
	}
	return s
}

// terminatedRetention is how long a terminated instance stays visible, as
// on AWS ("about an hour").
const terminatedRetention = time.Hour

// effective is the state of an instance that entered state at since, seen
// at now: a transitional state completes at until (since plus the delay in
// force when it began, so a restart with another delay does not rewrite
// history). Computing it lazily keeps the service free of timers and makes
// snapshots trivial.
func effective(state State, since, until, now time.Time) (State, time.Time) {
	if final := state.settled(); final != state && !now.Before(until) {
		return final, until
	}
	return state, since
}

// action is a lifecycle request on a batch of instances.
type action int

const (
	actionStart action = iota
	actionStop
	actionTerminate
)

func (a action) verb() string {
	switch a {
	case actionStart:
		return "started"
	case actionStop:
		return "stopped"
	}
	return "terminated"
}

// transition says what a request does to an instance in state cur: the new
// state (equal to cur for a no-op, as AWS reports it) or the error AWS
// returns.
func transition(a action, id string, cur State) (State, *protocol.Error) {
	incorrect := func() (State, *protocol.Error) {
		return cur, protocol.BadRequest("IncorrectInstanceState",
			"The instance '%s' is not in a state from which it can be %s.", id, a.verb())
	}
	switch a {
	case actionStart:
		switch cur {
		case StateStopped:
			return StatePending, nil
		case StatePending, StateRunning:
			return cur, nil
		}
		return incorrect()
	case actionStop:
		switch cur {
		case StateRunning:
			return StateStopping, nil
		case StateStopping, StateStopped:
			return cur, nil
		}
		return incorrect()
	default:
		switch cur {
		case StateShuttingDown, StateTerminated:
			return cur, nil
		}
		return StateShuttingDown, nil
	}
}

// userInitiated is the stateTransitionReason AWS writes on a user's stop or
// terminate.
func userInitiated(now time.Time) string {
	return fmt.Sprintf("User initiated (%s GMT)", now.UTC().Format("2006-01-02 15:04:05"))
}
