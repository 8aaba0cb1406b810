package sts_test

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/apidriven/api-driven/emulator/emulatortest"
)

func newClient(t *testing.T) (*sts.Client, aws.Config, string) {
	t.Helper()
	srv := emulatortest.Start(t)
	cfg := emulatortest.AWSConfig(t, srv.URL())
	return sts.NewFromConfig(cfg), cfg, srv.URL()
}

func TestGetCallerIdentity(t *testing.T) {
	c, _, _ := newClient(t)
	out, err := c.GetCallerIdentity(emulatortest.Context(t), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	if aws.ToString(out.Account) != "000000000000" || aws.ToString(out.Arn) != "arn:aws:iam::000000000000:root" || aws.ToString(out.UserId) == "" {
		t.Errorf("GetCallerIdentity = account %s arn %s user %s", aws.ToString(out.Account), aws.ToString(out.Arn), aws.ToString(out.UserId))
	}
}

func TestAssumeRole(t *testing.T) {
	c, cfg, _ := newClient(t)
	ctx := emulatortest.Context(t)
	_, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/service/lambda-exec"), RoleSessionName: aws.String("deploy")})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "AccessDenied" {
		t.Fatalf("AssumeRole of a role that does not exist = %v, want AccessDenied", err)
	}
	if _, err := iam.NewFromConfig(cfg).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("lambda-exec"), Path: aws.String("/service/"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	out, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn:         aws.String("arn:aws:iam::000000000000:role/service/lambda-exec"),
		RoleSessionName: aws.String("deploy"),
		DurationSeconds: aws.Int32(900),
	})
	if err != nil {
		t.Fatalf("AssumeRole: %v", err)
	}
	if got, want := aws.ToString(out.AssumedRoleUser.Arn), "arn:aws:sts::000000000000:assumed-role/lambda-exec/deploy"; got != want {
		t.Errorf("AssumedRoleUser.Arn = %s, want %s", got, want)
	}
	if !regexp.MustCompile(`^AROA[A-Z0-9]{17}:deploy$`).MatchString(aws.ToString(out.AssumedRoleUser.AssumedRoleId)) {
		t.Errorf("AssumedRoleId = %s", aws.ToString(out.AssumedRoleUser.AssumedRoleId))
	}
	cr := out.Credentials
	if !strings.HasPrefix(aws.ToString(cr.AccessKeyId), "ASIA") || len(aws.ToString(cr.SecretAccessKey)) != 40 || aws.ToString(cr.SessionToken) == "" {
		t.Errorf("credentials = %+v, want an ASIA key, 40-char secret and a token", cr)
	}
	if exp := aws.ToTime(cr.Expiration); exp.Before(time.Now().Add(10*time.Minute)) || exp.After(time.Now().Add(20*time.Minute)) {
		t.Errorf("Expiration = %v, want about 15 minutes from now", exp)
	}

	// The temporary credentials work against the emulator, as they would on AWS.
	cfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), aws.ToString(cr.SessionToken))
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity with assumed credentials: %v", err)
	}
	if aws.ToString(id.Arn) != "arn:aws:sts::000000000000:assumed-role/lambda-exec/deploy" || aws.ToString(id.UserId) != aws.ToString(out.AssumedRoleUser.AssumedRoleId) {
		t.Errorf("GetCallerIdentity with assumed credentials = %s %s, want the role session", aws.ToString(id.Arn), aws.ToString(id.UserId))
	}
}

func TestGetSessionToken(t *testing.T) {
	c, _, _ := newClient(t)
	out, err := c.GetSessionToken(emulatortest.Context(t), &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatalf("GetSessionToken: %v", err)
	}
	if exp := aws.ToTime(out.Credentials.Expiration); exp.Before(time.Now().Add(11*time.Hour)) || exp.After(time.Now().Add(13*time.Hour)) {
		t.Errorf("default Expiration = %v, want 12 hours from now", exp)
	}
}

func TestErrors(t *testing.T) {
	c, _, _ := newClient(t)
	ctx := emulatortest.Context(t)
	assume := func(arn, session string, duration int32) func() error {
		return func() error {
			in := &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String(session)}
			if duration != 0 {
				in.DurationSeconds = aws.Int32(duration)
			}
			_, err := c.AssumeRole(ctx, in)
			return err
		}
	}
	const role = "arn:aws:iam::000000000000:role/r"
	tests := []struct {
		name string
		call func() error
		code string
	}{
		{"session name too short", assume(role, "a", 0), "ValidationError"},
		{"session name with space", assume(role, "my session", 0), "ValidationError"},
		{"not a role ARN", assume("arn:aws:iam::000000000000:user/bob", "s1", 0), "ValidationError"},
		{"duration too short", assume(role, "s1", 60), "ValidationError"},
		{"duration too long", assume(role, "s1", 43201), "ValidationError"},
		{"session token duration too long", func() error {
			_, err := c.GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(200000)})
			return err
		}, "ValidationError"},
		{"inline session policy not JSON", func() error {
			_, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("s1"), Policy: aws.String("allow everything")})
			return err
		}, "MalformedPolicyDocument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) || apiErr.ErrorCode() != tt.code {
				t.Fatalf("got %v, want %s", err, tt.code)
			}
			var respErr *awshttp.ResponseError
			if !errors.As(err, &respErr) || respErr.HTTPStatusCode() != http.StatusBadRequest {
				t.Errorf("got %v, want HTTP 400", err)
			}
		})
	}
}

// TestWireShape checks the XML envelope and an unsigned call routed by its
// Action, as curl users send it.
func TestWireShape(t *testing.T) {
	_, _, endpoint := newClient(t)
	req, err := http.NewRequestWithContext(emulatortest.Context(t), http.MethodPost, endpoint,
		strings.NewReader(url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	want := `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><UserId>000000000000</UserId><Account>000000000000</Account><Arn>arn:aws:iam::000000000000:root</Arn></GetCallerIdentityResult><ResponseMetadata><RequestId>`
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
		t.Errorf("unsigned GetCallerIdentity = %d %s, want %s", resp.StatusCode, body, want)
	}
}
