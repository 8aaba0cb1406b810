package workflow

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/apidriven/api-driven/backend"
	"github.com/apidriven/api-driven/dockertarget"
	"github.com/apidriven/api-driven/emulator/ec2/containers"
	"github.com/apidriven/api-driven/internal/status"
	"github.com/apidriven/api-driven/provision"
)

// EC2 backed by containers (APIDRIVEN_EC2_CONTAINERS=1, embedded backend):
// the emulator runs instances of container-image AMIs as real containers,
// so deploy launches the project's instance from the apidriven-web image.

// useEC2Containers reports whether this deploy launches a container-backed
// instance.
func useEC2Containers(b backend.Provider, s backend.Settings) bool {
	return s.Target != provision.TargetDocker && backend.Kind(b) == provision.BackendEmbedded && s.EC2Containers
}

// prepareEC2Containers makes sure the image exists and points the instance
// at its AMI; an emulator that was started without the mode does not know
// that AMI, and the fix says how to restart it.
func (p *Project) prepareEC2Containers(ctx context.Context, c provision.Clients, cfg *provision.Config) error {
	o, err := p.dockerOptions()
	if err != nil {
		return err
	}
	cli, err := p.dockerEngine(ctx)
	if err != nil {
		return err
	}
	defer cli.Close()
	img, err := dockertarget.EnsureImage(ctx, cli, o)
	if err != nil {
		return err
	}
	step := p.Status.Start("ec2 container image " + o.Image)
	ami := containers.AMIID(img.ID)
	callCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	found, err := c.EC2.DescribeImages(callCtx, &ec2.DescribeImagesInput{Owners: []string{"self"}})
	if err != nil {
		return step.Fail(fmt.Errorf("failed to list the emulator's container AMIs: %w", err))
	}
	known := false
	for _, im := range found.Images {
		known = known || (im.ImageId != nil && *im.ImageId == ami)
	}
	if !known {
		return step.Fail(status.WithFix(fmt.Errorf("the running emulator does not offer %s as AMI %s: it was started without APIDRIVEN_EC2_CONTAINERS=1", o.Image, ami),
			"restart it in that mode: go tool mage down, then APIDRIVEN_EC2_CONTAINERS=1 go tool mage all"))
	}
	cfg.ImageID = ami
	if runtime.GOARCH == "arm64" { // the image is built for the engine, here the host
		cfg.InstanceType = "t4g.micro"
	}
	step.Done("is AMI " + ami + ": the instance runs as a container")
	return nil
}
