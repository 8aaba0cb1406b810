package workflow

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"github.com/apidriven/api-driven/backend"
	"github.com/apidriven/api-driven/backend/embedded"
	"github.com/apidriven/api-driven/dockertarget"
	"github.com/apidriven/api-driven/emulator/ec2/containers"
	"github.com/apidriven/api-driven/internal/status"
	"github.com/apidriven/api-driven/lambda/handler"
	"github.com/apidriven/api-driven/provision"
)

// The docker target (APIDRIVEN_TARGET=docker): the API starts and stops a
// container of the tiny apidriven-web image instead of an EC2 instance.

func (p *Project) dockerOptions() (dockertarget.Options, error) {
	return dockertarget.OptionsFromEnv(p.Root, p.Status)
}

// dockerEngine connects to the engine as a step, so a missing engine is a
// quick, named failure with the fix.
func (p *Project) dockerEngine(ctx context.Context) (*client.Client, error) {
	step := p.Status.Start("docker engine")
	cli, err := dockertarget.Connect(ctx)
	if err != nil {
		return nil, step.Fail(err)
	}
	v, err := cli.ServerVersion(ctx, client.ServerVersionOptions{})
	if err != nil {
		cli.Close()
		return nil, step.Fail(dockertarget.EngineDown(err))
	}
	step.Done(fmt.Sprintf("Docker %s (%s/%s) answers", v.Version, v.Os, v.Arch))
	return cli, nil
}

// Image builds the apidriven-web image (always, so changed sources get in;
// the engine's cache keeps the image when nothing changed).
func (p *Project) Image(ctx context.Context) error {
	o, err := p.dockerOptions()
	if err != nil {
		return err
	}
	cli, err := p.dockerEngine(ctx)
	if err != nil {
		return err
	}
	defer cli.Close()
	if _, err := dockertarget.BuildImage(ctx, cli, o); err != nil {
		return err
	}
	p.Status.Infof("deploy it with: APIDRIVEN_TARGET=docker go tool mage all")
	return nil
}

// deployDocker makes the container exist and points the function at it.
func (p *Project) deployDocker(ctx context.Context, kind string, cfg *provision.Config) (*dockertarget.Container, error) {
	o, err := p.dockerOptions()
	if err != nil {
		return nil, err
	}
	o.PreferredPort = p.previousPort(o.Name)
	connect := p.dockerEngine
	if p.dockerChecked { // up has just shown the engine answers
		connect = dockertarget.Connect
	}
	cli, err := connect(ctx)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	c, err := dockertarget.Ensure(ctx, cli, o)
	if err != nil {
		return nil, err
	}
	cfg.Target, cfg.ContainerName = provision.TargetDocker, c.Name
	cfg.Env = dockerFunctionEnv(kind, o.FunctionLabel())
	return c, nil
}

// previousPort is the container's port in outputs.json, 0 if none.
func (p *Project) previousPort(name string) int {
	o, err := p.ReadOutputs()
	if err != nil || o.ContainerName != name || o.ContainerURL == "" {
		return 0
	}
	u, err := url.Parse(o.ContainerURL)
	if err != nil {
		return 0
	}
	port, _ := strconv.Atoi(u.Port())
	return port
}

// dockerFunctionEnv is how the function finds the engine. Our emulator
// runs it as a local process with only its own environment, so a
// DOCKER_HOST the user set must be passed on; LocalStack runs it in a
// Lambda container where `up` mounted the socket at the default path.
func dockerFunctionEnv(kind, label string) map[string]string {
	env := map[string]string{handler.EnvContainerLabel: label}
	switch {
	case kind == provision.BackendLocalStack:
		env[handler.EnvDockerHost] = "unix:///var/run/docker.sock"
	case os.Getenv("DOCKER_HOST") != "":
		env[handler.EnvDockerHost] = os.Getenv("DOCKER_HOST")
	}
	return env
}

// dockerUp checks the engine before the backend starts, when the docker
// target is chosen.
func (p *Project) dockerUp(ctx context.Context, s backend.Settings) error {
	if s.Target != provision.TargetDocker {
		return nil
	}
	cli, err := p.dockerEngine(ctx)
	if err != nil {
		return err
	}
	p.dockerChecked = true
	return cli.Close()
}

// dockerState is the smoke test's cross-check: the engine's own view,
// mapped as the function maps it.
func dockerState(name string) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		cli, err := dockertarget.Connect(ctx)
		if err != nil {
			return "", err
		}
		defer cli.Close()
		c, err := dockertarget.Inspect(ctx, cli, name)
		if err != nil {
			return "", err
		}
		if c == nil {
			return "", status.WithFix(fmt.Errorf("container %s does not exist", name), "run `go tool mage deploy` to recreate it")
		}
		return handler.StateOf(c.State), nil
	}
}

// cleanDocker removes the project's container and image, named by the
// environment and by outputs.json when it is there. Without an engine
// there is nothing to remove; that is only worth saying for the docker
// target.
func (p *Project) cleanDocker(ctx context.Context, target string, o *provision.Outputs) error {
	opts, err := p.dockerOptions()
	if err != nil {
		return err
	}
	cli, err := dockertarget.Connect(ctx)
	if err != nil {
		if target == provision.TargetDocker {
			p.Status.Infof("no Docker engine answers, so no container to remove (%v)", err)
		}
		return nil
	}
	defer cli.Close()
	all := []dockertarget.Options{opts}
	if o != nil && o.ContainerName != "" && o.ContainerName != opts.Name {
		other := opts
		other.Name = o.ContainerName
		all = append(all, other)
	}
	var errs []error
	for _, opt := range all {
		step := p.Status.Start(fmt.Sprintf("remove docker container %s and image %s", opt.Name, opt.Image))
		removed, err := dockertarget.Remove(ctx, cli, opt)
		if err != nil {
			errs = append(errs, step.Fail(err))
			continue
		}
		if len(removed) == 0 {
			if target == provision.TargetDocker { // for ec2, leftovers only are worth a line
				step.Done("(nothing there)")
			}
		} else {
			step.Done("(" + strings.Join(removed, ", ") + ")")
		}
	}
	return errors.Join(errs...)
}

// cleanEC2Containers removes containers the emulator of this checkout
// created for EC2 instances (owner label derived from its data dir) and
// left behind: once that emulator is stopped, nothing else will.
func (p *Project) cleanEC2Containers(ctx context.Context) error {
	dataDir := filepath.Join(p.StateDir(), "emulator-data")
	if _, err := os.Stat(dataDir); err != nil {
		return nil // this checkout never ran the emulator
	}
	if embedded.New(embedded.Options{StateDir: p.StateDir()}).Started() {
		return nil // its emulator still runs and owns them
	}
	cli, err := dockertarget.Connect(ctx)
	if err != nil {
		return nil // no engine, no containers
	}
	defer cli.Close()
	owner := containers.OwnerFor(dataDir)
	list, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true,
		Filters: make(client.Filters).Add("label", containers.LabelOwner+"="+owner, containers.LabelComponent+"="+containers.Component)})
	if err != nil || len(list.Items) == 0 {
		return nil
	}
	step := p.Status.Start("remove containers left by the emulator's instances")
	var names, errs []string
	for _, c := range list.Items {
		if _, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true}); err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, err.Error())
			continue
		}
		names = append(names, strings.TrimPrefix(firstName(c.Names), "/"))
	}
	if len(errs) > 0 {
		return step.Fail(fmt.Errorf("failed to remove: %s", strings.Join(errs, "; ")))
	}
	step.Done("(" + strings.Join(names, ", ") + ")")
	return nil
}

func firstName(names []string) string {
	if len(names) == 0 {
		return "?"
	}
	return names[0]
}
