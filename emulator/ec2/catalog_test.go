package ec2_test

import (
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	emuec2 "github.com/apidriven/api-driven/emulator/ec2"
	"github.com/apidriven/api-driven/emulator/emulatortest"
)

func TestDescribeImages(t *testing.T) {
	c := newClient(t)
	tests := []struct {
		name string
		in   ec2.DescribeImagesInput
		want []string
		code string
	}{
		{"all", ec2.DescribeImagesInput{}, []string{emuec2.DefaultImageID, emuec2.DefaultArm64ImageID, emuec2.UbuntuImageID, emuec2.UbuntuArm64ImageID}, ""},
		{"amazon al2023", ec2.DescribeImagesInput{Owners: []string{"amazon"}, Filters: []types.Filter{filter("name", "al2023-ami-*")}}, []string{emuec2.DefaultImageID, emuec2.DefaultArm64ImageID}, ""},
		{"owner id", ec2.DescribeImagesInput{Owners: []string{"099720109477"}}, []string{emuec2.UbuntuImageID, emuec2.UbuntuArm64ImageID}, ""},
		{"self owns none", ec2.DescribeImagesInput{Owners: []string{"self"}}, nil, ""},
		{"arm64", ec2.DescribeImagesInput{Filters: []types.Filter{filter("architecture", "arm64"), filter("name", "al2023*")}}, []string{emuec2.DefaultArm64ImageID}, ""},
		{"by id", ec2.DescribeImagesInput{ImageIds: []string{emuec2.UbuntuImageID}}, []string{emuec2.UbuntuImageID}, ""},
		{"image-id filter", ec2.DescribeImagesInput{Filters: []types.Filter{filter("image-id", emuec2.DefaultImageID)}}, []string{emuec2.DefaultImageID}, ""},
		{"unknown id", ec2.DescribeImagesInput{ImageIds: []string{"ami-0123456789abcdef0"}}, nil, "InvalidAMIID.NotFound"},
		{"malformed id", ec2.DescribeImagesInput{ImageIds: []string{"ubuntu"}}, nil, "InvalidAMIID.Malformed"},
		{"unknown filter", ec2.DescribeImagesInput{Filters: []types.Filter{filter("flavour", "x")}}, nil, "InvalidParameterValue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := c.DescribeImages(emulatortest.Context(t), &tt.in)
			wantCode(t, err, tt.code)
			if err != nil {
				return
			}
			var got []string
			for _, img := range out.Images {
				got = append(got, aws.ToString(img.ImageId))
				if img.State != types.ImageStateAvailable || aws.ToString(img.Name) == "" || img.RootDeviceType != types.DeviceTypeEbs {
					t.Errorf("image %s: state %s name %q root %s", aws.ToString(img.ImageId), img.State, aws.ToString(img.Name), img.RootDeviceType)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("images = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDescribeInstanceStatus(t *testing.T) {
	c := newClient(t)
	ctx := emulatortest.Context(t)
	running := launchOne(t, c)
	stopped := launchOne(t, c)
	if _, err := stop(ctx, c, []string{stopped}); err != nil {
		t.Fatalf("stop: %v", err)
	}
	ids := func(out *ec2.DescribeInstanceStatusOutput) []string {
		var got []string
		for _, s := range out.InstanceStatuses {
			got = append(got, aws.ToString(s.InstanceId))
		}
		return got
	}
	tests := []struct {
		name string
		in   ec2.DescribeInstanceStatusInput
		want []string
		code string
	}{
		{"running only by default", ec2.DescribeInstanceStatusInput{}, []string{running}, ""},
		{"all instances", ec2.DescribeInstanceStatusInput{IncludeAllInstances: aws.Bool(true)}, []string{running, stopped}, ""},
		{"stopped id without all", ec2.DescribeInstanceStatusInput{InstanceIds: []string{stopped}}, nil, ""},
		{"stopped id with all", ec2.DescribeInstanceStatusInput{InstanceIds: []string{stopped}, IncludeAllInstances: aws.Bool(true)}, []string{stopped}, ""},
		{"state filter", ec2.DescribeInstanceStatusInput{IncludeAllInstances: aws.Bool(true), Filters: []types.Filter{filter("instance-state-name", "stopped")}}, []string{stopped}, ""},
		{"unknown id", ec2.DescribeInstanceStatusInput{InstanceIds: []string{"i-0123456789abcdef0"}}, nil, "InvalidInstanceID.NotFound"},
		{"malformed id", ec2.DescribeInstanceStatusInput{InstanceIds: []string{"i-0"}}, nil, "InvalidInstanceID.Malformed"},
		{"max with ids", ec2.DescribeInstanceStatusInput{InstanceIds: []string{running}, MaxResults: aws.Int32(5)}, nil, "InvalidParameterCombination"},
		{"unknown filter", ec2.DescribeInstanceStatusInput{Filters: []types.Filter{filter("mood", "ok")}}, nil, "InvalidParameterValue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := c.DescribeInstanceStatus(emulatortest.Context(t), &tt.in)
			wantCode(t, err, tt.code)
			if err != nil {
				return
			}
			if got := ids(out); !slices.Equal(got, tt.want) {
				t.Errorf("statuses = %v, want %v", got, tt.want)
			}
			for _, s := range out.InstanceStatuses {
				wantStatus := types.SummaryStatusNotApplicable
				if s.InstanceState.Name == types.InstanceStateNameRunning {
					wantStatus = types.SummaryStatusOk
				}
				if s.InstanceStatus.Status != wantStatus || s.SystemStatus.Status != wantStatus || aws.ToString(s.AvailabilityZone) != "us-east-1a" {
					t.Errorf("%s (%s): instance %s system %s zone %s", aws.ToString(s.InstanceId), s.InstanceState.Name, s.InstanceStatus.Status, s.SystemStatus.Status, aws.ToString(s.AvailabilityZone))
				}
			}
		})
	}
}

func TestInstanceStatusOkWaiter(t *testing.T) {
	c := newClient(t, emulatortest.WithTransitionDelay(200*time.Millisecond))
	id := launchOne(t, c)
	w := ec2.NewInstanceStatusOkWaiter(c, func(o *ec2.InstanceStatusOkWaiterOptions) {
		o.MinDelay, o.MaxDelay = 50*time.Millisecond, 200*time.Millisecond
	})
	if err := w.Wait(emulatortest.Context(t), &ec2.DescribeInstanceStatusInput{InstanceIds: []string{id}}, 20*time.Second); err != nil {
		t.Fatalf("instance status ok waiter: %v", err)
	}
}

func TestRegionsAndZones(t *testing.T) {
	c := newClient(t)
	ctx := emulatortest.Context(t)
	regions, err := c.DescribeRegions(ctx, &ec2.DescribeRegionsInput{})
	if err != nil {
		t.Fatalf("DescribeRegions: %v", err)
	}
	var names []string
	for _, r := range regions.Regions {
		names = append(names, aws.ToString(r.RegionName))
	}
	if !slices.Contains(names, "us-east-1") || !slices.Contains(names, "eu-west-1") || aws.ToString(regions.Regions[0].Endpoint) == "" {
		t.Errorf("regions = %v", names)
	}
	one, err := c.DescribeRegions(ctx, &ec2.DescribeRegionsInput{RegionNames: []string{"eu-west-1"}})
	if err != nil || len(one.Regions) != 1 || aws.ToString(one.Regions[0].Endpoint) != "ec2.eu-west-1.amazonaws.com" {
		t.Errorf("DescribeRegions(eu-west-1) = %+v, %v", one, err)
	}
	_, err = c.DescribeRegions(ctx, &ec2.DescribeRegionsInput{RegionNames: []string{"mars-north-1"}})
	wantCode(t, err, "InvalidParameterValue")

	zones, err := c.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{})
	if err != nil {
		t.Fatalf("DescribeAvailabilityZones: %v", err)
	}
	if len(zones.AvailabilityZones) != 6 || aws.ToString(zones.AvailabilityZones[0].ZoneName) != "us-east-1a" ||
		aws.ToString(zones.AvailabilityZones[0].ZoneId) != "use1-az1" || zones.AvailabilityZones[0].State != types.AvailabilityZoneStateAvailable {
		t.Errorf("zones = %+v", zones.AvailabilityZones)
	}
	b, err := c.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{ZoneNames: []string{"us-east-1b"}})
	if err != nil || len(b.AvailabilityZones) != 1 || aws.ToString(b.AvailabilityZones[0].ZoneId) != "use1-az2" {
		t.Errorf("DescribeAvailabilityZones(us-east-1b) = %+v, %v", b, err)
	}
	_, err = c.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{ZoneNames: []string{"us-east-1z"}})
	wantCode(t, err, "InvalidParameterValue")
}
