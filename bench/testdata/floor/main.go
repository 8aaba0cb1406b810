// Command floor is the route benchmark's floor: the least any design that
// runs a Lambda function as a process must do to answer GET /status, with
// nothing else. Two modes, each its own process:
//
//	floor ec2 -answer FILE -content-type TYPE
//	    answers every request with FILE's bytes: EC2 with no work at all.
//	floor gateway -event FILE -bootstrap PATH [-env KEY=VALUE]...
//	    starts the function's bootstrap against a Runtime API of its own and,
//	    for every client request, hands FILE's event to the function's
//	    pending /next, waits for its /response and answers with the status,
//	    headers and body the function returned.
//
// Each prints "ready <url>" on its first line once it listens.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fail(errors.New("usage: floor ec2|gateway [flags]"))
	}
	var err error
	switch os.Args[1] {
	case "ec2":
		err = serveEC2(os.Args[2:])
	case "gateway":
		err = serveGateway(os.Args[2:])
	default:
		err = fmt.Errorf("unknown mode %q: use ec2 or gateway", os.Args[1])
	}
	fail(err)
}

func fail(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}

// serveEC2 answers canned bytes, after reading the request as any server
// must.
func serveEC2(args []string) error {
	fs := flag.NewFlagSet("ec2", flag.ContinueOnError)
	answer := fs.String("answer", "", "file holding the answer's body")
	contentType := fs.String("content-type", "text/xml;charset=UTF-8", "the answer's Content-Type")
	if err := fs.Parse(args); err != nil {
		return err
	}
	body, err := os.ReadFile(*answer)
	if err != nil {
		return err
	}
	length := strconv.Itoa(len(body))
	return serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", *contentType)
		w.Header().Set("Content-Length", length)
		_, _ = w.Write(body)
	}))
}

// invocation is one client request handed to the function.
type invocation struct {
	id     string
	answer chan []byte
}

type gateway struct {
	event []byte
	next  chan *invocation
	seq   atomic.Uint64

	mu      sync.Mutex // one invocation at a time: one process
	current atomic.Pointer[invocation]
}

func serveGateway(args []string) error {
	fs := flag.NewFlagSet("gateway", flag.ContinueOnError)
	eventFile := fs.String("event", "", "file holding the event sent to the function")
	bootstrap := fs.String("bootstrap", "", "the function's executable")
	var env multiFlag
	fs.Var(&env, "env", "KEY=VALUE of the function's environment (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	event, err := os.ReadFile(*eventFile)
	if err != nil {
		return err
	}
	g := &gateway{event: event, next: make(chan *invocation)}
	rt, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", g.handleNext)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", g.handleResponse)
	go func() { _ = http.Serve(rt, mux) }()

	cmd := exec.Command(*bootstrap)
	cmd.Env = append(env, "AWS_LAMBDA_RUNTIME_API="+rt.Addr().String())
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard // a log sink that keeps nothing
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() {
		err := cmd.Wait()
		fail(fmt.Errorf("the function exited: %v", err))
	}()
	go func() { // the function ends with the gateway
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, syscall.SIGTERM, os.Interrupt)
		<-stop
		_ = cmd.Process.Kill()
		os.Exit(0)
	}()
	return serve(http.HandlerFunc(g.invoke))
}

// invoke is API Gateway's part: hand the event over, wait for the answer,
// decode the proxy response and write it.
func (g *gateway) invoke(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	g.mu.Lock()
	defer g.mu.Unlock()
	inv := &invocation{id: strconv.FormatUint(g.seq.Add(1), 10), answer: make(chan []byte, 1)}
	g.current.Store(inv)
	select {
	case g.next <- inv:
	case <-r.Context().Done():
		return
	}
	payload := <-inv.answer
	var resp struct {
		StatusCode        int                 `json:"statusCode"`
		Headers           map[string]string   `json:"headers"`
		MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
		Body              string              `json:"body"`
	}
	if err := json.Unmarshal(payload, &resp); err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	for k, vs := range resp.MultiValueHeaders {
		w.Header()[http.CanonicalHeaderKey(k)] = vs
	}
	for k, v := range resp.Headers {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(resp.Body)))
	w.WriteHeader(resp.StatusCode)
	_, _ = io.WriteString(w, resp.Body)
}

func (g *gateway) handleNext(w http.ResponseWriter, r *http.Request) {
	var inv *invocation
	select {
	case inv = <-g.next:
	case <-r.Context().Done():
		return
	}
	h := w.Header()
	h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(30*time.Second).UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:000000000000:function:floor")
	h.Set("Lambda-Runtime-Trace-Id", "Root=1-"+strconv.FormatInt(time.Now().Unix(), 16)+"-000000000000000000000000;Sampled=0")
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(g.event)))
	_, _ = w.Write(g.event)
}

func (g *gateway) handleResponse(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	inv := g.current.Load()
	if inv == nil || inv.id != r.PathValue("id") {
		http.Error(w, "unknown request id", http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusAccepted)
	inv.answer <- body
}

// serve listens on a free loopback port, says where, and serves h.
func serve(h http.Handler) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Printf("ready http://%s\n", ln.Addr())
	return http.Serve(ln, h)
}

type multiFlag []string

func (m *multiFlag) String() string { return strings.Join(*m, ",") }

func (m *multiFlag) Set(v string) error {
	*m = append(*m, v)
	return nil
}
