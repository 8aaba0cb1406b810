// Package console serves the emulator's web console under /_apidriven/:
// the architecture with each live request travelling along it, the
// project's instances with live state badges and Start, Stop and Status
// buttons that call the real stage URLs, the request list with each
// request's waterfall and log, and a read-only resource browser. It also
// serves the trace endpoints (JSON and Server-Sent Events).
//
// Everything is embedded (plain HTML, CSS and JavaScript: no CDN, no
// build step) and every URL the page uses is relative, so it works offline
// and through a Codespace's forwarded port. It is part of the control
// plane: local only, never on the public port.
package console

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"strings"

	"github.com/apidriven/api-driven/emulator/apigateway"
	"github.com/apidriven/api-driven/emulator/ec2"
	"github.com/apidriven/api-driven/emulator/iam"
	"github.com/apidriven/api-driven/emulator/lambda"
	"github.com/apidriven/api-driven/emulator/trace"
)

// Prefix is where the console and its endpoints live.
const Prefix = trace.ConsolePath

// The read-only views the resource browser needs; the services implement
// them.
type (
	Instances interface{ Instances() []ec2.InstanceView }
	Functions interface{ Functions() []lambda.FunctionView }
	APIs      interface{ APIs() []apigateway.APIView }
	Roles     interface{ Roles() []iam.RoleView }
)

// Options are what the console shows; a nil source shows nothing.
type Options struct {
	Traces    *trace.Recorder
	Instances Instances
	Functions Functions
	APIs      APIs
	Roles     Roles
	// Version is the emulator's, shown in the page's footer.
	Version string
}

//go:embed assets
var assets embed.FS

// Resources is the answer of GET /_apidriven/resources.
type Resources struct {
	Version   string                `json:"version"`
	Tracing   bool                  `json:"tracing"`
	Instances []ec2.InstanceView    `json:"instances"`
	Functions []lambda.FunctionView `json:"functions"`
	APIs      []apigateway.APIView  `json:"restApis"`
	Roles     []iam.RoleView        `json:"roles"`
}

type console struct {
	o      Options
	static http.Handler
	mux    *http.ServeMux
}

// New returns the handler of everything under Prefix.
func New(o Options) http.Handler {
	sub, _ := fs.Sub(assets, "assets")
	c := &console{o: o, static: http.StripPrefix(Prefix+"assets/", http.FileServerFS(sub))}
	m := http.NewServeMux()
	m.HandleFunc("GET "+strings.TrimSuffix(Prefix, "/"), func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, Prefix, http.StatusMovedPermanently)
	})
	m.HandleFunc("GET "+Prefix+"{$}", c.index)
	m.HandleFunc("GET "+Prefix+"assets/", c.asset)
	m.HandleFunc("GET "+trace.ListPath, o.Traces.ServeList)
	m.HandleFunc("GET "+trace.ListPath+"/{id}", func(w http.ResponseWriter, r *http.Request) {
		o.Traces.ServeTrace(w, r, r.PathValue("id"))
	})
	m.HandleFunc("GET "+trace.EventsPath, o.Traces.ServeEvents)
	m.HandleFunc("GET "+Prefix+"resources", c.resources)
	m.HandleFunc(Prefix, c.notFound)
	c.mux = m
	return c
}

func (c *console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// The page calls state-changing URLs: no framing (clickjacking), no
	// script or style but its own, no referrer to other sites.
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "the console's endpoints are read-only: use GET")
		return
	}
	c.mux.ServeHTTP(w, r)
}

func (c *console) index(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeFileFS(w, r, assets, "assets/index.html")
}

func (c *console) asset(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-cache") // revalidated: a new emulator may serve a new page
	c.static.ServeHTTP(w, r)
}

func (c *console) resources(w http.ResponseWriter, _ *http.Request) {
	res := Resources{Version: c.o.Version, Tracing: c.o.Traces != nil,
		Instances: []ec2.InstanceView{}, Functions: []lambda.FunctionView{}, APIs: []apigateway.APIView{}, Roles: []iam.RoleView{}}
	if c.o.Instances != nil {
		res.Instances = c.o.Instances.Instances()
	}
	if c.o.Functions != nil {
		res.Functions = c.o.Functions.Functions()
	}
	if c.o.APIs != nil {
		res.APIs = c.o.APIs.APIs()
	}
	if c.o.Roles != nil {
		res.Roles = c.o.Roles.Roles()
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(res)
}

func (c *console) notFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusNotFound, "no console endpoint at "+r.URL.Path+": open "+Prefix+" (endpoints: traces, traces/{id}, events, resources)")
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
}
