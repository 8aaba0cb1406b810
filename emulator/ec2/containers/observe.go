package containers

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/apidriven/api-driven/emulator/ec2"
)

// owned lists this emulator's containers, in any state: one engine call.
func (d *Driver) owned(ctx context.Context) ([]container.Summary, error) {
	cctx, cancel := d.call(ctx)
	defer cancel()
	res, err := d.cli.ContainerList(cctx, client.ContainerListOptions{
		All:     true,
		Filters: make(client.Filters).Add("label", LabelOwner+"="+d.o.Owner, LabelComponent+"="+Component),
	})
	if err != nil {
		return nil, d.engineErr("failed to list the instances' containers", err)
	}
	return res.Items, nil
}

// Observe reports each backed instance's container: running, stopped
// (exited, created, paused or dead) or, when it is gone, terminated.
func (d *Driver) Observe(ctx context.Context, insts []ec2.InstanceInfo) (map[string]ec2.Observation, error) {
	list, err := d.owned(ctx)
	if err != nil {
		return nil, err
	}
	byInstance := make(map[string]*container.Summary, len(list))
	for i := range list {
		byInstance[list[i].Labels[LabelInstance]] = &list[i]
	}
	out := make(map[string]ec2.Observation, len(insts))
	for _, inst := range insts {
		c, ok := byInstance[inst.ID]
		if !ok {
			out[inst.ID] = ec2.Observation{State: ec2.StateTerminated,
				Reason: fmt.Sprintf("container %s was removed outside the emulator", ContainerName(inst.ID))}
			continue
		}
		out[inst.ID] = d.observation(c)
	}
	return out, nil
}

// exitCode reads the code from a summary's status ("Exited (137) 3
// seconds ago").
var exitCode = regexp.MustCompile(`^Exited \((-?\d+)\)`)

func (d *Driver) observation(c *container.Summary) ec2.Observation {
	o := ec2.Observation{State: ec2.StateStopped, PrivateIP: d.ipOf(c)}
	name := ContainerName(c.Labels[LabelInstance])
	switch c.State {
	case container.StateRunning, container.StateRestarting:
		o.State = ec2.StateRunning
	case container.StateRemoving:
		o.State = ec2.StateTerminated
		o.Reason = fmt.Sprintf("container %s is being removed outside the emulator", name)
	case container.StatePaused:
		o.Reason = fmt.Sprintf("container %s was paused", name)
	case container.StateExited:
		o.Reason = fmt.Sprintf("container %s exited", name)
		if m := exitCode.FindStringSubmatch(c.Status); m != nil {
			o.Reason += " with code " + m[1]
		}
	default:
		o.Reason = fmt.Sprintf("container %s is %s", name, strings.ToLower(string(c.State)))
	}
	return o
}

// ipOf is the container's address on the driver's network, or on its
// only network; "" when it has none (a stopped container).
func (d *Driver) ipOf(c *container.Summary) string {
	if c.NetworkSettings == nil {
		return ""
	}
	if ep := c.NetworkSettings.Networks[d.o.Network]; ep != nil && ep.IPAddress.IsValid() {
		return ep.IPAddress.String()
	}
	for _, ep := range c.NetworkSettings.Networks {
		if ep != nil && ep.IPAddress.IsValid() {
			return ep.IPAddress.String()
		}
	}
	return ""
}

// Resync runs at start-up: containers of live instances are adopted as
// they are (Observe then reports their real state), and this emulator's
// containers that belong to no live instance (terminated, purged, or
// from a run whose state was wiped) are removed.
func (d *Driver) Resync(ctx context.Context, live []ec2.InstanceInfo) error {
	list, err := d.owned(ctx)
	if err != nil {
		return err
	}
	keep := make(map[string]bool, len(live))
	for _, inst := range live {
		keep[inst.ID] = true
	}
	adopted := 0
	for _, c := range list {
		id := c.Labels[LabelInstance]
		if keep[id] {
			adopted++
			continue
		}
		if err := d.remove(ctx, c.ID, id); err != nil {
			return err
		}
	}
	d.o.Logger.Info("ec2 containers resynced", "owner", d.o.Owner, "adopted", adopted, "removed", len(list)-adopted, "instances", len(live))
	return nil
}
