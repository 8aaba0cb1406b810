// Command echo is a minimal Lambda function returning its payload; it
// builds fast for any GOOS/GOARCH (wrong-architecture tests, cold starts).
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(_ context.Context, in json.RawMessage) (json.RawMessage, error) { return in, nil })
}
