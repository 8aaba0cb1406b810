package handler

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/moby/moby/client"

	"github.com/apidriven/api-driven/internal/sdkhttp"
)

// Environment variables the function reads.
const (
	EnvInstanceID = "INSTANCE_ID"
	EnvTagKey     = "TAG_KEY"
	EnvTagValue   = "TAG_VALUE"
	EnvTarget     = "TARGET" // "ec2" (default) or "docker"

	// The docker target's: the container it controls, the label that
	// marks it as the project's (default DefaultContainerLabel) and the
	// engine's address (default: the local socket).
	EnvContainerName  = "CONTAINER_NAME"
	EnvContainerLabel = "CONTAINER_LABEL"
	EnvDockerHost     = "DOCKER_HOST"
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
		sdkhttp.Install(&awsCfg)
		cfg.Target = NewEC2Target(ec2.NewFromConfig(awsCfg))
	case "docker":
		cfg = dockerConfig(getenv)
	default:
		cfg.Err = fmt.Errorf("%s=%q is not supported; set it to ec2 or docker", EnvTarget, target)
	}
	return New(cfg)
}

// dockerConfig drives the container CONTAINER_NAME through the engine at
// DOCKER_HOST (or the default socket). The container name plays the
// instance id; ?instanceId= naming anything else is refused by the target.
func dockerConfig(getenv func(string) string) Config {
	name := getenv(EnvContainerName)
	cfg := Config{InstanceID: name, IDPattern: ContainerName}
	if name == "" {
		cfg.Err = fmt.Errorf("%s is not set: set the function's %s environment variable to the container's name (`go tool mage deploy` does this)", EnvContainerName, EnvContainerName)
		return cfg
	}
	opts := []client.Opt{}
	if host := getenv(EnvDockerHost); host != "" {
		opts = append(opts, client.WithHost(host))
	}
	cli, err := client.New(opts...)
	if err != nil {
		cfg.Err = fmt.Errorf("failed to configure the Docker client (DOCKER_HOST=%q): %w", getenv(EnvDockerHost), err)
		return cfg
	}
	t, err := NewDockerTarget(cli, name, getenv(EnvContainerLabel))
	if err != nil {
		cfg.Err = err
		return cfg
	}
	cfg.Target, cfg.TagKey, cfg.TagValue = t, t.labelKey, t.labelValue
	return cfg
}
