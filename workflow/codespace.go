package workflow

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/apidriven/api-driven/backend/probe"
	"github.com/apidriven/api-driven/internal/status"
	"github.com/apidriven/api-driven/provision"
)

// codespaceEnv is a GitHub Codespace, detected from its variables.
type codespaceEnv struct {
	name, domain, port string
}

func codespace() (codespaceEnv, bool) {
	name, domain := os.Getenv("CODESPACE_NAME"), os.Getenv("GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN")
	if name == "" || domain == "" {
		return codespaceEnv{}, false
	}
	port := "4566"
	if ep := os.Getenv("AWS_ENDPOINT_URL"); ep != "" {
		if _, p, err := probe.HostPort(ep); err == nil {
			port = p
		}
	}
	return codespaceEnv{name: name, domain: domain, port: port}, true
}

// base is the forwarded https origin of the port.
func (c codespaceEnv) base() string {
	return fmt.Sprintf("https://%s-%s.%s", c.name, c.port, c.domain)
}

// forward rewrites the outputs' URLs onto the forwarded origin.
func (c codespaceEnv) forward(o *provision.Outputs) (provision.URLs, error) {
	if o.RestAPIID == "" {
		return provision.URLs{}, errors.New("outputs.json has no restApiId: run `go tool mage deploy`")
	}
	u := func(route string) string {
		return provision.InvokeURL(o.Backend, o.Endpoint, c.base(), o.Region, o.RestAPIID, o.Stage, route)
	}
	return provision.URLs{Start: u("start"), Stop: u("stop"), Status: u("status")}, nil
}

// Public makes the emulator's port public in a Codespace and prints the
// URLs anyone can open; elsewhere it explains why nothing is needed.
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
	step := p.Status.Start(fmt.Sprintf("make port %s public", cs.port))
	gh, err := exec.LookPath("gh")
	if err != nil {
		return step.Fail(status.WithFix(errors.New("the GitHub CLI `gh` is not installed"),
			"in the Ports tab of VS Code, right-click port %s → Port Visibility → Public", cs.port))
	}
	cmd := exec.CommandContext(ctx, gh, "codespace", "ports", "visibility", cs.port+":public", "-c", cs.name)
	if out, err := cmd.CombinedOutput(); err != nil {
		return step.Fail(status.WithFix(fmt.Errorf("`gh codespace ports visibility %s:public -c %s` failed: %w\n%s", cs.port, cs.name, err, strings.TrimSpace(string(out))),
			"run `gh auth refresh -h github.com -s codespace` if it is a permission error, or use the Ports tab: right-click port %s → Port Visibility → Public", cs.port))
	}
	step.Done(cs.base() + " is public")
	if o == nil {
		p.Status.Infof("deploy with `go tool mage all` to get the URLs")
		return nil
	}
	fwd, err := cs.forward(o)
	if err != nil {
		return err
	}
	fmt.Fprintf(p.Out, "\nPublic URLs (anyone with the link can call them until the Codespace stops):\n")
	fmt.Fprintf(p.Out, "  start   %s\n  stop    %s\n  status  %s\n", fwd.Start, fwd.Stop, fwd.Status)
	return nil
}
