package runtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sethvargo/go-retry"

	"github.com/apidriven/api-driven/emulator/lambda/runtime"
)

// manualRuntime starts a function whose bootstrap only publishes its
// Runtime API address, so the test itself plays the runtime client.
func manualRuntime(t *testing.T, m *runtime.Manager, name string) (runtime.Function, func() string) {
	t.Helper()
	addrFile := filepath.Join(t.TempDir(), "addr")
	fn := function(t, name, writeBootstrap(t, "#!/bin/sh\nprintf %s \"$AWS_LAMBDA_RUNTIME_API\" > \"$ADDR_FILE.tmp\"\nmv \"$ADDR_FILE.tmp\" \"$ADDR_FILE\"\nexec sleep 60\n"))
	fn.Env = map[string]string{"ADDR_FILE": addrFile}
	return fn, func() string {
		var addr []byte
		b := retry.WithMaxDuration(20*time.Second, retry.WithCappedDuration(100*time.Millisecond, retry.NewExponential(5*time.Millisecond)))
		err := retry.Do(context.Background(), b, func(context.Context) error {
			var err error
			if addr, err = os.ReadFile(addrFile); err != nil {
				return retry.RetryableError(err)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("bootstrap never published its runtime API address: %v", err)
		}
		return "http://" + string(addr) + "/2018-06-01/runtime/"
	}
}

type invokeResult struct {
	res *runtime.Result
	err error
}

func goInvoke(m *runtime.Manager, fn runtime.Function, payload string) <-chan invokeResult {
	ch := make(chan invokeResult, 1)
	go func() {
		c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		res, err := m.Invoke(c, fn, []byte(payload))
		ch <- invokeResult{res, err}
	}()
	return ch
}

var client = &http.Client{Timeout: 30 * time.Second}

func call(t *testing.T, method, url string, body []byte, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, data
}

func expectStatus(t *testing.T, resp *http.Response, body []byte, status int, errorType string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s %s = %d %s, want %d", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, body, status)
	}
	var doc struct{ Status, ErrorType, ErrorMessage string }
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("%s answered non-JSON %q", resp.Request.URL.Path, body)
	}
	if errorType == "" && doc.Status != "OK" || errorType != "" && (doc.ErrorType != errorType || doc.ErrorMessage == "") {
		t.Errorf("%s answered %s, want errorType %q", resp.Request.URL.Path, body, errorType)
	}
}

func TestRuntimeAPI(t *testing.T) {
	m := newManager(t, runtime.Config{})
	fn, api := manualRuntime(t, m, "manual")
	fn.Timeout = 30 * time.Second

	// A response.
	pending := goInvoke(m, fn, `{"n":1}`)
	base := api()
	before := time.Now()
	resp, body := call(t, http.MethodGet, base+"invocation/next", nil, nil)
	id := resp.Header.Get("Lambda-Runtime-Aws-Request-Id")
	deadline, _ := strconv.ParseInt(resp.Header.Get("Lambda-Runtime-Deadline-Ms"), 10, 64)
	if resp.StatusCode != 200 || string(body) != `{"n":1}` || id == "" {
		t.Fatalf("next = %d %q id %q", resp.StatusCode, body, id)
	}
	if d := time.UnixMilli(deadline).Sub(before); d < 29*time.Second || d > 31*time.Second {
		t.Errorf("deadline is %v away, want the 30s timeout", d)
	}
	if got := resp.Header.Get("Lambda-Runtime-Invoked-Function-Arn"); got != fn.ARN {
		t.Errorf("function arn header = %q", got)
	}
	if got := resp.Header.Get("Lambda-Runtime-Trace-Id"); !strings.HasPrefix(got, "Root=1-") {
		t.Errorf("trace id header = %q", got)
	}
	resp, body = call(t, http.MethodPost, base+"invocation/not-"+id+"/response", []byte(`"x"`), nil)
	expectStatus(t, resp, body, 400, "InvalidRequestID")
	resp, body = call(t, http.MethodPost, base+"invocation/"+id+"/response", []byte(`{"answer":42}`), nil)
	expectStatus(t, resp, body, 202, "")
	r := <-pending
	if r.err != nil || r.res.FunctionError != "" || string(r.res.Payload) != `{"answer":42}` || r.res.RequestID != id {
		t.Fatalf("invoke = %+v %v", r.res, r.err)
	}
	resp, body = call(t, http.MethodPost, base+"invocation/"+id+"/response", []byte(`"again"`), nil)
	expectStatus(t, resp, body, 400, "InvalidRequestID") // stale
	resp, body = call(t, http.MethodPost, base+"init/error", []byte(`{}`), nil)
	expectStatus(t, resp, body, 403, "InvalidStateTransition")

	// An error, passed through as posted.
	pending = goInvoke(m, fn, `{}`)
	resp, _ = call(t, http.MethodGet, base+"invocation/next", nil, nil)
	id = resp.Header.Get("Lambda-Runtime-Aws-Request-Id")
	posted := `{"errorMessage":"bad input","errorType":"ValidationError","stackTrace":["a","b"]}`
	resp, body = call(t, http.MethodPost, base+"invocation/"+id+"/error", []byte(posted),
		map[string]string{"Lambda-Runtime-Function-Error-Type": "ValidationError"})
	expectStatus(t, resp, body, 202, "")
	r = <-pending
	if r.err != nil || r.res.FunctionError != "Unhandled" || r.res.ErrorType != "ValidationError" || string(r.res.Payload) != posted {
		t.Fatalf("invoke = %+v %v", r.res, r.err)
	}

	// An oversized response fails the invocation.
	pending = goInvoke(m, fn, `{}`)
	resp, _ = call(t, http.MethodGet, base+"invocation/next", nil, nil)
	id = resp.Header.Get("Lambda-Runtime-Aws-Request-Id")
	resp, body = call(t, http.MethodPost, base+"invocation/"+id+"/response", bytes.Repeat([]byte("x"), 7<<20), nil)
	expectStatus(t, resp, body, 413, "RequestEntityTooLarge")
	r = <-pending
	if r.err != nil {
		t.Fatal(r.err)
	}
	if e := functionError(t, r.res); e.ErrorType != "Function.ResponseSizeTooLarge" || !strings.Contains(e.ErrorMessage, "6291556 bytes") {
		t.Errorf("error = %+v", e)
	}
}

func TestRuntimeAPIInitError(t *testing.T) {
	m := newManager(t, runtime.Config{})
	fn, api := manualRuntime(t, m, "manualinit")
	pending := goInvoke(m, fn, `{}`)
	posted := `{"errorMessage":"missing config","errorType":"Runtime.ConfigError"}`
	resp, body := call(t, http.MethodPost, api()+"init/error", []byte(posted), map[string]string{"Lambda-Runtime-Function-Error-Type": "Runtime.ConfigError"})
	expectStatus(t, resp, body, 202, "")
	r := <-pending
	if r.err != nil || r.res.ErrorType != "Runtime.ConfigError" || string(r.res.Payload) != posted {
		t.Fatalf("invoke = %+v %v", r.res, r.err)
	}
}

func TestRuntimeAPIIsPerProcess(t *testing.T) {
	m := newManager(t, runtime.Config{})
	fn, api := manualRuntime(t, m, "isolated")
	pending := goInvoke(m, fn, `{}`)
	base := api()
	resp, _ := call(t, http.MethodGet, base+"invocation/next", nil, nil)
	id := resp.Header.Get("Lambda-Runtime-Aws-Request-Id")

	// Another function's process cannot answer this request.
	other, otherAPI := manualRuntime(t, m, "other")
	otherPending := goInvoke(m, other, `{}`)
	otherBase := otherAPI()
	if otherBase == base {
		t.Fatalf("two processes share the runtime API %s", base)
	}
	resp, body := call(t, http.MethodPost, otherBase+"invocation/"+id+"/response", []byte(`"stolen"`), nil)
	expectStatus(t, resp, body, 400, "InvalidRequestID")

	resp, body = call(t, http.MethodPost, base+"invocation/"+id+"/response", []byte(`"mine"`), nil)
	expectStatus(t, resp, body, 202, "")
	if r := <-pending; r.err != nil || string(r.res.Payload) != `"mine"` {
		t.Fatalf("invoke = %+v %v", r.res, r.err)
	}
	resp, _ = call(t, http.MethodGet, otherBase+"invocation/next", nil, nil)
	otherID := resp.Header.Get("Lambda-Runtime-Aws-Request-Id")
	resp, body = call(t, http.MethodPost, otherBase+"invocation/"+otherID+"/response", []byte(`"theirs"`), nil)
	expectStatus(t, resp, body, 202, "")
	if r := <-otherPending; r.err != nil || string(r.res.Payload) != `"theirs"` {
		t.Fatalf("other invoke = %+v %v", r.res, r.err)
	}
}
