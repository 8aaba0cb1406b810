package e2e_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/apidriven/api-driven/dockertarget"
	"github.com/apidriven/api-driven/dockertarget/dockertest"
	"github.com/apidriven/api-driven/emulator/ec2/containers"
)

// TestEC2ContainersEndToEnd: with APIDRIVEN_EC2_CONTAINERS=1 the embedded
// emulator backs the project's EC2 instance with a real container, so the
// URLs stop and start that container through the unchanged EC2 API; clean
// leaves no container of the instance behind.
func TestEC2ContainersEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	cli := dockertest.Engine(t)
	id := dockertest.Suffix(t)
	image := dockertarget.LocalRepository + ":ec2-e2e-" + id
	endpoint := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	r := &repo{dir: copyRepo(t), env: env("APIDRIVEN_BACKEND=embedded", "AWS_ENDPOINT_URL="+endpoint,
		"APIDRIVEN_EC2_CONTAINERS=1", "APIDRIVEN_IMAGE="+image)}
	t.Cleanup(func() { stopLeftover(t, r.dir) })
	t.Cleanup(func() {
		dockertest.Cleanup(t, cli, dockertarget.Options{Name: "apidriven-web-unused-" + id, Image: image})
	})

	out := r.mustMage(t, "all")
	if !strings.Contains(out, "the instance runs as a container") {
		t.Fatalf("`mage all` should launch the instance from the image's AMI:\n%s", out)
	}
	o := r.outputs(t)
	state := func() container.ContainerState {
		t.Helper()
		list, err := cli.ContainerList(context.Background(), client.ContainerListOptions{
			All: true, Filters: make(client.Filters).Add("label", containers.LabelInstance+"="+o.InstanceID),
		})
		if err != nil {
			t.Fatalf("ContainerList: %v", err)
		}
		if len(list.Items) != 1 {
			t.Fatalf("%d containers back instance %s, want 1", len(list.Items), o.InstanceID)
		}
		return list.Items[0].State
	}
	waitState(t, o.URLs.Status, "running")
	if s := state(); s != container.StateRunning {
		t.Fatalf("the instance is running but its container is %s", s)
	}
	if code, rep := get(t, o.URLs.Stop); code != http.StatusOK || rep.PreviousState != "running" {
		t.Fatalf("GET stop = %d %+v", code, rep)
	}
	waitState(t, o.URLs.Status, "stopped")
	if s := state(); s != container.StateExited {
		t.Fatalf("the instance is stopped but its container is %s", s)
	}
	if code, rep := get(t, o.URLs.Start); code != http.StatusOK || rep.PreviousState != "stopped" {
		t.Fatalf("GET start = %d %+v", code, rep)
	}
	waitState(t, o.URLs.Status, "running")
	if s := state(); s != container.StateRunning {
		t.Fatalf("the instance runs again but its container is %s", s)
	}

	r.mustMage(t, "clean")
	list, err := cli.ContainerList(context.Background(), client.ContainerListOptions{
		All: true, Filters: make(client.Filters).Add("label", containers.LabelInstance+"="+o.InstanceID),
	})
	if err != nil || len(list.Items) != 0 {
		t.Fatalf("after clean: %d containers of instance %s (%v)", len(list.Items), o.InstanceID, err)
	}
}
