package ec2_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/apidriven/api-driven/emulator"
	"github.com/apidriven/api-driven/emulator/emulatortest"
)

// restartable runs fn against an emulator on dir and shuts it down, as a
// process restart would.
func restartable(t *testing.T, dir string, delay time.Duration, fn func(c *ec2.Client)) {
	t.Helper()
	srv, err := emulator.Start(emulator.Config{Addr: "127.0.0.1:0", DataDir: dir, TransitionDelay: delay})
	if err != nil {
		t.Fatalf("start emulator on %s: %v", dir, err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	}()
	fn(ec2.NewFromConfig(emulatortest.AWSConfig(t, srv.URL())))
}

func TestPersistence(t *testing.T) {
	dir := t.TempDir()
	var kept, stopped, gone string
	restartable(t, dir, 0, func(c *ec2.Client) {
		kept = launchOne(t, c, tag("Name", "kept"))
		stopped = launchOne(t, c)
		gone = launchOne(t, c)
		ctx := emulatortest.Context(t)
		if _, err := stop(ctx, c, []string{stopped}); err != nil {
			t.Fatalf("stop: %v", err)
		}
		if _, err := terminate(ctx, c, []string{gone}); err != nil {
			t.Fatalf("terminate: %v", err)
		}
	})
	// Second life: everything is back; a start is caught mid-transition by
	// the next restart.
	restartable(t, dir, 300*time.Millisecond, func(c *ec2.Client) {
		want := map[string]types.InstanceStateName{kept: "running", stopped: "stopped", gone: "terminated"}
		for id, st := range want {
			if got := stateOf(t, c, id); got != st {
				t.Errorf("after restart %s is %s, want %s", id, got, st)
			}
		}
		if got := tagMap(t, c, kept)["Name"]; got != "kept" {
			t.Errorf("tag Name after restart = %q", got)
		}
		if _, err := start(emulatortest.Context(t), c, []string{stopped}); err != nil {
			t.Fatalf("start: %v", err)
		}
		if got := stateOf(t, c, stopped); got != types.InstanceStateNamePending {
			t.Fatalf("state after start = %s, want pending", got)
		}
	})
	// Third life: the pending instance completes its transition with no
	// process left over from the second life to drive it.
	restartable(t, dir, time.Hour, func(c *ec2.Client) {
		w := ec2.NewInstanceRunningWaiter(c, func(o *ec2.InstanceRunningWaiterOptions) {
			o.MinDelay, o.MaxDelay = 50*time.Millisecond, 200*time.Millisecond
		})
		if err := w.Wait(emulatortest.Context(t), &ec2.DescribeInstancesInput{InstanceIds: []string{stopped}}, 20*time.Second); err != nil {
			t.Fatalf("pending instance restored from disk never ran: %v", err)
		}
		out, err := c.DescribeInstances(emulatortest.Context(t), &ec2.DescribeInstancesInput{})
		if err != nil {
			t.Fatalf("DescribeInstances: %v", err)
		}
		if got := allInstances(out.Reservations); len(got) != 3 || got[0] != kept {
			t.Errorf("restored listing = %v", got)
		}
		fresh := launchOne(t, c)
		if fresh == kept || fresh == stopped || fresh == gone {
			t.Errorf("fresh launch reused id %s", fresh)
		}
	})
}
