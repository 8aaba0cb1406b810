package lambda_test

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/apidriven/api-driven/emulator/emulatortest"
)

func TestCreateFunction(t *testing.T) {
	e := start(t)
	zipFile := shellZip(t, "v1")
	in := e.createInput("hello", zipFile)
	in.Environment = &types.Environment{Variables: map[string]string{"GREETING": "hi"}}
	in.Tags = map[string]string{"project": "api-driven"}
	in.Description = aws.String("says hello")
	out, err := e.client.CreateFunction(emulatortest.Context(t), in)
	if err != nil {
		t.Fatalf("CreateFunction: %v", err)
	}
	checks := []struct {
		field     string
		got, want any
	}{
		{"FunctionName", aws.ToString(out.FunctionName), "hello"},
		{"FunctionArn", aws.ToString(out.FunctionArn), "arn:aws:lambda:us-east-1:000000000000:function:hello"},
		{"Runtime", out.Runtime, types.RuntimeProvidedal2023},
		{"Role", aws.ToString(out.Role), e.role},
		{"Handler", aws.ToString(out.Handler), "bootstrap"},
		{"CodeSha256", aws.ToString(out.CodeSha256), sha256B64(zipFile)},
		{"CodeSize", out.CodeSize, int64(len(zipFile))},
		{"Description", aws.ToString(out.Description), "says hello"},
		{"Timeout", aws.ToInt32(out.Timeout), int32(3)},
		{"MemorySize", aws.ToInt32(out.MemorySize), int32(128)},
		{"Version", aws.ToString(out.Version), "$LATEST"},
		{"PackageType", out.PackageType, types.PackageTypeZip},
		{"State", out.State, types.StateActive},
		{"LastUpdateStatus", out.LastUpdateStatus, types.LastUpdateStatusSuccessful},
		{"Architectures", out.Architectures, []types.Architecture{types.ArchitectureX8664}},
		{"Environment", out.Environment.Variables["GREETING"], "hi"},
		{"EphemeralStorage", aws.ToInt32(out.EphemeralStorage.Size), int32(512)},
		{"LogGroup", aws.ToString(out.LoggingConfig.LogGroup), "/aws/lambda/hello"},
		{"TracingConfig", out.TracingConfig.Mode, types.TracingModePassThrough},
	}
	for _, c := range checks {
		if !equal(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.field, c.got, c.want)
		}
	}
	if aws.ToString(out.RevisionId) == "" {
		t.Error("RevisionId is empty")
	}
	if _, err := time.Parse("2006-01-02T15:04:05.000-0700", aws.ToString(out.LastModified)); err != nil {
		t.Errorf("LastModified %q is not in AWS's format: %v", aws.ToString(out.LastModified), err)
	}
}

func equal(a, b any) bool {
	if as, ok := a.([]types.Architecture); ok {
		return slices.Equal(as, b.([]types.Architecture))
	}
	return a == b
}

func TestCreateFunctionErrors(t *testing.T) {
	e := start(t)
	e.create(t, "taken", shellZip(t, "taken"))
	slip := makeZip(t, file{name: "../evil", mode: 0o644, body: "x"})
	tests := []struct {
		name   string
		edit   func(*lambda.CreateFunctionInput)
		code   string
		status int
		msg    string
	}{
		{"unsupported runtime", func(in *lambda.CreateFunctionInput) { in.Runtime = types.RuntimePython312 },
			"InvalidParameterValueException", 400, "Use provided.al2023"},
		{"unknown runtime", func(in *lambda.CreateFunctionInput) { in.Runtime = "cobol85" },
			"ValidationException", 400, "at 'runtime' failed to satisfy constraint"},
		{"malformed role", func(in *lambda.CreateFunctionInput) { in.Role = aws.String("lambda-exec") },
			"ValidationException", 400, "Value 'lambda-exec' at 'role' failed to satisfy constraint"},
		{"unknown role", func(in *lambda.CreateFunctionInput) { in.Role = aws.String("arn:aws:iam::000000000000:role/nobody") },
			"InvalidParameterValueException", 400, "The role defined for the function cannot be assumed by Lambda."},
		{"not a zip", func(in *lambda.CreateFunctionInput) { in.Code.ZipFile = []byte("not a zip") },
			"InvalidParameterValueException", 400, "Could not unzip uploaded file. Please check your file, then try to upload again."},
		{"zip slip", func(in *lambda.CreateFunctionInput) { in.Code.ZipFile = slip },
			"InvalidParameterValueException", 400, "Could not unzip uploaded file."},
		{"s3 code", func(in *lambda.CreateFunctionInput) {
			in.Code = &types.FunctionCode{S3Bucket: aws.String("b"), S3Key: aws.String("k.zip")}
		}, "InvalidParameterValueException", 400, "send the zip inline as Code.ZipFile"},
		{"timeout too small", func(in *lambda.CreateFunctionInput) { in.Timeout = aws.Int32(0) },
			"ValidationException", 400, "Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"timeout too large", func(in *lambda.CreateFunctionInput) { in.Timeout = aws.Int32(901) },
			"ValidationException", 400, "Member must have value less than or equal to 900"},
		{"memory too small", func(in *lambda.CreateFunctionInput) { in.MemorySize = aws.Int32(64) },
			"ValidationException", 400, "at 'memorySize'"},
		{"memory too large", func(in *lambda.CreateFunctionInput) { in.MemorySize = aws.Int32(10241) },
			"ValidationException", 400, "Member must have value less than or equal to 10240"},
		{"two architectures", func(in *lambda.CreateFunctionInput) {
			in.Architectures = []types.Architecture{types.ArchitectureX8664, types.ArchitectureArm64}
		}, "ValidationException", 400, "at 'architectures'"},
		{"unknown architecture", func(in *lambda.CreateFunctionInput) { in.Architectures = []types.Architecture{"sparc"} },
			"ValidationException", 400, "at 'architectures'"},
		{"reserved env", func(in *lambda.CreateFunctionInput) {
			in.Environment = &types.Environment{Variables: map[string]string{"AWS_REGION": "x", "OK": "1", "AWS_ACCESS_KEY_ID": "y"}}
		}, "InvalidParameterValueException", 400, "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_ACCESS_KEY_ID, AWS_REGION"},
		{"no handler", func(in *lambda.CreateFunctionInput) { in.Handler = nil },
			"InvalidParameterValueException", 400, "Runtime and Handler are mandatory"},
		{"bad name", func(in *lambda.CreateFunctionInput) { in.FunctionName = aws.String("bad name!") },
			"ValidationException", 400, "at 'functionName' failed to satisfy constraint"},
		{"image package", func(in *lambda.CreateFunctionInput) { in.PackageType = types.PackageTypeImage },
			"InvalidParameterValueException", 400, "Container images are not supported"},
		{"name exists", func(in *lambda.CreateFunctionInput) { in.FunctionName = aws.String("taken") },
			"ResourceConflictException", 409, "Function already exist: taken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := e.createInput("fresh", shellZip(t, "fresh"))
			tt.edit(in)
			_, err := e.client.CreateFunction(emulatortest.Context(t), in)
			wantAPIError(t, err, tt.code, tt.status, tt.msg)
		})
	}
	// None of the refused requests created anything.
	_, err := e.client.GetFunction(emulatortest.Context(t), &lambda.GetFunctionInput{FunctionName: aws.String("fresh")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "Function not found: arn:aws:lambda:us-east-1:000000000000:function:fresh")
}

func TestCreateFunctionWithoutBootstrapIsAccepted(t *testing.T) {
	e := start(t)
	out := e.create(t, "nobootstrap", makeZip(t, file{name: "main.sh", mode: 0o755, body: "#!/bin/sh\n"}))
	if out.State != types.StateActive {
		t.Fatalf("State = %s, want Active (AWS fails at invoke, not upload)", out.State)
	}
}

func TestGetFunction(t *testing.T) {
	e := start(t)
	zipFile := shellZip(t, "get")
	in := e.createInput("getter", zipFile)
	in.Tags = map[string]string{"team": "ops"}
	if _, err := e.client.CreateFunction(emulatortest.Context(t), in); err != nil {
		t.Fatalf("CreateFunction: %v", err)
	}
	arn := "arn:aws:lambda:us-east-1:000000000000:function:getter"
	for _, ref := range []string{"getter", arn, "000000000000:function:getter", "getter:$LATEST", arn + ":$LATEST"} {
		t.Run(ref, func(t *testing.T) {
			out, err := e.client.GetFunction(emulatortest.Context(t), &lambda.GetFunctionInput{FunctionName: aws.String(ref)})
			if err != nil {
				t.Fatalf("GetFunction: %v", err)
			}
			// A reference qualified with $LATEST is answered under the
			// qualified ARN, as AWS does.
			want := arn
			if strings.HasSuffix(ref, ":$LATEST") {
				want = arn + ":$LATEST"
			}
			if got := aws.ToString(out.Configuration.FunctionArn); got != want {
				t.Errorf("FunctionArn = %s, want %s", got, want)
			}
			if out.Tags["team"] != "ops" {
				t.Errorf("Tags = %v, want team=ops", out.Tags)
			}
			if got := aws.ToString(out.Code.RepositoryType); got != "S3" {
				t.Errorf("RepositoryType = %s, want S3", got)
			}
		})
	}

	out, err := e.client.GetFunction(emulatortest.Context(t), &lambda.GetFunctionInput{FunctionName: aws.String("getter")})
	if err != nil {
		t.Fatalf("GetFunction: %v", err)
	}
	resp, err := http.Get(aws.ToString(out.Code.Location))
	if err != nil {
		t.Fatalf("download code: %v", err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 || string(got) != string(zipFile) {
		t.Fatalf("download code from %s: status %d, %d bytes, err %v; want the uploaded %d bytes", aws.ToString(out.Code.Location), resp.StatusCode, len(got), err, len(zipFile))
	}

	cfg, err := e.client.GetFunctionConfiguration(emulatortest.Context(t), &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(arn)})
	if err != nil {
		t.Fatalf("GetFunctionConfiguration: %v", err)
	}
	if aws.ToString(cfg.CodeSha256) != sha256B64(zipFile) {
		t.Errorf("CodeSha256 = %s, want %s", aws.ToString(cfg.CodeSha256), sha256B64(zipFile))
	}

	errs := []struct {
		name, ref, qualifier, code string
		status                     int
		msg                        string
	}{
		{"unknown", "nobody", "", "ResourceNotFoundException", 404, "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nobody"},
		{"version qualifier", "getter", "1", "ResourceNotFoundException", 404, "Function not found: arn:aws:lambda:us-east-1:000000000000:function:getter:1"},
		{"other region", "arn:aws:lambda:eu-west-1:000000000000:function:getter", "", "ResourceNotFoundException", 404, "function:getter"},
		{"malformed", "not/a/name", "", "ValidationException", 400, "at 'functionName'"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			in := &lambda.GetFunctionInput{FunctionName: aws.String(tt.ref)}
			if tt.qualifier != "" {
				in.Qualifier = aws.String(tt.qualifier)
			}
			_, err := e.client.GetFunction(emulatortest.Context(t), in)
			wantAPIError(t, err, tt.code, tt.status, tt.msg)
		})
	}
}

func TestListFunctionsPaginates(t *testing.T) {
	e := start(t)
	zipFile := shellZip(t, "list")
	for _, n := range []string{"charlie", "alpha", "bravo", "delta", "echo"} {
		e.create(t, n, zipFile)
	}
	var names []string
	pages := 0
	p := lambda.NewListFunctionsPaginator(e.client, &lambda.ListFunctionsInput{MaxItems: aws.Int32(2)})
	for p.HasMorePages() {
		out, err := p.NextPage(emulatortest.Context(t))
		if err != nil {
			t.Fatalf("ListFunctions: %v", err)
		}
		pages++
		if len(out.Functions) > 2 {
			t.Fatalf("page of %d functions, want at most 2", len(out.Functions))
		}
		for _, f := range out.Functions {
			names = append(names, aws.ToString(f.FunctionName))
		}
	}
	want := []string{"alpha", "bravo", "charlie", "delta", "echo"}
	if !slices.Equal(names, want) || pages != 3 {
		t.Fatalf("listed %v in %d pages, want %v in 3", names, pages, want)
	}
}

func TestUpdateFunctionConfiguration(t *testing.T) {
	e := start(t)
	created := e.create(t, "cfg", shellZip(t, "cfg"))
	out, err := e.client.UpdateFunctionConfiguration(emulatortest.Context(t), &lambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String("cfg"),
		Timeout:      aws.Int32(30),
		MemorySize:   aws.Int32(256),
		Description:  aws.String("tuned"),
		Environment:  &types.Environment{Variables: map[string]string{"MODE": "fast"}},
	})
	if err != nil {
		t.Fatalf("UpdateFunctionConfiguration: %v", err)
	}
	if aws.ToInt32(out.Timeout) != 30 || aws.ToInt32(out.MemorySize) != 256 || aws.ToString(out.Description) != "tuned" || out.Environment.Variables["MODE"] != "fast" {
		t.Errorf("update not applied: timeout %d memory %d description %q env %v", aws.ToInt32(out.Timeout), aws.ToInt32(out.MemorySize), aws.ToString(out.Description), out.Environment.Variables)
	}
	if aws.ToString(out.RevisionId) == aws.ToString(created.RevisionId) {
		t.Error("RevisionId did not change")
	}
	if aws.ToString(out.CodeSha256) != aws.ToString(created.CodeSha256) {
		t.Error("configuration update changed CodeSha256")
	}
	got, err := e.client.GetFunctionConfiguration(emulatortest.Context(t), &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("cfg")})
	if err != nil {
		t.Fatalf("GetFunctionConfiguration: %v", err)
	}
	if aws.ToInt32(got.Timeout) != 30 {
		t.Errorf("read back Timeout = %d, want 30", aws.ToInt32(got.Timeout))
	}

	errs := []struct {
		name   string
		in     *lambda.UpdateFunctionConfigurationInput
		code   string
		status int
		msg    string
	}{
		{"unknown function", &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("nobody"), Timeout: aws.Int32(5)},
			"ResourceNotFoundException", 404, "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nobody"},
		{"reserved env", &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("cfg"),
			Environment: &types.Environment{Variables: map[string]string{"AWS_LAMBDA_RUNTIME_API": "x"}}},
			"InvalidParameterValueException", 400, "Reserved keys used in this request: AWS_LAMBDA_RUNTIME_API"},
		{"timeout", &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("cfg"), Timeout: aws.Int32(1000)},
			"ValidationException", 400, "Value '1000' at 'timeout'"},
		{"unknown role", &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("cfg"), Role: aws.String("arn:aws:iam::000000000000:role/ghost")},
			"InvalidParameterValueException", 400, "cannot be assumed by Lambda"},
		{"stale revision", &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("cfg"), Timeout: aws.Int32(5), RevisionId: created.RevisionId},
			"PreconditionFailedException", 412, "does not match the latest Revision Id"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.client.UpdateFunctionConfiguration(emulatortest.Context(t), tt.in)
			wantAPIError(t, err, tt.code, tt.status, tt.msg)
		})
	}
}

func TestUpdateFunctionCode(t *testing.T) {
	e := start(t)
	created := e.create(t, "coder", shellZip(t, "v1"))
	v2 := shellZip(t, "v2")
	out, err := e.client.UpdateFunctionCode(emulatortest.Context(t), &lambda.UpdateFunctionCodeInput{
		FunctionName:  aws.String("coder"),
		ZipFile:       v2,
		Publish:       true,
		Architectures: []types.Architecture{types.ArchitectureArm64},
	})
	if err != nil {
		t.Fatalf("UpdateFunctionCode: %v", err)
	}
	if aws.ToString(out.CodeSha256) != sha256B64(v2) || aws.ToString(out.CodeSha256) == aws.ToString(created.CodeSha256) {
		t.Errorf("CodeSha256 = %s, want %s", aws.ToString(out.CodeSha256), sha256B64(v2))
	}
	if !slices.Equal(out.Architectures, []types.Architecture{types.ArchitectureArm64}) {
		t.Errorf("Architectures = %v, want [arm64]", out.Architectures)
	}
	if aws.ToString(out.RevisionId) == aws.ToString(created.RevisionId) {
		t.Error("RevisionId did not change")
	}

	errs := []struct {
		name   string
		in     *lambda.UpdateFunctionCodeInput
		code   string
		status int
		msg    string
	}{
		{"not a zip", &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("coder"), ZipFile: []byte("PK nope")},
			"InvalidParameterValueException", 400, "Could not unzip uploaded file."},
		{"s3", &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("coder"), S3Bucket: aws.String("b"), S3Key: aws.String("k")},
			"InvalidParameterValueException", 400, "Code.ZipFile"},
		{"unknown function", &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("nobody"), ZipFile: v2},
			"ResourceNotFoundException", 404, "Function not found"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.client.UpdateFunctionCode(emulatortest.Context(t), tt.in)
			wantAPIError(t, err, tt.code, tt.status, tt.msg)
		})
	}
}

func TestDeleteFunction(t *testing.T) {
	e := start(t)
	e.create(t, "doomed", shellZip(t, "doomed"))
	if _, err := e.client.DeleteFunction(emulatortest.Context(t), &lambda.DeleteFunctionInput{FunctionName: aws.String("doomed")}); err != nil {
		t.Fatalf("DeleteFunction: %v", err)
	}
	_, err := e.client.GetFunction(emulatortest.Context(t), &lambda.GetFunctionInput{FunctionName: aws.String("doomed")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "Function not found: arn:aws:lambda:us-east-1:000000000000:function:doomed")
	_, err = e.client.DeleteFunction(emulatortest.Context(t), &lambda.DeleteFunctionInput{FunctionName: aws.String("doomed")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "Function not found")
	// The name is free again.
	e.create(t, "doomed", shellZip(t, "again"))
}

func TestFunctionsArePerRegion(t *testing.T) {
	e := start(t)
	e.create(t, "shared", shellZip(t, "east"))
	west := lambda.NewFromConfig(emulatortest.AWSConfig(t, e.srv.URL()), func(o *lambda.Options) { o.Region = "eu-west-1" })
	list, err := west.ListFunctions(emulatortest.Context(t), &lambda.ListFunctionsInput{})
	if err != nil {
		t.Fatalf("ListFunctions: %v", err)
	}
	if len(list.Functions) != 0 {
		t.Fatalf("eu-west-1 lists %d functions, want none", len(list.Functions))
	}
	out, err := west.CreateFunction(emulatortest.Context(t), e.createInput("shared", shellZip(t, "west")))
	if err != nil {
		t.Fatalf("CreateFunction in eu-west-1: %v", err)
	}
	if got := aws.ToString(out.FunctionArn); got != "arn:aws:lambda:eu-west-1:000000000000:function:shared" {
		t.Errorf("FunctionArn = %s", got)
	}
}
