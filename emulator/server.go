// Package emulator serves the embedded AWS emulator: EC2, IAM, STS, Lambda
// and API Gateway on one LocalStack-compatible HTTP listener.
package emulator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/apidriven/api-driven/emulator/apigateway"
	"github.com/apidriven/api-driven/emulator/auth"
	"github.com/apidriven/api-driven/emulator/authz"
	"github.com/apidriven/api-driven/emulator/ec2"
	"github.com/apidriven/api-driven/emulator/ec2/containers"
	"github.com/apidriven/api-driven/emulator/iam"
	"github.com/apidriven/api-driven/emulator/lambda"
	"github.com/apidriven/api-driven/emulator/lambda/runtime"
	"github.com/apidriven/api-driven/emulator/perimeter"
	"github.com/apidriven/api-driven/emulator/protocol"
	"github.com/apidriven/api-driven/emulator/store"
	"github.com/apidriven/api-driven/emulator/sts"
	"github.com/apidriven/api-driven/emulator/trace"
)

// DefaultAddr is LocalStack's edge port, so tools written for LocalStack work.
const DefaultAddr = "127.0.0.1:4566"

// Version is reported by /_localstack/info and health.
const Version = "0.1.0"

// Config configures a Server.
type Config struct {
	// Addr to listen on; DefaultAddr when empty, "127.0.0.1:0" in tests.
	Addr string
	// DataDir persists state across restarts; empty keeps it in memory.
	DataDir string
	// TransitionDelay is how long EC2 transitional states and a new Lambda
	// function's Pending last.
	TransitionDelay time.Duration
	// LambdaUpdateDelay is how long a Lambda function's LastUpdateStatus
	// stays InProgress after an update of its code or configuration: short,
	// so that an edit-save loop (`go tool mage watch`) waits little, and
	// above zero, so that clients' waiters see it.
	LambdaUpdateDelay time.Duration
	// WorkDir holds unpacked function code and function logs; defaults to
	// DataDir/lambda, or a temp dir in memory mode.
	WorkDir string
	// EC2Containers backs instances launched from container AMIs (local
	// Docker images labelled io.github.apidriven.ami=true, or the
	// project's) with real containers; see package ec2/containers. It
	// needs a Docker engine: New fails, saying so, when none answers.
	EC2Containers bool
	// EC2ContainerNetwork is the Docker network of those containers;
	// "bridge" when empty.
	EC2ContainerNetwork string
	// TraceRing is how many stage-URL requests keep their trace
	// (trace.DefaultCapacity when 0); negative turns tracing off.
	TraceRing int
	// EnforceIAM (LocalStack's ENFORCE_IAM) demands a valid signature
	// from known credentials on every call and evaluates the policies of
	// every caller but the root. Without it only function sandboxes'
	// calls are evaluated.
	EnforceIAM bool
	// IAMSoftMode (LocalStack's IAM_SOFT_MODE) logs denials instead of
	// enforcing them.
	IAMSoftMode bool
	Logger      *slog.Logger
	// PublicAddr, when set, serves deployed APIs' stage URLs and the
	// health check, and nothing else, on a second listener: the port
	// `go tool mage public` publishes.
	PublicAddr string
	// AllowRemote permits an Addr beyond loopback; every control-plane
	// call must then pass Perimeter.Verifier.
	AllowRemote bool
	// Perimeter is who else may call the control plane (Host and Origin
	// allow-lists, a Codespace's forwarding); see package perimeter.
	Perimeter perimeter.Policy
	// FunctionUser is the -function-user setting (runtime.FunctionUser):
	// by default, functions of a root emulator run as nobody.
	FunctionUser string
	// FunctionGroups are supplementary groups (names or gids) of that
	// user, such as the Docker socket's for the docker target.
	FunctionGroups []string
	// Credentials (access key id → secret; AWSEMU_CREDENTIALS) sign as
	// the account root; with remote access, only they, role sessions and
	// function sandboxes' credentials are accepted.
	Credentials map[string]string
}

// Server is a running emulator.
type Server struct {
	cfg      Config
	log      *slog.Logger
	started  time.Time
	listener net.Listener
	http     *http.Server
	url      string
	tempDir  string
	public   *http.Server // nil without cfg.PublicAddr
	pubURL   string

	functionUser *runtime.User // nil: functions run as the emulator's user

	health     *healthTracker
	ec2        *ec2.Service
	iam        *iam.Service
	sts        *sts.Service
	lambda     *lambda.Service
	runtime    *runtime.Manager
	apigateway *apigateway.Service
	containers *containers.Driver      // nil unless cfg.EC2Containers
	traces     *trace.Recorder         // nil when tracing is off
	console    http.Handler            // everything under console.Prefix
	query      map[string]queryService // by SigV4 service name
	actions    map[string]string       // action -> service, for unsigned calls

	credentials *auth.Registry // see authwiring.go
	verifier    *auth.Verifier
	gate        *authz.Gate
}

type queryService struct {
	handler protocol.QueryHandler
	dialect protocol.Dialect
}

// New builds the services and loads persisted state, without listening.
func New(cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{cfg: cfg, log: cfg.Logger, started: time.Now(), health: newHealthTracker()}
	s.traces = trace.New(trace.Options{Capacity: cfg.TraceRing})
	st, err := store.Open(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	user, err := functionUser(cfg)
	if err != nil {
		return nil, err
	}
	s.functionUser = user
	workDir, codeDir, err := s.workDirs(st, user)
	if err != nil {
		return nil, err
	}
	// IAM first: EC2 resolves instance profiles in it.
	if s.iam, err = iam.New(iam.Options{Store: st}); err != nil {
		s.shutdownServices()
		return nil, fmt.Errorf("failed to load iam state: %w", err)
	}
	if err := s.startEC2(st); err != nil {
		s.shutdownServices()
		return nil, err
	}
	s.setupAuth()
	if err := s.registerCredentials(); err != nil {
		s.shutdownServices()
		return nil, err
	}
	s.sts = sts.New(s.iam, s.credentials)
	s.runtime = runtime.NewManager(runtime.Config{Logger: s.log, Credentials: sandboxIssuer{s}, User: user})
	if s.lambda, err = lambda.New(lambda.Options{Store: st, Roles: s.iam, Runtime: s.runtime, TransitionDelay: cfg.TransitionDelay, UpdateDelay: cfg.LambdaUpdateDelay, WorkDir: workDir, CodeDir: codeDir}); err != nil {
		s.shutdownServices()
		return nil, fmt.Errorf("failed to load lambda state: %w", err)
	}
	if s.apigateway, err = apigateway.New(apigateway.Options{Store: st, Invoker: s.lambda, IAMAuth: s.gate, Logger: s.log}); err != nil {
		s.shutdownServices()
		return nil, fmt.Errorf("failed to load apigateway state: %w", err)
	}
	s.addTagSources()
	s.console = s.newConsole()
	s.query = map[string]queryService{
		"ec2": {s.ec2, protocol.DialectEC2},
		"iam": {s.iam, protocol.DialectQuery},
		"sts": {s.sts, protocol.DialectQuery},
	}
	s.actions = map[string]string{}
	for name, q := range s.query {
		for _, a := range q.handler.Actions() {
			s.actions[a] = name
		}
	}
	return s, nil
}

// startEC2 builds the EC2 service, with the container driver when asked:
// the engine must answer, and persisted instances are resynced with their
// containers before the first request.
func (s *Server) startEC2(st *store.Store) error {
	opts := ec2.Options{Store: st, TransitionDelay: s.cfg.TransitionDelay, InstanceProfiles: s.iam, OnStateChange: s.traceStateChange}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if s.cfg.EC2Containers {
		dir := ""
		if st.Persistent() {
			dir = st.Dir()
		}
		d, err := containers.New(ctx, containers.Options{
			Owner: containers.OwnerFor(dir), RemoveOnClose: !st.Persistent(),
			Network: s.cfg.EC2ContainerNetwork, Logger: s.log,
		})
		if err != nil {
			return err
		}
		s.containers, opts.Driver = d, d
	}
	svc, err := ec2.New(opts)
	if err != nil {
		return fmt.Errorf("failed to load ec2 state: %w", err)
	}
	s.ec2 = svc
	if s.containers == nil {
		return nil
	}
	if err := s.ec2.Resync(ctx); err != nil {
		return err
	}
	s.log.Info("ec2 instances of container AMIs run as Docker containers", "owner", s.containers.Owner())
	return nil
}

// Start builds a Server and serves it on cfg.Addr (and cfg.PublicAddr)
// until Close. An Addr beyond loopback needs cfg.AllowRemote.
func Start(cfg Config) (*Server, error) {
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if err := perimeter.CheckControlAddr(cfg.Addr, cfg.AllowRemote); err != nil {
		return nil, err
	}
	s, err := New(cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		s.shutdownServices()
		return nil, fmt.Errorf("failed to listen on %s (is another emulator or LocalStack running? stop it or pick another address): %w", cfg.Addr, err)
	}
	var pub net.Listener
	if cfg.PublicAddr != "" {
		if pub, err = net.Listen("tcp", cfg.PublicAddr); err != nil {
			ln.Close()
			s.shutdownServices()
			return nil, fmt.Errorf("failed to listen on %s for the public port (is another emulator running? stop it or pick another address): %w", cfg.PublicAddr, err)
		}
	}
	if err := s.Serve(ln); err != nil {
		ln.Close()
		if pub != nil {
			pub.Close()
		}
		s.shutdownServices()
		return nil, err
	}
	if pub != nil {
		s.ServePublic(pub)
	}
	return s, nil
}

// Serve serves the control plane on ln in the background, behind the
// perimeter (see package perimeter).
func (s *Server) Serve(ln net.Listener) error {
	handler, err := s.guard(ln)
	if err != nil {
		return err
	}
	s.listener = ln
	s.url = "http://" + ln.Addr().String()
	s.runtime.SetEndpointURL(s.url)
	s.http = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	s.http.RegisterOnShutdown(s.traces.Close) // ends the trace event streams, which never end on their own
	go func() {
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("emulator stopped serving", "err", err)
		}
	}()
	s.log.Info("emulator listening", "url", s.url, "data_dir", s.cfg.DataDir)
	return nil
}

// ServePublic serves the public data plane on ln: stage URLs and health.
func (s *Server) ServePublic(ln net.Listener) {
	s.pubURL = "http://" + ln.Addr().String()
	s.public = &http.Server{Handler: perimeter.Public(s, isStageURL), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := s.public.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("emulator stopped serving its public port", "err", err)
		}
	}()
	if host, _, _ := net.SplitHostPort(ln.Addr().String()); !perimeter.IsLoopbackHost(host) {
		s.log.Warn(perimeter.PublicWarning(ln.Addr().String()))
	}
	s.log.Info("public port listening (stage URLs and health only)", "url", s.pubURL)
}

// URL is the base URL clients use as their endpoint.
func (s *Server) URL() string { return s.url }

// PublicURL is the base URL of the public port; "" without one.
func (s *Server) PublicURL() string { return s.pubURL }

// Close stops listening, stops function processes and waits for them.
func (s *Server) Close() error {
	return s.Shutdown(context.Background())
}

// Shutdown stops gracefully within ctx.
func (s *Server) Shutdown(ctx context.Context) error {
	var errs []error
	for _, srv := range []*http.Server{s.public, s.http} {
		if srv != nil {
			if err := srv.Shutdown(ctx); err != nil {
				errs = append(errs, err)
			}
		}
	}
	errs = append(errs, s.shutdownServices())
	return errors.Join(errs...)
}

func (s *Server) shutdownServices() error {
	s.traces.Close()
	var errs []error
	if s.lambda != nil {
		errs = append(errs, s.lambda.Close())
	}
	if s.runtime != nil {
		errs = append(errs, s.runtime.Close())
	}
	if s.containers != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		errs = append(errs, s.containers.Close(ctx))
		cancel()
		s.containers = nil
	}
	if s.tempDir != "" {
		errs = append(errs, os.RemoveAll(s.tempDir))
	}
	return errors.Join(errs...)
}
