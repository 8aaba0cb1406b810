package apigateway

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// PermissionChecker is implemented by an Invoker that keeps resource
// policies (the Lambda service): API Gateway may invoke a function only
// when its policy allows apigateway.amazonaws.com for the calling ARN.
type PermissionChecker interface {
	AllowsInvoke(region, ref, principal, sourceARN, sourceAccount string) (allowed, found bool)
}

const apigatewayPrincipal = "apigateway.amazonaws.com"

// sourceARN is the execute-api ARN Lambda sees as the caller:
// arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}{resource path}.
func (x *execution) sourceARN(region string) string {
	return "arn:aws:execute-api:" + region + ":" + protocol.AccountID + ":" + x.apiID + "/" + x.stage + "/" + x.method.HTTPMethod + x.match.node.path
}

// callLambda invokes fn within the integration timeout, after checking its
// resource policy (unless the integration has credentials: a role invokes
// it then, not the service). fnErr is the function's own error type.
func (s *Service) callLambda(ctx context.Context, x *execution, region, fn string, payload []byte, sourceARN string) (out []byte, fnErr string, eerr *execError) {
	if s.opts.Invoker == nil {
		x.log.Error("apigateway: no Lambda service to invoke", "function", fn)
		return nil, "", errBadGateway
	}
	if pc, ok := s.opts.Invoker.(PermissionChecker); ok && x.integration.Credentials == "" {
		if allowed, found := pc.AllowsInvoke(region, fn, apigatewayPrincipal, sourceARN, protocol.AccountID); found && !allowed {
			x.log.Warn("apigateway: execution failed due to configuration error: Invalid permissions on Lambda function; "+
				"allow it with: aws lambda add-permission --function-name FUNCTION --statement-id apigateway "+
				"--action lambda:InvokeFunction --principal apigateway.amazonaws.com --source-arn SOURCE_ARN",
				"function", fn, "sourceArn", sourceARN)
			return nil, "", errInternal
		}
	}
	timeout := time.Duration(x.integration.TimeoutInMillis) * time.Millisecond
	if timeout <= 0 {
		timeout = defaultTimeoutMillis * time.Millisecond
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	out, fnErr, err := s.opts.Invoker.InvokeFunction(ctx, region, fn, payload)
	switch {
	case err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		x.log.Warn("apigateway: Lambda invocation timed out", "function", fn, "timeout", timeout, "err", err)
		return nil, "", errTimeout
	case err != nil:
		x.log.Warn("apigateway: Lambda invocation failed", "function", fn, "err", err)
		return nil, "", errBadGateway
	}
	return out, fnErr, nil
}

// serveAWS runs an AWS (non-proxy) integration. Only Lambda is emulated:
// the request template renders the payload, and a function error is
// matched by its errorMessage against the integration responses'
// selectionPattern (a successful call selects with "200").
func (s *Service) serveAWS(w http.ResponseWriter, r *http.Request, x *execution, body []byte) {
	region, fn, ok := lambdaTarget(substituteStageVariables(x.integration.URI, x.stageVariables))
	if !ok {
		x.log.Error("apigateway: AWS integrations are emulated for Lambda only", "uri", x.integration.URI)
		writeExecError(w, errInternal)
		return
	}
	mc := newMappingCall(r, x, body)
	payload, eerr := mc.integrationBody()
	if eerr != nil {
		writeExecError(w, eerr)
		return
	}
	// Lambda takes JSON only; the events API Gateway encodes itself are,
	// a mapping template's output is checked here.
	if len(payload) > 0 && !json.Valid(payload) {
		what := "the request template's output"
		if len(x.integration.RequestTemplates) == 0 {
			what = "the request body, passed through without a template,"
		}
		x.log.Warn("apigateway: Lambda invocation failed", "function", fn, "err", what+" is not JSON: Lambda refuses it (InvalidRequestContentException)")
		writeExecError(w, errBadGateway)
		return
	}
	out, fnErr, eerr := s.callLambda(r.Context(), x, region, fn, payload, x.sourceARN(region))
	if eerr != nil {
		writeExecError(w, eerr)
		return
	}
	ep := &endpointResponse{status: http.StatusOK, header: http.Header{"Content-Type": {"application/json"}}, body: out, selection: "200"}
	if fnErr != "" {
		ep.selection = lambdaErrorMessage(out)
		x.log.Info("apigateway: Lambda function returned an error", "function", fn, "functionError", fnErr, "errorMessage", ep.selection)
	}
	mc.respond(w, ep)
}

// lambdaErrorMessage is the errorMessage of a function error payload.
func lambdaErrorMessage(out []byte) string {
	var e struct {
		ErrorMessage string `json:"errorMessage"`
	}
	_ = json.Unmarshal(out, &e)
	return e.ErrorMessage
}
