// Package protocol holds the wire-protocol layer shared by the emulated
// services: AWS error values, the Query/XML dialects (EC2 and IAM/STS) and
// REST-JSON helpers, SigV4 scope parsing and AWS-style identifiers.
package protocol

import (
	"fmt"
	"net/http"
)

// Error is an AWS error as a service reports it: an HTTP status, an AWS
// error code (botocore's shape name, such as InvalidInstanceID.NotFound) and
// a human message. Services return it; the protocol writers render it in the
// dialect of the service.
type Error struct {
	Status  int
	Code    string
	Message string
	// Fault is "Sender" for a caller's mistake and "Receiver" for ours; it
	// is derived from Status when empty.
	Fault string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// FaultType reports Sender or Receiver, as the Query protocol spells it.
func (e *Error) FaultType() string {
	if e.Fault != "" {
		return e.Fault
	}
	if e.Status >= 500 {
		return "Receiver"
	}
	return "Sender"
}

// Errorf builds an *Error with a formatted message.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// BadRequest is a 400 with the given code.
func BadRequest(code, format string, args ...any) *Error {
	return Errorf(http.StatusBadRequest, code, format, args...)
}

// NotFound is a 404 with the given code.
func NotFound(code, format string, args ...any) *Error {
	return Errorf(http.StatusNotFound, code, format, args...)
}

// Conflict is a 409 with the given code.
func Conflict(code, format string, args ...any) *Error {
	return Errorf(http.StatusConflict, code, format, args...)
}

// AsError turns any error into an *Error; errors that are not already AWS
// errors become a 500 InternalFailure, which only a bug of ours produces.
func AsError(err error) *Error {
	if e, ok := err.(*Error); ok {
		return e
	}
	return &Error{Status: http.StatusInternalServerError, Code: "InternalFailure", Message: err.Error()}
}

// CallNoter is implemented by the response writer of the emulator's
// router: the protocol writers tell it which call they answer and the
// error code they send, so that calls can be reported to observers.
type CallNoter interface {
	NoteCall(service, action string)
	NoteError(code string)
}

func noteError(w http.ResponseWriter, e *Error) {
	if n, ok := w.(CallNoter); ok {
		n.NoteError(e.Code)
	}
}
