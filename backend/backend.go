// Package backend chooses and drives where the project runs: the embedded
// emulator, LocalStack, real AWS, or an AWS-compatible endpoint that is
// already running (auto). Like kind's providers: one small interface, one
// package per backend.
package backend

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

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

// Settings are the knobs of every backend, normally from the environment.
type Settings struct {
	Backend         string // auto | embedded | localstack | aws
	Target          string // APIDRIVEN_TARGET: ec2 (default) | docker
	Endpoint        string // AWS_ENDPOINT_URL; default probe.DefaultEndpoint for emulators
	Region          string
	Root            string // module root
	StateDir        string // Root/.apidriven
	TransitionDelay string // APIDRIVEN_TRANSITION_DELAY for the embedded emulator
	LambdaArch      string // APIDRIVEN_LAMBDA_ARCH for LocalStack and AWS
	LocalStackImage string
	LocalStackToken string
	LocalStackCLI   bool
	ReadyTimeout    time.Duration
	Status          *status.Status
}

// SettingsFromEnv reads and validates the environment.
func SettingsFromEnv(root string, st *status.Status) (Settings, error) {
	s := Settings{
		Backend:         strings.ToLower(env("APIDRIVEN_BACKEND", "auto")),
		Target:          strings.ToLower(env("APIDRIVEN_TARGET", "ec2")),
		Endpoint:        strings.TrimRight(os.Getenv("AWS_ENDPOINT_URL"), "/"),
		Region:          env("AWS_REGION", env("AWS_DEFAULT_REGION", "us-east-1")),
		Root:            root,
		StateDir:        filepath.Join(root, ".apidriven"),
		TransitionDelay: os.Getenv("APIDRIVEN_TRANSITION_DELAY"),
		LambdaArch:      env("APIDRIVEN_LAMBDA_ARCH", build.HostLambdaArch()),
		LocalStackImage: env("LOCALSTACK_IMAGE", localstack.DefaultImage),
		LocalStackToken: os.Getenv("LOCALSTACK_AUTH_TOKEN"),
		Status:          st,
	}
	if !contains(Names, s.Backend) {
		return s, status.WithFix(fmt.Errorf("unknown APIDRIVEN_BACKEND %q", s.Backend), "use one of %s (default auto)", strings.Join(Names, ", "))
	}
	if !contains(Targets, s.Target) {
		return s, status.WithFix(fmt.Errorf("unknown APIDRIVEN_TARGET %q", s.Target), "use ec2 (the default) or docker")
	}
	if s.Backend == "aws" && s.Target == "docker" {
		return s, status.WithFix(errors.New("APIDRIVEN_TARGET=docker cannot work on real AWS: a Lambda function in AWS cannot reach the Docker engine on this machine"),
			"use APIDRIVEN_BACKEND=embedded (or localstack) with the docker target, or APIDRIVEN_TARGET=ec2 on AWS")
	}
	if s.Backend == "aws" && s.Endpoint != "" {
		return s, status.WithFix(fmt.Errorf("APIDRIVEN_BACKEND=aws talks to real AWS, but AWS_ENDPOINT_URL is set to %s", s.Endpoint),
			"unset AWS_ENDPOINT_URL for real AWS, or use APIDRIVEN_BACKEND=auto for the endpoint")
	}
	if s.Backend != "aws" && s.Endpoint == "" {
		s.Endpoint = probe.DefaultEndpoint
	}
	if s.Endpoint != "" {
		if _, _, err := probe.HostPort(s.Endpoint); err != nil {
			return s, err
		}
	}
	if d := s.TransitionDelay; d != "" {
		if _, err := time.ParseDuration(d); err != nil {
			return s, status.WithFix(fmt.Errorf("invalid APIDRIVEN_TRANSITION_DELAY %q", d), "use a Go duration such as 500ms or 2s")
		}
	}
	if _, err := build.Linux(s.LambdaArch); err != nil {
		return s, status.WithFix(fmt.Errorf("invalid APIDRIVEN_LAMBDA_ARCH: %w", err), "use x86_64 or arm64")
	}
	switch v := strings.ToLower(os.Getenv("APIDRIVEN_LOCALSTACK_INSTALL")); v {
	case "", "docker":
	case "cli":
		s.LocalStackCLI = true
	default:
		return s, status.WithFix(fmt.Errorf("invalid APIDRIVEN_LOCALSTACK_INSTALL %q", v), "use docker (default) or cli")
	}
	if v := os.Getenv("APIDRIVEN_UP_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return s, status.WithFix(fmt.Errorf("invalid APIDRIVEN_UP_TIMEOUT %q", v), "use a Go duration such as 90s or 5m")
		}
		s.ReadyTimeout = d
	}
	return s, nil
}

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
		TransitionDelay: s.TransitionDelay, ReadyTimeout: s.ReadyTimeout, Status: s.Status})
	ls := localstack.New(localstack.Options{Root: s.Root, StateDir: s.StateDir, Endpoint: s.Endpoint, Region: s.Region,
		Image: s.LocalStackImage, AuthToken: s.LocalStackToken, UseCLI: s.LocalStackCLI, LambdaArch: s.LambdaArch,
		ExtraEnv: localStackEnv(s), ReadyTimeout: s.ReadyTimeout, Status: s.Status})
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
// (mounted from the host) as a user allowed to use it.
func localStackEnv(s Settings) []string {
	if s.Target != "docker" {
		return nil
	}
	return []string{"LAMBDA_DOCKER_FLAGS=-v " + HostDockerSocket() + ":/var/run/docker.sock --user root"}
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

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

var (
	_ Provider  = (*embedded.Provider)(nil)
	_ Provider  = (*localstack.Provider)(nil)
	_ Provider  = (*aws.Provider)(nil)
	_ Installer = (*embedded.Provider)(nil)
	_ Installer = (*localstack.Provider)(nil)
)
