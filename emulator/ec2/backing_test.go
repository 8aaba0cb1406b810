package ec2_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	emuec2 "github.com/apidriven/api-driven/emulator/ec2"
	"github.com/apidriven/api-driven/emulator/emulatortest"
	"github.com/apidriven/api-driven/emulator/protocol"
)

const backedAMI = "ami-0123456789abcdef0"

// fakeBacking is a driver with an AMI of its own whose instances change
// state when the test says so, as containers do behind the emulator's back.
type fakeBacking struct {
	mu      sync.Mutex
	seen    map[string]emuec2.Observation
	calls   []string // "launch i-…", "start i-…" for backed instances
	failObs error
	resync  []string
}

func (f *fakeBacking) record(op string, inst emuec2.InstanceInfo) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if inst.Backed {
		f.calls = append(f.calls, op+" "+inst.ID)
		switch op {
		case "launch", "start":
			f.seen[inst.ID] = emuec2.Observation{State: emuec2.StateRunning, PrivateIP: "172.17.0.9"}
		case "stop":
			f.seen[inst.ID] = emuec2.Observation{State: emuec2.StateStopped}
		case "terminate":
			delete(f.seen, inst.ID)
		}
	}
	return nil
}

func (f *fakeBacking) Launch(_ context.Context, i emuec2.InstanceInfo) error {
	return f.record("launch", i)
}
func (f *fakeBacking) Start(_ context.Context, i emuec2.InstanceInfo) error {
	return f.record("start", i)
}
func (f *fakeBacking) Stop(_ context.Context, i emuec2.InstanceInfo, _ bool) error {
	return f.record("stop", i)
}
func (f *fakeBacking) Terminate(_ context.Context, i emuec2.InstanceInfo) error {
	return f.record("terminate", i)
}

func (f *fakeBacking) Images(context.Context) ([]emuec2.Image, error) {
	return []emuec2.Image{{ID: backedAMI, Name: "web:local", Architecture: "x86_64", OwnerID: protocol.AccountID, RootDevice: "/dev/xvda"}}, nil
}

func (f *fakeBacking) Observe(_ context.Context, insts []emuec2.InstanceInfo) (map[string]emuec2.Observation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failObs != nil {
		return nil, f.failObs
	}
	out := map[string]emuec2.Observation{}
	for _, in := range insts {
		if !in.Backed {
			panic("observed a plain instance " + in.ID)
		}
		o, ok := f.seen[in.ID]
		if !ok {
			o = emuec2.Observation{State: emuec2.StateTerminated, Reason: "gone"}
		}
		out[in.ID] = o
	}
	return out, nil
}

func (f *fakeBacking) Resync(_ context.Context, live []emuec2.InstanceInfo) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, in := range live {
		f.resync = append(f.resync, in.ID)
	}
	return nil
}

func (f *fakeBacking) set(id string, o emuec2.Observation) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen[id] = o
}

// backedClient serves an EC2 service with the fake driver.
func backedClient(t *testing.T) (*ec2.Client, *fakeBacking, *emuec2.Service) {
	t.Helper()
	f := &fakeBacking{seen: map[string]emuec2.Observation{}}
	svc, err := emuec2.New(emuec2.Options{Driver: f})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		protocol.ServeQuery(w, r, "ec2", protocol.DialectEC2, svc)
	}))
	t.Cleanup(srv.Close)
	return ec2.NewFromConfig(emulatortest.AWSConfig(t, srv.URL)), f, svc
}

func TestBackedImagesAndInstances(t *testing.T) {
	c, f, svc := backedClient(t)
	ctx := emulatortest.Context(t)

	imgs, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"self"}})
	if err != nil {
		t.Fatalf("DescribeImages: %v", err)
	}
	if len(imgs.Images) != 1 || aws.ToString(imgs.Images[0].ImageId) != backedAMI || aws.ToBool(imgs.Images[0].Public) {
		t.Fatalf("DescribeImages(self) = %+v, want the driver's private AMI only", imgs.Images)
	}
	all, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{})
	if err != nil || len(all.Images) != len(emuec2.Images())+1 {
		t.Fatalf("DescribeImages() = %d images, %v; want the built-ins and the driver's", len(all.Images), err)
	}

	run, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(backedAMI), MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	if err != nil {
		t.Fatalf("RunInstances: %v", err)
	}
	id := aws.ToString(run.Instances[0].InstanceId)
	if got := aws.ToString(run.Instances[0].PrivateIpAddress); got != "172.17.0.9" {
		t.Errorf("RunInstances private IP = %s, want the driver's 172.17.0.9", got)
	}
	plain := launchOne(t, c)

	// Exited behind the service's back: stopped, and a start is no no-op.
	f.set(id, emuec2.Observation{State: emuec2.StateStopped, Reason: "container exited with code 2"})
	inst := describeOne(t, c, id)
	if inst.State.Name != types.InstanceStateNameStopped || aws.ToString(inst.StateReason.Code) != "Client.InstanceInitiatedShutdown" {
		t.Fatalf("after an exit: %s %+v, want stopped by Client.InstanceInitiatedShutdown", inst.State.Name, inst.StateReason)
	}
	if _, err := c.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatalf("StartInstances: %v", err)
	}
	if st := stateOf(t, c, id); st != types.InstanceStateNameRunning {
		t.Fatalf("after StartInstances: %s, want running", st)
	}

	// Started behind its back, with another address.
	if _, err := c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatalf("StopInstances: %v", err)
	}
	f.set(id, emuec2.Observation{State: emuec2.StateRunning, PrivateIP: "172.17.0.10"})
	if inst := describeOne(t, c, id); inst.State.Name != types.InstanceStateNameRunning || aws.ToString(inst.PrivateIpAddress) != "172.17.0.10" {
		t.Fatalf("after an outside start: %s at %s, want running at 172.17.0.10", inst.State.Name, aws.ToString(inst.PrivateIpAddress))
	}

	// A reboot has the driver stop and start what backs the instance; the
	// instance stays running.
	if _, err := c.RebootInstances(ctx, &ec2.RebootInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatalf("RebootInstances: %v", err)
	}
	if st := stateOf(t, c, id); st != types.InstanceStateNameRunning {
		t.Fatalf("after a reboot: %s, want running", st)
	}

	// An engine that cannot answer is an error, not a stale state.
	f.mu.Lock()
	f.failObs = errors.New("engine down")
	f.mu.Unlock()
	_, err = c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
	wantCode(t, err, "Unavailable")
	f.mu.Lock()
	f.failObs = nil
	f.mu.Unlock()

	// Removed behind its back: terminated.
	f.mu.Lock()
	delete(f.seen, id)
	f.mu.Unlock()
	if inst := describeOne(t, c, id); inst.State.Name != types.InstanceStateNameTerminated || aws.ToString(inst.StateReason.Message) != "Server.InternalError: gone" {
		t.Fatalf("after removal: %s %+v, want terminated with the driver's reason", inst.State.Name, inst.StateReason)
	}
	if st := stateOf(t, c, plain); st != types.InstanceStateNameRunning {
		t.Fatalf("plain instance: %s, want running", st)
	}

	f.mu.Lock()
	calls := append([]string(nil), f.calls...)
	f.mu.Unlock()
	want := []string{"launch " + id, "start " + id, "stop " + id, "stop " + id, "start " + id}
	if len(calls) != len(want) {
		t.Fatalf("driver calls for backed instances = %v, want %v", calls, want)
	}
	for i := range want {
		if calls[i] != want[i] {
			t.Fatalf("driver calls = %v, want %v", calls, want)
		}
	}

	second := aws.ToString(mustRun(t, c, backedAMI).Instances[0].InstanceId)
	if err := svc.Resync(ctx); err != nil {
		t.Fatalf("Resync: %v", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.resync) != 1 || f.resync[0] != second {
		t.Fatalf("Resync handed %v, want only the live backed instance %s", f.resync, second)
	}
}

func mustRun(t *testing.T, c *ec2.Client, ami string) *ec2.RunInstancesOutput {
	t.Helper()
	out, err := c.RunInstances(emulatortest.Context(t), &ec2.RunInstancesInput{ImageId: aws.String(ami), MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	if err != nil {
		t.Fatalf("RunInstances(%s): %v", ami, err)
	}
	return out
}
