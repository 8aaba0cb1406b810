// Package aws is the real-AWS backend: nothing to start or stop, the
// default credential chain, readiness = STS GetCallerIdentity.
package aws

import (
	"context"
	"fmt"
	"time"

	"github.com/apidriven/api-driven/backend/probe"
	"github.com/apidriven/api-driven/build"
	"github.com/apidriven/api-driven/internal/status"
)

// Options configure the AWS backend.
type Options struct {
	Region     string
	LambdaArch string // "x86_64" | "arm64"; default: the host's
	Status     *status.Status
}

// Provider is real AWS.
type Provider struct{ o Options }

// New returns the provider.
func New(o Options) *Provider {
	if o.LambdaArch == "" {
		o.LambdaArch = build.HostLambdaArch()
	}
	return &Provider{o: o}
}

func (p *Provider) Name() string     { return "aws" }
func (p *Provider) Endpoint() string { return "" }
func (p *Provider) Started() bool    { return false }

// BuildPlatform is Linux with the chosen Lambda architecture.
func (p *Provider) BuildPlatform() build.Platform {
	pl, err := build.Linux(p.o.LambdaArch)
	if err != nil {
		pl, _ = build.Linux(build.HostLambdaArch())
	}
	return pl
}

// Up checks that credentials work.
func (p *Provider) Up(ctx context.Context) error {
	step := p.o.Status.Start("aws credentials (" + p.o.Region + ")")
	cfg, err := probe.AWSConfig(ctx, "", p.o.Region)
	if err != nil {
		return step.Fail(status.WithFix(err, "check AWS_PROFILE and ~/.aws/config (aws configure list), or unset APIDRIVEN_BACKEND to use an emulator"))
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	arn, err := probe.CallerIdentity(ctx, cfg)
	if err != nil {
		return step.Fail(status.WithFix(fmt.Errorf("no working AWS credentials: %w", err),
			"configure credentials (aws configure, AWS_PROFILE, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), "+
				"or use an emulator: unset APIDRIVEN_BACKEND"))
	}
	step.Done("as " + arn)
	return nil
}

// Down has nothing to stop on AWS.
func (p *Provider) Down(context.Context) error {
	p.o.Status.Infof("aws backend: nothing to stop (use `go tool mage clean` to delete the resources)")
	return nil
}
