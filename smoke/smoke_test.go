package smoke_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apidriven/api-driven/internal/status"
	"github.com/apidriven/api-driven/smoke"
)

// fake is the three routes in front of an instance whose transitions
// complete after a couple of status polls.
type fake struct {
	mu           sync.Mutex
	state        string
	polls        int    // status polls until a transition completes
	failRoute    string // this route answers 500
	neverStops   bool   // stopping never becomes stopped
	ec2          string // DescribeInstances override
	unknownCode  int    // answer for unknown routes (default 404)
	unknownBody  string // JSON body for unknown routes
	stopRequests int
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	route := strings.TrimPrefix(r.URL.Path, "/_aws/execute-api/abc123/prod/")
	w.Header().Set("Content-Type", "application/json")
	if route == f.failRoute {
		w.WriteHeader(http.StatusInternalServerError)
		json.NewEncoder(w).Encode(map[string]string{"error": "boom in " + route})
		return
	}
	prev := f.state
	switch route {
	case "status":
		if f.polls > 0 {
			f.polls--
		} else if f.state == "stopping" && !f.neverStops {
			f.state = "stopped"
		} else if f.state == "pending" {
			f.state = "running"
		}
		json.NewEncoder(w).Encode(map[string]string{"instanceId": "i-0123456789abcdef0", "state": f.state})
	case "stop", "start":
		if route == "stop" {
			f.stopRequests++
			if f.state == "running" {
				f.state, f.polls = "stopping", 2
			}
		} else if f.state == "stopped" {
			f.state, f.polls = "pending", 2
		}
		json.NewEncoder(w).Encode(map[string]string{"instanceId": "i-0123456789abcdef0", "previousState": prev, "currentState": f.state})
	default:
		code := f.unknownCode
		if code == 0 {
			code = http.StatusNotFound
		}
		w.WriteHeader(code)
		if f.unknownBody != "" {
			w.Write([]byte(f.unknownBody))
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"error": "no route " + route})
	}
}

func (f *fake) ec2State(context.Context) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ec2 != "" {
		return f.ec2, nil
	}
	return f.state, nil
}

func TestRun(t *testing.T) {
	tests := []struct {
		name     string
		fake     *fake
		deadline time.Duration
		step     string // failing step; "" = success
		wantLine string // on success, the unknown-route line (default 404)
		errPart  string
	}{
		{name: "happy path", fake: &fake{state: "running"}},
		{name: "starts from stopped", fake: &fake{state: "stopped"}},
		{name: "waits out a pending start first", fake: &fake{state: "pending", polls: 1}},
		{name: "status answers 500", fake: &fake{state: "running", failRoute: "status"}, step: "smoke status", errPart: "HTTP 500: boom in status"},
		{name: "stop answers 500", fake: &fake{state: "running", failRoute: "stop"}, step: "smoke stop", errPart: "HTTP 500: boom in stop"},
		{name: "start answers 500", fake: &fake{state: "running", failRoute: "start"}, step: "smoke start", errPart: "HTTP 500"},
		{name: "never reaches stopped", fake: &fake{state: "running", neverStops: true}, deadline: time.Second,
			step: "smoke wait stopped", errPart: "never reached stopped within 1s (last state: stopping"},
		{name: "EC2 disagrees", fake: &fake{state: "running", ec2: "running"},
			step: "smoke wait stopped", errPart: "EC2 DescribeInstances says running"},
		{name: "unknown route answers 200", fake: &fake{state: "running", unknownCode: http.StatusOK},
			step: "smoke unknown route", errPart: "HTTP 200, want the function's 404"},
		{name: "unknown route 403 Missing Authentication Token means an outdated API", fake: &fake{state: "running",
			unknownCode: http.StatusForbidden, unknownBody: `{"message":"Missing Authentication Token"}`},
			step: "smoke unknown route", errPart: "no catch-all route"},
		{name: "unknown route 404 without a JSON error fails", fake: &fake{state: "running", unknownCode: http.StatusNotFound, unknownBody: "not found"},
			step: "smoke unknown route", errPart: "HTTP 404, want the function's 404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.fake)
			t.Cleanup(srv.Close)
			base := srv.URL + "/_aws/execute-api/abc123/prod/"
			var out bytes.Buffer
			err := smoke.Run(context.Background(), smoke.Config{
				StartURL: base + "start", StopURL: base + "stop", StatusURL: base + "status",
				EC2State: tt.fake.ec2State, Deadline: tt.deadline, Status: status.New(&out),
			})
			if tt.step == "" {
				if err != nil {
					t.Fatalf("Run: %v\n%s", err, out.String())
				}
				if tt.wantLine == "" {
					tt.wantLine = "✓ smoke unknown route → HTTP 404"
				}
				for _, want := range []string{"✓ smoke status → HTTP 200", "✓ smoke stop → HTTP 200", "✓ smoke wait stopped → HTTP 200, stopped",
					"EC2 agrees", "✓ smoke start → HTTP 200", "✓ smoke wait running", tt.wantLine} {
					if !strings.Contains(out.String(), want) {
						t.Errorf("output lacks %q:\n%s", want, out.String())
					}
				}
				if tt.fake.stopRequests != 1 {
					t.Errorf("stop called %d times", tt.fake.stopRequests)
				}
				return
			}
			var se *status.StepError
			if !errors.As(err, &se) || se.Step != tt.step || !strings.Contains(err.Error(), tt.errPart) {
				t.Fatalf("err = %v, want step %q containing %q\n%s", err, tt.step, tt.errPart, out.String())
			}
			if !strings.Contains(out.String(), "✗ "+tt.step) {
				t.Fatalf("no failure line for %s:\n%s", tt.step, out.String())
			}
		})
	}
}

func TestRunBackendDown(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	err := smoke.Run(context.Background(), smoke.Config{StartURL: url + "/start", StopURL: url + "/stop", StatusURL: url + "/status", Status: status.Discard()})
	if err == nil || !strings.Contains(status.FixOf(err), "mage up") {
		t.Fatalf("err %v fix %q", err, status.FixOf(err))
	}
}
