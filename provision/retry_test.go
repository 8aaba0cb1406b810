package provision

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/apidriven/api-driven/internal/status"
)

func apiErr(code, msg string) error {
	return fmt.Errorf("operation error: %w", &smithy.GenericAPIError{Code: code, Message: msg})
}

func httpErr(code int) error {
	return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: code}}, Err: errors.New("status"),
	}}
}

func TestClassification(t *testing.T) {
	roleMsg := "The role defined for the function cannot be assumed by Lambda."
	tests := []struct {
		name                     string
		err                      error
		transient, role, lambdaW bool
		fix                      string // substring of the fix, "" for none
	}{
		{"throttling", apiErr("Throttling", "Rate exceeded"), true, false, false, "throttling"},
		{"ec2 limit", apiErr("RequestLimitExceeded", ""), true, false, false, "throttling"},
		{"apigw too many", apiErr("TooManyRequestsException", ""), true, false, false, "throttling"},
		{"lambda 5xx", apiErr("ServiceException", ""), true, false, false, "throttling"},
		{"http 503", httpErr(503), true, false, false, "throttling"},
		{"http 429", httpErr(429), true, false, false, "throttling"},
		{"http 400", httpErr(400), false, false, false, ""},
		{"role not assumable", apiErr("InvalidParameterValueException", roleMsg), false, true, true, ""},
		{"other invalid parameter", apiErr("InvalidParameterValueException", "Unzipped size must be smaller"), false, false, false, ""},
		{"update in progress", apiErr("ResourceConflictException", "The operation cannot be performed at this time. An update is in progress"), false, false, true, ""},
		{"not found", apiErr("ResourceNotFoundException", ""), false, false, false, ""},
		{"access denied", apiErr("AccessDeniedException", ""), false, false, false, "lacks this permission"},
		{"expired token", apiErr("ExpiredToken", ""), false, false, false, "credentials"},
		{"connection refused", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, false, false, false, "mage up"},
		{"timeout", context.DeadlineExceeded, false, false, false, "did not answer in time"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := isTransient(tc.err); got != tc.transient {
				t.Errorf("isTransient = %v", got)
			}
			if got := isRoleNotAssumable(tc.err); got != tc.role {
				t.Errorf("isRoleNotAssumable = %v", got)
			}
			if got := retryLambdaWrite(tc.err); got != tc.lambdaW {
				t.Errorf("retryLambdaWrite = %v", got)
			}
			err := fail(tc.err, "create lambda function %s", "f")
			if !strings.HasPrefix(err.Error(), "failed to create lambda function f: ") || !errors.Is(err, tc.err) {
				t.Errorf("wrapped error %q does not name the step or lost its cause", err)
			}
			fix := status.FixOf(err)
			if (tc.fix == "") != (fix == "") || !strings.Contains(fix, tc.fix) {
				t.Errorf("fix %q, want one mentioning %q", fix, tc.fix)
			}
		})
	}
}

func TestWithRetry(t *testing.T) {
	to := Timeouts{Call: time.Second, Wait: 30 * time.Second}
	tests := []struct {
		name     string
		errs     []error // returned by successive attempts, then success
		extra    func(error) bool
		attempts int
		ok       bool
	}{
		{"success", nil, nil, 1, true},
		{"transient then success", []error{apiErr("Throttling", ""), httpErr(500)}, nil, 3, true},
		{"permanent stops at once", []error{apiErr("ValidationError", "bad"), nil}, nil, 1, false},
		{"extra makes it transient", []error{apiErr("ResourceConflictException", "in progress")}, retryLambdaWrite, 2, true},
		{"without extra conflict is permanent", []error{apiErr("ResourceConflictException", "in progress")}, nil, 1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := 0
			v, err := withRetry(context.Background(), to, tc.extra, func(ctx context.Context) (int, error) {
				if _, ok := ctx.Deadline(); !ok {
					t.Error("attempt has no deadline")
				}
				n++
				if n <= len(tc.errs) && tc.errs[n-1] != nil {
					return 0, tc.errs[n-1]
				}
				return 42, nil
			})
			if n != tc.attempts || (err == nil) != tc.ok || (tc.ok && v != 42) {
				t.Errorf("attempts %d, value %d, err %v; want %d attempts, ok=%v", n, v, err, tc.attempts, tc.ok)
			}
		})
	}
}

// The wait deadline ends a retry sequence that never succeeds.
func TestWithRetryGivesUp(t *testing.T) {
	to := Timeouts{Call: time.Second, Wait: 50 * time.Millisecond}
	_, err := withRetry(context.Background(), to, nil, func(context.Context) (int, error) {
		return 0, apiErr("Throttling", "Rate exceeded")
	})
	if !isTransient(err) {
		t.Errorf("got %v, want the last throttling error", err)
	}
}

// A call that exceeds its own timeout is retried while the caller's
// context is still alive.
func TestWithRetryCallTimeout(t *testing.T) {
	to := Timeouts{Call: 10 * time.Millisecond, Wait: 10 * time.Second}
	n := 0
	_, err := withRetry(context.Background(), to, nil, func(ctx context.Context) (int, error) {
		n++
		if n == 1 {
			<-ctx.Done()
			return 0, ctx.Err()
		}
		return 1, nil
	})
	if err != nil || n != 2 {
		t.Errorf("attempts %d, err %v; want a retry after the call timeout", n, err)
	}
}
