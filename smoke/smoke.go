// Package smoke proves the deployed routes end to end, through the same
// URLs a user opens: status → stop → stopped → start → running, each state
// cross-checked with EC2 (or the Docker engine), and an unknown route
// answered 404. For the docker target it also proves the container itself:
// its port answers once running and refuses once stopped.
package smoke

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/sethvargo/go-retry"

	"github.com/apidriven/api-driven/internal/status"
)

// Config says what to check.
type Config struct {
	StartURL, StopURL, StatusURL string // the three route URLs
	// EC2State cross-checks a state with what drives the machine: EC2
	// DescribeInstances, or the Docker engine for the docker target; nil
	// skips it.
	EC2State func(ctx context.Context) (string, error)
	// Engine names that cross-check in messages (default "EC2
	// DescribeInstances"); its first word says who agrees.
	Engine string
	// PortURL, for the docker target, is the container's published URL:
	// it must answer HTTP once running and refuse connections once stopped.
	PortURL string
	// Machine is what the routes drive, for messages (default "instance").
	Machine string
	// PortDeadline bounds each port check (default 30s: the server
	// starts in milliseconds once the engine reports it running).
	PortDeadline time.Duration
	// Deadline bounds each wait for a state (default 5m: real EC2 is slow).
	Deadline time.Duration
	HTTP     *http.Client // default: 30s timeout
	Status   *status.Status
}

// Reply is the JSON every route answers.
type Reply struct {
	InstanceID    string `json:"instanceId"`
	State         string `json:"state"`
	PreviousState string `json:"previousState"`
	CurrentState  string `json:"currentState"`
	Error         string `json:"error"`
	Message       string `json:"message"` // API Gateway's own errors
	// FromBody is true when Error is the raw body, not the function's
	// JSON "error" field.
	FromBody bool `json:"-"`
}

// Run performs the smoke test; the error names the failing step.
func Run(ctx context.Context, c Config) error {
	if c.HTTP == nil {
		c.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	if c.Deadline == 0 {
		c.Deadline = 5 * time.Minute
	}
	if c.PortDeadline == 0 {
		c.PortDeadline = 30 * time.Second
	}
	if c.Machine == "" {
		c.Machine = "instance"
	}
	if c.Engine == "" {
		c.Engine = "EC2 DescribeInstances"
	}
	r := &runner{c: c}

	state, err := r.status(ctx)
	if err != nil {
		return err
	}
	if state == "pending" || state == "stopping" { // let a transition finish first
		want := map[string]string{"pending": "running", "stopping": "stopped"}[state]
		if err := r.waitFor(ctx, want); err != nil {
			return err
		}
	}
	if err := r.change(ctx, "stop", c.StopURL, "stopping", "stopped"); err != nil {
		return err
	}
	if err := r.waitFor(ctx, "stopped"); err != nil {
		return err
	}
	if err := r.portRefuses(ctx); err != nil {
		return err
	}
	if err := r.change(ctx, "start", c.StartURL, "pending", "running"); err != nil {
		return err
	}
	if err := r.waitFor(ctx, "running"); err != nil {
		return err
	}
	if err := r.portAnswers(ctx); err != nil {
		return err
	}
	return r.unknownRoute(ctx)
}

type runner struct{ c Config }

// who is the cross-check's short name: "EC2" or "Docker".
func (r *runner) who() string {
	who, _, _ := strings.Cut(r.c.Engine, " ")
	return who
}

// status is the first look: the route answers 200 with a state, and EC2
// (or Docker) agrees unless one of them caught a transition.
func (r *runner) status(ctx context.Context) (string, error) {
	step := r.c.Status.Start("smoke status")
	code, reply, latency, err := r.call(ctx, http.MethodGet, r.c.StatusURL)
	if err != nil {
		return "", step.Fail(err)
	}
	if code != http.StatusOK || reply.State == "" {
		return "", step.Fail(badReply(code, reply))
	}
	detail := fmt.Sprintf("→ HTTP %d, %s %s %s, %s", code, r.c.Machine, reply.InstanceID, reply.State, latency)
	if r.c.EC2State != nil {
		ec2State, err := r.c.EC2State(ctx)
		if err != nil {
			return "", step.Fail(fmt.Errorf("failed to cross-check with %s: %w", r.c.Engine, err))
		}
		if ec2State != reply.State && stable(ec2State) && stable(reply.State) {
			return "", step.Fail(fmt.Errorf("the API says %s but %s says %s", reply.State, r.c.Engine, ec2State))
		}
		detail += ", " + r.who() + " says " + ec2State
	}
	step.Done(detail)
	return reply.State, nil
}

// change calls /stop or /start and checks the reply's currentState.
func (r *runner) change(ctx context.Context, name, u string, accept ...string) error {
	step := r.c.Status.Start("smoke " + name)
	code, reply, latency, err := r.call(ctx, http.MethodPost, u)
	if err != nil {
		return step.Fail(err)
	}
	if code != http.StatusOK || !slices.Contains(accept, reply.CurrentState) {
		return step.Fail(badReply(code, reply))
	}
	step.Done(fmt.Sprintf("→ HTTP %d, %s → %s, %s", code, reply.PreviousState, reply.CurrentState, latency))
	return nil
}

// waitFor polls the status route with backoff until want, then checks
// that EC2 DescribeInstances (or Docker) reports the same.
func (r *runner) waitFor(ctx context.Context, want string) error {
	step := r.c.Status.Start("smoke wait " + want)
	ctx, cancel := context.WithTimeout(ctx, r.c.Deadline)
	defer cancel()
	polls, last := 0, ""
	var lastLatency time.Duration
	b := retry.WithCappedDuration(5*time.Second, retry.NewExponential(250*time.Millisecond))
	err := retry.Do(ctx, b, func(ctx context.Context) error {
		polls++
		code, reply, latency, err := r.call(ctx, http.MethodGet, r.c.StatusURL)
		if err != nil {
			if ctx.Err() != nil {
				return retry.RetryableError(err) // the deadline cut the request
			}
			return err
		}
		if code != http.StatusOK || reply.State == "" {
			return badReply(code, reply)
		}
		last, lastLatency = reply.State, latency
		if reply.State != want {
			return retry.RetryableError(fmt.Errorf("state %s", reply.State))
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return step.Fail(status.WithFix(fmt.Errorf("the %s never reached %s within %s (last state: %s, %d polls)", r.c.Machine, want, r.c.Deadline, orNone(last), polls),
				"check the machine with `go tool mage outputs` and %s; raise APIDRIVEN_SMOKE_TIMEOUT on slow backends", r.c.Engine))
		}
		return step.Fail(err)
	}
	detail := fmt.Sprintf("→ HTTP 200, %s after %d polls, last call %s", want, polls, lastLatency)
	if r.c.EC2State != nil {
		ec2State, err := r.c.EC2State(ctx)
		if err != nil {
			return step.Fail(fmt.Errorf("failed to cross-check with %s: %w", r.c.Engine, err))
		}
		if ec2State != want {
			return step.Fail(fmt.Errorf("the API says %s but %s says %s", want, r.c.Engine, ec2State))
		}
		detail += ", " + r.who() + " agrees"
	}
	step.Done(detail)
	return nil
}

// missingToken is API Gateway's own answer for a resource the REST API
// does not define.
const missingToken = "Missing Authentication Token"

// unknownRoute asks for a sibling of /status that does not exist. The
// deployed API sends every path to the function ({proxy+} catch-all), which
// must answer a JSON 404 naming the routes.
func (r *runner) unknownRoute(ctx context.Context) error {
	step := r.c.Status.Start("smoke unknown route")
	u, err := url.Parse(r.c.StatusURL)
	if err != nil {
		return step.Fail(fmt.Errorf("failed to parse %s: %w", r.c.StatusURL, err))
	}
	u.Path = path.Join(path.Dir(u.Path), "no-such-route")
	code, reply, latency, err := r.call(ctx, http.MethodGet, u.String())
	if err != nil {
		return step.Fail(err)
	}
	switch {
	case code == http.StatusNotFound && reply.Error != "" && !reply.FromBody:
		step.Done(fmt.Sprintf("→ HTTP 404 %q, %s", reply.Error, latency))
		return nil
	case code == http.StatusForbidden && strings.Contains(reply.Message, missingToken):
		return step.Fail(status.WithFix(fmt.Errorf("GET %s answered API Gateway's HTTP 403 %q: the API has no catch-all route to the function", u, missingToken),
			"run `go tool mage deploy` to update the API"))
	default:
		return step.Fail(fmt.Errorf("GET %s answered HTTP %d, want the function's 404 with a JSON error", u, code))
	}
}

func (r *runner) call(ctx context.Context, method, u string) (int, Reply, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return 0, Reply{}, 0, fmt.Errorf("failed to build %s %s: %w", method, u, err)
	}
	start := time.Now()
	resp, err := r.c.HTTP.Do(req)
	if err != nil {
		return 0, Reply{}, 0, status.WithFix(fmt.Errorf("%s %s failed: %w", method, u, err),
			"is the backend up? run `go tool mage up` (or `go tool mage all`)")
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	latency := time.Since(start).Round(time.Millisecond)
	if err != nil {
		return 0, Reply{}, latency, fmt.Errorf("failed to read the answer of %s %s: %w", method, u, err)
	}
	var reply Reply
	if err := json.Unmarshal(body, &reply); err != nil && resp.StatusCode == http.StatusOK {
		return resp.StatusCode, reply, latency, fmt.Errorf("%s %s answered non-JSON: %.200s", method, u, body)
	}
	if reply.Error == "" && resp.StatusCode != http.StatusOK {
		reply.Error, reply.FromBody = strings.TrimSpace(string(body)), true
	}
	return resp.StatusCode, reply, latency, nil
}

// NeedsAPIKey reports API Gateway's refusal of a call without a valid API
// key to a method that requires one.
func NeedsAPIKey(code int, reply Reply) bool {
	return code == http.StatusForbidden && reply.Message == "Forbidden"
}

// APIKeyFix is the way out when NeedsAPIKey.
const APIKeyFix = "the API's methods require an API key (x-api-key): give the targets its value with APIDRIVEN_API_KEY=<value> go tool mage <target> (docs/exercises.md, exercise 3)"

func badReply(code int, reply Reply) error {
	if NeedsAPIKey(code, reply) {
		return status.WithFix(fmt.Errorf("HTTP %d: %.300s", code, reply.Error), APIKeyFix)
	}
	if reply.Error != "" {
		return status.WithFix(fmt.Errorf("HTTP %d: %.300s", code, reply.Error),
			"the Lambda or API Gateway failed: redeploy with `go tool mage deploy`; on the embedded backend see .apidriven/emulator.log")
	}
	return fmt.Errorf("HTTP %d with unexpected JSON (instanceId %q, state %q, currentState %q)", code, reply.InstanceID, reply.State, reply.CurrentState)
}

func stable(state string) bool { return state == "running" || state == "stopped" }

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
