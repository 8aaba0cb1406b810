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

// TestUploadOverTheLimit: an upload over AWS's limit is refused as AWS
// refuses it, from its Content-Length, before the emulator reads it.
func TestUploadOverTheLimit(t *testing.T) {
	e := start(t)
	e.create(t, "small", shellZip(t, "v1"))
	for _, tc := range []struct{ op, method, path string }{
		{"CreateFunction", http.MethodPost, "/2015-03-31/functions"},
		{"UpdateFunctionCode", http.MethodPut, "/2015-03-31/functions/small/code"},
	} {
		body := io.LimitReader(repeatReader('A'), maxUploadBody+1) // never held in memory
		req, err := http.NewRequestWithContext(emulatortest.Context(t), tc.method, e.srv.URL()+tc.path, body)
		if err != nil {
			t.Fatal(err)
		}
		req.ContentLength = maxUploadBody + 1
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tc.op, err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := "Request must be smaller than 69905067 bytes for the " + tc.op + " operation"
		if resp.StatusCode != 413 || resp.Header.Get("X-Amzn-ErrorType") != "RequestEntityTooLargeException" || !bytes.Contains(got, []byte(want)) {
			t.Errorf("%s of %d bytes: %d %s %s", tc.op, req.ContentLength, resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), got)
		}
	}

	// Other operations are far smaller: 1 MiB is plenty.
	_, err := e.client.TagResource(emulatortest.Context(t), &lambda.TagResourceInput{
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
