package probe

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sethvargo/go-retry"

	"github.com/apidriven/api-driven/internal/status"
)

// permanentError stops Wait at once: retrying cannot help (the process
// exited, the container died, credentials are missing).
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err so that Wait gives up immediately.
func Permanent(err error) error { return &permanentError{err} }

// Wait calls check with exponential backoff (capped at 2s) until it returns
// nil, a Permanent error, or the deadline passes; any other error is
// treated as "not ready yet". It prints a progress
// line every few attempts so a slow start never looks like a hang.
func Wait(ctx context.Context, st *status.Status, what string, deadline time.Duration, check func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
	start := time.Now()
	var last error
	attempt := 0
	b := retry.WithCappedDuration(2*time.Second, retry.NewExponential(100*time.Millisecond))
	err := retry.Do(ctx, b, func(ctx context.Context) error {
		attempt++
		err := check(ctx)
		if err == nil {
			return nil
		}
		var p *permanentError
		if errors.As(err, &p) {
			return p.err
		}
		last = err
		if attempt%5 == 0 {
			st.Infof("still waiting for %s (%s): %v", what, time.Since(start).Round(100*time.Millisecond), err)
		}
		return retry.RetryableError(err)
	})
	if err == nil {
		return nil
	}
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
		if last == nil {
			last = err
		}
		return fmt.Errorf("%s not ready after %s: %w", what, deadline, last)
	}
	return err
}
