// Command apidriven-web is the tiny static web server of the docker
// target: the container the API starts and stops. It answers every GET
// with a small JSON page, so a started container visibly answers on its
// published port and a stopped one refuses connections. Built with
// CGO_ENABLED=0 it runs in a FROM scratch image.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", ":8080", "listen address")
	flag.Parse()
	if err := run(*addr); err != nil {
		log.Fatalf("apidriven-web: %v", err)
	}
}

// Page is what every GET answers.
type Page struct {
	Service  string `json:"service"`
	Message  string `json:"message"`
	Hostname string `json:"hostname"`
	Started  string `json:"started"`
	Path     string `json:"path"`
}

func handler(started time.Time) http.Handler {
	host, _ := os.Hostname() // the container id's prefix in Docker
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, `{"error":"use GET"}`, http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(Page{
			Service:  "apidriven-web",
			Message:  "this container is running; stop it through the API's /stop route",
			Hostname: host,
			Started:  started.UTC().Format(time.RFC3339),
			Path:     r.URL.Path,
		})
	})
}

// run serves until SIGTERM or SIGINT. As PID 1 in a container, a signal
// with no handler is ignored, so handling it is what makes `docker stop`
// quick instead of waiting for the kill after the grace period.
func run(addr string) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	srv := &http.Server{Addr: addr, Handler: handler(time.Now()), ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Printf("apidriven-web listening on %s", addr)
	select {
	case err := <-errc:
		return fmt.Errorf("failed to serve on %s: %w", addr, err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("failed to shut down: %w", err)
	}
	log.Printf("apidriven-web stopped")
	return nil
}
