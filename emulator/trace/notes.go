package trace

import (
	"context"
	"log/slog"
	"strings"
)

// maxNoteLen bounds one note (a log record with a function's payload).
const maxNoteLen = 600

// Logger returns base, also copying every record logged through it into
// the trace as a note: API Gateway logs why it answered an error (a
// missing permission, a malformed function answer, a timeout), and the
// trace then says it too. A nil trace returns base.
func (t *Trace) Logger(base *slog.Logger) *slog.Logger {
	if t == nil {
		return base
	}
	return slog.New(noteHandler{t: t, next: base.Handler()})
}

type noteHandler struct {
	t      *Trace
	next   slog.Handler
	prefix []slog.Attr
}

func (h noteHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h noteHandler) Handle(ctx context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(strings.TrimPrefix(r.Message, "apigateway: "))
	add := func(a slog.Attr) bool {
		b.WriteString(" ")
		b.WriteString(a.Key)
		b.WriteString("=")
		b.WriteString(a.Value.String())
		return b.Len() < maxNoteLen
	}
	for _, a := range h.prefix {
		add(a)
	}
	r.Attrs(add)
	h.t.Note(truncate(b.String(), maxNoteLen))
	if h.next.Enabled(ctx, r.Level) {
		return h.next.Handle(ctx, r)
	}
	return nil
}

func (h noteHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return noteHandler{t: h.t, next: h.next.WithAttrs(attrs), prefix: append(h.prefix[:len(h.prefix):len(h.prefix)], attrs...)}
}

func (h noteHandler) WithGroup(name string) slog.Handler {
	return noteHandler{t: h.t, next: h.next.WithGroup(name), prefix: h.prefix}
}
