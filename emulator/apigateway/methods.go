package apigateway

import (
	"maps"
	"strconv"
	"strings"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// method is an HTTP method of a resource and its integration.
type method struct {
	HTTPMethod        string                     `json:"httpMethod"`
	AuthorizationType string                     `json:"authorizationType"`
	AuthorizerID      string                     `json:"authorizerId,omitempty"`
	APIKeyRequired    bool                       `json:"apiKeyRequired"`
	OperationName     string                     `json:"operationName,omitempty"`
	RequestParameters map[string]bool            `json:"requestParameters,omitempty"`
	RequestModels     map[string]string          `json:"requestModels,omitempty"`
	Responses         map[string]*methodResponse `json:"methodResponses,omitempty"`
	Integration       *integration               `json:"methodIntegration,omitempty"`
}

type methodResponse struct {
	StatusCode         string            `json:"statusCode"`
	ResponseParameters map[string]bool   `json:"responseParameters,omitempty"`
	ResponseModels     map[string]string `json:"responseModels,omitempty"`
}

// out is the Method shape on the wire, which the stored fields match.
func (m *method) out() *method { return m }

var httpMethods = map[string]bool{"GET": true, "POST": true, "PUT": true, "DELETE": true, "PATCH": true, "HEAD": true, "OPTIONS": true, "ANY": true}

var authorizationTypes = map[string]bool{"NONE": true, "AWS_IAM": true, "CUSTOM": true, "COGNITO_USER_POOLS": true}

// method finds a method of a resource; callers hold s.mu.
func (s *Service) method(c *call) (*restAPI, *resource, *method, *protocol.Error) {
	a, res, err := s.resource(c)
	if err != nil {
		return nil, nil, nil, err
	}
	m, ok := res.Methods[strings.ToUpper(c.param("http_method"))]
	if !ok {
		return nil, nil, nil, protocol.NotFound("NotFoundException", "Invalid Method identifier specified")
	}
	return a, res, m, nil
}

func putMethod(s *Service, c *call) (any, *protocol.Error) {
	var in struct {
		AuthorizationType   string            `json:"authorizationType"`
		AuthorizerID        string            `json:"authorizerId"`
		APIKeyRequired      bool              `json:"apiKeyRequired"`
		OperationName       string            `json:"operationName"`
		RequestParameters   map[string]bool   `json:"requestParameters"`
		RequestModels       map[string]string `json:"requestModels"`
		RequestValidatorID  string            `json:"requestValidatorId"`
		AuthorizationScopes []string          `json:"authorizationScopes"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	name := strings.ToUpper(c.param("http_method"))
	if !httpMethods[name] {
		return nil, protocol.BadRequest("BadRequestException", "Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY")
	}
	for p := range in.RequestParameters {
		if !strings.HasPrefix(p, "method.request.") {
			return nil, protocol.BadRequest("BadRequestException", "Invalid mapping expression specified: %s", p)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, res, err := s.resource(c)
	if err != nil {
		return nil, err
	}
	authorizerID, err := a.checkAuthorization(in.AuthorizationType, in.AuthorizerID)
	if err != nil {
		return nil, err
	}
	if _, exists := res.Methods[name]; exists {
		return nil, protocol.Conflict("ConflictException", "Method already exists for this resource")
	}
	m := &method{
		HTTPMethod: name, AuthorizationType: in.AuthorizationType, AuthorizerID: authorizerID,
		APIKeyRequired: in.APIKeyRequired, OperationName: in.OperationName,
		RequestParameters: in.RequestParameters, RequestModels: in.RequestModels,
	}
	if res.Methods == nil {
		res.Methods = map[string]*method{}
	}
	res.Methods[name] = m
	if err := s.commit(); err != nil {
		return nil, err
	}
	return frozen(m.out()), nil
}

// checkAuthorization checks a method's authorization type and authorizer
// against the API's authorizers, for PutMethod and UpdateMethod alike, and
// returns the authorizer ID to keep: none unless the type uses one.
func (a *restAPI) checkAuthorization(authType, authorizerID string) (string, *protocol.Error) {
	if !authorizationTypes[authType] {
		return "", protocol.BadRequest("BadRequestException", "Invalid authorization type specified. Valid options are NONE,AWS_IAM,CUSTOM,COGNITO_USER_POOLS")
	}
	if authType != "CUSTOM" && authType != "COGNITO_USER_POOLS" {
		return "", nil
	}
	if authorizerID == "" {
		return "", protocol.BadRequest("BadRequestException", "Invalid authorizer ID specified. Setting the authorization type to %s requires a valid authorizer.", authType)
	}
	if au, ok := a.Authorizers[authorizerID]; !ok || (au.Type == "COGNITO_USER_POOLS") != (authType == "COGNITO_USER_POOLS") {
		return "", protocol.BadRequest("BadRequestException", "Invalid authorizer ID specified: %s is not a %s authorizer of this API", authorizerID, authType)
	}
	return authorizerID, nil
}

// updateMethod applies UpdateMethod's patch operations to a copy of the
// method and keeps it only when the result is as valid as PutMethod
// requires.
func updateMethod(s *Service, c *call) (any, *protocol.Error) {
	ops, perr := c.patchOps()
	if perr != nil {
		return nil, perr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, _, m, err := s.method(c)
	if err != nil {
		return nil, err
	}
	next := *m
	next.RequestParameters = maps.Clone(m.RequestParameters)
	next.RequestModels = maps.Clone(m.RequestModels)
	for _, op := range ops {
		if err := next.patch(op); err != nil {
			return nil, err
		}
	}
	if next.AuthorizerID, err = a.checkAuthorization(next.AuthorizationType, next.AuthorizerID); err != nil {
		return nil, err
	}
	*m = next
	if err := s.commit(); err != nil {
		return nil, err
	}
	return frozen(m.out()), nil
}

// patch applies one UpdateMethod operation.
func (m *method) patch(op patchOp) *protocol.Error {
	if name, ok := strings.CutPrefix(op.Path, "/requestParameters/"); ok {
		name = unescapePatchKey(name)
		if !strings.HasPrefix(name, "method.request.") {
			return protocol.BadRequest("BadRequestException", "Invalid mapping expression specified: %s", name)
		}
		return patchMap(&m.RequestParameters, name, op, func(v string) (bool, bool) {
			b, err := strconv.ParseBool(v)
			return b, err == nil || v == ""
		})
	}
	if ct, ok := strings.CutPrefix(op.Path, "/requestModels/"); ok {
		return patchMap(&m.RequestModels, unescapePatchKey(ct), op, func(v string) (string, bool) { return v, true })
	}
	if op.Op != "replace" {
		return unsupportedPatch(op)
	}
	switch op.Path {
	case "/authorizationType":
		m.AuthorizationType = op.Value
	case "/authorizerId":
		m.AuthorizerID = op.Value
	case "/operationName":
		m.OperationName = op.Value
	case "/apiKeyRequired":
		b, err := strconv.ParseBool(op.Value)
		if err != nil {
			return protocol.BadRequest("BadRequestException", "Invalid value for apiKeyRequired: %q (true or false)", op.Value)
		}
		m.APIKeyRequired = b
	default:
		return unsupportedPatch(op)
	}
	return nil
}

// patchMap adds, replaces or removes one key of a method's map.
func patchMap[V any](m *map[string]V, key string, op patchOp, parse func(string) (V, bool)) *protocol.Error {
	switch op.Op {
	case "add", "replace":
		v, ok := parse(op.Value)
		if !ok {
			return protocol.BadRequest("BadRequestException", "Invalid value %q for %s", op.Value, op.Path)
		}
		if *m == nil {
			*m = map[string]V{}
		}
		(*m)[key] = v
	case "remove":
		delete(*m, key)
	default:
		return unsupportedPatch(op)
	}
	return nil
}

func getMethod(s *Service, c *call) (any, *protocol.Error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, _, m, err := s.method(c)
	if err != nil {
		return nil, err
	}
	return frozen(m.out()), nil
}

func deleteMethod(s *Service, c *call) (any, *protocol.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, res, m, err := s.method(c)
	if err != nil {
		return nil, err
	}
	delete(res.Methods, m.HTTPMethod)
	return nil, s.commit()
}

// validStatusCode is the form of a method/integration response key.
func validStatusCode(code string) bool {
	n, err := strconv.Atoi(code)
	return err == nil && len(code) == 3 && n >= 100 && n <= 599
}

func putMethodResponse(s *Service, c *call) (any, *protocol.Error) {
	var in struct {
		ResponseParameters map[string]bool   `json:"responseParameters"`
		ResponseModels     map[string]string `json:"responseModels"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	code := c.param("status_code")
	if !validStatusCode(code) {
		return nil, protocol.BadRequest("BadRequestException", "Invalid status code specified: %s", code)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _, m, err := s.method(c)
	if err != nil {
		return nil, err
	}
	mr := &methodResponse{StatusCode: code, ResponseParameters: in.ResponseParameters, ResponseModels: in.ResponseModels}
	if m.Responses == nil {
		m.Responses = map[string]*methodResponse{}
	}
	m.Responses[code] = mr
	if err := s.commit(); err != nil {
		return nil, err
	}
	return frozen(mr), nil
}

func getMethodResponse(s *Service, c *call) (any, *protocol.Error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, _, m, err := s.method(c)
	if err != nil {
		return nil, err
	}
	mr, ok := m.Responses[c.param("status_code")]
	if !ok {
		return nil, protocol.NotFound("NotFoundException", "Invalid Response status code specified")
	}
	return frozen(mr), nil
}

func deleteMethodResponse(s *Service, c *call) (any, *protocol.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _, m, err := s.method(c)
	if err != nil {
		return nil, err
	}
	if _, ok := m.Responses[c.param("status_code")]; !ok {
		return nil, protocol.NotFound("NotFoundException", "Invalid Response status code specified")
	}
	delete(m.Responses, c.param("status_code"))
	return nil, s.commit()
}
