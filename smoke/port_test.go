package smoke_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apidriven/api-driven/internal/status"
	"github.com/apidriven/api-driven/smoke"
)

// container is a web server on a fixed loopback port that the fake's
// transitions really start and stop, like the docker target's container.
type container struct {
	t       *testing.T
	mu      sync.Mutex
	addr    string
	srv     *http.Server
	ln      net.Listener
	stuck   bool // keeps serving after a stop
	silent  bool // listens but answers 500
	started int
}

func newContainer(t *testing.T) *container {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &container{t: t, addr: ln.Addr().String()}
	c.serve(ln)
	t.Cleanup(c.stop)
	return c
}

func (c *container) serve(ln net.Listener) {
	code := http.StatusOK
	if c.silent {
		code = http.StatusInternalServerError
	}
	c.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) })}
	c.started++
	c.ln = ln
	go c.srv.Serve(ln)
}

func (c *container) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.srv != nil && !c.stuck {
		c.srv.Close()
		c.ln.Close() // Serve may not have taken it over yet
		c.srv = nil
	}
}

func (c *container) start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.srv != nil {
		return
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		c.t.Errorf("relisten on %s: %v", c.addr, err)
		return
	}
	c.serve(ln)
}

// dockerFake moves the container with the machine's state.
type dockerFake struct {
	*fake
	c *container
}

func (d dockerFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.fake.ServeHTTP(w, r)
	d.fake.mu.Lock()
	state := d.fake.state
	d.fake.mu.Unlock()
	switch state {
	case "stopped":
		d.c.stop()
	case "running":
		d.c.start()
	}
}

func TestRunChecksThePort(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(*container)
		step    string
		errPart string
	}{
		{name: "answers when running, refuses when stopped"},
		{name: "port never closes", setup: func(c *container) { c.stuck = true }, step: "smoke port refuses", errPart: "still accepts connections"},
		{name: "port answers 500", setup: func(c *container) { c.silent = true }, step: "smoke port answers", errPart: "HTTP 500"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newContainer(t)
			if tt.setup != nil {
				tt.setup(c)
				c.stop()
				c.start()
			}
			f := &fake{state: "running"}
			srv := httptest.NewServer(dockerFake{fake: f, c: c})
			t.Cleanup(srv.Close)
			base := srv.URL + "/_aws/execute-api/abc123/prod/"
			var out bytes.Buffer
			err := smoke.Run(context.Background(), smoke.Config{
				StartURL: base + "start", StopURL: base + "stop", StatusURL: base + "status",
				EC2State: f.ec2State, Engine: "Docker ContainerInspect", Machine: "container", PortURL: "http://" + c.addr + "/",
				PortDeadline: 2 * time.Second, Status: status.New(&out),
			})
			if tt.step == "" {
				if err != nil {
					t.Fatalf("Run: %v\n%s", err, out.String())
				}
				for _, want := range []string{"container i-0123456789abcdef0 running", "Docker says running", "✓ smoke wait stopped → HTTP 200, stopped", "Docker agrees",
					"✓ smoke port refuses → " + c.addr + " connection refused", "✓ smoke port answers → HTTP 200 from http://" + c.addr + "/"} {
					if !strings.Contains(out.String(), want) {
						t.Errorf("output lacks %q:\n%s", want, out.String())
					}
				}
				if strings.Contains(out.String(), "EC2") {
					t.Errorf("docker smoke mentions EC2:\n%s", out.String())
				}
				if c.started != 2 {
					t.Errorf("the server started %d times, want 2 (initial, after /start)", c.started)
				}
				return
			}
			var se *status.StepError
			if !errors.As(err, &se) || se.Step != tt.step || !strings.Contains(err.Error(), tt.errPart) {
				t.Fatalf("err = %v, want step %q containing %q\n%s", err, tt.step, tt.errPart, out.String())
			}
		})
	}
}
