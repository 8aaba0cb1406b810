package workflow

import (
	"net/http"
	"os"
	"strings"
	"time"
)

// EnvAPIKey holds the API key the targets send to the project's URLs, for
// when its methods require one (exercise 3 of the README).
const EnvAPIKey = "APIDRIVEN_API_KEY"

// routeClient is the HTTP client of every target that calls the project's
// URLs (all's status check, smoke, watch).
func routeClient() *http.Client {
	c := &http.Client{Timeout: 30 * time.Second}
	if key := strings.TrimSpace(os.Getenv(EnvAPIKey)); key != "" {
		c.Transport = apiKeyTransport{key: key, base: http.DefaultTransport}
	}
	return c
}

// apiKeyTransport adds x-api-key, as API Gateway expects it.
type apiKeyTransport struct {
	key  string
	base http.RoundTripper
}

func (t apiKeyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("x-api-key", t.key)
	return t.base.RoundTrip(r)
}
