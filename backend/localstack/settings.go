package localstack

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/client"

	"github.com/apidriven/api-driven/backend/probe"
	"github.com/apidriven/api-driven/internal/status"
)

// A LocalStack container started earlier is reused only when it has what
// this run needs (LocalStack reads its settings once, at start-up): the
// image, the published port, the Docker socket, and the environment the
// target needs (for the docker target, LAMBDA_INIT_USER=root and the
// socket in LAMBDA_DOCKER_FLAGS).

// mismatch says what the running container lacks, "" when it fits. The
// CLI mounts the socket and publishes 4566 itself: only the image and the
// environment are compared then.
func (p *Provider) mismatch(c *container.InspectResponse) string {
	var why []string
	if c.Config != nil && c.Config.Image != p.o.Image {
		why = append(why, fmt.Sprintf("it runs image %s, not %s", c.Config.Image, p.o.Image))
	}
	var env []string
	if c.Config != nil {
		env = c.Config.Env
	}
	for _, want := range p.o.ExtraEnv {
		if !slices.Contains(env, want) {
			why = append(why, "it lacks "+want)
		}
	}
	if p.o.UseCLI {
		return strings.Join(why, "; ")
	}
	var binds []string
	if c.HostConfig != nil {
		binds = c.HostConfig.Binds
	}
	if !slices.Contains(binds, p.socketBind()) {
		why = append(why, "it lacks the Docker socket mount "+p.socketBind())
	}
	if _, port, err := probe.HostPort(p.o.Endpoint); err == nil {
		if got := publishedPort(c); got != port {
			why = append(why, fmt.Sprintf("it publishes port %q, not %s", got, port))
		}
	}
	return strings.Join(why, "; ")
}

// socketBind mounts the engine's socket where LocalStack looks for it.
func (p *Provider) socketBind() string { return p.o.DockerSocket + ":/var/run/docker.sock" }

func publishedPort(c *container.InspectResponse) string {
	if c.HostConfig == nil {
		return ""
	}
	for port, bindings := range c.HostConfig.PortBindings {
		if port.Num() == 4566 && len(bindings) > 0 {
			return bindings[0].HostPort
		}
	}
	return ""
}

// CheckForeign compares a LocalStack this project did not start, when it
// runs in a container on this engine publishing the endpoint's port, with
// the environment env the target needs. It cannot restart it, so the fix
// names the commands. Anything it cannot inspect passes.
func CheckForeign(ctx context.Context, endpoint string, env []string) error {
	if len(env) == 0 {
		return nil
	}
	_, port, err := probe.HostPort(endpoint)
	if err != nil {
		return err
	}
	cli, err := dockerClient(ctx)
	if err != nil {
		return nil // not in a container here: nothing to compare
	}
	defer cli.Close()
	list, err := cli.ContainerList(ctx, client.ContainerListOptions{Filters: make(client.Filters).Add("publish", port+"/tcp")})
	if err != nil || len(list.Items) != 1 {
		return nil
	}
	res, err := cli.ContainerInspect(ctx, list.Items[0].ID, client.ContainerInspectOptions{})
	if err != nil || res.Container.Config == nil {
		return nil
	}
	name := strings.TrimPrefix(res.Container.Name, "/")
	var missing []string
	for _, want := range env {
		if !slices.Contains(res.Container.Config.Env, want) {
			missing = append(missing, want)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	var flags []string
	for _, m := range missing {
		k, v, _ := strings.Cut(m, "=")
		flags = append(flags, fmt.Sprintf("%s='%s'", k, v))
	}
	return status.WithFix(fmt.Errorf("the LocalStack at %s (container %s, not started by this project) lacks %s, which the docker target needs",
		endpoint, name, strings.Join(missing, " and ")),
		"restart it with them (`localstack stop`, then `%s localstack start -d`), or stop it (docker rm -f %s) and run "+
			"`APIDRIVEN_BACKEND=localstack APIDRIVEN_TARGET=docker go tool mage all`, which starts one with them", strings.Join(flags, " "), name)
}

// watchExit reports the exit code of the container name when it dies
// after since, even if it removes itself on exit (the CLI runs LocalStack
// with --rm): the engine's event stream replays from since. The channel
// gets one code, or is closed when ctx ends or the stream fails.
func watchExit(ctx context.Context, cli *client.Client, name string, since time.Time) <-chan int {
	out := make(chan int, 1)
	res := cli.Events(ctx, client.EventsListOptions{
		Since:   strconv.FormatInt(since.Unix(), 10),
		Filters: make(client.Filters).Add("type", string(events.ContainerEventType)).Add("container", name).Add("event", string(events.ActionDie)),
	})
	go func() {
		defer close(out)
		for {
			select {
			case <-ctx.Done():
				return
			case <-res.Err:
				return
			case m := <-res.Messages:
				if m.Actor.Attributes["name"] != name {
					continue
				}
				code, err := strconv.Atoi(m.Actor.Attributes["exitCode"])
				if err != nil {
					code = -1
				}
				out <- code
				return
			}
		}
	}()
	return out
}
