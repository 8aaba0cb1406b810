package smoke

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"

	"github.com/sethvargo/go-retry"

	"github.com/apidriven/api-driven/internal/status"
)

// portAnswers checks the started container serves HTTP on its port.
func (r *runner) portAnswers(ctx context.Context) error {
	if r.c.PortURL == "" {
		return nil
	}
	step := r.c.Status.Start("smoke port answers")
	tries, code := 0, 0
	err := r.pollPort(ctx, func(ctx context.Context) error {
		tries++
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.c.PortURL, nil)
		if err != nil {
			return fmt.Errorf("failed to build GET %s: %w", r.c.PortURL, err)
		}
		resp, err := r.c.HTTP.Do(req)
		if err != nil {
			return retry.RetryableError(err)
		}
		resp.Body.Close()
		code = resp.StatusCode
		if code != http.StatusOK {
			return retry.RetryableError(fmt.Errorf("HTTP %d", code))
		}
		return nil
	})
	if err != nil {
		return step.Fail(status.WithFix(fmt.Errorf("the container is running but GET %s does not answer 200 within %s: %w", r.c.PortURL, r.c.PortDeadline, err),
			"look at the container's logs (docker logs <containerName from go tool mage outputs>)"))
	}
	step.Done(fmt.Sprintf("→ HTTP %d from %s (try %d)", code, r.c.PortURL, tries))
	return nil
}

// portRefuses checks the stopped container's port refuses connections.
func (r *runner) portRefuses(ctx context.Context) error {
	if r.c.PortURL == "" {
		return nil
	}
	step := r.c.Status.Start("smoke port refuses")
	u, err := url.Parse(r.c.PortURL)
	if err != nil {
		return step.Fail(fmt.Errorf("failed to parse %s: %w", r.c.PortURL, err))
	}
	tries := 0
	var d net.Dialer
	err = r.pollPort(ctx, func(ctx context.Context) error {
		tries++
		conn, err := d.DialContext(ctx, "tcp", u.Host)
		if err == nil {
			conn.Close()
			return retry.RetryableError(errors.New("it still accepts connections"))
		}
		if errors.Is(err, syscall.ECONNREFUSED) {
			return nil
		}
		return retry.RetryableError(err)
	})
	if err != nil {
		return step.Fail(fmt.Errorf("the container is stopped but %s does not refuse connections within %s: %w", u.Host, r.c.PortDeadline, err))
	}
	step.Done(fmt.Sprintf("→ %s connection refused (try %d)", u.Host, tries))
	return nil
}

// pollPort retries fn with backoff until PortDeadline; on timeout the
// error is the last attempt's.
func (r *runner) pollPort(ctx context.Context, fn func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, r.c.PortDeadline)
	defer cancel()
	var last error
	b := retry.WithCappedDuration(time.Second, retry.NewExponential(50*time.Millisecond))
	err := retry.Do(ctx, b, func(ctx context.Context) error {
		actx, acancel := context.WithTimeout(ctx, 5*time.Second)
		defer acancel()
		err := fn(actx)
		if err != nil {
			last = err
		}
		return err
	})
	if err != nil && ctx.Err() != nil && last != nil {
		if cause := errors.Unwrap(last); cause != nil { // the retryable wrapper's
			return cause
		}
		return last
	}
	return err
}
