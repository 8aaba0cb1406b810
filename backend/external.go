package backend

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/apidriven/api-driven/backend/localstack"
	"github.com/apidriven/api-driven/backend/probe"
	"github.com/apidriven/api-driven/build"
	"github.com/apidriven/api-driven/internal/status"
)

// External is an AWS-compatible endpoint this project did not start
// (LocalStack, moto, another awsemu): used as it is, never stopped.
type External struct {
	s     Settings
	kind  string // "embedded" (another awsemu), "localstack" or "other"
	label string
}

func newExternal(s Settings, f probe.Found) *External {
	e := &External{s: s, kind: "other", label: "an AWS-compatible endpoint"}
	switch {
	case f.Info.Ours:
		e.kind, e.label = "embedded", "an api-driven emulator"
	case f.Info.Served:
		e.kind, e.label = "localstack", "LocalStack "+f.Info.Version
	}
	return e
}

func (e *External) Name() string     { return "external" }
func (e *External) Endpoint() string { return e.s.Endpoint }
func (e *External) Started() bool    { return false }

// Describe says what answers, for progress lines.
func (e *External) Describe() string { return e.label }

// BuildPlatform is the host for another awsemu (local processes), Linux
// for LocalStack and others (Lambda containers).
func (e *External) BuildPlatform() build.Platform {
	if e.kind == "embedded" {
		return build.Host()
	}
	pl, err := build.Linux(e.s.LambdaArch)
	if err != nil {
		pl, _ = build.Linux(build.HostLambdaArch())
	}
	return pl
}

// Up checks that it still answers.
func (e *External) Up(ctx context.Context) error {
	step := e.s.Status.Start("endpoint " + e.s.Endpoint)
	cfg, err := probe.AWSConfig(ctx, e.s.Endpoint, e.s.Region)
	if err != nil {
		return step.Fail(err)
	}
	timeout := e.s.ReadyTimeout
	if timeout == 0 {
		timeout = time.Minute
	}
	err = probe.Wait(ctx, e.s.Status, e.label+" at "+e.s.Endpoint, timeout, func(ctx context.Context) error {
		_, err := probe.CallerIdentity(ctx, cfg)
		return err
	})
	if err != nil {
		return step.Fail(err)
	}
	if err := e.checkEC2Containers(ctx); err != nil {
		return step.Fail(err)
	}
	if err := e.checkIAMMode(ctx); err != nil {
		return step.Fail(err)
	}
	if e.kind == "localstack" {
		if err := localstack.CheckForeign(ctx, e.s.Endpoint, localStackEnv(e.s)); err != nil {
			return step.Fail(err)
		}
	}
	step.Done(fmt.Sprintf("%s already answers here; using it as it is (not started by this project, never stopped by it)", e.label))
	return nil
}

// checkEC2Containers refuses an endpoint that cannot back the instance
// with a container when APIDRIVEN_EC2_CONTAINERS=1 asks for it: it is not
// ours to restart, so the fix names the commands.
func (e *External) checkEC2Containers(ctx context.Context) error {
	if !e.s.EC2Containers || e.s.Target == "docker" {
		return nil
	}
	why := fmt.Sprintf("APIDRIVEN_EC2_CONTAINERS=1%s needs an emulator running with -ec2-containers", e.s.Source("APIDRIVEN_EC2_CONTAINERS"))
	if e.kind != "embedded" {
		return status.WithFix(fmt.Errorf("%s, but %s answers at %s (not started by this project)", why, e.label, e.s.Endpoint),
			"stop it and run `APIDRIVEN_EC2_CONTAINERS=1 go tool mage all` to start this project's emulator there, or run `APIDRIVEN_EC2_CONTAINERS=0 go tool mage all` to use it with plain instances")
	}
	info, err := probe.Health(ctx, e.s.Endpoint)
	if err != nil || !info.EC2Containers {
		_, port, _ := probe.HostPort(e.s.Endpoint)
		return status.WithFix(fmt.Errorf("%s, but the api-driven emulator at %s was started without it, and not by this project", why, e.s.Endpoint),
			"restart it with the mode yourself (awsemu -addr 127.0.0.1:%s -ec2-containers), or stop it and run `APIDRIVEN_EC2_CONTAINERS=1 go tool mage all`, "+
				"or run `APIDRIVEN_EC2_CONTAINERS=0 go tool mage all` to use it with plain instances", port)
	}
	return nil
}

// checkIAMMode refuses an api-driven emulator this project did not start
// whose IAM mode is not the one the environment (or the record) asks for:
// it is not ours to restart, so the fix names the commands.
func (e *External) checkIAMMode(ctx context.Context) error {
	if e.kind != "embedded" || !e.s.IAMAsked {
		return nil
	}
	info, err := probe.Health(ctx, e.s.Endpoint)
	if err != nil || info.IAM == e.s.IAM {
		return nil
	}
	src := e.s.Source("ENFORCE_IAM")
	if src == "" {
		src = e.s.Source("IAM_SOFT_MODE")
	}
	_, port, _ := probe.HostPort(e.s.Endpoint)
	return status.WithFix(fmt.Errorf("%s%s asks for IAM mode %s, but the api-driven emulator at %s runs in IAM mode %s, and was not started by this project",
		e.s.IAM.Env(), src, e.s.IAM, e.s.Endpoint, info.IAM),
		"restart it in that mode yourself (awsemu -addr 127.0.0.1:%s %s), or stop it and run `%s go tool mage all`, or run `%s go tool mage all` to use it in its mode",
		port, strings.Join(e.s.IAM.Flags(), " "), e.s.IAM.Env(), info.IAM.Env())
}

// Down never stops what somebody else started.
func (e *External) Down(context.Context) error {
	e.s.Status.Infof("%s at %s was not started by this project: leaving it running", e.label, e.s.Endpoint)
	return nil
}

var _ Provider = (*External)(nil)
