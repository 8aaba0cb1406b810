package bench

import (
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/apidriven/api-driven/emulator/emulatortest"
	"github.com/apidriven/api-driven/provision/mototest"
)

// endpoint is one AWS-compatible endpoint under measurement.
type endpoint struct {
	name string
	url  string // empty: start the in-process emulator
}

// endpoints lists the in-process emulator first, then BENCH_ENDPOINTS.
func endpoints() []endpoint {
	out := []endpoint{{name: "embedded"}}
	var extra []endpoint
	for _, pair := range strings.Split(os.Getenv("BENCH_ENDPOINTS"), ",") {
		name, url, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if ok && name != "" && url != "" {
			extra = append(extra, endpoint{name: name, url: strings.TrimRight(url, "/")})
		}
	}
	sort.Slice(extra, func(i, j int) bool { return extra[i].name < extra[j].name })
	return append(out, extra...)
}

// resolve returns the endpoint's URL, starting an in-process emulator for
// the embedded one and moto_server for "moto=auto".
func (e endpoint) resolve(b *testing.B) string {
	b.Helper()
	switch e.url {
	case "":
		return emulatortest.Start(b).URL()
	case "auto":
		// moto=auto: start moto_server for this benchmark (skips without it).
		return mototest.Start(b)
	}
	return e.url
}

func TestEndpointsParsing(t *testing.T) {
	t.Setenv("BENCH_ENDPOINTS", " moto=http://127.0.0.1:5000/ , bad, localstack=http://localhost:4566")
	got := endpoints()
	want := []endpoint{{"embedded", ""}, {"localstack", "http://localhost:4566"}, {"moto", "http://127.0.0.1:5000"}}
	if len(got) != len(want) {
		t.Fatalf("endpoints() = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("endpoints()[%d] = %v, want %v", i, got[i], want[i])
		}
	}
}
