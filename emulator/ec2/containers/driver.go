// Package containers backs EC2 instances of the emulator with real Docker
// containers: an ec2.Driver (with the optional ImageCatalog, Observer and
// Resyncer interfaces) speaking to the engine through
// github.com/moby/moby/client, every call under a timeout.
//
// AMIs: every tagged local image labelled io.github.apidriven.ami=true or
// io.github.apidriven.managed=true (the project's own images) is an AMI
// owned by this account, with the id "ami-0" + the first 16 hex digits of
// the image id, so `docker images` shows where an AMI comes from.
// RunInstances of such an AMI creates and starts the container
// apidriven-ec2-<instance id>; other AMIs stay plain emulated instances.
package containers

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/moby/moby/client"

	"github.com/apidriven/api-driven/emulator/ec2"
)

// Labels on AMI images and on the containers the driver creates.
const (
	// LabelAMI on a local image makes it an AMI.
	LabelAMI = "io.github.apidriven.ami"
	// LabelManaged marks the project's images and containers; the
	// project's images are AMIs too.
	LabelManaged = "io.github.apidriven.managed"
	// LabelComponent is "ec2" on the driver's containers.
	LabelComponent = "io.github.apidriven.component"
	// Component is LabelComponent's value.
	Component = "ec2"
	// LabelInstance links a container to its instance id.
	LabelInstance = "io.github.apidriven.ec2.instance-id"
	// LabelOwner says which emulator created a container: emulators on
	// the same engine never touch each other's.
	LabelOwner = "io.github.apidriven.ec2.owner"
	// LabelImage is the AMI id the instance was launched from.
	LabelImage = "io.github.apidriven.ec2.image-id"
	// LabelRegion is the instance's region.
	LabelRegion = "io.github.apidriven.ec2.region"
	// NamePrefix starts every container name: apidriven-ec2-i-0123….
	NamePrefix = "apidriven-ec2-"
)

// Defaults of Options.
const (
	DefaultPingTimeout = 5 * time.Second
	DefaultCallTimeout = 30 * time.Second
	DefaultNetwork     = "bridge"
	// stopGrace is how long a (non-forced) stop waits before SIGKILL.
	stopGrace = 10
)

// Options configure the driver.
type Options struct {
	// Owner labels the containers of this emulator; see OwnerFor.
	Owner string
	// RemoveOnClose removes the owner's containers on Close: an emulator
	// without a data dir forgets its instances when it stops.
	RemoveOnClose bool
	// Network the containers join; DefaultNetwork when empty.
	Network string
	// PingTimeout bounds the first contact; CallTimeout every later call.
	PingTimeout time.Duration
	CallTimeout time.Duration
	Logger      *slog.Logger
}

// Driver is the container-backed ec2.Driver.
type Driver struct {
	o   Options
	cli *client.Client

	mu     sync.Mutex
	arches map[string]string // image id -> EC2 architecture ("" when unsupported)
	amis   map[string]string // AMI id -> image id, from the last listing
}

var (
	_ ec2.Driver       = (*Driver)(nil)
	_ ec2.ImageCatalog = (*Driver)(nil)
	_ ec2.Observer     = (*Driver)(nil)
	_ ec2.Resyncer     = (*Driver)(nil)
)

// New connects to the engine (DOCKER_HOST or the default socket) and
// checks it answers within PingTimeout, so a missing engine is a clear
// error at start-up, never a hang.
func New(ctx context.Context, o Options) (*Driver, error) {
	if o.Owner == "" {
		return nil, errors.New("failed to create the container driver: no owner")
	}
	if o.Network == "" {
		o.Network = DefaultNetwork
	}
	if o.PingTimeout <= 0 {
		o.PingTimeout = DefaultPingTimeout
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = DefaultCallTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cli, err := client.New(client.FromEnv)
	if err != nil {
		return nil, fmt.Errorf("failed to configure the Docker client (check DOCKER_HOST): %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, o.PingTimeout)
	defer cancel()
	if _, err := cli.Ping(pctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		cli.Close()
		return nil, EngineDown(cli.DaemonHost(), err)
	}
	return &Driver{o: o, cli: cli, arches: map[string]string{}, amis: map[string]string{}}, nil
}

// EngineDown is the start-up error without an engine, naming both fixes.
func EngineDown(host string, err error) error {
	return fmt.Errorf("EC2 container mode (-ec2-containers, AWSEMU_EC2_CONTAINERS=1) needs a Docker engine, but none answers at %s: %w; "+
		"start Docker (Docker Desktop, or `sudo service docker start` on Linux) or set DOCKER_HOST, "+
		"or drop -ec2-containers (unset AWSEMU_EC2_CONTAINERS / APIDRIVEN_EC2_CONTAINERS) to emulate instances without containers", host, err)
}

// OwnerFor is the owner label of an emulator: derived from its data dir,
// so a restart adopts the containers of the previous run, or random for an
// in-memory emulator.
func OwnerFor(dataDir string) string {
	if dataDir == "" {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		return "mem-" + hex.EncodeToString(b)
	}
	if abs, err := filepath.Abs(dataDir); err == nil {
		dataDir = abs
	}
	host, _ := os.Hostname()
	sum := sha256.Sum256([]byte(host + "\x00" + dataDir))
	return "dir-" + hex.EncodeToString(sum[:8])
}

// Owner is the label value of this driver's containers.
func (d *Driver) Owner() string { return d.o.Owner }

// Close removes the owner's containers when RemoveOnClose is set, then
// closes the client.
func (d *Driver) Close(ctx context.Context) error {
	var errs []error
	if d.o.RemoveOnClose {
		list, err := d.owned(ctx)
		if err != nil {
			errs = append(errs, err)
		}
		for _, c := range list {
			errs = append(errs, d.remove(ctx, c.ID, c.Labels[LabelInstance]))
		}
	}
	if err := d.cli.Close(); err != nil {
		errs = append(errs, fmt.Errorf("failed to close the Docker client: %w", err))
	}
	return errors.Join(errs...)
}

// call bounds one engine call. It outlives a caller that hangs up: a
// half-made change would leave the record and the container disagreeing.
func (d *Driver) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), d.o.CallTimeout)
}

// engineErr wraps err, naming the fix when the engine went away.
func (d *Driver) engineErr(what string, err error) error {
	if client.IsErrConnectionFailed(err) {
		return fmt.Errorf("%s: %w (start Docker again, or restart the emulator without -ec2-containers)", what, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// ContainerName is the container backing an instance.
func ContainerName(instanceID string) string { return NamePrefix + instanceID }
