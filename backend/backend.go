// Package backend chooses and drives where the project runs: the embedded
// emulator, LocalStack, real AWS, or an AWS-compatible endpoint that is
// already running (auto). Like kind's providers: one small interface, one
// package per backend.
package backend

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/apidriven/api-driven/backend/aws"
	"github.com/apidriven/api-driven/backend/embedded"
	"github.com/apidriven/api-driven/backend/localstack"
	"github.com/apidriven/api-driven/backend/probe"
	"github.com/apidriven/api-driven/build"
	"github.com/apidriven/api-driven/internal/status"
)

// Provider is one backend.
type Provider interface {
	// Name is "embedded", "localstack", "aws" or "external".
	Name() string
	// Up makes the backend ready, waiting with backoff and a deadline.
	Up(ctx context.Context) error
	// Down stops what this project started; never anything else.
	Down(ctx context.Context) error
	// Endpoint is the base URL of the AWS APIs; "" on real AWS.
	Endpoint() string
	// BuildPlatform is the GOOS/GOARCH the function must be built for.
	BuildPlatform() build.Platform
	// Started reports whether this project started the running backend.
	Started() bool
}

// Installer is a backend with something to install ahead of Up.
type Installer interface {
	Install(ctx context.Context) error
}

// Backend names accepted in APIDRIVEN_BACKEND.
var Names = []string{"auto", "embedded", "localstack", "aws"}

// Targets accepted in APIDRIVEN_TARGET: what the function drives.
var Targets = []string{"ec2", "docker"}

// FromEnv selects the backend the environment asks for.
func FromEnv(ctx context.Context, root string, st *status.Status) (Provider, error) {
	s, err := SettingsFromEnv(root, st)
	if err != nil {
		return nil, err
	}
	return Select(ctx, s)
}

// Select builds the provider for s. For auto it looks at the endpoint
// without starting anything: an emulator this directory started, an
// AWS-compatible endpoint somebody else runs (used as it is, never
// stopped), or a free port (the embedded emulator).
func Select(ctx context.Context, s Settings) (Provider, error) {
	emb := embedded.New(embedded.Options{Root: s.Root, StateDir: s.StateDir, Endpoint: s.Endpoint, Region: s.Region,
		TransitionDelay: s.TransitionDelay, EC2Containers: s.EC2Containers, IAM: s.IAM, AllowRemote: s.AllowRemote, PublicPort: s.PublicPort, DockerTarget: s.Target == "docker", ReadyTimeout: s.ReadyTimeout, Status: s.Status})
	ls := localstack.New(localstack.Options{Root: s.Root, StateDir: s.StateDir, Endpoint: s.Endpoint, Region: s.Region,
		Image: s.LocalStackImage, AuthToken: s.LocalStackToken, UseCLI: s.LocalStackCLI, LambdaArch: s.LambdaArch,
		ExtraEnv: localStackEnv(s), DockerSocket: HostDockerSocket(), OwnEmulator: emb.Started, ReadyTimeout: s.ReadyTimeout, Status: s.Status})
	switch s.Backend {
	case "embedded":
		return emb, nil
	case "localstack":
		return ls, nil
	case "aws":
		return aws.New(aws.Options{Region: s.Region, LambdaArch: s.LambdaArch, Status: s.Status}), nil
	}
	if emb.Started() {
		return emb, nil
	}
	found, err := probe.Classify(ctx, s.Endpoint, s.Region)
	if err != nil {
		return nil, err
	}
	switch found.Kind {
	case probe.NonAWS:
		return nil, probe.PortBusy(s.Endpoint, found.Err)
	case probe.AWS:
		if found.Info.Served && !found.Info.Ours && ls.Started() {
			return ls, nil // the LocalStack `APIDRIVEN_BACKEND=localstack up` started
		}
		return newExternal(s, found), nil
	}
	if host, _, _ := probe.HostPort(s.Endpoint); !probe.IsLocal(host) {
		return nil, status.WithFix(fmt.Errorf("nothing answers at %s and the embedded emulator can only start on this machine", s.Endpoint),
			"start the endpoint you configured, or unset AWS_ENDPOINT_URL to use %s", probe.DefaultEndpoint)
	}
	return emb, nil
}

// localStackEnv is what LocalStack needs for the docker target: the
// function runs in a Lambda container, which must see the Docker socket
// (mounted from the host) as a user allowed to use it (root:docker 0660).
// LocalStack's Lambda init drops to sbx_user1051 unless LAMBDA_INIT_USER
// names another user (it becomes the init's LOCALSTACK_USER), whatever
// --user LAMBDA_DOCKER_FLAGS gives the container.
func localStackEnv(s Settings) []string {
	if s.Target != "docker" {
		return nil
	}
	return []string{"LAMBDA_DOCKER_FLAGS=-v " + HostDockerSocket() + ":/var/run/docker.sock", "LAMBDA_INIT_USER=root"}
}

// HostDockerSocket is the engine's Unix socket on this machine: the path
// of a unix:// DOCKER_HOST, else the default.
func HostDockerSocket() string {
	if h := os.Getenv("DOCKER_HOST"); strings.HasPrefix(h, "unix://") {
		return strings.TrimPrefix(h, "unix://")
	}
	return "/var/run/docker.sock"
}

// Kind is the provision.Config Backend value for p: the URL form it serves.
func Kind(p Provider) string {
	if e, ok := p.(*External); ok {
		return e.kind
	}
	return p.Name()
}

func env(key, def string) string {
	if v := strings.TrimSpace(os.Getenv(key)); v != "" {
		return v
	}
	return def
}

var (
	_ Provider  = (*embedded.Provider)(nil)
	_ Provider  = (*localstack.Provider)(nil)
	_ Provider  = (*aws.Provider)(nil)
	_ Installer = (*embedded.Provider)(nil)
	_ Installer = (*localstack.Provider)(nil)
)
