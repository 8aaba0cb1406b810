package lambda

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/apidriven/api-driven/emulator/protocol"
)

func uploadRequest(t *testing.T, ctx context.Context, length int64) *http.Request {
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://localhost/2015-03-31/functions", http.NoBody)
	if err != nil {
		t.Fatal(err)
	}
	r.ContentLength = length
	return r
}

// TestUploadsShareABudget: a full-size upload holds the whole budget, so a
// second one waits until it is done; small ones share it.
func TestUploadsShareABudget(t *testing.T) {
	u := newUploads()
	bg := context.Background()
	releaseBig, err := u.admit(uploadRequest(t, bg, maxUploadBody), "CreateFunction")
	if err != nil {
		t.Fatal(err)
	}
	waiting, cancel := context.WithTimeout(bg, 200*time.Millisecond)
	defer cancel()
	if _, err := u.admit(uploadRequest(t, waiting, 1<<20), "CreateFunction"); err == nil || protocol.AsError(err).Code != "RequestCanceled" {
		t.Fatalf("a second upload beside a full-size one: %v; want it to wait until its client gives up", err)
	}
	unknown, cancel2 := context.WithTimeout(bg, 200*time.Millisecond)
	defer cancel2()
	if _, err := u.admit(uploadRequest(t, unknown, -1), "CreateFunction"); err == nil {
		t.Fatal("an upload of unknown length was admitted beside a full-size one")
	}
	releaseBig()

	var releases []func()
	for range 4 { // 4 × 10 MiB fit together
		release, err := u.admit(uploadRequest(t, bg, 10<<20), "CreateFunction")
		if err != nil {
			t.Fatal(err)
		}
		releases = append(releases, release)
	}
	for _, release := range releases {
		release()
	}
}
