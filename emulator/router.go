package emulator

import (
	"fmt"
	"net/http"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/apidriven/api-driven/emulator/perimeter"
	"github.com/apidriven/api-driven/emulator/protocol"
	"github.com/apidriven/api-driven/emulator/trace"
)

// ServeHTTP routes a request the way AWS endpoints are told apart: LocalStack
// paths first, then API Gateway execute URLs, then the SigV4 signing service,
// then REST paths, then the Query Action name.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
			protocol.WriteJSON(w, http.StatusInternalServerError, map[string]string{"message": fmt.Sprintf("internal error: %v", v)})
		}
	}()
	path := r.URL.Path

	// Stage URLs first: under an {api-id}.execute-api.* Host every path is
	// the API's, /_localstack/ ones too, so that such a Host (which the
	// public port and the Host allow-list let through) reaches nothing else.
	if api, stage, rest, form, ok := stageTarget(r); ok {
		if form != trace.FormHost && !perimeter.FromPublicPort(r.Context()) {
			// A path form shares its origin with the console and the AWS
			// APIs: a page an API answers with (an HTTP_PROXY site, a
			// function echoing input) runs sandboxed, in an opaque origin
			// that the control plane refuses, so it cannot call it.
			w.Header().Set("Content-Security-Policy", stageSandbox)
		}
		s.health.used("apigateway")
		w, r, done := s.traces.Begin(form, w, r)
		defer done()
		s.apigateway.ServeExecute(w, r, api, stage, rest)
		return
	}
	if strings.HasPrefix(path, "/_localstack/") {
		s.serveLocalStack(w, r)
		return
	}
	if strings.HasPrefix(path, consolePrefix) || path == strings.TrimSuffix(consolePrefix, "/") {
		s.console.ServeHTTP(w, r)
		return
	}

	scope := protocol.ScopeOf(r)
	if scope.Region != "" && !protocol.KnownRegion(scope.Region) {
		s.refuseRegion(w, scope)
		return
	}
	service := scope.Service
	w, r, done, ok := s.gate.Admit(w, r, effectiveService(service, r))
	if !ok {
		return
	}
	defer done()
	switch {
	case service == "lambda" || (service == "" && isLambdaPath(path)):
		s.health.used("lambda")
		s.lambda.ServeHTTP(w, r)
		return
	case service == "apigateway" || (service == "" && isAPIGatewayPath(path)):
		s.health.used("apigateway")
		s.apigateway.ServeHTTP(w, r)
		return
	}
	if q, ok := s.query[service]; ok {
		s.health.used(service)
		protocol.ServeQuery(w, r, service, q.dialect, q.handler)
		return
	}
	if service == "" && r.Header.Get("X-Amz-Target") != "" {
		// A JSON-protocol call (DynamoDB, SQS, ...): answer in its shape.
		protocol.WriteJSON(w, http.StatusBadRequest, map[string]string{
			"__type":  "UnknownOperationException",
			"message": fmt.Sprintf("operation %q is not emulated here; supported services: %s", r.Header.Get("X-Amz-Target"), strings.Join(s.serviceNames(), ", ")),
		})
		return
	}
	if service == "" {
		s.serveUnsignedQuery(w, r)
		return
	}
	protocol.WriteJSON(w, http.StatusBadRequest, map[string]string{
		"__type":  "UnknownService",
		"message": fmt.Sprintf("service %q is not emulated here; supported: %s", service, strings.Join(s.serviceNames(), ", ")),
	})
}

// refuseRegion answers a request signed for a region that does not exist
// in the error shape of the service it was signed for.
func (s *Server) refuseRegion(w http.ResponseWriter, scope protocol.Scope) {
	e := protocol.UnknownRegion(scope.Service, scope.Region)
	if q, ok := s.query[scope.Service]; ok {
		protocol.WriteQueryError(w, q.dialect, e, protocol.RequestID())
		return
	}
	protocol.WriteRESTJSONError(w, e)
}

// serveUnsignedQuery finds the service of an unsigned Query call by its
// Action (curl users, health probes).
func (s *Server) serveUnsignedQuery(w http.ResponseWriter, r *http.Request) {
	params, perr := protocol.ParseQuery(r)
	if perr != nil {
		protocol.WriteQueryError(w, protocol.DialectQuery, perr, protocol.RequestID())
		return
	}
	action := params.Get("Action")
	name, ok := s.actions[action]
	if !ok {
		msg := "the request matches no emulated API: sign it with SigV4 (any credentials) or send a known Action"
		if action != "" {
			msg = fmt.Sprintf("unknown action %q: sign the request with SigV4 so the service is known", action)
		}
		protocol.WriteQueryError(w, protocol.DialectQuery, protocol.BadRequest("InvalidAction", "%s", msg), protocol.RequestID())
		return
	}
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && !readOnlyAction(action) {
		// A URL alone can be sent by any page (an <img>, from a browser too
		// old to say where it comes from): it may read, never change.
		protocol.WriteQueryError(w, protocol.DialectQuery, protocol.Errorf(http.StatusForbidden, "AccessDenied",
			"an unsigned GET may only read (Describe…, List…, Get…): send %s as a POST form, or sign it", action), protocol.RequestID())
		return
	}
	// The body was consumed: hand the parsed form on as the URL query.
	r.URL.RawQuery = params.Encode()
	r.Body = http.NoBody
	r.Method = http.MethodGet
	q := s.query[name]
	s.health.used(name)
	protocol.ServeQuery(w, r, name, q.dialect, q.handler)
}

// stageSandbox is the policy of stage responses on the control port's
// origin: scripts, forms and pop-ups work, the control plane is out of reach.
const stageSandbox = "sandbox allow-scripts allow-forms allow-popups allow-downloads"

// readOnlyAction tells the Query actions that only read, by AWS's naming.
func readOnlyAction(action string) bool {
	for _, prefix := range []string{"Describe", "List", "Get"} {
		if strings.HasPrefix(action, prefix) {
			return true
		}
	}
	return false
}

func (s *Server) serviceNames() []string {
	names := []string{"apigateway", "lambda"}
	for n := range s.query {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// effectiveService is the service an unsigned call is for, by its path,
// so that the gate answers in that service's shape.
func effectiveService(signed string, r *http.Request) string {
	switch {
	case signed != "":
		return signed
	case isLambdaPath(r.URL.Path):
		return "lambda"
	case isAPIGatewayPath(r.URL.Path):
		return "apigateway"
	}
	return ""
}

func isLambdaPath(p string) bool {
	return strings.HasPrefix(p, "/2015-03-31/functions") || strings.HasPrefix(p, "/2017-03-31/tags")
}

func isAPIGatewayPath(p string) bool {
	for _, prefix := range []string{"/restapis", "/apikeys", "/usageplans", "/account", "/domainnames", "/tags"} {
		if p == prefix || strings.HasPrefix(p, prefix+"/") {
			return true
		}
	}
	return false
}

// executeTarget recognizes the three URL forms LocalStack serves deployed
// APIs under and returns the API id, stage and the resource path.
//
//	/_aws/execute-api/{id}/{stage}/{path}
//	/restapis/{id}/{stage}/_user_request_/{path}
//	Host: {id}.execute-api.<anything>, /{stage}/{path}
func executeTarget(r *http.Request) (api, stage, path string, ok bool) {
	api, stage, path, _, ok = stageTarget(r)
	return api, stage, path, ok
}

// stageTarget is executeTarget, saying which form matched (for traces).
func stageTarget(r *http.Request) (api, stage, path string, form trace.Form, ok bool) {
	p := r.URL.Path
	if rest, found := strings.CutPrefix(p, "/_aws/execute-api/"); found {
		// Always API Gateway's: an empty id or stage is its 404.
		api, rest, _ = strings.Cut(rest, "/")
		stage, path, _ = strings.Cut(rest, "/")
		return api, stage, "/" + path, trace.FormExecuteAPI, true
	}
	if rest, found := strings.CutPrefix(p, "/restapis/"); found {
		parts := strings.SplitN(rest, "/", 4)
		if len(parts) >= 3 && parts[2] == "_user_request_" {
			path = "/"
			if len(parts) == 4 {
				path += parts[3]
			}
			return parts[0], parts[1], path, trace.FormUserRequest, true
		}
		return "", "", "", "", false
	}
	host := r.Host
	if h, _, found := strings.Cut(host, ":"); found {
		host = h
	}
	if id, _, found := strings.Cut(host, ".execute-api."); found && id != "" && !strings.Contains(id, ".") {
		rest := strings.TrimPrefix(p, "/")
		stage, path, _ = strings.Cut(rest, "/")
		return id, stage, "/" + path, trace.FormHost, true
	}
	return "", "", "", "", false
}
