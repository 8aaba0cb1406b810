package provision

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/apidriven/api-driven/internal/status"
)

// identity is the account ARNs are built in.
type identity struct {
	Account   string
	Partition string // aws, aws-cn, aws-us-gov
}

// whoAmI asks STS for the account and reads the partition from the
// caller's ARN.
func whoAmI(ctx context.Context, c Clients, cfg Config, st *status.Status) (identity, error) {
	step := st.Start("aws account")
	out, err := withRetry(ctx, cfg.Timeouts, nil, func(ctx context.Context) (*sts.GetCallerIdentityOutput, error) {
		return c.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	})
	if err != nil {
		return identity{}, step.Fail(fail(err, "identify the aws account (sts GetCallerIdentity)"))
	}
	id := identity{Account: aws.ToString(out.Account), Partition: partitionOf(aws.ToString(out.Arn))}
	step.Done(fmt.Sprintf("%s in %s", id.Account, cfg.Region))
	return id, nil
}

// partitionOf is the partition field of an ARN ("aws" when unreadable).
func partitionOf(arn string) string {
	parts := strings.SplitN(arn, ":", 3)
	if len(parts) == 3 && parts[0] == "arn" && parts[1] != "" {
		return parts[1]
	}
	return "aws"
}

func validate(cfg Config, clientRegion string) error {
	if len(cfg.Code) == 0 {
		return status.WithFix(fmt.Errorf("no function code to deploy"), "build the function first: go tool mage build")
	}
	if cfg.Architecture != "x86_64" && cfg.Architecture != "arm64" {
		return status.WithFix(fmt.Errorf("unknown lambda architecture %q", cfg.Architecture), "use x86_64 or arm64")
	}
	if cfg.Region == "" {
		return status.WithFix(fmt.Errorf("no aws region configured"), "set AWS_REGION (for example us-east-1)")
	}
	switch {
	case cfg.Target == TargetDocker && cfg.ContainerName == "":
		return fmt.Errorf("the docker target needs the container's name (provision.Config.ContainerName)")
	case cfg.Target != TargetEC2 && cfg.Target != TargetDocker:
		return status.WithFix(fmt.Errorf("unknown target %q", cfg.Target), "use %s or %s", TargetEC2, TargetDocker)
	}
	if clientRegion != "" && cfg.Region != clientRegion {
		// ARNs and URLs would name another region than the calls go to.
		return status.WithFix(fmt.Errorf("config region %s differs from the clients' region %s", cfg.Region, clientRegion),
			"leave provision.Config.Region empty or build the clients for the same region")
	}
	return nil
}

func containerName(cfg Config) string {
	if cfg.Target == TargetDocker {
		return cfg.ContainerName
	}
	return ""
}

// Deploy creates or updates, in dependency order, the IAM role, the EC2
// instance (not for the docker target), the Lambda function and the REST API, and returns what the
// URLs are. Running it again changes only what differs.
func Deploy(ctx context.Context, c Clients, cfg Config, st *status.Status) (*Outputs, error) {
	cfg = cfg.withDefaults(c.region())
	if err := validate(cfg, c.region()); err != nil {
		return nil, err
	}
	id, err := whoAmI(ctx, c, cfg, st)
	if err != nil {
		return nil, err
	}
	roleARN, err := ensureRole(ctx, c, cfg, id, st)
	if err != nil {
		return nil, err
	}
	var instanceID string
	if cfg.Target == TargetEC2 {
		if instanceID, err = ensureInstance(ctx, c, cfg, st); err != nil {
			return nil, err
		}
	}
	functionARN, err := ensureFunction(ctx, c, cfg, roleARN, instanceID, st)
	if err != nil {
		return nil, err
	}
	apiID, err := ensureAPI(ctx, c, cfg, id, functionARN, st)
	if err != nil {
		return nil, err
	}
	return &Outputs{
		Backend:       cfg.Backend,
		Endpoint:      cfg.Endpoint,
		Region:        cfg.Region,
		InstanceID:    instanceID,
		FunctionName:  cfg.FunctionName,
		RestAPIID:     apiID,
		Stage:         cfg.Stage,
		URLs:          urlsFor(cfg, apiID),
		Target:        cfg.Target,
		ContainerName: containerName(cfg),
	}, nil
}
