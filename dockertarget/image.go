package dockertarget

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/api/types/jsonstream"
	"github.com/moby/moby/client"

	"github.com/apidriven/api-driven/internal/checkout"
	"github.com/apidriven/api-driven/internal/status"
)

// dockerfile is the whole image: the static server and nothing else.
// USER nobody: the server needs no privileges.
const dockerfile = `FROM scratch
COPY apidriven-web /apidriven-web
EXPOSE 8080/tcp
USER 65534:65534
ENTRYPOINT ["/apidriven-web", "-addr", ":8080"]
`

// Image is an image the engine has.
type Image struct {
	Ref  string
	ID   string
	Ours bool // carries LabelManaged=true
	// Checkout is the checkout label's value ("" on images built before
	// names were per checkout).
	Checkout string
	Port     string // the TCP port it exposes ("8080/tcp")
	Created  bool   // built just now
}

// InspectImage looks ref up; nil when the engine does not have it.
func InspectImage(ctx context.Context, cli *client.Client, ref string) (*Image, error) {
	res, err := cli.ImageInspect(ctx, ref)
	if cerrdefs.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("failed to inspect image %s: %w", ref, err)
	}
	img := &Image{Ref: ref, ID: res.ID, Port: fmt.Sprintf("%d/tcp", ServerPort)}
	if cfg := res.Config; cfg != nil {
		img.Ours = cfg.Labels[LabelManaged] == "true"
		img.Checkout = cfg.Labels[checkout.Label]
		var tcp []string
		for p := range cfg.ExposedPorts {
			if strings.HasSuffix(p, "/tcp") {
				tcp = append(tcp, p)
			}
		}
		if len(tcp) == 1 { // a user's image (APIDRIVEN_IMAGE) may serve another port
			img.Port = tcp[0]
		}
	}
	return img, nil
}

// EnsureImage returns the image, building it when it is missing and is
// ours to build (repository apidriven-web); any other missing image is an
// error, since nothing is pulled from a registry.
func EnsureImage(ctx context.Context, cli *client.Client, o Options) (*Image, error) {
	img, err := InspectImage(ctx, cli, o.Image)
	if err != nil || img != nil {
		return img, err
	}
	if !o.Builds() {
		return nil, status.WithFix(fmt.Errorf("image %s is not on this Docker engine, and nothing is pulled from a registry", o.Image),
			"pull or build it yourself (docker pull %s), or unset APIDRIVEN_IMAGE to use the locally built %s", o.Image, DefaultImageFor(o.Checkout))
	}
	return BuildImage(ctx, cli, o)
}

// BuildImage compiles cmd/apidriven-web statically for the engine's
// platform and builds o.Image FROM scratch from an in-memory context. An
// unchanged binary hits the engine's cache and keeps the image id.
func BuildImage(ctx context.Context, cli *client.Client, o Options) (*Image, error) {
	step := o.Status.Start("build image " + o.Image)
	img, err := buildImage(ctx, cli, o)
	if err != nil {
		return nil, step.Fail(err)
	}
	step.Done(fmt.Sprintf("→ %s (%s)", img.ID[:min(len(img.ID), 19)], platformOf(ctx, cli)))
	return img, nil
}

func buildImage(ctx context.Context, cli *client.Client, o Options) (*Image, error) {
	if !o.Builds() {
		return nil, status.WithFix(fmt.Errorf("APIDRIVEN_IMAGE=%s is not an image this project builds (repository %s)", o.Image, LocalRepository),
			"unset APIDRIVEN_IMAGE, or use a tag of %s such as %s", LocalRepository, DefaultImageFor(o.Checkout))
	}
	old, err := InspectImage(ctx, cli, o.Image)
	if err != nil {
		return nil, err
	}
	if old != nil && !old.Ours {
		return nil, status.WithFix(fmt.Errorf("image %s exists but was not built by this project (no %s label)", o.Image, LabelManaged),
			"remove it (docker rmi %s) or choose another tag with APIDRIVEN_IMAGE", o.Image)
	}
	goos, goarch, err := enginePlatform(ctx, cli)
	if err != nil {
		return nil, err
	}
	bin, err := compile(ctx, o.Root, goos, goarch)
	if err != nil {
		return nil, err
	}
	buildCtx, err := contextTar(bin)
	if err != nil {
		return nil, err
	}
	bctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	res, err := cli.ImageBuild(bctx, bytes.NewReader(buildCtx), client.ImageBuildOptions{
		Tags: []string{o.Image}, Dockerfile: "Dockerfile", Labels: Labels(o.Checkout),
		Remove: true, ForceRemove: true, Version: build.BuilderV1, // BuildKit needs a session; V1 needs nothing
	})
	if err != nil {
		return nil, fmt.Errorf("failed to build image %s: %w", o.Image, err)
	}
	defer res.Body.Close()
	log, err := readBuild(res.Body)
	if err != nil {
		return nil, fmt.Errorf("failed to build image %s: %w\n%s", o.Image, err, indent(log))
	}
	img, err := InspectImage(ctx, cli, o.Image)
	if err != nil {
		return nil, err
	}
	if img == nil {
		return nil, fmt.Errorf("the engine built %s but does not list it:\n%s", o.Image, indent(log))
	}
	img.Created = true
	if old != nil && old.ID != img.ID {
		removeStale(ctx, cli, old.ID) // the previous build, now untagged
	}
	return img, nil
}

// readBuild collects the build's output and returns the error the stream
// reports, if any (a failed build still answers 200).
func readBuild(r io.Reader) (string, error) {
	var log strings.Builder
	dec := json.NewDecoder(r)
	for {
		var m jsonstream.Message
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			return log.String(), nil
		}
		if err != nil {
			return log.String(), fmt.Errorf("failed to read the build output: %w", err)
		}
		log.WriteString(m.Stream)
		if m.Error != nil {
			return log.String(), m.Error
		}
	}
}

// enginePlatform is the engine's OS and architecture: the binary runs in
// the engine's Linux VM even when this machine is a Mac.
func enginePlatform(ctx context.Context, cli *client.Client) (string, string, error) {
	v, err := cli.ServerVersion(ctx, client.ServerVersionOptions{})
	if err != nil {
		return "", "", fmt.Errorf("failed to ask the Docker engine for its version: %w", err)
	}
	if v.Os != "linux" {
		return "", "", status.WithFix(fmt.Errorf("the Docker engine runs %s containers; the docker target needs Linux containers", v.Os),
			"switch Docker Desktop to Linux containers")
	}
	return v.Os, v.Arch, nil
}

func platformOf(ctx context.Context, cli *client.Client) string {
	goos, goarch, err := enginePlatform(ctx, cli)
	if err != nil {
		return "?"
	}
	return goos + "/" + goarch
}

// compile builds the static server and returns its bytes.
func compile(ctx context.Context, root, goos, goarch string) ([]byte, error) {
	dir, err := os.MkdirTemp("", "apidriven-web-")
	if err != nil {
		return nil, fmt.Errorf("failed to create a build directory: %w", err)
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "apidriven-web")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", out, "./cmd/apidriven-web")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, status.WithFix(fmt.Errorf("failed to compile ./cmd/apidriven-web for %s/%s: %w\n%s", goos, goarch, err, msg),
			"run `go build ./cmd/apidriven-web` to see the error")
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("failed to read the compiled server: %w", err)
	}
	return data, nil
}

// contextTar is the build context: the Dockerfile and the binary, with
// fixed times so identical inputs make an identical context.
func contextTar(bin []byte) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mtime := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, f := range []struct {
		name string
		mode int64
		data []byte
	}{{"Dockerfile", 0o644, []byte(dockerfile)}, {"apidriven-web", 0o755, bin}} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), ModTime: mtime, Typeflag: tar.TypeReg}); err != nil {
			return nil, fmt.Errorf("failed to write the build context: %w", err)
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, fmt.Errorf("failed to write the build context: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("failed to write the build context: %w", err)
	}
	return buf.Bytes(), nil
}

// removeStale removes an untagged previous build of ours; still in use or
// already gone is fine.
func removeStale(ctx context.Context, cli *client.Client, id string) {
	img, err := InspectImage(ctx, cli, id)
	if err != nil || img == nil || !img.Ours {
		return
	}
	_, _ = cli.ImageRemove(ctx, id, client.ImageRemoveOptions{PruneChildren: true})
}

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return "  (no build output)"
	}
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}
