package containers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"github.com/apidriven/api-driven/emulator/ec2"
	"github.com/apidriven/api-driven/emulator/protocol"
)

// AMIID is the AMI of a Docker image id ("sha256:3f1a…" → "ami-03f1a…"):
// EC2's long form, 17 hex digits starting with 0, the rest the image id's
// first 16 digits.
func AMIID(imageID string) string {
	hexID := strings.TrimPrefix(imageID, "sha256:")
	if len(hexID) < 16 {
		return ""
	}
	return "ami-0" + hexID[:16]
}

// Images lists the AMIs: tagged local images labelled LabelAMI=true or
// LabelManaged=true, sorted by name.
func (d *Driver) Images(ctx context.Context) ([]ec2.Image, error) {
	seen := map[string]bool{}
	var out []ec2.Image
	amis := map[string]string{}
	for _, label := range []string{LabelAMI + "=true", LabelManaged + "=true"} {
		cctx, cancel := d.call(ctx)
		res, err := d.cli.ImageList(cctx, client.ImageListOptions{Filters: make(client.Filters).Add("label", label)})
		cancel()
		if err != nil {
			return nil, d.engineErr("failed to list Docker images labelled "+label, err)
		}
		for _, sum := range res.Items {
			tags := realTags(sum.RepoTags)
			if seen[sum.ID] || len(tags) == 0 || AMIID(sum.ID) == "" {
				continue // dangling builds are not AMIs, like deregistered ones
			}
			seen[sum.ID] = true
			arch, err := d.arch(ctx, sum.ID)
			if err != nil {
				return nil, err
			}
			if arch == "" {
				continue
			}
			img := ec2.Image{
				ID: AMIID(sum.ID), Name: tags[0], Architecture: arch,
				Description:  fmt.Sprintf("Docker image %s (%s)", strings.Join(tags, ", "), shortID(sum.ID)),
				OwnerID:      protocol.AccountID,
				CreationDate: time.Unix(sum.Created, 0).UTC().Format("2006-01-02T15:04:05.000Z"),
				SnapshotID:   "snap-0" + strings.TrimPrefix(AMIID(sum.ID), "ami-0"),
				RootDevice:   "/dev/xvda",
			}
			amis[img.ID] = sum.ID
			out = append(out, img)
		}
	}
	slices.SortFunc(out, func(a, b ec2.Image) int { return strings.Compare(a.Name, b.Name) })
	d.mu.Lock()
	d.amis = amis
	d.mu.Unlock()
	return out, nil
}

// imageOf resolves an AMI id to its Docker image id, listing again when
// the AMI is newer than the last listing.
func (d *Driver) imageOf(ctx context.Context, ami string) (string, error) {
	d.mu.Lock()
	id, ok := d.amis[ami]
	d.mu.Unlock()
	if ok {
		return id, nil
	}
	if _, err := d.Images(ctx); err != nil {
		return "", err
	}
	d.mu.Lock()
	id, ok = d.amis[ami]
	d.mu.Unlock()
	if !ok {
		return "", fmt.Errorf("no Docker image for %s on the engine any more (it was removed or untagged)", ami)
	}
	return id, nil
}

// arch is the EC2 architecture of an image ("" when EC2 has none for it),
// cached: an image id names immutable content.
func (d *Driver) arch(ctx context.Context, imageID string) (string, error) {
	d.mu.Lock()
	a, ok := d.arches[imageID]
	d.mu.Unlock()
	if ok {
		return a, nil
	}
	cctx, cancel := d.call(ctx)
	defer cancel()
	res, err := d.cli.ImageInspect(cctx, imageID)
	if cerrdefs.IsNotFound(err) {
		return "", nil // removed since the listing
	}
	if err != nil {
		return "", fmt.Errorf("failed to inspect Docker image %s: %w", shortID(imageID), err)
	}
	switch res.Architecture {
	case "amd64":
		a = "x86_64"
	case "arm64":
		a = "arm64"
	default:
		d.o.Logger.Debug("image skipped: no EC2 architecture for it", "image", shortID(imageID), "arch", res.Architecture)
	}
	d.mu.Lock()
	d.arches[imageID] = a
	d.mu.Unlock()
	return a, nil
}

// exposedPorts lists the TCP/UDP ports the image exposes.
func (d *Driver) exposedPorts(ctx context.Context, imageID string) ([]string, error) {
	cctx, cancel := d.call(ctx)
	defer cancel()
	res, err := d.cli.ImageInspect(cctx, imageID)
	if err != nil {
		return nil, fmt.Errorf("failed to inspect Docker image %s: %w", shortID(imageID), err)
	}
	var ports []string
	if res.Config != nil {
		for p := range res.Config.ExposedPorts {
			ports = append(ports, p)
		}
	}
	slices.Sort(ports)
	return ports, nil
}

func realTags(tags []string) []string {
	var out []string
	for _, t := range tags {
		if t != "" && t != "<none>:<none>" {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}

func shortID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	return id[:min(12, len(id))]
}
