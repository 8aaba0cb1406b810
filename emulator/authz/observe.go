package authz

import (
	"net"
	"net/http"

	"github.com/apidriven/api-driven/emulator/auth"
)

// recorder is the response writer services answer through: it keeps the
// status, and the service, action and error code the protocol writers
// note on it (protocol.CallNoter), for observers.
type recorder struct {
	http.ResponseWriter
	status    int
	wrote     bool
	service   string
	action    string
	errorCode string
}

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

// NoteCall records the service and action a Query call named.
func (r *recorder) NoteCall(service, action string) { r.service, r.action = service, action }

// NoteError records the AWS error code of the answer.
func (r *recorder) NoteError(code string) { r.errorCode = code }

// Flush passes streaming through.
func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// principalARN is aws:PrincipalArn: the role's ARN for a role session.
func principalARN(p auth.Principal) string {
	if p.RoleARN != "" {
		return p.RoleARN
	}
	return p.ARN
}

// principalType is aws:PrincipalType.
func principalType(p auth.Principal) string {
	switch p.Kind {
	case auth.KindAssumedRole:
		return "AssumedRole"
	case auth.KindUser:
		return "User"
	}
	return "Account"
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return ""
	}
	return host
}
