package dockertarget_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/sethvargo/go-retry"

	"github.com/apidriven/api-driven/dockertarget"
	"github.com/apidriven/api-driven/dockertarget/dockertest"
	"github.com/apidriven/api-driven/internal/checkout"
	"github.com/apidriven/api-driven/internal/status"
)

func TestOptionsFromEnv(t *testing.T) {
	for _, k := range []string{"APIDRIVEN_CONTAINER", "APIDRIVEN_IMAGE", "APIDRIVEN_CONTAINER_PORT"} {
		t.Setenv(k, "")
	}
	o, err := dockertarget.OptionsFromEnv("/repo", nil)
	id := checkout.ID("/repo")
	if err != nil || len(id) != 8 || o.Name != "apidriven-web-"+id || o.Image != "apidriven-web:"+id || o.HostPort != 0 || !o.Builds() ||
		o.FunctionLabel() != "io.github.apidriven.checkout="+id {
		t.Fatalf("defaults = %+v, %v", o, err)
	}
	// Another checkout gets other names; the same one, by any path, the same.
	other, _ := dockertarget.OptionsFromEnv("/repo2", nil)
	if other.Name == o.Name || other.Image == o.Image {
		t.Errorf("two checkouts share %s / %s", o.Name, o.Image)
	}
	dir := t.TempDir()
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	if checkout.ID(dir) != checkout.ID(link) || checkout.ID(dir) != checkout.ID(dir+"/.") {
		t.Errorf("one checkout, two IDs: %s, %s", checkout.ID(dir), checkout.ID(link))
	}
	t.Setenv("APIDRIVEN_IMAGE", "nginx:latest")
	if o, _ := dockertarget.OptionsFromEnv("/repo", nil); o.Builds() {
		t.Error("deploy would build nginx:latest")
	}
	t.Setenv("APIDRIVEN_CONTAINER_PORT", "99999")
	if _, err := dockertarget.OptionsFromEnv("/repo", nil); err == nil || status.FixOf(err) == "" {
		t.Errorf("port 99999 accepted: %v", err)
	}
	t.Setenv("APIDRIVEN_CONTAINER_PORT", "")
	t.Setenv("APIDRIVEN_CONTAINER", "-bad name")
	if _, err := dockertarget.OptionsFromEnv("/repo", nil); err == nil {
		t.Error("invalid container name accepted")
	}
}

// An engine that does not answer is a quick error naming the fix.
func TestConnectWithoutEngine(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(t.TempDir(), "docker.sock"))
	_, err := dockertarget.Connect(context.Background())
	if err == nil || !strings.Contains(err.Error(), "APIDRIVEN_TARGET=docker needs a Docker engine") ||
		!strings.Contains(status.FixOf(err), "APIDRIVEN_TARGET=ec2") {
		t.Fatalf("err %v, fix %q", err, status.FixOf(err))
	}
}

// The whole life of the container on the real engine.
func TestEnsureAndRemove(t *testing.T) {
	cli := dockertest.Engine(t)
	ctx := context.Background()
	o := dockertest.Options(t, cli, dockertest.Root(t))

	c, err := dockertarget.Ensure(ctx, cli, o)
	if err != nil {
		t.Fatalf("Ensure: %v", err)
	}
	if c.State != container.StateRunning || c.HostPort == 0 || c.URL() != fmt.Sprintf("http://127.0.0.1:%d/", c.HostPort) {
		t.Fatalf("after Ensure: %+v", c)
	}
	page := waitAnswers(t, c.URL())
	if page["service"] != "apidriven-web" {
		t.Fatalf("the container answered %v", page)
	}
	img, err := dockertarget.InspectImage(ctx, cli, o.Image)
	if err != nil || img == nil || !img.Ours || img.Port != "8080/tcp" || c.ImageID != img.ID {
		t.Fatalf("image %+v, %v (container image %s)", img, err, c.ImageID)
	}

	// Idempotent: same container, same port.
	again, err := dockertarget.Ensure(ctx, cli, o)
	if err != nil || again.ID != c.ID || again.HostPort != c.HostPort {
		t.Fatalf("second Ensure = %+v, %v; want container %s on port %d", again, err, c.ID, c.HostPort)
	}

	// A stopped container stays stopped (the API decides), and its port refuses.
	grace := 3
	if _, err := cli.ContainerStop(ctx, o.Name, client.ContainerStopOptions{Timeout: &grace}); err != nil {
		t.Fatal(err)
	}
	stopped, err := dockertarget.Ensure(ctx, cli, o)
	if err != nil || stopped.ID != c.ID || stopped.State != container.StateExited {
		t.Fatalf("Ensure of a stopped container = %+v, %v", stopped, err)
	}
	waitRefused(t, c.URL())

	// A rebuild of unchanged sources keeps the image (engine cache).
	rebuilt, err := dockertarget.BuildImage(ctx, cli, o)
	if err != nil || rebuilt.ID != img.ID {
		t.Fatalf("rebuild = %+v, %v; want image %s", rebuilt, err, img.ID)
	}

	// Removed behind our back: Ensure recreates it, on the port it had
	// when that is still free.
	if _, err := cli.ContainerRemove(ctx, o.Name, client.ContainerRemoveOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	o.PreferredPort = c.HostPort
	re, err := dockertarget.Ensure(ctx, cli, o)
	if err != nil || re.ID == c.ID || re.HostPort != c.HostPort || re.State != container.StateRunning {
		t.Fatalf("Ensure after removal = %+v, %v", re, err)
	}

	// A preferred port somebody else took: another free one.
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	if _, err := cli.ContainerRemove(ctx, o.Name, client.ContainerRemoveOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	o.PreferredPort = busy.Addr().(*net.TCPAddr).Port
	moved, err := dockertarget.Ensure(ctx, cli, o)
	if err != nil || moved.HostPort == 0 || moved.HostPort == o.PreferredPort || moved.State != container.StateRunning {
		t.Fatalf("Ensure with a busy preferred port = %+v, %v", moved, err)
	}

	removed, err := dockertarget.Remove(ctx, cli, o)
	if err != nil || len(removed) != 2 {
		t.Fatalf("Remove = %v, %v; want the container and the image", removed, err)
	}
	if c, err := dockertarget.Inspect(ctx, cli, o.Name); c != nil || err != nil {
		t.Fatalf("container left: %+v %v", c, err)
	}
	if img, err := dockertarget.InspectImage(ctx, cli, o.Image); img != nil || err != nil {
		t.Fatalf("image left: %+v %v", img, err)
	}
	if removed, err := dockertarget.Remove(ctx, cli, o); err != nil || len(removed) != 0 {
		t.Fatalf("second Remove = %v, %v; want nothing", removed, err)
	}
}

// A container of that name that is not the project's is never touched.
func TestForeignContainerIsLeftAlone(t *testing.T) {
	cli := dockertest.Engine(t)
	ctx := context.Background()
	o := dockertest.Options(t, cli, dockertest.Root(t))
	if _, err := dockertarget.BuildImage(ctx, cli, o); err != nil {
		t.Fatal(err)
	}
	// Containers inherit the image's labels; this one overrides ours.
	_, err := cli.ContainerCreate(ctx, client.ContainerCreateOptions{Name: o.Name,
		Config: &container.Config{Image: o.Image, Labels: map[string]string{dockertarget.LabelManaged: "false"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dockertarget.Ensure(ctx, cli, o); err == nil || !strings.Contains(err.Error(), "not created by this project") {
		t.Fatalf("Ensure on a foreign container: %v", err)
	}
	if _, err := dockertarget.Remove(ctx, cli, o); err == nil {
		t.Fatal("Remove of a foreign container reported success")
	}
	if _, err := cli.ContainerInspect(ctx, o.Name, client.ContainerInspectOptions{}); err != nil {
		t.Fatalf("the foreign container was removed: %v", err)
	}
}

// A missing image that is not ours is never pulled.
func TestMissingForeignImage(t *testing.T) {
	cli := dockertest.Engine(t)
	o := dockertest.Options(t, cli, dockertest.Root(t))
	o.Image = "apidriven-not-ours-" + dockertest.Suffix(t) + ":1"
	_, err := dockertarget.EnsureImage(context.Background(), cli, o)
	if err == nil || !strings.Contains(err.Error(), "nothing is pulled") || !strings.Contains(status.FixOf(err), "unset APIDRIVEN_IMAGE") {
		t.Fatalf("err %v, fix %q", err, status.FixOf(err))
	}
}

func waitAnswers(t *testing.T, url string) map[string]string {
	t.Helper()
	var page map[string]string
	err := poll(func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return retry.RetryableError(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return retry.RetryableError(fmt.Errorf("HTTP %d", resp.StatusCode))
		}
		return json.NewDecoder(resp.Body).Decode(&page)
	})
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return page
}

func waitRefused(t *testing.T, url string) {
	t.Helper()
	err := poll(func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			return retry.RetryableError(fmt.Errorf("still answers HTTP %d", resp.StatusCode))
		}
		if !errors.Is(err, syscall.ECONNREFUSED) {
			return retry.RetryableError(err)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("GET %s should be refused: %v", url, err)
	}
}

func poll(fn func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return retry.Do(ctx, retry.WithCappedDuration(time.Second, retry.NewExponential(50*time.Millisecond)), func(ctx context.Context) error {
		rctx, rcancel := context.WithTimeout(ctx, 5*time.Second)
		defer rcancel()
		return fn(rctx)
	})
}
