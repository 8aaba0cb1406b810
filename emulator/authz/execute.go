package authz

import (
	"errors"
	"net/http"

	"github.com/apidriven/api-driven/emulator/auth"
	"github.com/apidriven/api-driven/emulator/perimeter"
	"github.com/apidriven/api-driven/emulator/protocol"
)

// AuthorizeInvoke checks the caller of an API Gateway method whose
// authorization type is AWS_IAM (it implements apigateway.IAMAuthorizer):
// the request must carry a valid SigV4 signature from registered
// credentials, test/test included, in any mode; callers whose policies
// are enforced also need execute-api:Invoke on methodARN. Failures are
// API Gateway's 403s.
func (g *Gate) AuthorizeInvoke(r *http.Request, body []byte, methodARN string) (auth.Principal, *protocol.Error) {
	p, err := g.Verifier.VerifyRequestBody(r, body)
	if err != nil {
		return auth.Principal{}, executeAuthError(err)
	}
	if p.AccessKeyID == auth.DefaultAccessKeyID && perimeter.FromPublicPort(r.Context()) {
		// Everyone knows test/test: on the public port it would open
		// every AWS_IAM method to the internet.
		return auth.Principal{}, protocol.Errorf(http.StatusForbidden, "UnrecognizedClientException",
			"%s (the well-known test credentials are refused on the public port: sign with an IAM user's access key)", auth.MsgInvalidToken)
	}
	if !g.enforced(p) {
		return p, nil
	}
	call := &Call{Service: "execute-api", Action: "execute-api:Invoke", Region: protocol.RegionOf(r), Resources: []Resource{{ARN: methodARN}}}
	return p, g.evaluate(r, p, call)
}

// executeAuthError is how API Gateway words a failed signature check.
func executeAuthError(err error) *protocol.Error {
	var ae *auth.Error
	if !errors.As(err, &ae) {
		return protocol.AsError(err)
	}
	if ae.Reason == auth.MissingAuthentication {
		return protocol.Errorf(http.StatusForbidden, "MissingAuthenticationTokenException", "Missing Authentication Token")
	}
	if ae.Reason == auth.InvalidClientToken {
		return protocol.Errorf(http.StatusForbidden, "UnrecognizedClientException", "%s", auth.MsgInvalidToken)
	}
	return authError("execute-api", err)
}
