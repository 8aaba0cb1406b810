package dockertarget

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/apidriven/api-driven/internal/checkout"
	"github.com/apidriven/api-driven/internal/status"
)

// Container is the project's container as the engine reports it.
type Container struct {
	Name     string
	ID       string
	ImageID  string
	State    container.ContainerState // Docker's state: running, exited, ...
	HostPort int                      // published on 127.0.0.1; 0 when none
	Checkout string                   // the checkout label's value, "" when none
}

// otherCheckout refuses a container of the project that another checkout
// created (same name through APIDRIVEN_CONTAINER): it is theirs.
func otherCheckout(c *Container, o Options) error {
	if c == nil || c.Checkout == "" || o.Checkout == "" || c.Checkout == o.Checkout {
		return nil
	}
	return status.WithFix(fmt.Errorf("container %s belongs to another checkout of this project (%s=%s, this one is %s)", c.Name, checkout.Label, c.Checkout, o.Checkout),
		"leave it to that checkout, and give this one another name with APIDRIVEN_CONTAINER (or unset it: the default name is per checkout)")
}

// URL is where the container's server answers from this machine.
func (c *Container) URL() string {
	if c.HostPort == 0 {
		return ""
	}
	return fmt.Sprintf("http://127.0.0.1:%d/", c.HostPort)
}

// Inspect returns the project's container, nil when there is none. A
// container of that name without the project's label is an error: it is
// somebody else's and is never touched.
func Inspect(ctx context.Context, cli *client.Client, name string) (*Container, error) {
	res, err := cli.ContainerInspect(ctx, name, client.ContainerInspectOptions{})
	if cerrdefs.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("failed to inspect container %s: %w", name, err)
	}
	c := res.Container
	if c.Config == nil || c.Config.Labels[LabelManaged] != "true" {
		return nil, status.WithFix(fmt.Errorf("a container named %s exists but was not created by this project (no %s=true label)", name, LabelManaged),
			"remove or rename it (docker rm -f %s) if it is yours to remove, or choose another name with APIDRIVEN_CONTAINER", name)
	}
	out := &Container{Name: name, ID: c.ID, ImageID: c.Image, Checkout: c.Config.Labels[checkout.Label]}
	if c.State != nil {
		out.State = c.State.Status
	}
	if c.HostConfig != nil {
		for _, bindings := range c.HostConfig.PortBindings {
			for _, b := range bindings {
				if p, err := strconv.Atoi(b.HostPort); err == nil && p > 0 {
					out.HostPort = p
				}
			}
		}
	}
	return out, nil
}

// Ensure makes the container exist: created and started when missing,
// recreated (on the same port) when its image or port is not the wanted
// one, otherwise left in the state the API put it in. It builds the image
// when it is missing and ours to build.
func Ensure(ctx context.Context, cli *client.Client, o Options) (*Container, error) {
	img, err := EnsureImage(ctx, cli, o)
	if err != nil {
		return nil, err
	}
	step := o.Status.Start("docker container " + o.Name)
	c, detail, err := ensure(ctx, cli, o, img)
	if err != nil {
		return nil, step.Fail(err)
	}
	step.Done(detail)
	return c, nil
}

func ensure(ctx context.Context, cli *client.Client, o Options, img *Image) (*Container, string, error) {
	c, err := Inspect(ctx, cli, o.Name)
	if err == nil {
		err = otherCheckout(c, o)
	}
	if err != nil {
		return nil, "", err
	}
	verb := "created"
	port := o.HostPort
	if c != nil {
		samePort := c.HostPort != 0 && (o.HostPort == 0 || o.HostPort == c.HostPort)
		if c.ImageID == img.ID && samePort {
			return c, fmt.Sprintf("%s, %s at %s", "exists", c.State, c.URL()), nil
		}
		if port == 0 {
			port = c.HostPort // keep the URL users know
		}
		if err := removeContainer(ctx, cli, o.Name); err != nil {
			return nil, "", err
		}
		if c.ImageID != img.ID {
			removeStale(ctx, cli, c.ImageID)
			verb = "recreated (new image)"
		} else {
			verb = "recreated (new port)"
		}
	}
	if port == 0 && o.PreferredPort != 0 && portFree(o.PreferredPort) {
		port = o.PreferredPort
	}
	if port == 0 {
		if port, err = freePort(); err != nil {
			return nil, "", err
		}
	}
	if err := create(ctx, cli, o, img, port); err != nil {
		return nil, "", err
	}
	c, err = Inspect(ctx, cli, o.Name)
	if err != nil {
		return nil, "", err
	}
	if c == nil {
		return nil, "", fmt.Errorf("container %s disappeared right after it was started", o.Name)
	}
	return c, fmt.Sprintf("%s, %s at %s", verb, c.State, c.URL()), nil
}

// create creates and starts the container: the server's port published on
// loopback only, no restart policy (a stop through the API must stick).
// Ctrl-C never splits the pair: a created container is started (or
// removed) within the bound, so nothing is left half-made.
func create(ctx context.Context, cli *client.Client, o Options, img *Image, hostPort int) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	inner, err := network.ParsePort(img.Port)
	if err != nil {
		return fmt.Errorf("image %s exposes an unusable port %q: %w", o.Image, img.Port, err)
	}
	_, err = cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Name: o.Name,
		Config: &container.Config{
			Image:        o.Image,
			Labels:       Labels(o.Checkout),
			ExposedPorts: network.PortSet{inner: {}},
		},
		HostConfig: &container.HostConfig{
			PortBindings: network.PortMap{inner: {{HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: strconv.Itoa(hostPort)}}},
		},
	})
	if err != nil {
		return fmt.Errorf("failed to create container %s from %s: %w", o.Name, o.Image, err)
	}
	if _, err := cli.ContainerStart(ctx, o.Name, client.ContainerStartOptions{}); err != nil {
		_ = removeContainer(ctx, cli, o.Name)
		return status.WithFix(fmt.Errorf("failed to start container %s: %w", o.Name, err),
			"if port %d is taken, free it or set APIDRIVEN_CONTAINER_PORT to another port (or unset it to let deploy choose)", hostPort)
	}
	return nil
}

func removeContainer(ctx context.Context, cli *client.Client, name string) error {
	_, err := cli.ContainerRemove(ctx, name, client.ContainerRemoveOptions{Force: true})
	if err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("failed to remove container %s: %w", name, err)
	}
	return nil
}

// freePort asks the kernel for a free loopback port; the container keeps
// it across stops and starts, so the URL in outputs.json stays valid.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("failed to find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func portFree(port int) bool {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

// Remove deletes the project's container and the image, each only when it
// carries the project's label; what is already gone is fine. It returns
// what it removed.
func Remove(ctx context.Context, cli *client.Client, o Options) ([]string, error) {
	var removed []string
	var errs []error
	c, err := Inspect(ctx, cli, o.Name)
	if err == nil {
		err = otherCheckout(c, o)
	}
	switch {
	case err != nil:
		errs = append(errs, err)
	case c != nil:
		if err := removeContainer(ctx, cli, o.Name); err != nil {
			errs = append(errs, err)
		} else {
			removed = append(removed, "docker container "+o.Name)
		}
	}
	img, err := InspectImage(ctx, cli, o.Image)
	switch {
	case err != nil:
		errs = append(errs, err)
	case img == nil:
	case !img.Ours:
		o.Status.Infof("image %s was not built by this project (no %s label): left alone", o.Image, LabelManaged)
	case img.Checkout != "" && o.Checkout != "" && img.Checkout != o.Checkout:
		o.Status.Infof("image %s was built by another checkout (%s=%s): left alone", o.Image, checkout.Label, img.Checkout)
	default:
		_, err := cli.ImageRemove(ctx, o.Image, client.ImageRemoveOptions{PruneChildren: true})
		switch {
		case err == nil || cerrdefs.IsNotFound(err):
			removed = append(removed, "docker image "+o.Image)
		case cerrdefs.IsConflict(err):
			errs = append(errs, status.WithFix(fmt.Errorf("image %s is still used by another container: %w", o.Image, err),
				"remove the containers that use it (docker ps -a --filter ancestor=%s), then run clean again", o.Image))
		default:
			errs = append(errs, fmt.Errorf("failed to remove image %s: %w", o.Image, err))
		}
	}
	return removed, errors.Join(errs...)
}
