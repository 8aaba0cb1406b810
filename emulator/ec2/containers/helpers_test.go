package containers_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"
	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/api/types/jsonstream"
	"github.com/moby/moby/client"
	"github.com/sethvargo/go-retry"

	"github.com/apidriven/api-driven/dockertarget/dockertest"
	"github.com/apidriven/api-driven/emulator"
	"github.com/apidriven/api-driven/emulator/ec2/containers"
	"github.com/apidriven/api-driven/emulator/emulatortest"
)

// engine returns a client of the engine, or skips the test, saying why
// (and recording it for CI, see dockertest.LogEnv), when none answers.
func engine(t *testing.T) *client.Client {
	t.Helper()
	return dockertest.Engine(t)
}

func suffix(t *testing.T) string {
	t.Helper()
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// ctxT is a per-step context with a deadline.
func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

var webBinary = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "apidriven-ec2-web-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "web")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, "github.com/apidriven/api-driven/cmd/apidriven-web")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("failed to compile cmd/apidriven-web: %w\n%s", err, msg)
	}
	return os.ReadFile(out)
})

// buildAMI builds a FROM scratch image of cmd/apidriven-web (port 8080)
// labelled as an AMI, under a tag of this test's, removed at the end. It
// returns the image id.
func buildAMI(t *testing.T, cli *client.Client, labels map[string]string) (tag, imageID string) {
	t.Helper()
	bin, err := webBinary()
	if err != nil {
		t.Fatal(err)
	}
	dockerfile := "FROM scratch\nCOPY web /web\nEXPOSE 8080/tcp\nENTRYPOINT [\"/web\", \"-addr\", \":8080\"]\n"
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range []struct {
		name string
		data []byte
	}{{"Dockerfile", []byte(dockerfile)}, {"web", bin}} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o755, Size: int64(len(f.data))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(f.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	tag = "apidriven-ec2-test:" + suffix(t)
	ctx := ctxT(t)
	res, err := cli.ImageBuild(ctx, &buf, client.ImageBuildOptions{
		Tags: []string{tag}, Labels: labels, Remove: true, ForceRemove: true, Version: build.BuilderV1,
	})
	if err != nil {
		t.Fatalf("failed to build %s: %v", tag, err)
	}
	defer res.Body.Close()
	dec := json.NewDecoder(res.Body)
	for {
		var m jsonstream.Message
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("failed to read the build of %s: %v", tag, err)
		}
		if m.Error != nil {
			t.Fatalf("failed to build %s: %v", tag, m.Error)
		}
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := cli.ImageRemove(ctx, tag, client.ImageRemoveOptions{Force: true, PruneChildren: true}); err != nil {
			t.Logf("failed to remove image %s: %v", tag, err)
		}
	})
	img, err := cli.ImageInspect(ctx, tag)
	if err != nil {
		t.Fatalf("failed to inspect %s: %v", tag, err)
	}
	return tag, img.ID
}

// startServer starts an emulator in container mode (persisting in
// dataDir unless empty); stop shuts it down, once, and runs at the end of
// the test too, where an error nobody checked fails the test.
func startServer(t *testing.T, dataDir string) (*emulator.Server, func() error) {
	t.Helper()
	srv, err := emulator.Start(emulator.Config{Addr: "127.0.0.1:0", DataDir: dataDir, EC2Containers: true})
	if err != nil {
		t.Fatalf("failed to start the emulator: %v", err)
	}
	stop := sync.OnceValue(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		return srv.Shutdown(ctx)
	})
	var checked bool // the test called stop and checked its error
	t.Cleanup(func() {
		if err := stop(); err != nil && !checked {
			t.Errorf("emulator shutdown: %v", err)
		}
	})
	return srv, func() error { checked = true; return stop() }
}

// wantCode asserts err is the AWS error code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != code {
		t.Fatalf("error = %v, want %s", err, code)
	}
}

// withContainers turns the container mode on.
func withContainers(c *emulator.Config) { c.EC2Containers = true }

func ec2Client(t *testing.T, srv *emulator.Server) *awsec2.Client {
	t.Helper()
	return awsec2.NewFromConfig(emulatortest.AWSConfig(t, srv.URL()))
}

// removeLeftovers force-removes the containers of these instances when
// the test ends, whatever happened.
func removeLeftovers(t *testing.T, cli *client.Client, ids ...string) {
	t.Helper()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for _, id := range ids {
			if _, err := cli.ContainerRemove(ctx, containers.ContainerName(id), client.ContainerRemoveOptions{Force: true}); err == nil {
				t.Logf("removed leftover container of %s", id)
			}
		}
	})
}

// ownedContainers lists the containers of an emulator (project label and
// owner), in any state.
func ownedContainers(t *testing.T, cli *client.Client, owner string) []string {
	t.Helper()
	res, err := cli.ContainerList(ctxT(t), client.ContainerListOptions{All: true,
		Filters: make(client.Filters).Add("label", containers.LabelManaged+"=true", containers.LabelOwner+"="+owner)})
	if err != nil {
		t.Fatalf("ContainerList: %v", err)
	}
	var names []string
	for _, c := range res.Items {
		names = append(names, c.Names...)
	}
	return names
}

// containerOf inspects the instance's container; nil when it is gone.
func containerOf(t *testing.T, cli *client.Client, id string) *client.ContainerInspectResult {
	t.Helper()
	res, err := cli.ContainerInspect(ctxT(t), containers.ContainerName(id), client.ContainerInspectOptions{})
	if err != nil {
		if cerrdefs.IsNotFound(err) {
			return nil
		}
		t.Fatalf("ContainerInspect(%s): %v", id, err)
	}
	return &res
}

// getPage GETs url until it answers 200 (the server needs a moment after
// the container starts) and returns the page's hostname.
func getPage(t *testing.T, url string) string {
	t.Helper()
	hc := &http.Client{Timeout: 2 * time.Second}
	var page struct {
		Hostname string `json:"hostname"`
	}
	b := retry.WithMaxDuration(20*time.Second, retry.WithCappedDuration(500*time.Millisecond, retry.NewExponential(20*time.Millisecond)))
	err := retry.Do(ctxT(t), b, func(ctx context.Context) error {
		resp, err := hc.Get(url)
		if err != nil {
			return retry.RetryableError(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return retry.RetryableError(fmt.Errorf("status %s", resp.Status))
		}
		return json.NewDecoder(resp.Body).Decode(&page)
	})
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return page.Hostname
}

// refused checks nothing listens at addr any more.
func refused(t *testing.T, addr string) {
	t.Helper()
	hc := &http.Client{Timeout: 2 * time.Second}
	resp, err := hc.Get("http://" + addr + "/")
	if err == nil {
		resp.Body.Close()
		t.Fatalf("GET %s answered %s, want a refused connection", addr, resp.Status)
	}
}
