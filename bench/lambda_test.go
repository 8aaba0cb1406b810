package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/apidriven/api-driven/emulator/emulatortest"
	"github.com/apidriven/api-driven/emulator/lambda/lambdatest"
)

const ec2control = "github.com/apidriven/api-driven/emulator/testdata/ec2control"

// deployFunction creates a role and a function from a Go package and waits
// for it to be active. Endpoints that cannot run functions natively (moto
// needs Docker for that) skip.
func deployFunction(b *testing.B, url, name, pkg string) *lambda.Client {
	b.Helper()
	cfg := emulatortest.AWSConfig(b, url)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	role, err := iam.NewFromConfig(cfg).CreateRole(ctx, &iam.CreateRoleInput{
		RoleName:                 aws.String(name + "-role"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`),
	})
	if err != nil {
		b.Skipf("cannot create a role on this endpoint: %v", err)
	}
	// The function's EC2 calls are checked against its role, as on AWS.
	_, err = iam.NewFromConfig(cfg).PutRolePolicy(ctx, &iam.PutRolePolicyInput{
		RoleName: aws.String(name + "-role"), PolicyName: aws.String("ec2"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:DescribeInstances","ec2:StartInstances","ec2:StopInstances"],"Resource":"*"}]}`),
	})
	if err != nil {
		b.Skipf("cannot give the role a policy on this endpoint: %v", err)
	}
	client := lambda.NewFromConfig(cfg)
	_, err = client.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String(name),
		Runtime:      lambdatypes.RuntimeProvidedal2023,
		Handler:      aws.String("bootstrap"),
		Role:         role.Role.Arn,
		Code:         &lambdatypes.FunctionCode{ZipFile: lambdatest.BuildFunction(b, pkg)},
		Timeout:      aws.Int32(30),
	})
	if err != nil {
		b.Skipf("cannot create a function on this endpoint: %v", err)
	}
	err = lambda.NewFunctionActiveV2Waiter(client, func(o *lambda.FunctionActiveV2WaiterOptions) {
		o.MinDelay, o.MaxDelay = 50*time.Millisecond, time.Second
	}).Wait(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(name)}, 30*time.Second)
	if err != nil {
		b.Skipf("function never became active on this endpoint: %v", err)
	}
	// moto accepts functions but runs them in Docker images it must pull:
	// an endpoint that cannot execute this one is skipped, not failed.
	out, err := client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(name), Payload: []byte(`{}`)})
	if err != nil || out.FunctionError != nil {
		reason := fmt.Sprint(err)
		if out != nil && out.FunctionError != nil {
			reason = string(out.Payload)
		}
		b.Skipf("this endpoint cannot execute the function: %.200s", reason)
	}
	return client
}

// BenchmarkRoundTrip measures a warm HTTP request through API Gateway to the
// function, which calls EC2 DescribeInstances back and answers, on every
// endpoint (moto's cannot run it without Docker). The project's own route,
// against its floor, is BenchmarkRoute.
func BenchmarkRoundTrip(b *testing.B) {
	for _, ep := range endpoints() {
		b.Run(ep.name, func(b *testing.B) {
			url := ep.resolve(b)
			cfg := emulatortest.AWSConfig(b, url)
			fn := deployFunction(b, url, "bench-roundtrip", ec2control)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			ec2c := ec2.NewFromConfig(cfg)
			run, err := ec2c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(anyImage(ctx, ec2c)), MinCount: aws.Int32(1), MaxCount: aws.Int32(1), InstanceType: ec2types.InstanceTypeT3Micro})
			if err != nil {
				b.Fatalf("RunInstances: %v", err)
			}
			invokeURL := proxyAPI(ctx, b, url, fn) + "status?id=" + *run.Instances[0].InstanceId
			client := &http.Client{Timeout: 30 * time.Second}
			call := func() {
				resp, err := client.Get(invokeURL)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("GET %s: HTTP %d", invokeURL, resp.StatusCode)
				}
			}
			call() // warm: the first call starts the function's process
			lat := make([]time.Duration, 0, 1024)
			b.ResetTimer()
			for b.Loop() {
				t0 := time.Now()
				call()
				lat = append(lat, time.Since(t0))
			}
			reportPercentiles(b, lat)
		})
	}
}

// BenchmarkColdStart measures an invocation that needs a fresh process: each
// iteration changes the function's configuration (so warm processes are
// retired, as on AWS) and then times one Invoke. Target (embedded): ≤ 50 ms.
func BenchmarkColdStart(b *testing.B) {
	for _, ep := range endpoints() {
		b.Run(ep.name, func(b *testing.B) {
			url := ep.resolve(b)
			client := deployFunction(b, url, "bench-cold", lambdatest.Probe)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			updated := lambda.NewFunctionUpdatedV2Waiter(client, func(o *lambda.FunctionUpdatedV2WaiterOptions) {
				o.MinDelay, o.MaxDelay = 10*time.Millisecond, 500*time.Millisecond
			})
			i := 0
			for b.Loop() {
				b.StopTimer()
				i++
				if _, err := client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{
					FunctionName: aws.String("bench-cold"),
					Environment:  &lambdatypes.Environment{Variables: map[string]string{"GENERATION": strconv.Itoa(i)}},
				}); err != nil {
					b.Fatalf("UpdateFunctionConfiguration: %v", err)
				}
				if err := updated.Wait(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("bench-cold")}, time.Minute); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				out, err := client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("bench-cold"), Payload: []byte(`{}`)})
				if err != nil {
					b.Fatalf("Invoke: %v", err)
				}
				if out.FunctionError != nil {
					b.Fatalf("Invoke: function error %s", out.Payload)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/cold-invoke")
		})
	}
}

// BenchmarkParallel10x200ms fires 10 parallel invocations of a function that
// sleeps 200 ms; the emulator scales out to 10 processes instead of queueing
// them. Target (embedded): the batch done in ≤ 0.3 s.
func BenchmarkParallel10x200ms(b *testing.B) {
	for _, ep := range endpoints() {
		b.Run(ep.name, func(b *testing.B) {
			url := ep.resolve(b)
			client := deployFunction(b, url, "bench-sleep", lambdatest.Probe)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			batch := func() {
				var wg sync.WaitGroup
				errs := make(chan error, 10)
				for range 10 {
					wg.Go(func() {
						out, err := client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("bench-sleep"), Payload: []byte(`{"sleepMs":200}`)})
						if err == nil && out.FunctionError != nil {
							err = fmt.Errorf("function error: %s", out.Payload)
						}
						errs <- err
					})
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ResetTimer()
			for b.Loop() {
				batch()
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/batch")
		})
	}
}

// proxyAPI deploys a REST API whose {proxy+} route invokes fn and returns
// the stage's base URL (ending in "/").
func proxyAPI(ctx context.Context, b *testing.B, url string, fn *lambda.Client) string {
	b.Helper()
	cfg := emulatortest.AWSConfig(b, url)
	apigw := apigateway.NewFromConfig(cfg)
	conf, err := fn.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("bench-roundtrip")})
	if err != nil {
		b.Fatal(err)
	}
	api, err := apigw.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("bench-api")})
	if err != nil {
		b.Fatal(err)
	}
	res, err := apigw.GetResources(ctx, &apigateway.GetResourcesInput{RestApiId: api.Id})
	if err != nil {
		b.Fatal(err)
	}
	proxy, err := apigw.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: api.Id, ParentId: res.Items[0].Id, PathPart: aws.String("{proxy+}")})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := apigw.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: proxy.Id, HttpMethod: aws.String("ANY"), AuthorizationType: aws.String("NONE")}); err != nil {
		b.Fatal(err)
	}
	uri := fmt.Sprintf("arn:aws:apigateway:%s:lambda:path/2015-03-31/functions/%s/invocations", emulatortest.Region, *conf.Configuration.FunctionArn)
	if _, err := apigw.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: api.Id, ResourceId: proxy.Id, HttpMethod: aws.String("ANY"), Type: "AWS_PROXY", IntegrationHttpMethod: aws.String("POST"), Uri: aws.String(uri)}); err != nil {
		b.Fatal(err)
	}
	// As the project's deploy does: API Gateway may invoke the function
	// only when its resource policy allows this API.
	if _, err := fn.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("bench-roundtrip"), StatementId: aws.String("bench-apigateway"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("apigateway.amazonaws.com"),
		SourceArn: aws.String(fmt.Sprintf("arn:aws:execute-api:%s:000000000000:%s/*/*/*", emulatortest.Region, *api.Id))}); err != nil {
		b.Fatal(err)
	}
	if _, err := apigw.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: api.Id, StageName: aws.String("bench")}); err != nil {
		b.Fatal(err)
	}
	return url + "/_aws/execute-api/" + *api.Id + "/bench/"
}

func anyImage(ctx context.Context, c *ec2.Client) string {
	images, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"}})
	if err == nil && len(images.Images) > 0 {
		return *images.Images[0].ImageId
	}
	return "ami-12c6146b"
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 {
		return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
