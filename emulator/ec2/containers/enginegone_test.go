package containers_test

import (
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"

	"github.com/apidriven/api-driven/emulator/ec2/containers"
)

// socketProxy forwards a unix socket of its own to the engine's, until
// cut: an engine that goes away while the emulator runs.
type socketProxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func newSocketProxy(t *testing.T) *socketProxy {
	t.Helper()
	target := "/var/run/docker.sock"
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		var ok bool
		if target, ok = strings.CutPrefix(h, "unix://"); !ok {
			t.Skipf("DOCKER_HOST=%s is not a unix socket; the proxy needs one", h)
		}
	}
	ln, err := net.Listen("unix", filepath.Join(t.TempDir(), "docker.sock"))
	if err != nil {
		t.Fatal(err)
	}
	p := &socketProxy{ln: ln}
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("unix", target)
			if err != nil {
				in.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, in, out)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(out, in); out.Close() }()
			go func() { _, _ = io.Copy(in, out); in.Close() }()
		}
	}()
	t.Cleanup(p.cut)
	return p
}

func (p *socketProxy) host() string { return "unix://" + p.ln.Addr().String() }

// cut stops forwarding: new connections are refused, open ones closed.
func (p *socketProxy) cut() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// TestEngineGoneWhileRunning: when the engine stops answering, calls
// about container-backed instances fail with 503 Unavailable naming the
// fix, instead of reporting a state nobody can check.
func TestEngineGoneWhileRunning(t *testing.T) {
	cli := engine(t)
	_, imageID := buildAMI(t, cli, map[string]string{containers.LabelAMI: "true"})
	proxy := newSocketProxy(t)
	t.Setenv("DOCKER_HOST", proxy.host())
	srv, stop := startServer(t, "")
	c := ec2Client(t, srv)
	id := launch(t, c, containers.AMIID(imageID))
	removeLeftovers(t, cli, id) // through the real socket

	proxy.cut()
	_, err := c.DescribeInstances(ctxT(t), &awsec2.DescribeInstancesInput{InstanceIds: []string{id}})
	wantCode(t, err, "Unavailable")
	var apiErr smithy.APIError
	if errors.As(err, &apiErr); !strings.Contains(apiErr.ErrorMessage(), "start Docker again") {
		t.Errorf("message %q does not name the fix", apiErr.ErrorMessage())
	}
	t.Logf("engine gone: %s", apiErr.ErrorMessage())
	_, err = c.RunInstances(ctxT(t), &awsec2.RunInstancesInput{ImageId: aws.String(containers.AMIID(imageID)), MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	wantCode(t, err, "Unavailable")
	// Shutting down cannot remove the container without the engine, and
	// says so; removeLeftovers cleans up through the real socket.
	if err := stop(); err == nil || !strings.Contains(err.Error(), "start Docker again") {
		t.Fatalf("Shutdown without the engine: %v, want the engine's error", err)
	}
}
