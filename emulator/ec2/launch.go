package ec2

import (
	"context"
	"time"

	"github.com/apidriven/api-driven/emulator/ec2/vpc"
	"github.com/apidriven/api-driven/emulator/ec2/wire"
	"github.com/apidriven/api-driven/emulator/protocol"
)

func (s *Service) runInstances(ctx context.Context, req *protocol.QueryRequest) (any, error) {
	spec, err := s.parseLaunch(ctx, req)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.ensureRegionLocked(req.Region)
	now := s.now()
	if spec.clientToken != "" {
		tok := req.Region + "/" + spec.clientToken
		if rid, ok := s.tokens[tok]; ok {
			if h := s.tokenParams[tok]; h != "" && h != spec.paramsHash {
				s.mu.Unlock()
				return nil, protocol.BadRequest("IdempotentParameterMismatch", "Arguments on this idempotent request are inconsistent with arguments used in previous request(s).")
			}
			// Idempotent retry: answer with the original reservation.
			out := s.reservationLocked(req, rid)
			s.mu.Unlock()
			return out, nil
		}
	}
	launched, out, err := s.createInstancesLocked(req, spec)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if spec.clientToken != "" {
		s.tokens[req.Region+"/"+spec.clientToken] = out.ReservationID
		s.tokenParams[req.Region+"/"+spec.clientToken] = spec.paramsHash
	}
	v := s.bump()
	ids := make([]string, len(launched))
	for i := range launched {
		ids[i] = launched[i].ID
	}
	done := s.track(ids)
	s.mu.Unlock()

	err = s.launch(ctx, v, ids, launched)
	done()
	if err != nil {
		return nil, err
	}
	s.launchedStates(ctx, req, ids, now)
	// The answer shows the address the backing really got; the instances
	// exist either way, so a failed look is no failed launch.
	if spec.image.Backed && s.reconcile(ctx) == nil {
		s.mu.RLock()
		for i := range out.Instances.Items {
			if in, ok := s.instances[ids[i]]; ok {
				v := view{inst: *in, state: StatePending, at: now}
				out.Instances.Items[i] = v.xml()
			}
		}
		s.mu.RUnlock()
	}
	return out, nil
}

// createInstancesLocked checks what needs the state (key pair, subnet,
// groups, addresses, the instance limit) and records the instances;
// callers hold the write lock. Nothing changes when it fails.
func (s *Service) createInstancesLocked(req *protocol.QueryRequest, spec *launchSpec) ([]InstanceInfo, runInstancesResponse, error) {
	var out runInstancesResponse
	if spec.keyName != "" && s.keyByNameLocked(req.Region, spec.keyName) == nil {
		return nil, out, keyPairNotFound(spec.keyName)
	}
	env := s.envLocked(req.Region)
	place, err := s.net.Place(req.Region, env.Zones, spec.place)
	if err != nil {
		return nil, out, err
	}
	now := s.now()
	live := 0
	for _, in := range s.order {
		if st, _ := in.effective(now); st != StateTerminated {
			live++
		}
	}
	count := min(spec.maxCount, instanceLimit-live)
	if count < spec.minCount {
		return nil, out, protocol.BadRequest("InstanceLimitExceeded",
			"You have requested more instances (%d) than your current instance limit of %d allows for the specified instance type. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.",
			spec.minCount, instanceLimit)
	}
	ips, err := s.addressesLocked(place.Subnet, spec.privateIP, count, env)
	if err != nil {
		return nil, out, err
	}
	rid := wire.NewID("r-")
	out = runInstancesResponse{RequestID: req.RequestID, xmlReservation: newReservation(rid)}
	launched := make([]InstanceInfo, 0, count)
	for i := range count {
		s.seq++
		in := &instance{
			Seq: s.seq, ID: wire.NewID("i-"), ReservationID: rid, Region: req.Region, Zone: place.Subnet.Zone,
			ImageID: spec.image.ID, InstanceType: spec.instanceType, Architecture: spec.image.Architecture,
			RootDevice: spec.image.RootDevice, KeyName: spec.keyName, ProfileARN: spec.profileARN, ProfileID: spec.profileID,
			LaunchIndex: i, LaunchTime: now.UTC(),
			PrivateIP: ips[i], SubnetID: place.Subnet.ID, VpcID: place.Subnet.VpcID, Groups: place.Groups,
			ENIID: wire.NewID("eni-"), AttachmentID: wire.NewID("eni-attach-"), MAC: macAddress(), VolumeID: wire.NewID("vol-"),
			ClientToken: spec.clientToken, UserData: spec.userData, Monitoring: spec.monitoring,
			NoTerminate: spec.noTerminate, NoStop: spec.noStop, ShutdownBehavior: spec.shutdown,
			Tags: spec.tags, Backed: spec.image.Backed,
		}
		if place.PublicIP {
			in.PublicAddress, in.PublicIP = true, publicIP()
		}
		in.slot = &renderSlot{}
		in.enter(StatePending, now, s.opts.TransitionDelay)
		s.instances[in.ID] = in
		s.order = append(s.order, in)
		// The launch answer always shows pending, as on AWS.
		v := view{inst: *in, state: StatePending, at: now}
		out.Instances.Items = append(out.Instances.Items, v.xml())
		launched = append(launched, in.info())
	}
	return launched, out, nil
}

// addressesLocked picks count private addresses in the subnet: the one
// asked for (a single instance only), or free ones.
func (s *Service) addressesLocked(sub *vpc.Subnet, asked string, count int, env *vpc.Env) ([]string, error) {
	taken := env.Instances.AddressesIn(sub.ID)
	if asked != "" {
		switch {
		case count > 1:
			return nil, protocol.BadRequest("InvalidParameterCombination", "Cannot specify a private IP address when launching more than one instance")
		case !sub.Contains(asked):
			return nil, wire.InvalidValue("Address %s does not fall within the subnet's address range", asked)
		case taken[asked]:
			return nil, protocol.BadRequest("InvalidIPAddress.InUse", "Address %s is in use.", asked)
		}
		return []string{asked}, nil
	}
	ips := make([]string, count)
	for i := range ips {
		ip, err := sub.AllocateIP(taken)
		if err != nil {
			return nil, err
		}
		taken[ip] = true
		ips[i] = ip
	}
	return ips, nil
}

// launch saves the new records and has the driver launch them; a failure
// terminates the whole reservation.
func (s *Service) launch(ctx context.Context, v uint64, ids []string, launched []InstanceInfo) error {
	if err := s.mutated(v); err != nil {
		return err
	}
	for n, info := range launched {
		if err := s.driver.Launch(ctx, info); err != nil {
			s.launchFailed(ids, err)
			// Even when the caller went away (its context is why the launch
			// failed), what was started is removed, within a bound.
			cleanup, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			for _, ok := range launched[:n] {
				_ = s.driver.Terminate(cleanup, ok) // best effort: the caller gets the launch error
			}
			cancel()
			return wire.Internal("failed to launch instance %s: %v", info.ID, err)
		}
	}
	return nil
}

func newReservation(rid string) xmlReservation {
	return xmlReservation{
		ReservationID: rid, OwnerID: protocol.AccountID,
		Groups: wire.Set[xmlGroup]{Items: []xmlGroup{}},
	}
}

// reservationLocked renders a reservation as RunInstances answers it, for
// idempotent retries; callers hold s.mu.
func (s *Service) reservationLocked(req *protocol.QueryRequest, rid string) runInstancesResponse {
	out := runInstancesResponse{RequestID: req.RequestID, xmlReservation: newReservation(rid)}
	now := s.now()
	for _, in := range s.order {
		if in.ReservationID == rid {
			v := s.viewOf(in, now)
			out.Instances.Items = append(out.Instances.Items, v.xml())
		}
	}
	return out
}
