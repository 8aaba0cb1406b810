// Command probe is a multipurpose Lambda test function driven by its JSON
// payload (see lambdatest/probeapi).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/apidriven/api-driven/emulator/lambda/lambdatest/probeapi"

	"github.com/apidriven/api-driven/internal/sdkhttp"
)

// startEnv is the environment the process was started with, before the
// runtime client adds _X_AMZN_TRACE_ID.
var startEnv = os.Environ()

func main() {
	if msg := os.Getenv(probeapi.InitErrorEnv); msg != "" {
		initError(msg)
	}
	lambda.Start(handle)
}

// initError reports a failed init as a custom runtime would, then exits.
func initError(msg string) {
	fmt.Fprintln(os.Stderr, "init failed:", msg)
	body, _ := json.Marshal(map[string]string{"errorMessage": msg, "errorType": "ProbeInitError"})
	req, err := http.NewRequest(http.MethodPost, "http://"+os.Getenv("AWS_LAMBDA_RUNTIME_API")+"/2018-06-01/runtime/init/error", bytes.NewReader(body))
	if err == nil {
		req.Header.Set("Lambda-Runtime-Function-Error-Type", "ProbeInitError")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}
	os.Exit(1)
}

func handle(ctx context.Context, raw json.RawMessage) (any, error) {
	var probe struct {
		HTTPMethod     *string         `json:"httpMethod"`
		RequestContext json.RawMessage `json:"requestContext"`
	}
	_ = json.Unmarshal(raw, &probe)
	if probe.HTTPMethod != nil && probe.RequestContext != nil {
		return handleProxy(ctx, raw)
	}
	var cmd probeapi.Command
	if err := json.Unmarshal(raw, &cmd); err != nil && len(raw) > 0 && string(raw) != "null" {
		// Not a command (e.g. a string payload): echo it.
		cmd = probeapi.Command{Echo: raw}
	}
	return run(ctx, cmd)
}

func handleProxy(ctx context.Context, raw json.RawMessage) (events.APIGatewayProxyResponse, error) {
	var req events.APIGatewayProxyRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		return events.APIGatewayProxyResponse{}, fmt.Errorf("failed to decode proxy event: %w", err)
	}
	var cmd probeapi.Command
	if strings.HasPrefix(strings.TrimSpace(req.Body), "{") {
		_ = json.Unmarshal([]byte(req.Body), &cmd)
	}
	out, err := run(ctx, cmd)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	out.Event = &probeapi.ProxyEvent{
		Resource: req.Resource, Path: req.Path, HTTPMethod: req.HTTPMethod,
		Headers: req.Headers, MultiValueHeaders: req.MultiValueHeaders,
		QueryStringParameters: req.QueryStringParameters, PathParameters: req.PathParameters,
		StageVariables: req.StageVariables, Body: req.Body, IsBase64Encoded: req.IsBase64Encoded,
		Stage: req.RequestContext.Stage, RequestID: req.RequestContext.RequestID, APIID: req.RequestContext.APIID,
	}
	body, err := json.Marshal(out)
	if err != nil {
		return events.APIGatewayProxyResponse{}, fmt.Errorf("failed to encode output: %w", err)
	}
	status := cmd.StatusCode
	if status == 0 {
		status = 200
	}
	headers := map[string]string{"Content-Type": "application/json"}
	for k, v := range cmd.Headers {
		headers[k] = v
	}
	return events.APIGatewayProxyResponse{StatusCode: status, Headers: headers, Body: string(body)}, nil
}

func run(ctx context.Context, cmd probeapi.Command) (*probeapi.Output, error) {
	out := &probeapi.Output{Pid: os.Getpid(), Ppid: os.Getppid(), StartedMs: time.Now().UnixMilli(), Echo: cmd.Echo}
	out.Cwd, _ = os.Getwd()
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		out.RequestID, out.FunctionARN = lc.AwsRequestID, lc.InvokedFunctionArn
	}
	if d, ok := ctx.Deadline(); ok {
		out.DeadlineMs = d.UnixMilli()
	}
	if cmd.Log != "" {
		fmt.Fprintln(os.Stdout, cmd.Log)
	}
	if cmd.Stderr != "" {
		fmt.Fprintln(os.Stderr, cmd.Stderr)
	}
	if cmd.SleepMs > 0 {
		time.Sleep(time.Duration(cmd.SleepMs) * time.Millisecond)
	}
	if cmd.Exit != nil {
		os.Exit(*cmd.Exit)
	}
	if cmd.Panic != "" {
		panic(cmd.Panic)
	}
	if cmd.Error != "" {
		if cmd.ErrorType != "" {
			return nil, messages.InvokeResponse_Error{Message: cmd.Error, Type: cmd.ErrorType}
		}
		return nil, errors.New(cmd.Error)
	}
	if cmd.Env {
		out.Env = make(map[string]string, len(startEnv))
		for _, kv := range startEnv {
			k, v, _ := strings.Cut(kv, "=")
			out.Env[k] = v
		}
	}
	if cmd.EC2 != nil && cmd.EC2.Stop {
		out.Instances, out.AWSError = stop(ctx, cmd.EC2.InstanceIDs)
	} else if cmd.EC2 != nil {
		instances, err := describe(ctx, cmd.EC2.InstanceIDs)
		if err != nil {
			return nil, err
		}
		out.Instances = instances
	}
	if cmd.Caller {
		cfg, err := awsConfig(ctx)
		if err != nil {
			return nil, err
		}
		id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			return nil, fmt.Errorf("failed to get the caller identity: %w", err)
		}
		out.CallerARN = *id.Arn
	}
	if cmd.ResponseBytes > 0 {
		out.Padding = strings.Repeat("x", cmd.ResponseBytes)
	}
	out.EndedMs = time.Now().UnixMilli()
	return out, nil
}

func awsConfig(ctx context.Context) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return cfg, fmt.Errorf("failed to load AWS config: %w", err)
	}
	sdkhttp.Install(&cfg)
	return cfg, nil
}

// stop stops instances; an AWS error is reported, not raised.
func stop(ctx context.Context, ids []string) ([]probeapi.Instance, *probeapi.AWSError) {
	cfg, err := awsConfig(ctx)
	if err != nil {
		return nil, &probeapi.AWSError{Code: "ProbeConfig", Message: err.Error()}
	}
	res, err := ec2.NewFromConfig(cfg).StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: ids})
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return nil, &probeapi.AWSError{Code: apiErr.ErrorCode(), Message: apiErr.ErrorMessage()}
	}
	if err != nil {
		return nil, &probeapi.AWSError{Code: "ProbeTransport", Message: err.Error()}
	}
	var out []probeapi.Instance
	for _, c := range res.StoppingInstances {
		out = append(out, probeapi.Instance{ID: *c.InstanceId, State: string(c.CurrentState.Name)})
	}
	return out, nil
}

func describe(ctx context.Context, ids []string) ([]probeapi.Instance, error) {
	cfg, err := awsConfig(ctx)
	if err != nil {
		return nil, err
	}
	res, err := ec2.NewFromConfig(cfg).DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: ids})
	if err != nil {
		return nil, fmt.Errorf("failed to describe instances: %w", err)
	}
	var out []probeapi.Instance
	for _, r := range res.Reservations {
		for _, i := range r.Instances {
			inst := probeapi.Instance{}
			if i.InstanceId != nil {
				inst.ID = *i.InstanceId
			}
			if i.State != nil {
				inst.State = string(i.State.Name)
			}
			out = append(out, inst)
		}
	}
	return out, nil
}
