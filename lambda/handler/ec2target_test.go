package handler_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/apidriven/api-driven/emulator/emulatortest"
	"github.com/apidriven/api-driven/lambda/handler"
	"github.com/apidriven/api-driven/provision/mototest"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// launch runs one instance with the given tags and returns its id.
func launch(t *testing.T, client *ec2.Client, tags map[string]string) string {
	t.Helper()
	ctx := ctxT(t)
	imgs, err := client.DescribeImages(ctx, &ec2.DescribeImagesInput{})
	if err != nil || len(imgs.Images) == 0 {
		t.Fatalf("no image to launch: %v", err)
	}
	var tagList []types.Tag
	for k, v := range tags {
		tagList = append(tagList, types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	in := &ec2.RunInstancesInput{
		ImageId: imgs.Images[0].ImageId, InstanceType: types.InstanceTypeT3Micro,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
	}
	if len(tagList) > 0 {
		in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeInstance, Tags: tagList}}
	}
	out, err := client.RunInstances(ctx, in)
	if err != nil {
		t.Fatalf("RunInstances: %v", err)
	}
	return aws.ToString(out.Instances[0].InstanceId)
}

// The EC2 target against a real third-party EC2 API (moto): the same calls
// the function makes against LocalStack, our emulator or AWS.
func TestEC2TargetAgainstMoto(t *testing.T) {
	exerciseEC2Target(t, ec2.NewFromConfig(mototest.AWSConfig(t, mototest.Start(t))))
}

// The same against our embedded emulator (transitions instantaneous).
func TestEC2TargetAgainstEmulator(t *testing.T) {
	srv := emulatortest.Start(t)
	exerciseEC2Target(t, ec2.NewFromConfig(emulatortest.AWSConfig(t, srv.URL())))
}

func exerciseEC2Target(t *testing.T, client *ec2.Client) {
	target := handler.NewEC2Target(client)
	ctx := ctxT(t)
	id := launch(t, client, map[string]string{"Project": "api-driven"})

	inst, err := target.Status(ctx, id)
	if err != nil || inst.State != "running" || inst.Tags["Project"] != "api-driven" {
		t.Fatalf("Status = %+v, %v; want running and tagged", inst, err)
	}
	steps := []struct {
		name     string
		op       func(context.Context, string) (handler.Transition, error)
		want     handler.Transition
		afterAll string // state reported by Status afterwards (both settle at once)
	}{
		{"stop running", target.Stop, handler.Transition{Previous: "running", Current: "stopping"}, "stopped"},
		{"stop stopped", target.Stop, handler.Transition{Previous: "stopped", Current: "stopped"}, "stopped"},
		{"start stopped", target.Start, handler.Transition{Previous: "stopped", Current: "pending"}, "running"},
		{"start running", target.Start, handler.Transition{Previous: "running", Current: "running"}, "running"},
	}
	for _, s := range steps {
		got, err := s.op(ctx, id)
		if err != nil || got != s.want {
			t.Fatalf("%s = %+v, %v; want %+v", s.name, got, err, s.want)
		}
		inst, err := target.Status(ctx, id)
		if err != nil || inst.State != s.afterAll {
			t.Fatalf("after %s: Status = %+v, %v; want %s", s.name, inst, err, s.afterAll)
		}
	}

	if _, err := client.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatalf("TerminateInstances: %v", err)
	}
	var te *handler.Error
	if _, err := target.Start(ctx, id); !errors.As(err, &te) || te.Kind != handler.KindConflict {
		t.Errorf("Start of terminated = %v, want a conflict", err)
	}
	if _, err := target.Status(ctx, "i-0aaaaaaaaaaaaaaaa"); !errors.As(err, &te) || te.Kind != handler.KindNotFound {
		t.Errorf("Status of unknown = %v, want not found", err)
	}
}

// The whole handler over moto: routes, JSON and the tag guard.
func TestHandlerAgainstMoto(t *testing.T) {
	client := ec2.NewFromConfig(mototest.AWSConfig(t, mototest.Start(t)))
	own := launch(t, client, map[string]string{"Project": "api-driven", "Name": "apidriven-instance"})
	alien := launch(t, client, map[string]string{"Project": "other"})
	h := handler.New(handler.Config{InstanceID: own, TagKey: "Project", TagValue: "api-driven", Target: handler.NewEC2Target(client)})

	tests := []struct {
		path  string
		query map[string]string
		code  int
		want  map[string]string
	}{
		{"/status", nil, 200, map[string]string{"instanceId": own, "state": "running"}},
		{"/stop", nil, 200, map[string]string{"instanceId": own, "previousState": "running", "currentState": "stopping"}},
		{"/stop/", nil, 200, map[string]string{"instanceId": own, "previousState": "stopped", "currentState": "stopped"}},
		{"/status", nil, 200, map[string]string{"instanceId": own, "state": "stopped"}},
		{"/start", nil, 200, map[string]string{"instanceId": own, "previousState": "stopped", "currentState": "pending"}},
		{"/stop", map[string]string{"instanceId": alien}, 403, nil},
		{"/status", map[string]string{"instanceId": "i-0bbbbbbbbbbbbbbbb"}, 404, nil},
		{"/status", map[string]string{"instanceId": "vol-1"}, 400, nil},
	}
	for _, tc := range tests {
		resp, err := h.Handle(ctxT(t), events.APIGatewayProxyRequest{HTTPMethod: http.MethodGet, Path: tc.path, QueryStringParameters: tc.query})
		if err != nil || resp.StatusCode != tc.code {
			t.Fatalf("GET %s %v = %d %s, %v; want %d", tc.path, tc.query, resp.StatusCode, resp.Body, err, tc.code)
		}
		if tc.want == nil {
			continue
		}
		var got map[string]string
		if err := json.Unmarshal([]byte(resp.Body), &got); err != nil || fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("GET %s = %s, want %v", tc.path, resp.Body, tc.want)
		}
	}
	out, err := client.DescribeInstances(ctxT(t), &ec2.DescribeInstancesInput{InstanceIds: []string{alien}})
	if err != nil || out.Reservations[0].Instances[0].State.Name != types.InstanceStateNameRunning {
		t.Errorf("the untagged instance was touched: %v", err)
	}
}

// fakeEC2 fails every call with err.
type fakeEC2 struct{ err error }

func (f fakeEC2) DescribeInstances(context.Context, *ec2.DescribeInstancesInput, ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	return nil, f.err
}
func (f fakeEC2) StartInstances(context.Context, *ec2.StartInstancesInput, ...func(*ec2.Options)) (*ec2.StartInstancesOutput, error) {
	return nil, f.err
}
func (f fakeEC2) StopInstances(context.Context, *ec2.StopInstancesInput, ...func(*ec2.Options)) (*ec2.StopInstancesOutput, error) {
	return nil, f.err
}

func TestEC2ErrorMapping(t *testing.T) {
	apiErr := func(code string) error { return &smithy.GenericAPIError{Code: code, Message: code + " message"} }
	httpErr := func(status int) error {
		return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: errors.New("upstream"),
		}}
	}
	tests := []struct {
		err  error
		code int
		says string // part of the message, when it matters
	}{
		{apiErr("InvalidInstanceID.NotFound"), 404, ""},
		{apiErr("InvalidInstanceID.Malformed"), 400, ""},
		{apiErr("IncorrectInstanceState"), 409, ""},
		{apiErr("RequestLimitExceeded"), 503, ""},
		{apiErr("Unavailable"), 503, ""},
		{httpErr(502), 503, ""},
		{context.DeadlineExceeded, 503, ""},
		{apiErr("UnauthorizedOperation"), 500, "not allowed to describe instance i-0123456789abcdef0 (EC2 UnauthorizedOperation): add the action to the role's policy in provision/role.go, then run `go tool mage deploy`"},
		{errors.New("dial tcp: connection refused"), 500, ""},
	}
	for _, tc := range tests {
		t.Run(tc.err.Error(), func(t *testing.T) {
			h := handler.New(handler.Config{InstanceID: "i-0123456789abcdef0", Target: handler.NewEC2Target(fakeEC2{err: tc.err})})
			resp, _ := h.Handle(context.Background(), events.APIGatewayProxyRequest{HTTPMethod: "POST", Path: "/stop"})
			if resp.StatusCode != tc.code {
				t.Errorf("status %d, want %d (%s)", resp.StatusCode, tc.code, resp.Body)
			}
			if !strings.Contains(resp.Body, tc.says) {
				t.Errorf("answer %s does not say %q", resp.Body, tc.says)
			}
		})
	}
}
