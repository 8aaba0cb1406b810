package handler_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/apidriven/api-driven/dockertarget"
	"github.com/apidriven/api-driven/dockertarget/dockertest"
	"github.com/apidriven/api-driven/lambda/handler"
)

// The function, configured as deploy configures it, against the real
// engine: status, stop, start, other and unlabelled containers, and a
// container removed behind its back.
func TestDockerTargetOnEngine(t *testing.T) {
	cli := dockertest.Engine(t)
	ctx := context.Background()
	o := dockertest.Options(t, cli, dockertest.Root(t))
	if _, err := dockertarget.Ensure(ctx, cli, o); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"TARGET": "docker", "CONTAINER_NAME": o.Name, "CONTAINER_LABEL": dockertarget.Label}
	h := handler.FromEnv(ctx, func(k string) string { return env[k] })
	call := func(route string, query map[string]string) (int, map[string]string) {
		t.Helper()
		resp, err := h.Handle(ctx, events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: route, QueryStringParameters: query})
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]string
		if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
			t.Fatalf("%s: not JSON: %s", route, resp.Body)
		}
		return resp.StatusCode, body
	}
	engineState := func() container.ContainerState {
		t.Helper()
		res, err := cli.ContainerInspect(ctx, o.Name, client.ContainerInspectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return res.Container.State.Status
	}

	if code, b := call("/status", nil); code != 200 || b["instanceId"] != o.Name || b["state"] != "running" {
		t.Fatalf("status = %d %v", code, b)
	}
	if code, b := call("/stop", nil); code != 200 || b["previousState"] != "running" || b["currentState"] != "stopped" {
		t.Fatalf("stop = %d %v", code, b)
	}
	if s := engineState(); s != container.StateExited {
		t.Fatalf("after /stop the engine says %s", s)
	}
	if code, b := call("/stop", nil); code != 200 || b["previousState"] != "stopped" || b["currentState"] != "stopped" {
		t.Fatalf("second stop = %d %v", code, b)
	}
	if code, b := call("/start", nil); code != 200 || b["previousState"] != "stopped" || b["currentState"] != "running" {
		t.Fatalf("start = %d %v", code, b)
	}
	if s := engineState(); s != container.StateRunning {
		t.Fatalf("after /start the engine says %s", s)
	}

	// Another container, even one of the project's, is refused.
	other := dockertest.Options(t, cli, o.Root)
	other.Image = o.Image
	if _, err := cli.ContainerCreate(ctx, client.ContainerCreateOptions{Name: other.Name, Config: &container.Config{Image: o.Image}}); err != nil {
		t.Fatal(err)
	}
	if code, b := call("/start", map[string]string{"instanceId": other.Name}); code != http.StatusForbidden {
		t.Fatalf("start of another container = %d %v", code, b)
	}
	if s, _ := cli.ContainerInspect(ctx, other.Name, client.ContainerInspectOptions{}); s.Container.State.Status != container.StateCreated {
		t.Fatalf("the other container was touched: %s", s.Container.State.Status)
	}

	// The configured name, but not the project's container.
	if _, err := cli.ContainerRemove(ctx, o.Name, client.ContainerRemoveOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	if code, b := call("/status", nil); code != http.StatusNotFound || b["error"] == "" {
		t.Fatalf("status of a removed container = %d %v", code, b)
	}
	_, err := cli.ContainerCreate(ctx, client.ContainerCreateOptions{Name: o.Name,
		Config: &container.Config{Image: o.Image, Labels: map[string]string{dockertarget.LabelManaged: "false"}}})
	if err != nil {
		t.Fatal(err)
	}
	if code, b := call("/start", nil); code != http.StatusForbidden {
		t.Fatalf("start of an unlabelled container = %d %v", code, b)
	}
	if s := engineState(); s != container.StateCreated {
		t.Fatalf("the unlabelled container was touched: %s", s)
	}
}
