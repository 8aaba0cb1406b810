package emulator

import (
	"net/http"
	"sync"
	"time"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// healthTracker reports each service as LocalStack does: "available" until
// first used, "running" after.
type healthTracker struct {
	mu      sync.Mutex
	running map[string]bool
}

func newHealthTracker() *healthTracker { return &healthTracker{running: map[string]bool{}} }

var emulatedServices = []string{"apigateway", "ec2", "iam", "lambda", "sts"}

func (h *healthTracker) used(service string) {
	h.mu.Lock()
	h.running[service] = true
	h.mu.Unlock()
}

func (h *healthTracker) states() map[string]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make(map[string]string, len(emulatedServices))
	for _, name := range emulatedServices {
		out[name] = "available"
		if h.running[name] {
			out[name] = "running"
		}
	}
	return out
}

func (s *Server) serveLocalStack(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		protocol.WriteJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "use GET"})
		return
	}
	switch r.URL.Path {
	case "/_localstack/health", "/_localstack/health/":
		protocol.WriteJSON(w, http.StatusOK, map[string]any{
			"services": s.health.states(),
			"edition":  "community",
			"version":  Version,
		})
	case "/_localstack/info", "/_localstack/info/":
		protocol.WriteJSON(w, http.StatusOK, map[string]any{
			"version":              "api-driven-emulator " + Version,
			"edition":              "community",
			"is_license_activated": false,
			"session_id":           s.started.Format("20060102150405"),
			"machine_id":           "api-driven",
			"system":               "native",
			"is_docker":            false,
			"server_time_utc":      time.Now().UTC().Format("2006-01-02T15:04:05"),
			"uptime":               int(time.Since(s.started).Seconds()),
			"persistence":          s.cfg.DataDir != "",
			// Whether instances of container AMIs run as containers
			// (-ec2-containers), so a client can tell which mode runs.
			"ec2_containers": s.cfg.EC2Containers,
			// The IAM mode (-enforce-iam, -iam-soft-mode), so that mage
			// can tell whether the running emulator is in the mode asked.
			"enforce_iam":   s.cfg.EnforceIAM,
			"iam_soft_mode": s.cfg.IAMSoftMode,
			// Who functions run as when not the emulator's user (null).
			"function_user": s.functionUserInfo(),
		})
	default:
		protocol.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "unknown LocalStack endpoint " + r.URL.Path + "; try /_localstack/health"})
	}
}
