package handler

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// Environment variables the function reads.
const (
	EnvInstanceID = "INSTANCE_ID"
	EnvTagKey     = "TAG_KEY"
	EnvTagValue   = "TAG_VALUE"
	EnvTarget     = "TARGET" // "ec2" (default)
)

// FromEnv builds the handler the function runs. Problems are not fatal:
// the handler then answers 500 naming them, which is easier to diagnose
// through a URL than a function that fails to initialise.
func FromEnv(ctx context.Context, getenv func(string) string) *Handler {
	cfg := Config{
		InstanceID: getenv(EnvInstanceID),
		TagKey:     getenv(EnvTagKey),
		TagValue:   getenv(EnvTagValue),
	}
	switch target := getenv(EnvTarget); target {
	case "", "ec2":
		// LoadDefaultConfig honours AWS_ENDPOINT_URL, which LocalStack and
		// our emulator inject into the function's environment.
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		awsCfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			cfg.Err = fmt.Errorf("failed to load the AWS configuration: %w", err)
			break
		}
		cfg.Target = NewEC2Target(ec2.NewFromConfig(awsCfg))
	default:
		cfg.Err = fmt.Errorf("%s=%q is not supported; set it to ec2", EnvTarget, target)
	}
	return New(cfg)
}
