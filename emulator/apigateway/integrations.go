package apigateway

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// integration is where a method sends requests; the stored fields match the
// Integration shape on the wire.
type integration struct {
	Type                string                          `json:"type"`
	HTTPMethod          string                          `json:"httpMethod,omitempty"`
	URI                 string                          `json:"uri,omitempty"`
	ConnectionType      string                          `json:"connectionType,omitempty"`
	ConnectionID        string                          `json:"connectionId,omitempty"`
	Credentials         string                          `json:"credentials,omitempty"`
	RequestParameters   map[string]string               `json:"requestParameters,omitempty"`
	RequestTemplates    map[string]string               `json:"requestTemplates,omitempty"`
	PassthroughBehavior string                          `json:"passthroughBehavior,omitempty"`
	ContentHandling     string                          `json:"contentHandling,omitempty"`
	TimeoutInMillis     int                             `json:"timeoutInMillis"`
	CacheNamespace      string                          `json:"cacheNamespace,omitempty"`
	CacheKeyParameters  []string                        `json:"cacheKeyParameters"`
	Responses           map[string]*integrationResponse `json:"integrationResponses,omitempty"`
}

type integrationResponse struct {
	StatusCode         string            `json:"statusCode"`
	SelectionPattern   string            `json:"selectionPattern,omitempty"`
	ResponseParameters map[string]string `json:"responseParameters,omitempty"`
	ResponseTemplates  map[string]string `json:"responseTemplates,omitempty"`
	ContentHandling    string            `json:"contentHandling,omitempty"`
}

// defaultTimeoutMillis is API Gateway's integration timeout (29 s).
const defaultTimeoutMillis = 29000

// awsServiceURIRE is an AWS integration URI: arn:aws:apigateway:{region}:{service}:path/... or :action/...
var awsServiceURIRE = regexp.MustCompile(`^arn:aws[a-z-]*:apigateway:[^:]+:[^:]+:(path|action)/.+$`)

var integrationTypes = map[string]bool{"AWS": true, "AWS_PROXY": true, "HTTP": true, "HTTP_PROXY": true, "MOCK": true}

// lambdaTarget splits a Lambda invocation URI,
// arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}/invocations,
// into the region to invoke in and the function ARN.
func lambdaTarget(uri string) (region, functionARN string, ok bool) {
	rest, found := strings.CutPrefix(uri, "arn:")
	if !found {
		return "", "", false
	}
	partition, rest, _ := strings.Cut(rest, ":")
	rest, found = strings.CutPrefix(rest, "apigateway:")
	if !found || !strings.HasPrefix(partition, "aws") {
		return "", "", false
	}
	region, rest, _ = strings.Cut(rest, ":")
	rest, found = strings.CutPrefix(rest, "lambda:path/2015-03-31/functions/")
	if !found || region == "" {
		return "", "", false
	}
	functionARN, found = strings.CutSuffix(rest, "/invocations")
	if !found || !validFunctionARN(functionARN) {
		return "", "", false
	}
	return region, functionARN, true
}

// validFunctionARN accepts arn:aws:lambda:{region}:{account}:function:{name}[:{qualifier}],
// where any part may be a ${stageVariables.x} reference resolved per stage.
func validFunctionARN(arn string) bool {
	parts := strings.Split(arn, ":")
	if len(parts) < 7 || len(parts) > 8 || parts[0] != "arn" || !strings.HasPrefix(parts[1], "aws") ||
		parts[2] != "lambda" || parts[5] != "function" || parts[6] == "" {
		return false
	}
	return !strings.ContainsAny(arn, " /")
}

func putIntegration(s *Service, c *call) (any, *protocol.Error) {
	var in integration
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	in.Responses = nil
	if !integrationTypes[in.Type] {
		return nil, protocol.BadRequest("BadRequestException", "Invalid integration type specified: %q. Valid options are AWS,AWS_PROXY,HTTP,HTTP_PROXY,MOCK", in.Type)
	}
	if in.Type != "MOCK" {
		in.HTTPMethod = strings.ToUpper(in.HTTPMethod)
		if in.HTTPMethod == "" {
			return nil, protocol.BadRequest("BadRequestException", "Enumeration value for HttpMethod must be non-empty")
		}
		if !httpMethods[in.HTTPMethod] {
			return nil, protocol.BadRequest("BadRequestException", "Invalid HttpMethod specified for the integration: %s", in.HTTPMethod)
		}
		if in.URI == "" {
			return nil, protocol.BadRequest("BadRequestException", "Invalid ARN specified in the request: the integration URI is required for type %s", in.Type)
		}
	}
	switch in.Type {
	case "AWS_PROXY":
		if _, _, ok := lambdaTarget(in.URI); !ok {
			return nil, protocol.BadRequest("BadRequestException", "Invalid Lambda function URI specified: %q; expected arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}/invocations", in.URI)
		}
	case "AWS":
		if !awsServiceURIRE.MatchString(in.URI) {
			return nil, protocol.BadRequest("BadRequestException", "AWS ARN for integration must contain path or action")
		}
	case "HTTP", "HTTP_PROXY":
		if u, err := url.Parse(in.URI); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, protocol.BadRequest("BadRequestException", "Invalid HTTP endpoint specified for URI")
		}
	}
	if err := validateMappings(in.RequestParameters, requestTargetRE, requestSourceRE); err != nil {
		return nil, protocol.BadRequest("BadRequestException", "%s", err)
	}
	switch in.PassthroughBehavior {
	case "", "WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER":
	default:
		return nil, protocol.BadRequest("BadRequestException", "Invalid passthrough behavior specified: %s. Valid options are WHEN_NO_MATCH,WHEN_NO_TEMPLATES,NEVER", in.PassthroughBehavior)
	}
	if in.TimeoutInMillis == 0 {
		in.TimeoutInMillis = defaultTimeoutMillis
	}
	if in.TimeoutInMillis < 50 || in.TimeoutInMillis > defaultTimeoutMillis {
		return nil, protocol.BadRequest("BadRequestException", "Timeout should be between 50 ms and %d ms", defaultTimeoutMillis)
	}
	if in.PassthroughBehavior == "" {
		in.PassthroughBehavior = "WHEN_NO_MATCH"
	}
	if in.CacheKeyParameters == nil {
		in.CacheKeyParameters = []string{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, res, m, err := s.method(c)
	if err != nil {
		return nil, err
	}
	if in.CacheNamespace == "" {
		in.CacheNamespace = res.ID
	}
	m.Integration = &in
	if err := s.commit(); err != nil {
		return nil, err
	}
	return frozen(m.Integration), nil
}

// integration finds a method's integration; callers hold s.mu.
func (s *Service) integration(c *call) (*method, *protocol.Error) {
	_, _, m, err := s.method(c)
	if err != nil {
		return nil, err
	}
	if m.Integration == nil {
		return nil, protocol.NotFound("NotFoundException", "Invalid Integration identifier specified")
	}
	return m, nil
}

func getIntegration(s *Service, c *call) (any, *protocol.Error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m, err := s.integration(c)
	if err != nil {
		return nil, err
	}
	return frozen(m.Integration), nil
}

func deleteIntegration(s *Service, c *call) (any, *protocol.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.integration(c)
	if err != nil {
		return nil, err
	}
	m.Integration = nil
	return nil, s.commit()
}

func putIntegrationResponse(s *Service, c *call) (any, *protocol.Error) {
	var in integrationResponse
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	in.StatusCode = c.param("status_code")
	if !validStatusCode(in.StatusCode) {
		return nil, protocol.BadRequest("BadRequestException", "Invalid status code specified: %s", in.StatusCode)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.integration(c)
	if err != nil {
		return nil, err
	}
	mr, ok := m.Responses[in.StatusCode]
	if !ok {
		return nil, protocol.NotFound("NotFoundException", "Invalid Response status code specified")
	}
	if err := validateMappings(in.ResponseParameters, responseTargetRE, responseSourceRE); err != nil {
		return nil, protocol.BadRequest("BadRequestException", "%s", err)
	}
	// A header is mapped only if the method response declares it.
	for target := range in.ResponseParameters {
		if _, declared := mr.ResponseParameters[target]; !declared {
			return nil, protocol.BadRequest("BadRequestException", "%s", invalidMapping(target))
		}
	}
	if in.SelectionPattern != "" {
		if _, err := regexp.Compile(in.SelectionPattern); err != nil {
			return nil, protocol.BadRequest("BadRequestException", "Invalid selection pattern specified: %v", err)
		}
	}
	if m.Integration.Responses == nil {
		m.Integration.Responses = map[string]*integrationResponse{}
	}
	m.Integration.Responses[in.StatusCode] = &in
	if err := s.commit(); err != nil {
		return nil, err
	}
	return frozen(&in), nil
}

func getIntegrationResponse(s *Service, c *call) (any, *protocol.Error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m, err := s.integration(c)
	if err != nil {
		return nil, err
	}
	ir, ok := m.Integration.Responses[c.param("status_code")]
	if !ok {
		return nil, protocol.NotFound("NotFoundException", "Invalid Response status code specified")
	}
	return frozen(ir), nil
}

func deleteIntegrationResponse(s *Service, c *call) (any, *protocol.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.integration(c)
	if err != nil {
		return nil, err
	}
	if _, ok := m.Integration.Responses[c.param("status_code")]; !ok {
		return nil, protocol.NotFound("NotFoundException", "Invalid Response status code specified")
	}
	delete(m.Integration.Responses, c.param("status_code"))
	return nil, s.commit()
}
