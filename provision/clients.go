package provision

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Clients are the service clients provisioning uses.
type Clients struct {
	EC2        *ec2.Client
	IAM        *iam.Client
	Lambda     *lambda.Client
	APIGateway *apigateway.Client
	SSM        *ssm.Client
	STS        *sts.Client
	// Logs removes the log group Lambda creates on AWS (and LocalStack).
	Logs *cloudwatchlogs.Client
}

// NewClients builds every client from one configuration (its
// BaseEndpoint or AWS_ENDPOINT_URL selects the emulator).
func NewClients(cfg aws.Config) Clients {
	return Clients{
		EC2:        ec2.NewFromConfig(cfg),
		IAM:        iam.NewFromConfig(cfg),
		Lambda:     lambda.NewFromConfig(cfg),
		APIGateway: apigateway.NewFromConfig(cfg),
		SSM:        ssm.NewFromConfig(cfg),
		STS:        sts.NewFromConfig(cfg),
		Logs:       cloudwatchlogs.NewFromConfig(cfg),
	}
}

// region is the clients' region.
func (c Clients) region() string {
	if c.EC2 == nil {
		return ""
	}
	return c.EC2.Options().Region
}
