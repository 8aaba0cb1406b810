// Package workflow holds the logic of the Mage targets: every target in
// magefile.go is a one-line call into this package.
package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/apidriven/api-driven/backend"
	"github.com/apidriven/api-driven/backend/probe"
	"github.com/apidriven/api-driven/build"
	"github.com/apidriven/api-driven/emulator/trace"
	"github.com/apidriven/api-driven/internal/status"
	"github.com/apidriven/api-driven/provision"
)

// Project is the repository the targets act on.
type Project struct {
	Root   string // module root
	Out    io.Writer
	Status *status.Status

	dockerChecked bool   // up found the Docker engine (docker target)
	serving       string // who serves the deployment, for the URLs' header
}

// Current is the project around the working directory (mage runs targets
// in the magefile's directory), printing to stdout.
func Current() (*Project, error) {
	dir, err := os.Getwd()
	if err != nil {
		return nil, fmt.Errorf("failed to get the working directory: %w", err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return &Project{Root: d, Out: os.Stdout, Status: status.New(os.Stdout)}, nil
		}
		if filepath.Dir(d) == d {
			return nil, status.WithFix(fmt.Errorf("no go.mod above %s", dir), "run the targets from the repository: go tool mage -l")
		}
	}
}

// StateDir is .apidriven/: pid, log, data, build outputs, outputs.json.
func (p *Project) StateDir() string { return filepath.Join(p.Root, ".apidriven") }

// OutputsFile is .apidriven/outputs.json.
func (p *Project) OutputsFile() string { return filepath.Join(p.StateDir(), "outputs.json") }

func (p *Project) settings() (backend.Settings, error) {
	return backend.SettingsFromEnv(p.Root, p.Status)
}

// backend selects the backend without starting it.
func (p *Project) backend(ctx context.Context) (backend.Provider, backend.Settings, error) {
	s, err := p.settings()
	if err != nil {
		return nil, s, err
	}
	b, err := backend.Select(ctx, s)
	return b, s, err
}

// clients are SDK clients for the backend's endpoint.
func clients(ctx context.Context, endpoint, region string) (provision.Clients, error) {
	cfg, err := probe.AWSConfig(ctx, endpoint, region)
	if err != nil {
		return provision.Clients{}, err
	}
	return provision.NewClients(cfg), nil
}

// provisionConfig is what provision needs from the environment; Code and
// Architecture are filled by the caller after the build.
func provisionConfig(b backend.Provider, s backend.Settings, platform build.Platform) provision.Config {
	return provision.Config{
		Backend:      backend.Kind(b),
		Endpoint:     b.Endpoint(),
		Region:       s.Region,
		Stage:        os.Getenv("APIDRIVEN_STAGE"),
		TagValue:     os.Getenv("APIDRIVEN_TAG_VALUE"),
		SubnetID:     strings.TrimSpace(os.Getenv("APIDRIVEN_SUBNET_ID")),
		Architecture: platform.LambdaArch(),
		// An api-driven emulator switches between plain and container
		// instances by image: the instance must run the image asked for.
		ReplaceOtherImage: backend.Kind(b) == provision.BackendEmbedded,
	}
}

// writeOutputs stores the deployment atomically: a reader never sees half
// a file.
func (p *Project) writeOutputs(o *provision.Outputs) error {
	data, err := json.MarshalIndent(o, "", "  ")
	if err != nil {
		return fmt.Errorf("failed to encode outputs: %w", err)
	}
	if err := os.MkdirAll(p.StateDir(), 0o755); err != nil {
		return fmt.Errorf("failed to create %s: %w", p.StateDir(), err)
	}
	tmp, err := os.CreateTemp(p.StateDir(), ".outputs-*.json")
	if err != nil {
		return fmt.Errorf("failed to write outputs: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("failed to write outputs: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("failed to write outputs: %w", err)
	}
	if err := os.Rename(tmp.Name(), p.OutputsFile()); err != nil {
		return fmt.Errorf("failed to write outputs: %w", err)
	}
	return nil
}

// ReadOutputs loads .apidriven/outputs.json.
func (p *Project) ReadOutputs() (*provision.Outputs, error) {
	data, err := os.ReadFile(p.OutputsFile())
	if errors.Is(err, os.ErrNotExist) {
		return nil, status.WithFix(errors.New("nothing deployed yet: .apidriven/outputs.json does not exist"), "run `go tool mage all` first")
	}
	if err != nil {
		return nil, fmt.Errorf("failed to read %s: %w", p.OutputsFile(), err)
	}
	var o provision.Outputs
	if err := json.Unmarshal(data, &o); err != nil {
		return nil, status.WithFix(fmt.Errorf("failed to parse %s: %w", p.OutputsFile(), err), "run `go tool mage deploy` to rewrite it")
	}
	return &o, nil
}

// printURLs shows the three URLs, plus the forwarded ones in a Codespace.
func (p *Project) printURLs(o *provision.Outputs) {
	serving := p.serving
	if serving == "" {
		serving = o.Backend + " backend"
	}
	if o.Target == provision.TargetDocker {
		fmt.Fprintf(p.Out, "\nURLs (%s, docker container %s):\n", serving, o.ContainerName)
	} else {
		fmt.Fprintf(p.Out, "\nURLs (%s, instance %s):\n", serving, o.InstanceID)
	}
	fmt.Fprintf(p.Out, "  start   %s\n  stop    %s\n  status  %s\n", o.URLs.Start, o.URLs.Stop, o.URLs.Status)
	if o.Backend == provision.BackendEmbedded {
		fmt.Fprintf(p.Out, "  console %s%s (each request traced; in the terminal: go tool mage trace)\n", strings.TrimRight(o.Endpoint, "/"), trace.ConsolePath)
	}
	if o.ContainerURL != "" {
		fmt.Fprintf(p.Out, "  the container's own page (answers while it runs, refuses while stopped): %s\n", o.ContainerURL)
	}
	if cs, ok := codespace(); ok && o.Backend != provision.BackendAWS {
		port := forwardedPort(o)
		fwd, err := cs.forward(o, port)
		if err != nil {
			p.Status.Infof("%v", err)
			return
		}
		if o.DataPlaneEndpoint != "" {
			fmt.Fprintf(p.Out, "\nIn this Codespace, from your browser (port %s, which serves these stage URLs only):\n", port)
		} else {
			fmt.Fprintf(p.Out, "\nIn this Codespace, from your browser (port %s forwarded):\n", port)
		}
		fmt.Fprintf(p.Out, "  start   %s\n  stop    %s\n  status  %s\n", fwd.Start, fwd.Stop, fwd.Status)
		if o.Backend == provision.BackendEmbedded {
			fmt.Fprintf(p.Out, "  console %s%s (private to you: it is on the AWS APIs' port, which `public` never publishes)\n", cs.base(forwardedPortOf(o.Endpoint)), trace.ConsolePath)
		}
		if o.DataPlaneEndpoint != "" {
			fmt.Fprintf(p.Out, "  They are private to you (GitHub sign-in). To let anyone open them, run `go tool mage public`:\n")
			fmt.Fprintf(p.Out, "  it publishes port %s only; the AWS APIs (port %s) stay private.\n", port, forwardedPortOf(o.Endpoint))
		} else {
			fmt.Fprintf(p.Out, "  They are private to you (GitHub sign-in). The %s backend serves them on the port of all its AWS APIs,\n", o.Backend)
			fmt.Fprintf(p.Out, "  so `go tool mage public` will not publish it (see docs/security.md).\n")
		}
	}
}

// serving says who serves a deployment: the backend this project runs,
// or what it found running and uses as it is.
func serving(b backend.Provider) string {
	if e, ok := b.(*backend.External); ok {
		return e.Describe() + " at " + e.Endpoint() + ", not started by this project"
	}
	return b.Name() + " backend"
}

// machine is what the routes drive, for messages.
func machine(o *provision.Outputs) string {
	if o.Target == provision.TargetDocker {
		return "container"
	}
	return "instance"
}

func envDuration(key string, def time.Duration) (time.Duration, error) {
	v := strings.TrimSpace(os.Getenv(key))
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, status.WithFix(fmt.Errorf("invalid %s %q", key, v), "use a Go duration such as 90s or 5m")
	}
	return d, nil
}
