package e2e_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/apidriven/api-driven/backend/probe"
	"github.com/apidriven/api-driven/dockertarget"
	"github.com/apidriven/api-driven/dockertarget/dockertest"
	"github.com/apidriven/api-driven/emulator/ec2/containers"
	"github.com/apidriven/api-driven/internal/checkout"
)

// checkoutRepo is a temporary copy with the Docker names a user gets (per
// checkout, no APIDRIVEN_CONTAINER/APIDRIVEN_IMAGE), and no endpoint in
// the environment: each call says what it sets, the rest sticks.
func checkoutRepo(t *testing.T, cli *client.Client) (*repo, dockertarget.Options) {
	t.Helper()
	dir := copyRepo(t)
	var kept []string
	for _, e := range env("APIDRIVEN_TRANSITION_DELAY=300ms") {
		if !strings.HasPrefix(e, "APIDRIVEN_CONTAINER=") && !strings.HasPrefix(e, "APIDRIVEN_IMAGE=") {
			kept = append(kept, e)
		}
	}
	id := checkout.ID(dir)
	names := dockertarget.Options{Name: dockertarget.DefaultNameFor(id), Image: dockertarget.DefaultImageFor(id)}
	r := &repo{dir: dir, env: kept}
	t.Cleanup(func() { stopLeftover(t, dir) })
	t.Cleanup(func() { dockertest.Cleanup(t, cli, names) })
	return r, names
}

// with is the same checkout run with more environment.
func (r *repo) with(kv ...string) *repo {
	return &repo{dir: r.dir, env: append(append([]string(nil), r.env...), kv...)}
}

func mustContain(t *testing.T, what, out string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(out, p) {
			t.Errorf("%s lacks %q", what, p)
		}
	}
}

// TestDockerSettingsStickAcrossTwoCheckouts: two checkouts on one engine
// deploy the docker target side by side, with names per checkout. In A,
// the URLs stop and start the real container (its port refuses, then
// answers), and never B's; plain smoke and deploy keep the endpoint and
// target of the last deploy; deploy recreates a container removed behind
// the API's back; a clean whose container removal fails still stops the
// emulator, fails naming the step and leaves B alone; the next clean
// finishes, and a third finds nothing. B's plain clean then empties B.
func TestDockerSettingsStickAcrossTwoCheckouts(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	cli := dockertest.Engine(t)
	ctx := context.Background()
	a, namesA := checkoutRepo(t, cli)
	b, namesB := checkoutRepo(t, cli)
	nameA, imageA := namesA.Name, namesA.Image
	if nameA == namesB.Name || imageA == namesB.Image {
		t.Fatalf("two checkouts share names: %+v %+v", namesA, namesB)
	}
	epA := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	epB := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	out := a.with("APIDRIVEN_TARGET=docker", "AWS_ENDPOINT_URL="+epA).mustMage(t, "all")
	mustContain(t, "A's `mage all`", out, "✓ docker engine", "✓ build image "+imageA, "✓ docker container "+nameA+" created, running at http://127.0.0.1:",
		"URLs (embedded backend, docker container "+nameA+")", "✓ GET status → HTTP 200: container "+nameA+" is running")
	b.with("APIDRIVEN_TARGET=docker", "AWS_ENDPOINT_URL="+epB).mustMage(t, "all")
	o, oB := a.outputs(t), b.outputs(t)
	if o.Target != "docker" || o.ContainerName != nameA || !strings.HasPrefix(o.ContainerURL, "http://127.0.0.1:") || o.InstanceID != "" || oB.ContainerName != namesB.Name {
		t.Fatalf("outputs.json: A %+v, B %+v", o, oB)
	}
	if i, f, ap, role := newSDK(t, epA).counts(t); i != 0 || f != 1 || ap != 1 || !role {
		t.Fatalf("after deploy: %d instances (want none for docker), %d functions, %d APIs, role %v", i, f, ap, role)
	}
	state := func() container.ContainerState {
		t.Helper()
		res, err := cli.ContainerInspect(ctx, nameA, client.ContainerInspectOptions{})
		if err != nil {
			t.Fatalf("ContainerInspect %s: %v", nameA, err)
		}
		return res.Container.State.Status
	}

	// The URLs, as a browser opens them, move the real container.
	waitState(t, o.URLs.Status, "running")
	portAnswers(t, o.ContainerURL)
	if code, rep := get(t, o.URLs.Stop); code != http.StatusOK || rep.InstanceID != nameA || rep.PreviousState != "running" || rep.CurrentState != "stopped" {
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
	// A's function never drives B's container.
	if code, rep := get(t, o.URLs.Stop+"?instanceId="+namesB.Name); code != http.StatusForbidden || !strings.Contains(rep.Error, "only controls container "+nameA) {
		t.Fatalf("A's stop of B's container = %d %+v", code, rep)
	}

	// Plain smoke keeps the endpoint and the target.
	out = a.mustMage(t, "smoke")
	mustContain(t, "plain `mage smoke`", out, "Docker agrees", "✓ smoke port refuses", "✓ smoke port answers → HTTP 200", "✓ smoke unknown route → HTTP 404")

	// Removed behind the API's back: 404 naming the fix; a plain deploy
	// recreates it on the same URL, still as the docker target.
	if _, err := cli.ContainerRemove(ctx, nameA, client.ContainerRemoveOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	if code, rep := get(t, o.URLs.Status); code != http.StatusNotFound || !strings.Contains(rep.Error, "run `go tool mage deploy` to recreate it") {
		t.Fatalf("status of a removed container = %d %+v", code, rep)
	}
	out = a.mustMage(t, "deploy")
	mustContain(t, "plain `mage deploy`", out, "using the settings of the last deploy (.apidriven/settings.json)",
		"AWS_ENDPOINT_URL="+epA, "APIDRIVEN_TARGET=docker", "✓ emulator already running at "+epA, "✓ docker container "+nameA+" created")
	if again := a.outputs(t); again.Target != "docker" || again.Endpoint != epA || again.ContainerURL != o.ContainerURL {
		t.Fatalf("after a plain deploy: %+v (URL was %s)", again, o.ContainerURL)
	}
	if i, _, _, _ := newSDK(t, epA).counts(t); i != 0 {
		t.Fatalf("a plain deploy launched %d EC2 instances: the target did not stick", i)
	}
	waitState(t, o.URLs.Status, "running")

	// Behind clean's back the container goes and a stranger takes its name.
	pid := emulatorPID(t, a.dir)
	if _, err := cli.ContainerRemove(ctx, nameA, client.ContainerRemoveOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	stranger := &container.Config{Image: imageA, Labels: map[string]string{dockertarget.LabelManaged: "false", checkout.Label: ""}}
	if _, err := cli.ContainerCreate(ctx, client.ContainerCreateOptions{Name: nameA, Config: stranger}); err != nil {
		t.Fatal(err)
	}
	out, err := a.mage(t, "clean")
	if err == nil {
		t.Fatal("clean succeeded although a container it must not touch holds its container's name")
	}
	mustContain(t, "the failing `mage clean`", out, "✗ remove docker container "+nameA, "was not created by this project",
		"stop emulator", "step(s) failed: remove docker container "+nameA, "→ fix the cause printed above each ✗ line, then run `go tool mage clean` again")
	waitGone(t, pid)
	if _, err := os.Stat(filepath.Join(a.dir, ".apidriven", "settings.json")); err != nil {
		t.Errorf("a failed clean should keep .apidriven/ for the next one: %v", err)
	}
	if code, rep := get(t, oB.URLs.Status); code != http.StatusOK || rep.State != "running" {
		t.Fatalf("checkout B after A's clean: %d %+v", code, rep)
	}

	// The user removes the stranger; the next plain clean finishes, and
	// one more finds nothing (said with the settings explicitly: the
	// recorded ones went with .apidriven/).
	if _, err := cli.ContainerRemove(ctx, nameA, client.ContainerRemoveOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	out = a.mustMage(t, "clean")
	mustContain(t, "the second `mage clean`", out, "nothing answers at "+epA, "docker image "+imageA, "remove .apidriven/")
	assertNothingLeft(t, cli, nameA, imageA)
	out = a.with("APIDRIVEN_TARGET=docker", "AWS_ENDPOINT_URL="+epA).mustMage(t, "clean")
	mustContain(t, "the third `mage clean`", out, "(nothing there)", "already gone")

	pid = emulatorPID(t, b.dir)
	out = b.mustMage(t, "clean")
	mustContain(t, "B's plain `mage clean`", out, "docker container "+namesB.Name+", docker image "+namesB.Image)
	waitGone(t, pid)
	assertNothingLeft(t, cli, namesB.Name, namesB.Image)
}

// TestEC2ContainerModeSticks: after a plain all on a custom port,
// APIDRIVEN_EC2_CONTAINERS=1 all restarts our emulator in the mode and
// replaces the instance with one from the container AMI, whose container
// the URLs then stop and start through the EC2 API; an emulator of
// ours started without the mode is restarted by up; LocalStack cannot
// take our emulator's port and says how to free it; plain smoke and clean
// find everything through the recorded settings.
func TestEC2ContainerModeSticks(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	cli := dockertest.Engine(t)
	r, _ := checkoutRepo(t, cli)
	ep := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	backing := func(id string) []container.Summary {
		t.Helper()
		list, err := cli.ContainerList(context.Background(), client.ContainerListOptions{
			All: true, Filters: make(client.Filters).Add("label", containers.LabelInstance+"="+id),
		})
		if err != nil {
			t.Fatal(err)
		}
		return list.Items
	}

	r.with("AWS_ENDPOINT_URL="+ep).mustMage(t, "all")
	plain := r.outputs(t).InstanceID
	pid := emulatorPID(t, r.dir)
	if n := len(backing(plain)); n != 0 {
		t.Fatalf("a plain instance has %d containers", n)
	}

	out := r.with("APIDRIVEN_EC2_CONTAINERS=1").mustMage(t, "all")
	o := r.outputs(t)
	mustContain(t, "`APIDRIVEN_EC2_CONTAINERS=1 mage all`", out, "without -ec2-containers: restarting it with the mode",
		"the instance runs as a container", "replacing "+plain+" of image", "✓ GET status → HTTP 200")
	if o.InstanceID == plain || o.Endpoint != ep {
		t.Fatalf("outputs after the switch: %+v (the plain instance was %s)", o, plain)
	}
	if emulatorPID(t, r.dir) == pid {
		t.Error("the emulator was not restarted in the mode")
	}
	if list := backing(o.InstanceID); len(list) != 1 || list[0].State != container.StateRunning {
		t.Fatalf("instance %s is backed by %+v, want one running container", o.InstanceID, list)
	}
	// The URLs stop and start that container through the unchanged EC2 API.
	waitState(t, o.URLs.Status, "running")
	if code, rep := get(t, o.URLs.Stop); code != http.StatusOK || rep.PreviousState != "running" {
		t.Fatalf("GET stop = %d %+v", code, rep)
	}
	waitState(t, o.URLs.Status, "stopped")
	if list := backing(o.InstanceID); len(list) != 1 || list[0].State != container.StateExited {
		t.Fatalf("the instance is stopped but its container is %+v", list)
	}
	if code, rep := get(t, o.URLs.Start); code != http.StatusOK || rep.PreviousState != "stopped" {
		t.Fatalf("GET start = %d %+v", code, rep)
	}
	waitState(t, o.URLs.Status, "running")
	if list := backing(o.InstanceID); len(list) != 1 || list[0].State != container.StateRunning {
		t.Fatalf("the instance runs again but its container is %+v", list)
	}
	s := newSDK(t, ep)
	if i, _, _, _ := s.counts(t); i != 1 {
		t.Fatalf("%d live instances after the switch, want 1 (the plain one terminated)", i)
	}
	imgs, err := s.ec2.DescribeImages(context.Background(), &ec2.DescribeImagesInput{Owners: []string{"self"}})
	if err != nil || len(imgs.Images) == 0 {
		t.Fatalf("describe-images --owners self: %d images, %v", len(imgs.Images), err)
	}

	// Our emulator, started without the mode, is restarted by up.
	r.mustMage(t, "down")
	r.with("APIDRIVEN_EC2_CONTAINERS=0").mustMage(t, "up")
	if info, err := probe.Health(context.Background(), ep); err != nil || info.EC2Containers {
		t.Fatalf("started without the mode, the emulator says %+v, %v", info, err)
	}
	out = r.with("APIDRIVEN_EC2_CONTAINERS=1").mustMage(t, "up")
	mustContain(t, "`APIDRIVEN_EC2_CONTAINERS=1 mage up`", out, "restarting it with the mode", "instances of container AMIs run as containers")
	if info, err := probe.Health(context.Background(), ep); err != nil || !info.EC2Containers {
		t.Fatalf("after up in the mode, the emulator says %+v, %v", info, err)
	}

	// LocalStack cannot start on our emulator's port: the fix frees it.
	out, err = r.with("APIDRIVEN_BACKEND=localstack").mage(t, "up")
	if err == nil {
		t.Fatal("LocalStack up succeeded on our emulator's port")
	}
	mustContain(t, "`APIDRIVEN_BACKEND=localstack mage up`", out, "this project's own emulator (the embedded backend) runs at "+ep, "→ stop it with `go tool mage down`")

	out = r.mustMage(t, "smoke")
	mustContain(t, "plain `mage smoke`", out, "smoke passed", o.InstanceID)
	pid = emulatorPID(t, r.dir)
	out = r.mustMage(t, "clean")
	mustContain(t, "plain `mage clean`", out, "ec2 instance "+o.InstanceID, "stop emulator", "remove .apidriven/")
	waitGone(t, pid)
	if list := backing(o.InstanceID); len(list) != 0 {
		t.Fatalf("after clean, instance %s still has %d containers", o.InstanceID, len(list))
	}
}
