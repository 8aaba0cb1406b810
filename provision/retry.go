package provision

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	"github.com/sethvargo/go-retry"

	"github.com/apidriven/api-driven/internal/status"
)

// call runs one AWS call under its own timeout.
func call[T any](ctx context.Context, timeout time.Duration, fn func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return fn(ctx)
}

// backoff is exponential from 500ms, capped at 10s, with jitter, giving up
// after wait.
func backoff(wait time.Duration) retry.Backoff {
	b := retry.NewExponential(500 * time.Millisecond)
	b = retry.WithJitterPercent(10, b)
	b = retry.WithCappedDuration(10*time.Second, b)
	return retry.WithMaxDuration(wait, b)
}

// withRetry runs fn (each attempt under the call timeout) until it
// succeeds, fails permanently, or the wait deadline passes. Transient
// errors are retried; extra marks more errors as transient for one call.
func withRetry[T any](ctx context.Context, to Timeouts, extra func(error) bool, fn func(context.Context) (T, error)) (T, error) {
	return retry.DoValue(ctx, backoff(to.Wait), func(ctx context.Context) (T, error) {
		v, err := call(ctx, to.Call, fn)
		if err == nil {
			return v, nil
		}
		// A call that hit its own timeout while the overall context is
		// still alive is worth another attempt.
		timedOut := errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil
		if timedOut || isTransient(err) || (extra != nil && extra(err)) {
			return v, retry.RetryableError(err)
		}
		return v, err
	})
}

// transientCodes are AWS error codes meaning "try again later" across the
// services used here.
var transientCodes = map[string]bool{
	"Throttling": true, "ThrottlingException": true, "ThrottledException": true,
	"TooManyRequestsException": true, "RequestLimitExceeded": true, "RequestThrottled": true,
	"RequestThrottledException": true, "EC2ThrottledException": true, "SlowDown": true,
	"ServiceUnavailable": true, "ServiceUnavailableException": true, "ServiceException": true,
	"InternalError": true, "InternalFailure": true, "InternalServerError": true,
	"InternalServiceError": true, "Unavailable": true, "PriorRequestNotComplete": true,
	"RequestTimeout": true, "RequestTimeoutException": true,
}

// isTransient says whether err is throttling or a server-side failure.
func isTransient(err error) bool {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && transientCodes[apiErr.ErrorCode()] {
		return true
	}
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) {
		code := respErr.HTTPStatusCode()
		return code == 429 || code >= 500
	}
	return false
}

// isRoleNotAssumable is Lambda refusing a role IAM has not propagated yet
// (real AWS, for ~10s after the role is created or its trust changes).
func isRoleNotAssumable(err error) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == "InvalidParameterValueException" &&
		strings.Contains(apiErr.ErrorMessage(), "cannot be assumed by Lambda")
}

// hasCode says whether err is an AWS error with one of codes.
func hasCode(err error, codes ...string) bool {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	for _, c := range codes {
		if apiErr.ErrorCode() == c {
			return true
		}
	}
	return false
}

// fail wraps err as "failed to <what>: err" and attaches the fix the user
// needs when the cause is recognisable.
func fail(err error, format string, args ...any) error {
	what := fmt.Sprintf(format, args...)
	wrapped := fmt.Errorf("failed to %s: %w", what, err)
	if status.FixOf(err) != "" {
		return wrapped
	}
	if fix := fixFor(err); fix != "" {
		return status.WithFix(wrapped, "%s", fix)
	}
	return wrapped
}

// fixFor names the remedy for the common failures.
func fixFor(err error) string {
	var opErr *net.OpError
	switch {
	case hasCode(err, "ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId",
		"UnrecognizedClientException", "SignatureDoesNotMatch", "AuthFailure"):
		return "refresh your AWS credentials (aws sso login, or aws configure) and run again"
	case hasCode(err, "AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
		return "the AWS identity in use lacks this permission; use a role allowed to manage IAM, EC2, Lambda and API Gateway"
	case isTransient(err):
		return "the service is throttling or failing; wait a minute and run again"
	case errors.Is(err, context.DeadlineExceeded):
		return "the backend did not answer in time; check that it is up (go tool mage up) and run again"
	case errors.As(err, &opErr):
		return "nothing answers at the endpoint; start the backend with `go tool mage up` or check AWS_ENDPOINT_URL"
	}
	return ""
}
