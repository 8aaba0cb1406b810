package apigateway

import (
	"net/http"
	"strings"

	"github.com/apidriven/api-driven/emulator/auth"
	"github.com/apidriven/api-driven/emulator/protocol"
)

// IAMAuthorizer checks the callers of AWS_IAM methods: a valid SigV4
// signature (service execute-api) and, for callers whose policies are
// enforced, execute-api:Invoke on the method's ARN. A failure is the
// status, x-amzn-ErrorType and message API Gateway answers with.
type IAMAuthorizer interface {
	AuthorizeInvoke(r *http.Request, body []byte, methodARN string) (auth.Principal, *protocol.Error)
}

// methodARN is the execute-api ARN of the call:
// arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH, in the API's
// region (never the caller's choice, which policies could not foresee).
func methodARN(r *http.Request, x *execution) string {
	return "arn:aws:execute-api:" + x.region + ":" + protocol.AccountID + ":" +
		x.apiID + "/" + x.stage + "/" + r.Method + "/" + strings.TrimPrefix(x.path, "/")
}

// apiRegion is the region an API lives in (older state has none recorded).
func apiRegion(a *restAPI) string {
	if a.Region != "" {
		return a.Region
	}
	return protocol.DefaultRegion
}

// authorizeIAM enforces an AWS_IAM method; without an authorizer the
// method is open, as before enforcement existed.
func (s *Service) authorizeIAM(r *http.Request, body []byte, x *execution) *execError {
	if x.method.AuthorizationType != "AWS_IAM" || s.opts.IAMAuth == nil {
		return nil
	}
	if scope := protocol.ScopeOf(r); scope.Region != "" && scope.Region != x.region {
		return &execError{status: http.StatusForbidden, errType: "InvalidSignatureException",
			body: map[string]string{"message": "Credential should be scoped to a valid region. (the API is in " + x.region + ", the request is signed for " + scope.Region + ")"}}
	}
	p, err := s.opts.IAMAuth.AuthorizeInvoke(r, body, methodARN(r, x))
	if err != nil && err.Code == "AccessDeniedException" {
		return &execError{status: err.Status, errType: err.Code, body: map[string]string{"Message": err.Message}}
	}
	if err != nil {
		return gatewayError(err.Status, err.Code, err.Message)
	}
	x.caller = &p
	return nil
}

// withCaller fills the IAM fields of the event's identity, as API Gateway
// does for AWS_IAM methods.
func (id *requestIdentity) withCaller(p *auth.Principal) {
	if p == nil {
		return
	}
	account, user, arn, key := p.Account, p.UserID, p.ARN, p.AccessKeyID
	id.AccountID, id.Caller, id.User, id.UserArn, id.AccessKey = &account, &user, &user, &arn, &key
}
