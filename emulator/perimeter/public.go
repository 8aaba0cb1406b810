package perimeter

import (
	"context"
	"net/http"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// HealthPath is the one emulator path the public port serves besides the
// stage URLs, so that a probe can tell it is up.
const HealthPath = "/_localstack/health"

// Public serves the public data-plane port: deployed APIs' stage URLs, for
// any Host and any Origin (CORS is the API's own, as on API Gateway), and
// the health check. Every other path is refused: the AWS APIs, which create
// and run native code, never answer here.
func Public(next http.Handler, isStageURL func(*http.Request) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isStageURL(r) || r.URL.Path == HealthPath || r.URL.Path == HealthPath+"/" {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), publicKey{}, true)))
			return
		}
		w.Header().Set("X-Amzn-ErrorType", "ForbiddenException")
		protocol.WriteJSON(w, http.StatusForbidden, map[string]string{
			"message": "Forbidden: this is the emulator's public port; it serves only deployed APIs' stage URLs " +
				"(/_aws/execute-api/{api-id}/{stage}/…, /restapis/{api-id}/{stage}/_user_request_/…, Host {api-id}.execute-api.…) and " + HealthPath +
				". The AWS APIs answer only on the private port (4566 by default).",
		})
	})
}

type publicKey struct{}

// FromPublicPort reports whether the request came in on the public port,
// where anyone on the internet may be the caller.
func FromPublicPort(ctx context.Context) bool {
	on, _ := ctx.Value(publicKey{}).(bool)
	return on
}
