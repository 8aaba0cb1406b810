package lambda

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/apidriven/api-driven/emulator/lambda/lambdatest"
	"github.com/apidriven/api-driven/emulator/lambda/runtime"
	"github.com/apidriven/api-driven/emulator/protocol"
)

// TestInvokeFunction covers the Go entry point API Gateway uses: a name or
// an ARN, optionally qualified with $LATEST.
func TestInvokeFunction(t *testing.T) {
	mgr := runtime.NewManager(runtime.Config{})
	t.Cleanup(func() { _ = mgr.Close() })
	svc, err := New(Options{Roles: anyRole{}, Runtime: mgr, WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close() })
	body, _ := json.Marshal(map[string]any{
		"FunctionName": "echo", "Runtime": "provided.al2023", "Role": "arn:aws:iam::000000000000:role/r", "Handler": "bootstrap",
		"Code": map[string]string{"ZipFile": base64.StdEncoding.EncodeToString(lambdatest.BuildFunction(t, lambdatest.Echo))},
	})
	rec := httptest.NewRecorder()
	svc.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/2015-03-31/functions", bytes.NewReader(body)))
	if rec.Code != http.StatusCreated {
		t.Fatalf("CreateFunction: %d %s", rec.Code, rec.Body)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, ref := range []string{"echo", "arn:aws:lambda:us-east-1:000000000000:function:echo", "arn:aws:lambda:us-east-1:000000000000:function:echo:$LATEST"} {
		out, fnErr, err := svc.InvokeFunction(ctx, "us-east-1", ref, []byte(`{"path":"/status"}`))
		if err != nil || fnErr != "" || string(bytes.TrimSpace(out)) != `{"path":"/status"}` {
			t.Errorf("InvokeFunction(%s) = %s, %q, %v", ref, out, fnErr, err)
		}
	}

	errs := []struct {
		region, ref, code string
	}{
		{"us-east-1", "nobody", "ResourceNotFoundException"},
		{"eu-west-1", "echo", "ResourceNotFoundException"},
		{"us-east-1", "arn:aws:lambda:eu-west-1:000000000000:function:echo", "ResourceNotFoundException"},
		{"us-east-1", "echo:7", "ResourceNotFoundException"},
		{"us-east-1", "not a name", "ValidationException"},
	}
	for _, tt := range errs {
		_, _, err := svc.InvokeFunction(ctx, tt.region, tt.ref, nil)
		var perr *protocol.Error
		if !errors.As(err, &perr) || perr.Code != tt.code {
			t.Errorf("InvokeFunction(%s, %s) error = %v, want %s", tt.region, tt.ref, err, tt.code)
		}
	}
}
