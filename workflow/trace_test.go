package workflow

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sethvargo/go-retry"

	"github.com/apidriven/api-driven/emulator/emulatortest"
	"github.com/apidriven/api-driven/internal/status"
	"github.com/apidriven/api-driven/provision"
)

// syncBuffer is written by a following target while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// deployedOn writes outputs.json naming the emulator at endpoint.
func deployedOn(t *testing.T, p *Project, backend, endpoint string) {
	t.Helper()
	o := *sample
	o.Backend, o.Endpoint = backend, endpoint
	if err := p.writeOutputs(&o); err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, url string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

// TestTraceTargets: `mage trace` prints the requests an emulator traced as
// waterfalls (here requests that matched nothing, which need no function),
// and `mage traceFollow` prints new ones as they come until Ctrl-C.
func TestTraceTargets(t *testing.T) {
	noCodespace(t)
	t.Setenv("APIDRIVEN_TRACE_LIMIT", "")
	srv := emulatortest.Start(t)
	p, out := project(t)
	deployedOn(t, p, provision.BackendEmbedded, srv.URL())

	if err := p.Trace(context.Background(), false); err != nil || !strings.Contains(out.String(), "no request traced yet") {
		t.Fatalf("trace on a fresh emulator: %v\n%s", err, out.String())
	}
	get(t, srv.URL()+"/_aws/execute-api/nosuchapi/prod/status")
	out.Reset()
	if err := p.Trace(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"GET /_aws/execute-api/nosuchapi/prod/status  → 404 NotFoundException",
		`✗ nothing matched (/_aws/execute-api): no REST API has the id "nosuchapi"`,
		"API Gateway",
		"1 of the 1 requests the emulator keeps",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("trace output lacks %q:\n%s", want, out.String())
		}
	}

	var followed syncBuffer
	f := &Project{Root: p.Root, Out: &followed, Status: status.New(&followed)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Trace(ctx, true) }()
	// The stream may not be subscribed yet: request until it shows one.
	wait, stop := context.WithTimeout(context.Background(), 30*time.Second)
	defer stop()
	err := retry.Do(wait, retry.NewConstant(100*time.Millisecond), func(context.Context) error {
		get(t, srv.URL()+"/_aws/execute-api/nosuchapi/dev/followed")
		if !strings.Contains(followed.String(), "/nosuchapi/dev/followed  → 404") {
			return retry.RetryableError(context.DeadlineExceeded)
		}
		return nil
	})
	cancel()
	if err != nil {
		t.Fatalf("traceFollow never printed the new request:\n%s", followed.String())
	}
	if err := <-done; err != nil {
		t.Fatalf("traceFollow ended with %v after Ctrl-C", err)
	}
	if !strings.Contains(followed.String(), "following requests to "+srv.URL()) {
		t.Errorf("traceFollow output:\n%s", followed.String())
	}
}

func TestTraceTargetErrors(t *testing.T) {
	noCodespace(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	localstack := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(localstack.Close)
	for _, tt := range []struct {
		name, backend, endpoint, limit string
		want, fix                      string
	}{
		{"deployed on AWS", provision.BackendAWS, "", "", "the project is deployed on real AWS", "APIDRIVEN_BACKEND=embedded go tool mage all"},
		{"deployed on LocalStack", provision.BackendLocalStack, "http://localhost:4566", "", "deployed on localstack at http://localhost:4566", "APIDRIVEN_BACKEND=embedded go tool mage all"},
		{"no emulator", provision.BackendEmbedded, closed, "", "no emulator answers at " + closed, "go tool mage all"},
		{"not our emulator", provision.BackendEmbedded, localstack.URL, "", "does not serve traces", "APIDRIVEN_BACKEND=embedded go tool mage all"},
		{"bad limit", provision.BackendEmbedded, closed, "zero", `invalid APIDRIVEN_TRACE_LIMIT "zero"`, "APIDRIVEN_TRACE_LIMIT=20"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("APIDRIVEN_TRACE_LIMIT", tt.limit)
			p, _ := project(t)
			deployedOn(t, p, tt.backend, tt.endpoint)
			err := p.Trace(context.Background(), false)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(status.FixOf(err), tt.fix) {
				t.Fatalf("err = %v (fix %q), want %q with fix %q", err, status.FixOf(err), tt.want, tt.fix)
			}
		})
	}
}
