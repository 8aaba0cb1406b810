package handler

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
)

// EC2API is the part of the EC2 client the target uses.
type EC2API interface {
	DescribeInstances(context.Context, *ec2.DescribeInstancesInput, ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error)
	StartInstances(context.Context, *ec2.StartInstancesInput, ...func(*ec2.Options)) (*ec2.StartInstancesOutput, error)
	StopInstances(context.Context, *ec2.StopInstancesInput, ...func(*ec2.Options)) (*ec2.StopInstancesOutput, error)
}

// EC2InstanceID matches the short (8) and long (17 hex digit) instance id forms.
var EC2InstanceID = regexp.MustCompile(`^i-([0-9a-f]{8}|[0-9a-f]{17})$`)

// EC2Target drives EC2 instances.
type EC2Target struct {
	api EC2API
}

// NewEC2Target wraps an EC2 client.
func NewEC2Target(api EC2API) *EC2Target { return &EC2Target{api: api} }

// Status describes the instance.
func (t *EC2Target) Status(ctx context.Context, id string) (Instance, error) {
	out, err := t.api.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		return Instance{}, classifyEC2("describe", id, err)
	}
	for _, r := range out.Reservations {
		for _, in := range r.Instances {
			if aws.ToString(in.InstanceId) != id {
				continue
			}
			inst := Instance{ID: id, Tags: map[string]string{}}
			if in.State != nil {
				inst.State = string(in.State.Name)
			}
			for _, tag := range in.Tags {
				inst.Tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
			}
			return inst, nil
		}
	}
	return Instance{}, &Error{Kind: KindNotFound, Message: fmt.Sprintf("instance %s not found", id)}
}

// Start starts the instance. A running or pending instance is reported as
// is (idempotent); a terminated one cannot come back, which is a conflict.
func (t *EC2Target) Start(ctx context.Context, id string) (Transition, error) {
	inst, err := t.Status(ctx, id)
	if err != nil {
		return Transition{}, err
	}
	switch types.InstanceStateName(inst.State) {
	case types.InstanceStateNameRunning, types.InstanceStateNamePending:
		return Transition{Previous: inst.State, Current: inst.State}, nil
	case types.InstanceStateNameTerminated, types.InstanceStateNameShuttingDown:
		return Transition{}, &Error{Kind: KindConflict, Message: fmt.Sprintf(
			"instance %s is %s and can never be started again; run `go tool mage deploy` to create a new instance", id, inst.State)}
	}
	out, err := t.api.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		return Transition{}, classifyEC2("start", id, err)
	}
	return transitionOf(out.StartingInstances, id)
}

// Stop stops the instance. A stopped or stopping instance is reported as is.
func (t *EC2Target) Stop(ctx context.Context, id string) (Transition, error) {
	inst, err := t.Status(ctx, id)
	if err != nil {
		return Transition{}, err
	}
	switch types.InstanceStateName(inst.State) {
	case types.InstanceStateNameStopped, types.InstanceStateNameStopping:
		return Transition{Previous: inst.State, Current: inst.State}, nil
	case types.InstanceStateNameTerminated, types.InstanceStateNameShuttingDown:
		return Transition{}, &Error{Kind: KindConflict, Message: fmt.Sprintf(
			"instance %s is %s; there is nothing to stop", id, inst.State)}
	}
	out, err := t.api.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		return Transition{}, classifyEC2("stop", id, err)
	}
	return transitionOf(out.StoppingInstances, id)
}

func transitionOf(changes []types.InstanceStateChange, id string) (Transition, error) {
	for _, c := range changes {
		if aws.ToString(c.InstanceId) != id {
			continue
		}
		var tr Transition
		if c.PreviousState != nil {
			tr.Previous = string(c.PreviousState.Name)
		}
		if c.CurrentState != nil {
			tr.Current = string(c.CurrentState.Name)
		}
		return tr, nil
	}
	return Transition{}, &Error{Kind: KindInternal, Message: fmt.Sprintf("EC2 did not report a state change for instance %s", id)}
}

// throttleCodes are the EC2 error codes that mean "try again later".
var throttleCodes = map[string]bool{
	"RequestLimitExceeded": true, "Throttling": true, "ThrottlingException": true,
	"InternalError": true, "InternalFailure": true, "ServiceUnavailable": true, "Unavailable": true,
	"InsufficientInstanceCapacity": true,
}

// classifyEC2 turns an EC2 error into a classified Error.
func classifyEC2(op, id string, err error) error {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		code := apiErr.ErrorCode()
		switch {
		case code == "InvalidInstanceID.NotFound":
			return &Error{Kind: KindNotFound, Message: fmt.Sprintf("instance %s not found", id), Err: err}
		case code == "InvalidInstanceID.Malformed":
			return &Error{Kind: KindInvalid, Message: fmt.Sprintf("malformed instance id %q", id), Err: err}
		case code == "UnauthorizedOperation":
			// The role is ours to fix, so a 500, with where to fix it.
			return &Error{Kind: KindInternal, Message: fmt.Sprintf(
				"the function's role is not allowed to %s instance %s (EC2 UnauthorizedOperation): add the action to the role's policy in provision/role.go, then run `go tool mage deploy`", op, id)}
		case code == "IncorrectInstanceState":
			return &Error{Kind: KindConflict, Message: fmt.Sprintf("instance %s cannot %s in its current state: %s", id, op, apiErr.ErrorMessage())}
		case throttleCodes[code]:
			return &Error{Kind: KindUnavailable, Message: fmt.Sprintf("EC2 is busy (%s); retry in a few seconds", code), Err: err}
		}
	}
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) && respErr.HTTPStatusCode() >= http.StatusInternalServerError {
		return &Error{Kind: KindUnavailable, Message: fmt.Sprintf("EC2 answered %d; retry in a few seconds", respErr.HTTPStatusCode()), Err: err}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &Error{Kind: KindUnavailable, Message: "EC2 did not answer in time; retry in a few seconds", Err: err}
	}
	return &Error{Kind: KindInternal, Message: fmt.Sprintf("failed to %s instance %s", op, id), Err: err}
}
