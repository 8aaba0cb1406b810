// Command bootstrap is the api-driven Lambda function (runtime
// provided.al2023): GET or POST /start, /stop and /status drive one EC2
// instance. All logic lives in package handler.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/apidriven/api-driven/lambda/handler"
)

func main() {
	lambda.Start(handler.FromEnv(context.Background(), os.Getenv).Handle)
}
