// Package sdkhttp gives aws-sdk-go-v2 clients an HTTP client that survives
// fast local endpoints such as this project's emulator, LocalStack or moto.
//
// smithy-go wraps request bodies in a reader whose WriteTo answers io.EOF
// once the body is closed, and the SDK closes it as soon as the response
// headers arrive. net/http writes a body of unknown kind after flushing the
// headers, then reads it once more to check for extra bytes; when a loopback
// server has already answered, that read meets the closed body, the io.EOF
// counts as a write error, and the transport closes the connection while the
// response is being read: "deserialization failed … use of closed network
// connection" on any response larger than the 4 KiB read buffer
// (aws/aws-sdk-go-v2#2737, localstack#1683). Holding the body in memory lets
// net/http write request and body in one go, before the server can answer.
package sdkhttp

import (
	"bytes"
	"fmt"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// Client wraps next so that request bodies are read into memory first.
func Client(next aws.HTTPClient) aws.HTTPClient {
	if next == nil {
		next = awshttp.NewBuildableClient()
	}
	if _, ok := next.(memoryBodies); ok {
		return next
	}
	return memoryBodies{next: next}
}

// Install wraps cfg's HTTP client with Client. Call it after
// config.LoadDefaultConfig: the loader itself needs the SDK's own client
// type to apply AWS_CA_BUNDLE.
func Install(cfg *aws.Config) {
	cfg.HTTPClient = Client(cfg.HTTPClient)
}

type memoryBodies struct{ next aws.HTTPClient }

func (m memoryBodies) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		data, err := io.ReadAll(r.Body)
		_ = r.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("failed to read request body: %w", err)
		}
		r.Body = io.NopCloser(bytes.NewReader(data))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	}
	return m.next.Do(r)
}
