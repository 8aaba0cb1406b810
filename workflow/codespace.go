package workflow

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/apidriven/api-driven/backend"
	"github.com/apidriven/api-driven/backend/embedded"
	"github.com/apidriven/api-driven/backend/probe"
	"github.com/apidriven/api-driven/internal/status"
	"github.com/apidriven/api-driven/provision"
)

// codespaceEnv is a GitHub Codespace, detected from its variables.
type codespaceEnv struct {
	name, domain string
}

func codespace() (codespaceEnv, bool) {
	name, domain := os.Getenv("CODESPACE_NAME"), os.Getenv("GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN")
	if name == "" || domain == "" {
		return codespaceEnv{}, false
	}
	return codespaceEnv{name: name, domain: domain}, true
}

// base is the forwarded https origin of port.
func (c codespaceEnv) base(port string) string {
	return fmt.Sprintf("https://%s-%s.%s", c.name, port, c.domain)
}

// forwardedPort is the port whose forwarded URLs to show: the embedded
// emulator's public data-plane port, else the endpoint's own.
func forwardedPort(o *provision.Outputs) string {
	for _, endpoint := range []string{o.DataPlaneEndpoint, o.Endpoint} {
		if _, port, err := probe.HostPort(endpoint); endpoint != "" && err == nil {
			return port
		}
	}
	return "4566"
}

// forward is the outputs' URLs on the forwarded origin of port.
func (c codespaceEnv) forward(o *provision.Outputs, port string) (provision.URLs, error) {
	if o.RestAPIID == "" {
		return provision.URLs{}, errors.New("outputs.json has no restApiId: run `go tool mage deploy`")
	}
	return provision.URLsAt(o, c.base(port)), nil
}

// dataPlane is the backend's public data-plane endpoint: the embedded
// emulator's second port; "" for backends that serve stage URLs on the
// port of their AWS APIs.
func dataPlane(b backend.Provider) string {
	if e, ok := b.(*embedded.Provider); ok {
		return e.PublicEndpoint()
	}
	return ""
}

// publicPort is the port `public` may publish: the data-plane port only,
// never the port of the AWS APIs.
func (p *Project) publicPort(o *provision.Outputs) (string, error) {
	if o != nil && o.DataPlaneEndpoint != "" {
		_, port, err := probe.HostPort(o.DataPlaneEndpoint)
		return port, err
	}
	if o != nil && o.Backend != provision.BackendEmbedded {
		_, port, _ := probe.HostPort(o.Endpoint)
		return "", status.WithFix(fmt.Errorf("the %s backend serves the stage URLs on the same port (%s) as all its AWS APIs: making it public would let anyone with the link create and run code in this Codespace", o.Backend, port),
			"use the embedded emulator, whose port %s serves the stage URLs only: APIDRIVEN_BACKEND=embedded go tool mage all, then go tool mage public", p.embeddedPublicPort())
	}
	if o != nil {
		return "", status.WithFix(fmt.Errorf("the emulator at %s was started without its public port", o.Endpoint),
			"restart it: go tool mage down, then go tool mage all")
	}
	return p.embeddedPublicPort(), nil
}

// embeddedPublicPort is the public port the embedded emulator gets for
// the endpoint in force (the environment's, else the recorded one).
func (p *Project) embeddedPublicPort() string {
	endpoint, chosen := probe.DefaultEndpoint, ""
	if s, err := p.settings(); err == nil && s.Endpoint != "" {
		endpoint, chosen = s.Endpoint, s.PublicPort
	}
	port, err := embedded.PublicPort(endpoint, chosen)
	if err != nil {
		return "4567"
	}
	return port
}

// Public makes the emulator's public data-plane port public in a
// Codespace and prints the URLs anyone can open; the port of the AWS APIs
// stays private. Elsewhere it explains why nothing is needed.
func (p *Project) Public(ctx context.Context) error {
	o, _ := p.ReadOutputs()
	if o != nil && o.Backend == provision.BackendAWS {
		p.Status.Infof("the aws backend's API Gateway URLs are public already; nothing to do")
		return nil
	}
	cs, ok := codespace()
	if !ok {
		p.Status.Infof("not in a GitHub Codespace (CODESPACE_NAME / GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN unset):")
		p.Status.Infof("the URLs on localhost work from this machine's browser as they are; nothing to make public.")
		return nil
	}
	port, err := p.publicPort(o)
	if err != nil {
		return err
	}
	step := p.Status.Start(fmt.Sprintf("make port %s public (stage URLs only)", port))
	gh, err := exec.LookPath("gh")
	if err != nil {
		return step.Fail(status.WithFix(errors.New("the GitHub CLI `gh` is not installed"),
			"in the Ports tab of VS Code, right-click port %s → Port Visibility → Public (never port 4566: it serves the AWS APIs)", port))
	}
	cmd := exec.CommandContext(ctx, gh, "codespace", "ports", "visibility", port+":public", "-c", cs.name)
	if out, err := cmd.CombinedOutput(); err != nil {
		return step.Fail(status.WithFix(fmt.Errorf("`gh codespace ports visibility %s:public -c %s` failed: %w\n%s", port, cs.name, err, strings.TrimSpace(string(out))),
			"run `gh auth refresh -h github.com -s codespace` if it is a permission error, or use the Ports tab: right-click port %s → Port Visibility → Public", port))
	}
	step.Done(cs.base(port) + " is public")
	if o == nil {
		p.Status.Infof("deploy with `go tool mage all` to get the URLs")
		return nil
	}
	fwd, err := cs.forward(o, port)
	if err != nil {
		return err
	}
	fmt.Fprintf(p.Out, "\nPublic URLs: anyone with a link can call these routes, and so run your function in this Codespace (it starts and stops %s %s),\n", machine(o), machineID(o))
	fmt.Fprintf(p.Out, "until the Codespace stops or you run `gh codespace ports visibility %s:private -c $CODESPACE_NAME`.\n", port)
	fmt.Fprintf(p.Out, "Port %s serves these stage URLs only; the AWS APIs (port %s) stay private.\n", port, forwardedPortOf(o.Endpoint))
	fmt.Fprintf(p.Out, "  start   %s\n  stop    %s\n  status  %s\n", fwd.Start, fwd.Stop, fwd.Status)
	return nil
}

func forwardedPortOf(endpoint string) string {
	if _, port, err := probe.HostPort(endpoint); err == nil {
		return port
	}
	return "4566"
}

// machineID names what the routes drive, for messages.
func machineID(o *provision.Outputs) string {
	if o.Target == provision.TargetDocker {
		return o.ContainerName
	}
	return o.InstanceID
}
