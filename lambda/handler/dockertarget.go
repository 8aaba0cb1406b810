package handler

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// DockerAPI is the part of the Docker Engine client the target uses.
type DockerAPI interface {
	ContainerInspect(ctx context.Context, name string, o client.ContainerInspectOptions) (client.ContainerInspectResult, error)
	ContainerStart(ctx context.Context, name string, o client.ContainerStartOptions) (client.ContainerStartResult, error)
	ContainerStop(ctx context.Context, name string, o client.ContainerStopOptions) (client.ContainerStopResult, error)
	ContainerUnpause(ctx context.Context, name string, o client.ContainerUnpauseOptions) (client.ContainerUnpauseResult, error)
}

// ContainerName matches Docker's container names.
var ContainerName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$`)

// DefaultContainerLabel marks the project's containers; the target refuses
// to touch a container without it.
const DefaultContainerLabel = "io.github.apidriven.managed=true"

// dockerStopGrace is how long `docker stop` lets the server shut down
// before SIGKILL; with the per-call timeout it stays below the function's.
const dockerStopGrace = 3

// DockerTarget drives one Docker container, the one the function is
// configured for; any other name is refused (403).
type DockerTarget struct {
	api                    DockerAPI
	name                   string
	labelKey, labelValue   string
	callTimeout, stopGrace time.Duration
}

// NewDockerTarget controls the container name, which must carry the label
// "key=value" (DefaultContainerLabel when label is "").
func NewDockerTarget(api DockerAPI, name, label string) (*DockerTarget, error) {
	if label == "" {
		label = DefaultContainerLabel
	}
	key, value, ok := strings.Cut(label, "=")
	if !ok || key == "" {
		return nil, fmt.Errorf("%s=%q is not a label of the form key=value", EnvContainerLabel, label)
	}
	if !ContainerName.MatchString(name) {
		return nil, fmt.Errorf("%s=%q is not a valid container name", EnvContainerName, name)
	}
	return &DockerTarget{api: api, name: name, labelKey: key, labelValue: value,
		callTimeout: 8 * time.Second, stopGrace: dockerStopGrace * time.Second}, nil
}

// StateOf maps a Docker state onto the EC2 state names the routes report:
// running → running; restarting → pending; removing → stopping; paused,
// created, exited and dead → stopped (none of them serves requests).
func StateOf(s container.ContainerState) string {
	switch s {
	case container.StateRunning:
		return "running"
	case container.StateRestarting:
		return "pending"
	case container.StateRemoving:
		return "stopping"
	default:
		return "stopped"
	}
}

// inspect looks the container up and checks it is the configured one and
// the project's.
func (t *DockerTarget) inspect(ctx context.Context, id string) (container.InspectResponse, container.ContainerState, error) {
	if id != t.name {
		return container.InspectResponse{}, "", errForbidden(fmt.Sprintf(
			"this function only controls container %s; %s is not it", t.name, id))
	}
	ctx, cancel := context.WithTimeout(ctx, t.callTimeout)
	defer cancel()
	res, err := t.api.ContainerInspect(ctx, t.name, client.ContainerInspectOptions{})
	if err != nil {
		return container.InspectResponse{}, "", t.classify("inspect", err)
	}
	c := res.Container
	if c.Config == nil || c.Config.Labels[t.labelKey] != t.labelValue {
		return container.InspectResponse{}, "", errForbidden(fmt.Sprintf(
			"container %s does not carry the label %s=%s, so it is not the project's; it is left alone", t.name, t.labelKey, t.labelValue))
	}
	var st container.ContainerState
	if c.State != nil {
		st = c.State.Status
	}
	return c, st, nil
}

// Status reports the container's state (labels as tags).
func (t *DockerTarget) Status(ctx context.Context, id string) (Instance, error) {
	c, st, err := t.inspect(ctx, id)
	if err != nil {
		return Instance{}, err
	}
	return Instance{ID: id, State: StateOf(st), Tags: c.Config.Labels}, nil
}

// Start starts (or unpauses) the container; a running one is reported as is.
func (t *DockerTarget) Start(ctx context.Context, id string) (Transition, error) {
	_, st, err := t.inspect(ctx, id)
	if err != nil {
		return Transition{}, err
	}
	prev := StateOf(st)
	switch st {
	case container.StateRunning, container.StateRestarting:
		return Transition{Previous: prev, Current: prev}, nil
	case container.StateRemoving:
		return Transition{}, &Error{Kind: KindConflict, Message: fmt.Sprintf(
			"container %s is being removed; run `go tool mage deploy` to recreate it", t.name)}
	case container.StatePaused:
		err = t.call(ctx, func(ctx context.Context) error {
			_, err := t.api.ContainerUnpause(ctx, t.name, client.ContainerUnpauseOptions{})
			return err
		})
	default:
		err = t.call(ctx, func(ctx context.Context) error {
			_, err := t.api.ContainerStart(ctx, t.name, client.ContainerStartOptions{})
			return err
		})
	}
	if err != nil {
		return Transition{}, t.classify("start", err)
	}
	return t.after(ctx, id, prev)
}

// Stop stops the container; a stopped one is reported as is. A paused
// container is stopped too: it holds its port without answering.
func (t *DockerTarget) Stop(ctx context.Context, id string) (Transition, error) {
	_, st, err := t.inspect(ctx, id)
	if err != nil {
		return Transition{}, err
	}
	prev := StateOf(st)
	switch st {
	case container.StateCreated, container.StateExited, container.StateDead, container.StateRemoving:
		return Transition{Previous: prev, Current: prev}, nil
	}
	grace := int(t.stopGrace / time.Second)
	err = t.call(ctx, func(ctx context.Context) error {
		_, err := t.api.ContainerStop(ctx, t.name, client.ContainerStopOptions{Timeout: &grace})
		return err
	})
	if err != nil {
		return Transition{}, t.classify("stop", err)
	}
	return t.after(ctx, id, prev)
}

// after reports the state the engine has once the call returned.
func (t *DockerTarget) after(ctx context.Context, id, prev string) (Transition, error) {
	_, st, err := t.inspect(ctx, id)
	if err != nil {
		return Transition{}, err
	}
	return Transition{Previous: prev, Current: StateOf(st)}, nil
}

// call runs one engine call with its own timeout; a stop may take the
// grace period, so it gets that on top.
func (t *DockerTarget) call(ctx context.Context, fn func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, t.callTimeout+t.stopGrace)
	defer cancel()
	return fn(ctx)
}

// classify turns an engine error into a classified Error.
func (t *DockerTarget) classify(op string, err error) error {
	switch {
	case cerrdefs.IsNotFound(err):
		return &Error{Kind: KindNotFound, Message: fmt.Sprintf(
			"container %s does not exist (it was removed outside the API); run `go tool mage deploy` to recreate it", t.name), Err: err}
	case client.IsErrConnectionFailed(err):
		return &Error{Kind: KindUnavailable, Message: "the Docker engine is not reachable from the function: " + err.Error() +
			"; start Docker (the function uses DOCKER_HOST or /var/run/docker.sock)", Err: err}
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Kind: KindUnavailable, Message: fmt.Sprintf(
			"the Docker engine did not answer in time to %s container %s; retry in a few seconds", op, t.name), Err: err}
	case cerrdefs.IsConflict(err):
		return &Error{Kind: KindConflict, Message: fmt.Sprintf("container %s cannot %s now: %v", t.name, op, err)}
	case cerrdefs.IsUnavailable(err), cerrdefs.IsInternal(err):
		return &Error{Kind: KindUnavailable, Message: fmt.Sprintf("the Docker engine failed to %s container %s: %v; retry in a few seconds", op, t.name, err), Err: err}
	}
	return &Error{Kind: KindInternal, Message: fmt.Sprintf("failed to %s container %s", op, t.name), Err: err}
}
