package lambda

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// ServeHTTP answers the Lambda control-plane and Invoke API.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := s.route(w, r); err != nil {
		protocol.WriteRESTJSONError(w, protocol.AsError(err))
	}
}

// route dispatches on method and path, as botocore's requestUri templates
// spell them (the SDK escapes ARNs, so segments are unescaped one by one).
func (s *Service) route(w http.ResponseWriter, r *http.Request) error {
	segs, ok := segments(r.URL.EscapedPath())
	if !ok {
		return unknownRoute(r)
	}
	region := protocol.RegionOf(r)
	if len(segs) >= 2 && segs[0] == "2017-03-31" && segs[1] == "tags" && len(segs) == 3 {
		switch r.Method {
		case http.MethodGet:
			return s.listTags(w, segs[2])
		case http.MethodPost:
			return s.tagResource(w, r, segs[2])
		case http.MethodDelete:
			return s.untagResource(w, r, segs[2])
		}
		return unknownRoute(r)
	}
	if len(segs) < 2 || segs[0] != "2015-03-31" || segs[1] != "functions" {
		return unknownRoute(r)
	}
	if len(segs) == 2 {
		switch r.Method {
		case http.MethodGet:
			return s.listFunctions(w, r, region)
		case http.MethodPost:
			return s.createFunction(w, r, region)
		}
		return unknownRoute(r)
	}
	rf, perr := parseRef(segs[2])
	if perr != nil {
		return perr
	}
	if q := r.URL.Query().Get("Qualifier"); q != "" {
		if err := checkQualifier(q); err != nil {
			return err
		}
		if rf.Qualifier != "" && rf.Qualifier != q {
			return invalidParam("The derived qualifier from the function name does not match the specified qualifier.")
		}
		rf.Qualifier = q
	}
	sub := strings.Join(segs[3:], "/")
	switch {
	case sub == "" && r.Method == http.MethodGet:
		return s.getFunction(w, r, region, rf)
	case sub == "" && r.Method == http.MethodDelete:
		return s.deleteFunction(w, region, rf)
	case sub == "configuration" && r.Method == http.MethodGet:
		return s.getConfiguration(w, region, rf)
	case sub == "configuration" && r.Method == http.MethodPut:
		return s.updateConfiguration(w, r, region, rf)
	case sub == "code" && r.Method == http.MethodPut:
		return s.updateCode(w, r, region, rf)
	case sub == "code" && r.Method == http.MethodGet:
		return s.downloadCode(w, region, rf)
	case sub == "policy" && r.Method == http.MethodGet:
		return s.getPolicy(w, region, rf)
	case sub == "policy" && r.Method == http.MethodPost:
		return s.addPermission(w, r, region, rf)
	case len(segs) == 5 && segs[3] == "policy" && r.Method == http.MethodDelete:
		return s.removePermission(w, r, region, rf, segs[4])
	case sub == "invocations" && r.Method == http.MethodPost:
		return s.invoke(w, r, region, rf)
	case sub == "versions" && r.Method == http.MethodPost:
		return s.publishVersion(w, r, region, rf)
	case sub == "versions" && r.Method == http.MethodGet:
		return s.listVersions(w, r, region, rf)
	case sub == "aliases" && r.Method == http.MethodPost:
		return s.createAlias(w, r, region, rf)
	case sub == "aliases" && r.Method == http.MethodGet:
		return s.listAliases(w, r, region, rf)
	case len(segs) == 5 && segs[3] == "aliases":
		return s.routeAlias(w, r, region, rf, segs[4])
	}
	return unknownRoute(r)
}

// routeAlias dispatches GetAlias, UpdateAlias and DeleteAlias.
func (s *Service) routeAlias(w http.ResponseWriter, r *http.Request, region string, rf ref, name string) error {
	if msg := checkAliasName(&name); msg != "" {
		return validationError(msg)
	}
	switch r.Method {
	case http.MethodGet:
		return s.getAlias(w, region, rf, name)
	case http.MethodPut:
		return s.updateAlias(w, r, region, rf, name)
	case http.MethodDelete:
		return s.deleteAlias(w, region, rf, name)
	}
	return unknownRoute(r)
}

// segments splits an escaped path into unescaped segments, ignoring one
// trailing slash (ListFunctions is sent as /2015-03-31/functions/).
func segments(escaped string) ([]string, bool) {
	p := strings.TrimSuffix(strings.TrimPrefix(escaped, "/"), "/")
	if p == "" {
		return nil, true
	}
	parts := strings.Split(p, "/")
	for i, part := range parts {
		u, err := url.PathUnescape(part)
		if err != nil || u == "" {
			return nil, false
		}
		parts[i] = u
	}
	return parts, true
}

func unknownRoute(r *http.Request) error {
	return protocol.NotFound("UnknownOperationException",
		"No Lambda operation matches %s %s in this emulator; it serves functions (create, get, list, update code and configuration, delete), versions, aliases, permissions, tags and Invoke.",
		r.Method, r.URL.Path)
}

// decodeBody reads the JSON body of operation op as Lambda does: a
// malformed one is an InvalidRequestContentException, one over the
// operation's limit a RequestEntityTooLargeException, refused before it is
// read when its Content-Length says so.
func decodeBody(r *http.Request, op string, v any) error {
	limit := int64(maxRequestBody)
	if op == "CreateFunction" || op == "UpdateFunctionCode" {
		limit = maxUploadBody
	}
	if err := protocol.DecodeJSON(r, limit, "InvalidRequestContentException", v); err != nil {
		switch {
		case err.Status == http.StatusRequestEntityTooLarge:
			return uploadTooLarge(limit, op)
		case err.Code == "InvalidRequestContentException":
			err.Message = "Could not parse request body into json: " + err.Message
		}
		return err
	}
	return nil
}
