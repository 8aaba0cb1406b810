package ec2

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/apidriven/api-driven/emulator/store"
)

// TestConcurrentChangesAndFailedSaves: while saves fail and succeed in turn
// under concurrent changes, a change answered with success is kept and a
// change answered with an error is not applied, in memory and on disk.
func TestConcurrentChangesAndFailedSaves(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Store: st}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	const workers, calls = 4, 12
	ids := make([]string, workers)
	for w := range ids {
		out, err := call(t, s, "RunInstances", url.Values{"ImageId": {DefaultImageID}, "MinCount": {"1"}, "MaxCount": {"1"}})
		if err != nil {
			t.Fatalf("RunInstances: %v", err)
		}
		ids[w] = out.(runInstancesResponse).Instances.Items[0].InstanceID
	}
	snapshot := filepath.Join(dir, "ec2.json")

	var ok [workers][]string // tag keys answered with success, per instance
	var failed [workers][]string
	var wg sync.WaitGroup
	stop := make(chan struct{})
	go func() {
		// Saves fail and recover over and over: the snapshot's name is taken
		// by a directory for a while. The file put aside goes back only if
		// no newer one was written meanwhile (link does not replace).
		defer close(stop)
		for range 20 {
			aside := snapshot + ".aside"
			_ = os.Rename(snapshot, aside)
			_ = os.MkdirAll(filepath.Join(snapshot, "blocker"), 0o755)
			_ = os.RemoveAll(filepath.Join(snapshot, "blocker"))
			if fi, err := os.Lstat(snapshot); err == nil && fi.IsDir() {
				_ = os.Remove(snapshot) // a file can never replace the directory
			}
			_ = os.Link(aside, snapshot)
			_ = os.Remove(aside)
		}
	}()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range calls {
				key := fmt.Sprintf("k%d-%d", w, i)
				_, err := call(t, s, "CreateTags", url.Values{"ResourceId.1": {ids[w]}, "Tag.1.Key": {key}, "Tag.1.Value": {"v"}})
				if err != nil {
					failed[w] = append(failed[w], key)
				} else {
					ok[w] = append(ok[w], key)
				}
			}
		}()
	}
	wg.Wait()
	<-stop
	// One more change succeeds once the disk is healthy again.
	if _, err := call(t, s, "CreateTags", url.Values{"ResourceId.1": {ids[0]}, "Tag.1.Key": {"final"}}); err != nil {
		t.Fatalf("CreateTags on a healthy disk: %v", err)
	}
	ok[0] = append(ok[0], "final")

	reloaded, err := New(opts)
	if err != nil {
		t.Fatalf("reload: %v", err)
	}
	for _, svc := range []*Service{s, reloaded} {
		for w, id := range ids {
			have := tagKeys(svc, id)
			for _, k := range ok[w] {
				if !slices.Contains(have, k) {
					t.Errorf("tag %s was answered with success but is missing (%s)", k, id)
				}
			}
			for _, k := range failed[w] {
				if slices.Contains(have, k) {
					t.Errorf("tag %s was answered with an error but is applied (%s)", k, id)
				}
			}
		}
	}
	t.Logf("%d changes saved, %d refused", len(ok[0])+len(ok[1])+len(ok[2])+len(ok[3]), len(failed[0])+len(failed[1])+len(failed[2])+len(failed[3]))
}

func tagKeys(s *Service, id string) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var keys []string
	if in, ok := s.instances[id]; ok {
		for _, t := range in.Tags {
			keys = append(keys, t.Key)
		}
	}
	return keys
}
