// Package probe talks to an AWS-compatible endpoint before anything is
// deployed: SDK configuration, "who answers on this port?", and readiness
// waits with backoff and a deadline.
package probe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/apidriven/api-driven/emulator/perimeter"
	"github.com/apidriven/api-driven/internal/sdkhttp"
	"github.com/apidriven/api-driven/internal/status"
)

// DefaultEndpoint is LocalStack's edge port, which our emulator shares.
const DefaultEndpoint = "http://localhost:4566"

// AWSConfig is the SDK configuration for endpoint ("" = real AWS with the
// default credential chain). Emulators get LocalStack's conventional static
// credentials so nothing on the machine needs configuring.
func AWSConfig(ctx context.Context, endpoint, region string) (aws.Config, error) {
	opts := []func(*config.LoadOptions) error{config.WithRegion(region)}
	if endpoint != "" {
		id, secret := emulatorCredentials()
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(id, secret, "")))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("failed to load the AWS SDK configuration: %w", err)
	}
	sdkhttp.Install(&cfg)
	if endpoint != "" {
		cfg.BaseEndpoint = aws.String(endpoint)
	}
	return cfg, nil
}

// emulatorCredentials are what clients of an emulator sign with: the
// first of AWSEMU_CREDENTIALS (what an emulator open to remote callers
// checks), else LocalStack's test/test.
func emulatorCredentials() (id, secret string) {
	if creds, err := perimeter.ParseCredentials(os.Getenv(perimeter.EnvCredentials)); err == nil && len(creds) > 0 {
		return creds[0].AccessKeyID, creds[0].Secret
	}
	return "test", "test"
}

// CallerIdentity is the readiness check that works on AWS, LocalStack,
// moto and our emulator alike.
func CallerIdentity(ctx context.Context, cfg aws.Config) (string, error) {
	out, err := sts.NewFromConfig(cfg, func(o *sts.Options) { o.RetryMaxAttempts = 1 }).
		GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", fmt.Errorf("STS GetCallerIdentity failed: %w", err)
	}
	return aws.ToString(out.Arn), nil
}

// Info is what /_localstack/health and /_localstack/info tell about an
// endpoint, when it serves them.
type Info struct {
	Served        bool              // /_localstack/health answered 200 with JSON
	Ours          bool              // it is this project's emulator (awsemu)
	Version       string            // LocalStack's or awsemu's version
	Status        map[string]string // service → "available"/"running"/...
	EC2Containers bool              // our emulator runs with -ec2-containers
	IAM           IAMMode           // our emulator's IAM mode
	// FunctionUser is who our emulator runs functions as; nil when they
	// run as the emulator's own user.
	FunctionUser *FunctionUser
}

// FunctionUser is the unprivileged account of a root emulator's functions.
type FunctionUser struct {
	UID    uint32   `json:"uid"`
	GID    uint32   `json:"gid"`
	Groups []uint32 `json:"groups"`
}

// Health reads /_localstack/health (and /_localstack/info to tell our
// emulator from LocalStack). Endpoints without them (moto, AWS) give
// Served=false and no error.
func Health(ctx context.Context, endpoint string) (Info, error) {
	var h struct {
		Services map[string]string `json:"services"`
		Version  string            `json:"version"`
	}
	ok, err := getJSON(ctx, endpoint+"/_localstack/health", &h)
	if err != nil || !ok {
		return Info{}, err
	}
	info := Info{Served: true, Version: h.Version, Status: h.Services}
	var i struct {
		Version       string        `json:"version"`
		EC2Containers bool          `json:"ec2_containers"`
		FunctionUser  *FunctionUser `json:"function_user"`
		IAMMode
	}
	if ok, err := getJSON(ctx, endpoint+"/_localstack/info", &i); err == nil && ok {
		info.Ours = strings.HasPrefix(i.Version, "api-driven-emulator")
		info.EC2Containers = info.Ours && i.EC2Containers
		if info.Ours {
			info.FunctionUser, info.IAM = i.FunctionUser, i.IAMMode
		}
	}
	return info, nil
}

func getJSON(ctx context.Context, u string, v any) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return false, fmt.Errorf("failed to build request for %s: %w", u, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, fmt.Errorf("failed to GET %s: %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, nil
	}
	return json.NewDecoder(resp.Body).Decode(v) == nil, nil
}

// Kind is who answers at an endpoint.
type Kind int

const (
	Nothing Kind = iota // connection refused: the port is free
	AWS                 // an AWS-compatible API answered STS
	NonAWS              // something listens but does not speak AWS
)

// Found is the result of Classify.
type Found struct {
	Kind   Kind
	Info   Info   // for AWS: the LocalStack-style health, when served
	Caller string // for AWS: the caller ARN
	Err    error  // for NonAWS: why it is not AWS
}

// Classify finds out who answers at endpoint, quickly and without retries.
func Classify(ctx context.Context, endpoint, region string) (Found, error) {
	host, port, err := HostPort(endpoint)
	if err != nil {
		return Found{}, err
	}
	conn, err := (&net.Dialer{Timeout: 2 * time.Second}).DialContext(ctx, "tcp", net.JoinHostPort(host, port))
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) {
			return Found{Kind: Nothing}, nil
		}
		return Found{}, status.WithFix(fmt.Errorf("failed to reach %s: %w", endpoint, err),
			"check AWS_ENDPOINT_URL (now %s); unset it to use %s", endpoint, DefaultEndpoint)
	}
	conn.Close()
	cfg, err := AWSConfig(ctx, endpoint, region)
	if err != nil {
		return Found{}, err
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	caller, err := CallerIdentity(cctx, cfg)
	if err != nil {
		// An AWS endpoint that refuses the region is still an AWS endpoint.
		if refused := RegionRefused(err, endpoint, region); refused != nil {
			return Found{}, refused
		}
		var re *awshttp.ResponseError
		if errors.As(err, &re) {
			err = fmt.Errorf("it answered HTTP %d to STS GetCallerIdentity", re.HTTPStatusCode())
		}
		return Found{Kind: NonAWS, Err: err}, nil
	}
	info, _ := Health(ctx, endpoint)
	return Found{Kind: AWS, Info: info, Caller: caller}, nil
}

// RegionRefused explains an endpoint's refusal of a region that does not
// exist (a typo such as us-east1), which no retry can cure; nil for any
// other error.
func RegionRefused(err error, endpoint, region string) error {
	var ae smithy.APIError
	if !errors.As(err, &ae) || !strings.Contains(ae.ErrorMessage(), "scoped to a valid region") {
		return nil
	}
	return status.WithFix(fmt.Errorf("%s refuses region %q: %s", endpoint, region, ae.ErrorMessage()),
		"set a region that exists, e.g. export AWS_REGION=us-east-1")
}

// PortBusy explains that a non-AWS program holds the endpoint's port.
func PortBusy(endpoint string, cause error) error {
	_, port, _ := HostPort(endpoint)
	return status.WithFix(fmt.Errorf("port %s is in use by something that is not an AWS endpoint (%v)", port, cause),
		"find the process with `lsof -iTCP:%s -sTCP:LISTEN` or `ss -ltnp 'sport = :%s'` and stop it, "+
			"or use another port, e.g. AWS_ENDPOINT_URL=%s", port, port, OtherEndpoint(endpoint))
}

// OtherEndpoint is endpoint on a port that is free right now, and the port
// after it too (the embedded emulator's public port): two up when they
// are, else one the system picks; for "use another port" hints.
func OtherEndpoint(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		u = &url.URL{Scheme: "http", Host: "localhost:4566"}
	}
	host := u.Hostname()
	port, _ := strconv.Atoi(u.Port())
	if port == 0 {
		port = 4566
	}
	free := 0
	if port < 65533 && portFree(host, port+2) && portFree(host, port+3) {
		free = port + 2
	}
	for try := 0; free == 0 && try < 10; try++ {
		ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			break
		}
		picked := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if picked < 65535 && portFree(host, picked+1) {
			free = picked
		}
	}
	if free == 0 {
		return endpoint
	}
	u.Host = net.JoinHostPort(host, strconv.Itoa(free))
	return u.String()
}

func portFree(host string, port int) bool {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

// HostPort splits an endpoint URL, defaulting the port from the scheme.
func HostPort(endpoint string) (host, port string, err error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", "", status.WithFix(fmt.Errorf("invalid endpoint URL %q", endpoint),
			"set AWS_ENDPOINT_URL to a URL such as %s", DefaultEndpoint)
	}
	host, port = u.Hostname(), u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return host, port, nil
}

// IsLocal reports whether host names this machine, where we may start an
// emulator ourselves.
func IsLocal(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.IsLoopback() || ip.IsUnspecified())
}
