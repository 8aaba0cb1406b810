package containers

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/apidriven/api-driven/emulator/ec2"
)

// Launch creates and starts the instance's container. Plain (not backed)
// instances have none.
func (d *Driver) Launch(ctx context.Context, inst ec2.InstanceInfo) error {
	if !inst.Backed {
		return nil
	}
	imageID, err := d.imageOf(ctx, inst.ImageID)
	if err != nil {
		return err
	}
	ports, err := d.exposedPorts(ctx, imageID)
	if err != nil {
		return err
	}
	cfg, host, err := d.spec(inst, imageID, ports)
	if err != nil {
		return err
	}
	name := ContainerName(inst.ID)
	cctx, cancel := d.call(ctx)
	defer cancel()
	res, err := d.cli.ContainerCreate(cctx, client.ContainerCreateOptions{
		Name: name, Config: cfg, HostConfig: host,
		NetworkingConfig: &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{d.o.Network: {}}},
	})
	if err != nil {
		return fmt.Errorf("failed to create container %s from %s: %w", name, shortID(imageID), err)
	}
	if _, err := d.cli.ContainerStart(cctx, res.ID, client.ContainerStartOptions{}); err != nil {
		_ = d.remove(ctx, res.ID, inst.ID) // the instance terminates; leave nothing behind
		return fmt.Errorf("failed to start container %s: %w", name, err)
	}
	d.o.Logger.Info("container launched", "instance", inst.ID, "container", name, "image", shortID(imageID))
	return nil
}

// spec is the container of an instance: labelled with its instance id and
// this emulator, named after the instance (also its hostname, so a server
// in it can tell which instance it is), exposed ports published on
// 127.0.0.1 (`docker port` shows where), no restart policy: a container
// that exits is a stopped instance until StartInstances.
func (d *Driver) spec(inst ec2.InstanceInfo, imageID string, ports []string) (*container.Config, *container.HostConfig, error) {
	grace := stopGrace
	cfg := &container.Config{
		Image:    imageID,
		Hostname: inst.ID,
		Labels: map[string]string{
			LabelManaged: "true", LabelComponent: Component, LabelInstance: inst.ID,
			LabelOwner: d.o.Owner, LabelImage: inst.ImageID, LabelRegion: inst.Region,
		},
		Env: []string{
			"EC2_INSTANCE_ID=" + inst.ID, "AWS_REGION=" + inst.Region, "AWS_DEFAULT_REGION=" + inst.Region,
			"EC2_AVAILABILITY_ZONE=" + inst.Zone, "EC2_INSTANCE_TYPE=" + inst.InstanceType,
		},
		StopTimeout: &grace,
	}
	if inst.UserData != "" {
		cfg.Env = append(cfg.Env, "EC2_USER_DATA="+inst.UserData) // base64, as given; not executed
	}
	host := &container.HostConfig{PortBindings: network.PortMap{}}
	loopback := netip.MustParseAddr("127.0.0.1")
	for _, p := range ports {
		port, err := network.ParsePort(p)
		if err != nil {
			return nil, nil, fmt.Errorf("failed to read the port %q the image exposes: %w", p, err)
		}
		host.PortBindings[port] = []network.PortBinding{{HostIP: loopback}}
	}
	return cfg, host, nil
}

// Start starts (or unpauses) the instance's container.
func (d *Driver) Start(ctx context.Context, inst ec2.InstanceInfo) error {
	if !inst.Backed {
		return nil
	}
	c, err := d.find(ctx, inst.ID)
	if err != nil {
		return err
	}
	if c == nil {
		return fmt.Errorf("the container %s of %s no longer exists (removed outside the emulator)", ContainerName(inst.ID), inst.ID)
	}
	cctx, cancel := d.call(ctx)
	defer cancel()
	if c.State != nil && c.State.Paused {
		if _, err := d.cli.ContainerUnpause(cctx, c.ID, client.ContainerUnpauseOptions{}); err != nil {
			return fmt.Errorf("failed to unpause container %s: %w", ContainerName(inst.ID), err)
		}
		return nil
	}
	if _, err := d.cli.ContainerStart(cctx, c.ID, client.ContainerStartOptions{}); err != nil {
		return fmt.Errorf("failed to start container %s: %w", ContainerName(inst.ID), err)
	}
	return nil
}

// Stop stops the container: SIGTERM and stopGrace seconds, or at once
// with SIGKILL when forced. A container already gone is not an error: the
// next observation reports the instance terminated.
func (d *Driver) Stop(ctx context.Context, inst ec2.InstanceInfo, force bool) error {
	if !inst.Backed {
		return nil
	}
	c, err := d.find(ctx, inst.ID)
	if err != nil || c == nil {
		return err
	}
	grace := stopGrace
	if force {
		grace = 0
	}
	// The engine waits up to grace seconds before its SIGKILL.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.o.CallTimeout+time.Duration(grace)*time.Second)
	defer cancel()
	_, err = d.cli.ContainerStop(cctx, c.ID, client.ContainerStopOptions{Timeout: &grace})
	if err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("failed to stop container %s: %w", ContainerName(inst.ID), err)
	}
	return nil
}

// Terminate removes the container.
func (d *Driver) Terminate(ctx context.Context, inst ec2.InstanceInfo) error {
	if !inst.Backed {
		return nil
	}
	c, err := d.find(ctx, inst.ID)
	if err != nil || c == nil {
		return err
	}
	return d.remove(ctx, c.ID, inst.ID)
}

// remove force-removes a container; already gone is fine.
func (d *Driver) remove(ctx context.Context, ref, instanceID string) error {
	cctx, cancel := d.call(ctx)
	defer cancel()
	_, err := d.cli.ContainerRemove(cctx, ref, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	if err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("failed to remove the container of %s: %w", instanceID, err)
	}
	if err == nil {
		d.o.Logger.Info("container removed", "instance", instanceID, "container", ref)
	}
	return nil
}

// find returns the instance's container, nil when there is none, and
// checks it is this emulator's: a container of that name made by somebody
// else is never driven.
func (d *Driver) find(ctx context.Context, instanceID string) (*container.InspectResponse, error) {
	name := ContainerName(instanceID)
	cctx, cancel := d.call(ctx)
	defer cancel()
	res, err := d.cli.ContainerInspect(cctx, name, client.ContainerInspectOptions{})
	if cerrdefs.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("failed to inspect container %s: %w", name, err)
	}
	c := res.Container
	if c.Config == nil || c.Config.Labels[LabelOwner] != d.o.Owner || c.Config.Labels[LabelInstance] != instanceID {
		return nil, fmt.Errorf("the container %s is not this emulator's (labels %s and %s differ); remove or rename it", name, LabelOwner, LabelInstance)
	}
	return &c, nil
}
