package lambda_test

import (
	"fmt"
	"maps"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/apidriven/api-driven/emulator/emulatortest"
)

// tagSet is n tags named prefix0, prefix1…
func tagSet(prefix string, n int) map[string]string {
	tags := make(map[string]string, n)
	for i := range n {
		tags[fmt.Sprintf("%s%d", prefix, i)] = "v"
	}
	return tags
}

// TestTagLimit: a function holds at most 50 tags, as on AWS, counted after
// merging with the tags it has; a refused call changes nothing.
func TestTagLimit(t *testing.T) {
	e := start(t)
	ctx := emulatortest.Context(t)
	const tooMany = "Number of tags exceeds resource tag limit."

	in := e.createInput("crowded", shellZip(t, "crowded"))
	in.Tags = tagSet("k", 51)
	_, err := e.client.CreateFunction(ctx, in)
	wantAPIError(t, err, "InvalidParameterValueException", 400, tooMany)
	_, err = e.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("crowded")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "Function not found")

	in.Tags = tagSet("k", 49)
	if _, err := e.client.CreateFunction(ctx, in); err != nil {
		t.Fatalf("CreateFunction with 49 tags: %v", err)
	}
	arn := aws.String("arn:aws:lambda:us-east-1:000000000000:function:crowded")
	tag := func(tags map[string]string) error {
		_, err := e.client.TagResource(ctx, &lambda.TagResourceInput{Resource: arn, Tags: tags})
		return err
	}
	if err := tag(map[string]string{"k0": "changed", "new": "v"}); err != nil { // 49 + 1 new = 50
		t.Fatalf("TagResource up to 50: %v", err)
	}
	wantAPIError(t, tag(map[string]string{"one-more": "v"}), "InvalidParameterValueException", 400, tooMany)
	out, err := e.client.ListTags(ctx, &lambda.ListTagsInput{Resource: arn})
	if err != nil {
		t.Fatal(err)
	}
	want := tagSet("k", 49)
	want["k0"], want["new"] = "changed", "v"
	if !maps.Equal(out.Tags, want) {
		t.Fatalf("tags after the refused call: %d tags %v, want the 50 set before", len(out.Tags), out.Tags)
	}
	if err := tag(map[string]string{"k1": "overwritten"}); err != nil { // still 50
		t.Fatalf("overwriting a tag at the limit: %v", err)
	}
}
