package lambda_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/apidriven/api-driven/emulator/emulatortest"
)

const arnPrefix = "arn:aws:lambda:us-east-1:000000000000:function:"

// TestPublishVersion publishes snapshots of $LATEST and reads them back
// by qualifier, waiting on them with the SDK's PublishedVersionActive waiter.
func TestPublishVersion(t *testing.T) {
	e := start(t, emulatortest.WithTransitionDelay(200*time.Millisecond))
	ctx := emulatortest.Context(t)
	in := e.createInput("pub", shellZip(t, "v1"))
	in.Environment = &types.Environment{Variables: map[string]string{"STAGE": "one"}}
	if _, err := e.client.CreateFunction(ctx, in); err != nil {
		t.Fatalf("CreateFunction: %v", err)
	}
	fnName := &lambda.GetFunctionInput{FunctionName: aws.String("pub")}
	if err := lambda.NewFunctionActiveV2Waiter(e.client, fastActive).Wait(ctx, fnName, 20*time.Second); err != nil {
		t.Fatalf("FunctionActiveV2 waiter: %v", err)
	}
	v1, err := e.client.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String("pub"), Description: aws.String("first")})
	if err != nil {
		t.Fatalf("PublishVersion: %v", err)
	}
	if aws.ToString(v1.Version) != "1" || aws.ToString(v1.FunctionArn) != arnPrefix+"pub:1" || aws.ToString(v1.Description) != "first" || v1.State != types.StatePending {
		t.Fatalf("PublishVersion = version %s, ARN %s, description %q, State %s; want 1, …:pub:1, first, Pending",
			aws.ToString(v1.Version), aws.ToString(v1.FunctionArn), aws.ToString(v1.Description), v1.State)
	}
	waitVersion(t, e, "pub", "1")

	// Nothing changed: AWS hands back the last version instead of a new one.
	again, err := e.client.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String("pub")})
	if err != nil || aws.ToString(again.Version) != "1" || aws.ToString(again.RevisionId) != aws.ToString(v1.RevisionId) {
		t.Fatalf("PublishVersion without change = %v, %v; want version 1 again", again, err)
	}

	if _, err := e.client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String("pub"), Environment: &types.Environment{Variables: map[string]string{"STAGE": "two"}}, Timeout: aws.Int32(9),
	}); err != nil {
		t.Fatalf("UpdateFunctionConfiguration: %v", err)
	}
	if err := lambda.NewFunctionUpdatedV2Waiter(e.client, fastUpdated).Wait(ctx, fnName, 20*time.Second); err != nil {
		t.Fatalf("FunctionUpdatedV2 waiter: %v", err)
	}
	latest, err := e.client.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("pub")})
	if err != nil {
		t.Fatal(err)
	}
	v2, err := e.client.PublishVersion(ctx, &lambda.PublishVersionInput{
		FunctionName: aws.String("pub"), CodeSha256: latest.CodeSha256, RevisionId: latest.RevisionId,
	})
	if err != nil || aws.ToString(v2.Version) != "2" {
		t.Fatalf("PublishVersion after a change = %v, %v; want version 2", v2, err)
	}
	waitVersion(t, e, "pub", "2")

	// Each qualifier reads its own snapshot; $LATEST has moved on.
	reads := []struct {
		ref, qualifier, arn, version, stage string
		timeout                             int32
	}{
		{"pub", "1", arnPrefix + "pub:1", "1", "one", 3},
		{"pub:2", "", arnPrefix + "pub:2", "2", "two", 9},
		{arnPrefix + "pub:1", "", arnPrefix + "pub:1", "1", "one", 3},
		{"pub", "$LATEST", arnPrefix + "pub:$LATEST", "$LATEST", "two", 9},
		{"pub", "", arnPrefix + "pub", "$LATEST", "two", 9},
	}
	for _, r := range reads {
		in := &lambda.GetFunctionInput{FunctionName: aws.String(r.ref)}
		if r.qualifier != "" {
			in.Qualifier = aws.String(r.qualifier)
		}
		got, err := e.client.GetFunction(ctx, in)
		if err != nil {
			t.Fatalf("GetFunction %s (qualifier %q): %v", r.ref, r.qualifier, err)
		}
		c := got.Configuration
		if aws.ToString(c.FunctionArn) != r.arn || aws.ToString(c.Version) != r.version || c.Environment.Variables["STAGE"] != r.stage || aws.ToInt32(c.Timeout) != r.timeout || c.State != types.StateActive {
			t.Errorf("GetFunction %s (qualifier %q) = ARN %s, version %s, STAGE %s, timeout %d, State %s; want %s, %s, %s, %d, Active",
				r.ref, r.qualifier, aws.ToString(c.FunctionArn), aws.ToString(c.Version), c.Environment.Variables["STAGE"], aws.ToInt32(c.Timeout), c.State, r.arn, r.version, r.stage, r.timeout)
		}
	}

	errs := []struct {
		name   string
		in     *lambda.PublishVersionInput
		code   string
		status int
		msg    string
	}{
		{"stale code", &lambda.PublishVersionInput{FunctionName: aws.String("pub"), CodeSha256: aws.String("c3RhbGU=")},
			"InvalidParameterValueException", 400, "CodeSHA256 (c3RhbGU=) is different from current CodeSHA256 in $LATEST"},
		{"stale revision", &lambda.PublishVersionInput{FunctionName: aws.String("pub"), RevisionId: v1.RevisionId},
			"PreconditionFailedException", 412, "The Revision Id provided does not match the latest Revision Id"},
		{"unknown function", &lambda.PublishVersionInput{FunctionName: aws.String("nobody")},
			"ResourceNotFoundException", 404, "Function not found: " + arnPrefix + "nobody"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.client.PublishVersion(emulatortest.Context(t), tt.in)
			wantAPIError(t, err, tt.code, tt.status, tt.msg)
		})
	}
	_, err = e.client.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("pub"), Qualifier: aws.String("7")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "Function not found: "+arnPrefix+"pub:7")
	_, err = e.client.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("pub:1"), Qualifier: aws.String("2")})
	wantAPIError(t, err, "InvalidParameterValueException", 400, "The derived qualifier from the function name does not match the specified qualifier.")
}

// TestPublishOnCreateAndUpdate covers the Publish flag of CreateFunction and
// UpdateFunctionCode.
func TestPublishOnCreateAndUpdate(t *testing.T) {
	e := start(t)
	ctx := emulatortest.Context(t)
	in := e.createInput("eager", shellZip(t, "v1"))
	in.Publish = true
	created, err := e.client.CreateFunction(ctx, in)
	if err != nil {
		t.Fatalf("CreateFunction with Publish: %v", err)
	}
	if aws.ToString(created.Version) != "1" || aws.ToString(created.FunctionArn) != arnPrefix+"eager" {
		t.Errorf("CreateFunction with Publish = version %s, ARN %s; want 1 under the unqualified ARN", aws.ToString(created.Version), aws.ToString(created.FunctionArn))
	}
	v2 := shellZip(t, "v2")
	upd, err := e.client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("eager"), ZipFile: v2, Publish: true})
	if err != nil {
		t.Fatalf("UpdateFunctionCode with Publish: %v", err)
	}
	if aws.ToString(upd.Version) != "2" || aws.ToString(upd.FunctionArn) != arnPrefix+"eager:2" || aws.ToString(upd.CodeSha256) != sha256B64(v2) {
		t.Errorf("UpdateFunctionCode with Publish = version %s, ARN %s, sha %s; want 2, …:eager:2, %s",
			aws.ToString(upd.Version), aws.ToString(upd.FunctionArn), aws.ToString(upd.CodeSha256), sha256B64(v2))
	}
	got, err := e.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("eager:1")})
	if err != nil || aws.ToString(got.Configuration.CodeSha256) == sha256B64(v2) {
		t.Fatalf("version 1 after a code update: %v, %v; want the first code", got, err)
	}
}

// TestListVersionsByFunction pages through $LATEST and the versions with
// the SDK's paginator.
func TestListVersionsByFunction(t *testing.T) {
	e := start(t)
	ctx := emulatortest.Context(t)
	e.create(t, "many", shellZip(t, "v0"))
	for i := range 3 {
		if _, err := e.client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("many"), Timeout: aws.Int32(int32(10 + i))}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.client.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String("many")}); err != nil {
			t.Fatal(err)
		}
	}
	var versions, arns []string
	pages := 0
	p := lambda.NewListVersionsByFunctionPaginator(e.client, &lambda.ListVersionsByFunctionInput{FunctionName: aws.String("many"), MaxItems: aws.Int32(3)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListVersionsByFunction: %v", err)
		}
		pages++
		for _, v := range out.Versions {
			versions = append(versions, aws.ToString(v.Version))
			arns = append(arns, aws.ToString(v.FunctionArn))
		}
	}
	if want := []string{"$LATEST", "1", "2", "3"}; !slices.Equal(versions, want) || pages != 2 {
		t.Errorf("versions %v in %d pages, want %v in 2", versions, pages, want)
	}
	if arns[0] != arnPrefix+"many:$LATEST" || arns[3] != arnPrefix+"many:3" {
		t.Errorf("ARNs %v, want qualified ones", arns)
	}
	_, err := e.client.ListVersionsByFunction(ctx, &lambda.ListVersionsByFunctionInput{FunctionName: aws.String("none")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "Function not found: "+arnPrefix+"none")
}

// TestDeleteVersion deletes one version by qualifier and checks AWS's
// refusals.
func TestDeleteVersion(t *testing.T) {
	e := start(t)
	ctx := emulatortest.Context(t)
	e.create(t, "pruned", shellZip(t, "v1"))
	for i := range 2 {
		if _, err := e.client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("pruned"), ZipFile: shellZip(t, fmt.Sprint("v", i+2)), Publish: true}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.client.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("pruned"), Name: aws.String("live"), FunctionVersion: aws.String("1"),
		RoutingConfig: &types.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{"2": 0.1}}}); err != nil {
		t.Fatalf("CreateAlias: %v", err)
	}
	errs := []struct {
		name, ref, qualifier, code string
		status                     int
		msg                        string
	}{
		{"latest", "pruned", "$LATEST", "InvalidParameterValueException", 400, "$LATEST version cannot be deleted without deleting the function."},
		{"alias", "pruned:live", "", "InvalidParameterValueException", 400, "Deletion of aliases is not supported."},
		{"aliased", "pruned", "1", "ResourceConflictException", 409, "Unable to delete version because the following aliases reference it: [live]"},
		{"routed to", "pruned:2", "", "ResourceConflictException", 409, "Unable to delete version because the following aliases reference it: [live]"},
		{"unknown", "pruned", "9", "ResourceNotFoundException", 404, "Function not found: " + arnPrefix + "pruned:9"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			in := &lambda.DeleteFunctionInput{FunctionName: aws.String(tt.ref)}
			if tt.qualifier != "" {
				in.Qualifier = aws.String(tt.qualifier)
			}
			_, err := e.client.DeleteFunction(emulatortest.Context(t), in)
			wantAPIError(t, err, tt.code, tt.status, tt.msg)
		})
	}
	if _, err := e.client.DeleteAlias(ctx, &lambda.DeleteAliasInput{FunctionName: aws.String("pruned"), Name: aws.String("live")}); err != nil {
		t.Fatalf("DeleteAlias: %v", err)
	}
	if _, err := e.client.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("pruned"), Qualifier: aws.String("1")}); err != nil {
		t.Fatalf("DeleteFunction of version 1: %v", err)
	}
	list, err := e.client.ListVersionsByFunction(ctx, &lambda.ListVersionsByFunctionInput{FunctionName: aws.String("pruned")})
	if err != nil || len(list.Versions) != 2 || aws.ToString(list.Versions[1].Version) != "2" {
		t.Fatalf("versions after deleting 1: %v, %v; want $LATEST and 2", list, err)
	}
	// Numbers are never reused.
	if _, err := e.client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("pruned"), ZipFile: shellZip(t, "v4"), Publish: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("pruned:3")}); err != nil {
		t.Fatalf("version 3 after deleting 1: %v", err)
	}
}

func fastActive(o *lambda.FunctionActiveV2WaiterOptions) {
	o.MinDelay, o.MaxDelay = 100*time.Millisecond, time.Second
}

func fastUpdated(o *lambda.FunctionUpdatedV2WaiterOptions) {
	o.MinDelay, o.MaxDelay = 100*time.Millisecond, time.Second
}

// waitVersion waits with the SDK's waiter for a published version to be Active.
func waitVersion(t *testing.T, e *env, name, version string) {
	t.Helper()
	fast := func(o *lambda.PublishedVersionActiveWaiterOptions) {
		o.MinDelay, o.MaxDelay = 100*time.Millisecond, time.Second
	}
	in := &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(name), Qualifier: aws.String(version)}
	if err := lambda.NewPublishedVersionActiveWaiter(e.client, fast).Wait(emulatortest.Context(t), in, 20*time.Second); err != nil {
		t.Fatalf("PublishedVersionActive waiter for %s:%s: %v", name, version, err)
	}
}
