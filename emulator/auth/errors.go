package auth

import "fmt"

// Reason classifies an authentication failure; each service renders it
// with its own AWS error code (see package authz).
type Reason int

const (
	// MissingAuthentication: the request is not signed.
	MissingAuthentication Reason = iota + 1
	// IncompleteSignature: the signature is malformed or of an
	// unsupported kind.
	IncompleteSignature
	// InvalidClientToken: the access key or session token is unknown.
	InvalidClientToken
	// SignatureMismatch: the signature does not match the request.
	SignatureMismatch
	// ExpiredToken: the temporary credentials have expired.
	ExpiredToken
	// RequestExpired: the signing time is too far from now, or a
	// presigned URL has expired.
	RequestExpired
	// BodyTooLarge: the body exceeds what the verifier reads.
	BodyTooLarge
)

// Error is an authentication failure with AWS's own wording.
type Error struct {
	Reason  Reason
	Message string
}

func (e *Error) Error() string { return e.Message }

func failf(reason Reason, format string, args ...any) *Error {
	return &Error{Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// MsgSignatureMismatch is AWS's message for a signature that does not match.
const MsgSignatureMismatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."

// MsgInvalidToken is AWS's message for an unknown access key or session token.
const MsgInvalidToken = "The security token included in the request is invalid."
