package lambda_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/apidriven/api-driven/emulator/emulatortest"
)

// AWS's limit on a CreateFunction or UpdateFunctionCode request: a 50 MiB
// zip, base64-encoded.
const maxUploadBody = 69905067

// TestUploadOverTheLimit: a zip over 50 MiB is refused as AWS refuses it,
// from its Content-Length, before the emulator reads or decodes it.
func TestUploadOverTheLimit(t *testing.T) {
	e := start(t)
	ctx := emulatortest.Context(t)
	tooBig := make([]byte, 50<<20+1)
	_, err := e.client.CreateFunction(ctx, e.createInput("big", tooBig))
	wantAPIError(t, err, "RequestEntityTooLargeException", 413, "Request must be smaller than 69905067 bytes for the CreateFunction operation")

	e.create(t, "small", shellZip(t, "v1"))
	_, err = e.client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("small"), ZipFile: tooBig})
	wantAPIError(t, err, "RequestEntityTooLargeException", 413, "for the UpdateFunctionCode operation")

	// Other operations are far smaller: 1 MiB is plenty.
	_, err = e.client.TagResource(ctx, &lambda.TagResourceInput{
		Resource: aws.String("arn:aws:lambda:us-east-1:000000000000:function:small"),
		Tags:     map[string]string{"big": strings.Repeat("x", 1<<20)},
	})
	wantAPIError(t, err, "RequestEntityTooLargeException", 413, "for the TagResource operation")
}

// TestUploadOverTheLimitWithoutLength: a chunked body, whose size nobody
// announced, is read up to the limit and refused there.
func TestUploadOverTheLimitWithoutLength(t *testing.T) {
	e := start(t)
	prefix := `{"FunctionName":"chunked","Runtime":"provided.al2023","Role":"` + e.role + `","Handler":"bootstrap","Code":{"ZipFile":"`
	body := io.MultiReader(strings.NewReader(prefix), io.LimitReader(repeatReader('A'), maxUploadBody))
	req, err := http.NewRequestWithContext(emulatortest.Context(t), http.MethodPost, e.srv.URL()+"/2015-03-31/functions", struct{ io.Reader }{body})
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = -1 // sent chunked
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 413 || resp.Header.Get("X-Amzn-ErrorType") != "RequestEntityTooLargeException" ||
		!bytes.Contains(got, []byte("Request must be smaller than 69905067 bytes for the CreateFunction operation")) {
		t.Fatalf("chunked oversize upload: %d %s %s", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), got)
	}
}

// repeatReader is an endless stream of one byte.
type repeatReader byte

func (r repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}
