package apigateway

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeInvoker records invocations and answers with reply.
type fakeInvoker struct {
	mu     sync.Mutex
	calls  []invocation
	output []byte
	fnErr  string
	err    error
	block  bool // wait for the context to end, as a hung function would
	// reply, when set, answers by payload (an authorizer and a function).
	reply func(payload []byte) ([]byte, string)
}

type invocation struct {
	region, ref string
	payload     []byte
}

func (f *fakeInvoker) InvokeFunction(ctx context.Context, region, ref string, payload []byte) ([]byte, string, error) {
	f.mu.Lock()
	f.calls = append(f.calls, invocation{region, ref, payload})
	out, fnErr, err, block := f.output, f.fnErr, f.err, f.block
	if f.reply != nil {
		out, fnErr = f.reply(payload)
	}
	f.mu.Unlock()
	if block {
		<-ctx.Done()
		return nil, "", ctx.Err()
	}
	return out, fnErr, err
}

func (f *fakeInvoker) last(t *testing.T) invocation {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		t.Fatal("the function was never invoked")
	}
	return f.calls[len(f.calls)-1]
}

func (f *fakeInvoker) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

var testNow = time.Date(2024, 3, 5, 7, 8, 9, 0, time.UTC)

func newTestService(t testing.TB, inv Invoker) *Service {
	t.Helper()
	s, err := New(Options{Invoker: inv, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// ctl makes a control-plane call that must succeed and returns its output.
func ctl(t testing.TB, s *Service, method, path string, body any) map[string]any {
	t.Helper()
	code, out := ctlRaw(t, s, method, path, body)
	if code >= 300 {
		t.Fatalf("%s %s: HTTP %d %v", method, path, code, out)
	}
	return out
}

func ctlRaw(t testing.TB, s *Service, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader = http.NoBody
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(method, path, rd))
	out := map[string]any{}
	if rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %s: reply %q is not JSON: %v", method, path, rec.Body.String(), err)
		}
	}
	return rec.Code, out
}

const testFunctionARN = "arn:aws:lambda:eu-west-1:000000000000:function:fn"

const testLambdaURI = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/" + testFunctionARN + "/invocations"

// fixture is an API built through the control plane, deployed to "prod".
type fixture struct {
	s     *Service
	inv   *fakeInvoker
	api   string
	ids   map[string]string // resource path -> id
	key   string            // an enabled API key in a plan for prod
	other string            // an enabled key in no plan
}

// route describes a method to create: path, verb, integration type.
type testRoute struct {
	path, verb, typ string
	apiKey          bool
}

var fixtureRoutes = []testRoute{
	{"/", "GET", "AWS_PROXY", false},
	{"/pets", "GET", "AWS_PROXY", false},
	{"/pets/{id}", "GET", "AWS_PROXY", false},
	{"/pets/{id}", "DELETE", "AWS_PROXY", false},
	{"/pets/mine", "GET", "AWS_PROXY", false},
	{"/pets/{id}/toys", "ANY", "AWS_PROXY", false},
	{"/files/{proxy+}", "ANY", "AWS_PROXY", false},
	{"/empty/x", "GET", "AWS_PROXY", false},
	{"/secret", "GET", "AWS_PROXY", true},
	{"/mock", "GET", "MOCK", false},
	{"/http", "GET", "HTTP_PROXY", false},
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	inv := &fakeInvoker{output: []byte(`{"statusCode":200,"body":"ok"}`)}
	f := &fixture{s: newTestService(t, inv), inv: inv, ids: map[string]string{}}
	api := ctl(t, f.s, "POST", "/restapis", map[string]any{"name": "fixture", "binaryMediaTypes": []string{"image/*"}})
	f.api = api["id"].(string)
	f.ids["/"] = api["rootResourceId"].(string)
	for _, r := range fixtureRoutes {
		id := f.resource(t, r.path)
		base := "/restapis/" + f.api + "/resources/" + id + "/methods/" + r.verb
		ctl(t, f.s, "PUT", base, map[string]any{"authorizationType": "NONE", "apiKeyRequired": r.apiKey})
		integ := map[string]any{"type": r.typ}
		switch r.typ {
		case "AWS_PROXY":
			integ["httpMethod"], integ["uri"] = "POST", testLambdaURI
		case "HTTP_PROXY":
			// A closed port: the integration fails to connect.
			integ["httpMethod"], integ["uri"] = "GET", "http://127.0.0.1:1/"
		case "MOCK":
			integ["requestTemplates"] = map[string]string{"application/json": `{"statusCode": 200}`}
		}
		ctl(t, f.s, "PUT", base+"/integration", integ)
		if r.typ == "MOCK" {
			ctl(t, f.s, "PUT", base+"/responses/200", map[string]any{})
			ctl(t, f.s, "PUT", base+"/integration/responses/200", map[string]any{"responseTemplates": map[string]string{"application/json": "{}"}})
		}
	}
	ctl(t, f.s, "POST", "/restapis/"+f.api+"/deployments", map[string]any{"stageName": "prod", "variables": map[string]string{"color": "blue"}})
	key := ctl(t, f.s, "POST", "/apikeys", map[string]any{"name": "k", "enabled": true})
	f.key = key["value"].(string)
	f.other = ctl(t, f.s, "POST", "/apikeys", map[string]any{"name": "other", "enabled": true})["value"].(string)
	plan := ctl(t, f.s, "POST", "/usageplans", map[string]any{"name": "p", "apiStages": []map[string]string{{"apiId": f.api, "stage": "prod"}}})
	ctl(t, f.s, "POST", "/usageplans/"+plan["id"].(string)+"/keys", map[string]any{"keyId": key["id"], "keyType": "API_KEY"})
	return f
}

// resource creates the resources along path as needed and returns its id.
func (f *fixture) resource(t testing.TB, path string) string {
	t.Helper()
	if id, ok := f.ids[path]; ok {
		return id
	}
	i := strings.LastIndex(path, "/")
	parentPath := path[:i]
	if parentPath == "" {
		parentPath = "/"
	}
	parent := f.resource(t, parentPath)
	out := ctl(t, f.s, "POST", "/restapis/"+f.api+"/resources/"+parent, map[string]any{"pathPart": path[i+1:]})
	f.ids[path] = out["id"].(string)
	return f.ids[path]
}

// exec calls the deployed API and returns the recorder.
func (f *fixture) exec(t testing.TB, method, stage, path string, body []byte, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader = http.NoBody
	if body != nil {
		rd = bytes.NewReader(body)
	}
	target, _, _ := strings.Cut(path, "?")
	req := httptest.NewRequest(method, "http://abc.execute-api.localhost.localstack.cloud:4566/"+stage+path, rd)
	for k, vs := range header {
		req.Header[k] = vs
	}
	rec := httptest.NewRecorder()
	f.s.ServeExecute(rec, req, f.api, stage, target)
	return rec
}
