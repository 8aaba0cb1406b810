package emulator_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/sethvargo/go-retry"

	"github.com/apidriven/api-driven/emulator"
	"github.com/apidriven/api-driven/emulator/emulatortest"
	"github.com/apidriven/api-driven/emulator/trace"
	"github.com/apidriven/api-driven/internal/projecttest"
)

// request sends method url with headers and returns the status.
func request(t *testing.T, method, url string, header http.Header) int {
	t.Helper()
	req, err := http.NewRequestWithContext(emulatortest.Context(t), method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// traceOf waits (with a deadline and backoff) for the newest trace of a
// request to path that satisfies done, read through the JSON endpoint.
func traceOf(t *testing.T, endpoint, path string, done func(trace.View) bool) trace.View {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := trace.Client{Endpoint: endpoint}
	var last trace.View
	err := retry.Do(ctx, retry.WithCappedDuration(200*time.Millisecond, retry.NewExponential(10*time.Millisecond)), func(ctx context.Context) error {
		l, err := c.Recent(ctx, 20)
		if err != nil {
			return err
		}
		for _, v := range l.Traces {
			if v.Request.Path == path {
				if last = v; done(v) {
					return nil
				}
				break
			}
		}
		return retry.RetryableError(errors.New("not yet"))
	})
	if err != nil {
		got, _ := json.MarshalIndent(last, "", "  ")
		t.Fatalf("no finished trace of %s: %v; last seen:\n%s", path, err, got)
	}
	return last
}

func complete(v trace.View) bool { return v.Complete }

func stagePath(apiID, stage, route string) string {
	return "/_aws/execute-api/" + apiID + "/" + stage + "/" + route
}

// TestTraceFollowsAStopRequest: the project's status then stop routes
// through the real function. The first request's invocation is a cold
// start; the stop's trace holds its EC2 StopInstances call and the
// running → stopping → stopped transitions, the last one after the
// response.
func TestTraceFollowsAStopRequest(t *testing.T) {
	p := projecttest.Deploy(t, emulatortest.WithTransitionDelay(300*time.Millisecond))
	base, o := p.Server.URL(), p.Outputs

	statusPath := stagePath(o.RestAPIID, o.Stage, "status")
	if code := request(t, "GET", base+statusPath, nil); code != 200 {
		t.Fatalf("GET status = %d", code)
	}
	v := traceOf(t, base, statusPath, complete)
	if v.Request.URLForm != trace.FormExecuteAPI || v.Match == nil || v.Match.API != o.RestAPIID || v.Match.Stage != o.Stage ||
		v.Match.Resource != "/status" || v.Match.Method != "GET" || v.Match.Integration != "AWS_PROXY" || v.Match.RequestID == "" {
		t.Errorf("status trace request/match = %+v %+v", v.Request, v.Match)
	}
	if len(v.Invocations) != 1 {
		t.Fatalf("status trace has %d invocations", len(v.Invocations))
	}
	inv := v.Invocations[0]
	if !inv.Cold || inv.InitMs <= 0 || inv.HandlerMs <= 0 || inv.BilledMs < 1 || inv.Function != o.FunctionName || inv.Version != "$LATEST" || inv.Sandbox == "" {
		t.Errorf("first invocation = %+v, want a cold start of %s $LATEST", inv, o.FunctionName)
	}
	if !strings.Contains(string(inv.Event), `"resource":"/status"`) || !strings.HasPrefix(inv.Logs[len(inv.Logs)-1], "REPORT RequestId: "+inv.RequestID) {
		t.Errorf("event %s, logs %q", inv.Event, inv.Logs)
	}
	if v.Response == nil || v.Response.Status != 200 || v.Response.Bytes == 0 || v.Response.LatencyMs <= 0 {
		t.Errorf("response = %+v", v.Response)
	}

	stopPath := stagePath(o.RestAPIID, o.Stage, "stop")
	if code := request(t, "POST", base+stopPath, nil); code != 200 {
		t.Fatalf("POST stop = %d", code)
	}
	v = traceOf(t, base, stopPath, complete)
	inv = v.Invocations[0]
	if inv.Cold {
		t.Errorf("the second invocation was cold: %+v", inv)
	}
	var stop *trace.CallView
	for i, c := range inv.Calls {
		if c.Service == "ec2" && c.Action == "StopInstances" {
			stop = &inv.Calls[i]
		}
	}
	if stop == nil || stop.Status != 200 || stop.ErrorCode != "" || !strings.Contains(stop.Summary, o.InstanceID) ||
		stop.StartMs < inv.HandlerStartMs || stop.StartMs+stop.DurationMs > v.Response.LatencyMs {
		t.Errorf("stop trace calls = %+v, want StopInstances of %s within the handler", inv.Calls, o.InstanceID)
	}
	var got []string
	for _, tr := range v.Transitions {
		got = append(got, fmt.Sprintf("%s %s→%s", tr.InstanceID, tr.From, tr.To))
	}
	want := []string{o.InstanceID + " running→stopping", o.InstanceID + " stopping→stopped"}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Fatalf("transitions = %v, want %v", got, want)
	}
	if first, last := v.Transitions[0], v.Transitions[1]; first.Action != "StopInstances" || first.AfterMs > v.Response.LatencyMs || last.AfterMs <= v.Response.LatencyMs {
		t.Errorf("transitions %+v: want the stop during the request and stopped after its %v ms", v.Transitions, v.Response.LatencyMs)
	}
}

// TestTraceSaysWhyNothingMatched: for each way a stage URL can miss, the
// trace names it.
func TestTraceSaysWhyNothingMatched(t *testing.T) {
	srv := emulatortest.Start(t)
	base := srv.URL()
	apigw := apigateway.NewFromConfig(emulatortest.AWSConfig(t, base))
	ctx := emulatortest.Context(t)
	api, err := apigw.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("only")})
	if err != nil {
		t.Fatal(err)
	}
	res, err := apigw.GetResources(ctx, &apigateway.GetResourcesInput{RestApiId: api.Id})
	if err != nil {
		t.Fatal(err)
	}
	only, err := apigw.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: api.Id, ParentId: res.Items[0].Id, PathPart: aws.String("only")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := apigw.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: only.Id, HttpMethod: aws.String("GET"), AuthorizationType: aws.String("NONE")}); err != nil {
		t.Fatal(err)
	}
	if _, err := apigw.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: api.Id, ResourceId: only.Id, HttpMethod: aws.String("GET"), Type: "MOCK",
		RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`}}); err != nil {
		t.Fatal(err)
	}
	if _, err := apigw.PutMethodResponse(ctx, &apigateway.PutMethodResponseInput{RestApiId: api.Id, ResourceId: only.Id, HttpMethod: aws.String("GET"), StatusCode: aws.String("200")}); err != nil {
		t.Fatal(err)
	}
	if _, err := apigw.PutIntegrationResponse(ctx, &apigateway.PutIntegrationResponseInput{RestApiId: api.Id, ResourceId: only.Id, HttpMethod: aws.String("GET"), StatusCode: aws.String("200")}); err != nil {
		t.Fatal(err)
	}
	if _, err := apigw.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: api.Id, StageName: aws.String("dev")}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, method, path string
		status             int
		why                string
	}{
		{"unknown API", "GET", stagePath("nosuchapi", "dev", "only"), 404, `no REST API has the id "nosuchapi"; the APIs are: ` + *api.Id + " (only)"},
		{"unknown stage", "GET", stagePath(*api.Id, "prod", "only"), 404, `has no stage "prod"; its stages: dev`},
		{"unknown resource", "GET", stagePath(*api.Id, "dev", "other"), 403, "matches /other; the deployed resources with methods are: /only"},
		{"no such method", "POST", stagePath(*api.Id, "dev", "only"), 403, "resource /only has no POST method and no ANY; it has: GET"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if code := request(t, tt.method, base+tt.path, nil); code != tt.status {
				t.Errorf("%s %s = %d, want %d", tt.method, tt.path, code, tt.status)
			}
			v := traceOf(t, base, tt.path, complete)
			if v.Match != nil || !strings.Contains(v.Unmatched, tt.why) || len(v.Invocations) != 0 || v.Response.Status != tt.status {
				t.Errorf("trace = match %+v, unmatched %q, response %+v; want why %q", v.Match, v.Unmatched, v.Response, tt.why)
			}
		})
	}
	// A request that matched says so, with no reason.
	path := stagePath(*api.Id, "dev", "only")
	if code := request(t, "GET", base+path, nil); code != 200 {
		t.Fatalf("GET only = %d", code)
	}
	if v := traceOf(t, base, path, complete); v.Match == nil || v.Match.Integration != "MOCK" || v.Unmatched != "" {
		t.Errorf("matched trace = %+v", v)
	}
}

// TestTraceRedactsCredentialsAndStaysBounded: the event a function got is
// shown without the caller's credentials, and a ring of 3 keeps 3.
func TestTraceRedactsCredentialsAndStaysBounded(t *testing.T) {
	p := projecttest.Deploy(t, func(c *emulator.Config) { c.TraceRing = 3 })
	base, o := p.Server.URL(), p.Outputs
	path := stagePath(o.RestAPIID, o.Stage, "status")
	secrets := http.Header{
		"Authorization":        {"Bearer very-secret-token"},
		"X-Api-Key":            {"very-secret-key"},
		"X-Amz-Security-Token": {"very-secret-session"},
		"Cookie":               {"session=very-secret-cookie"},
	}
	if code := request(t, "GET", base+path+"?X-Amz-Signature=very-secret-sig", secrets); code != 200 {
		t.Fatalf("GET status = %d", code)
	}
	v := traceOf(t, base, path, complete)
	resp, err := http.Get(base + trace.ListPath + "/" + v.ID)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(body), "very-secret") {
		t.Fatalf("a credential leaked into the trace: %s", body)
	}
	var event struct {
		Headers map[string]string `json:"headers"`
	}
	if err := json.Unmarshal(v.Invocations[0].Event, &event); err != nil || event.Headers["Authorization"] != trace.Redacted || event.Headers["X-Api-Key"] != trace.Redacted {
		t.Fatalf("event headers = %v (%v), want the credentials redacted", event.Headers, err)
	}

	for range 4 {
		request(t, "GET", base+path, nil)
	}
	l, err := trace.Client{Endpoint: base}.Recent(emulatortest.Context(t), 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Traces) != 3 || l.Capacity != 3 || l.Total < 5 {
		t.Fatalf("ring of 3 holds %d traces (capacity %d, total %d)", len(l.Traces), l.Capacity, l.Total)
	}
}
