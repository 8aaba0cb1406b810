package trace

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Waterfall layout: a label column, a bar column scaled to the response's
// latency, then the duration and details.
const (
	labelWidth  = 34
	minBarWidth = 10
	fixedWidth  = 11 // the bar's borders and the duration column
	detailWidth = 28
	maxLogLines = 12
)

// Waterfall prints v as a terminal waterfall, one line per hop: API
// Gateway, each invocation's init and handler, each AWS call, each state
// transition; then the function's own log lines. width is the terminal's
// width in columns (80 when 0).
func Waterfall(w io.Writer, v View, width int) {
	if width <= 0 {
		width = 80
	}
	bar := max(width-labelWidth-fixedWidth-detailWidth, minBarWidth)
	p := &painter{w: w, bar: bar, detail: max(width-labelWidth-fixedWidth-bar-2, 8)}
	p.total = scale(v)
	fmt.Fprintln(w, headline(v))
	if v.Match != nil {
		m := v.Match
		name := m.API
		if m.APIName != "" {
			name += " (" + m.APIName + ")"
		}
		fmt.Fprintf(w, "  matched %s %s on API %s, stage %s, via %s", m.Method, m.Resource, name, m.Stage, v.Request.URLForm)
		if m.Integration != "" {
			fmt.Fprintf(w, " → %s", m.Integration)
		}
		fmt.Fprintln(w)
	} else if v.Unmatched != "" {
		fmt.Fprintf(w, "  ✗ nothing matched (%s): %s\n", v.Request.URLForm, v.Unmatched)
	}
	for _, n := range v.Notes {
		fmt.Fprintf(w, "  ! %s\n", n)
	}
	if v.Response != nil {
		p.span("API Gateway", 0, v.Response.LatencyMs, "")
	} else {
		fmt.Fprintf(w, "  %s  in flight\n", pad("API Gateway", labelWidth-2))
	}
	for _, inv := range v.Invocations {
		p.invocation(inv)
	}
	// One instance (the usual case): its id is on its call's line already.
	several := false
	for _, tr := range v.Transitions {
		several = several || tr.InstanceID != v.Transitions[0].InstanceID
	}
	for _, tr := range v.Transitions {
		from := tr.From
		if from == "" {
			from = "(launched)"
		}
		label := fmt.Sprintf("EC2 %s → %s", from, tr.To)
		if several {
			label = fmt.Sprintf("%s %s → %s", tr.InstanceID, from, tr.To)
		}
		if v.Response != nil && tr.AfterMs > v.Response.LatencyMs {
			fmt.Fprintf(w, "  %s  +%s, after the response\n", pad(label, labelWidth-2), duration(tr.AfterMs))
			continue
		}
		p.mark(label, tr.AfterMs)
	}
	for _, inv := range v.Invocations {
		lines := ownLines(inv.Logs)
		if len(lines) > maxLogLines {
			lines = append(lines[:maxLogLines:maxLogLines], fmt.Sprintf("… %d more lines (see the console)", len(lines)-maxLogLines))
		}
		for _, l := range lines {
			fmt.Fprintf(w, "  │ %s\n", truncate(l, width-4))
		}
	}
}

func headline(v View) string {
	path := v.Request.Path
	if v.Request.Query != "" {
		path += "?" + v.Request.Query
	}
	s := fmt.Sprintf("%s  %s %s", v.Time.Local().Format("15:04:05.000"), v.Request.Method, path)
	if r := v.Response; r != nil {
		s += fmt.Sprintf("  → %d", r.Status)
		if r.ErrorType != "" {
			s += " " + r.ErrorType
		}
		s += fmt.Sprintf(" (%d B) in %s", r.Bytes, duration(r.LatencyMs))
	}
	return s
}

// scale is the time the bars span: the response's latency, or the last
// hop seen while the request is in flight.
func scale(v View) float64 {
	total := 0.0
	if v.Response != nil {
		total = v.Response.LatencyMs
	}
	for _, inv := range v.Invocations {
		total = max(total, inv.HandlerStartMs+inv.HandlerMs, inv.StartMs)
	}
	return max(total, 0.001)
}

type painter struct {
	w      io.Writer
	bar    int // columns of the bars
	detail int // columns left after the duration
	total  float64
}

func (p *painter) invocation(inv InvocationView) {
	if inv.Cold {
		p.span("Lambda init (cold start)", inv.InitStartMs, inv.InitMs, inv.Sandbox)
	}
	var facts []string
	if !inv.Cold && inv.Sandbox != "" {
		facts = append(facts, "warm")
	}
	if inv.BilledMs > 0 {
		facts = append(facts, fmt.Sprintf("billed %d ms", inv.BilledMs))
	}
	if inv.MaxMemoryMB > 0 {
		facts = append(facts, fmt.Sprintf("%d MB", inv.MaxMemoryMB))
	}
	detail := strings.Join(facts, ", ")
	if inv.Error != "" {
		detail = "✗ " + inv.Error
	}
	start := inv.HandlerStartMs
	if start == 0 {
		start = inv.StartMs
	}
	p.span("handler "+inv.Function+" "+inv.Version, start, inv.HandlerMs, detail)
	for _, c := range inv.Calls {
		detail := fmt.Sprint(c.Status)
		if c.ErrorCode != "" {
			detail += " " + c.ErrorCode
		}
		if c.Summary != "" {
			detail += " " + c.Summary
		}
		p.span(c.Service+" "+c.Action, c.StartMs, c.DurationMs, detail)
	}
	if inv.CallsDropped > 0 {
		fmt.Fprintf(p.w, "  … %d more AWS calls not kept\n", inv.CallsDropped)
	}
}

// span prints one hop: its bar from start to start+dur (at least one cell).
func (p *painter) span(label string, start, dur float64, detail string) {
	from := int(start / p.total * float64(p.bar))
	to := int((start + dur) / p.total * float64(p.bar))
	from = min(max(from, 0), p.bar-1)
	to = min(max(to, from+1), p.bar)
	bar := strings.Repeat(" ", from) + strings.Repeat("█", to-from) + strings.Repeat(" ", p.bar-to)
	line := fmt.Sprintf("  %s |%s| %8s", pad(label, labelWidth-2), bar, duration(dur))
	if detail != "" {
		line += "  " + truncate(detail, p.detail)
	}
	fmt.Fprintln(p.w, line)
}

// mark prints an instant (a state transition) at its offset.
func (p *painter) mark(label string, at float64) {
	col := min(max(int(at/p.total*float64(p.bar)), 0), p.bar-1)
	bar := strings.Repeat(" ", col) + "▏" + strings.Repeat(" ", p.bar-col-1)
	fmt.Fprintf(p.w, "  %s |%s| %8s\n", pad(label, labelWidth-2), bar, "+"+duration(at))
}

// duration formats milliseconds the way a reader scans them.
func duration(msec float64) string {
	switch {
	case msec >= 1000:
		return fmt.Sprintf("%.2f s", msec/1000)
	case msec >= 10:
		return fmt.Sprintf("%.1f ms", msec)
	}
	return fmt.Sprintf("%.2f ms", msec)
}

// pad truncates or pads s to n columns.
func pad(s string, n int) string {
	s = truncate(s, n)
	return s + strings.Repeat(" ", n-utf8.RuneCountInString(s))
}

func truncate(s string, n int) string {
	if n <= 1 || utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// ownLines are the function's own log lines: its output, without the
// START, END, REPORT and INIT_START lines the runtime writes.
func ownLines(logs []string) []string {
	var out []string
	for _, l := range logs {
		switch {
		case l == "",
			strings.HasPrefix(l, "START RequestId:"),
			strings.HasPrefix(l, "END RequestId:"),
			strings.HasPrefix(l, "REPORT RequestId:"),
			strings.HasPrefix(l, "INIT_START "):
			continue
		}
		out = append(out, l)
	}
	return out
}
