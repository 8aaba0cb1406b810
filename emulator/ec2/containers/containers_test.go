package containers_test

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/apidriven/api-driven/emulator"
	emuec2 "github.com/apidriven/api-driven/emulator/ec2"
	"github.com/apidriven/api-driven/emulator/ec2/containers"
	"github.com/apidriven/api-driven/emulator/emulatortest"
)

const waitMax = time.Minute

// TestContainerBackedInstance drives one instance of a container AMI
// through the SDK and its waiters, checking the container through the
// engine at each step.
func TestContainerBackedInstance(t *testing.T) {
	cli := engine(t)
	tag, imageID := buildAMI(t, cli, map[string]string{containers.LabelAMI: "true"})
	ami := containers.AMIID(imageID)
	srv := emulatortest.Start(t, withContainers)
	c := ec2Client(t, srv)
	ctx := ctxT(t)

	imgs, err := c.DescribeImages(ctx, &awsec2.DescribeImagesInput{Owners: []string{"self"}, ImageIds: []string{ami}})
	if err != nil {
		t.Fatalf("DescribeImages: %v", err)
	}
	if len(imgs.Images) != 1 || aws.ToString(imgs.Images[0].Name) != tag || aws.ToBool(imgs.Images[0].Public) ||
		aws.ToString(imgs.Images[0].OwnerId) != "000000000000" || imgs.Images[0].Architecture != types.ArchitectureValuesX8664 {
		t.Fatalf("DescribeImages(%s) = %+v, want one private image named %s", ami, imgs.Images, tag)
	}

	run, err := c.RunInstances(ctx, &awsec2.RunInstancesInput{ImageId: aws.String(ami), InstanceType: types.InstanceTypeT3Micro, MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	if err != nil {
		t.Fatalf("RunInstances: %v", err)
	}
	id := aws.ToString(run.Instances[0].InstanceId)
	removeLeftovers(t, cli, id)
	ids := &awsec2.DescribeInstancesInput{InstanceIds: []string{id}}

	running := func() {
		t.Helper()
		w := awsec2.NewInstanceRunningWaiter(c, func(o *awsec2.InstanceRunningWaiterOptions) {
			o.MinDelay, o.MaxDelay = 20*time.Millisecond, 200*time.Millisecond
		})
		if err := w.Wait(ctx, ids, waitMax); err != nil {
			t.Fatalf("waiting for %s to run: %v", id, err)
		}
	}
	stopped := func() {
		t.Helper()
		w := awsec2.NewInstanceStoppedWaiter(c, func(o *awsec2.InstanceStoppedWaiterOptions) {
			o.MinDelay, o.MaxDelay = 20*time.Millisecond, 200*time.Millisecond
		})
		if err := w.Wait(ctx, ids, waitMax); err != nil {
			t.Fatalf("waiting for %s to stop: %v", id, err)
		}
	}
	// serving checks the container runs and answers on its private IP
	// (as DescribeInstances reports it) and on its published port.
	serving := func() string {
		t.Helper()
		ct := containerOf(t, cli, id)
		if ct == nil || !ct.Container.State.Running || ct.Container.Config.Labels[containers.LabelInstance] != id {
			t.Fatalf("container of %s = %+v, want it running and labelled", id, ct)
		}
		ip := ct.Container.NetworkSettings.Networks["bridge"].IPAddress.String()
		inst := describe(t, c, id)
		if aws.ToString(inst.PrivateIpAddress) != ip {
			t.Fatalf("PrivateIpAddress = %s, want the container's %s", aws.ToString(inst.PrivateIpAddress), ip)
		}
		if host := getPage(t, "http://"+net.JoinHostPort(ip, "8080")+"/"); host != id {
			t.Fatalf("the server on %s says hostname %q, want the instance id %s", ip, host, id)
		}
		published := hostPort(t, ct.Container.NetworkSettings.Ports)
		getPage(t, "http://"+published+"/")
		return published
	}

	running()
	addr := serving()
	if got := aws.ToString(run.Instances[0].PrivateIpAddress); got != aws.ToString(describe(t, c, id).PrivateIpAddress) {
		t.Errorf("RunInstances answered private IP %s, not the container's", got)
	}

	if _, err := c.StopInstances(ctx, &awsec2.StopInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatalf("StopInstances: %v", err)
	}
	stopped()
	if ct := containerOf(t, cli, id); ct == nil || ct.Container.State.Running {
		t.Fatalf("container after StopInstances = %+v, want it there and not running", ct)
	}
	refused(t, addr)

	// Started behind the emulator's back, then paused: running, then
	// stopped, and StartInstances unpauses it.
	if _, err := cli.ContainerStart(ctx, containers.ContainerName(id), client.ContainerStartOptions{}); err != nil {
		t.Fatalf("ContainerStart: %v", err)
	}
	running()
	if _, err := cli.ContainerPause(ctx, containers.ContainerName(id), client.ContainerPauseOptions{}); err != nil {
		t.Fatalf("ContainerPause: %v", err)
	}
	stopped()
	if _, err := c.StartInstances(ctx, &awsec2.StartInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatalf("StartInstances: %v", err)
	}
	running()
	serving()

	// Killed behind the emulator's back: the instance shows stopped, and
	// StartInstances starts it again (the recorded "running" is not
	// trusted).
	if _, err := cli.ContainerKill(ctx, containers.ContainerName(id), client.ContainerKillOptions{Signal: "KILL"}); err != nil {
		t.Fatalf("ContainerKill: %v", err)
	}
	stopped()
	inst := describe(t, c, id)
	if inst.StateReason == nil || aws.ToString(inst.StateReason.Code) != "Client.InstanceInitiatedShutdown" {
		t.Errorf("StateReason after a kill = %+v, want Client.InstanceInitiatedShutdown", inst.StateReason)
	}
	t.Logf("after kill: reason %q, state reason %q", aws.ToString(inst.StateTransitionReason), aws.ToString(inst.StateReason.Message))
	if _, err := c.StartInstances(ctx, &awsec2.StartInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatalf("StartInstances after a kill: %v", err)
	}
	running()
	serving()

	if _, err := c.TerminateInstances(ctx, &awsec2.TerminateInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatalf("TerminateInstances: %v", err)
	}
	w := awsec2.NewInstanceTerminatedWaiter(c, func(o *awsec2.InstanceTerminatedWaiterOptions) {
		o.MinDelay, o.MaxDelay = 20*time.Millisecond, 200*time.Millisecond
	})
	if err := w.Wait(ctx, ids, waitMax); err != nil {
		t.Fatalf("waiting for %s to terminate: %v", id, err)
	}
	if ct := containerOf(t, cli, id); ct != nil {
		t.Fatalf("container of %s still exists after TerminateInstances: %s", id, ct.Container.State.Status)
	}
}

// TestContainerRemovedBehindBack: a removed container is a terminated
// instance; a plain AMI still launches without a container; nothing of
// the emulator's is left after it shuts down.
func TestContainerRemovedBehindBack(t *testing.T) {
	cli := engine(t)
	_, imageID := buildAMI(t, cli, map[string]string{containers.LabelManaged: "true"})
	srv, stop := startServer(t, "")
	c := ec2Client(t, srv)
	ctx := ctxT(t)

	id := launch(t, c, containers.AMIID(imageID))
	plain := launch(t, c, emuec2.DefaultImageID)
	removeLeftovers(t, cli, id, plain)
	ct := containerOf(t, cli, id)
	if ct == nil {
		t.Fatalf("no container for %s", id)
	}
	owner := ct.Container.Config.Labels[containers.LabelOwner]
	if containerOf(t, cli, plain) != nil {
		t.Fatalf("the plain AMI %s got a container", emuec2.DefaultImageID)
	}

	if _, err := cli.ContainerRemove(ctx, ct.Container.ID, client.ContainerRemoveOptions{Force: true}); err != nil {
		t.Fatalf("ContainerRemove: %v", err)
	}
	inst := describe(t, c, id)
	if inst.State.Name != types.InstanceStateNameTerminated || inst.StateReason == nil || aws.ToString(inst.StateReason.Code) != "Server.InternalError" {
		t.Fatalf("after removing the container: state %s, reason %+v; want terminated, Server.InternalError", inst.State.Name, inst.StateReason)
	}
	t.Logf("after removal: %q", aws.ToString(inst.StateReason.Message))
	if st := describe(t, c, plain).State.Name; st != types.InstanceStateNameRunning {
		t.Fatalf("plain instance is %s, want running", st)
	}
	_, err := c.StartInstances(ctx, &awsec2.StartInstancesInput{InstanceIds: []string{id}})
	wantCode(t, err, "IncorrectInstanceState")

	// A second backed instance is removed when the in-memory emulator
	// stops, since its records go with it.
	launch(t, c, containers.AMIID(imageID))
	if n := len(ownedContainers(t, cli, owner)); n != 1 {
		t.Fatalf("%d containers of owner %s, want 1", n, owner)
	}
	if err := stop(); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if left := ownedContainers(t, cli, owner); len(left) != 0 {
		t.Fatalf("containers left after shutdown: %v", left)
	}
}

func launch(t *testing.T, c *awsec2.Client, ami string) string {
	t.Helper()
	out, err := c.RunInstances(ctxT(t), &awsec2.RunInstancesInput{ImageId: aws.String(ami), MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	if err != nil {
		t.Fatalf("RunInstances(%s): %v", ami, err)
	}
	return aws.ToString(out.Instances[0].InstanceId)
}

func describe(t *testing.T, c *awsec2.Client, id string) types.Instance {
	t.Helper()
	out, err := c.DescribeInstances(ctxT(t), &awsec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		t.Fatalf("DescribeInstances(%s): %v", id, err)
	}
	if len(out.Reservations) != 1 || len(out.Reservations[0].Instances) != 1 {
		t.Fatalf("DescribeInstances(%s): %d reservations", id, len(out.Reservations))
	}
	return out.Reservations[0].Instances[0]
}

// hostPort is where the container's 8080/tcp is published.
func hostPort(t *testing.T, ports network.PortMap) string {
	t.Helper()
	for p, bindings := range ports {
		if p.Num() == 8080 && len(bindings) > 0 {
			return net.JoinHostPort(bindings[0].HostIP.String(), bindings[0].HostPort)
		}
	}
	t.Fatalf("8080/tcp is not published: %v", ports)
	return ""
}

// TestResyncAfterRestart: with a data dir, containers outlive the
// emulator; the next start adopts them, reports the one removed meanwhile
// as terminated, and removes a container of its own that belongs to no
// instance.
func TestResyncAfterRestart(t *testing.T) {
	cli := engine(t)
	_, imageID := buildAMI(t, cli, map[string]string{containers.LabelAMI: "true"})
	ami := containers.AMIID(imageID)
	dir := t.TempDir()
	owner := containers.OwnerFor(dir)
	t.Cleanup(func() {
		if left := ownedContainers(t, cli, owner); len(left) != 0 {
			t.Errorf("containers left: %v", left)
		}
	})

	srv, stop := startServer(t, dir)
	c := ec2Client(t, srv)
	kept, removed := launch(t, c, ami), launch(t, c, ami)
	removeLeftovers(t, cli, kept, removed, "i-0orphan")
	before := containerOf(t, cli, kept)
	if err := stop(); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}

	ctx := ctxT(t)
	if ct := containerOf(t, cli, kept); ct == nil || !ct.Container.State.Running {
		t.Fatalf("the container of %s did not outlive the emulator: %+v", kept, ct)
	}
	if _, err := cli.ContainerRemove(ctx, containers.ContainerName(removed), client.ContainerRemoveOptions{Force: true}); err != nil {
		t.Fatalf("ContainerRemove: %v", err)
	}
	// An orphan: this emulator's labels, but no instance of that id.
	orphan, err := cli.ContainerCreate(ctx, client.ContainerCreateOptions{Name: containers.ContainerName("i-0orphan"), Config: &container.Config{
		Image: imageID, Labels: map[string]string{containers.LabelManaged: "true", containers.LabelComponent: containers.Component,
			containers.LabelOwner: owner, containers.LabelInstance: "i-0orphan"}}})
	if err != nil {
		t.Fatalf("ContainerCreate: %v", err)
	}

	srv, stop = startServer(t, dir)
	c = ec2Client(t, srv)
	if _, err := cli.ContainerInspect(ctx, orphan.ID, client.ContainerInspectOptions{}); !cerrdefs.IsNotFound(err) {
		t.Fatalf("the orphan container is still there after the restart (err %v)", err)
	}
	if st := describe(t, c, removed).State.Name; st != types.InstanceStateNameTerminated {
		t.Fatalf("instance %s whose container was removed while the emulator was down is %s, want terminated", removed, st)
	}
	after := containerOf(t, cli, kept)
	if inst := describe(t, c, kept); inst.State.Name != types.InstanceStateNameRunning || after == nil || after.Container.ID != before.Container.ID {
		t.Fatalf("instance %s is %s with container %v, want running with the same container %s", kept, inst.State.Name, after, before.Container.ID)
	}
	if _, err := c.TerminateInstances(ctx, &awsec2.TerminateInstancesInput{InstanceIds: []string{kept}}); err != nil {
		t.Fatalf("TerminateInstances: %v", err)
	}
	if err := stop(); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

// TestNoEngine: the mode needs an engine and says how to fix its absence,
// quickly (no engine test needed: DOCKER_HOST points at nothing).
func TestNoEngine(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix://"+t.TempDir()+"/no-docker.sock")
	_, err := emulator.New(emulator.Config{EC2Containers: true})
	if err == nil {
		t.Fatal("the emulator started in container mode without a Docker engine")
	}
	for _, want := range []string{"needs a Docker engine", "start Docker", "drop -ec2-containers"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}
