package provision

import "testing"

func TestInvokeURL(t *testing.T) {
	tests := []struct {
		name, backend, endpoint, public, region, route, want string
	}{
		{"embedded", BackendEmbedded, "http://localhost:4566", "", "us-east-1", "status",
			"http://localhost:4566/_aws/execute-api/abc123/prod/status"},
		{"localstack trailing slash", BackendLocalStack, "http://localhost:4566/", "", "us-east-1", "/start",
			"http://localhost:4566/_aws/execute-api/abc123/prod/start"},
		{"other (moto)", BackendOther, "http://127.0.0.1:5000", "", "eu-west-1", "stop",
			"http://127.0.0.1:5000/_aws/execute-api/abc123/prod/stop"},
		{"codespaces public base", BackendEmbedded, "http://localhost:4566", "https://cs-4566.app.github.dev", "us-east-1", "status",
			"https://cs-4566.app.github.dev/_aws/execute-api/abc123/prod/status"},
		{"aws", BackendAWS, "", "", "eu-central-1", "status",
			"https://abc123.execute-api.eu-central-1.amazonaws.com/prod/status"},
		{"aws ignores endpoint", BackendAWS, "http://localhost:4566", "https://x", "us-west-2", "start",
			"https://abc123.execute-api.us-west-2.amazonaws.com/prod/start"},
		{"aws china", BackendAWS, "", "", "cn-north-1", "stop",
			"https://abc123.execute-api.cn-north-1.amazonaws.com.cn/prod/stop"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := InvokeURL(tc.backend, tc.endpoint, tc.public, tc.region, "abc123", "prod", tc.route); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestURLsFor(t *testing.T) {
	cfg := Config{Backend: BackendAWS, Stage: "dev", Region: "us-east-1"}
	got := urlsFor(cfg, "id1")
	want := URLs{
		Start:  "https://id1.execute-api.us-east-1.amazonaws.com/dev/start",
		Stop:   "https://id1.execute-api.us-east-1.amazonaws.com/dev/stop",
		Status: "https://id1.execute-api.us-east-1.amazonaws.com/dev/status",
	}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}
