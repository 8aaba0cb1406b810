package ec2_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/apidriven/api-driven/emulator/emulatortest"
)

// tagMap reads an instance's tags as DescribeInstances reports them.
func tagMap(t *testing.T, c *ec2.Client, id string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, tg := range describeOne(t, c, id).Tags {
		m[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	return m
}

func TestCreateAndDeleteTags(t *testing.T) {
	c := newClient(t)
	ctx := emulatortest.Context(t)
	id := launchOne(t, c, tag("Name", "web"))
	if _, err := c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: []types.Tag{tag("Name", "api"), tag("Env", "dev"), tag("Owner", "me")}}); err != nil {
		t.Fatalf("CreateTags: %v", err)
	}
	want := map[string]string{"Name": "api", "Env": "dev", "Owner": "me"}
	if got := tagMap(t, c, id); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("tags = %v, want %v", got, want)
	}
	steps := []struct {
		name string
		tags []types.Tag
		want map[string]string
	}{
		{"value differs: kept", []types.Tag{tag("Env", "prod")}, map[string]string{"Name": "api", "Env": "dev", "Owner": "me"}},
		{"value equal: deleted", []types.Tag{tag("Env", "dev")}, map[string]string{"Name": "api", "Owner": "me"}},
		{"key only: deleted", []types.Tag{{Key: aws.String("Owner")}}, map[string]string{"Name": "api"}},
		{"no tags: all deleted", nil, map[string]string{}},
	}
	for _, st := range steps {
		if _, err := c.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{id}, Tags: st.tags}); err != nil {
			t.Fatalf("%s: DeleteTags: %v", st.name, err)
		}
		if got := tagMap(t, c, id); fmt.Sprint(got) != fmt.Sprint(st.want) {
			t.Errorf("%s: tags = %v, want %v", st.name, got, st.want)
		}
	}
}

func TestTagErrors(t *testing.T) {
	c := newClient(t)
	id := launchOne(t, c)
	many := make([]types.Tag, 51)
	for i := range many {
		many[i] = tag(fmt.Sprintf("k%d", i), "v")
	}
	tests := []struct {
		name string
		call func() error
		code string
	}{
		{"create on unknown", func() error {
			_, err := c.CreateTags(emulatortest.Context(t), &ec2.CreateTagsInput{Resources: []string{"i-0123456789abcdef0"}, Tags: []types.Tag{tag("a", "b")}})
			return err
		}, "InvalidInstanceID.NotFound"},
		{"create on malformed", func() error {
			_, err := c.CreateTags(emulatortest.Context(t), &ec2.CreateTagsInput{Resources: []string{"i-zz"}, Tags: []types.Tag{tag("a", "b")}})
			return err
		}, "InvalidID"},
		{"delete on unknown", func() error {
			_, err := c.DeleteTags(emulatortest.Context(t), &ec2.DeleteTagsInput{Resources: []string{"i-0123456789abcdef0"}})
			return err
		}, "InvalidInstanceID.NotFound"},
		{"reserved key", func() error {
			_, err := c.CreateTags(emulatortest.Context(t), &ec2.CreateTagsInput{Resources: []string{id}, Tags: []types.Tag{tag("aws:cloudformation:stack", "b")}})
			return err
		}, "InvalidParameterValue"},
		{"too many", func() error {
			_, err := c.CreateTags(emulatortest.Context(t), &ec2.CreateTagsInput{Resources: []string{id}, Tags: many})
			return err
		}, "TagLimitExceeded"},
		{"unknown filter", func() error {
			_, err := c.DescribeTags(emulatortest.Context(t), &ec2.DescribeTagsInput{Filters: []types.Filter{filter("colour", "x")}})
			return err
		}, "InvalidParameterValue"},
		{"describe bad page size", func() error {
			_, err := c.DescribeTags(emulatortest.Context(t), &ec2.DescribeTagsInput{MaxResults: aws.Int32(2)})
			return err
		}, "InvalidParameterValue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantCode(t, tt.call(), tt.code) })
	}
	if got := tagMap(t, c, id); len(got) != 0 {
		t.Errorf("failed calls left tags %v", got)
	}
}

func TestDescribeTags(t *testing.T) {
	c := newClient(t)
	a := launchOne(t, c, tag("Name", "a"), tag("Project", "api-driven"))
	b := launchOne(t, c, tag("Name", "b"))
	row := func(id, k, v string) string { return id + " " + k + "=" + v }
	tests := []struct {
		name    string
		filters []types.Filter
		want    []string
	}{
		{"all", nil, []string{row(a, "Name", "a"), row(a, "Project", "api-driven"), row(b, "Name", "b")}},
		{"resource id", []types.Filter{filter("resource-id", b)}, []string{row(b, "Name", "b")}},
		{"resource type", []types.Filter{filter("resource-type", "instance"), filter("key", "Project")}, []string{row(a, "Project", "api-driven")}},
		{"other type", []types.Filter{filter("resource-type", "volume")}, nil},
		{"key", []types.Filter{filter("key", "Name")}, []string{row(a, "Name", "a"), row(b, "Name", "b")}},
		{"value wildcard", []types.Filter{filter("value", "api-*")}, []string{row(a, "Project", "api-driven")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := c.DescribeTags(emulatortest.Context(t), &ec2.DescribeTagsInput{Filters: tt.filters})
			if err != nil {
				t.Fatalf("DescribeTags: %v", err)
			}
			var got []string
			for _, d := range out.Tags {
				if d.ResourceType != types.ResourceTypeInstance {
					t.Errorf("resource type = %s", d.ResourceType)
				}
				got = append(got, row(aws.ToString(d.ResourceId), aws.ToString(d.Key), aws.ToString(d.Value)))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("tags = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDescribeTagsPaginator(t *testing.T) {
	c := newClient(t)
	var want []string
	for i := range 4 {
		id := launchOne(t, c, tag("Name", fmt.Sprint(i)), tag("Project", "x"), tag("Team", "y"))
		want = append(want, id+"/Name", id+"/Project", id+"/Team")
	}
	p := ec2.NewDescribeTagsPaginator(c, &ec2.DescribeTagsInput{MaxResults: aws.Int32(5)})
	var got []string
	for p.HasMorePages() {
		out, err := p.NextPage(emulatortest.Context(t))
		if err != nil {
			t.Fatalf("NextPage: %v", err)
		}
		for _, d := range out.Tags {
			got = append(got, aws.ToString(d.ResourceId)+"/"+aws.ToString(d.Key))
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("paginated tags = %v, want %v", got, want)
	}
}

// TestTagLimitAcrossTagSpecifications: AWS counts a resource's tags over
// all the specifications that name its type, so 2 × 30 tags are refused
// before anything is launched, and 25 + 25 are fine.
func TestTagLimitAcrossTagSpecifications(t *testing.T) {
	c := newClient(t)
	ctx := emulatortest.Context(t)
	spec := func(from, n int) types.TagSpecification {
		s := types.TagSpecification{ResourceType: types.ResourceTypeInstance}
		for i := from; i < from+n; i++ {
			s.Tags = append(s.Tags, tag(fmt.Sprintf("k%d", i), "v"))
		}
		return s
	}
	run := func(specs ...types.TagSpecification) (*ec2.RunInstancesOutput, error) {
		return c.RunInstances(ctx, &ec2.RunInstancesInput{
			ImageId: aws.String(defaultImage), MinCount: aws.Int32(1), MaxCount: aws.Int32(1), TagSpecifications: specs,
		})
	}
	_, err := run(spec(0, 30), spec(30, 30))
	wantCode(t, err, "TagLimitExceeded")
	out, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
	if err != nil || len(out.Reservations) != 0 {
		t.Fatalf("after a refused launch: %d reservations, %v; want none", len(out.Reservations), err)
	}
	ok, err := run(spec(0, 25), spec(25, 25))
	if err != nil {
		t.Fatalf("RunInstances with 50 tags in two specifications: %v", err)
	}
	if got := tagMap(t, c, aws.ToString(ok.Instances[0].InstanceId)); len(got) != 50 {
		t.Errorf("instance has %d tags, want 50", len(got))
	}
}
