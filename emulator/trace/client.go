package trace

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Paths of the console and the trace endpoints, under the emulator's own
// prefix.
const (
	ConsolePath = "/_apidriven/"
	ListPath    = ConsolePath + "traces"
	EventsPath  = ConsolePath + "events"
)

// ErrNotServed is returned by a Client whose endpoint serves no traces
// (LocalStack, AWS, or an older emulator).
var ErrNotServed = errors.New("the endpoint serves no traces (only this project's emulator records them)")

// maxEventLine bounds one event of the stream (a trace with a few 64 KiB
// events and their logs).
const maxEventLine = 8 << 20

// Client reads the traces of an emulator at Endpoint.
type Client struct {
	Endpoint string
	// HTTP is the client; one without a timeout (Follow streams) by
	// default: every call is bounded by its context.
	HTTP *http.Client
}

func (c Client) get(ctx context.Context, path, accept string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(c.Endpoint, "/")+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", accept)
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusNotFound || !strings.HasPrefix(resp.Header.Get("Content-Type"), strings.Split(accept, ";")[0]) {
		resp.Body.Close()
		return nil, fmt.Errorf("%w: GET %s answered HTTP %d", ErrNotServed, path, resp.StatusCode)
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		return nil, fmt.Errorf("GET %s: HTTP %d: %s", path, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return resp, nil
}

// Recent returns the newest traces (up to limit), newest first.
func (c Client) Recent(ctx context.Context, limit int) (List, error) {
	var l List
	resp, err := c.get(ctx, ListPath+"?limit="+strconv.Itoa(limit), "application/json")
	if err != nil {
		return l, err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&l); err != nil {
		return l, fmt.Errorf("failed to decode %s: %w", ListPath, err)
	}
	return l, nil
}

// Follow calls fn with each trace the event stream sends, each time it
// changes, until the stream ends (an error) or ctx is done (nil).
func (c Client) Follow(ctx context.Context, fn func(View)) error {
	resp, err := c.get(ctx, EventsPath, "text/event-stream")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), maxEventLine)
	event := ""
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: ") && event == "trace":
			var v View
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &v); err == nil {
				fn(v)
			}
		case line == "":
			event = ""
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("the trace stream broke: %w", err)
	}
	return errors.New("the emulator closed the trace stream (it stopped or restarted)")
}

// Follower prints a stream of traces as they become readable: each
// request's waterfall once its response and logs are in, then each state
// transition that completes later.
type Follower struct {
	W     io.Writer
	Width int
	shown map[string]int // trace id -> transitions printed
}

// maxFollowed bounds the traces a Follower remembers.
const maxFollowed = 1000

// Show prints what is new in v.
func (f *Follower) Show(v View) {
	if f.shown == nil {
		f.shown = map[string]int{}
	}
	n, seen := f.shown[v.ID]
	switch {
	case !seen && ready(v):
		Waterfall(f.W, v, f.Width)
		fmt.Fprintln(f.W)
		n = len(v.Transitions)
	case seen:
		for _, tr := range v.Transitions[min(n, len(v.Transitions)):] {
			fmt.Fprintf(f.W, "  ↳ %s %s: %s %s → %s at +%s\n", v.Request.Method, v.Request.Path, tr.InstanceID, tr.From, tr.To, duration(tr.AfterMs))
		}
		n = len(v.Transitions)
	default:
		return
	}
	if v.Complete {
		delete(f.shown, v.ID)
		return
	}
	if len(f.shown) >= maxFollowed {
		clear(f.shown)
	}
	f.shown[v.ID] = n
}

// ready reports whether v can be printed: answered, with every log in.
func ready(v View) bool {
	if v.Complete {
		return true
	}
	if v.Response == nil {
		return false
	}
	for _, inv := range v.Invocations {
		if !inv.Done {
			return false
		}
	}
	return true
}
