package lambda

import (
	"net/http"
	"runtime/debug"
	"sync"

	"golang.org/x/sync/semaphore"

	"github.com/apidriven/api-driven/emulator/protocol"
)

const (
	// maxUploadBody is AWS's limit on a CreateFunction or
	// UpdateFunctionCode request: a 50 MiB zip, base64-encoded.
	maxUploadBody = 69905067
	// maxRequestBody bounds the other control-plane requests; none comes
	// close (environment variables are limited to 4 KB).
	maxRequestBody = 1 << 20
	// uploadBudget is how many request bytes of code uploads are read and
	// decoded at once: one upload of the largest size, or several smaller
	// ones. A decoded upload costs its body plus its zip, so this bounds
	// the memory uploads take, however many arrive together.
	uploadBudget = maxUploadBody
	// bigUpload is the size after which the memory an upload used is
	// handed back to the system once no upload is running.
	bigUpload = 8 << 20
)

// uploads admits code uploads within uploadBudget; the others wait their
// turn (or until their client gives up).
type uploads struct {
	sem      *semaphore.Weighted
	mu       sync.Mutex
	inFlight int
	big      bool // a big upload ran since the last release of memory
}

func newUploads() *uploads { return &uploads{sem: semaphore.NewWeighted(uploadBudget)} }

// admit waits for room for r's body, weighed by its Content-Length (the
// whole budget when the length is unknown), and returns the release. A
// body declared over the limit of op is refused at once, without waiting.
func (u *uploads) admit(r *http.Request, op string) (release func(), err error) {
	if r.ContentLength > maxUploadBody {
		return nil, uploadTooLarge(maxUploadBody, op)
	}
	weight := int64(uploadBudget)
	if r.ContentLength >= 0 {
		weight = r.ContentLength
	}
	if err := u.sem.Acquire(r.Context(), weight); err != nil {
		return nil, protocol.Errorf(http.StatusRequestTimeout, "RequestCanceled", "the upload was canceled while waiting for other uploads: %v", err)
	}
	u.mu.Lock()
	u.inFlight++
	u.big = u.big || weight > bigUpload
	u.mu.Unlock()
	return func() {
		u.sem.Release(weight)
		u.mu.Lock()
		u.inFlight--
		free := u.inFlight == 0 && u.big
		if free {
			u.big = false
		}
		u.mu.Unlock()
		if free {
			// The uploads' bodies and zips are garbage now; without this
			// the heap they grew stays resident until the next GC cycle,
			// which a quiet emulator may not run for minutes.
			go debug.FreeOSMemory()
		}
	}, nil
}

// uploadTooLarge is AWS's answer to a request over its operation's limit.
func uploadTooLarge(limit int64, op string) *protocol.Error {
	return protocol.Errorf(http.StatusRequestEntityTooLarge, "RequestEntityTooLargeException",
		"Request must be smaller than %d bytes for the %s operation", limit, op)
}
