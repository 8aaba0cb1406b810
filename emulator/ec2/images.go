package ec2

import (
	"context"
	"slices"
	"strconv"

	"github.com/apidriven/api-driven/emulator/ec2/wire"
	"github.com/apidriven/api-driven/emulator/protocol"
)

// Built-in public AMIs, the same ids in every region (real AMI ids differ
// per region; the emulator keeps them fixed so scripts can hard-code them).
const (
	// DefaultImageID is Amazon Linux 2023 for x86_64, the image to launch
	// when nothing else is asked for.
	DefaultImageID = "ami-0a3c3a20c09d6f377"
	// DefaultArm64ImageID is Amazon Linux 2023 for arm64.
	DefaultArm64ImageID = "ami-0c5d8d4e0a4f2b1e6"
	// UbuntuImageID is Ubuntu 24.04 LTS for x86_64.
	UbuntuImageID = "ami-04b70fa74e45c3917"
	// UbuntuArm64ImageID is Ubuntu 24.04 LTS for arm64.
	UbuntuArm64ImageID = "ami-0eac975a54dfee8cb"
)

const (
	amazonOwner    = "137112412989"
	canonicalOwner = "099720109477"
)

// Image describes an AMI: a built-in one, or one of an ImageCatalog.
type Image struct {
	ID           string
	Name         string
	Description  string
	Architecture string // x86_64 or arm64
	OwnerID      string
	OwnerAlias   string // "amazon" for Amazon's images
	CreationDate string
	SnapshotID   string
	RootDevice   string
	// Backed marks a driver's AMI: owned by this account, private, and
	// launched as backed instances.
	Backed bool
}

var images = []Image{
	{
		ID: DefaultImageID, Name: "al2023-ami-2023.6.20241212.0-kernel-6.1-x86_64",
		Description: "Amazon Linux 2023 AMI 2023.6.20241212.0 x86_64 HVM kernel-6.1", Architecture: "x86_64",
		OwnerID: amazonOwner, OwnerAlias: "amazon", CreationDate: "2024-12-13T19:54:41.000Z", SnapshotID: "snap-0f2a5b3c8d9e1a2b3", RootDevice: "/dev/xvda",
	},
	{
		ID: DefaultArm64ImageID, Name: "al2023-ami-2023.6.20241212.0-kernel-6.1-arm64",
		Description: "Amazon Linux 2023 AMI 2023.6.20241212.0 arm64 HVM kernel-6.1", Architecture: "arm64",
		OwnerID: amazonOwner, OwnerAlias: "amazon", CreationDate: "2024-12-13T19:54:44.000Z", SnapshotID: "snap-03c4d5e6f7a8b9c0d", RootDevice: "/dev/xvda",
	},
	{
		ID: UbuntuImageID, Name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20241206",
		Description: "Canonical, Ubuntu, 24.04, amd64 noble image", Architecture: "x86_64",
		OwnerID: canonicalOwner, CreationDate: "2024-12-06T08:21:17.000Z", SnapshotID: "snap-0b1c2d3e4f5a6b7c8", RootDevice: "/dev/sda1",
	},
	{
		ID: UbuntuArm64ImageID, Name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20241206",
		Description: "Canonical, Ubuntu, 24.04, arm64 noble image", Architecture: "arm64",
		OwnerID: canonicalOwner, CreationDate: "2024-12-06T08:23:02.000Z", SnapshotID: "snap-0d9e8f7a6b5c4d3e2", RootDevice: "/dev/sda1",
	},
}

// Images lists the built-in AMIs, Amazon Linux x86_64 first.
func Images() []Image { return append([]Image(nil), images...) }

func findImage(id string) (*Image, bool) {
	for i := range images {
		if images[i].ID == id {
			return &images[i], true
		}
	}
	return nil, false
}

// lookupImage applies AWS's AMI id rules: syntax first, then existence
// among the built-in AMIs and the driver's.
func (s *Service) lookupImage(ctx context.Context, id string) (*Image, error) {
	if !wire.IsHexID(id, "ami-") {
		return nil, malformedAMI(id)
	}
	if img, ok := findImage(id); ok {
		return img, nil
	}
	extra, err := s.driverImages(ctx)
	if err != nil {
		return nil, err
	}
	for i := range extra {
		if extra[i].ID == id {
			return &extra[i], nil
		}
	}
	return nil, amiNotFound(id)
}

func malformedAMI(id string) *protocol.Error {
	return protocol.BadRequest("InvalidAMIID.Malformed", "Invalid id: \"%s\" (expecting \"ami-...\")", id)
}

func amiNotFound(id string) *protocol.Error {
	return protocol.BadRequest("InvalidAMIID.NotFound", "The image id '[%s]' does not exist", id)
}

// driverImages lists the driver's AMIs, marked Backed.
func (s *Service) driverImages(ctx context.Context) ([]Image, error) {
	cat, ok := s.driver.(ImageCatalog)
	if !ok {
		return nil, nil
	}
	imgs, err := cat.Images(ctx)
	if err != nil {
		return nil, protocol.Errorf(503, "Unavailable", "the driver's AMIs are unknown: %v", err)
	}
	for i := range imgs {
		imgs[i].Backed = true
	}
	return imgs, nil
}

var imageFilters = wire.Filters[Image]{Fields: map[string]func(*Image) string{
	"name":                func(i *Image) string { return i.Name },
	"architecture":        func(i *Image) string { return i.Architecture },
	"image-id":            func(i *Image) string { return i.ID },
	"owner-id":            func(i *Image) string { return i.OwnerID },
	"owner-alias":         func(i *Image) string { return i.OwnerAlias },
	"description":         func(i *Image) string { return i.Description },
	"state":               func(*Image) string { return "available" },
	"is-public":           func(i *Image) string { return strconv.FormatBool(!i.Backed) },
	"image-type":          func(*Image) string { return "machine" },
	"root-device-type":    func(*Image) string { return "ebs" },
	"root-device-name":    func(i *Image) string { return i.RootDevice },
	"virtualization-type": func(*Image) string { return "hvm" },
	"hypervisor":          func(*Image) string { return "xen" },
	"platform-details":    func(*Image) string { return "Linux/UNIX" },
	"ena-support":         func(*Image) string { return "true" },
}}

// ownerMatches applies Owner.N: an account id, or the aliases amazon, self
// and aws-marketplace.
func ownerMatches(img *Image, owners []string) bool {
	if len(owners) == 0 {
		return true
	}
	for _, o := range owners {
		if o == "self" && img.OwnerID == protocol.AccountID {
			return true
		}
		switch o {
		case img.OwnerID, img.OwnerAlias:
			if o != "" {
				return true
			}
		}
	}
	return false
}

func (s *Service) describeImages(ctx context.Context, req *protocol.QueryRequest) (any, error) {
	ids := protocol.Indexed(req.Params, "ImageId")
	for _, id := range ids {
		if !wire.IsHexID(id, "ami-") {
			return nil, malformedAMI(id)
		}
	}
	extra, err := s.driverImages(ctx)
	if err != nil {
		return nil, err
	}
	all := images
	if len(extra) > 0 {
		all = append(Images(), extra...)
	}
	for _, id := range ids {
		if !slices.ContainsFunc(all, func(img Image) bool { return img.ID == id }) {
			return nil, amiNotFound(id)
		}
	}
	m, err := imageFilters.Compile(protocol.Filters(req.Params))
	if err != nil {
		return nil, err
	}
	owners := protocol.Indexed(req.Params, "Owner")
	out := describeImagesResponse{RequestID: req.RequestID, Images: wire.Set[xmlImage]{Items: []xmlImage{}}}
	for i := range all {
		img := &all[i]
		if len(ids) > 0 && !contains(ids, img.ID) {
			continue
		}
		if ownerMatches(img, owners) && m.Match(img) {
			out.Images.Items = append(out.Images.Items, img.xml())
		}
	}
	return out, nil
}

func (img *Image) xml() xmlImage {
	alias := img.OwnerAlias
	location := img.OwnerID + "/" + img.Name
	if alias != "" {
		location = alias + "/" + img.Name
	}
	deprecation := "2026-12-13T19:54:00.000Z"
	if img.Backed {
		deprecation = ""
	}
	return xmlImage{
		ImageID: img.ID, ImageLocation: location, State: "available", OwnerID: img.OwnerID,
		CreationDate: img.CreationDate, Public: !img.Backed, Architecture: img.Architecture, ImageType: "machine",
		Name: img.Name, Description: img.Description, OwnerAlias: alias,
		RootDeviceType: "ebs", RootDeviceName: img.RootDevice,
		BlockDevices: []xmlImageDevice{{DeviceName: img.RootDevice, Ebs: xmlImageEbs{
			DeleteOnTermination: true, SnapshotID: img.SnapshotID, VolumeSize: 8, VolumeType: "gp3",
		}}},
		VirtualizationType: "hvm", Hypervisor: "xen", EnaSupport: true, SriovNetSupport: "simple",
		PlatformDetails: "Linux/UNIX", UsageOperation: "RunInstances", BootMode: "uefi-preferred",
		ImdsSupport: "v2.0", DeprecationTime: deprecation,
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
