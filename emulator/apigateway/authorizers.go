package apigateway

import (
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// authorizer is a Lambda (TOKEN, REQUEST) or Cognito authorizer; the
// stored fields match the Authorizer shape on the wire.
type authorizer struct {
	ID                           string   `json:"id"`
	Name                         string   `json:"name"`
	Type                         string   `json:"type"`
	ProviderARNs                 []string `json:"providerARNs,omitempty"`
	AuthType                     string   `json:"authType,omitempty"`
	AuthorizerURI                string   `json:"authorizerUri,omitempty"`
	AuthorizerCredentials        string   `json:"authorizerCredentials,omitempty"`
	IdentitySource               string   `json:"identitySource,omitempty"`
	IdentityValidationExpression string   `json:"identityValidationExpression,omitempty"`
	ResultTTL                    *int     `json:"authorizerResultTtlInSeconds,omitempty"`
}

// defaultAuthorizerTTL is AWS's default result cache time (seconds).
const defaultAuthorizerTTL = 300

func (a *authorizer) ttl() int {
	if a.ResultTTL == nil {
		return defaultAuthorizerTTL
	}
	return *a.ResultTTL
}

func cloneAuthorizers(in map[string]*authorizer) map[string]*authorizer {
	out := make(map[string]*authorizer, len(in))
	for id, a := range in {
		c := *a
		c.ProviderARNs = slices.Clone(a.ProviderARNs)
		if a.ResultTTL != nil {
			ttl := *a.ResultTTL
			c.ResultTTL = &ttl
		}
		out[id] = &c
	}
	return out
}

var identitySourceRE = regexp.MustCompile(`^(method\.request\.(header|querystring|multivalueheader|multivaluequerystring)\.[^\s.,][^\s,]*|stageVariables\.[A-Za-z0-9_]+|context\.[A-Za-z0-9_.]+)$`)

// validate applies API Gateway's rules for the authorizer types.
func (a *authorizer) validate() *protocol.Error {
	if a.Name == "" {
		return protocol.BadRequest("BadRequestException", "Invalid authorizer name specified: name is required")
	}
	switch a.Type {
	case "TOKEN", "REQUEST":
		if _, _, ok := lambdaTarget(a.AuthorizerURI); !ok {
			return protocol.BadRequest("BadRequestException", "Invalid Authorizer URI specified: %q; expected arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}/invocations", a.AuthorizerURI)
		}
	case "COGNITO_USER_POOLS":
		if len(a.ProviderARNs) == 0 {
			return protocol.BadRequest("BadRequestException", "Invalid provider ARNs specified: COGNITO_USER_POOLS authorizers need providerARNs")
		}
	default:
		return protocol.BadRequest("BadRequestException", "Invalid authorizer type specified: %q. Valid options are TOKEN,REQUEST,COGNITO_USER_POOLS", a.Type)
	}
	sources := a.identitySources()
	switch {
	case a.Type == "TOKEN" || a.Type == "COGNITO_USER_POOLS":
		if len(sources) != 1 || !strings.HasPrefix(sources[0], "method.request.header.") {
			return protocol.BadRequest("BadRequestException", "Invalid identity source specified: %q; a %s authorizer takes one method.request.header.NAME", a.IdentitySource, a.Type)
		}
	case a.ttl() > 0 && len(sources) == 0:
		return protocol.BadRequest("BadRequestException", "Identity source is required when caching is enabled (authorizerResultTtlInSeconds > 0)")
	}
	for _, src := range sources {
		if !identitySourceRE.MatchString(src) {
			return protocol.BadRequest("BadRequestException", "Invalid identity source specified: %s", src)
		}
	}
	if a.IdentityValidationExpression != "" {
		if _, err := regexp.Compile(a.IdentityValidationExpression); err != nil {
			return protocol.BadRequest("BadRequestException", "Invalid identity validation expression specified: %v", err)
		}
	}
	if ttl := a.ttl(); ttl < 0 || ttl > 3600 {
		return protocol.BadRequest("BadRequestException", "Invalid authorizer TTL specified: %d; it must be between 0 and 3600 seconds", ttl)
	}
	return nil
}

// identitySources splits the comma-separated identitySource.
func (a *authorizer) identitySources() []string {
	var out []string
	for _, s := range strings.Split(a.IdentitySource, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// authorizerOf finds an authorizer of the API; callers hold s.mu.
func (s *Service) authorizerOf(c *call) (*restAPI, *authorizer, *protocol.Error) {
	return childOf(s, c, func(a *restAPI) map[string]*authorizer { return a.Authorizers }, "authorizer_id", "Authorizer")
}

func createAuthorizer(s *Service, c *call) (any, *protocol.Error) {
	var in authorizer
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.api(c.region, c.param("restapi_id"))
	if err != nil {
		return nil, err
	}
	for _, other := range a.Authorizers {
		if other.Name == in.Name {
			return nil, protocol.Conflict("ConflictException", "Authorizer name already exists in this RestApi: %s", in.Name)
		}
	}
	in.ID = protocol.AlnumID(6)
	if in.ResultTTL == nil && in.Type != "COGNITO_USER_POOLS" {
		ttl := defaultAuthorizerTTL
		in.ResultTTL = &ttl
	}
	a.Authorizers[in.ID] = &in
	if err := s.commit(); err != nil {
		return nil, err
	}
	return frozen(&in), nil
}

func getAuthorizer(s *Service, c *call) (any, *protocol.Error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, au, err := s.authorizerOf(c)
	if err != nil {
		return nil, err
	}
	return frozen(au), nil
}

func getAuthorizers(s *Service, c *call) (any, *protocol.Error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, err := s.api(c.region, c.param("restapi_id"))
	if err != nil {
		return nil, err
	}
	items, pos, err := page(c, slices.Collect(maps.Values(a.Authorizers)), func(au *authorizer) string { return au.ID })
	if err != nil {
		return nil, err
	}
	out := struct {
		Items    []*authorizer `json:"item"`
		Position string        `json:"position,omitempty"`
	}{Items: append([]*authorizer{}, items...), Position: pos}
	return frozen(out), nil
}

func updateAuthorizer(s *Service, c *call) (any, *protocol.Error) {
	ops, perr := c.patchOps()
	if perr != nil {
		return nil, perr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, au, err := s.authorizerOf(c)
	if err != nil {
		return nil, err
	}
	next := *cloneAuthorizers(map[string]*authorizer{"": au})[""]
	for _, op := range ops {
		if op.Op != "replace" && !(op.Op == "add" && op.Path == "/providerARNs") {
			return nil, unsupportedPatch(op)
		}
		switch op.Path {
		case "/name":
			next.Name = op.Value
		case "/type":
			next.Type = op.Value
		case "/authorizerUri":
			next.AuthorizerURI = op.Value
		case "/authorizerCredentials":
			next.AuthorizerCredentials = op.Value
		case "/identitySource":
			next.IdentitySource = op.Value
		case "/identityValidationExpression":
			next.IdentityValidationExpression = op.Value
		case "/authType":
			next.AuthType = op.Value
		case "/providerARNs":
			next.ProviderARNs = append(next.ProviderARNs, op.Value)
		case "/authorizerResultTtlInSeconds":
			ttl, err := strconv.Atoi(op.Value)
			if err != nil {
				return nil, protocol.BadRequest("BadRequestException", "Invalid authorizer TTL specified: %q", op.Value)
			}
			next.ResultTTL = &ttl
		default:
			return nil, unsupportedPatch(op)
		}
	}
	if err := next.validate(); err != nil {
		return nil, err
	}
	*au = next
	if err := s.commit(); err != nil {
		return nil, err
	}
	return frozen(au), nil
}

func deleteAuthorizer(s *Service, c *call) (any, *protocol.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, au, err := s.authorizerOf(c)
	if err != nil {
		return nil, err
	}
	for _, res := range a.Resources {
		for verb, m := range res.Methods {
			if m.AuthorizationType == "CUSTOM" && m.AuthorizerID == au.ID {
				return nil, protocol.Conflict("ConflictException", "Cannot delete authorizer '%s', is referenced in method: %s %s", au.Name, verb, resourcePath(a.Resources, res))
			}
		}
	}
	delete(a.Authorizers, au.ID)
	return nil, s.commit()
}
