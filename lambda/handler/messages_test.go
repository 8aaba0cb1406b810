package handler

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/moby/moby/api/types/container"
)

// terminatedEC2 describes every instance as terminated.
type terminatedEC2 struct{ fakeEC2Calls }

type fakeEC2Calls struct{}

func (terminatedEC2) DescribeInstances(_ context.Context, in *ec2.DescribeInstancesInput, _ ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	return &ec2.DescribeInstancesOutput{Reservations: []types.Reservation{{Instances: []types.Instance{{
		InstanceId: aws.String(in.InstanceIds[0]), State: &types.InstanceState{Name: types.InstanceStateNameTerminated},
	}}}}}, nil
}
func (fakeEC2Calls) StartInstances(context.Context, *ec2.StartInstancesInput, ...func(*ec2.Options)) (*ec2.StartInstancesOutput, error) {
	panic("a terminated instance is never started")
}
func (fakeEC2Calls) StopInstances(context.Context, *ec2.StopInstancesInput, ...func(*ec2.Options)) (*ec2.StopInstancesOutput, error) {
	panic("not called")
}

// TestMessagesNameTheCommandAsTyped: every answer that tells the caller to
// redeploy names the command as users type it (`go tool mage deploy`),
// never a bare `mage`, which they do not have.
func TestMessagesNameTheCommandAsTyped(t *testing.T) {
	removed := newFakeDocker()
	delete(removed.containers, webName)
	removing := newFakeDocker()
	removing.containers[webName].State.Status = container.StateRemoving
	docker := func(f *fakeDocker) Config {
		dt, err := NewDockerTarget(f, webName, "")
		if err != nil {
			t.Fatal(err)
		}
		return Config{InstanceID: webName, IDPattern: ContainerName, Target: dt}
	}
	tests := []struct {
		name   string
		cfg    Config
		route  string
		code   int
		prefix string // what happened, before the command
	}{
		{"function without INSTANCE_ID", Config{Target: NewEC2Target(terminatedEC2{})}, "/status", 500, "INSTANCE_ID is not set"},
		{"function without CONTAINER_NAME", dockerConfig(func(string) string { return "" }), "/status", 500, "CONTAINER_NAME is not set"},
		{"terminated instance", Config{InstanceID: "i-0123456789abcdef0", Target: NewEC2Target(terminatedEC2{})}, "/start", 409,
			"instance i-0123456789abcdef0 is terminated and can never be started again"},
		{"container removed outside the API", docker(removed), "/status", 404, "container apidriven-web does not exist (it was removed outside the API)"},
		{"container being removed", docker(removing), "/start", 409, "container apidriven-web is being removed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := New(tt.cfg).Handle(context.Background(), events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: tt.route})
			if err != nil || resp.StatusCode != tt.code {
				t.Fatalf("GET %s = %d %v, want %d: %s", tt.route, resp.StatusCode, err, tt.code, resp.Body)
			}
			if !strings.Contains(resp.Body, tt.prefix) || !strings.Contains(resp.Body, "`go tool mage deploy`") {
				t.Errorf("body %s should say %q and name `go tool mage deploy`", resp.Body, tt.prefix)
			}
			if strings.Contains(resp.Body, "`mage ") {
				t.Errorf("body %s names a bare `mage` command", resp.Body)
			}
		})
	}
}
