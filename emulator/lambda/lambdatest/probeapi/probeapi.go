// Package probeapi is the payload contract of the probe test function
// (lambdatest/testdata/probe). It has no dependencies so the probe binary
// stays small and tests can decode its output.
package probeapi

import "encoding/json"

// InitErrorEnv, when set in the function's environment, makes the probe post
// its value as an init error (errorType "ProbeInitError") to the Runtime API
// and exit 1 before asking for an invocation.
const InitErrorEnv = "PROBE_INIT_ERROR"

// Command drives the probe. Every field is optional; they are applied in
// this order: Log/Stderr, SleepMs, Exit, Panic, Error, then EC2, and the
// Output is returned. For API Gateway proxy events the command is read from
// the event's JSON body (when it has one).
type Command struct {
	// Echo is returned verbatim in Output.Echo.
	Echo json.RawMessage `json:"echo,omitempty"`
	// Log and Stderr are printed (with a newline) to stdout / stderr.
	Log    string `json:"log,omitempty"`
	Stderr string `json:"stderr,omitempty"`
	// SleepMs sleeps before answering (ignores the invocation deadline).
	SleepMs int `json:"sleepMs,omitempty"`
	// Exit calls os.Exit with this code mid-invocation.
	Exit *int `json:"exit,omitempty"`
	// Panic panics with this message (aws-lambda-go reports it, then exits).
	Panic string `json:"panic,omitempty"`
	// Error makes the handler return an error with this message, of type
	// ErrorType when set (else "errorString").
	Error     string `json:"error,omitempty"`
	ErrorType string `json:"errorType,omitempty"`
	// Env returns the process environment as it was at process start.
	Env bool `json:"env,omitempty"`
	// EC2 calls DescribeInstances (or StopInstances) through
	// AWS_ENDPOINT_URL with the SDK's default configuration chain.
	EC2 *EC2Command `json:"ec2,omitempty"`
	// Caller calls STS GetCallerIdentity the same way and returns its ARN.
	Caller bool `json:"caller,omitempty"`
	// ResponseBytes pads the output with a string of this many bytes.
	ResponseBytes int `json:"responseBytes,omitempty"`
	// StatusCode is the HTTP status of the API Gateway proxy response
	// (default 200); ignored for direct invocations.
	StatusCode int `json:"statusCode,omitempty"`
	// Headers are added to the API Gateway proxy response.
	Headers map[string]string `json:"headers,omitempty"`
}

// EC2Command selects instances to describe (all when empty), or to stop.
type EC2Command struct {
	InstanceIDs []string `json:"instanceIds,omitempty"`
	// Stop calls StopInstances; an AWS error is returned in Output.AWSError
	// rather than failing the invocation.
	Stop bool `json:"stop,omitempty"`
}

// AWSError is an AWS API error a call of the probe got.
type AWSError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Instance is one described instance.
type Instance struct {
	ID    string `json:"id"`
	State string `json:"state"`
}

// Output is the probe's answer (for proxy events: the JSON body of the
// APIGatewayProxyResponse).
type Output struct {
	Pid         int               `json:"pid"`
	Ppid        int               `json:"ppid"`
	Cwd         string            `json:"cwd"`
	RequestID   string            `json:"requestId"`
	FunctionARN string            `json:"functionArn"`
	DeadlineMs  int64             `json:"deadlineMs"`
	StartedMs   int64             `json:"startedMs"`
	EndedMs     int64             `json:"endedMs"`
	Echo        json.RawMessage   `json:"echo,omitempty"`
	Env         map[string]string `json:"env,omitempty"`
	Instances   []Instance        `json:"instances,omitempty"`
	CallerARN   string            `json:"callerArn,omitempty"`
	AWSError    *AWSError         `json:"awsError,omitempty"`
	Padding     string            `json:"padding,omitempty"`
	Event       *ProxyEvent       `json:"event,omitempty"`
}

// ProxyEvent is what the probe saw of an API Gateway proxy event.
type ProxyEvent struct {
	Resource              string              `json:"resource"`
	Path                  string              `json:"path"`
	HTTPMethod            string              `json:"httpMethod"`
	Headers               map[string]string   `json:"headers"`
	MultiValueHeaders     map[string][]string `json:"multiValueHeaders"`
	QueryStringParameters map[string]string   `json:"queryStringParameters"`
	PathParameters        map[string]string   `json:"pathParameters"`
	StageVariables        map[string]string   `json:"stageVariables"`
	Body                  string              `json:"body"`
	IsBase64Encoded       bool                `json:"isBase64Encoded"`
	Stage                 string              `json:"stage"`
	RequestID             string              `json:"requestContextRequestId"`
	APIID                 string              `json:"apiId"`
}
