package e2e_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/sethvargo/go-retry"

	"github.com/apidriven/api-driven/dockertarget"
	"github.com/apidriven/api-driven/dockertarget/dockertest"
)

// TestDockerEndToEnd: with APIDRIVEN_TARGET=docker on the embedded
// backend, all → the URLs stop and start a real container (its port
// refuses, then answers) → smoke → the container removed behind the API's
// back (404, deploy recreates it) → clean → nothing of the project's left
// on the engine → clean again.
func TestDockerEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	cli := dockertest.Engine(t)
	ctx := context.Background()
	id := dockertest.Suffix(t)
	name, image := "apidriven-web-e2e-"+id, dockertarget.LocalRepository+":e2e-"+id
	endpoint := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	r := &repo{dir: copyRepo(t), env: env("APIDRIVEN_BACKEND=embedded", "AWS_ENDPOINT_URL="+endpoint,
		"APIDRIVEN_TARGET=docker", "APIDRIVEN_CONTAINER="+name, "APIDRIVEN_IMAGE="+image)}
	t.Cleanup(func() { stopLeftover(t, r.dir) })
	t.Cleanup(func() { dockertest.Cleanup(t, cli, dockertarget.Options{Name: name, Image: image}) })

	out := r.mustMage(t, "all")
	for _, want := range []string{"✓ docker engine", "✓ build image " + image, "✓ docker container " + name + " created, running at http://127.0.0.1:",
		"✓ GET status → HTTP 200: container " + name + " is running", "docker container " + name} {
		if !strings.Contains(out, want) {
			t.Errorf("`mage all` output lacks %q", want)
		}
	}
	o := r.outputs(t)
	if o.Target != "docker" || o.ContainerName != name || !strings.HasPrefix(o.ContainerURL, "http://127.0.0.1:") || o.InstanceID != "" {
		t.Fatalf("outputs.json = %+v", o)
	}
	if i, f, a, role := newSDK(t, endpoint).counts(t); i != 0 || f != 1 || a != 1 || !role {
		t.Fatalf("after deploy: %d instances (want none for docker), %d functions, %d APIs, role %v", i, f, a, role)
	}
	state := func() container.ContainerState {
		t.Helper()
		res, err := cli.ContainerInspect(ctx, name, client.ContainerInspectOptions{})
		if err != nil {
			t.Fatalf("ContainerInspect %s: %v", name, err)
		}
		return res.Container.State.Status
	}

	// The URLs, as a browser opens them, move the real container.
	waitState(t, o.URLs.Status, "running")
	portAnswers(t, o.ContainerURL)
	if code, rep := get(t, o.URLs.Stop); code != http.StatusOK || rep.InstanceID != name || rep.PreviousState != "running" || rep.CurrentState != "stopped" {
		t.Fatalf("GET stop = %d %+v", code, rep)
	}
	if s := state(); s != container.StateExited {
		t.Fatalf("after /stop the engine says %s", s)
	}
	portRefuses(t, o.ContainerURL)
	if code, rep := get(t, o.URLs.Status); code != http.StatusOK || rep.State != "stopped" {
		t.Fatalf("GET status = %d %+v", code, rep)
	}
	if code, rep := get(t, o.URLs.Start); code != http.StatusOK || rep.PreviousState != "stopped" || rep.CurrentState != "running" {
		t.Fatalf("GET start = %d %+v", code, rep)
	}
	if s := state(); s != container.StateRunning {
		t.Fatalf("after /start the engine says %s", s)
	}
	portAnswers(t, o.ContainerURL)
	if code, rep := get(t, o.URLs.Stop+"?instanceId=postgres"); code != http.StatusForbidden || !strings.Contains(rep.Error, "only controls container "+name) {
		t.Fatalf("stop of another container = %d %+v", code, rep)
	}

	out = r.mustMage(t, "smoke")
	for _, want := range []string{"Docker agrees", "✓ smoke port refuses", "✓ smoke port answers → HTTP 200", "✓ smoke unknown route → HTTP 404"} {
		if !strings.Contains(out, want) {
			t.Errorf("`mage smoke` output lacks %q", want)
		}
	}

	// Removed behind the API's back: 404 naming the fix; deploy recreates it
	// on the same URL.
	if _, err := cli.ContainerRemove(ctx, name, client.ContainerRemoveOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	if code, rep := get(t, o.URLs.Status); code != http.StatusNotFound || !strings.Contains(rep.Error, "run `go tool mage deploy` to recreate it") {
		t.Fatalf("status of a removed container = %d %+v", code, rep)
	}
	out = r.mustMage(t, "deploy")
	if !strings.Contains(out, "✓ docker container "+name+" created") {
		t.Errorf("deploy should say it recreated the container")
	}
	if again := r.outputs(t); again.ContainerURL != o.ContainerURL {
		t.Errorf("the container's URL changed on recreation: %s, then %s", o.ContainerURL, again.ContainerURL)
	}
	waitState(t, o.URLs.Status, "running")

	// clean works from the names alone.
	out = r.mustMage(t, "clean")
	if !strings.Contains(out, "docker container "+name+", docker image "+image) {
		t.Errorf("`mage clean` should say it removed the container and the image")
	}
	assertNothingLeft(t, cli, name, image)
	out = r.mustMage(t, "clean")
	if !strings.Contains(out, "(nothing there)") || !strings.Contains(out, "already gone") {
		t.Errorf("second `mage clean` should say there was nothing left")
	}
}

// assertNothingLeft lists, like `docker ps -a` and `docker images`, the
// project's containers and images of this test.
func assertNothingLeft(t *testing.T, cli *client.Client, name, image string) {
	t.Helper()
	ctx := context.Background()
	label := dockertarget.LabelManaged + "=true"
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: make(client.Filters).Add("label", label)})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs.Items {
		for _, n := range c.Names {
			if strings.TrimPrefix(n, "/") == name {
				t.Errorf("container %s (%s) left after clean", name, c.State)
			}
		}
	}
	imgs, err := cli.ImageList(ctx, client.ImageListOptions{All: true, Filters: make(client.Filters).Add("label", label)})
	if err != nil {
		t.Fatal(err)
	}
	for _, img := range imgs.Items {
		for _, tag := range img.RepoTags {
			if tag == image {
				t.Errorf("image %s left after clean", image)
			}
		}
	}
}

func portAnswers(t *testing.T, u string) {
	t.Helper()
	pollPort(t, "GET "+u+" answers 200", func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return retry.RetryableError(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return retry.RetryableError(fmt.Errorf("HTTP %d", resp.StatusCode))
		}
		return nil
	})
}

func portRefuses(t *testing.T, u string) {
	t.Helper()
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	pollPort(t, parsed.Host+" refuses connections", func(ctx context.Context) error {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", parsed.Host)
		if err == nil {
			conn.Close()
			return retry.RetryableError(errors.New("still accepts connections"))
		}
		if !errors.Is(err, syscall.ECONNREFUSED) {
			return retry.RetryableError(err)
		}
		return nil
	})
}

func pollPort(t *testing.T, what string, fn func(context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := retry.Do(ctx, retry.WithCappedDuration(time.Second, retry.NewExponential(50*time.Millisecond)), func(ctx context.Context) error {
		actx, acancel := context.WithTimeout(ctx, 5*time.Second)
		defer acancel()
		return fn(actx)
	})
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}
