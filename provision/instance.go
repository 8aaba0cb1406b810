package provision

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/apidriven/api-driven/internal/status"
)

// liveStates are the states of an instance that still exists for us.
var liveStates = []string{"pending", "running", "stopping", "stopped"}

// timedEC2 gives every call an SDK waiter makes its own timeout.
type timedEC2 struct {
	c       *ec2.Client
	timeout time.Duration
}

func (t timedEC2) DescribeInstances(ctx context.Context, in *ec2.DescribeInstancesInput, opts ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	return t.c.DescribeInstances(ctx, in, opts...)
}

// findInstances lists the live instances carrying the project's tag,
// oldest first.
func findInstances(ctx context.Context, c Clients, cfg Config) ([]ec2types.Instance, error) {
	p := ec2.NewDescribeInstancesPaginator(c.EC2, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{
		{Name: aws.String("tag:" + cfg.TagKey), Values: []string{cfg.TagValue}},
		{Name: aws.String("instance-state-name"), Values: liveStates},
	}})
	var found []ec2types.Instance
	for p.HasMorePages() {
		page, err := withRetry(ctx, cfg.Timeouts, nil, func(ctx context.Context) (*ec2.DescribeInstancesOutput, error) {
			return p.NextPage(ctx)
		})
		if err != nil {
			return nil, fail(err, "list ec2 instances tagged %s=%s", cfg.TagKey, cfg.TagValue)
		}
		for _, r := range page.Reservations {
			for _, in := range r.Instances {
				// Filters are applied by the server; check again so a
				// backend that ignores them cannot make us adopt or
				// delete someone else's instance.
				if hasTag(in.Tags, cfg.TagKey, cfg.TagValue) && in.State != nil && isLive(string(in.State.Name)) {
					found = append(found, in)
				}
			}
		}
	}
	sort.SliceStable(found, func(i, j int) bool {
		ti, tj := aws.ToTime(found[i].LaunchTime), aws.ToTime(found[j].LaunchTime)
		if !ti.Equal(tj) {
			return ti.Before(tj)
		}
		return aws.ToString(found[i].InstanceId) < aws.ToString(found[j].InstanceId)
	})
	return found, nil
}

func hasTag(tags []ec2types.Tag, key, value string) bool {
	for _, t := range tags {
		if aws.ToString(t.Key) == key && aws.ToString(t.Value) == value {
			return true
		}
	}
	return false
}

func isLive(state string) bool {
	for _, s := range liveStates {
		if s == state {
			return true
		}
	}
	return false
}

// ensureInstance adopts the oldest tagged instance or launches one, and
// waits until a new or pending one is running. A stopped instance stays
// stopped: the user stopped it, /start is how to start it. With
// ReplaceOtherImage, instances of another image are replaced.
func ensureInstance(ctx context.Context, c Clients, cfg Config, st *status.Status) (string, error) {
	step := st.Start("ec2 instance")
	found, err := findInstances(ctx, c, cfg)
	if err != nil {
		return "", step.Fail(err)
	}
	var stale []ec2types.Instance // of another image, to replace
	if cfg.ReplaceOtherImage && len(found) > 0 {
		image, err := resolveImage(ctx, c, cfg)
		if err != nil {
			return "", step.Fail(err)
		}
		cfg.ImageID = image // launch what was compared
		var keep []ec2types.Instance
		for _, in := range found {
			if aws.ToString(in.ImageId) == image {
				keep = append(keep, in)
			} else {
				stale = append(stale, in)
			}
		}
		found = keep
	}
	var id, state, how string
	if len(found) > 0 {
		id, state, how = aws.ToString(found[0].InstanceId), string(found[0].State.Name), "found"
		defer func() {
			for _, extra := range found[1:] {
				st.Infof("also tagged %s=%s: %s (%s), left alone; terminate it yourself if it is not needed",
					cfg.TagKey, cfg.TagValue, aws.ToString(extra.InstanceId), extra.State.Name)
			}
		}()
	} else {
		if id, err = launchInstance(ctx, c, cfg); err != nil {
			return "", step.Fail(err)
		}
		state, how = "pending", "launched"
	}
	if state == "pending" {
		if err := waitInstance(ctx, c, cfg, id, "running"); err != nil {
			return "", step.Fail(err)
		}
		state = "running"
	}
	replaced, err := replaceInstances(ctx, c, cfg, stale)
	if err != nil {
		return "", step.Fail(err)
	}
	step.Done(fmt.Sprintf("%s %s %s%s", id, how, state, replaced))
	return id, nil
}

// replaceInstances terminates the project's instances of another image
// once their replacement runs, and says which.
func replaceInstances(ctx context.Context, c Clients, cfg Config, stale []ec2types.Instance) (string, error) {
	if len(stale) == 0 {
		return "", nil
	}
	var ids, what []string
	for _, in := range stale {
		ids = append(ids, aws.ToString(in.InstanceId))
		what = append(what, fmt.Sprintf("%s of image %s", aws.ToString(in.InstanceId), aws.ToString(in.ImageId)))
	}
	_, err := withRetry(ctx, cfg.Timeouts, nil, func(ctx context.Context) (*ec2.TerminateInstancesOutput, error) {
		return c.EC2.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids})
	})
	if err != nil {
		return "", fail(err, "terminate the replaced ec2 instances %v", ids)
	}
	for _, id := range ids {
		if err := waitInstance(ctx, c, cfg, id, "terminated"); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf(" from image %s, replacing %s (terminated)", cfg.ImageID, strings.Join(what, ", ")), nil
}

func launchInstance(ctx context.Context, c Clients, cfg Config) (string, error) {
	image, err := resolveImage(ctx, c, cfg)
	if err != nil {
		return "", err
	}
	var subnet *string
	if cfg.SubnetID != "" {
		subnet = aws.String(cfg.SubnetID)
	}
	// One token per launch: a retried RunInstances cannot start a second
	// instance.
	token := fmt.Sprintf("apidriven-%d", time.Now().UnixNano())
	out, err := withRetry(ctx, cfg.Timeouts, nil, func(ctx context.Context) (*ec2.RunInstancesOutput, error) {
		return c.EC2.RunInstances(ctx, &ec2.RunInstancesInput{
			ImageId:      &image,
			InstanceType: ec2types.InstanceType(cfg.InstanceType),
			MinCount:     aws.Int32(1),
			MaxCount:     aws.Int32(1),
			SubnetId:     subnet,
			ClientToken:  &token,
			TagSpecifications: []ec2types.TagSpecification{{
				ResourceType: ec2types.ResourceTypeInstance,
				Tags: []ec2types.Tag{
					{Key: &cfg.TagKey, Value: &cfg.TagValue},
					{Key: aws.String("Name"), Value: &cfg.InstanceName},
				},
			}},
		})
	})
	if hasCode(err, "VPCIdNotSpecified", "MissingInput") && cfg.SubnetID == "" {
		return "", noDefaultVPC(ctx, c, cfg, err)
	}
	if err != nil {
		return "", fail(err, "launch ec2 instance (%s, image %s)", cfg.InstanceType, image)
	}
	if len(out.Instances) == 0 {
		return "", fmt.Errorf("failed to launch ec2 instance: RunInstances returned no instance")
	}
	return aws.ToString(out.Instances[0].InstanceId), nil
}

// noDefaultVPC explains a RunInstances without a subnet in an account (or
// region) that has no default VPC, naming the subnets there are.
func noDefaultVPC(ctx context.Context, c Clients, cfg Config, err error) error {
	var subnets []string
	out, derr := withRetry(ctx, cfg.Timeouts, nil, func(ctx context.Context) (*ec2.DescribeSubnetsOutput, error) {
		return c.EC2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{MaxResults: aws.Int32(5)})
	})
	if derr == nil {
		for _, sn := range out.Subnets {
			subnets = append(subnets, fmt.Sprintf("%s (%s, %s)", aws.ToString(sn.SubnetId), aws.ToString(sn.VpcId), aws.ToString(sn.AvailabilityZone)))
		}
	}
	pick := "no subnet was found in this region: create a default VPC with `aws ec2 create-default-vpc`, then run the target again"
	if len(subnets) > 0 {
		first, _, _ := strings.Cut(subnets[0], " ")
		pick = fmt.Sprintf("choose a subnet for the instance, e.g. APIDRIVEN_SUBNET_ID=%s go tool mage deploy (subnets here: %s), "+
			"or create a default VPC with `aws ec2 create-default-vpc`", first, strings.Join(subnets, ", "))
	}
	return status.WithFix(fmt.Errorf("failed to launch ec2 instance: region %s has no default VPC, so RunInstances needs a subnet: %w", cfg.Region, err), "%s", pick)
}

func waitInstance(ctx context.Context, c Clients, cfg Config, id, state string) error {
	in := &ec2.DescribeInstancesInput{InstanceIds: []string{id}}
	api := timedEC2{c: c.EC2, timeout: cfg.Timeouts.Call}
	var err error
	switch state {
	case "running":
		err = ec2.NewInstanceRunningWaiter(api, func(o *ec2.InstanceRunningWaiterOptions) {
			o.MinDelay, o.MaxDelay = time.Second, 10*time.Second
		}).Wait(ctx, in, cfg.Timeouts.Wait)
	case "terminated":
		err = ec2.NewInstanceTerminatedWaiter(api, func(o *ec2.InstanceTerminatedWaiterOptions) {
			o.MinDelay, o.MaxDelay = time.Second, 10*time.Second
		}).Wait(ctx, in, cfg.Timeouts.Wait)
	default:
		return fmt.Errorf("no waiter for state %q", state)
	}
	if err != nil {
		return status.WithFix(fmt.Errorf("failed to wait for ec2 instance %s to be %s: %w", id, state, err),
			"check the instance in the console (or DescribeInstances); raise the wait timeout if the backend is slow")
	}
	return nil
}

// instanceArch is the CPU architecture of an instance type: Graviton
// families carry a "g" after the generation digit (t4g, c7gn, im4gn).
func instanceArch(instanceType string) string {
	family, _, _ := strings.Cut(instanceType, ".")
	if family == "a1" {
		return "arm64"
	}
	rest := strings.TrimLeft(family, "abcdefghijklmnopqrstuvwxyz")
	rest = strings.TrimLeft(rest, "0123456789")
	if strings.Contains(rest, "g") {
		return "arm64"
	}
	return "x86_64"
}

// amiParameter is the public SSM parameter naming the latest Amazon Linux
// 2023 image for arch.
func amiParameter(arch string) string {
	return "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-" + arch
}

// resolveImage picks the image to launch.
func resolveImage(ctx context.Context, c Clients, cfg Config) (string, error) {
	if cfg.ImageID != "" {
		return cfg.ImageID, nil
	}
	arch := instanceArch(cfg.InstanceType)
	if cfg.Backend == BackendAWS {
		name := amiParameter(arch)
		out, err := withRetry(ctx, cfg.Timeouts, nil, func(ctx context.Context) (*ssm.GetParameterOutput, error) {
			return c.SSM.GetParameter(ctx, &ssm.GetParameterInput{Name: &name})
		})
		if err != nil {
			return "", fail(err, "read the Amazon Linux 2023 image id from ssm parameter %s", name)
		}
		return aws.ToString(out.Parameter.Value), nil
	}
	// Emulators: the newest al2023 image they know, else whatever image
	// they have (they do not boot it anyway).
	queries := []*ec2.DescribeImagesInput{
		{Owners: []string{"amazon"}, Filters: []ec2types.Filter{
			{Name: aws.String("name"), Values: []string{"al2023-ami-*"}},
			{Name: aws.String("architecture"), Values: []string{arch}},
		}},
		{},
	}
	for _, q := range queries {
		out, err := withRetry(ctx, cfg.Timeouts, nil, func(ctx context.Context) (*ec2.DescribeImagesOutput, error) {
			return c.EC2.DescribeImages(ctx, q)
		})
		if err != nil {
			return "", fail(err, "find an image to launch")
		}
		if len(out.Images) == 0 {
			continue
		}
		imgs := out.Images
		sort.SliceStable(imgs, func(i, j int) bool {
			return aws.ToString(imgs[i].CreationDate) > aws.ToString(imgs[j].CreationDate)
		})
		return aws.ToString(imgs[0].ImageId), nil
	}
	return "", status.WithFix(fmt.Errorf("failed to find an image to launch: the backend knows no image"),
		"set the image id explicitly (provision.Config.ImageID)")
}

// InstanceState reports an instance's state (the smoke test's cross-check
// of what the API answered).
func InstanceState(ctx context.Context, c Clients, instanceID string) (string, error) {
	to := Config{}.withDefaults("").Timeouts
	to.Wait = time.Minute
	out, err := withRetry(ctx, to, nil, func(ctx context.Context) (*ec2.DescribeInstancesOutput, error) {
		return c.EC2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{instanceID}})
	})
	if err != nil {
		return "", fail(err, "describe ec2 instance %s", instanceID)
	}
	for _, r := range out.Reservations {
		for _, in := range r.Instances {
			if aws.ToString(in.InstanceId) == instanceID && in.State != nil {
				return string(in.State.Name), nil
			}
		}
	}
	return "", fmt.Errorf("failed to describe ec2 instance %s: not found", instanceID)
}
