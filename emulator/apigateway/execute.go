package apigateway

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/apidriven/api-driven/emulator/protocol"
	"github.com/apidriven/api-driven/emulator/trace"
)

// maxExecuteBody is API Gateway's payload limit.
const maxExecuteBody = 10 << 20

// execError is a gateway response: a status, the x-amzn-ErrorType AWS sets
// and the message clients see, as {"message": ...} unless body says
// otherwise (the authorizer's answers have their own shapes).
type execError struct {
	status  int
	errType string
	message string
	body    any
}

func gatewayError(status int, errType, message string) *execError {
	return &execError{status: status, errType: errType, message: message}
}

var (
	errNotFound       = gatewayError(http.StatusNotFound, "NotFoundException", "Not Found")
	errMissingToken   = gatewayError(http.StatusForbidden, "MissingAuthenticationTokenException", "Missing Authentication Token")
	errForbidden      = gatewayError(http.StatusForbidden, "ForbiddenException", "Forbidden")
	errTooLarge       = gatewayError(http.StatusRequestEntityTooLarge, "RequestTooLargeException", "Request Too Long")
	errBadGateway     = gatewayError(http.StatusBadGateway, "InternalServerErrorException", "Internal server error")
	errInternal       = gatewayError(http.StatusInternalServerError, "InternalServerErrorException", "Internal server error")
	errTimeout        = gatewayError(http.StatusGatewayTimeout, "InternalServerErrorException", "Endpoint request timed out")
	errUnreadableBody = gatewayError(http.StatusBadRequest, "BadRequestException", "Could not read the request body")
)

func writeExecError(w http.ResponseWriter, e *execError) {
	w.Header().Set("x-amzn-ErrorType", e.errType)
	var body any = map[string]string{"message": e.message}
	if e.body != nil {
		body = e.body
	}
	protocol.WriteJSON(w, e.status, body)
}

// ServeExecute calls a deployed API: stage and path ("/start", "/" ...) as
// extracted by the router from any of the three URL forms.
func (s *Service) ServeExecute(w http.ResponseWriter, r *http.Request, apiID, stage, path string) {
	now := s.now()
	requestID, extendedID := protocol.RequestID(), newExtendedID()
	w.Header().Set("x-amzn-RequestId", requestID)
	w.Header().Set("x-amz-apigw-id", extendedID)

	var body []byte
	if r.Body != nil {
		var err error
		body, err = io.ReadAll(io.LimitReader(r.Body, maxExecuteBody+1))
		if err != nil {
			writeExecError(w, errUnreadableBody)
			return
		}
		if len(body) > maxExecuteBody {
			writeExecError(w, errTooLarge)
			return
		}
	}
	if path == "" {
		path = "/"
	}
	tr := trace.FromContext(r.Context())
	x, eerr := s.resolve(r, apiID, stage, path, tr)
	if eerr != nil {
		writeExecError(w, eerr)
		return
	}
	x.requestID, x.extendedID, x.now = requestID, extendedID, now
	tr.Matched(trace.Match{API: apiID, APIName: x.apiName, Stage: stage, Resource: x.match.node.path, Method: x.method.HTTPMethod,
		Integration: x.integration.Type, RequestID: requestID})
	// What API Gateway logs about the call (why it failed) goes to its trace too.
	x.log = tr.Logger(s.log.With("api", apiID, "stage", stage, "resource", x.match.node.path, "requestId", requestID))

	// As in AWS: the authorization (an AWS_IAM signature or a Lambda
	// authorizer) runs first, then the API key and its usage plan's
	// throttle and quota.
	if eerr := s.authorizeIAM(r, body, x); eerr != nil {
		writeExecError(w, eerr)
		return
	}
	if eerr := s.authorize(r, x); eerr != nil {
		writeExecError(w, eerr)
		return
	}
	if x.keyErr != nil {
		writeExecError(w, x.keyErr)
		return
	}
	if eerr := s.throttle(x); eerr != nil {
		writeExecError(w, eerr)
		return
	}
	s.integrate(w, r, x, body)
}

// integrate calls the method's integration and writes its response.
func (s *Service) integrate(w http.ResponseWriter, r *http.Request, x *execution, body []byte) {
	switch x.integration.Type {
	case "AWS_PROXY":
		s.invokeLambda(w, r, x, body)
	case "AWS":
		s.serveAWS(w, r, x, body)
	case "MOCK":
		s.serveMock(w, r, x, body)
	case "HTTP", "HTTP_PROXY":
		s.serveHTTP(w, r, x, body)
	default:
		x.log.Error("apigateway: integration type not supported by the emulator", "type", x.integration.Type)
		writeExecError(w, errInternal)
	}
}

// unmatched tells tr why nothing matched; why is only worked out (it may
// walk every resource) for a traced request.
func unmatched(tr *trace.Trace, why func() string) {
	if tr != nil {
		tr.Unmatched(why())
	}
}

// resolve finds what the request calls in the stage's deployment snapshot
// and checks its API key, copying out what the call needs. When nothing
// matches, tr is told why.
func (s *Service) resolve(r *http.Request, apiID, stageName, path string, tr *trace.Trace) (*execution, *execError) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, ok := s.st.APIs[apiID]
	if !ok {
		unmatched(tr, func() string { return s.noAPILocked(apiID) })
		return nil, errNotFound
	}
	if a.DisableExecuteAPIEndpoint {
		unmatched(tr, func() string {
			return fmt.Sprintf("API %s has its execute-api endpoint disabled (disableExecuteApiEndpoint)", apiID)
		})
		return nil, errForbidden
	}
	st, ok := a.Stages[stageName]
	if !ok {
		unmatched(tr, func() string { return noStage(a, stageName) })
		return nil, errNotFound
	}
	d, ok := a.Deployments[st.DeploymentID]
	if !ok {
		unmatched(tr, func() string {
			return fmt.Sprintf("stage %q of API %s points at deployment %s, which no longer exists", stageName, apiID, st.DeploymentID)
		})
		return nil, errNotFound
	}
	match, ok := d.routes().matchPath(path)
	if !ok {
		unmatched(tr, func() string { return noResource(a, d, stageName, path) })
		return nil, errMissingToken
	}
	m, ok := selectMethod(match.node.res, r.Method)
	if !ok {
		unmatched(tr, func() string { return noMethod(match.node, r.Method) })
		return nil, errMissingToken
	}
	x := &execution{
		apiID: apiID, apiName: a.Name, region: apiRegion(a), stage: stageName, deploymentID: d.ID, path: path, match: match, method: m,
		binaryMediaTypes: append([]string(nil), a.BinaryMediaTypes...),
	}
	if m.APIKeyRequired {
		// Checked after the authorizer, which runs first in AWS.
		k, plan, ok := s.keyAllows(r.Header.Get("x-api-key"), apiID, stageName)
		if ok {
			x.keyID, x.keyValue, x.plan = k.ID, k.Value, plan.limits()
		} else {
			x.keyErr = errForbidden
		}
	}
	if m.Integration == nil {
		s.log.Error("apigateway: method has no integration", "api", apiID, "resource", match.node.path, "method", m.HTTPMethod)
		unmatched(tr, func() string {
			return fmt.Sprintf("method %s %s of API %s has no integration in the deployed stage %q: put one (aws apigateway put-integration) and deploy again", m.HTTPMethod, match.node.path, apiID, stageName)
		})
		return nil, errInternal
	}
	x.integration = *m.Integration
	if len(st.Variables) > 0 {
		x.stageVariables = map[string]string{}
		for k, v := range st.Variables {
			x.stageVariables[k] = v
		}
	}
	if m.AuthorizationType == "CUSTOM" {
		x.authorizer = d.Authorizers[m.AuthorizerID]
	}
	return x, nil
}

// substituteStageVariables resolves ${stageVariables.name} in a URI.
func substituteStageVariables(uri string, vars map[string]string) string {
	for k, v := range vars {
		uri = strings.ReplaceAll(uri, "${stageVariables."+k+"}", v)
	}
	return uri
}

func (s *Service) invokeLambda(w http.ResponseWriter, r *http.Request, x *execution, body []byte) {
	log := x.log
	region, fn, ok := lambdaTarget(substituteStageVariables(x.integration.URI, x.stageVariables))
	if !ok {
		log.Error("apigateway: integration URI does not name a Lambda function", "uri", x.integration.URI)
		writeExecError(w, errInternal)
		return
	}
	ev := buildEvent(r, x, body)
	payload, err := ev.appendJSON(make([]byte, 0, 2048+len(body)*4/3))
	if err != nil {
		log.Error("apigateway: failed to encode the proxy event", "err", err)
		writeExecError(w, errInternal)
		return
	}
	out, fnErr, eerr := s.callLambda(r.Context(), x, region, fn, payload, x.sourceARN(region))
	if eerr != nil {
		writeExecError(w, eerr)
		return
	}
	if fnErr != "" {
		log.Warn("apigateway: Lambda function returned an error", "function", fn, "functionError", fnErr, "payload", truncate(out, 1024))
		writeExecError(w, errBadGateway)
		return
	}
	resp, err := parseProxyResponse(out)
	if err != nil {
		log.Warn("apigateway: malformed Lambda proxy response", "function", fn, "reason", err, "payload", truncate(out, 1024))
		writeExecError(w, errBadGateway)
		return
	}
	resp.write(w)
}

func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return fmt.Sprintf("%s... (%d bytes)", b[:n], len(b))
}
