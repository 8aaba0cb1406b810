package emulator

import (
	"net/http/httptest"
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
