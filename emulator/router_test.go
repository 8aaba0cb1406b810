package emulator

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestExecuteTarget(t *testing.T) {
	tests := []struct {
		name, host, path string
		api, stage, rest string
		ok               bool
	}{
		{"aws form", "localhost:4566", "/_aws/execute-api/abc123/prod/start", "abc123", "prod", "/start", true},
		{"aws form root", "localhost:4566", "/_aws/execute-api/abc123/prod", "abc123", "prod", "/", true},
		{"aws form without id is API Gateway's", "localhost:4566", "/_aws/execute-api//prod", "", "prod", "/", true},
		{"user request form", "localhost:4566", "/restapis/abc123/prod/_user_request_/status", "abc123", "prod", "/status", true},
		{"user request root", "localhost:4566", "/restapis/abc123/prod/_user_request_", "abc123", "prod", "/", true},
		{"control plane", "localhost:4566", "/restapis/abc123/resources", "", "", "", false},
		{"host form", "abc123.execute-api.localhost.localstack.cloud:4566", "/prod/stop", "abc123", "prod", "/stop", true},
		{"plain", "localhost:4566", "/", "", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "http://"+tt.host+tt.path, nil)
			api, stage, rest, ok := executeTarget(r)
			if ok != tt.ok || api != tt.api || stage != tt.stage || rest != tt.rest {
				t.Fatalf("executeTarget = %q %q %q %v, want %q %q %q %v", api, stage, rest, ok, tt.api, tt.stage, tt.rest, tt.ok)
			}
		})
	}
}

// Requests that match no emulated API get a 4xx in the shape their
// protocol expects, never a 5xx.
func TestUnroutableRequests(t *testing.T) {
	srv, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	tests := []struct {
		name, method, path, body string
		header                   map[string]string
		status                   int
		contains                 string
	}{
		{"json protocol target", "POST", "/", "{}", map[string]string{"X-Amz-Target": "DynamoDB_20120810.ListTables", "Content-Type": "application/x-amz-json-1.0"}, 400, `"__type":"UnknownOperationException"`},
		{"unknown signed service", "POST", "/", "", map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=a/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x"}, 400, "UnknownService"},
		{"query without action", "POST", "/", "Version=1", nil, 400, "<Code>InvalidAction</Code>"},
		{"execute-api without id", "GET", "/_aws/execute-api//prod/start", "", nil, 404, `"message":"Not Found"`},
		{"unknown localstack path", "GET", "/_localstack/nope", "", nil, 404, "/_localstack/health"},
		{"unsigned GET that changes state", "GET", "/?Action=CreateRole&RoleName=x&AssumeRolePolicyDocument=%7B%7D&Version=2010-05-08", "", nil, 403, "an unsigned GET may only read"},
		{"unsigned GET that reads", "GET", "/?Action=ListRoles&Version=2010-05-08", "", nil, 200, "<ListRolesResponse"},
		{"unsigned POST form that changes state", "POST", "/", "Action=CreateUser&UserName=by-form&Version=2010-05-08", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 200, "<CreateUserResponse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "http://localhost:4566"+tt.path, strings.NewReader(tt.body))
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, r)
			if w.Code != tt.status || !strings.Contains(w.Body.String(), tt.contains) {
				t.Fatalf("%s %s = %d %s, want %d containing %s", tt.method, tt.path, w.Code, w.Body.String(), tt.status, tt.contains)
			}
		})
	}
}
