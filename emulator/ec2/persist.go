package ec2

import (
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/apidriven/api-driven/emulator/ec2/vpc"
	"github.com/apidriven/api-driven/emulator/ec2/wire"
)

// snapshotName is the store's file for EC2 state.
const snapshotName = "ec2"

// snapshot is the persisted form of the service. Transitional states are
// stored with their start time, so an instance pending at shutdown is
// running after a restart once the delay has passed.
type snapshot struct {
	Seq         uint64            `json:"seq"`
	Instances   []instance        `json:"instances"`
	Tokens      map[string]string `json:"clientTokens,omitempty"`
	TokenParams map[string]string `json:"clientTokenParams,omitempty"`
	KeyPairs    []keyPair         `json:"keyPairs,omitempty"`
	Network     *vpc.Network      `json:"network,omitempty"` // absent before version 0.2
}

func (s *Service) load() error {
	var snap snapshot
	found, err := s.opts.Store.Load(snapshotName, &snap)
	if err != nil {
		return err // says which file; the server says which service
	}
	if !found {
		return nil
	}
	return s.restoreLocked(snap)
}

// restoreLocked replaces the records with those of snap; callers hold the
// write lock (or own s, in New).
func (s *Service) restoreLocked(snap snapshot) error {
	s.instances, s.order, s.tokens, s.seq = map[string]*instance{}, nil, map[string]string{}, 0
	s.tokenParams, s.keys, s.net = map[string]string{}, map[string]*keyPair{}, vpc.New()
	if snap.Network != nil {
		snap.Network.Normalize()
		s.net = snap.Network
	}
	sort.Slice(snap.Instances, func(i, j int) bool { return snap.Instances[i].Seq < snap.Instances[j].Seq })
	for i := range snap.Instances {
		in := &snap.Instances[i]
		if in.ID == "" || s.instances[in.ID] != nil {
			return fmt.Errorf("bad or duplicate instance record %q", in.ID)
		}
		in.slot = &renderSlot{}
		s.instances[in.ID] = in
		s.order = append(s.order, in)
		s.seq = max(s.seq, in.Seq)
	}
	for i := range snap.KeyPairs {
		k := &snap.KeyPairs[i]
		s.keys[k.ID] = k
		s.seq = max(s.seq, k.Seq)
	}
	s.seq = max(s.seq, snap.Seq)
	for k, v := range snap.Tokens {
		s.tokens[k] = v
	}
	for k, v := range snap.TokenParams {
		s.tokenParams[k] = v
	}
	s.migrate()
	return nil
}

// migrate brings instances recorded by versions without networking into
// the default VPC they already named: the region's default VPC is made
// (its ids are the ones those versions derived), the instance joins its
// default security group, gets an address in its subnet (unless a driver
// reports the real one) and an interface attachment id.
func (s *Service) migrate() {
	for _, in := range s.order {
		if len(in.Groups) > 0 {
			continue
		}
		s.ensureRegionLocked(in.Region)
		if g := s.net.DefaultGroup(in.VpcID); g != nil {
			in.Groups = []vpc.GroupRef{{ID: g.ID, Name: g.Name}}
		}
		in.PublicAddress = in.PublicIP != ""
		if in.AttachmentID == "" {
			in.AttachmentID = wire.NewID("eni-attach-")
		}
		if sub := s.net.Subnet(in.SubnetID); sub != nil && !in.Backed && !sub.Contains(in.PrivateIP) {
			taken := usage{s: s, now: s.now()}.AddressesIn(sub.ID)
			if ip, err := sub.AllocateIP(taken); err == nil {
				in.PrivateIP = ip
			}
		}
		in.touch()
		s.version++
	}
}

// persist makes mutation v durable: it writes the current state unless a
// snapshot holding v was already written. The copy is taken under the read
// lock, the write happens outside it, and saveMu keeps snapshots in order.
// When the write fails, every mutation not yet saved (v and any made
// meanwhile) is undone: the state goes back to the snapshot on disk, and
// each of their callers gets the error.
func (s *Service) persist(v uint64) error {
	if !s.opts.Store.Persistent() {
		return nil
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	if err, lost := s.lost[v]; lost {
		delete(s.lost, v)
		return err
	}
	s.mu.RLock()
	if v <= s.saved {
		s.mu.RUnlock()
		return nil
	}
	version := s.version
	snap, err := s.snapshotLocked()
	s.mu.RUnlock()
	if err == nil {
		err = s.opts.Store.Save(snapshotName, snap)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		s.saved = version
		for p := range s.pending {
			if p <= version {
				delete(s.pending, p)
			}
		}
		return nil
	}
	var last snapshot
	if rerr := s.opts.Store.Revert(snapshotName, &last); rerr != nil {
		err = errors.Join(err, rerr)
	} else if rerr := s.restoreLocked(last); rerr != nil {
		err = errors.Join(err, rerr)
	}
	for p := range s.pending {
		s.lost[p] = err
	}
	clear(s.pending)
	s.version++
	s.saved = s.version // memory matches the disk again
	err = s.lost[v]
	delete(s.lost, v)
	return err
}

// snapshotLocked copies the state for saving; callers hold s.mu. The
// network is copied here, under the lock, as its records are shared.
func (s *Service) snapshotLocked() (snapshot, error) {
	snap := snapshot{Seq: s.seq, Instances: make([]instance, 0, len(s.order)), Tokens: make(map[string]string, len(s.tokens)),
		TokenParams: make(map[string]string, len(s.tokenParams)), KeyPairs: make([]keyPair, 0, len(s.keys))}
	for _, in := range s.order {
		snap.Instances = append(snap.Instances, *in)
	}
	for k, v := range s.tokens {
		snap.Tokens[k] = v
	}
	for k, v := range s.tokenParams {
		snap.TokenParams[k] = v
	}
	for _, k := range s.keys {
		snap.KeyPairs = append(snap.KeyPairs, *k)
	}
	net, err := s.net.Clone()
	if err != nil {
		return snap, fmt.Errorf("failed to copy the network state: %w", err)
	}
	snap.Network = net
	return snap, nil
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
