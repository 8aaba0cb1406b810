package handler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

const (
	ownID   = "i-0123456789abcdef0"
	otherID = "i-0fedcba9876543210" // tagged with the project's tag
	alienID = "i-00000000000000001" // carries no project tag
)

// fakeTarget keeps machine states in memory with EC2's idempotency rules.
type fakeTarget struct {
	mu       sync.Mutex
	machines map[string]*Instance
	err      error // returned by every call when set
	calls    []string
}

func newFake() *fakeTarget {
	return &fakeTarget{machines: map[string]*Instance{
		ownID:   {ID: ownID, State: "running", Tags: map[string]string{"Project": "api-driven"}},
		otherID: {ID: otherID, State: "stopped", Tags: map[string]string{"Project": "api-driven"}},
		alienID: {ID: alienID, State: "running", Tags: map[string]string{"Project": "someone-else"}},
	}}
}

func (f *fakeTarget) get(op, id string) (*Instance, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, op+" "+id)
	if f.err != nil {
		return nil, f.err
	}
	m, ok := f.machines[id]
	if !ok {
		return nil, &Error{Kind: KindNotFound, Message: "instance " + id + " not found"}
	}
	return m, nil
}

func (f *fakeTarget) Status(_ context.Context, id string) (Instance, error) {
	m, err := f.get("status", id)
	if err != nil {
		return Instance{}, err
	}
	return *m, nil
}

func (f *fakeTarget) Start(_ context.Context, id string) (Transition, error) {
	m, err := f.get("start", id)
	if err != nil {
		return Transition{}, err
	}
	switch m.State {
	case "terminated":
		return Transition{}, &Error{Kind: KindConflict, Message: "instance " + id + " is terminated"}
	case "running", "pending":
		return Transition{Previous: m.State, Current: m.State}, nil
	}
	prev := m.State
	m.State = "pending"
	return Transition{Previous: prev, Current: m.State}, nil
}

func (f *fakeTarget) Stop(_ context.Context, id string) (Transition, error) {
	m, err := f.get("stop", id)
	if err != nil {
		return Transition{}, err
	}
	if m.State == "stopped" || m.State == "stopping" {
		return Transition{Previous: m.State, Current: m.State}, nil
	}
	prev := m.State
	m.State = "stopping"
	return Transition{Previous: prev, Current: m.State}, nil
}

func request(method, path string, query map[string]string) events.APIGatewayProxyRequest {
	return events.APIGatewayProxyRequest{
		HTTPMethod: method, Path: path, Resource: path, QueryStringParameters: query,
		RequestContext: events.APIGatewayProxyRequestContext{Stage: "prod"},
	}
}

func TestHandle(t *testing.T) {
	tests := []struct {
		name     string
		cfg      func(*Config)
		setup    func(*fakeTarget)
		req      events.APIGatewayProxyRequest
		code     int
		body     map[string]string // expected fields (all of them)
		errHas   string            // substring of the "error" field
		header   [2]string         // an expected header
		noTarget bool              // the target must not be called
	}{
		{name: "status GET", req: request("GET", "/status", nil), code: 200,
			body: map[string]string{"instanceId": ownID, "state": "running"}},
		{name: "status POST trailing slash", req: request("POST", "/status/", nil), code: 200,
			body: map[string]string{"instanceId": ownID, "state": "running"}},
		{name: "stage left in path", req: request("GET", "/prod/status", nil), code: 200,
			body: map[string]string{"instanceId": ownID, "state": "running"}},
		{name: "stop running", req: request("GET", "/stop", nil), code: 200,
			body: map[string]string{"instanceId": ownID, "previousState": "running", "currentState": "stopping"}},
		{name: "stop stopped is idempotent", setup: func(f *fakeTarget) { f.machines[ownID].State = "stopped" },
			req: request("POST", "/stop", nil), code: 200,
			body: map[string]string{"instanceId": ownID, "previousState": "stopped", "currentState": "stopped"}},
		{name: "start stopped", setup: func(f *fakeTarget) { f.machines[ownID].State = "stopped" },
			req: request("GET", "/start", nil), code: 200,
			body: map[string]string{"instanceId": ownID, "previousState": "stopped", "currentState": "pending"}},
		{name: "start running is idempotent", req: request("GET", "/start", nil), code: 200,
			body: map[string]string{"instanceId": ownID, "previousState": "running", "currentState": "running"}},
		{name: "transitional state reported as is", setup: func(f *fakeTarget) { f.machines[ownID].State = "stopping" },
			req: request("GET", "/status", nil), code: 200,
			body: map[string]string{"instanceId": ownID, "state": "stopping"}},
		{name: "start terminated conflicts", setup: func(f *fakeTarget) { f.machines[ownID].State = "terminated" },
			req: request("GET", "/start", nil), code: 409, errHas: "terminated"},
		{name: "unknown route", req: request("GET", "/reboot", nil), code: 404, errHas: "/reboot", noTarget: true},
		{name: "root is unknown", req: request("GET", "/", nil), code: 404, noTarget: true},
		{name: "route prefix is unknown", req: request("GET", "/statusx", nil), code: 404, noTarget: true},
		{name: "DELETE not allowed", req: request("DELETE", "/stop", nil), code: 405,
			header: [2]string{"Allow", "GET, POST"}, noTarget: true},
		{name: "HEAD not allowed", req: request("HEAD", "/status", nil), code: 405,
			header: [2]string{"Allow", "GET, POST"}, noTarget: true},
		{name: "tagged instance by query", req: request("GET", "/status", map[string]string{"instanceId": otherID}), code: 200,
			body: map[string]string{"instanceId": otherID, "state": "stopped"}},
		{name: "start tagged instance by query", req: request("POST", "/start", map[string]string{"instanceId": otherID}), code: 200,
			body: map[string]string{"instanceId": otherID, "previousState": "stopped", "currentState": "pending"}},
		{name: "untagged instance forbidden", req: request("GET", "/stop", map[string]string{"instanceId": alienID}), code: 403,
			errHas: "Project=api-driven"},
		{name: "query disabled without tag key", cfg: func(c *Config) { c.TagKey = "" },
			req: request("GET", "/status", map[string]string{"instanceId": otherID}), code: 403, errHas: "TAG_KEY", noTarget: true},
		{name: "malformed id", req: request("GET", "/status", map[string]string{"instanceId": "i-xyz; drop"}), code: 400,
			errHas: "malformed", noTarget: true},
		{name: "empty id", req: request("GET", "/status", map[string]string{"instanceId": ""}), code: 400, noTarget: true},
		{name: "unknown id", req: request("GET", "/status", map[string]string{"instanceId": "i-0aaaaaaaaaaaaaaaa"}), code: 404,
			errHas: "not found"},
		{name: "configured instance gone", setup: func(f *fakeTarget) { delete(f.machines, ownID) },
			req: request("GET", "/status", nil), code: 404},
		{name: "missing INSTANCE_ID", cfg: func(c *Config) { c.InstanceID = "" },
			req: request("GET", "/status", nil), code: 500, errHas: "INSTANCE_ID", noTarget: true},
		{name: "config error", cfg: func(c *Config) { c.Err = errors.New("TARGET=\"vm\" is not supported") },
			req: request("GET", "/start", nil), code: 500, errHas: "TARGET", noTarget: true},
		{name: "unavailable", setup: func(f *fakeTarget) { f.err = &Error{Kind: KindUnavailable, Message: "EC2 is busy"} },
			req: request("GET", "/status", nil), code: 503, header: [2]string{"Retry-After", "5"}},
		{name: "unclassified error", setup: func(f *fakeTarget) { f.err = errors.New("boom") },
			req: request("GET", "/stop", nil), code: 500, errHas: "boom"},
		{name: "invalid from target", setup: func(f *fakeTarget) { f.err = &Error{Kind: KindInvalid, Message: "bad id"} },
			req: request("GET", "/stop", nil), code: 400, errHas: "bad id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFake()
			if tc.setup != nil {
				tc.setup(fake)
			}
			cfg := Config{InstanceID: ownID, TagKey: "Project", TagValue: "api-driven", Target: fake}
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			resp, err := New(cfg).Handle(context.Background(), tc.req)
			if err != nil {
				t.Fatalf("Handle returned an error: %v", err)
			}
			if resp.StatusCode != tc.code {
				t.Fatalf("status %d, want %d (body %s)", resp.StatusCode, tc.code, resp.Body)
			}
			if ct := resp.Headers["Content-Type"]; ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			var got map[string]string
			if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
				t.Fatalf("body is not a JSON object of strings: %v: %s", err, resp.Body)
			}
			if tc.code >= 400 {
				if got["error"] == "" || len(got) != 1 {
					t.Errorf("error body %v, want exactly a non-empty \"error\"", got)
				}
				if !strings.Contains(got["error"], tc.errHas) {
					t.Errorf("error %q does not mention %q", got["error"], tc.errHas)
				}
			} else if fmt.Sprint(got) != fmt.Sprint(tc.body) {
				t.Errorf("body %v, want %v", got, tc.body)
			}
			if tc.header[0] != "" && resp.Headers[tc.header[0]] != tc.header[1] {
				t.Errorf("header %s = %q, want %q", tc.header[0], resp.Headers[tc.header[0]], tc.header[1])
			}
			if tc.noTarget && len(fake.calls) > 0 {
				t.Errorf("target called: %v", fake.calls)
			}
		})
	}
}

// A start through ?instanceId= acts on that instance only.
func TestHandleQueryActsOnNamedInstance(t *testing.T) {
	fake := newFake()
	h := New(Config{InstanceID: ownID, TagKey: "Project", TagValue: "api-driven", Target: fake})
	resp, _ := h.Handle(context.Background(), request("GET", "/start", map[string]string{"instanceId": otherID}))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
	}
	if got := fake.machines[otherID].State; got != "pending" {
		t.Errorf("named instance state %q, want pending", got)
	}
	if got := fake.machines[ownID].State; got != "running" {
		t.Errorf("configured instance changed to %q", got)
	}
}

// The answers read in the order the README shows them.
func TestAnswerBodiesExactly(t *testing.T) {
	h := New(Config{InstanceID: ownID, TagKey: "Project", TagValue: "api-driven", Target: newFake()})
	for _, tc := range []struct{ path, want string }{
		{"/status", `{"instanceId":"` + ownID + `","state":"running"}` + "\n"},
		{"/stop", `{"instanceId":"` + ownID + `","previousState":"running","currentState":"stopping"}` + "\n"},
	} {
		resp, _ := h.Handle(context.Background(), request("GET", tc.path, nil))
		if resp.Body != tc.want {
			t.Errorf("GET %s body = %q, want %q", tc.path, resp.Body, tc.want)
		}
	}
}

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name   string
		env    map[string]string
		code   int
		errHas string
	}{
		{name: "unsupported target", env: map[string]string{"INSTANCE_ID": ownID, "TARGET": "vm"}, code: 500, errHas: "is not supported"},
		{name: "missing instance", env: map[string]string{"TARGET": "ec2"}, code: 500, errHas: "INSTANCE_ID"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := FromEnv(context.Background(), func(k string) string { return tc.env[k] })
			resp, _ := h.Handle(context.Background(), request("GET", "/status", nil))
			if resp.StatusCode != tc.code || !strings.Contains(resp.Body, tc.errHas) {
				t.Errorf("got %d %s, want %d mentioning %q", resp.StatusCode, resp.Body, tc.code, tc.errHas)
			}
		})
	}
}
