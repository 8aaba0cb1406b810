package workflow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"

	"github.com/apidriven/api-driven/backend"
	"github.com/apidriven/api-driven/backend/probe"
	"github.com/apidriven/api-driven/build"
	"github.com/apidriven/api-driven/dockertarget"
	"github.com/apidriven/api-driven/internal/status"
	"github.com/apidriven/api-driven/internal/sticky"
	"github.com/apidriven/api-driven/provision"
	"github.com/apidriven/api-driven/smoke"
)

// Up selects the backend and makes it ready.
func (p *Project) Up(ctx context.Context) (backend.Provider, backend.Settings, error) {
	b, s, err := p.backend(ctx)
	if err != nil {
		return nil, s, err
	}
	if err := p.dockerUp(ctx, s); err != nil {
		return nil, s, err
	}
	if err := b.Up(ctx); err != nil {
		return nil, s, err
	}
	// What runs now is what later targets act on, unless told otherwise.
	if err := sticky.Save(p.StateDir(), s.Sticky()); err != nil {
		return nil, s, err
	}
	return b, s, nil
}

// Build builds the function for the backend's platform (without starting
// the backend).
func (p *Project) Build(ctx context.Context) (*build.Result, error) {
	b, _, err := p.backend(ctx)
	if err != nil {
		return nil, err
	}
	return p.buildFor(ctx, b)
}

func (p *Project) buildFor(ctx context.Context, b backend.Provider) (*build.Result, error) {
	return build.Lambda(ctx, build.Options{Dir: p.Root, Platform: b.BuildPlatform(), Status: p.Status})
}

// Deploy brings the backend up, builds, provisions idempotently and writes
// .apidriven/outputs.json.
func (p *Project) Deploy(ctx context.Context) (*provision.Outputs, error) {
	b, s, err := p.Up(ctx)
	if err != nil {
		return nil, err
	}
	p.serving = serving(b)
	res, err := p.buildFor(ctx, b)
	if err != nil {
		return nil, err
	}
	c, err := clients(ctx, b.Endpoint(), s.Region)
	if err != nil {
		return nil, err
	}
	cfg := provisionConfig(b, s, b.BuildPlatform())
	cfg.Code = res.Code
	if useEC2Containers(b, s) {
		if err := p.prepareEC2Containers(ctx, c, &cfg); err != nil {
			return nil, err
		}
	}
	var web *dockertarget.Container
	if s.Target == provision.TargetDocker {
		if web, err = p.deployDocker(ctx, backend.Kind(b), &cfg); err != nil {
			return nil, err
		}
	}
	out, err := provision.Deploy(ctx, c, cfg, p.Status)
	if err != nil {
		return nil, err
	}
	if web != nil {
		out.ContainerURL = web.URL()
	}
	if dp := dataPlane(b); dp != "" {
		out.DataPlaneEndpoint, out.DataPlaneURLs = dp, provision.URLsAt(out, dp)
	}
	if err := p.writeOutputs(out); err != nil {
		return nil, err
	}
	p.Status.Infof("outputs written to .apidriven/outputs.json")
	return out, nil
}

// All is up, build, deploy, then the URLs and the instance's state as the
// status route reports it; it fails unless that call answered 200.
func (p *Project) All(ctx context.Context) error {
	out, err := p.Deploy(ctx)
	if err != nil {
		return err
	}
	p.printURLs(out)
	fmt.Fprintln(p.Out)
	return p.checkStatus(ctx, out)
}

// checkStatus GETs the status URL, retrying 5xx and connection errors
// briefly (a first invocation may be cold).
func (p *Project) checkStatus(ctx context.Context, o *provision.Outputs) error {
	step := p.Status.Start("GET status")
	hc := routeClient()
	var reply smoke.Reply
	var code int
	err := probe.Wait(ctx, p.Status, "the status route", time.Minute, func(ctx context.Context) error {
		var err error
		code, reply, err = getJSON(ctx, hc, o.URLs.Status)
		if err != nil {
			return err
		}
		if code >= 500 {
			return fmt.Errorf("HTTP %d: %s", code, reply.Error)
		}
		if code != http.StatusOK {
			return probe.Permanent(fmt.Errorf("HTTP %d: %s", code, reply.Error))
		}
		return nil
	})
	if err != nil {
		if o.Backend == provision.BackendOther {
			// moto and other generic emulators accept the whole deployment
			// but neither serve stage URLs nor run a Go Lambda without Docker.
			return step.Fail(status.WithFix(fmt.Errorf("%w (the endpoint at %s accepted the deployment but is neither LocalStack nor this project's emulator, and does not serve the API's stage URLs)", err, o.Endpoint),
				"use the embedded emulator on a free port: APIDRIVEN_BACKEND=embedded AWS_ENDPOINT_URL=%s go tool mage all", probe.OtherEndpoint(o.Endpoint)))
		}
		if smoke.NeedsAPIKey(code, reply) {
			return step.Fail(status.WithFix(err, smoke.APIKeyFix))
		}
		return step.Fail(status.WithFix(err, "run `go tool mage smoke` for details; on the embedded backend see .apidriven/emulator.log"))
	}
	step.Done(fmt.Sprintf("→ HTTP %d: %s %s is %s", code, machine(o), reply.InstanceID, reply.State))
	return nil
}

// Smoke runs the smoke test through the deployed URLs.
func (p *Project) Smoke(ctx context.Context) error {
	o, err := p.ReadOutputs()
	if err != nil {
		return err
	}
	deadline, err := envDuration("APIDRIVEN_SMOKE_TIMEOUT", 5*time.Minute)
	if err != nil {
		return err
	}
	c, err := clients(ctx, o.Endpoint, o.Region)
	if err != nil {
		return err
	}
	cfg := smoke.Config{
		StartURL: o.URLs.Start, StopURL: o.URLs.Stop, StatusURL: o.URLs.Status,
		EC2State: func(ctx context.Context) (string, error) {
			return provision.InstanceState(ctx, c, o.InstanceID)
		},
		Deadline: deadline, Status: p.Status, HTTP: routeClient(),
	}
	id := o.InstanceID
	if o.Target == provision.TargetDocker {
		cfg.EC2State, cfg.Engine, cfg.PortURL = dockerState(o.ContainerName), "Docker ContainerInspect", o.ContainerURL
		cfg.Machine = "container"
		id = o.ContainerName
	}
	if err := smoke.Run(ctx, cfg); err != nil {
		return err
	}
	p.Status.Infof("smoke passed: the routes start, stop and report %s %s", machine(o), id)
	return nil
}

// Clean deletes every resource the project created (found by name and
// tag, with or without outputs.json), stops the backend if this project
// started it, and removes .apidriven/. Running it twice is fine. A failed
// step does not stop the others: the backend is stopped all the same, and
// clean then fails naming every step that failed, keeping .apidriven/ (it
// tells the next clean where to look).
func (p *Project) Clean(ctx context.Context) error {
	b, s, err := p.backend(ctx)
	if err != nil {
		return err
	}
	var failed []error
	if err := p.cleanResources(ctx, b, s); err != nil {
		failed = append(failed, err)
	}
	o, _ := p.ReadOutputs() // names a container deployed under other settings, if any
	if err := p.cleanDocker(ctx, s.Target, o); err != nil {
		failed = append(failed, err)
	}
	if _, external := b.(*backend.External); b.Started() || external {
		if err := b.Down(ctx); err != nil { // External.Down only says it leaves it running
			failed = append(failed, err)
		}
	}
	if err := p.cleanEC2Containers(ctx); err != nil {
		failed = append(failed, err)
	}
	if len(failed) > 0 {
		return cleanFailed(failed)
	}
	return p.removeState()
}

// cleanResources deletes the project's resources where the backend
// answers.
func (p *Project) cleanResources(ctx context.Context, b backend.Provider, s backend.Settings) error {
	reachable := b.Name() == "aws"
	if !reachable {
		found, err := probe.Classify(ctx, b.Endpoint(), s.Region)
		if err != nil {
			return err
		}
		reachable = found.Kind == probe.AWS
	}
	if !reachable {
		p.Status.Infof("nothing answers at %s: no resources to delete there (an emulator's state under .apidriven/ goes with it)", b.Endpoint())
		return nil
	}
	c, err := clients(ctx, b.Endpoint(), s.Region)
	if err != nil {
		return err
	}
	removed, err := provision.Clean(ctx, c, provisionConfig(b, s, b.BuildPlatform()), p.Status)
	switch {
	case len(removed) > 0:
		p.Status.Infof("deleted: %s", strings.Join(removed, ", "))
	case err == nil:
		p.Status.Infof("no api-driven resources at %s", orAWS(b.Endpoint()))
	}
	return err
}

// cleanFailed is clean's error once everything else ran: the failed steps
// by name (each printed its cause and fix already) and what to do.
func cleanFailed(errs []error) error {
	var names []string
	for _, err := range errs {
		names = append(names, stepNames(err)...)
	}
	return status.WithFix(fmt.Errorf("%d step(s) failed: %s; everything else was removed or stopped, and .apidriven/ is kept for the next clean",
		len(names), strings.Join(names, ", ")), "fix the cause printed above each ✗ line, then run `go tool mage clean` again")
}

// stepNames lists the steps an error (possibly joined) names.
func stepNames(err error) []string {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var names []string
		for _, e := range j.Unwrap() {
			names = append(names, stepNames(e)...)
		}
		return names
	}
	var se *status.StepError
	if errors.As(err, &se) {
		return []string{se.Step}
	}
	return []string{err.Error()}
}

// removeState deletes .apidriven/ and says what was in it.
func (p *Project) removeState() error {
	entries, err := os.ReadDir(p.StateDir())
	if errors.Is(err, os.ErrNotExist) {
		p.Status.Infof(".apidriven/ already gone, nothing to remove")
		return nil
	}
	if err != nil {
		return fmt.Errorf("failed to read %s: %w", p.StateDir(), err)
	}
	step := p.Status.Start("remove .apidriven/")
	var names []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() {
			name += "/"
		}
		names = append(names, name)
	}
	sort.Strings(names)
	if err := os.RemoveAll(p.StateDir()); err != nil {
		return step.Fail(fmt.Errorf("failed to remove %s: %w", p.StateDir(), err))
	}
	step.Done("(" + strings.Join(names, ", ") + ")")
	return nil
}

// Install prepares what the backend needs, and nothing more.
func (p *Project) Install(ctx context.Context) error {
	b, _, err := p.backend(ctx)
	if err != nil {
		return err
	}
	if in, ok := b.(backend.Installer); ok {
		return in.Install(ctx)
	}
	switch e := b.(type) {
	case *backend.External:
		p.Status.Infof("%s already answers at %s: nothing to install", e.Describe(), e.Endpoint())
	default:
		p.Status.Infof("%s backend: nothing to install (real AWS needs credentials only: aws configure or AWS_PROFILE)", b.Name())
	}
	return nil
}

// Down stops the backend if this project started it.
func (p *Project) Down(ctx context.Context) error {
	b, _, err := p.backend(ctx)
	if err != nil {
		return err
	}
	return b.Down(ctx)
}

// Outputs prints .apidriven/outputs.json.
func (p *Project) Outputs() error {
	o, err := p.ReadOutputs()
	if err != nil {
		return err
	}
	data, err := os.ReadFile(p.OutputsFile())
	if err != nil {
		return fmt.Errorf("failed to read %s: %w", p.OutputsFile(), err)
	}
	p.Out.Write(data)
	if cs, ok := codespace(); ok && o.Backend != provision.BackendAWS {
		if fwd, err := cs.forward(o, forwardedPort(o)); err == nil {
			fmt.Fprintf(p.Out, "\nForwarded (Codespace): %s  %s  %s\n", fwd.Start, fwd.Stop, fwd.Status)
		}
	}
	return nil
}

// TestCommand is the README's test command.
var TestCommand = [][]string{{"go", "vet", "./..."}, {"go", "test", "-race", "./..."}}

// Test runs the test suite: vet, then every test with the race detector.
func (p *Project) Test(ctx context.Context) error {
	for _, args := range TestCommand {
		step := p.Status.Start(strings.Join(args, " "))
		cmd := exec.CommandContext(ctx, args[0], args[1:]...)
		cmd.Dir = p.Root
		cmd.Stdout, cmd.Stderr = p.Out, p.Out
		if err := cmd.Run(); err != nil {
			return step.Fail(status.WithFix(fmt.Errorf("failed: %w", err), "see the failures above; run one package with `go test -race ./<dir>/ -run <Test>`"))
		}
		step.Done("")
	}
	return nil
}

func getJSON(ctx context.Context, hc *http.Client, u string) (int, smoke.Reply, error) {
	code, body, err := getBody(ctx, hc, u)
	if err != nil {
		return code, smoke.Reply{}, err
	}
	var r smoke.Reply
	if err := json.Unmarshal(body, &r); err != nil && code == http.StatusOK {
		return code, r, fmt.Errorf("GET %s answered non-JSON: %.200s", u, body)
	}
	if r.Error == "" && code != http.StatusOK {
		r.Error = string(body)
	}
	return code, r, nil
}

// getBody GETs u and returns the status code and (the first MiB of) the
// body, trimmed.
func getBody(ctx context.Context, hc *http.Client, u string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, nil, fmt.Errorf("failed to build GET %s: %w", u, err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("GET %s failed: %w", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("failed to read the answer of GET %s: %w", u, err)
	}
	return resp.StatusCode, bytes.TrimSpace(body), nil
}

func orAWS(endpoint string) string {
	if endpoint == "" {
		return "AWS"
	}
	return endpoint
}
