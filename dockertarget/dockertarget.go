// Package dockertarget makes the container of the docker target exist:
// the tiny image built locally from cmd/apidriven-web (FROM scratch, no
// registry), the container published on 127.0.0.1 and labelled as the
// project's, and their removal. It speaks to the Docker Engine through
// github.com/moby/moby/client, never the docker CLI.
package dockertarget

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/client"

	"github.com/apidriven/api-driven/internal/checkout"
	"github.com/apidriven/api-driven/internal/status"
)

const (
	// DefaultName starts the container the API drives; the checkout's ID
	// follows (apidriven-web-1a2b3c4d), see DefaultNameFor.
	DefaultName = "apidriven-web"
	// LocalRepository is the repository of images this package builds
	// when they are missing (any tag).
	LocalRepository = "apidriven-web"
	// LabelManaged marks what the project created; nothing without it is
	// ever changed or removed.
	LabelManaged = "io.github.apidriven.managed"
	// LabelComponent says which part of the project it is ("web").
	LabelComponent = "io.github.apidriven.component"
	// Component is this package's LabelComponent value.
	Component = "web"
	// ServerPort is the port the web server listens on in the container.
	ServerPort = 8080
)

// Label is the "key=value" the function checks (its CONTAINER_LABEL)
// when no checkout is known; see Options.FunctionLabel.
var Label = LabelManaged + "=true"

// DefaultNameFor is the container of a checkout: apidriven-web-<id>.
func DefaultNameFor(checkoutID string) string { return DefaultName + "-" + checkoutID }

// DefaultImageFor is the image of a checkout: apidriven-web:<id>.
func DefaultImageFor(checkoutID string) string { return LocalRepository + ":" + checkoutID }

// Labels are put on the image and the container: the project's, and the
// checkout's when known.
func Labels(checkoutID string) map[string]string {
	l := map[string]string{LabelManaged: "true", LabelComponent: Component}
	if checkoutID != "" {
		l[checkout.Label] = checkoutID
	}
	return l
}

// FunctionLabel is the label the function requires on the container: the
// checkout's, so a function never drives another checkout's container.
func (o Options) FunctionLabel() string {
	if o.Checkout == "" {
		return Label
	}
	return checkout.Label + "=" + o.Checkout
}

// Options say which container and image, usually from the environment.
type Options struct {
	Name     string // APIDRIVEN_CONTAINER (default DefaultNameFor(Checkout))
	Image    string // APIDRIVEN_IMAGE (default DefaultImageFor(Checkout))
	Checkout string // the checkout's ID (checkout.ID); "" = none (tests)
	HostPort int    // APIDRIVEN_CONTAINER_PORT on 127.0.0.1; 0 = a free port chosen at creation
	// PreferredPort, when HostPort is 0, is tried first at creation (the
	// port of an earlier deployment, so its URL keeps working).
	PreferredPort int
	Root          string // module root, where ./cmd/apidriven-web lives
	Status        *status.Status
}

// OptionsFromEnv reads APIDRIVEN_CONTAINER, APIDRIVEN_IMAGE and
// APIDRIVEN_CONTAINER_PORT.
func OptionsFromEnv(root string, st *status.Status) (Options, error) {
	id := checkout.ID(root)
	o := Options{Name: env("APIDRIVEN_CONTAINER", DefaultNameFor(id)), Image: env("APIDRIVEN_IMAGE", DefaultImageFor(id)),
		Checkout: id, Root: root, Status: st}
	if v := env("APIDRIVEN_CONTAINER_PORT", ""); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 || p > 65535 {
			return o, status.WithFix(fmt.Errorf("invalid APIDRIVEN_CONTAINER_PORT %q", v), "use a TCP port such as 8080, or unset it to let deploy choose a free one")
		}
		o.HostPort = p
	}
	if !validName(o.Name) {
		return o, status.WithFix(fmt.Errorf("invalid APIDRIVEN_CONTAINER %q", o.Name), "use letters, digits, '_', '.' or '-', starting with a letter or digit")
	}
	return o, nil
}

// Builds reports whether deploy may build the image when it is missing:
// only images of LocalRepository, never somebody else's.
func (o Options) Builds() bool {
	repo, _, _ := strings.Cut(o.Image, ":")
	return repo == LocalRepository
}

func validName(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || i > 0 && (r == '_' || r == '.' || r == '-')
		if !ok {
			return false
		}
	}
	return true
}

func env(key, def string) string {
	if v := strings.TrimSpace(os.Getenv(key)); v != "" {
		return v
	}
	return def
}

// PingTimeout bounds the first contact with the engine, so a missing
// engine is an error in seconds, never a hang.
const PingTimeout = 5 * time.Second

// Connect opens a client (DOCKER_HOST or the default socket) and checks
// the engine answers within PingTimeout.
func Connect(ctx context.Context) (*client.Client, error) {
	cli, err := client.New(client.FromEnv)
	if err != nil {
		return nil, status.WithFix(fmt.Errorf("failed to configure the Docker client: %w", err), "check DOCKER_HOST (for example unix:///var/run/docker.sock)")
	}
	pctx, cancel := context.WithTimeout(ctx, PingTimeout)
	defer cancel()
	if _, err := cli.Ping(pctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		cli.Close()
		return nil, EngineDown(err)
	}
	return cli, nil
}

// EngineDown explains an unreachable engine for the docker target.
func EngineDown(err error) error {
	return status.WithFix(fmt.Errorf("APIDRIVEN_TARGET=docker needs a Docker engine, but none answers (DOCKER_HOST=%q): %w", os.Getenv("DOCKER_HOST"), err),
		"start Docker (Docker Desktop, or `sudo service docker start` on Linux; in a Codespace the devcontainer's docker-in-docker provides it), "+
			"or use APIDRIVEN_TARGET=ec2 (the default), which needs no Docker")
}
