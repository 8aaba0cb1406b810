package emulator_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/apidriven/api-driven/emulator/emulatortest"
	"github.com/apidriven/api-driven/emulator/lambda/lambdatest"
)

// inRegion is the test configuration signed for another region.
func inRegion(t *testing.T, url, region string) aws.Config {
	cfg := emulatortest.AWSConfig(t, url)
	cfg.Region = region
	return cfg
}

// apiError unwraps the code and HTTP status of an SDK error.
func apiError(t *testing.T, err error) (code string, status int) {
	t.Helper()
	var ae smithy.APIError
	var re *awshttp.ResponseError
	if !errors.As(err, &ae) || !errors.As(err, &re) {
		t.Fatalf("error %v is not an API error with an HTTP response", err)
	}
	return ae.ErrorCode(), re.HTTPStatusCode()
}

// A region that does not exist is refused by every service, in its own
// error shape, with the closest real region suggested; nothing is created.
func TestRegionTypoRefused(t *testing.T) {
	srv := emulatortest.Start(t)
	cfg := inRegion(t, srv.URL(), "us-east1")
	ctx := emulatortest.Context(t)
	tests := []struct {
		service string
		call    func(context.Context) error
		code    string
		status  int
	}{
		{"ec2", func(ctx context.Context) error {
			_, err := ec2.NewFromConfig(cfg).DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
			return err
		}, "AuthFailure", 401},
		{"iam", func(ctx context.Context) error {
			_, err := iam.NewFromConfig(cfg).ListRoles(ctx, &iam.ListRolesInput{})
			return err
		}, "SignatureDoesNotMatch", 403},
		{"sts", func(ctx context.Context) error {
			_, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			return err
		}, "SignatureDoesNotMatch", 403},
		{"lambda", func(ctx context.Context) error {
			_, err := lambda.NewFromConfig(cfg).ListFunctions(ctx, &lambda.ListFunctionsInput{})
			return err
		}, "InvalidSignatureException", 403},
		{"apigateway", func(ctx context.Context) error {
			_, err := apigateway.NewFromConfig(cfg).CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("typo")})
			return err
		}, "InvalidSignatureException", 403},
	}
	for _, tt := range tests {
		t.Run(tt.service, func(t *testing.T) {
			err := tt.call(ctx)
			if err == nil {
				t.Fatal("a call signed for us-east1 succeeded")
			}
			code, status := apiError(t, err)
			if code != tt.code || status != tt.status || !strings.Contains(err.Error(), "Did you mean us-east-1?") {
				t.Fatalf("got %d %s (%v), want %d %s suggesting us-east-1", status, code, err, tt.status, tt.code)
			}
		})
	}
	apis, err := apigateway.NewFromConfig(emulatortest.AWSConfig(t, srv.URL())).GetRestApis(ctx, &apigateway.GetRestApisInput{})
	if err != nil || len(apis.Items) != 0 {
		t.Fatalf("GetRestApis after the refused create = %+v, %v; want none", apis, err)
	}
}

// Regional resources answer only in their region.
func TestResourcesStayInTheirRegion(t *testing.T) {
	srv := emulatortest.Start(t)
	eu, us := inRegion(t, srv.URL(), "eu-west-1"), emulatortest.AWSConfig(t, srv.URL())
	ctx := emulatortest.Context(t)

	api, err := apigateway.NewFromConfig(eu).CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("eu-api")})
	if err != nil {
		t.Fatalf("CreateRestApi in eu-west-1: %v", err)
	}
	if _, err := apigateway.NewFromConfig(eu).GetRestApi(ctx, &apigateway.GetRestApiInput{RestApiId: api.Id}); err != nil {
		t.Fatalf("GetRestApi in eu-west-1: %v", err)
	}
	_, err = apigateway.NewFromConfig(us).GetRestApi(ctx, &apigateway.GetRestApiInput{RestApiId: api.Id})
	if code, status := apiError(t, err); code != "NotFoundException" || status != 404 {
		t.Fatalf("GetRestApi of an eu-west-1 API in us-east-1 = %d %s, want 404 NotFoundException", status, code)
	}
	if list, err := apigateway.NewFromConfig(us).GetRestApis(ctx, &apigateway.GetRestApisInput{}); err != nil || len(list.Items) != 0 {
		t.Fatalf("GetRestApis in us-east-1 = %+v, %v; want none", list, err)
	}

	zip, err := lambdatest.Zip(map[string][]byte{"bootstrap": []byte("#!/bin/sh\n")})
	if err != nil {
		t.Fatal(err)
	}
	role := "arn:aws:iam::000000000000:role/regional"
	if _, err := iam.NewFromConfig(us).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("regional"), AssumeRolePolicyDocument: aws.String(trustPolicy)}); err != nil {
		t.Fatalf("CreateRole: %v", err)
	}
	if _, err := lambda.NewFromConfig(eu).CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("eu-fn"), Role: aws.String(role),
		Runtime: lambdatypes.RuntimeProvidedal2023, Handler: aws.String("bootstrap"), Code: &lambdatypes.FunctionCode{ZipFile: zip}}); err != nil {
		t.Fatalf("CreateFunction in eu-west-1: %v", err)
	}
	_, err = lambda.NewFromConfig(us).GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("eu-fn")})
	if code, status := apiError(t, err); code != "ResourceNotFoundException" || status != 404 {
		t.Fatalf("GetFunction of an eu-west-1 function in us-east-1 = %d %s, want 404 ResourceNotFoundException", status, code)
	}
}
