package localstack

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"

	"github.com/apidriven/api-driven/internal/status"
)

// ensureImage pulls the image unless the engine has it; it reports
// whether it pulled.
func (p *Provider) ensureImage(ctx context.Context, cli *client.Client) (bool, error) {
	if _, err := cli.ImageInspect(ctx, p.o.Image); err == nil {
		return false, nil
	} else if !cerrdefs.IsNotFound(err) {
		return false, fmt.Errorf("failed to inspect image %s: %w", p.o.Image, err)
	}
	p.o.Status.Infof("pulling %s (about 1 GB the first time)…", p.o.Image)
	resp, err := cli.ImagePull(ctx, p.o.Image, client.ImagePullOptions{})
	if err == nil {
		err = resp.Wait(ctx)
	}
	if err != nil {
		return false, status.WithFix(fmt.Errorf("failed to pull %s: %w", p.o.Image, err),
			"pulling needs access to Docker Hub; offline, use APIDRIVEN_BACKEND=embedded (no Docker, no download)")
	}
	return true, nil
}

// demux turns the engine's multiplexed log stream into text.
func demux(r io.Reader) string {
	var out bytes.Buffer
	if _, err := stdcopy.StdCopy(&out, &out, r); err != nil && out.Len() == 0 {
		return "(unreadable logs: " + err.Error() + ")"
	}
	s := strings.TrimRight(out.String(), "\n")
	if s == "" {
		return "  (no output)"
	}
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}

// Install pulls the pinned image (or installs the CLI in a venv).
func (p *Provider) Install(ctx context.Context) error {
	if p.o.UseCLI {
		return p.installCLI(ctx)
	}
	step := p.o.Status.Start("localstack image " + p.o.Image)
	cli, err := dockerClient(ctx)
	if err != nil {
		return step.Fail(err)
	}
	defer cli.Close()
	pulled, err := p.ensureImage(ctx, cli)
	if err != nil {
		return step.Fail(err)
	}
	if pulled {
		step.Done("pulled")
	} else {
		step.Done("already there, nothing to do")
	}
	return nil
}
