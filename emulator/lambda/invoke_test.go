package lambda_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/sethvargo/go-retry"

	"github.com/apidriven/api-driven/emulator/emulatortest"
	"github.com/apidriven/api-driven/emulator/lambda/lambdatest"
)

// invokeProbe sends a probe command and decodes the answer.
func invokeProbe(t *testing.T, e *env, name string, cmd lambdatest.ProbeCommand, opts ...func(*lambda.InvokeInput)) (*lambda.InvokeOutput, lambdatest.ProbeOutput) {
	t.Helper()
	payload, err := json.Marshal(cmd)
	if err != nil {
		t.Fatal(err)
	}
	in := &lambda.InvokeInput{FunctionName: aws.String(name), Payload: payload}
	for _, o := range opts {
		o(in)
	}
	out, err := e.client.Invoke(emulatortest.Context(t), in)
	if err != nil {
		t.Fatalf("Invoke %s: %v", name, err)
	}
	var po lambdatest.ProbeOutput
	if out.FunctionError == nil && len(out.Payload) > 0 {
		if err := json.Unmarshal(out.Payload, &po); err != nil {
			t.Fatalf("probe answered %q: %v", out.Payload, err)
		}
	}
	return out, po
}

func TestInvokeRequestResponse(t *testing.T) {
	e := start(t)
	in := e.createInput("probe", lambdatest.BuildFunction(t, lambdatest.Probe))
	in.Environment = &types.Environment{Variables: map[string]string{"GREETING": "hello"}}
	if _, err := e.client.CreateFunction(emulatortest.Context(t), in); err != nil {
		t.Fatalf("CreateFunction: %v", err)
	}
	out, po := invokeProbe(t, e, "probe", lambdatest.ProbeCommand{Echo: json.RawMessage(`{"x":1}`), Env: true, Log: "marker-in-the-log"},
		func(in *lambda.InvokeInput) { in.LogType = types.LogTypeTail })
	if out.StatusCode != 200 || out.FunctionError != nil || aws.ToString(out.ExecutedVersion) != "$LATEST" {
		t.Fatalf("Invoke: status %d, FunctionError %v, ExecutedVersion %s", out.StatusCode, aws.ToString(out.FunctionError), aws.ToString(out.ExecutedVersion))
	}
	if string(po.Echo) != `{"x":1}` || po.FunctionARN != "arn:aws:lambda:us-east-1:000000000000:function:probe" {
		t.Errorf("probe saw echo %s, ARN %s", po.Echo, po.FunctionARN)
	}
	if po.Env["GREETING"] != "hello" || po.Env["AWS_LAMBDA_FUNCTION_NAME"] != "probe" {
		t.Errorf("probe env GREETING=%q AWS_LAMBDA_FUNCTION_NAME=%q", po.Env["GREETING"], po.Env["AWS_LAMBDA_FUNCTION_NAME"])
	}
	tail, err := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
	if err != nil || !strings.Contains(string(tail), "marker-in-the-log") {
		t.Errorf("LogResult = %q (%v), want the invocation's log with its marker", tail, err)
	}

	// Without Tail there is no log in the answer.
	out, _ = invokeProbe(t, e, "probe", lambdatest.ProbeCommand{Log: "quiet"})
	if out.LogResult != nil {
		t.Errorf("LogResult = %q without LogType Tail", aws.ToString(out.LogResult))
	}
}

func TestInvokeFunctionError(t *testing.T) {
	e := start(t)
	e.create(t, "failing", lambdatest.BuildFunction(t, lambdatest.Probe))
	out, _ := invokeProbe(t, e, "failing", lambdatest.ProbeCommand{Error: "boom", ErrorType: "Boom"})
	if out.StatusCode != 200 || aws.ToString(out.FunctionError) != "Unhandled" {
		t.Fatalf("status %d FunctionError %q, want 200 Unhandled", out.StatusCode, aws.ToString(out.FunctionError))
	}
	var fe struct{ ErrorMessage, ErrorType string }
	if err := json.Unmarshal(out.Payload, &fe); err != nil || fe.ErrorMessage != "boom" || fe.ErrorType != "Boom" {
		t.Errorf("error payload %s (%v), want errorMessage boom, errorType Boom", out.Payload, err)
	}
}

func TestInvokeWithoutBootstrap(t *testing.T) {
	e := start(t)
	e.create(t, "empty", makeZip(t, file{name: "readme.txt", mode: 0o644, body: "no bootstrap here"}))
	out, err := e.client.Invoke(emulatortest.Context(t), &lambda.InvokeInput{FunctionName: aws.String("empty")})
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	if aws.ToString(out.FunctionError) != "Unhandled" || !bytes.Contains(out.Payload, []byte("Runtime.InvalidEntrypoint")) {
		t.Fatalf("FunctionError %q payload %s, want Unhandled Runtime.InvalidEntrypoint", aws.ToString(out.FunctionError), out.Payload)
	}
}

func TestInvokeDryRunAndErrors(t *testing.T) {
	e := start(t)
	e.create(t, "dry", shellZip(t, "dry"))
	out, err := e.client.Invoke(emulatortest.Context(t), &lambda.InvokeInput{FunctionName: aws.String("dry"), InvocationType: types.InvocationTypeDryRun})
	if err != nil || out.StatusCode != 204 {
		t.Fatalf("DryRun: status %v, err %v; want 204", out, err)
	}
	tests := []struct {
		name   string
		in     *lambda.InvokeInput
		code   string
		status int
		msg    string
	}{
		{"unknown function", &lambda.InvokeInput{FunctionName: aws.String("nobody")},
			"ResourceNotFoundException", 404, "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nobody"},
		{"version qualifier", &lambda.InvokeInput{FunctionName: aws.String("dry"), Qualifier: aws.String("3")},
			"ResourceNotFoundException", 404, "function:dry:3"},
		{"payload not json", &lambda.InvokeInput{FunctionName: aws.String("dry"), Payload: []byte("{nope")},
			"InvalidRequestContentException", 400, "Could not parse request body into json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.client.Invoke(emulatortest.Context(t), tt.in)
			wantAPIError(t, err, tt.code, tt.status, tt.msg)
		})
	}
}

func TestInvokeEvent(t *testing.T) {
	dir := t.TempDir()
	e := start(t, emulatortest.WithDataDir(dir))
	e.create(t, "async", lambdatest.BuildFunction(t, lambdatest.Probe))
	payload, _ := json.Marshal(lambdatest.ProbeCommand{Log: "event-ran-7f3a"})
	out, err := e.client.Invoke(emulatortest.Context(t), &lambda.InvokeInput{
		FunctionName: aws.String("async"), InvocationType: types.InvocationTypeEvent, Payload: payload,
	})
	if err != nil || out.StatusCode != 202 || len(out.Payload) != 0 {
		t.Fatalf("Event invoke: %+v, %v; want 202 with no payload", out, err)
	}
	// The only trace of an Event invocation is the function's log (under
	// the work dir, which defaults to <data dir>/lambda-work).
	logPath := filepath.Join(dir, "lambda-work", "logs", "us-east-1", "async.log")
	backoff := retry.WithMaxDuration(30*time.Second, retry.NewExponential(50*time.Millisecond))
	err = retry.Do(emulatortest.Context(t), retry.WithCappedDuration(time.Second, backoff), func(context.Context) error {
		data, err := os.ReadFile(logPath)
		if err != nil || !bytes.Contains(data, []byte("event-ran-7f3a")) {
			return retry.RetryableError(errors.New("the event invocation has not logged yet"))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Event invocation never ran: %v", err)
	}
}

func TestUpdateCodeChangesBehaviour(t *testing.T) {
	e := start(t)
	e.create(t, "morph", lambdatest.BuildFunction(t, lambdatest.Probe))
	_, po := invokeProbe(t, e, "morph", lambdatest.ProbeCommand{Echo: json.RawMessage(`"v1"`)})
	if string(po.Echo) != `"v1"` || po.Pid == 0 {
		t.Fatalf("probe answered echo %s pid %d", po.Echo, po.Pid)
	}
	if _, err := e.client.UpdateFunctionCode(emulatortest.Context(t), &lambda.UpdateFunctionCodeInput{
		FunctionName: aws.String("morph"), ZipFile: lambdatest.BuildFunction(t, lambdatest.Echo),
	}); err != nil {
		t.Fatalf("UpdateFunctionCode: %v", err)
	}
	// The echo function returns its payload verbatim: no pid, no wrapping.
	out, err := e.client.Invoke(emulatortest.Context(t), &lambda.InvokeInput{FunctionName: aws.String("morph"), Payload: []byte(`{"only":"me"}`)})
	if err != nil {
		t.Fatalf("Invoke after update: %v", err)
	}
	if out.FunctionError != nil || string(bytes.TrimSpace(out.Payload)) != `{"only":"me"}` {
		t.Fatalf("after update: FunctionError %q payload %s, want the echo of the payload", aws.ToString(out.FunctionError), out.Payload)
	}
}

func TestInvokeAfterRestart(t *testing.T) {
	dir := t.TempDir()
	e := start(t, emulatortest.WithDataDir(dir))
	e.create(t, "durable", lambdatest.BuildFunction(t, lambdatest.Echo))
	if err := e.srv.Close(); err != nil {
		t.Fatalf("close emulator: %v", err)
	}
	// Lose the unpacked code too: it must come back from the stored zip.
	if err := os.RemoveAll(filepath.Join(dir, "lambda-work")); err != nil {
		t.Fatal(err)
	}
	e = reconnect(t, emulatortest.Start(t, emulatortest.WithDataDir(dir)), e.role)
	out, err := e.client.Invoke(emulatortest.Context(t), &lambda.InvokeInput{FunctionName: aws.String("durable"), Payload: []byte(`{"back":true}`)})
	if err != nil {
		t.Fatalf("Invoke after restart: %v", err)
	}
	if out.FunctionError != nil || string(bytes.TrimSpace(out.Payload)) != `{"back":true}` {
		t.Fatalf("after restart: FunctionError %q payload %s", aws.ToString(out.FunctionError), out.Payload)
	}
}
