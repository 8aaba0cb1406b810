package apigateway

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/apidriven/api-driven/emulator/apigateway/mapping"
	"github.com/apidriven/api-driven/emulator/vtl"
)

// Non-proxy integrations (MOCK, AWS, HTTP) go through API Gateway's
// mapping: a request template picked by Content-Type renders what the
// integration receives; the integration's reply selects an integration
// response (by status code, or by error message for Lambda), whose
// parameters set headers and whose template renders the body.

var errUnsupportedMedia = gatewayError(http.StatusUnsupportedMediaType, "UnsupportedMediaTypeException", "Unsupported Media Type")

// mappingCall is one request through a non-proxy integration.
type mappingCall struct {
	r       *http.Request
	x       *execution
	body    []byte // the method request's body
	context *vtl.Map
	params  mapping.Request // the method request's parameters
}

func newMappingCall(r *http.Request, x *execution, body []byte) *mappingCall {
	mc := &mappingCall{r: r, x: x, body: body}
	ev := buildEvent(r, x, body)
	mc.params = mapping.Request{Body: body, Path: ev.PathParameters, Query: ev.QueryStringParameters, Header: ev.Headers}
	mc.context = contextVariables(ev.RequestContext)
	return mc
}

// contextVariables is $context: the proxy event's requestContext (one
// source of truth for both) plus the override maps templates may set.
func contextVariables(rc requestContext) *vtl.Map {
	ctx := vtl.NewMap()
	if data, err := json.Marshal(rc); err == nil {
		if v, err := vtl.FromJSON(data); err == nil {
			if m, ok := v.(*vtl.Map); ok {
				ctx = m
			}
		}
	}
	if _, ok := ctx.Get("authorizer"); !ok {
		ctx.Put("authorizer", vtl.NewMap())
	}
	req := vtl.NewMap()
	for _, k := range []string{"header", "querystring", "path"} {
		req.Put(k, vtl.NewMap())
	}
	ctx.Put("requestOverride", req)
	resp := vtl.NewMap()
	resp.Put("header", vtl.NewMap())
	ctx.Put("responseOverride", resp)
	return ctx
}

// render renders template src over body.
func (mc *mappingCall) render(src string, body []byte) (string, error) {
	in := mc.params
	in.Body = body
	return mapping.Render(src, mapping.Vars{Input: in, Context: mc.context, StageVariables: mc.x.stageVariables})
}

// requestTemplate picks the template for the request's Content-Type
// (application/json when absent) and applies the passthrough behavior:
// ok is false when the request must be refused with 415.
func requestTemplate(in *integration, contentType string) (tpl string, found, ok bool) {
	ct := "application/json"
	if contentType != "" {
		if mt, _, err := mime.ParseMediaType(contentType); err == nil {
			ct = mt
		}
	}
	if t, exists := in.RequestTemplates[ct]; exists {
		return t, true, true
	}
	if t, exists := in.RequestTemplates["$default"]; exists {
		return t, true, true
	}
	switch in.PassthroughBehavior {
	case "NEVER":
		return "", false, false
	case "WHEN_NO_TEMPLATES":
		return "", false, len(in.RequestTemplates) == 0
	}
	return "", false, true
}

// integrationBody renders the request template, or passes the body through.
func (mc *mappingCall) integrationBody() ([]byte, *execError) {
	tpl, found, ok := requestTemplate(&mc.x.integration, mc.r.Header.Get("Content-Type"))
	if !ok {
		return nil, errUnsupportedMedia
	}
	if !found {
		return mc.body, nil
	}
	out, err := mc.render(tpl, mc.body)
	if err != nil {
		mc.x.log.Warn("apigateway: request mapping template failed", "err", err)
		return nil, errInternal
	}
	return []byte(out), nil
}

// endpointResponse is what the integration answered.
type endpointResponse struct {
	status int
	header http.Header
	body   []byte
	// selection is matched against selectionPattern: the status code, or
	// a Lambda function's errorMessage.
	selection string
}

// selectResponse picks the integration response whose selectionPattern
// matches the whole selection value, else the default one (no pattern).
func selectResponse(responses map[string]*integrationResponse, selection string) (*integrationResponse, bool) {
	codes := make([]string, 0, len(responses))
	for code := range responses {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	var fallback *integrationResponse
	for _, code := range codes {
		ir := responses[code]
		if ir.SelectionPattern == "" {
			if fallback == nil {
				fallback = ir
			}
			continue
		}
		re, err := regexp.Compile(`^(?:` + ir.SelectionPattern + `)$`)
		if err == nil && re.MatchString(selection) {
			return ir, true
		}
	}
	return fallback, fallback != nil
}

// respond maps the endpoint response through the selected integration
// response and writes the method response.
func (mc *mappingCall) respond(w http.ResponseWriter, ep *endpointResponse) {
	ir, ok := selectResponse(mc.x.integration.Responses, ep.selection)
	if !ok {
		mc.x.log.Warn("apigateway: execution failed due to configuration error: no match for output mapping and no default output mapping",
			"selection", ep.selection)
		writeExecError(w, errInternal)
		return
	}
	status, _ := strconv.Atoi(ir.StatusCode)
	headers := http.Header{}
	for target, source := range ir.ResponseParameters {
		name, ok := strings.CutPrefix(target, "method.response.header.")
		if !ok || !settable(name) {
			continue
		}
		if v, ok := mc.responseValue(source, ep); ok {
			headers.Set(name, v)
		}
	}
	body := ep.body
	contentType := "application/json"
	if len(ir.ResponseTemplates) > 0 {
		ct, tpl := responseTemplate(ir.ResponseTemplates, mc.r.Header.Get("Accept"))
		out, err := mc.render(tpl, ep.body)
		if err != nil {
			mc.x.log.Warn("apigateway: response mapping template failed", "err", err)
			writeExecError(w, errInternal)
			return
		}
		body, contentType = []byte(out), ct
	}
	status = mc.applyResponseOverride(status, headers)
	h := w.Header()
	for k, vs := range headers {
		h[k] = vs
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", contentType)
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// responseTemplate picks by the request's Accept header, else
// application/json, else the first content type.
func responseTemplate(templates map[string]string, accept string) (string, string) {
	for _, part := range strings.Split(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		if t, ok := templates[mt]; ok {
			return mt, t
		}
	}
	if t, ok := templates["application/json"]; ok {
		return "application/json", t
	}
	keys := make([]string, 0, len(templates))
	for k := range templates {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys[0], templates[keys[0]]
}

// applyResponseOverride applies $context.responseOverride set by a template.
func (mc *mappingCall) applyResponseOverride(status int, headers http.Header) int {
	v, _ := mc.context.Get("responseOverride")
	ro, ok := v.(*vtl.Map)
	if !ok {
		return status
	}
	if s, ok := ro.Get("status"); ok {
		if n, ok := s.(int64); ok && n >= 100 && n <= 599 {
			status = int(n)
		}
	}
	if hv, ok := ro.Get("header"); ok {
		if hm, ok := hv.(*vtl.Map); ok {
			for _, k := range hm.Keys() {
				if settable(k) {
					val, _ := hm.Get(k)
					headers.Set(k, vtl.ToString(val))
				}
			}
		}
	}
	return status
}

// responseValue resolves a response parameter source: 'static',
// integration.response.header.X, integration.response.body[.JSONPath],
// stageVariables.X or context.X.
func (mc *mappingCall) responseValue(source string, ep *endpointResponse) (string, bool) {
	if v, ok := staticValue(source); ok {
		return v, true
	}
	if name, ok := strings.CutPrefix(source, "integration.response.header."); ok {
		v := ep.header.Get(name)
		return v, v != ""
	}
	if name, ok := strings.CutPrefix(source, "integration.response.multivalueheader."); ok {
		vs := ep.header.Values(name)
		return strings.Join(vs, ","), len(vs) > 0
	}
	if source == "integration.response.body" {
		return string(ep.body), true
	}
	if p, ok := strings.CutPrefix(source, "integration.response.body."); ok {
		return bodyValue(ep.body, p)
	}
	return mc.commonValue(source)
}

// commonValue resolves stageVariables.X and context.X sources.
func (mc *mappingCall) commonValue(source string) (string, bool) {
	if name, ok := strings.CutPrefix(source, "stageVariables."); ok {
		v, found := mc.x.stageVariables[name]
		return v, found
	}
	if p, ok := strings.CutPrefix(source, "context."); ok {
		var cur any = mc.context
		for _, part := range strings.Split(p, ".") {
			m, ok := cur.(*vtl.Map)
			if !ok {
				return "", false
			}
			cur, _ = m.Get(part)
		}
		if cur == nil {
			return "", false
		}
		return vtl.ToString(cur), true
	}
	return "", false
}

// bodyValue evaluates $.path over a JSON body: strings as they are, other
// values as JSON.
func bodyValue(body []byte, path string) (string, bool) {
	doc, err := vtl.FromJSON(body)
	if err != nil {
		return "", false
	}
	v, err := mapping.Select(doc, "$."+path)
	if err != nil || v == nil {
		return "", false
	}
	if s, ok := v.(string); ok {
		return s, true
	}
	return vtl.ToJSON(v), true
}

// staticValue is a quoted literal, 'value'.
func staticValue(source string) (string, bool) {
	if len(source) >= 2 && source[0] == '\'' && source[len(source)-1] == '\'' {
		return source[1 : len(source)-1], true
	}
	return "", false
}

// Mapping expressions accepted by PutIntegration and PutIntegrationResponse.
var (
	requestTargetRE  = regexp.MustCompile(`^integration\.request\.(header|querystring|path|multivaluequerystring|multivalueheader)\.[^\s.][^\s]*$`)
	requestSourceRE  = regexp.MustCompile(`^(method\.request\.(path|querystring|multivaluequerystring|header|multivalueheader)\.[^\s]+|method\.request\.body(\.[^\s]+)?|stageVariables\.[A-Za-z0-9_]+|context\.[A-Za-z0-9_.]+|'[^']*')$`)
	responseTargetRE = regexp.MustCompile(`^method\.response\.header\.[^\s.][^\s]*$`)
	responseSourceRE = regexp.MustCompile(`^(integration\.response\.(header|multivalueheader)\.[^\s]+|integration\.response\.body(\.[^\s]+)?|stageVariables\.[A-Za-z0-9_]+|context\.[A-Za-z0-9_.]+|'[^']*')$`)
)

// invalidMapping is API Gateway's answer to a bad mapping expression.
func invalidMapping(expr string) error {
	return fmt.Errorf("Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression specified: %s]", expr)
}

func validateMappings(params map[string]string, targetRE, sourceRE *regexp.Regexp) error {
	for target, source := range params {
		if !targetRE.MatchString(target) {
			return invalidMapping(target)
		}
		if !sourceRE.MatchString(source) {
			return invalidMapping(source)
		}
	}
	return nil
}
