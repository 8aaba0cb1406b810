package handler

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

const webName = "apidriven-web"

// fakeDocker keeps containers in memory with the engine's rules: start of
// a running container and stop of a stopped one are no-ops, unknown names
// are NotFound, start of a paused container is a conflict.
type fakeDocker struct {
	mu         sync.Mutex
	containers map[string]*container.InspectResponse
	err        error
	calls      []string
}

func newFakeDocker() *fakeDocker {
	mk := func(state container.ContainerState, labels map[string]string) *container.InspectResponse {
		return &container.InspectResponse{State: &container.State{Status: state, Running: state == container.StateRunning},
			Config: &container.Config{Labels: labels}}
	}
	return &fakeDocker{containers: map[string]*container.InspectResponse{
		webName:     mk(container.StateRunning, map[string]string{"io.github.apidriven.managed": "true"}),
		"other-web": mk(container.StateRunning, map[string]string{"io.github.apidriven.managed": "true"}),
	}}
}

func (f *fakeDocker) get(op, name string) (*container.InspectResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, op+" "+name)
	if f.err != nil {
		return nil, f.err
	}
	c, ok := f.containers[name]
	if !ok {
		return nil, cerrdefs.ErrNotFound.WithMessage("No such container: " + name)
	}
	return c, nil
}

func (f *fakeDocker) ContainerInspect(_ context.Context, name string, _ client.ContainerInspectOptions) (client.ContainerInspectResult, error) {
	c, err := f.get("inspect", name)
	if err != nil {
		return client.ContainerInspectResult{}, err
	}
	return client.ContainerInspectResult{Container: *c}, nil
}

func (f *fakeDocker) ContainerStart(_ context.Context, name string, _ client.ContainerStartOptions) (client.ContainerStartResult, error) {
	c, err := f.get("start", name)
	if err == nil && c.State.Status == container.StatePaused {
		err = cerrdefs.ErrConflict.WithMessage("cannot start a paused container, try unpause instead")
	}
	if err != nil {
		return client.ContainerStartResult{}, err
	}
	c.State.Status = container.StateRunning
	return client.ContainerStartResult{}, nil
}

func (f *fakeDocker) ContainerStop(_ context.Context, name string, o client.ContainerStopOptions) (client.ContainerStopResult, error) {
	c, err := f.get("stop", name)
	if err != nil {
		return client.ContainerStopResult{}, err
	}
	if o.Timeout == nil || *o.Timeout <= 0 {
		return client.ContainerStopResult{}, cerrdefs.ErrInvalidArgument.WithMessage("want a positive grace period")
	}
	c.State.Status = container.StateExited
	return client.ContainerStopResult{}, nil
}

func (f *fakeDocker) ContainerUnpause(_ context.Context, name string, _ client.ContainerUnpauseOptions) (client.ContainerUnpauseResult, error) {
	c, err := f.get("unpause", name)
	if err != nil {
		return client.ContainerUnpauseResult{}, err
	}
	c.State.Status = container.StateRunning
	return client.ContainerUnpauseResult{}, nil
}

func TestStateOf(t *testing.T) {
	for state, want := range map[container.ContainerState]string{
		container.StateRunning: "running", container.StateRestarting: "pending", container.StateRemoving: "stopping",
		container.StatePaused: "stopped", container.StateCreated: "stopped", container.StateExited: "stopped", container.StateDead: "stopped",
	} {
		if got := StateOf(state); got != want {
			t.Errorf("StateOf(%s) = %s, want %s", state, got, want)
		}
	}
}

func TestHandleDocker(t *testing.T) {
	set := func(name string, s container.ContainerState) func(*fakeDocker) {
		return func(f *fakeDocker) { f.containers[name].State.Status = s }
	}
	tests := []struct {
		name   string
		setup  func(*fakeDocker)
		req    string
		query  map[string]string
		code   int
		body   map[string]string
		errHas string
		calls  string // the engine calls, in order
	}{
		{name: "status running", req: "/status", code: 200, body: map[string]string{"instanceId": webName, "state": "running"},
			calls: "inspect apidriven-web"},
		{name: "status exited is stopped", setup: set(webName, container.StateExited), req: "/status", code: 200,
			body: map[string]string{"instanceId": webName, "state": "stopped"}},
		{name: "status created is stopped", setup: set(webName, container.StateCreated), req: "/status", code: 200,
			body: map[string]string{"instanceId": webName, "state": "stopped"}},
		{name: "status restarting is pending", setup: set(webName, container.StateRestarting), req: "/status", code: 200,
			body: map[string]string{"instanceId": webName, "state": "pending"}},
		{name: "stop running", req: "/stop", code: 200,
			body:  map[string]string{"instanceId": webName, "previousState": "running", "currentState": "stopped"},
			calls: "inspect apidriven-web, stop apidriven-web, inspect apidriven-web"},
		{name: "stop stopped is idempotent", setup: set(webName, container.StateExited), req: "/stop", code: 200,
			body: map[string]string{"instanceId": webName, "previousState": "stopped", "currentState": "stopped"}, calls: "inspect apidriven-web"},
		{name: "stop paused stops it", setup: set(webName, container.StatePaused), req: "/stop", code: 200,
			body:  map[string]string{"instanceId": webName, "previousState": "stopped", "currentState": "stopped"},
			calls: "inspect apidriven-web, stop apidriven-web, inspect apidriven-web"},
		{name: "start exited", setup: set(webName, container.StateExited), req: "/start", code: 200,
			body:  map[string]string{"instanceId": webName, "previousState": "stopped", "currentState": "running"},
			calls: "inspect apidriven-web, start apidriven-web, inspect apidriven-web"},
		{name: "start created", setup: set(webName, container.StateCreated), req: "/start", code: 200,
			body: map[string]string{"instanceId": webName, "previousState": "stopped", "currentState": "running"}},
		{name: "start paused unpauses", setup: set(webName, container.StatePaused), req: "/start", code: 200,
			body:  map[string]string{"instanceId": webName, "previousState": "stopped", "currentState": "running"},
			calls: "inspect apidriven-web, unpause apidriven-web, inspect apidriven-web"},
		{name: "start running is idempotent", req: "/start", code: 200,
			body: map[string]string{"instanceId": webName, "previousState": "running", "currentState": "running"}, calls: "inspect apidriven-web"},
		{name: "start removing conflicts", setup: set(webName, container.StateRemoving), req: "/start", code: 409, errHas: "being removed"},
		{name: "deleted behind our back", setup: func(f *fakeDocker) { delete(f.containers, webName) }, req: "/status", code: 404,
			errHas: "container apidriven-web does not exist (it was removed outside the API); run `go tool mage deploy` to recreate it"},
		{name: "deleted before start", setup: func(f *fakeDocker) { delete(f.containers, webName) }, req: "/start", code: 404, errHas: "run `go tool mage deploy`"},
		{name: "another project container by query", query: map[string]string{"instanceId": "other-web"}, req: "/stop", code: 403,
			errHas: "this function only controls container apidriven-web; other-web is not it", calls: "-"},
		{name: "an unknown container by query", query: map[string]string{"instanceId": "postgres"}, req: "/status", code: 403, calls: "-"},
		{name: "own name by query", query: map[string]string{"instanceId": webName}, req: "/status", code: 200,
			body: map[string]string{"instanceId": webName, "state": "running"}},
		{name: "malformed name", query: map[string]string{"instanceId": "../etc"}, req: "/status", code: 400, errHas: "malformed", calls: "-"},
		{name: "configured container lacks the label", setup: func(f *fakeDocker) { f.containers[webName].Config.Labels = map[string]string{"maintainer": "me"} },
			req: "/stop", code: 403, errHas: "does not carry the label io.github.apidriven.managed=true", calls: "inspect apidriven-web"},
		{name: "label with another value", setup: func(f *fakeDocker) { f.containers[webName].Config.Labels["io.github.apidriven.managed"] = "false" },
			req: "/start", code: 403, errHas: "not the project's"},
		{name: "engine times out", setup: func(f *fakeDocker) { f.err = context.DeadlineExceeded }, req: "/status", code: 503, errHas: "did not answer in time"},
		{name: "engine internal error", setup: func(f *fakeDocker) { f.err = cerrdefs.ErrInternal.WithMessage("disk full") }, req: "/status", code: 503, errHas: "disk full"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFakeDocker()
			if tc.setup != nil {
				tc.setup(fake)
			}
			cfg := dockerTestConfig(t, fake)
			req := request("GET", tc.req, tc.query)
			resp, err := New(cfg).Handle(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.code {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.code, resp.Body)
			}
			var got map[string]string
			if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
				t.Fatalf("not JSON: %s", resp.Body)
			}
			if tc.code >= 400 {
				if got["error"] == "" || !strings.Contains(got["error"], tc.errHas) {
					t.Errorf("error %q does not mention %q", got["error"], tc.errHas)
				}
			} else if len(got) != len(tc.body) {
				t.Errorf("body %v, want %v", got, tc.body)
			} else {
				for k, v := range tc.body {
					if got[k] != v {
						t.Errorf("body %v, want %v", got, tc.body)
					}
				}
			}
			calls := strings.Join(fake.calls, ", ")
			if tc.calls == "-" && calls != "" {
				t.Errorf("engine called for a refused request: %s", calls)
			} else if tc.calls != "" && tc.calls != "-" && calls != tc.calls {
				t.Errorf("engine calls %q, want %q", calls, tc.calls)
			}
		})
	}
}

// dockerTestConfig is what FromEnv builds for TARGET=docker, on a fake.
func dockerTestConfig(t *testing.T, api DockerAPI) Config {
	t.Helper()
	target, err := NewDockerTarget(api, webName, "")
	if err != nil {
		t.Fatal(err)
	}
	return Config{InstanceID: webName, IDPattern: ContainerName, TagKey: target.labelKey, TagValue: target.labelValue, Target: target}
}

func TestFromEnvDocker(t *testing.T) {
	nowhere := "unix://" + filepath.Join(t.TempDir(), "no-docker.sock")
	tests := []struct {
		name   string
		env    map[string]string
		code   int
		errHas string
	}{
		{name: "missing container name", env: map[string]string{"TARGET": "docker"}, code: 500, errHas: "CONTAINER_NAME is not set"},
		{name: "bad container name", env: map[string]string{"TARGET": "docker", "CONTAINER_NAME": "a b"}, code: 500, errHas: "not a valid container name"},
		{name: "bad label", env: map[string]string{"TARGET": "docker", "CONTAINER_NAME": webName, "CONTAINER_LABEL": "nolabel"}, code: 500, errHas: "key=value"},
		{name: "bad DOCKER_HOST", env: map[string]string{"TARGET": "docker", "CONTAINER_NAME": webName, "DOCKER_HOST": "no-scheme"}, code: 500, errHas: "DOCKER_HOST"},
		// A real client on a socket nobody serves: the engine is unreachable.
		{name: "engine unreachable", env: map[string]string{"TARGET": "docker", "CONTAINER_NAME": webName, "DOCKER_HOST": nowhere}, code: 503,
			errHas: "the Docker engine is not reachable from the function"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := FromEnv(context.Background(), func(k string) string { return tc.env[k] })
			resp, _ := h.Handle(context.Background(), request("GET", "/status", nil))
			if resp.StatusCode != tc.code || !strings.Contains(resp.Body, tc.errHas) {
				t.Errorf("got %d %s, want %d mentioning %q", resp.StatusCode, resp.Body, tc.code, tc.errHas)
			}
			if tc.code == 503 && resp.Headers["Retry-After"] == "" {
				t.Errorf("503 without Retry-After")
			}
		})
	}
}
