package trace

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// DefaultListLimit is how many traces ServeList returns without ?limit=.
const DefaultListLimit = 100

// keepAlive is how often an idle event stream sends a comment, so that
// proxies (a Codespace's port forwarding) keep it open.
const keepAlive = 15 * time.Second

// List is the answer of ServeList.
type List struct {
	// Enabled is false when the emulator runs with tracing off.
	Enabled  bool   `json:"enabled"`
	Capacity int    `json:"capacity"`
	Total    uint64 `json:"total"`
	Traces   []View `json:"traces"`
}

// ServeList answers GET with the newest traces first (?limit=N, 1 to the
// ring's capacity, DefaultListLimit by default) as a List.
func (r *Recorder) ServeList(w http.ResponseWriter, req *http.Request) {
	limit := DefaultListLimit
	if s := req.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "limit must be a positive integer, got "+strconv.Quote(s))
			return
		}
		limit = n
	}
	var buf bytes.Buffer
	buf.WriteString(`{"enabled":`)
	buf.WriteString(strconv.FormatBool(r != nil))
	buf.WriteString(`,"capacity":`)
	buf.WriteString(strconv.Itoa(r.Capacity()))
	buf.WriteString(`,"total":`)
	buf.WriteString(strconv.FormatUint(r.Total(), 10))
	buf.WriteString(`,"traces":[`)
	for i, t := range r.Recent(limit) {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(t.JSON())
	}
	buf.WriteString("]}\n")
	writeJSON(w, http.StatusOK, buf.Bytes())
}

// ServeTrace answers GET with one trace's View.
func (r *Recorder) ServeTrace(w http.ResponseWriter, req *http.Request, id string) {
	t, ok := r.Get(id)
	if !ok {
		msg := "no trace " + strconv.Quote(id) + " in the ring: it keeps the last " + strconv.Itoa(r.Capacity()) + " requests; list them at /_apidriven/traces"
		if r == nil {
			msg = "tracing is off: start the emulator without -trace-ring 0"
		}
		writeError(w, http.StatusNotFound, msg)
		return
	}
	writeJSON(w, http.StatusOK, append(t.JSON(), '\n'))
}

// ServeEvents streams changes as Server-Sent Events: "trace" events carry
// a trace's View each time it changes (it may change after its response),
// "state" events an instance's new state (a StateEvent).
func (r *Recorder) ServeEvents(w http.ResponseWriter, req *http.Request) {
	rc := http.NewResponseController(w)
	sub := r.Subscribe() // before the first byte: a client that got it misses nothing
	defer sub.Close()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write([]byte("retry: 2000\n: api-driven trace events\n\n")); err != nil {
		return
	}
	_ = rc.Flush()
	var buf bytes.Buffer
	for {
		ctx, cancel := context.WithTimeout(req.Context(), keepAlive)
		traces, states, ok := sub.Next(ctx)
		idle := ctx.Err() != nil && req.Context().Err() == nil
		cancel()
		buf.Reset()
		switch {
		case ok:
			for _, t := range traces {
				writeEvent(&buf, "trace", t.JSON())
			}
			for _, s := range states {
				b, _ := json.Marshal(s)
				writeEvent(&buf, "state", b)
			}
		case idle:
			buf.WriteString(": keep-alive\n\n")
		default:
			return // the client left, or the recorder closed
		}
		if _, err := w.Write(buf.Bytes()); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

func writeEvent(buf *bytes.Buffer, name string, data []byte) {
	buf.WriteString("event: ")
	buf.WriteString(name)
	buf.WriteString("\ndata: ")
	buf.Write(data) // compact JSON: one line
	buf.WriteString("\n\n")
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	b, _ := json.Marshal(map[string]string{"message": msg})
	writeJSON(w, status, append(b, '\n'))
}
