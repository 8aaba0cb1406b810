package iam_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/apidriven/api-driven/emulator/emulatortest"
)

func TestCreateAndGetRole(t *testing.T) {
	c := newClient(t)
	ctx := emulatortest.Context(t)
	before := time.Now().Add(-2 * time.Second)
	out, err := c.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName:                 aws.String("lambda-exec"),
		Path:                     aws.String("/service/"),
		AssumeRolePolicyDocument: aws.String(trustPolicy),
		Description:              aws.String("runs the function"),
		MaxSessionDuration:       aws.Int32(7200),
		Tags:                     []types.Tag{{Key: aws.String("project"), Value: aws.String("api-driven")}},
	})
	if err != nil {
		t.Fatalf("CreateRole: %v", err)
	}
	r := out.Role
	if got, want := aws.ToString(r.Arn), "arn:aws:iam::000000000000:role/service/lambda-exec"; got != want {
		t.Errorf("Arn = %s, want %s", got, want)
	}
	if !regexp.MustCompile(`^AROA[A-Z0-9]{17}$`).MatchString(aws.ToString(r.RoleId)) {
		t.Errorf("RoleId = %s, want AROA + 17 uppercase alphanumerics", aws.ToString(r.RoleId))
	}
	if r.CreateDate == nil || r.CreateDate.Before(before) || r.CreateDate.After(time.Now().Add(2*time.Second)) {
		t.Errorf("CreateDate = %v, want about now", r.CreateDate)
	}
	if got := decodePolicy(t, r.AssumeRolePolicyDocument); got != trustPolicy {
		t.Errorf("trust policy = %s, want %s", got, trustPolicy)
	}
	if len(r.Tags) != 1 || aws.ToString(r.Tags[0].Key) != "project" {
		t.Errorf("Tags = %+v, want project=api-driven", r.Tags)
	}

	got, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("lambda-exec")})
	if err != nil {
		t.Fatalf("GetRole: %v", err)
	}
	g := got.Role
	if aws.ToString(g.RoleId) != aws.ToString(r.RoleId) || aws.ToString(g.Path) != "/service/" ||
		aws.ToString(g.Description) != "runs the function" || aws.ToInt32(g.MaxSessionDuration) != 7200 {
		t.Errorf("GetRole = %+v, want what CreateRole returned", g)
	}
	if !g.CreateDate.Equal(*r.CreateDate) {
		t.Errorf("GetRole CreateDate %v != CreateRole %v", g.CreateDate, r.CreateDate)
	}
	if decodePolicy(t, g.AssumeRolePolicyDocument) != trustPolicy {
		t.Errorf("GetRole trust policy differs")
	}
}

func TestRoleErrors(t *testing.T) {
	c := newClient(t)
	ctx := emulatortest.Context(t)
	createRole(t, c, "Existing")
	tooMany := make([]types.Tag, 51)
	for i := range tooMany {
		tooMany[i] = types.Tag{Key: aws.String(fmt.Sprintf("k%d", i)), Value: aws.String("v")}
	}
	create := func(name, path, doc string, mod func(*iam.CreateRoleInput)) func() error {
		return func() error {
			in := &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(doc)}
			if path != "" {
				in.Path = aws.String(path)
			}
			if mod != nil {
				mod(in)
			}
			_, err := c.CreateRole(ctx, in)
			return err
		}
	}
	tests := []struct {
		name   string
		call   func() error
		code   string
		status int
	}{
		{"name with space", create("bad name", "", trustPolicy, nil), "ValidationError", 400},
		{"name too long", create(strings.Repeat("a", 65), "", trustPolicy, nil), "ValidationError", 400},
		{"path without slashes", create("r1", "service", trustPolicy, nil), "ValidationError", 400},
		{"path without trailing slash", create("r1", "/service", trustPolicy, nil), "ValidationError", 400},
		{"trust policy not JSON", create("r1", "", "{not json", nil), "MalformedPolicyDocument", 400},
		{"trust policy without Statement", create("r1", "", `{"Version":"2012-10-17"}`, nil), "MalformedPolicyDocument", 400},
		{"session duration too short", create("r1", "", trustPolicy, func(in *iam.CreateRoleInput) { in.MaxSessionDuration = aws.Int32(60) }), "ValidationError", 400},
		{"too many tags", create("r1", "", trustPolicy, func(in *iam.CreateRoleInput) { in.Tags = tooMany }), "ValidationError", 400},
		{"duplicate tag keys", create("r1", "", trustPolicy, func(in *iam.CreateRoleInput) {
			in.Tags = []types.Tag{{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("A"), Value: aws.String("2")}}
		}), "InvalidInput", 400},
		{"duplicate name", create("Existing", "", trustPolicy, nil), "EntityAlreadyExists", 409},
		{"duplicate name other case", create("existing", "/other/", trustPolicy, nil), "EntityAlreadyExists", 409},
		{"get missing", func() error {
			_, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("missing")})
			return err
		}, "NoSuchEntity", 404},
		{"delete missing", func() error {
			_, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("missing")})
			return err
		}, "NoSuchEntity", 404},
		{"update trust policy with bad JSON", func() error {
			_, err := c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("Existing"), PolicyDocument: aws.String("[")})
			return err
		}, "MalformedPolicyDocument", 400},
		{"update trust policy of missing role", func() error {
			_, err := c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("missing"), PolicyDocument: aws.String(trustPolicy)})
			return err
		}, "NoSuchEntity", 404},
		{"list with MaxItems 0", func() error {
			_, err := c.ListRoles(ctx, &iam.ListRolesInput{MaxItems: aws.Int32(0)})
			return err
		}, "ValidationError", 400},
		{"list with forged marker", func() error {
			_, err := c.ListRoles(ctx, &iam.ListRolesInput{Marker: aws.String("not*a*marker")})
			return err
		}, "ValidationError", 400},
		{"list with relative path prefix", func() error {
			_, err := c.ListRoles(ctx, &iam.ListRolesInput{PathPrefix: aws.String("service/")})
			return err
		}, "ValidationError", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantAPIError(t, tt.call(), tt.code, tt.status)
		})
	}
	// None of the failed creations left a role behind.
	out, err := c.ListRoles(ctx, &iam.ListRolesInput{})
	if err != nil {
		t.Fatalf("ListRoles: %v", err)
	}
	if len(out.Roles) != 1 {
		t.Errorf("ListRoles = %d roles, want only Existing", len(out.Roles))
	}
}

func TestUpdateRoleAndTrustPolicy(t *testing.T) {
	c := newClient(t)
	ctx := emulatortest.Context(t)
	createRole(t, c, "r")
	newTrust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("r"), PolicyDocument: aws.String(newTrust)}); err != nil {
		t.Fatalf("UpdateAssumeRolePolicy: %v", err)
	}
	if _, err := c.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String("r"), Description: aws.String("d2"), MaxSessionDuration: aws.Int32(43200)}); err != nil {
		t.Fatalf("UpdateRole: %v", err)
	}
	got, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("R")}) // names are case-insensitive
	if err != nil {
		t.Fatalf("GetRole: %v", err)
	}
	if decodePolicy(t, got.Role.AssumeRolePolicyDocument) != newTrust {
		t.Errorf("trust policy not updated")
	}
	if aws.ToString(got.Role.Description) != "d2" || aws.ToInt32(got.Role.MaxSessionDuration) != 43200 {
		t.Errorf("UpdateRole not applied: %+v", got.Role)
	}
}

func TestListRolesPagination(t *testing.T) {
	c := newClient(t)
	ctx := emulatortest.Context(t)
	var want []string
	for i := range 7 {
		name := fmt.Sprintf("role-%02d", i)
		createRole(t, c, name)
		want = append(want, name)
	}
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("other"), Path: aws.String("/other/"), AssumeRolePolicyDocument: aws.String(trustPolicy)}); err != nil {
		t.Fatalf("CreateRole: %v", err)
	}

	p := iam.NewListRolesPaginator(c, &iam.ListRolesInput{MaxItems: aws.Int32(3)})
	var got []string
	var sizes []int
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("NextPage: %v", err)
		}
		sizes = append(sizes, len(page.Roles))
		for _, r := range page.Roles {
			got = append(got, aws.ToString(r.RoleName))
		}
	}
	if !slices.Equal(sizes, []int{3, 3, 2}) {
		t.Errorf("page sizes = %v, want [3 3 2]", sizes)
	}
	if want = append([]string{"other"}, want...); !slices.Equal(got, want) {
		t.Errorf("roles = %v, want %v (sorted by name)", got, want)
	}

	filtered, err := c.ListRoles(ctx, &iam.ListRolesInput{PathPrefix: aws.String("/other/")})
	if err != nil {
		t.Fatalf("ListRoles: %v", err)
	}
	if len(filtered.Roles) != 1 || aws.ToString(filtered.Roles[0].RoleName) != "other" || filtered.IsTruncated {
		t.Errorf("PathPrefix /other/ = %+v, want only other", filtered.Roles)
	}
}

func TestRoleTags(t *testing.T) {
	c := newClient(t)
	ctx := emulatortest.Context(t)
	createRole(t, c, "tagged")
	tag := func(kv ...string) []types.Tag {
		var out []types.Tag
		for i := 0; i < len(kv); i += 2 {
			out = append(out, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
		}
		return out
	}
	if _, err := c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("tagged"), Tags: tag("env", "dev", "team", "a")}); err != nil {
		t.Fatalf("TagRole: %v", err)
	}
	if _, err := c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("tagged"), Tags: tag("ENV", "prod")}); err != nil {
		t.Fatalf("TagRole overwrite: %v", err)
	}
	if _, err := c.UntagRole(ctx, &iam.UntagRoleInput{RoleName: aws.String("tagged"), TagKeys: []string{"team"}}); err != nil {
		t.Fatalf("UntagRole: %v", err)
	}
	out, err := c.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String("tagged")})
	if err != nil {
		t.Fatalf("ListRoleTags: %v", err)
	}
	if len(out.Tags) != 1 || aws.ToString(out.Tags[0].Key) != "ENV" || aws.ToString(out.Tags[0].Value) != "prod" {
		t.Errorf("tags = %+v, want ENV=prod only", out.Tags)
	}

	many := make([]types.Tag, 50)
	for i := range many {
		many[i] = types.Tag{Key: aws.String(fmt.Sprintf("k%d", i)), Value: aws.String("v")}
	}
	_, err = c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("tagged"), Tags: many})
	wantAPIError(t, err, "LimitExceeded", 409)
	_, err = c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("missing"), Tags: tag("a", "b")})
	wantAPIError(t, err, "NoSuchEntity", 404)
	_, err = c.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String("missing")})
	wantAPIError(t, err, "NoSuchEntity", 404)
}

// TestWireShape checks the raw XML envelope, the error shape for a request
// the SDK would refuse to send, and unknown actions.
func TestWireShape(t *testing.T) {
	srv := emulatortest.Start(t)
	post := func(form url.Values) (int, string) {
		t.Helper()
		req, err := http.NewRequestWithContext(emulatortest.Context(t), http.MethodPost, srv.URL(), strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=x")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("POST: %v", err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	status, body := post(url.Values{"Action": {"CreateRole"}, "Version": {"2010-05-08"}, "RoleName": {"wire"}, "AssumeRolePolicyDocument": {trustPolicy}})
	if status != 200 {
		t.Fatalf("CreateRole status %d: %s", status, body)
	}
	for _, want := range []string{
		`<CreateRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><CreateRoleResult><Role>`,
		`<Arn>arn:aws:iam::000000000000:role/wire</Arn>`,
		`<AssumeRolePolicyDocument>%7B%22Version%22%3A%20%222012-10-17%22`,
		`</CreateRoleResult><ResponseMetadata><RequestId>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("response lacks %s:\n%s", want, body)
		}
	}
	status, body = post(url.Values{"Action": {"CreateRole"}, "AssumeRolePolicyDocument": {trustPolicy}})
	if status != 400 || !strings.Contains(body, "<Code>ValidationError</Code>") || !strings.Contains(body, "roleName") {
		t.Errorf("CreateRole without RoleName = %d %s, want 400 ValidationError naming roleName", status, body)
	}
	status, body = post(url.Values{"Action": {"CreateUserPoolClient"}})
	if status != 400 || !strings.Contains(body, "<Code>InvalidAction</Code>") {
		t.Errorf("unknown action = %d %s, want 400 InvalidAction", status, body)
	}
	status, body = post(url.Values{"Action": {"ListRoles"}, "MaxItems": {"many"}})
	if status != 400 || !strings.Contains(body, "<Code>ValidationError</Code>") {
		t.Errorf("MaxItems=many = %d %s, want 400 ValidationError", status, body)
	}
}

// TestConcurrentCreates exercises the service lock under -race: exactly one
// of many racing creations of the same role wins.
func TestConcurrentCreates(t *testing.T) {
	c := newClient(t)
	ctx := emulatortest.Context(t)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("race"), AssumeRolePolicyDocument: aws.String(trustPolicy)})
		}()
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		if err == nil {
			wins++
			continue
		}
		wantAPIError(t, err, "EntityAlreadyExists", 409)
	}
	if wins != 1 {
		t.Errorf("%d creations succeeded, want exactly 1", wins)
	}
}
