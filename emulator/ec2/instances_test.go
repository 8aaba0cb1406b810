package ec2_test

import (
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	emuec2 "github.com/apidriven/api-driven/emulator/ec2"
	"github.com/apidriven/api-driven/emulator/emulatortest"
)

var (
	instanceIDRe    = regexp.MustCompile(`^i-0[0-9a-f]{16}$`)
	reservationIDRe = regexp.MustCompile(`^r-0[0-9a-f]{16}$`)
)

func TestRunInstancesFields(t *testing.T) {
	c := newClient(t)
	before := time.Now().Add(-time.Second)
	out := launch(t, c, 2, tag("Name", "web"), tag("Project", "api-driven"))
	if !reservationIDRe.MatchString(aws.ToString(out.ReservationId)) {
		t.Errorf("reservation id %q is not r- plus 17 hex digits", aws.ToString(out.ReservationId))
	}
	if aws.ToString(out.OwnerId) != "000000000000" {
		t.Errorf("owner = %q", aws.ToString(out.OwnerId))
	}
	for i, in := range out.Instances {
		if !instanceIDRe.MatchString(aws.ToString(in.InstanceId)) {
			t.Errorf("instance id %q is not i- plus 17 hex digits", aws.ToString(in.InstanceId))
		}
		checks := []struct {
			name      string
			got, want any
		}{
			{"state name", in.State.Name, types.InstanceStateNamePending},
			{"state code", aws.ToInt32(in.State.Code), int32(0)},
			{"image", aws.ToString(in.ImageId), emuec2.DefaultImageID},
			{"type", in.InstanceType, types.InstanceTypeT3Micro},
			{"zone", aws.ToString(in.Placement.AvailabilityZone), "us-east-1a"},
			{"architecture", in.Architecture, types.ArchitectureValuesX8664},
			{"root device type", in.RootDeviceType, types.DeviceTypeEbs},
			{"launch index", aws.ToInt32(in.AmiLaunchIndex), int32(i)},
			{"monitoring", in.Monitoring.State, types.MonitoringStateDisabled},
			{"tags", len(in.Tags), 2},
			{"reason", aws.ToString(in.StateTransitionReason), ""},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("instance %d %s = %v, want %v", i, c.name, c.got, c.want)
			}
		}
		// The default subnet of us-east-1a is the default VPC's first /20.
		if ip, err := netip.ParseAddr(aws.ToString(in.PrivateIpAddress)); err != nil || !netip.MustParsePrefix("172.31.0.0/20").Contains(ip) {
			t.Errorf("private ip %q is not in 172.31.0.0/20", aws.ToString(in.PrivateIpAddress))
		}
		if dns := aws.ToString(in.PrivateDnsName); !strings.HasSuffix(dns, ".ec2.internal") {
			t.Errorf("private dns %q", dns)
		}
		if !strings.HasPrefix(aws.ToString(in.VpcId), "vpc-") || !strings.HasPrefix(aws.ToString(in.SubnetId), "subnet-") {
			t.Errorf("vpc/subnet = %q/%q", aws.ToString(in.VpcId), aws.ToString(in.SubnetId))
		}
		if in.LaunchTime == nil || in.LaunchTime.Before(before) || in.LaunchTime.After(time.Now().Add(time.Second)) {
			t.Errorf("launch time %v is not now", in.LaunchTime)
		}
	}
	// With no delay, describe shows the finished transition.
	if got := stateOf(t, c, aws.ToString(out.Instances[0].InstanceId)); got != types.InstanceStateNameRunning {
		t.Errorf("state after launch = %s, want running", got)
	}
}

func TestRunInstancesDefaultsAndIdempotency(t *testing.T) {
	c := newClient(t)
	ctx := emulatortest.Context(t)
	in := &ec2.RunInstancesInput{ImageId: aws.String(emuec2.DefaultArm64ImageID), MinCount: aws.Int32(1), MaxCount: aws.Int32(1), ClientToken: aws.String("tok-1"), InstanceType: types.InstanceTypeT4gMicro}
	first, err := c.RunInstances(ctx, in)
	if err != nil {
		t.Fatalf("RunInstances: %v", err)
	}
	again, err := c.RunInstances(ctx, in)
	if err != nil {
		t.Fatalf("RunInstances retry: %v", err)
	}
	if aws.ToString(first.ReservationId) != aws.ToString(again.ReservationId) {
		t.Errorf("client token retry made reservation %s, want %s", aws.ToString(again.ReservationId), aws.ToString(first.ReservationId))
	}
	if first.Instances[0].Architecture != types.ArchitectureValuesArm64 {
		t.Errorf("arm64 image launched as %s", first.Instances[0].Architecture)
	}
	def, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(emuec2.DefaultImageID), MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	if err != nil {
		t.Fatalf("RunInstances without type: %v", err)
	}
	if def.Instances[0].InstanceType != types.InstanceTypeT2Micro {
		t.Errorf("default instance type = %s, want t2.micro", def.Instances[0].InstanceType)
	}
}

func TestRunInstancesErrors(t *testing.T) {
	c := newClient(t)
	base := func() *ec2.RunInstancesInput {
		return &ec2.RunInstancesInput{ImageId: aws.String(emuec2.DefaultImageID), MinCount: aws.Int32(1), MaxCount: aws.Int32(1)}
	}
	tests := []struct {
		name   string
		mutate func(*ec2.RunInstancesInput)
		code   string
	}{
		{"unknown ami", func(in *ec2.RunInstancesInput) { in.ImageId = aws.String("ami-0123456789abcdef0") }, "InvalidAMIID.NotFound"},
		{"malformed ami", func(in *ec2.RunInstancesInput) { in.ImageId = aws.String("ami-xyz") }, "InvalidAMIID.Malformed"},
		{"not an ami", func(in *ec2.RunInstancesInput) { in.ImageId = aws.String("i-0123456789abcdef0") }, "InvalidAMIID.Malformed"},
		{"no image", func(in *ec2.RunInstancesInput) { in.ImageId = nil }, "MissingParameter"},
		{"zero min count", func(in *ec2.RunInstancesInput) { in.MinCount = aws.Int32(0) }, "InvalidParameterValue"},
		{"max below min", func(in *ec2.RunInstancesInput) { in.MinCount, in.MaxCount = aws.Int32(3), aws.Int32(2) }, "InvalidParameterValue"},
		{"bad instance type", func(in *ec2.RunInstancesInput) { in.InstanceType = "huge" }, "InvalidParameterValue"},
		{"arch mismatch", func(in *ec2.RunInstancesInput) { in.InstanceType = types.InstanceTypeT4gMicro }, "InvalidParameterValue"},
		{"bad zone", func(in *ec2.RunInstancesInput) {
			in.Placement = &types.Placement{AvailabilityZone: aws.String("eu-west-1a")}
		}, "InvalidParameterValue"},
		{"bad tag resource type", func(in *ec2.RunInstancesInput) {
			in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeVpc, Tags: []types.Tag{tag("a", "b")}}}
		}, "InvalidParameterValue"},
		{"reserved tag key", func(in *ec2.RunInstancesInput) {
			in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeInstance, Tags: []types.Tag{tag("aws:x", "b")}}}
		}, "InvalidParameterValue"},
		{"over the limit", func(in *ec2.RunInstancesInput) { in.MinCount, in.MaxCount = aws.Int32(1001), aws.Int32(1001) }, "InstanceLimitExceeded"},
		{"dry run", func(in *ec2.RunInstancesInput) { in.DryRun = aws.Bool(true) }, "DryRunOperation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := base()
			tt.mutate(in)
			_, err := c.RunInstances(emulatortest.Context(t), in)
			wantCode(t, err, tt.code)
		})
	}
	out, err := c.DescribeInstances(emulatortest.Context(t), &ec2.DescribeInstancesInput{})
	if err != nil {
		t.Fatalf("DescribeInstances: %v", err)
	}
	if ids := allInstances(out.Reservations); len(ids) != 0 {
		t.Errorf("failed launches left instances %v", ids)
	}
}

func TestDescribeInstancesFilters(t *testing.T) {
	c := newClient(t)
	web := launchOne(t, c, tag("Name", "web"), tag("Project", "api-driven"))
	db := launchOne(t, c, tag("Name", "db"))
	plain := launchOne(t, c)
	ctx := emulatortest.Context(t)
	if _, err := c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{db}}); err != nil {
		t.Fatalf("StopInstances: %v", err)
	}
	tests := []struct {
		name    string
		filters []types.Filter
		want    []string
	}{
		{"none", nil, []string{web, db, plain}},
		{"running", []types.Filter{filter("instance-state-name", "running")}, []string{web, plain}},
		{"stopped or running", []types.Filter{filter("instance-state-name", "stopped", "running")}, []string{web, db, plain}},
		{"state code", []types.Filter{filter("instance-state-code", "80")}, []string{db}},
		{"instance id", []types.Filter{filter("instance-id", db)}, []string{db}},
		{"tag", []types.Filter{filter("tag:Name", "web")}, []string{web}},
		{"tag wildcard", []types.Filter{filter("tag:Name", "w*", "d?")}, []string{web, db}},
		{"tag key", []types.Filter{filter("tag-key", "Project")}, []string{web}},
		{"tag value", []types.Filter{filter("tag-value", "db")}, []string{db}},
		{"image", []types.Filter{filter("image-id", emuec2.DefaultImageID)}, []string{web, db, plain}},
		{"other image", []types.Filter{filter("image-id", emuec2.UbuntuImageID)}, nil},
		{"type", []types.Filter{filter("instance-type", "t3.micro")}, []string{web, db, plain}},
		{"and", []types.Filter{filter("tag:Name", "web", "db"), filter("instance-state-name", "stopped")}, []string{db}},
		{"zone", []types.Filter{filter("availability-zone", "us-east-1a")}, []string{web, db, plain}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := c.DescribeInstances(emulatortest.Context(t), &ec2.DescribeInstancesInput{Filters: tt.filters})
			if err != nil {
				t.Fatalf("DescribeInstances: %v", err)
			}
			if got := allInstances(out.Reservations); !slices.Equal(got, tt.want) {
				t.Errorf("instances = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDescribeInstancesErrors(t *testing.T) {
	c := newClient(t)
	id := launchOne(t, c)
	tests := []struct {
		name string
		in   ec2.DescribeInstancesInput
		code string
		msg  string
	}{
		{"unknown id", ec2.DescribeInstancesInput{InstanceIds: []string{"i-0123456789abcdef0"}}, "InvalidInstanceID.NotFound", "The instance ID 'i-0123456789abcdef0' does not exist"},
		{"one unknown among known", ec2.DescribeInstancesInput{InstanceIds: []string{id, "i-0123456789abcdef0"}}, "InvalidInstanceID.NotFound", ""},
		{"malformed id", ec2.DescribeInstancesInput{InstanceIds: []string{"i-xyz"}}, "InvalidInstanceID.Malformed", `Invalid id: "i-xyz"`},
		{"uppercase id", ec2.DescribeInstancesInput{InstanceIds: []string{"i-0123456789ABCDEF0"}}, "InvalidInstanceID.Malformed", ""},
		{"unknown filter", ec2.DescribeInstancesInput{Filters: []types.Filter{filter("colour", "red")}}, "InvalidParameterValue", "The filter 'colour' is invalid"},
		{"max results with ids", ec2.DescribeInstancesInput{InstanceIds: []string{id}, MaxResults: aws.Int32(5)}, "InvalidParameterCombination", ""},
		{"max results too small", ec2.DescribeInstancesInput{MaxResults: aws.Int32(4)}, "InvalidParameterValue", ""},
		{"max results too big", ec2.DescribeInstancesInput{MaxResults: aws.Int32(1001)}, "InvalidParameterValue", ""},
		{"bad token", ec2.DescribeInstancesInput{NextToken: aws.String("garbage")}, "InvalidParameterValue", ""},
		{"token of another listing", ec2.DescribeInstancesInput{NextToken: aws.String("djF8dGFnc3wxL2E")}, "InvalidParameterValue", ""},
		{"dry run", ec2.DescribeInstancesInput{DryRun: aws.Bool(true)}, "DryRunOperation", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.DescribeInstances(emulatortest.Context(t), &tt.in)
			wantCode(t, err, tt.code)
			if tt.msg != "" && !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("message %q does not contain %q", err.Error(), tt.msg)
			}
		})
	}
}

func TestDescribeInstancesPaginator(t *testing.T) {
	c := newClient(t)
	var want []string
	for _, n := range []int32{4, 1, 3, 4} {
		for _, in := range launch(t, c, n).Instances {
			want = append(want, aws.ToString(in.InstanceId))
		}
	}
	p := ec2.NewDescribeInstancesPaginator(c, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5)})
	var got []string
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(emulatortest.Context(t))
		if err != nil {
			t.Fatalf("page %d: %v", pages, err)
		}
		ids := allInstances(out.Reservations)
		if len(ids) > 5 {
			t.Errorf("page %d has %d instances, max 5", pages, len(ids))
		}
		got = append(got, ids...)
		pages++
	}
	if pages != 3 || !slices.Equal(got, want) {
		t.Errorf("paginated %d pages %v, want 3 pages %v", pages, got, want)
	}
}

func TestRegionsAreSeparate(t *testing.T) {
	srv := emulatortest.Start(t)
	east := ec2.NewFromConfig(emulatortest.AWSConfig(t, srv.URL()))
	cfg := emulatortest.AWSConfig(t, srv.URL())
	cfg.Region = "eu-west-1"
	west := ec2.NewFromConfig(cfg)
	id := launchOne(t, east)
	_, err := west.DescribeInstances(emulatortest.Context(t), &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	wantCode(t, err, "InvalidInstanceID.NotFound")
	out, err := west.RunInstances(emulatortest.Context(t), &ec2.RunInstancesInput{ImageId: aws.String(emuec2.DefaultImageID), MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	if err != nil {
		t.Fatalf("RunInstances in eu-west-1: %v", err)
	}
	if z := aws.ToString(out.Instances[0].Placement.AvailabilityZone); z != "eu-west-1a" {
		t.Errorf("zone = %s, want eu-west-1a", z)
	}
}

func TestDescribeInstancesGroupsByReservation(t *testing.T) {
	c := newClient(t)
	pair := launch(t, c, 2).Instances
	a1, a2 := aws.ToString(pair[0].InstanceId), aws.ToString(pair[1].InstanceId)
	b := launchOne(t, c)
	out, err := c.DescribeInstances(emulatortest.Context(t), &ec2.DescribeInstancesInput{InstanceIds: []string{a2, b, a1}})
	if err != nil {
		t.Fatalf("DescribeInstances: %v", err)
	}
	if len(out.Reservations) != 2 || len(out.Reservations[0].Instances) != 2 || len(out.Reservations[1].Instances) != 1 {
		t.Fatalf("reservations = %d, want 2 (2 + 1 instances)", len(out.Reservations))
	}
	if got := allInstances(out.Reservations); !slices.Equal(got, []string{a2, a1, b}) {
		t.Errorf("instances = %v, want %v", got, []string{a2, a1, b})
	}
	if aws.ToString(out.Reservations[0].ReservationId) == aws.ToString(out.Reservations[1].ReservationId) {
		t.Errorf("both reservations are %s", aws.ToString(out.Reservations[0].ReservationId))
	}
}
