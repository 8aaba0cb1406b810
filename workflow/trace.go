package workflow

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/sethvargo/go-retry"

	"github.com/apidriven/api-driven/backend/probe"
	"github.com/apidriven/api-driven/emulator/trace"
	"github.com/apidriven/api-driven/internal/status"
	"github.com/apidriven/api-driven/provision"
)

// Defaults of the trace targets, overridden by APIDRIVEN_TRACE_LIMIT and
// COLUMNS.
const (
	defaultTraceLimit = 10
	defaultTraceWidth = 100
	// comebackWait is how long TraceFollow waits for an emulator that went
	// away (restarted by `go tool mage all`).
	comebackWait = 2 * time.Minute
)

// Trace prints the last requests' traces as waterfalls, oldest first; with
// follow it then prints each new request as it completes, until Ctrl-C.
func (p *Project) Trace(ctx context.Context, follow bool) error {
	endpoint, err := p.traceEndpoint()
	if err != nil {
		return err
	}
	limit, err := envInt("APIDRIVEN_TRACE_LIMIT", defaultTraceLimit)
	if err != nil {
		return err
	}
	width, _ := strconv.Atoi(os.Getenv("COLUMNS"))
	if width <= 0 {
		width = defaultTraceWidth
	}
	c := trace.Client{Endpoint: endpoint}
	callCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	l, err := c.Recent(callCtx, limit)
	cancel()
	if err != nil {
		return traceError(endpoint, err)
	}
	if !l.Enabled {
		return status.WithFix(fmt.Errorf("the emulator at %s runs with tracing off", endpoint),
			"restart it without -trace-ring 0 (AWSEMU_TRACE_RING): go tool mage down && go tool mage all")
	}
	f := &trace.Follower{W: p.Out, Width: width}
	if follow {
		p.Status.Infof("following requests to %s (Ctrl-C to stop); the console: %s%s", endpoint, endpoint, trace.ConsolePath)
	}
	for i := len(l.Traces) - 1; i >= 0; i-- {
		if follow {
			f.Show(l.Traces[i])
		} else {
			trace.Waterfall(p.Out, l.Traces[i], width)
			fmt.Fprintln(p.Out)
		}
	}
	if !follow {
		if len(l.Traces) == 0 {
			p.Status.Infof("no request traced yet: open a stage URL (go tool mage all prints them) or the console at %s%s", endpoint, trace.ConsolePath)
		} else {
			p.Status.Infof("%d of the %d requests the emulator keeps (APIDRIVEN_TRACE_LIMIT=%d); live: go tool mage traceFollow, or the console at %s%s",
				len(l.Traces), min(l.Total, uint64(l.Capacity)), limit, endpoint, trace.ConsolePath)
		}
		return nil
	}
	return p.follow(ctx, c, f)
}

// follow prints the stream until ctx ends, waiting for the emulator when
// it goes away (a restart) and failing if it stays away.
func (p *Project) follow(ctx context.Context, c trace.Client, f *trace.Follower) error {
	// A stream that breaks soon after it opened (a proxy that closes it at
	// once) is reopened after a growing pause, never in a tight loop.
	newBackoff := func() retry.Backoff {
		return retry.WithCappedDuration(10*time.Second, retry.NewExponential(500*time.Millisecond))
	}
	backoff := newBackoff()
	for {
		opened := time.Now()
		err := c.Follow(ctx, f.Show)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, trace.ErrNotServed) {
			return traceError(c.Endpoint, err)
		}
		if time.Since(opened) > time.Minute {
			backoff = newBackoff() // it had been working: start small again
		}
		pause, _ := backoff.Next()
		p.Status.Infof("%v; waiting for the emulator to come back (Ctrl-C to stop)", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(pause):
		}
		err = probe.Wait(ctx, p.Status, "the emulator at "+c.Endpoint, comebackWait, func(ctx context.Context) error {
			callCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			_, err := c.Recent(callCtx, 1)
			return err
		})
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return traceError(c.Endpoint, err)
		}
		p.Status.Infof("the emulator is back: following again")
	}
}

// traceEndpoint is the emulator the project deployed to (outputs.json),
// else the configured endpoint; real AWS has no traces of ours.
func (p *Project) traceEndpoint() (string, error) {
	if o, err := p.ReadOutputs(); err == nil {
		if o.Backend != provision.BackendEmbedded || o.Endpoint == "" {
			return "", noTraces(o.Backend, o.Endpoint)
		}
		return strings.TrimRight(o.Endpoint, "/"), nil
	}
	s, err := p.settings()
	if err != nil {
		return "", err
	}
	if s.Backend == "aws" || s.Endpoint == "" {
		return "", noTraces("aws", "")
	}
	return strings.TrimRight(s.Endpoint, "/"), nil
}

func noTraces(backend, endpoint string) error {
	where := "real AWS"
	if endpoint != "" {
		where = backend + " at " + endpoint
	}
	return status.WithFix(fmt.Errorf("traces are recorded by this project's emulator; the project is deployed on %s", where),
		"deploy on the embedded emulator: APIDRIVEN_BACKEND=embedded go tool mage all")
}

// traceError says why traces could not be read, and what to do.
func traceError(endpoint string, err error) error {
	if errors.Is(err, trace.ErrNotServed) {
		return status.WithFix(fmt.Errorf("%s does not serve traces (LocalStack or another emulator): %w", endpoint, err),
			"use this project's emulator: APIDRIVEN_BACKEND=embedded go tool mage all")
	}
	var hc interface{ Timeout() bool }
	if errors.As(err, &hc) || strings.Contains(err.Error(), "connection refused") {
		return status.WithFix(fmt.Errorf("no emulator answers at %s: %w", endpoint, err), "start it and deploy: go tool mage all")
	}
	return fmt.Errorf("failed to read the traces of %s: %w", endpoint, err)
}

func envInt(key string, def int) (int, error) {
	v := strings.TrimSpace(os.Getenv(key))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, status.WithFix(fmt.Errorf("invalid %s %q", key, v), "use a positive number of requests, such as %s=20", key)
	}
	return n, nil
}
