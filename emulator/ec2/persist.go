package ec2

import (
	"fmt"
	"slices"
	"sort"
)

// snapshotName is the store's file for EC2 state.
const snapshotName = "ec2"

// snapshot is the persisted form of the service. Transitional states are
// stored with their start time, so an instance pending at shutdown is
// running after a restart once the delay has passed.
type snapshot struct {
	Seq       uint64            `json:"seq"`
	Instances []instance        `json:"instances"`
	Tokens    map[string]string `json:"clientTokens,omitempty"`
}

func (s *Service) load() error {
	var snap snapshot
	found, err := s.opts.Store.Load(snapshotName, &snap)
	if err != nil {
		return fmt.Errorf("failed to load ec2 state: %w", err)
	}
	if !found {
		return nil
	}
	sort.Slice(snap.Instances, func(i, j int) bool { return snap.Instances[i].Seq < snap.Instances[j].Seq })
	for i := range snap.Instances {
		in := &snap.Instances[i]
		if in.ID == "" || s.instances[in.ID] != nil {
			return fmt.Errorf("failed to load ec2 state: bad or duplicate instance record %q", in.ID)
		}
		in.slot = &renderSlot{}
		s.instances[in.ID] = in
		s.order = append(s.order, in)
		s.seq = max(s.seq, in.Seq)
	}
	s.seq = max(s.seq, snap.Seq)
	for k, v := range snap.Tokens {
		s.tokens[k] = v
	}
	return nil
}

// persist writes the current state unless a newer snapshot was already
// written. The copy is taken under the read lock, the write happens
// outside it, and saveMu keeps snapshots from landing out of order.
func (s *Service) persist() error {
	if !s.opts.Store.Persistent() {
		return nil
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	s.mu.RLock()
	if s.version == s.saved {
		s.mu.RUnlock()
		return nil
	}
	version := s.version
	snap := snapshot{Seq: s.seq, Instances: make([]instance, 0, len(s.order)), Tokens: make(map[string]string, len(s.tokens))}
	for _, in := range s.order {
		snap.Instances = append(snap.Instances, *in)
	}
	for k, v := range s.tokens {
		snap.Tokens[k] = v
	}
	s.mu.RUnlock()
	if err := s.opts.Store.Save(snapshotName, snap); err != nil {
		return err
	}
	s.saved = version
	return nil
}

// purgeLocked forgets terminated instances past AWS's retention; callers
// hold the write lock.
func (s *Service) purgeLocked() {
	now := s.now()
	if !slices.ContainsFunc(s.order, func(in *instance) bool { return s.expiredAt(in, now) }) {
		return
	}
	kept := make([]*instance, 0, len(s.order))
	for _, in := range s.order {
		if s.expiredAt(in, now) {
			delete(s.instances, in.ID)
			continue
		}
		kept = append(kept, in)
	}
	s.order = kept
}
