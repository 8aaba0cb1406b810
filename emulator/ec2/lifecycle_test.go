package ec2_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/apidriven/api-driven/emulator/emulatortest"
)

type op func(ctx context.Context, c *ec2.Client, ids []string) ([]types.InstanceStateChange, error)

func start(ctx context.Context, c *ec2.Client, ids []string) ([]types.InstanceStateChange, error) {
	out, err := c.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: ids})
	if err != nil {
		return nil, err
	}
	return out.StartingInstances, nil
}

func stop(ctx context.Context, c *ec2.Client, ids []string) ([]types.InstanceStateChange, error) {
	out, err := c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: ids, Force: aws.Bool(true)})
	if err != nil {
		return nil, err
	}
	return out.StoppingInstances, nil
}

func terminate(ctx context.Context, c *ec2.Client, ids []string) ([]types.InstanceStateChange, error) {
	out, err := c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids})
	if err != nil {
		return nil, err
	}
	return out.TerminatingInstances, nil
}

// TestStateMachine drives an instance into each settled state, applies one
// operation and checks AWS's answer and the state afterwards (the delay is
// zero, so transitional states complete at once).
func TestStateMachine(t *testing.T) {
	c := newClient(t)
	tests := []struct {
		name      string
		setup     []op
		do        op
		code      string
		prev, cur types.InstanceStateName // reported on success
		after     types.InstanceStateName
	}{
		{"stop running", nil, stop, "", types.InstanceStateNameRunning, types.InstanceStateNameStopping, types.InstanceStateNameStopped},
		{"stop stopped is a no-op", []op{stop}, stop, "", types.InstanceStateNameStopped, types.InstanceStateNameStopped, types.InstanceStateNameStopped},
		{"start stopped", []op{stop}, start, "", types.InstanceStateNameStopped, types.InstanceStateNamePending, types.InstanceStateNameRunning},
		{"start running is a no-op", nil, start, "", types.InstanceStateNameRunning, types.InstanceStateNameRunning, types.InstanceStateNameRunning},
		{"terminate running", nil, terminate, "", types.InstanceStateNameRunning, types.InstanceStateNameShuttingDown, types.InstanceStateNameTerminated},
		{"terminate stopped", []op{stop}, terminate, "", types.InstanceStateNameStopped, types.InstanceStateNameShuttingDown, types.InstanceStateNameTerminated},
		{"terminate terminated is a no-op", []op{terminate}, terminate, "", types.InstanceStateNameTerminated, types.InstanceStateNameTerminated, types.InstanceStateNameTerminated},
		{"start terminated", []op{terminate}, start, "IncorrectInstanceState", "", "", types.InstanceStateNameTerminated},
		{"stop terminated", []op{terminate}, stop, "IncorrectInstanceState", "", "", types.InstanceStateNameTerminated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := emulatortest.Context(t)
			id := launchOne(t, c)
			for _, o := range tt.setup {
				if _, err := o(ctx, c, []string{id}); err != nil {
					t.Fatalf("setup: %v", err)
				}
			}
			changes, err := tt.do(ctx, c, []string{id})
			wantCode(t, err, tt.code)
			if tt.code == "" {
				if len(changes) != 1 || aws.ToString(changes[0].InstanceId) != id {
					t.Fatalf("changes = %+v, want one for %s", changes, id)
				}
				ch := changes[0]
				if ch.PreviousState.Name != tt.prev || ch.CurrentState.Name != tt.cur {
					t.Errorf("previous/current = %s/%s, want %s/%s", ch.PreviousState.Name, ch.CurrentState.Name, tt.prev, tt.cur)
				}
			}
			if got := stateOf(t, c, id); got != tt.after {
				t.Errorf("state afterwards = %s, want %s", got, tt.after)
			}
		})
	}
}

// TestTransitionalStates holds instances in pending / stopping with a long
// delay to check the rules AWS applies there.
func TestTransitionalStates(t *testing.T) {
	c := newClient(t, emulatortest.WithTransitionDelay(time.Hour))
	ctx := emulatortest.Context(t)
	id := launchOne(t, c)
	if got := stateOf(t, c, id); got != types.InstanceStateNamePending {
		t.Fatalf("state = %s, want pending", got)
	}
	_, err := stop(ctx, c, []string{id})
	wantCode(t, err, "IncorrectInstanceState")
	changes, err := start(ctx, c, []string{id})
	wantCode(t, err, "")
	if changes[0].CurrentState.Name != types.InstanceStateNamePending || changes[0].PreviousState.Name != types.InstanceStateNamePending {
		t.Errorf("start of pending = %s -> %s, want a pending no-op", changes[0].PreviousState.Name, changes[0].CurrentState.Name)
	}
	changes, err = terminate(ctx, c, []string{id})
	wantCode(t, err, "")
	if changes[0].CurrentState.Name != types.InstanceStateNameShuttingDown {
		t.Errorf("terminate of pending -> %s, want shutting-down", changes[0].CurrentState.Name)
	}
	_, err = start(ctx, c, []string{id})
	wantCode(t, err, "IncorrectInstanceState")
	changes, err = terminate(ctx, c, []string{id})
	wantCode(t, err, "")
	if changes[0].CurrentState.Name != types.InstanceStateNameShuttingDown || changes[0].PreviousState.Name != types.InstanceStateNameShuttingDown {
		t.Errorf("terminate of shutting-down = %s -> %s, want a no-op", changes[0].PreviousState.Name, changes[0].CurrentState.Name)
	}
}

func TestStateChangeErrors(t *testing.T) {
	c := newClient(t)
	ctx := emulatortest.Context(t)
	running := launchOne(t, c)
	gone := launchOne(t, c)
	if _, err := terminate(ctx, c, []string{gone}); err != nil {
		t.Fatalf("terminate: %v", err)
	}
	tests := []struct {
		name string
		do   op
		ids  []string
		code string
	}{
		{"start unknown", start, []string{"i-0123456789abcdef0"}, "InvalidInstanceID.NotFound"},
		{"stop malformed", stop, []string{"i-nothex"}, "InvalidInstanceID.Malformed"},
		{"terminate short malformed", terminate, []string{"instance-1"}, "InvalidInstanceID.Malformed"},
		{"stop batch with unknown", stop, []string{running, "i-0123456789abcdef0"}, "InvalidInstanceID.NotFound"},
		{"stop batch with malformed", stop, []string{running, "i-1"}, "InvalidInstanceID.Malformed"},
		{"stop batch with terminated", stop, []string{running, gone}, "IncorrectInstanceState"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.do(ctx, c, tt.ids)
			wantCode(t, err, tt.code)
		})
	}
	// None of the failed batches touched the valid instance.
	if got := stateOf(t, c, running); got != types.InstanceStateNameRunning {
		t.Errorf("state after failed batches = %s, want running", got)
	}
}

func TestStopAndTerminateProtection(t *testing.T) {
	c := newClient(t)
	ctx := emulatortest.Context(t)
	out, err := c.RunInstances(ctx, &ec2.RunInstancesInput{
		ImageId: aws.String(defaultImage), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		DisableApiStop: aws.Bool(true), DisableApiTermination: aws.Bool(true),
	})
	if err != nil {
		t.Fatalf("RunInstances: %v", err)
	}
	id := aws.ToString(out.Instances[0].InstanceId)
	_, err = stop(ctx, c, []string{id})
	wantCode(t, err, "OperationNotPermitted")
	_, err = terminate(ctx, c, []string{id})
	wantCode(t, err, "OperationNotPermitted")
}

// TestWaiters uses the SDK's own waiters against a real delay: each state
// is first seen transitional, then the waiter observes the settled one.
func TestWaiters(t *testing.T) {
	c := newClient(t, emulatortest.WithTransitionDelay(300*time.Millisecond))
	ctx := emulatortest.Context(t)
	id := launchOne(t, c)
	in := &ec2.DescribeInstancesInput{InstanceIds: []string{id}}
	const maxWait = 20 * time.Second
	fast := func(min, max *time.Duration) { *min, *max = 50*time.Millisecond, 200*time.Millisecond }

	if got := stateOf(t, c, id); got != types.InstanceStateNamePending {
		t.Fatalf("state right after launch = %s, want pending", got)
	}
	if err := ec2.NewInstanceRunningWaiter(c, func(o *ec2.InstanceRunningWaiterOptions) { fast(&o.MinDelay, &o.MaxDelay) }).Wait(ctx, in, maxWait); err != nil {
		t.Fatalf("running waiter: %v", err)
	}
	if got := stateOf(t, c, id); got != types.InstanceStateNameRunning {
		t.Fatalf("state after running waiter = %s", got)
	}

	if _, err := stop(ctx, c, []string{id}); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if got := stateOf(t, c, id); got != types.InstanceStateNameStopping {
		t.Fatalf("state right after stop = %s, want stopping", got)
	}
	if err := ec2.NewInstanceStoppedWaiter(c, func(o *ec2.InstanceStoppedWaiterOptions) { fast(&o.MinDelay, &o.MaxDelay) }).Wait(ctx, in, maxWait); err != nil {
		t.Fatalf("stopped waiter: %v", err)
	}
	if got := describeOne(t, c, id); got.State.Name != types.InstanceStateNameStopped || got.PublicIpAddress != nil {
		t.Fatalf("after stopped waiter: state %s, public ip %v (want stopped, none)", got.State.Name, aws.ToString(got.PublicIpAddress))
	}

	if _, err := terminate(ctx, c, []string{id}); err != nil {
		t.Fatalf("terminate: %v", err)
	}
	if got := stateOf(t, c, id); got != types.InstanceStateNameShuttingDown {
		t.Fatalf("state right after terminate = %s, want shutting-down", got)
	}
	if err := ec2.NewInstanceTerminatedWaiter(c, func(o *ec2.InstanceTerminatedWaiterOptions) { fast(&o.MinDelay, &o.MaxDelay) }).Wait(ctx, in, maxWait); err != nil {
		t.Fatalf("terminated waiter: %v", err)
	}
	// Terminated instances stay visible for a while, as on AWS.
	if got := stateOf(t, c, id); got != types.InstanceStateNameTerminated {
		t.Fatalf("state after terminated waiter = %s", got)
	}
}
