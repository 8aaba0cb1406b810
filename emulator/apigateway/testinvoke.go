package apigateway

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// testInvokeMethod is TestInvokeMethod: the method as currently defined
// (not deployed) runs with the given request, without authorization or API
// key checks, as the console's Test button does.
func testInvokeMethod(s *Service, c *call) (any, *protocol.Error) {
	var in struct {
		PathWithQueryString string              `json:"pathWithQueryString"`
		Body                string              `json:"body"`
		Headers             map[string]string   `json:"headers"`
		MultiValueHeaders   map[string][]string `json:"multiValueHeaders"`
		StageVariables      map[string]string   `json:"stageVariables"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	x, perr := s.testExecution(c, in.PathWithQueryString, in.StageVariables)
	if perr != nil {
		return nil, perr
	}
	verb := x.method.HTTPMethod
	if verb == "ANY" {
		verb = http.MethodGet
	}
	target := in.PathWithQueryString
	if !strings.HasPrefix(target, "/") {
		target = "/" + target
	}
	req, err := http.NewRequestWithContext(c.r.Context(), verb, "http://"+x.apiID+".execute-api.localhost.localstack.cloud"+target, strings.NewReader(in.Body))
	if err != nil {
		return nil, protocol.BadRequest("BadRequestException", "Invalid pathWithQueryString %q: %v", in.PathWithQueryString, err)
	}
	req.RemoteAddr = "test-invoke-source-ip:0"
	for k, vs := range in.MultiValueHeaders {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	for k, v := range in.Headers {
		req.Header.Set(k, v)
	}
	x.requestID, x.extendedID, x.now = protocol.RequestID(), newExtendedID(), s.now()
	x.log = s.log.With("api", x.apiID, "stage", x.stage, "resource", x.match.node.path, "requestId", x.requestID)
	rec := &responseCapture{header: http.Header{}}
	started := time.Now()
	s.integrate(rec, req, x, []byte(in.Body))
	latency := time.Since(started).Milliseconds()
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	out := struct {
		Status            int                 `json:"status"`
		Body              string              `json:"body"`
		Headers           map[string]string   `json:"headers"`
		MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
		Log               string              `json:"log"`
		Latency           int64               `json:"latency"`
	}{Status: rec.status, Body: rec.body.String(), Headers: map[string]string{}, MultiValueHeaders: map[string][]string{}, Latency: latency}
	for k, vs := range rec.header {
		if k == "X-Amzn-Errortype" {
			continue
		}
		out.Headers[k] = strings.Join(vs, ",")
		out.MultiValueHeaders[k] = vs
	}
	stamp := x.now.Format("Mon Jan 02 15:04:05 UTC 2006")
	out.Log = fmt.Sprintf("Execution log for request %s\n%s : Starting execution for request: %s\n%s : HTTP Method: %s, Resource Path: %s\n%s : Method request path: %v\n%s : Method completed with status: %d\n",
		x.requestID, stamp, x.requestID, stamp, verb, x.path, stamp, x.match.params, stamp, rec.status)
	return out, nil
}

// testExecution resolves the method in the working tree under s.mu.
func (s *Service) testExecution(c *call, pathWithQuery string, vars map[string]string) (*execution, *protocol.Error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, res, m, err := s.method(c)
	if err != nil {
		return nil, err
	}
	if m.Integration == nil {
		return nil, protocol.BadRequest("BadRequestException", "No integration defined for method")
	}
	tree := cloneResources(map[string]*resource{res.ID: res})
	tmpl := resourcePath(a.Resources, res)
	path, _, _ := strings.Cut(pathWithQuery, "?")
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	params, ok := templateParams(tmpl, path)
	if !ok {
		return nil, protocol.BadRequest("BadRequestException", "The path %q does not match the resource path %s", path, tmpl)
	}
	mc := *tree[res.ID].Methods[m.HTTPMethod]
	return &execution{
		apiID: a.ID, region: apiRegion(a), stage: "test-invoke-stage", deploymentID: "test-invoke-deployment-id", path: path,
		match:  routeMatch{node: &routeNode{res: tree[res.ID], path: tmpl}, params: params},
		method: &mc, integration: *mc.Integration, stageVariables: vars,
		binaryMediaTypes: append([]string(nil), a.BinaryMediaTypes...),
	}, nil
}

// templateParams matches a request path against a resource path such as
// /pets/{id} or /files/{proxy+}.
func templateParams(tmpl, path string) (map[string]string, bool) {
	want, got := pathSegments(tmpl), pathSegments(path)
	var params map[string]string
	for i, part := range want {
		if isGreedy(part) {
			if i >= len(got) {
				return nil, false
			}
			if params == nil {
				params = map[string]string{}
			}
			params[variableName(part)] = strings.Join(got[i:], "/")
			return params, true
		}
		if i >= len(got) {
			return nil, false
		}
		if isVariable(part) {
			if params == nil {
				params = map[string]string{}
			}
			params[variableName(part)] = got[i]
		} else if part != got[i] {
			return nil, false
		}
	}
	return params, len(want) == len(got)
}

// responseCapture records what an integration writes.
type responseCapture struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *responseCapture) Header() http.Header { return r.header }
func (r *responseCapture) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}
func (r *responseCapture) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
