package lambda_test

import (
	"slices"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/apidriven/api-driven/emulator/emulatortest"
)

// listARNs pages through ListFunctions with the SDK's paginator, pageSize
// entries at a time, and returns the ARNs listed.
func listARNs(t *testing.T, e *env, version types.FunctionVersion, pageSize int32) []string {
	t.Helper()
	var arns []string
	p := lambda.NewListFunctionsPaginator(e.client, &lambda.ListFunctionsInput{FunctionVersion: version, MaxItems: aws.Int32(pageSize)})
	for p.HasMorePages() {
		out, err := p.NextPage(emulatortest.Context(t))
		if err != nil {
			t.Fatalf("ListFunctions %q: %v", version, err)
		}
		if len(out.Functions) > int(pageSize) {
			t.Fatalf("a page of %d entries, want at most %d", len(out.Functions), pageSize)
		}
		for _, f := range out.Functions {
			arns = append(arns, aws.ToString(f.FunctionArn))
		}
	}
	return arns
}

// TestListFunctionsAllVersions: FunctionVersion=ALL lists every published
// version after its $LATEST (qualified ARNs, versions in numeric order),
// across pages; without it only the unqualified functions.
func TestListFunctionsAllVersions(t *testing.T) {
	e := start(t)
	publishN(t, e, "alpha", 11) // versions 1…11: 10 must follow 9
	e.create(t, "bravo", shellZip(t, "bravo"))
	const fn = "arn:aws:lambda:us-east-1:000000000000:function:"

	want := []string{fn + "alpha:$LATEST"}
	for v := 1; v <= 11; v++ {
		want = append(want, fn+"alpha:"+strconv.Itoa(v))
	}
	want = append(want, fn+"bravo:$LATEST")
	for _, size := range []int32{3, 50} {
		if got := listARNs(t, e, types.FunctionVersionAll, size); !slices.Equal(got, want) {
			t.Errorf("ALL, pages of %d:\n got %v\nwant %v", size, got, want)
		}
	}
	if got := listARNs(t, e, "", 1); !slices.Equal(got, []string{fn + "alpha", fn + "bravo"}) {
		t.Errorf("without FunctionVersion: %v, want both functions, unqualified", got)
	}
	out, err := e.client.ListFunctions(emulatortest.Context(t), &lambda.ListFunctionsInput{FunctionVersion: types.FunctionVersionAll, MaxItems: aws.Int32(2)})
	if err != nil || aws.ToString(out.Functions[1].Version) != "1" || aws.ToInt32(out.Functions[1].Timeout) != 10 {
		t.Fatalf("version 1 listed as %+v (%v), want its own configuration", out.Functions[1], err)
	}

	_, err = e.client.ListFunctions(emulatortest.Context(t), &lambda.ListFunctionsInput{FunctionVersion: "LATEST"})
	wantAPIError(t, err, "ValidationException", 400, "at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: [ALL]")
}
