package workflow

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/apidriven/api-driven/build"
	"github.com/apidriven/api-driven/internal/status"
	"github.com/apidriven/api-driven/provision"
	"github.com/apidriven/api-driven/watch"
)

// WatchDir is what watch watches, relative to the module root.
const WatchDir = "lambda"

// watchTimeouts bound each AWS call and the wait for an update; the
// waiter polls often (every 100 to 250 ms), since a save waits on it.
var watchTimeouts = provision.Timeouts{Call: 30 * time.Second, Wait: time.Minute, Poll: 100 * time.Millisecond, PollMax: 250 * time.Millisecond}

// Watch rebuilds the function on every save under lambda/, gives the
// deployed function the new code and prints what the status route
// answers, until Ctrl-C. A compile error is printed and watching goes on.
// It works on the deployment of .apidriven/outputs.json, built for the
// platform of the backend the settings select (as build does).
func (p *Project) Watch(ctx context.Context) error {
	o, err := p.ReadOutputs()
	if err != nil {
		return err
	}
	b, _, err := p.backend(ctx)
	if err != nil {
		return err
	}
	if b.Endpoint() != o.Endpoint {
		return status.WithFix(fmt.Errorf("the deployment in .apidriven/outputs.json is at %s, but the settings now point at %s", orAWS(o.Endpoint), orAWS(b.Endpoint())),
			"run `go tool mage all` with these settings first, or unset what changed (AWS_ENDPOINT_URL, APIDRIVEN_BACKEND)")
	}
	c, err := clients(ctx, o.Endpoint, o.Region)
	if err != nil {
		return err
	}
	w := &watchLoop{p: p, o: o, c: c, platform: b.BuildPlatform(), hc: routeClient()}
	err = watch.Run(ctx, watch.Options{Root: filepath.Join(p.Root, WatchDir), Initial: true,
		Skip: func(name string) bool { return strings.HasSuffix(name, "_test.go") }}, w.sync)
	if err != nil {
		return err
	}
	w.stopped()
	return nil
}

// watchLoop is one watch: the deployment it updates and how.
type watchLoop struct {
	p        *Project
	o        *provision.Outputs
	c        provision.Clients
	platform build.Platform
	hc       *http.Client
	// upToDate: the function runs lambda/ as last saved.
	upToDate bool
}

// sync builds, updates the code and calls the status route for one
// change (none: the start, catching up with edits made before). It
// returns an error only to stop watching: on Ctrl-C, or when the
// deployment is unusable at the start; a compile error, a failed update
// or an error answer is printed, and watching goes on.
func (w *watchLoop) sync(ctx context.Context, ch watch.Change) (err error) {
	p, start := w.p, len(ch.Files) == 0
	if start {
		defer func() {
			if err == nil {
				p.Status.Infof("watching %s/ (Ctrl-C to stop): each save rebuilds the function, updates %s and calls GET %s", WatchDir, w.o.FunctionName, w.o.URLs.Status)
			}
		}()
	} else {
		p.Status.Infof("%s changed", changedFiles(ch.Files))
	}
	w.upToDate = false
	res, err := build.Lambda(ctx, build.Options{Dir: p.Root, Platform: w.platform, Status: p.Status,
		Fix: "fix it and save: watch goes on and rebuilds"})
	if err != nil {
		return stopOn(ctx, err, false)
	}
	cfg := provision.Config{Backend: w.o.Backend, Endpoint: w.o.Endpoint, Region: w.o.Region, FunctionName: w.o.FunctionName,
		Code: res.Code, Architecture: w.platform.LambdaArch(), Timeouts: watchTimeouts}
	if err := provision.UpdateCode(ctx, w.c, cfg, p.Status); err != nil {
		return stopOn(ctx, err, start)
	}
	w.upToDate = true
	name, since := "status after save", ch.At
	if start {
		name, since = "status", time.Now()
	}
	step := p.Status.StartAt(name, since)
	code, body, err := getBody(ctx, w.hc, w.o.URLs.Status)
	switch {
	case err != nil:
		err = step.Fail(status.WithFix(err, "check that the backend still runs: go tool mage up"))
	case code != http.StatusOK:
		err = step.Fail(status.WithFix(fmt.Errorf("HTTP %d %s", code, oneLine(body)), "fix lambda/ and save; %s", w.logHint()))
	default:
		step.Done(fmt.Sprintf("→ HTTP %d %s", code, oneLine(body)))
	}
	return stopOn(ctx, err, false)
}

// stopOn is the error that stops watching: Ctrl-C's, or any at the
// start when fatal; others were printed by their step.
func stopOn(ctx context.Context, err error, fatal bool) error {
	if err == nil {
		return nil
	}
	if _, interrupted := status.InterruptedStep(err); interrupted || ctx.Err() != nil || status.Interrupted(err) || fatal {
		return err
	}
	return nil
}

// stopped is the one line of a watch that Ctrl-C ends while it waits.
func (w *watchLoop) stopped() {
	if w.upToDate {
		fmt.Fprintf(w.p.Out, "✓ watch stopped (Ctrl-C): function %s runs %s/ as last saved\n", w.o.FunctionName, WatchDir)
		return
	}
	fmt.Fprintf(w.p.Out, "✓ watch stopped (Ctrl-C): function %s runs the last code that compiled and deployed; `go tool mage watch` catches up\n", w.o.FunctionName)
}

// logHint says where the function's log is.
func (w *watchLoop) logHint() string {
	if w.o.Backend == provision.BackendEmbedded {
		return "the function's log is in .apidriven/emulator.log"
	}
	return "the function's log is in CloudWatch Logs, group /aws/lambda/" + w.o.FunctionName
}

// changedFiles names a change's files for one line.
func changedFiles(files []string) string {
	var names []string
	for _, f := range files {
		if f == "." {
			return WatchDir + "/ (events were lost)"
		}
		names = append(names, WatchDir+"/"+f)
	}
	if len(names) > 3 {
		return fmt.Sprintf("%s and %d more", strings.Join(names[:3], ", "), len(names)-3)
	}
	return strings.Join(names, ", ")
}

// oneLine is an answer as one short line.
func oneLine(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
