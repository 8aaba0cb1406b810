package apigateway

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// Lambda authorizers guard CUSTOM methods: the function gets the caller's
// token (TOKEN) or request (REQUEST) and answers an IAM policy for the
// method ARN; the answer is cached per identity for the authorizer's TTL.

var (
	errUnauthorized = gatewayError(http.StatusUnauthorized, "UnauthorizedException", "Unauthorized")
	errExplicitDeny = &execError{status: http.StatusForbidden, errType: "AccessDeniedException",
		body: map[string]string{"Message": "User is not authorized to access this resource with an explicit deny"}}
	errNotAllowed = &execError{status: http.StatusForbidden, errType: "AccessDeniedException",
		body: map[string]string{"Message": "User is not authorized to access this resource"}}
	errAuthorizerConfig = &execError{status: http.StatusInternalServerError, errType: "AuthorizerConfigurationException",
		body: map[string]any{"message": nil}}
)

// authResult is a validated authorizer answer.
type authResult struct {
	principalID string
	statements  []policyStatement
	context     map[string]any
	expires     time.Time
}

type policyStatement struct {
	Effect   string
	Action   []string
	Resource []string
}

// authCache holds results by authorizer and identity; bounded.
type authCache struct {
	mu sync.Mutex
	m  map[string]*authResult
}

const maxAuthCache = 10000

// authCacheKey names a cached answer by deployment, authorizer and the
// caller's identity values: a digest of their lengths and bytes, so that
// large identities cost the cache nothing and no two identities share a
// key, and a redeployment starts afresh.
func authCacheKey(x *execution, au *authorizer, identity []string) string {
	h := sha256.New()
	for _, part := range append([]string{x.apiID, x.stage, x.deploymentID, au.ID}, identity...) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(part)))
		h.Write(n[:])
		h.Write([]byte(part))
	}
	return string(h.Sum(nil))
}

func (c *authCache) get(key string, now time.Time) *authResult {
	c.mu.Lock()
	defer c.mu.Unlock()
	res, ok := c.m[key]
	if !ok || !now.Before(res.expires) {
		return nil
	}
	return res
}

func (c *authCache) put(key string, res *authResult, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxAuthCache {
		c.m = map[string]*authResult{}
	}
	c.m[key] = res
}

// authorize runs the method's Lambda authorizer, if any, and records the
// principal and context it allowed the call with.
func (s *Service) authorize(r *http.Request, x *execution) *execError {
	switch x.method.AuthorizationType {
	case "CUSTOM":
	case "COGNITO_USER_POOLS":
		x.log.Debug("apigateway: Cognito user pool authorizers are not enforced by the emulator")
		return nil
	default:
		return nil
	}
	au := x.authorizer
	if au == nil {
		x.log.Error("apigateway: the method's authorizer is missing from the deployment", "authorizerId", x.method.AuthorizerID)
		return errAuthorizerConfig
	}
	region, fn, _ := lambdaTarget(substituteStageVariables(au.AuthorizerURI, x.stageVariables))
	identity, ok := s.identity(r, x, au)
	if !ok {
		return errUnauthorized
	}
	key := authCacheKey(x, au, identity)
	now := s.now()
	res := s.authCache.get(key, now)
	arn := methodARN(r, x)
	if res == nil {
		var eerr *execError
		started := time.Now()
		if res, eerr = s.runAuthorizer(r, x, au, region, fn, identity, arn); eerr != nil {
			return eerr
		}
		res.context["integrationLatency"] = time.Since(started).Milliseconds()
		if ttl := au.ttl(); ttl > 0 {
			res.expires = now.Add(time.Duration(ttl) * time.Second)
			s.authCache.put(key, res, now)
		}
	}
	switch evaluatePolicy(res.statements, arn) {
	case "Deny":
		return errExplicitDeny
	case "Allow":
		x.authContext = res.context
		return nil
	}
	return errNotAllowed
}

// identity gathers the identity sources: a TOKEN authorizer's header (which
// must match identityValidationExpression), a REQUEST authorizer's headers,
// query parameters, stage or context variables. ok is false when one is
// missing (REQUEST authorizers without caching may have none).
func (s *Service) identity(r *http.Request, x *execution, au *authorizer) ([]string, bool) {
	var values []string
	for _, src := range au.identitySources() {
		v := ""
		switch {
		case strings.HasPrefix(src, "method.request.header."), strings.HasPrefix(src, "method.request.multivalueheader."):
			name := src[strings.LastIndex(src, "header.")+len("header."):]
			v = strings.Join(r.Header.Values(name), ",")
		case strings.HasPrefix(src, "method.request.querystring."), strings.HasPrefix(src, "method.request.multivaluequerystring."):
			name := src[strings.LastIndex(src, "querystring.")+len("querystring."):]
			v = strings.Join(r.URL.Query()[name], ",")
		case strings.HasPrefix(src, "stageVariables."):
			v = x.stageVariables[strings.TrimPrefix(src, "stageVariables.")]
		case strings.HasPrefix(src, "context."):
			v, _ = (&mappingCall{x: x, context: contextVariables(buildEvent(r, x, nil).RequestContext)}).commonValue(src)
		}
		if v == "" {
			return nil, false
		}
		values = append(values, v)
	}
	if au.Type == "TOKEN" && au.IdentityValidationExpression != "" {
		re, err := regexp.Compile(`^(?:` + au.IdentityValidationExpression + `)$`)
		if err != nil || len(values) == 0 || !re.MatchString(values[0]) {
			return nil, false
		}
	}
	return values, true
}

// authorizerEvent is what the function receives: the TOKEN shape, or for
// REQUEST the proxy event's request fields.
type authorizerEvent struct {
	Type               string `json:"type"`
	MethodARN          string `json:"methodArn"`
	AuthorizationToken string `json:"authorizationToken,omitempty"`
	*proxyEvent
}

func (s *Service) runAuthorizer(r *http.Request, x *execution, au *authorizer, region, fn string, identity []string, methodARN string) (*authResult, *execError) {
	ev := authorizerEvent{Type: au.Type, MethodARN: methodARN}
	if au.Type == "TOKEN" {
		ev.AuthorizationToken = identity[0]
	} else {
		pe := buildEvent(r, x, nil)
		pe.Body = nil
		ev.proxyEvent = &pe
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return nil, errAuthorizerConfig
	}
	source := fmt.Sprintf("arn:aws:execute-api:%s:%s:%s/authorizers/%s", region, protocol.AccountID, x.apiID, au.ID)
	// The authorizer has its own credentials, not the integration's.
	ax := *x
	ax.integration = integration{Credentials: au.AuthorizerCredentials, TimeoutInMillis: defaultTimeoutMillis}
	out, fnErr, eerr := s.callLambda(r.Context(), &ax, region, fn, payload, source)
	if eerr != nil {
		x.log.Warn("apigateway: the Lambda authorizer could not run", "authorizer", au.Name, "function", fn)
		return nil, errAuthorizerConfig
	}
	if fnErr != "" {
		if lambdaErrorMessage(out) == "Unauthorized" {
			return nil, errUnauthorized
		}
		x.log.Warn("apigateway: the Lambda authorizer failed", "authorizer", au.Name, "functionError", fnErr, "payload", truncate(out, 1024))
		return nil, errAuthorizerConfig
	}
	res, err := parseAuthorizerResponse(out)
	if err != nil {
		x.log.Warn("apigateway: invalid Lambda authorizer response", "authorizer", au.Name, "reason", err, "payload", truncate(out, 1024))
		return nil, errAuthorizerConfig
	}
	return res, nil
}

// parseAuthorizerResponse validates {principalId, policyDocument, context}.
// Context values must be strings, numbers or booleans; they reach the
// integration as strings, as in AWS.
func parseAuthorizerResponse(out []byte) (*authResult, error) {
	var resp struct {
		PrincipalID    *string `json:"principalId"`
		PolicyDocument *struct {
			Statement json.RawMessage `json:"Statement"`
		} `json:"policyDocument"`
		Context map[string]any `json:"context"`
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(&resp); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if resp.PrincipalID == nil || resp.PolicyDocument == nil {
		return nil, fmt.Errorf("principalId and policyDocument are required")
	}
	stmts, err := parseStatements(resp.PolicyDocument.Statement)
	if err != nil {
		return nil, err
	}
	res := &authResult{principalID: *resp.PrincipalID, statements: stmts, context: map[string]any{"principalId": *resp.PrincipalID}}
	for k, v := range resp.Context {
		switch v := v.(type) {
		case string:
			res.context[k] = v
		case json.Number:
			res.context[k] = v.String()
		case bool:
			res.context[k] = fmt.Sprint(v)
		default:
			return nil, fmt.Errorf("context value %q must be a string, number or boolean", k)
		}
	}
	return res, nil
}

// parseStatements accepts a statement or a list, with Action and Resource
// each a string or a list.
func parseStatements(raw json.RawMessage) ([]policyStatement, error) {
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		list = []json.RawMessage{raw}
	}
	var out []policyStatement
	for _, r := range list {
		var st struct {
			Effect   string          `json:"Effect"`
			Action   json.RawMessage `json:"Action"`
			Resource json.RawMessage `json:"Resource"`
		}
		if err := json.Unmarshal(r, &st); err != nil {
			return nil, fmt.Errorf("invalid policy statement: %w", err)
		}
		ps := policyStatement{Effect: st.Effect, Action: stringOrList(st.Action), Resource: stringOrList(st.Resource)}
		if (ps.Effect != "Allow" && ps.Effect != "Deny") || len(ps.Action) == 0 || len(ps.Resource) == 0 {
			return nil, fmt.Errorf("a policy statement needs Effect (Allow or Deny), Action and Resource")
		}
		out = append(out, ps)
	}
	return out, nil
}

func stringOrList(raw json.RawMessage) []string {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var many []string
	_ = json.Unmarshal(raw, &many)
	return many
}

// evaluatePolicy is IAM's rule for one resource: an explicit Deny wins,
// then an Allow; neither is "".
func evaluatePolicy(stmts []policyStatement, methodARN string) string {
	allowed := false
	for _, st := range stmts {
		if !anyMatch(st.Action, "execute-api:Invoke", actionMatch) || !anyMatch(st.Resource, methodARN, globMatch) {
			continue
		}
		if st.Effect == "Deny" {
			return "Deny"
		}
		allowed = true
	}
	if allowed {
		return "Allow"
	}
	return ""
}

func anyMatch(patterns []string, s string, match func(p, s string) bool) bool {
	for _, p := range patterns {
		if match(p, s) {
			return true
		}
	}
	return false
}

func actionMatch(p, action string) bool {
	return globMatch(strings.ToLower(p), strings.ToLower(action))
}

// globMatch matches * (any run) and ? (one character).
func globMatch(pattern, s string) bool {
	var b strings.Builder
	b.WriteString("^")
	for _, c := range pattern {
		switch c {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	return err == nil && re.MatchString(s)
}
