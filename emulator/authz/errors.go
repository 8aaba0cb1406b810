package authz

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/apidriven/api-driven/emulator/auth"
	"github.com/apidriven/api-driven/emulator/iampolicy"
	"github.com/apidriven/api-driven/emulator/protocol"
)

// dialect is how a service renders errors.
type dialect int

const (
	dialectQuery dialect = iota // IAM, STS: <ErrorResponse>
	dialectEC2                  // EC2: <Response><Errors>
	dialectJSON                 // Lambda, API Gateway: REST-JSON
)

func dialectOf(service string) dialect {
	switch service {
	case "ec2":
		return dialectEC2
	case "lambda", "apigateway", "execute-api":
		return dialectJSON
	}
	return dialectQuery
}

// writeError renders e in the service's shape.
func writeError(w http.ResponseWriter, service string, e *protocol.Error) {
	switch dialectOf(service) {
	case dialectEC2:
		protocol.WriteQueryError(w, protocol.DialectEC2, e, protocol.RequestID())
	case dialectJSON:
		protocol.WriteRESTJSONError(w, e)
	default:
		protocol.WriteQueryError(w, protocol.DialectQuery, e, protocol.RequestID())
	}
}

// authCodes are the AWS error codes of authentication failures: for the
// Query services (IAM, STS), EC2, and the REST-JSON services.
var authCodes = map[auth.Reason]struct {
	status           int
	query, ec2, json string
}{
	auth.MissingAuthentication: {http.StatusForbidden, "MissingAuthenticationToken", "MissingAuthenticationToken", "MissingAuthenticationTokenException"},
	auth.IncompleteSignature:   {http.StatusBadRequest, "IncompleteSignature", "IncompleteSignature", "IncompleteSignatureException"},
	auth.InvalidClientToken:    {http.StatusForbidden, "InvalidClientTokenId", "AuthFailure", "UnrecognizedClientException"},
	auth.SignatureMismatch:     {http.StatusForbidden, "SignatureDoesNotMatch", "AuthFailure", "InvalidSignatureException"},
	auth.ExpiredToken:          {http.StatusForbidden, "ExpiredToken", "AuthFailure", "ExpiredTokenException"},
	auth.RequestExpired:        {http.StatusBadRequest, "RequestExpired", "RequestExpired", "InvalidSignatureException"},
	auth.BodyTooLarge:          {http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "RequestEntityTooLarge", "RequestEntityTooLargeException"},
}

// authError turns an authentication failure into the service's error;
// anything else is ours (a 500).
func authError(service string, err error) *protocol.Error {
	var ae *auth.Error
	if !errors.As(err, &ae) {
		return protocol.AsError(err)
	}
	c, ok := authCodes[ae.Reason]
	if !ok {
		return protocol.AsError(err)
	}
	code, status := c.query, c.status
	switch dialectOf(service) {
	case dialectEC2:
		code = c.ec2
		if code == "AuthFailure" {
			status = http.StatusUnauthorized
		}
		if ae.Reason == auth.InvalidClientToken {
			return protocol.Errorf(status, code, "AWS was not able to validate the provided access credentials: %s", ae.Message)
		}
	case dialectJSON:
		code = c.json
		if status == http.StatusBadRequest {
			status = http.StatusForbidden
		}
	}
	return protocol.Errorf(status, code, "%s", ae.Message)
}

// deny is the service's error for a denied action: EC2's
// UnauthorizedOperation with an encoded message, AccessDenied for the
// Query services, AccessDeniedException for the REST-JSON ones.
func deny(service string, p auth.Principal, action, resource string, d iampolicy.Result, policyErr error, conditions map[string][]string) *protocol.Error {
	why := "because no identity-based policy allows the " + action + " action"
	switch {
	case policyErr != nil:
		why = "because its identity-based policies cannot be evaluated: " + policyErr.Error()
	case d.Decision == iampolicy.ExplicitDeny:
		why = "with an explicit deny in an identity-based policy"
		if d.Policy != "" {
			why += " (" + d.Policy
			if d.Sid != "" {
				why += ", statement " + d.Sid
			}
			why += ")"
		}
	}
	msg := fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s %s", p.ARN, action, resource, why)
	switch dialectOf(service) {
	case dialectEC2:
		encoded := auth.NewAuthorizationMessage(p, action, resource, d.Decision == iampolicy.ExplicitDeny || policyErr != nil, conditions).Encode()
		return protocol.Errorf(http.StatusForbidden, "UnauthorizedOperation",
			"You are not authorized to perform this operation. %s. Encoded authorization failure message: %s", msg, encoded)
	case dialectJSON:
		return protocol.Errorf(http.StatusForbidden, "AccessDeniedException", "%s", msg)
	}
	return protocol.Errorf(http.StatusForbidden, "AccessDenied", "%s", msg)
}
