package emulator_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"

	"github.com/apidriven/api-driven/emulator/emulatortest"
)

// TestQueryParameterFlood: a Query request with thousands of parameters is
// refused before it is parsed (one such IAM request used to cost seconds of
// CPU), whether a raw client or an SDK sends it.
func TestQueryParameterFlood(t *testing.T) {
	srv := emulatortest.Start(t)
	form := url.Values{"Action": {"CreateRole"}, "Version": {"2010-05-08"}, "RoleName": {"flood"}, "AssumeRolePolicyDocument": {trustPolicy}}
	for i := 1; i <= 4995; i++ {
		form.Set(fmt.Sprintf("Tags.member.%d.Key", i), fmt.Sprintf("k%d", i))
		form.Set(fmt.Sprintf("Tags.member.%d.Value", i), "v")
	}
	req, err := http.NewRequestWithContext(emulatortest.Context(t), http.MethodPost, srv.URL()+"/", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(body), "<Code>InvalidQueryParameter</Code>") || !strings.Contains(string(body), "at most 2000") {
		t.Fatalf("IAM request with %d parameters: %d %s", len(form), resp.StatusCode, body)
	}

	ids := make([]string, 2500)
	for i := range ids {
		ids[i] = fmt.Sprintf("i-%017x", i)
	}
	_, err = ec2.NewFromConfig(emulatortest.AWSConfig(t, srv.URL())).DescribeInstances(emulatortest.Context(t), &ec2.DescribeInstancesInput{InstanceIds: ids})
	var apiErr smithy.APIError
	var respErr *awshttp.ResponseError
	if !errors.As(err, &apiErr) || !errors.As(err, &respErr) || apiErr.ErrorCode() != "InvalidQueryParameter" || respErr.HTTPStatusCode() != 400 {
		t.Fatalf("DescribeInstances of %d ids: %v; want InvalidQueryParameter (400)", len(ids), err)
	}
	if _, err := ec2.NewFromConfig(emulatortest.AWSConfig(t, srv.URL())).DescribeInstances(emulatortest.Context(t), &ec2.DescribeInstancesInput{InstanceIds: ids[:1000]}); err == nil || !strings.Contains(err.Error(), "InvalidInstanceID.NotFound") {
		t.Fatalf("DescribeInstances of 1000 unknown ids: %v; want them parsed and reported unknown", err)
	}
}
