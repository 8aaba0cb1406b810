// Command ec2control is the tiny function of the emulator's end-to-end test:
// behind an API Gateway proxy route it starts, stops or reports the EC2
// instance named by ?id=, calling EC2 back through AWS_ENDPOINT_URL.
package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/apidriven/api-driven/internal/sdkhttp"
)

type reply struct {
	Action    string `json:"action"`
	Instance  string `json:"instance"`
	State     string `json:"state,omitempty"`
	Error     string `json:"error,omitempty"`
	Endpoint  string `json:"endpoint"`
	Resource  string `json:"resource"`
	Stage     string `json:"stage"`
	ProxyPath string `json:"proxyPath"`
}

func handle(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	action := strings.Trim(req.PathParameters["proxy"], "/")
	out := reply{Action: action, Instance: req.QueryStringParameters["id"], Resource: req.Resource,
		Stage: req.RequestContext.Stage, ProxyPath: req.PathParameters["proxy"]}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return respond(http.StatusInternalServerError, out, err)
	}
	sdkhttp.Install(&cfg)
	if cfg.BaseEndpoint != nil {
		out.Endpoint = *cfg.BaseEndpoint
	}
	client := ec2.NewFromConfig(cfg)
	ids := []string{out.Instance}
	switch action {
	case "stop":
		res, err := client.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: ids})
		if err != nil {
			return respond(http.StatusBadGateway, out, err)
		}
		out.State = string(res.StoppingInstances[0].CurrentState.Name)
	case "start":
		res, err := client.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: ids})
		if err != nil {
			return respond(http.StatusBadGateway, out, err)
		}
		out.State = string(res.StartingInstances[0].CurrentState.Name)
	case "status":
		res, err := client.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: ids})
		if err != nil {
			return respond(http.StatusBadGateway, out, err)
		}
		out.State = string(res.Reservations[0].Instances[0].State.Name)
	default:
		return respond(http.StatusNotFound, out, nil)
	}
	return respond(http.StatusOK, out, nil)
}

func respond(code int, out reply, err error) (events.APIGatewayProxyResponse, error) {
	if err != nil {
		out.Error = err.Error()
	}
	body, _ := json.Marshal(out)
	return events.APIGatewayProxyResponse{StatusCode: code, Headers: map[string]string{"Content-Type": "application/json"}, Body: string(body)}, nil
}

func main() { lambda.Start(handle) }
