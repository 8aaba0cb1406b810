// Command greeter is a small Lambda function whose answer comes from its
// package: it returns the content of answer.txt (shipped next to bootstrap)
// with the version and environment it runs under, directly or as an API
// Gateway proxy response. Two packages with different answer.txt files make
// two versions that answer differently.
package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/apidriven/api-driven/emulator/lambda/lambdatest/greeterapi"
)

func main() {
	answer, err := os.ReadFile(filepath.Join(os.Getenv("LAMBDA_TASK_ROOT"), "answer.txt"))
	if err != nil {
		answer = []byte("no answer.txt: " + err.Error())
	}
	lambda.Start(func(ctx context.Context, raw json.RawMessage) (any, error) {
		out := greeterapi.Output{
			Answer:  strings.TrimSpace(string(answer)),
			Version: os.Getenv("AWS_LAMBDA_FUNCTION_VERSION"),
			Color:   os.Getenv("COLOR"),
			PID:     os.Getpid(),
		}
		if lc, ok := lambdacontext.FromContext(ctx); ok {
			out.InvokedARN = lc.InvokedFunctionArn
		}
		var probe struct {
			HTTPMethod     *string         `json:"httpMethod"`
			RequestContext json.RawMessage `json:"requestContext"`
		}
		if json.Unmarshal(raw, &probe) == nil && probe.HTTPMethod != nil && probe.RequestContext != nil {
			body, err := json.Marshal(out)
			if err != nil {
				return nil, err
			}
			return events.APIGatewayProxyResponse{StatusCode: 200, Body: string(body), Headers: map[string]string{"Content-Type": "application/json"}}, nil
		}
		return out, nil
	})
}
