package lambda_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/apidriven/api-driven/emulator/emulatortest"
)

// TestTransitionsRefuseEarlyCalls holds functions in their transitional
// states (a delay no test outlives) and checks AWS's refusals.
func TestTransitionsRefuseEarlyCalls(t *testing.T) {
	e := start(t, emulatortest.WithTransitionDelay(time.Hour))
	ctx := emulatortest.Context(t)
	out := e.create(t, "slow", shellZip(t, "slow"))
	if out.State != types.StatePending || out.StateReasonCode != types.StateReasonCodeCreating || out.LastUpdateStatus != types.LastUpdateStatusInProgress {
		t.Fatalf("after create: State %s (%s), LastUpdateStatus %s; want Pending (Creating), InProgress", out.State, out.StateReasonCode, out.LastUpdateStatus)
	}
	_, err := e.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("slow")})
	wantAPIError(t, err, "ResourceConflictException", 409, "The operation cannot be performed at this time. The function is currently in the following state: Pending")
	_, err = e.client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("slow"), Timeout: aws.Int32(10)})
	wantAPIError(t, err, "ResourceConflictException", 409, "The operation cannot be performed at this time. An update is in progress for resource: arn:aws:lambda:us-east-1:000000000000:function:slow")
	_, err = e.client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("slow"), ZipFile: shellZip(t, "v2")})
	wantAPIError(t, err, "ResourceConflictException", 409, "An update is in progress for resource")
}

// TestWaiters runs the SDK's own waiters across both transitions.
func TestWaiters(t *testing.T) {
	e := start(t, emulatortest.WithTransitionDelay(300*time.Millisecond))
	ctx := emulatortest.Context(t)
	e.create(t, "waited", shellZip(t, "waited"))
	name := &lambda.GetFunctionInput{FunctionName: aws.String("waited")}
	fast := func(o *lambda.FunctionActiveV2WaiterOptions) {
		o.MinDelay, o.MaxDelay = 100*time.Millisecond, time.Second
	}
	if err := lambda.NewFunctionActiveV2Waiter(e.client, fast).Wait(ctx, name, 20*time.Second); err != nil {
		t.Fatalf("FunctionActiveV2 waiter: %v", err)
	}

	upd, err := e.client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("waited"), Timeout: aws.Int32(10)})
	if err != nil {
		t.Fatalf("UpdateFunctionConfiguration: %v", err)
	}
	if upd.State != types.StateActive || upd.LastUpdateStatus != types.LastUpdateStatusInProgress {
		t.Fatalf("after update: State %s, LastUpdateStatus %s; want Active, InProgress", upd.State, upd.LastUpdateStatus)
	}
	fastUpd := func(o *lambda.FunctionUpdatedV2WaiterOptions) {
		o.MinDelay, o.MaxDelay = 100*time.Millisecond, time.Second
	}
	if err := lambda.NewFunctionUpdatedV2Waiter(e.client, fastUpd).Wait(ctx, name, 20*time.Second); err != nil {
		t.Fatalf("FunctionUpdatedV2 waiter: %v", err)
	}
	got, err := e.client.GetFunction(ctx, name)
	if err != nil {
		t.Fatalf("GetFunction: %v", err)
	}
	if got.Configuration.LastUpdateStatus != types.LastUpdateStatusSuccessful || aws.ToInt32(got.Configuration.Timeout) != 10 {
		t.Fatalf("after waiting: LastUpdateStatus %s, Timeout %d", got.Configuration.LastUpdateStatus, aws.ToInt32(got.Configuration.Timeout))
	}
	// Settled, so the next change is accepted.
	if _, err := e.client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("waited"), ZipFile: shellZip(t, "v2")}); err != nil {
		t.Fatalf("UpdateFunctionCode after the waiter: %v", err)
	}
}

// TestRawRequests covers what the SDK never sends: malformed bodies and
// unknown routes get JSON errors with 4xx statuses.
func TestRawRequests(t *testing.T) {
	srv := emulatortest.Start(t)
	tests := []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"malformed create", "POST", "/2015-03-31/functions", `{"FunctionName":`, 400, "InvalidRequestContentException"},
		{"wrong type", "POST", "/2015-03-31/functions", `{"FunctionName": 7}`, 400, "InvalidRequestContentException"},
		{"unknown route", "GET", "/2015-03-31/functions/x/concurrency", "", 404, "UnknownOperationException"},
		{"unknown method", "PATCH", "/2015-03-31/functions", "", 404, "UnknownOperationException"},
		{"tags prefix only", "GET", "/2017-03-31/tags", "", 404, "UnknownOperationException"},
		{"invalid invoke payload", "POST", "/2015-03-31/functions/x/invocations", `{not json`, 400, "InvalidRequestContentException"},
		{"invalid invocation type", "POST", "/2015-03-31/functions/x/invocations", `{}`, 400, "ValidationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, srv.URL()+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.name == "invalid invocation type" {
				req.Header.Set("X-Amz-Invocation-Type", "Sometimes")
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v", tt.method, tt.path, err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			var e struct {
				Type    string `json:"__type"`
				Message string `json:"message"`
			}
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("error body %q is not JSON: %v", body, err)
			}
			if resp.StatusCode != tt.status || e.Type != tt.code || resp.Header.Get("X-Amzn-ErrorType") != tt.code || e.Message == "" {
				t.Fatalf("got %d %s (%q), want %d %s", resp.StatusCode, e.Type, e.Message, tt.status, tt.code)
			}
		})
	}
}

func TestInvokePayloadTooLarge(t *testing.T) {
	e := start(t)
	e.create(t, "big", shellZip(t, "big"))
	payload := append(append([]byte(`"`), bytes.Repeat([]byte("x"), 6<<20)...), '"')
	_, err := e.client.Invoke(emulatortest.Context(t), &lambda.InvokeInput{FunctionName: aws.String("big"), Payload: payload})
	wantAPIError(t, err, "RequestTooLargeException", 413, "Request must be smaller than 6291456 bytes for the InvokeFunction operation")
}
