// Package localstack starts LocalStack for the project: a container of the
// pinned image through the Docker Engine API (github.com/moby/moby/client),
// or, for those who prefer the workshop's way, the `localstack` CLI.
package localstack

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/apidriven/api-driven/backend/probe"
	"github.com/apidriven/api-driven/build"
	"github.com/apidriven/api-driven/internal/checkout"
	"github.com/apidriven/api-driven/internal/status"
)

const (
	// DefaultImage is the last LocalStack image that starts without a token.
	DefaultImage = "localstack/localstack:4.14.0"
	// ContainerName starts the container this project creates and
	// removes; the checkout's ID follows (apidriven-localstack-1a2b3c4d).
	ContainerName = "apidriven-localstack"
	// Label marks containers this project manages; others are never touched.
	Label = "io.github.apidriven.managed"
	// ExitAuthRequired is LocalStack's exit code when a token is required.
	ExitAuthRequired = 55
)

// Options configure the LocalStack backend.
type Options struct {
	Root, StateDir   string
	Endpoint, Region string
	Image            string   // default DefaultImage (env LOCALSTACK_IMAGE)
	AuthToken        string   // LOCALSTACK_AUTH_TOKEN, passed through when set
	UseCLI           bool     // run the `localstack` CLI instead of the Engine API
	LambdaArch       string   // "x86_64" | "arm64"; default: the host's
	ExtraEnv         []string // more container environment (e.g. LAMBDA_DOCKER_FLAGS)
	ContainerName    string   // default ContainerName-<checkout ID>
	DockerSocket     string   // the engine's socket on this machine; default /var/run/docker.sock
	// OwnEmulator reports whether this project's embedded emulator runs
	// (it would hold the port), so the fix can name `go tool mage down`.
	OwnEmulator  func() bool
	ReadyTimeout time.Duration
	Status       *status.Status
}

// Provider is the LocalStack backend.
type Provider struct{ o Options }

// New returns the provider; nothing starts until Up.
func New(o Options) *Provider {
	if o.Image == "" {
		o.Image = DefaultImage
	}
	if o.LambdaArch == "" {
		o.LambdaArch = build.HostLambdaArch()
	}
	if o.ReadyTimeout == 0 {
		o.ReadyTimeout = 3 * time.Minute
	}
	if o.ContainerName == "" {
		o.ContainerName = ContainerName + "-" + checkout.ID(o.Root)
	}
	if o.DockerSocket == "" {
		o.DockerSocket = "/var/run/docker.sock"
	}
	return &Provider{o: o}
}

func (p *Provider) Name() string     { return "localstack" }
func (p *Provider) Endpoint() string { return p.o.Endpoint }

// BuildPlatform is Linux: LocalStack runs functions in Lambda containers.
func (p *Provider) BuildPlatform() build.Platform {
	pl, err := build.Linux(p.o.LambdaArch)
	if err != nil {
		pl, _ = build.Linux(build.HostLambdaArch())
	}
	return pl
}

// Started reports whether this project's LocalStack runs.
func (p *Provider) Started() bool {
	if p.o.UseCLI {
		_, err := os.Stat(p.cliMarker())
		return err == nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cli, err := dockerClient(ctx)
	if err != nil {
		return false
	}
	defer cli.Close()
	c, err := ours(ctx, cli, p.o.ContainerName)
	return err == nil && c != nil && c.State.Running
}

// Up starts LocalStack (or reuses the running one) and waits until it
// answers STS and /_localstack/health.
func (p *Provider) Up(ctx context.Context) error {
	if p.o.UseCLI {
		return p.upCLI(ctx)
	}
	step := p.o.Status.Start("localstack " + p.o.Image)
	cli, err := dockerClient(ctx)
	if err != nil {
		return step.Fail(err)
	}
	defer cli.Close()
	c, err := ours(ctx, cli, p.o.ContainerName)
	if err != nil {
		return step.Fail(err)
	}
	if c != nil && c.State.Running {
		why := p.mismatch(c)
		if why == "" {
			if err := p.waitReady(ctx, p.containerAlive(cli)); err != nil {
				return step.Fail(err)
			}
			step.Done("already running (container " + p.o.ContainerName + "), reusing it")
			return nil
		}
		// Ours, so ours to restart: LocalStack reads its settings at start-up.
		p.o.Status.Infof("container %s runs without what this run needs (%s): restarting it", p.o.ContainerName, why)
	}
	if c != nil { // exited earlier, or started with other settings: start afresh
		if c.State.ExitCode == ExitAuthRequired {
			p.o.Status.Infof("the previous %s exited with code 55 (auth token required)", p.o.ContainerName)
		}
		if _, err := cli.ContainerRemove(ctx, p.o.ContainerName, client.ContainerRemoveOptions{Force: true}); err != nil {
			return step.Fail(fmt.Errorf("failed to remove the old container %s: %w", p.o.ContainerName, err))
		}
	}
	if err := p.checkPortFree(ctx); err != nil {
		return step.Fail(err)
	}
	if _, err := p.ensureImage(ctx, cli); err != nil {
		return step.Fail(err)
	}
	if err := p.run(ctx, cli); err != nil {
		return step.Fail(err)
	}
	if err := p.waitReady(ctx, p.containerAlive(cli)); err != nil {
		return step.Fail(err)
	}
	step.Done(fmt.Sprintf("running at %s (container %s)", p.o.Endpoint, p.o.ContainerName))
	return nil
}

func (p *Provider) checkPortFree(ctx context.Context) error {
	found, err := probe.Classify(ctx, p.o.Endpoint, p.o.Region)
	if err != nil {
		return err
	}
	switch found.Kind {
	case probe.AWS:
		if found.Info.Ours && p.o.OwnEmulator != nil && p.o.OwnEmulator() {
			return status.WithFix(fmt.Errorf("this project's own emulator (the embedded backend) runs at %s, so LocalStack cannot start there", p.o.Endpoint),
				"stop it with `go tool mage down`, then run `APIDRIVEN_BACKEND=localstack go tool mage all` (what was deployed on the emulator does not move to LocalStack: all deploys it again)")
		}
		return status.WithFix(fmt.Errorf("an AWS-compatible endpoint not started by this project already answers at %s", p.o.Endpoint),
			"use it with APIDRIVEN_BACKEND=auto, stop it, or pick another port: AWS_ENDPOINT_URL=%s", probe.OtherEndpoint(p.o.Endpoint))
	case probe.NonAWS:
		return probe.PortBusy(p.o.Endpoint, found.Err)
	}
	return nil
}

// run creates and starts the container: the edge port published on
// loopback, the Docker socket mounted so LocalStack can run Lambda
// containers, the auth token passed through when set.
func (p *Provider) run(ctx context.Context, cli *client.Client) error {
	_, port, err := probe.HostPort(p.o.Endpoint)
	if err != nil {
		return err
	}
	edge := network.MustParsePort("4566/tcp")
	env := append([]string{"DOCKER_HOST=unix:///var/run/docker.sock"}, p.o.ExtraEnv...)
	if p.o.AuthToken != "" {
		env = append(env, "LOCALSTACK_AUTH_TOKEN="+p.o.AuthToken)
	}
	_, err = cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Name: p.o.ContainerName,
		Config: &container.Config{
			Image:        p.o.Image,
			Env:          env,
			Labels:       map[string]string{Label: "true", checkout.Label: checkout.ID(p.o.Root)},
			ExposedPorts: network.PortSet{edge: {}},
		},
		HostConfig: &container.HostConfig{
			PortBindings: network.PortMap{edge: {{HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: port}}},
			Binds:        []string{p.socketBind()},
		},
	})
	if err != nil {
		return fmt.Errorf("failed to create container %s from %s: %w", p.o.ContainerName, p.o.Image, err)
	}
	if _, err := cli.ContainerStart(ctx, p.o.ContainerName, client.ContainerStartOptions{}); err != nil {
		_, _ = cli.ContainerRemove(ctx, p.o.ContainerName, client.ContainerRemoveOptions{Force: true})
		return status.WithFix(fmt.Errorf("failed to start container %s: %w", p.o.ContainerName, err),
			"if port %s is taken, free it or set AWS_ENDPOINT_URL to another port", port)
	}
	return nil
}

// waitReady waits until LocalStack answers STS and its health route;
// alive, when set, stops the wait at once with its error (the container
// exited).
func (p *Provider) waitReady(ctx context.Context, alive func(context.Context) error) error {
	cfg, err := probe.AWSConfig(ctx, p.o.Endpoint, p.o.Region)
	if err != nil {
		return err
	}
	return probe.Wait(ctx, p.o.Status, "LocalStack at "+p.o.Endpoint, p.o.ReadyTimeout, func(ctx context.Context) error {
		if alive != nil {
			if err := alive(ctx); err != nil {
				return probe.Permanent(err)
			}
		}
		if _, err := probe.CallerIdentity(ctx, cfg); err != nil {
			return err
		}
		info, err := probe.Health(ctx, p.o.Endpoint)
		if err != nil {
			return err
		}
		if !info.Served {
			return fmt.Errorf("/_localstack/health not served yet")
		}
		return nil
	})
}

// containerAlive fails once the project's container is gone or exited.
func (p *Provider) containerAlive(cli *client.Client) func(context.Context) error {
	return func(ctx context.Context) error {
		c, err := ours(ctx, cli, p.o.ContainerName)
		if err != nil {
			return err
		}
		if c == nil {
			return fmt.Errorf("container %s disappeared", p.o.ContainerName)
		}
		if !c.State.Running {
			return Exited(p.o.ContainerName, c.State.ExitCode, logsTail(ctx, cli, p.o.ContainerName, 12))
		}
		return nil
	}
}

// Exited explains a LocalStack container (name) that stopped on its own;
// exit code 55 is the auth-token requirement of images released since
// 2026-03-23.
func Exited(name string, code int, logs string) error {
	if code == ExitAuthRequired {
		return status.WithFix(fmt.Errorf("LocalStack exited with code 55: this image requires an auth token "+
			"(LocalStack images released since 2026-03-23 do not start without LOCALSTACK_AUTH_TOKEN)\n%s", logs),
			"pin the last image that starts without a token: LOCALSTACK_IMAGE=%s (the default), "+
				"or set LOCALSTACK_AUTH_TOKEN=<your token from app.localstack.cloud>, or use APIDRIVEN_BACKEND=embedded", DefaultImage)
	}
	return status.WithFix(fmt.Errorf("LocalStack exited with code %d during start-up\n%s", code, logs),
		"see `docker logs %s`; or use APIDRIVEN_BACKEND=embedded", name)
}

// Down stops and removes the container this project created.
func (p *Provider) Down(ctx context.Context) error {
	if p.o.UseCLI {
		return p.downCLI(ctx)
	}
	cli, err := dockerClient(ctx)
	if err != nil {
		return err
	}
	defer cli.Close()
	c, err := ours(ctx, cli, p.o.ContainerName)
	if err != nil {
		return err
	}
	if c == nil {
		p.o.Status.Infof("no %s container, nothing to stop", p.o.ContainerName)
		return nil
	}
	step := p.o.Status.Start("stop localstack container " + p.o.ContainerName)
	timeout := 10
	if _, err := cli.ContainerStop(ctx, p.o.ContainerName, client.ContainerStopOptions{Timeout: &timeout}); err != nil && !cerrdefs.IsNotFound(err) {
		return step.Fail(fmt.Errorf("failed to stop %s: %w", p.o.ContainerName, err))
	}
	if _, err := cli.ContainerRemove(ctx, p.o.ContainerName, client.ContainerRemoveOptions{Force: true}); err != nil && !cerrdefs.IsNotFound(err) {
		return step.Fail(fmt.Errorf("failed to remove %s: %w", p.o.ContainerName, err))
	}
	step.Done("stopped and removed")
	return nil
}

// dockerClient connects to the engine (DOCKER_HOST or the default socket)
// and checks that it answers.
func dockerClient(ctx context.Context) (*client.Client, error) {
	cli, err := client.New(client.FromEnv)
	if err != nil {
		return nil, fmt.Errorf("failed to configure the Docker client: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := cli.Ping(pctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		cli.Close()
		return nil, DockerDown(err)
	}
	return cli, nil
}

// DockerDown explains an unreachable Docker engine.
func DockerDown(err error) error {
	return status.WithFix(fmt.Errorf("Docker is not reachable: %w", err),
		"start Docker (Docker Desktop, or `sudo service docker start` on Linux; in a Codespace the devcontainer's "+
			"docker-in-docker feature provides it), or use APIDRIVEN_BACKEND=embedded, which needs no Docker")
}

// ours inspects the project's container; nil when there is none. A
// container of that name without our label is refused, never touched.
func ours(ctx context.Context, cli *client.Client, name string) (*container.InspectResponse, error) {
	res, err := cli.ContainerInspect(ctx, name, client.ContainerInspectOptions{})
	if cerrdefs.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("failed to inspect container %s: %w", name, err)
	}
	c := res.Container
	if c.Config == nil || c.Config.Labels[Label] != "true" {
		return nil, status.WithFix(fmt.Errorf("a container named %s exists but was not created by this project", name),
			"remove or rename it (`docker rm -f %s`) if it is yours to remove", name)
	}
	if c.State == nil {
		c.State = &container.State{}
	}
	return &c, nil
}

func logsTail(ctx context.Context, cli *client.Client, name string, n int) string {
	rc, err := cli.ContainerLogs(ctx, name, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Tail: fmt.Sprint(n)})
	if err != nil {
		return "(no logs: " + err.Error() + ")"
	}
	defer rc.Close()
	return demux(rc)
}

func rel(base, path string) string {
	if r, err := filepath.Rel(base, path); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return path
}
