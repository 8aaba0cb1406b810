package ec2

import (
	"strings"

	"github.com/apidriven/api-driven/emulator/ec2/wire"
	"github.com/apidriven/api-driven/emulator/protocol"
)

func malformedInstanceID(id string) *protocol.Error {
	return protocol.BadRequest("InvalidInstanceID.Malformed", "Invalid id: \"%s\"", id)
}

// instancesNotFound lists every unknown id in one error, as AWS does.
func instancesNotFound(ids []string) *protocol.Error {
	if len(ids) == 1 {
		return protocol.BadRequest("InvalidInstanceID.NotFound", "The instance ID '%s' does not exist", ids[0])
	}
	return protocol.BadRequest("InvalidInstanceID.NotFound", "The instance IDs '%s' do not exist", strings.Join(ids, ", "))
}

// checkInstanceIDs validates the syntax of every id before any lookup.
func checkInstanceIDs(ids []string) error {
	for _, id := range ids {
		if !wire.IsHexID(id, "i-") {
			return malformedInstanceID(id)
		}
	}
	return nil
}

// lookupLocked finds instances of the region; callers hold s.mu.
func (s *Service) lookupLocked(region string, ids []string) ([]*instance, error) {
	out := make([]*instance, 0, len(ids))
	var unknown []string
	for _, id := range ids {
		in, ok := s.instances[id]
		if !ok || in.Region != region {
			unknown = append(unknown, id)
			continue
		}
		out = append(out, in)
	}
	if len(unknown) > 0 {
		return nil, instancesNotFound(unknown)
	}
	return out, nil
}
