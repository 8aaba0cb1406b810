package apigateway

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apidriven/api-driven/emulator/auth"
	"github.com/apidriven/api-driven/emulator/protocol"
)

// proxyEvent is the Lambda proxy integration payload, version 1.0, field for
// field as API Gateway sends it (events.APIGatewayProxyRequest decodes it).
type proxyEvent struct {
	Resource                        string              `json:"resource"`
	Path                            string              `json:"path"`
	HTTPMethod                      string              `json:"httpMethod"`
	Headers                         map[string]string   `json:"headers"`
	MultiValueHeaders               map[string][]string `json:"multiValueHeaders"`
	QueryStringParameters           map[string]string   `json:"queryStringParameters"`
	MultiValueQueryStringParameters map[string][]string `json:"multiValueQueryStringParameters"`
	PathParameters                  map[string]string   `json:"pathParameters"`
	StageVariables                  map[string]string   `json:"stageVariables"`
	RequestContext                  requestContext      `json:"requestContext"`
	Body                            *string             `json:"body"`
	IsBase64Encoded                 bool                `json:"isBase64Encoded"`
}

type requestContext struct {
	ResourceID        string          `json:"resourceId"`
	ResourcePath      string          `json:"resourcePath"`
	HTTPMethod        string          `json:"httpMethod"`
	ExtendedRequestID string          `json:"extendedRequestId"`
	RequestTime       string          `json:"requestTime"`
	Path              string          `json:"path"`
	AccountID         string          `json:"accountId"`
	Protocol          string          `json:"protocol"`
	Stage             string          `json:"stage"`
	DomainPrefix      string          `json:"domainPrefix"`
	RequestTimeEpoch  int64           `json:"requestTimeEpoch"`
	RequestID         string          `json:"requestId"`
	Identity          requestIdentity `json:"identity"`
	DomainName        string          `json:"domainName"`
	DeploymentID      string          `json:"deploymentId"`
	APIID             string          `json:"apiId"`
	// Authorizer is what a Lambda authorizer allowed the call with.
	Authorizer map[string]any `json:"authorizer,omitempty"`
}

// requestIdentity carries the caller; the Cognito fields are null, and
// the IAM ones too unless the method is AWS_IAM, as AWS sends them.
type requestIdentity struct {
	CognitoIdentityPoolID         *string `json:"cognitoIdentityPoolId"`
	AccountID                     *string `json:"accountId"`
	CognitoIdentityID             *string `json:"cognitoIdentityId"`
	Caller                        *string `json:"caller"`
	APIKey                        string  `json:"apiKey,omitempty"`
	APIKeyID                      string  `json:"apiKeyId,omitempty"`
	SourceIP                      string  `json:"sourceIp"`
	PrincipalOrgID                *string `json:"principalOrgId"`
	AccessKey                     *string `json:"accessKey"`
	CognitoAuthenticationType     *string `json:"cognitoAuthenticationType"`
	CognitoAuthenticationProvider *string `json:"cognitoAuthenticationProvider"`
	UserArn                       *string `json:"userArn"`
	UserAgent                     string  `json:"userAgent"`
	User                          *string `json:"user"`
}

// requestTimeLayout is API Gateway's CLF-style requestTime.
const requestTimeLayout = "02/Jan/2006:15:04:05 +0000"

// execution is what one call resolved to, gathered under the lock.
type execution struct {
	apiID, stage, deploymentID string
	region                     string // the API's: its method ARNs name it
	path                       string // request path without the stage
	match                      routeMatch
	method                     *method
	integration                integration
	stageVariables             map[string]string
	binaryMediaTypes           []string
	keyID, keyValue            string // the API key the caller used, if required
	keyErr                     *execError
	caller                     *auth.Principal // who signed an AWS_IAM call
	requestID, extendedID      string
	now                        time.Time
	log                        *slog.Logger
	// authorizer is the method's Lambda authorizer (CUSTOM), and
	// authContext what it answered: principalId and its context.
	authorizer  *authorizer
	authContext map[string]any
	// plan is the throttle and quota of the caller's API key's usage plan.
	plan *planLimits
	// apiName is the API's name, for traces.
	apiName string
}

// buildEvent renders the request as the payload-v1 event.
func buildEvent(r *http.Request, x *execution, body []byte) proxyEvent {
	ev := proxyEvent{
		Resource:       x.match.node.path,
		Path:           x.path,
		HTTPMethod:     r.Method,
		PathParameters: x.match.params,
		StageVariables: x.stageVariables,
	}
	ev.Headers, ev.MultiValueHeaders = requestHeaders(r)
	if q := r.URL.Query(); len(q) > 0 {
		ev.QueryStringParameters = map[string]string{}
		ev.MultiValueQueryStringParameters = map[string][]string{}
		for k, vs := range q {
			// As in AWS, the single-value map keeps the last value.
			ev.QueryStringParameters[k] = vs[len(vs)-1]
			ev.MultiValueQueryStringParameters[k] = vs
		}
	}
	if len(body) > 0 {
		s := string(body)
		if !utf8.Valid(body) || isBinary(r.Header.Get("Content-Type"), x.binaryMediaTypes) {
			s = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
		ev.Body = &s
	}
	domain := hostname(r.Host)
	prefix, _, _ := strings.Cut(domain, ".")
	proto := r.Proto
	if proto == "" {
		proto = "HTTP/1.1"
	}
	ev.RequestContext = requestContext{
		ResourceID:        x.match.node.res.ID,
		ResourcePath:      x.match.node.path,
		HTTPMethod:        r.Method,
		ExtendedRequestID: x.extendedID,
		RequestTime:       x.now.Format(requestTimeLayout),
		Path:              "/" + x.stage + x.path,
		AccountID:         protocol.AccountID,
		Protocol:          proto,
		Stage:             x.stage,
		DomainPrefix:      prefix,
		RequestTimeEpoch:  x.now.UnixMilli(),
		RequestID:         x.requestID,
		DomainName:        domain,
		DeploymentID:      x.deploymentID,
		APIID:             x.apiID,
		Identity: requestIdentity{
			SourceIP:  hostname(r.RemoteAddr),
			UserAgent: r.UserAgent(),
		},
	}
	ev.RequestContext.Identity.withCaller(x.caller)
	ev.RequestContext.Identity.APIKey = x.keyValue
	ev.RequestContext.Identity.APIKeyID = x.keyID
	ev.RequestContext.Authorizer = x.authContext
	return ev
}

// requestHeaders gives the single-value (last value wins, as in AWS) and
// multi-value header maps, with Host, which net/http keeps apart. Header
// names arrive canonicalized by net/http ("X-Api-Key"): the client's own
// spelling is not kept.
func requestHeaders(r *http.Request) (map[string]string, map[string][]string) {
	single := map[string]string{}
	multi := map[string][]string{}
	if r.Host != "" {
		single["Host"] = r.Host
		multi["Host"] = []string{r.Host}
	}
	for k, vs := range r.Header {
		if len(vs) == 0 {
			continue
		}
		single[k] = vs[len(vs)-1]
		multi[k] = append([]string(nil), vs...)
	}
	// The forwarding headers API Gateway's front end adds.
	set := func(k, v string) { single[k], multi[k] = v, []string{v} }
	xff := hostname(r.RemoteAddr)
	if prev := r.Header.Get("X-Forwarded-For"); prev != "" {
		xff = prev + ", " + xff
	}
	set("X-Forwarded-For", xff)
	proto, port := "http", "80"
	if r.TLS != nil {
		proto, port = "https", "443"
	}
	if _, p, err := net.SplitHostPort(r.Host); err == nil {
		port = p
	}
	set("X-Forwarded-Proto", proto)
	set("X-Forwarded-Port", port)
	if r.Header.Get("X-Amzn-Trace-Id") == "" {
		set("X-Amzn-Trace-Id", newTraceID(time.Now()))
	}
	return single, multi
}

// newTraceID is an X-Ray trace header, Root=1-{epoch hex}-{96 random bits}.
func newTraceID(now time.Time) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("Root=1-%08x-%x", now.Unix(), b)
}

// isBinary reports whether contentType is one of the API's binary media
// types (which may use wildcards such as image/* or */*).
func isBinary(contentType string, types []string) bool {
	if contentType == "" || len(types) == 0 {
		return false
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	major, _, _ := strings.Cut(mt, "/")
	for _, t := range types {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == mt || t == "*/*" || t == major+"/*" {
			return true
		}
	}
	return false
}

func hostname(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}

// newExtendedID is the x-amz-apigw-id form: 16 base64 characters.
func newExtendedID() string {
	var b [11]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}
