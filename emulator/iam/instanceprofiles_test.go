package iam_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/apidriven/api-driven/emulator/emulatortest"
)

func TestInstanceProfiles(t *testing.T) {
	c := newClient(t)
	ctx := emulatortest.Context(t)
	createRole(t, c, "web")
	createRole(t, c, "other")
	fastRole := func(o *iam.RoleExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 50*time.Millisecond, 200*time.Millisecond
	}
	if err := iam.NewRoleExistsWaiter(c, fastRole).Wait(ctx, &iam.GetRoleInput{RoleName: aws.String("web")}, 30*time.Second); err != nil {
		t.Fatalf("RoleExists waiter: %v", err)
	}
	created, err := c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("web-profile"), Path: aws.String("/app/"),
		Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	if err != nil {
		t.Fatalf("CreateInstanceProfile: %v", err)
	}
	ip := created.InstanceProfile
	if aws.ToString(ip.Arn) != "arn:aws:iam::000000000000:instance-profile/app/web-profile" || len(aws.ToString(ip.InstanceProfileId)) != 21 ||
		ip.Roles == nil || len(ip.Roles) != 0 || len(ip.Tags) != 1 {
		t.Errorf("CreateInstanceProfile = %+v", ip)
	}
	fast := func(o *iam.InstanceProfileExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 50*time.Millisecond, 200*time.Millisecond
	}
	if err := iam.NewInstanceProfileExistsWaiter(c, fast).Wait(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("web-profile")}, 30*time.Second); err != nil {
		t.Fatalf("InstanceProfileExists waiter: %v", err)
	}
	if _, err := c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("web-profile"), RoleName: aws.String("web")}); err != nil {
		t.Fatalf("AddRoleToInstanceProfile: %v", err)
	}
	_, err = c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("web-profile"), RoleName: aws.String("other")})
	wantAPIError(t, err, "LimitExceeded", 409)
	got, err := c.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("web-profile")})
	if err != nil || len(got.InstanceProfile.Roles) != 1 || aws.ToString(got.InstanceProfile.Roles[0].RoleName) != "web" {
		t.Fatalf("GetInstanceProfile = %+v, %v", got, err)
	}
	forRole, err := c.ListInstanceProfilesForRole(ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: aws.String("web")})
	if err != nil || len(forRole.InstanceProfiles) != 1 || aws.ToString(forRole.InstanceProfiles[0].InstanceProfileName) != "web-profile" {
		t.Fatalf("ListInstanceProfilesForRole = %+v, %v", forRole, err)
	}
	none, err := c.ListInstanceProfilesForRole(ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: aws.String("other")})
	if err != nil || len(none.InstanceProfiles) != 0 {
		t.Fatalf("ListInstanceProfilesForRole of a role in none = %+v, %v", none, err)
	}
	if _, err := c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("batch")}); err != nil {
		t.Fatal(err)
	}
	all, err := c.ListInstanceProfiles(ctx, &iam.ListInstanceProfilesInput{MaxItems: aws.Int32(1)})
	if err != nil || len(all.InstanceProfiles) != 1 || !all.IsTruncated || aws.ToString(all.InstanceProfiles[0].InstanceProfileName) != "batch" {
		t.Fatalf("ListInstanceProfiles page 1 = %+v, %v", all, err)
	}
	app, err := c.ListInstanceProfiles(ctx, &iam.ListInstanceProfilesInput{PathPrefix: aws.String("/app/")})
	if err != nil || len(app.InstanceProfiles) != 1 {
		t.Fatalf("ListInstanceProfiles /app/ = %+v, %v", app, err)
	}

	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("web")})
	wantAPIError(t, err, "DeleteConflict", 409)
	_, err = c.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("web-profile")})
	wantAPIError(t, err, "DeleteConflict", 409)
	if _, err := c.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String("web-profile"), RoleName: aws.String("web")}); err != nil {
		t.Fatalf("RemoveRoleFromInstanceProfile: %v", err)
	}
	_, err = c.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String("web-profile"), RoleName: aws.String("web")})
	wantAPIError(t, err, "NoSuchEntity", 404)
	if _, err := c.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("web-profile")}); err != nil {
		t.Fatalf("DeleteInstanceProfile: %v", err)
	}
	if _, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("web")}); err != nil {
		t.Fatalf("DeleteRole once out of the profile: %v", err)
	}
	_, err = c.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("web-profile")})
	wantAPIError(t, err, "NoSuchEntity", 404)
	_, err = c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("BATCH")})
	wantAPIError(t, err, "EntityAlreadyExists", 409)
	_, err = c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("batch"), RoleName: aws.String("gone")})
	wantAPIError(t, err, "NoSuchEntity", 404)
}
