package apigateway

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// maxControlBody bounds a control-plane request body (API Gateway's own
// limit for imports is 6 MB; nothing we accept comes close).
const maxControlBody = 6 << 20

// call is one control-plane request: the URI parameters the route captured
// and the decoded query.
type call struct {
	r      *http.Request
	region string // from the SigV4 scope: resources stay in their region
	params map[string]string
	query  url.Values
}

func (c *call) param(name string) string { return c.params[name] }

// decode reads the JSON body into v; unknown fields are ignored as AWS does.
func (c *call) decode(v any) *protocol.Error {
	return protocol.DecodeJSON(c.r, maxControlBody, "BadRequestException", v)
}

// handler answers one operation with the output shape (nil for none).
type handler func(s *Service, c *call) (any, *protocol.Error)

type route struct {
	method  string
	pattern []string
	status  int
	handle  handler
}

func on(method, pattern string, status int, h handler) route {
	return route{method: method, pattern: strings.Split(strings.Trim(pattern, "/"), "/"), status: status, handle: h}
}

// routes are the operations of the apigateway/2015-07-09 model we serve,
// with the URIs and success codes botocore gives them.
var routes = []route{
	on("POST", "/restapis", 201, createRestAPI),
	on("GET", "/restapis", 200, getRestAPIs),
	on("GET", "/restapis/{restapi_id}", 200, getRestAPI),
	on("PATCH", "/restapis/{restapi_id}", 200, updateRestAPI),
	on("DELETE", "/restapis/{restapi_id}", 202, deleteRestAPI),

	on("GET", "/restapis/{restapi_id}/resources", 200, getResources),
	on("GET", "/restapis/{restapi_id}/resources/{resource_id}", 200, getResource),
	on("POST", "/restapis/{restapi_id}/resources/{resource_id}", 201, createResource),
	on("DELETE", "/restapis/{restapi_id}/resources/{resource_id}", 202, deleteResource),

	on("PUT", "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}", 201, putMethod),
	on("GET", "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}", 200, getMethod),
	on("PATCH", "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}", 200, updateMethod),
	on("DELETE", "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}", 204, deleteMethod),
	on("POST", "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}", 200, testInvokeMethod),
	on("PUT", "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/responses/{status_code}", 201, putMethodResponse),
	on("GET", "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/responses/{status_code}", 200, getMethodResponse),
	on("DELETE", "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/responses/{status_code}", 204, deleteMethodResponse),
	on("PUT", "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/integration", 201, putIntegration),
	on("GET", "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/integration", 200, getIntegration),
	on("DELETE", "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/integration", 204, deleteIntegration),
	on("PUT", "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/integration/responses/{status_code}", 201, putIntegrationResponse),
	on("GET", "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/integration/responses/{status_code}", 200, getIntegrationResponse),
	on("DELETE", "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/integration/responses/{status_code}", 204, deleteIntegrationResponse),

	on("POST", "/restapis/{restapi_id}/deployments", 201, createDeployment),
	on("GET", "/restapis/{restapi_id}/deployments", 200, getDeployments),
	on("GET", "/restapis/{restapi_id}/deployments/{deployment_id}", 200, getDeployment),
	on("DELETE", "/restapis/{restapi_id}/deployments/{deployment_id}", 202, deleteDeployment),

	on("POST", "/restapis/{restapi_id}/stages", 201, createStage),
	on("GET", "/restapis/{restapi_id}/stages", 200, getStages),
	on("GET", "/restapis/{restapi_id}/stages/{stage_name}", 200, getStage),
	on("PATCH", "/restapis/{restapi_id}/stages/{stage_name}", 200, updateStage),
	on("DELETE", "/restapis/{restapi_id}/stages/{stage_name}", 202, deleteStage),

	on("POST", "/restapis/{restapi_id}/authorizers", 201, createAuthorizer),
	on("GET", "/restapis/{restapi_id}/authorizers", 200, getAuthorizers),
	on("GET", "/restapis/{restapi_id}/authorizers/{authorizer_id}", 200, getAuthorizer),
	on("PATCH", "/restapis/{restapi_id}/authorizers/{authorizer_id}", 200, updateAuthorizer),
	on("DELETE", "/restapis/{restapi_id}/authorizers/{authorizer_id}", 202, deleteAuthorizer),

	on("POST", "/apikeys", 201, createAPIKey),
	on("GET", "/apikeys", 200, getAPIKeys),
	on("GET", "/apikeys/{api_Key}", 200, getAPIKey),
	on("DELETE", "/apikeys/{api_Key}", 202, deleteAPIKey),

	on("POST", "/usageplans", 201, createUsagePlan),
	on("GET", "/usageplans", 200, getUsagePlans),
	on("GET", "/usageplans/{usageplanId}", 200, getUsagePlan),
	on("PATCH", "/usageplans/{usageplanId}", 200, updateUsagePlan),
	on("DELETE", "/usageplans/{usageplanId}", 202, deleteUsagePlan),
	on("POST", "/usageplans/{usageplanId}/keys", 201, createUsagePlanKey),
	on("GET", "/usageplans/{usageplanId}/keys", 200, getUsagePlanKeys),
	on("GET", "/usageplans/{usageplanId}/keys/{keyId}", 200, getUsagePlanKey),
	on("DELETE", "/usageplans/{usageplanId}/keys/{keyId}", 202, deleteUsagePlanKey),

	on("GET", "/tags/{resource_arn}", 200, getTags),
	on("PUT", "/tags/{resource_arn}", 204, tagResource),
	on("DELETE", "/tags/{resource_arn}", 204, untagResource),
}

// ServeHTTP answers the control-plane API (/restapis, /apikeys, /usageplans).
func (s *Service) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	segs, ok := splitEscaped(req.URL.EscapedPath())
	if !ok {
		protocol.WriteRESTJSONError(w, protocol.BadRequest("BadRequestException", "malformed request path %q", req.URL.EscapedPath()))
		return
	}
	pathMatched := false
	for _, rt := range routes {
		params, ok := matchPattern(rt.pattern, segs)
		if !ok {
			continue
		}
		pathMatched = true
		if rt.method != req.Method {
			continue
		}
		out, perr := rt.handle(s, &call{r: req, region: protocol.RegionOf(req), params: params, query: req.URL.Query()})
		if perr != nil {
			protocol.WriteRESTJSONError(w, perr)
			return
		}
		w.Header().Set("x-amzn-RequestId", protocol.RequestID())
		if out == nil {
			w.WriteHeader(rt.status)
			return
		}
		protocol.WriteJSON(w, rt.status, out)
		return
	}
	if pathMatched {
		protocol.WriteRESTJSONError(w, protocol.Errorf(http.StatusMethodNotAllowed, "MethodNotAllowedException", "method %s is not supported on %s", req.Method, req.URL.Path))
		return
	}
	protocol.WriteRESTJSONError(w, protocol.NotFound("NotFoundException", "no API Gateway operation matches %s %s in this emulator", req.Method, req.URL.Path))
}

// splitEscaped splits an escaped path into unescaped segments, so that a
// URI parameter holding an encoded "/" (tag ARNs) stays one segment.
func splitEscaped(p string) ([]string, bool) {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil, true
	}
	segs := strings.Split(p, "/")
	for i, seg := range segs {
		u, err := url.PathUnescape(seg)
		if err != nil {
			return nil, false
		}
		segs[i] = u
	}
	return segs, true
}

func matchPattern(pattern, segs []string) (map[string]string, bool) {
	if len(pattern) != len(segs) {
		return nil, false
	}
	params := map[string]string{}
	for i, p := range pattern {
		if strings.HasPrefix(p, "{") {
			if segs[i] == "" {
				return nil, false
			}
			params[strings.Trim(p, "{}")] = segs[i]
			continue
		}
		if p != segs[i] {
			return nil, false
		}
	}
	return params, true
}

// page cuts a listing sorted by key: position is the key to start from (the
// one the previous page returned), limit 1..500 (25 by default), as AWS pages.
func page[T any](c *call, items []T, key func(T) string) ([]T, string, *protocol.Error) {
	sort.Slice(items, func(i, j int) bool { return key(items[i]) < key(items[j]) })
	limit := 25
	if v := c.query.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return nil, "", protocol.BadRequest("BadRequestException", "Invalid limit %q: must be an integer between 1 and 500", v)
		}
		limit = n
	}
	start := 0
	if pos := c.query.Get("position"); pos != "" {
		start = sort.Search(len(items), func(i int) bool { return key(items[i]) >= pos })
	}
	items = items[start:]
	if len(items) > limit {
		return items[:limit], key(items[limit]), nil
	}
	return items, "", nil
}

// patchOp is one JSON-Patch-like operation of the Update* calls.
type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value string `json:"value"`
	From  string `json:"from"`
}

func (c *call) patchOps() ([]patchOp, *protocol.Error) {
	var in struct {
		PatchOperations []patchOp `json:"patchOperations"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	for _, op := range in.PatchOperations {
		switch op.Op {
		case "add", "remove", "replace", "move", "copy", "test":
		default:
			return nil, protocol.BadRequest("BadRequestException", "Invalid patch operation specified. Must be one of: [add, remove, replace, move, copy, test]")
		}
	}
	return in.PatchOperations, nil
}

// unsupportedPatch is the error for a patch path we do not emulate.
func unsupportedPatch(op patchOp) *protocol.Error {
	return protocol.BadRequest("BadRequestException", "Invalid patch path '%s' specified for op '%s' (not supported by this emulator)", op.Path, op.Op)
}

// unescapePatchKey decodes a JSON-pointer segment (~1 is "/", ~0 is "~").
func unescapePatchKey(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, "~1", "/"), "~0", "~")
}

func boolQuery(c *call, name string) bool {
	v, _ := strconv.ParseBool(c.query.Get(name))
	return v
}

// frozen encodes an output while the caller still holds s.mu: outputs share
// maps and slices with the live state, which may change once it is released.
func frozen(v any) any {
	data, err := json.Marshal(v)
	if err != nil {
		panic("apigateway: output is not plain data: " + err.Error()) // a bug of ours; the router recovers
	}
	return json.RawMessage(data)
}
