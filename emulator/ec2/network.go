package ec2

import (
	"context"
	"slices"
	"time"

	"github.com/apidriven/api-driven/emulator/ec2/vpc"
	"github.com/apidriven/api-driven/emulator/protocol"
)

// networkHandler wraps a vpc action with the service's lock and
// persistence: writers take the write lock and save, readers share the
// read lock. The region's default VPC is made on its first use.
func networkHandler(action string) (handler, bool) {
	ok, writes := vpc.Handles(action)
	if !ok {
		return nil, false
	}
	return func(s *Service, _ context.Context, req *protocol.QueryRequest) (any, error) {
		if !writes && s.regionReady(req.Region) {
			s.mu.RLock()
			defer s.mu.RUnlock()
			return s.net.Serve(req, s.envLocked(req.Region))
		}
		var out any
		err := s.change(func() (err error) {
			s.ensureRegionLocked(req.Region)
			out, err = s.net.Serve(req, s.envLocked(req.Region))
			return err
		})
		return out, err
	}, true
}

func (s *Service) regionReady(region string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.net.Ready(region)
}

// ensureRegionLocked makes the region's default VPC if this is its first
// use; callers hold the write lock.
func (s *Service) ensureRegionLocked(region string) {
	if s.net.Ensure(region, zoneNames(region)) {
		s.version++
	}
}

func zoneNames(region string) []string {
	letters := zoneLetters(region)
	out := make([]string, len(letters))
	for i, l := range letters {
		out[i] = region + string(l)
	}
	return out
}

// envLocked is what a network call needs to know; callers hold s.mu.
func (s *Service) envLocked(region string) *vpc.Env {
	return &vpc.Env{
		Instances: usage{s: s, now: s.now()},
		Zones:     zoneNames(region),
		ZoneID:    func(zone string) (string, bool) { return zoneID(region, zone) },
	}
}

// usage answers the network's questions about instances; only those not
// terminated count, as on AWS. It reads s under the caller's lock.
type usage struct {
	s   *Service
	now time.Time
}

func (u usage) live(fn func(in *instance) bool) []*instance {
	var out []*instance
	for _, in := range u.s.order {
		if st, _ := in.effective(u.now); st != StateTerminated && fn(in) {
			out = append(out, in)
		}
	}
	return out
}

func (u usage) Using(id string) []string {
	var ids []string
	for _, in := range u.live(func(in *instance) bool {
		return in.VpcID == id || in.SubnetID == id || slices.ContainsFunc(in.Groups, func(g vpc.GroupRef) bool { return g.ID == id })
	}) {
		ids = append(ids, in.ID)
	}
	return ids
}

func (u usage) PublicIn(vpcID string) bool {
	return len(u.live(func(in *instance) bool {
		v := u.s.viewOf(in, u.now)
		return in.VpcID == vpcID && v.hasPublicIP()
	})) > 0
}

func (u usage) AddressesIn(subnetID string) map[string]bool {
	out := map[string]bool{}
	for _, in := range u.live(func(in *instance) bool { return in.SubnetID == subnetID }) {
		out[in.PrivateIP] = true
	}
	return out
}
