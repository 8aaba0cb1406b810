package backend

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apidriven/api-driven/backend/localstack"
	"github.com/apidriven/api-driven/backend/probe"
	"github.com/apidriven/api-driven/build"
	"github.com/apidriven/api-driven/internal/status"
	"github.com/apidriven/api-driven/internal/sticky"
)

// Settings are the knobs of every backend: from the environment, else
// from what the last up or deploy recorded (.apidriven/settings.json),
// else the defaults.
type Settings struct {
	Backend         string // auto | embedded | localstack | aws
	Target          string // APIDRIVEN_TARGET: ec2 (default) | docker
	Endpoint        string // AWS_ENDPOINT_URL; default probe.DefaultEndpoint for emulators
	Region          string
	Root            string // module root
	StateDir        string // Root/.apidriven
	TransitionDelay string // APIDRIVEN_TRANSITION_DELAY for the embedded emulator
	LambdaArch      string // APIDRIVEN_LAMBDA_ARCH for LocalStack and AWS
	// EC2Containers (APIDRIVEN_EC2_CONTAINERS=1): the embedded emulator
	// backs the project's instance with a Docker container.
	EC2Containers bool
	// IAM (ENFORCE_IAM=1, IAM_SOFT_MODE=1): the embedded emulator's IAM
	// mode. IAMAsked: the environment or the record names it, so that an
	// emulator this project did not start must be in that mode too.
	IAM      probe.IAMMode
	IAMAsked bool
	// AllowRemote (APIDRIVEN_ALLOW_REMOTE=1, never recorded): the
	// embedded emulator may listen beyond loopback.
	AllowRemote bool
	// PublicPort (APIDRIVEN_PUBLIC_PORT): the embedded emulator's public
	// data-plane port; "" is the endpoint's port + 1.
	PublicPort      string
	LocalStackImage string
	LocalStackToken string
	LocalStackCLI   bool
	ReadyTimeout    time.Duration
	// Recorded names the variables whose value came from
	// .apidriven/settings.json rather than the environment, for messages.
	Recorded []string
	Status   *status.Status
}

// Sticky is what up and deploy record for the next targets.
func (s Settings) Sticky() sticky.Settings {
	install := ""
	if s.LocalStackCLI {
		install = "cli"
	}
	st := sticky.Settings{Backend: s.Backend, Endpoint: s.Endpoint, Region: s.Region, Target: s.Target,
		EC2Containers: s.EC2Containers, LocalStackInstall: install}
	if s.Backend != "aws" && s.Backend != "localstack" { // modes of this project's emulator only
		st.EnforceIAM, st.IAMSoftMode = s.IAM.Enforce, s.IAM.Soft
		st.PublicPort = s.PublicPort
	}
	return st
}

// FromFile reports whether the variable key came from settings.json.
func (s Settings) FromFile(key string) bool { return slices.Contains(s.Recorded, key) }

// Source says where key's value came from, for messages: "" for the
// environment or a default, " (from .apidriven/settings.json)" otherwise.
func (s Settings) Source(key string) string {
	if s.FromFile(key) {
		return " (from .apidriven/" + sticky.FileName + ")"
	}
	return ""
}

// SettingsFromEnv reads and validates the environment; what it leaves
// unset comes from .apidriven/settings.json when the last up or deploy
// recorded it, unless it contradicts what the environment sets.
func SettingsFromEnv(root string, st *status.Status) (Settings, error) {
	stateDir := filepath.Join(root, ".apidriven")
	rec, err := sticky.Load(stateDir)
	if err != nil {
		st.Infof("ignoring the recorded settings: %v", err)
	}
	v := merge(rec)
	s := Settings{
		Backend:         strings.ToLower(v.get("APIDRIVEN_BACKEND", "auto")),
		Target:          strings.ToLower(v.get("APIDRIVEN_TARGET", "ec2")),
		Endpoint:        strings.TrimRight(v.get("AWS_ENDPOINT_URL", ""), "/"),
		Region:          v.get("AWS_REGION", "us-east-1"),
		Root:            root,
		StateDir:        stateDir,
		TransitionDelay: os.Getenv("APIDRIVEN_TRANSITION_DELAY"),
		LambdaArch:      env("APIDRIVEN_LAMBDA_ARCH", build.HostLambdaArch()),
		LocalStackImage: env("LOCALSTACK_IMAGE", localstack.DefaultImage),
		LocalStackToken: os.Getenv("LOCALSTACK_AUTH_TOKEN"),
		Status:          st,
	}
	if !slices.Contains(Names, s.Backend) {
		return s, status.WithFix(fmt.Errorf("unknown APIDRIVEN_BACKEND %q%s", s.Backend, s.Source("APIDRIVEN_BACKEND")), "use one of %s (default auto)", strings.Join(Names, ", "))
	}
	if !slices.Contains(Targets, s.Target) {
		return s, status.WithFix(fmt.Errorf("unknown APIDRIVEN_TARGET %q%s", s.Target, s.Source("APIDRIVEN_TARGET")), "use ec2 (the default) or docker")
	}
	if s.EC2Containers, err = parseBool("APIDRIVEN_EC2_CONTAINERS", v.get("APIDRIVEN_EC2_CONTAINERS", "")); err != nil {
		return s, err
	}
	if s.IAM.Enforce, err = parseBool("ENFORCE_IAM", v.get("ENFORCE_IAM", "")); err != nil {
		return s, err
	}
	if s.IAM.Soft, err = parseBool("IAM_SOFT_MODE", v.get("IAM_SOFT_MODE", "")); err != nil {
		return s, err
	}
	s.IAMAsked = set("ENFORCE_IAM") || set("IAM_SOFT_MODE") || s.IAM != (probe.IAMMode{})
	if s.AllowRemote, err = parseBool("APIDRIVEN_ALLOW_REMOTE", os.Getenv("APIDRIVEN_ALLOW_REMOTE")); err != nil {
		return s, err
	}
	if s.Backend == "aws" && s.Target == "docker" {
		return s, status.WithFix(errors.New("APIDRIVEN_TARGET=docker cannot work on real AWS: a Lambda function in AWS cannot reach the Docker engine on this machine"),
			"use APIDRIVEN_BACKEND=embedded (or localstack) with the docker target, or APIDRIVEN_TARGET=ec2 on AWS")
	}
	if s.Backend == "aws" && s.Endpoint != "" {
		return s, status.WithFix(fmt.Errorf("APIDRIVEN_BACKEND=aws talks to real AWS, but AWS_ENDPOINT_URL is set to %s", s.Endpoint),
			"unset AWS_ENDPOINT_URL for real AWS, or use APIDRIVEN_BACKEND=auto for the endpoint")
	}
	if s.EC2Containers && (s.Backend == "aws" || s.Backend == "localstack") {
		return s, status.WithFix(fmt.Errorf("APIDRIVEN_EC2_CONTAINERS=1 needs this project's emulator, but APIDRIVEN_BACKEND is %s", s.Backend),
			"use APIDRIVEN_BACKEND=embedded (or auto) with APIDRIVEN_EC2_CONTAINERS=1, or set APIDRIVEN_EC2_CONTAINERS=0")
	}
	if s.Backend != "aws" && s.Endpoint == "" {
		s.Endpoint = probe.DefaultEndpoint
	}
	if s.PublicPort = v.get("APIDRIVEN_PUBLIC_PORT", ""); s.PublicPort != "" {
		if err := checkPublicPort(s.PublicPort, s.Endpoint, s.Source("APIDRIVEN_PUBLIC_PORT")); err != nil {
			return s, err
		}
	}
	if s.Endpoint != "" {
		if _, _, err := probe.HostPort(s.Endpoint); err != nil {
			return s, err
		}
	}
	if d := s.TransitionDelay; d != "" {
		if _, err := time.ParseDuration(d); err != nil {
			return s, status.WithFix(fmt.Errorf("invalid APIDRIVEN_TRANSITION_DELAY %q", d), "use a Go duration such as 500ms or 2s")
		}
	}
	if _, err := build.Linux(s.LambdaArch); err != nil {
		return s, status.WithFix(fmt.Errorf("invalid APIDRIVEN_LAMBDA_ARCH: %w", err), "use x86_64 or arm64")
	}
	switch install := strings.ToLower(v.get("APIDRIVEN_LOCALSTACK_INSTALL", "")); install {
	case "", "docker":
	case "cli":
		s.LocalStackCLI = true
	default:
		return s, status.WithFix(fmt.Errorf("invalid APIDRIVEN_LOCALSTACK_INSTALL %q", install), "use docker (default) or cli")
	}
	if e := os.Getenv("APIDRIVEN_UP_TIMEOUT"); e != "" {
		d, err := time.ParseDuration(e)
		if err != nil || d <= 0 {
			return s, status.WithFix(fmt.Errorf("invalid APIDRIVEN_UP_TIMEOUT %q", e), "use a Go duration such as 90s or 5m")
		}
		s.ReadyTimeout = d
	}
	s.Recorded = v.recorded
	s.announce()
	return s, nil
}

// announce says which recorded settings are in force, once per target,
// so that nothing changes behind the user's back.
func (s Settings) announce() {
	var kv []string
	for _, key := range s.Recorded {
		var val string
		switch key {
		case "APIDRIVEN_BACKEND":
			val = s.Backend
		case "AWS_ENDPOINT_URL":
			val = s.Endpoint
		case "AWS_REGION":
			val = s.Region
		case "APIDRIVEN_TARGET":
			val = s.Target
		case "APIDRIVEN_EC2_CONTAINERS", "ENFORCE_IAM", "IAM_SOFT_MODE":
			val = "1"
		case "APIDRIVEN_LOCALSTACK_INSTALL":
			val = "cli"
		case "APIDRIVEN_PUBLIC_PORT":
			val = s.PublicPort
		}
		kv = append(kv, key+"="+val)
	}
	if len(kv) > 0 {
		s.Status.Infof("using the settings of the last deploy (.apidriven/%s): %s; set them in the environment to change them",
			sticky.FileName, strings.Join(kv, " "))
	}
}

// values looks variables up in the environment, then in the recorded
// settings.
type values struct {
	rec      map[string]string
	recorded []string // keys whose value came from rec, in lookup order
}

// merge keeps the recorded values the environment leaves unset, and drops
// those that contradict what it sets: an explicit choice always wins.
func merge(r sticky.Settings) *values {
	rec := map[string]string{
		"APIDRIVEN_BACKEND": r.Backend, "AWS_ENDPOINT_URL": r.Endpoint, "AWS_REGION": r.Region,
		"APIDRIVEN_TARGET": r.Target, "APIDRIVEN_LOCALSTACK_INSTALL": r.LocalStackInstall,
		"APIDRIVEN_PUBLIC_PORT": r.PublicPort,
	}
	for key, on := range map[string]bool{"APIDRIVEN_EC2_CONTAINERS": r.EC2Containers, "ENFORCE_IAM": r.EnforceIAM, "IAM_SOFT_MODE": r.IAMSoftMode} {
		if on {
			rec[key] = "1"
		}
	}
	backend := strings.ToLower(os.Getenv("APIDRIVEN_BACKEND"))
	drop := func(keys ...string) {
		for _, k := range keys {
			delete(rec, k)
		}
	}
	switch backend {
	case "aws": // real AWS has no endpoint, no docker target, no emulator modes
		drop("AWS_ENDPOINT_URL", "APIDRIVEN_TARGET", "APIDRIVEN_EC2_CONTAINERS", "APIDRIVEN_LOCALSTACK_INSTALL", "ENFORCE_IAM", "IAM_SOFT_MODE", "APIDRIVEN_PUBLIC_PORT")
	case "localstack": // LocalStack reads its own ENFORCE_IAM, and has no public port
		drop("APIDRIVEN_EC2_CONTAINERS", "ENFORCE_IAM", "IAM_SOFT_MODE", "APIDRIVEN_PUBLIC_PORT")
	case "embedded":
		drop("APIDRIVEN_LOCALSTACK_INSTALL")
	}
	if strings.EqualFold(rec["APIDRIVEN_BACKEND"], "aws") &&
		(set("AWS_ENDPOINT_URL") || strings.EqualFold(os.Getenv("APIDRIVEN_TARGET"), "docker") || set("APIDRIVEN_EC2_CONTAINERS")) {
		drop("APIDRIVEN_BACKEND")
	}
	if set("AWS_ENDPOINT_URL") {
		drop("APIDRIVEN_PUBLIC_PORT") // it follows the new endpoint unless set too
	}
	if on, _ := parseBool("", os.Getenv("APIDRIVEN_EC2_CONTAINERS")); on {
		if strings.EqualFold(rec["APIDRIVEN_TARGET"], "docker") {
			drop("APIDRIVEN_TARGET") // the mode is about the EC2 target
		}
		if b := strings.ToLower(rec["APIDRIVEN_BACKEND"]); b == "localstack" {
			drop("APIDRIVEN_BACKEND")
		}
	}
	return &values{rec: rec}
}

func set(key string) bool { return strings.TrimSpace(os.Getenv(key)) != "" }

// get is the environment's value of key, else the recorded one, else def.
// AWS_REGION falls back on AWS_DEFAULT_REGION before the record.
func (v *values) get(key, def string) string {
	if e := strings.TrimSpace(os.Getenv(key)); e != "" {
		return e
	}
	if key == "AWS_REGION" {
		if e := strings.TrimSpace(os.Getenv("AWS_DEFAULT_REGION")); e != "" {
			return e
		}
	}
	if r := v.rec[key]; r != "" {
		if !strings.EqualFold(r, def) && !slices.Contains(v.recorded, key) {
			v.recorded = append(v.recorded, key)
		}
		return r
	}
	return def
}

// checkPublicPort refuses a public port that is not a port, or that is the
// port of the AWS APIs, which must never be published.
func checkPublicPort(port, endpoint, source string) error {
	if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
		return status.WithFix(fmt.Errorf("invalid APIDRIVEN_PUBLIC_PORT %q%s", port, source), "use a port number such as 4567")
	}
	if _, p, err := probe.HostPort(endpoint); err == nil && p == port {
		return status.WithFix(fmt.Errorf("APIDRIVEN_PUBLIC_PORT %s%s is the port of the AWS APIs (%s): the public port serves the stage URLs only", port, source, endpoint),
			"use another port, or unset APIDRIVEN_PUBLIC_PORT for the next one")
	}
	return nil
}

// parseBool reads an on/off variable ("" is off).
func parseBool(key, v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "on":
		return true, nil
	case "", "0", "false", "no", "off":
		return false, nil
	}
	return false, status.WithFix(fmt.Errorf("invalid %s %q", key, v), "use 1 (on) or 0 (off)")
}
