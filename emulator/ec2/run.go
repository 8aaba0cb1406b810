package ec2

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"

	"github.com/apidriven/api-driven/emulator/protocol"
)

const (
	// defaultInstanceType is what RunInstances launches when the request
	// names no type.
	defaultInstanceType = "t2.micro"
	// instanceLimit caps live (not terminated) instances, like an account's
	// vCPU quota, so a runaway loop cannot exhaust memory.
	instanceLimit = 1000
)

// launchSpec is a validated RunInstances request.
type launchSpec struct {
	image        *Image
	instanceType string
	minCount     int
	maxCount     int
	zone         string
	subnetID     string
	keyName      string
	clientToken  string
	userData     string
	monitoring   bool
	noTerminate  bool
	noStop       bool
	tags         []protocol.Tag
}

func (s *Service) parseLaunch(ctx context.Context, req *protocol.QueryRequest) (*launchSpec, error) {
	p := req.Params
	imageID, ok := first(p, "ImageId")
	if !ok || imageID == "" {
		return nil, missing("ImageId")
	}
	img, err := s.lookupImage(ctx, imageID)
	if err != nil {
		return nil, err
	}
	spec := &launchSpec{image: img, instanceType: defaultInstanceType}
	minCount, present, err := intParam(p, "MinCount")
	if err != nil {
		return nil, err
	}
	if !present {
		return nil, missing("MinCount")
	}
	maxCount, present, err := intParam(p, "MaxCount")
	if err != nil {
		return nil, err
	}
	if !present {
		return nil, missing("MaxCount")
	}
	if minCount < 1 {
		return nil, invalidValue("Value (%d) for parameter minCount is invalid. Expected a positive integer.", minCount)
	}
	if maxCount < minCount {
		return nil, invalidValue("Value (%d) for parameter maxCount is invalid. Expected an integer greater than or equal to minCount (%d).", maxCount, minCount)
	}
	spec.minCount, spec.maxCount = minCount, maxCount
	if t, ok := first(p, "InstanceType"); ok {
		if !validInstanceType(t) {
			return nil, invalidValue("Invalid value '%s' for InstanceType.", t)
		}
		spec.instanceType = t
	}
	if arch := instanceArch(spec.instanceType); arch != img.Architecture {
		return nil, invalidValue("The architecture '%s' of the specified instance type does not match the architecture '%s' of the specified AMI. Specify an instance type and an AMI that have matching architectures, and try again.", arch, img.Architecture)
	}
	spec.zone = req.Region + "a"
	if z, ok := first(p, "Placement.AvailabilityZone"); ok && z != "" {
		if _, known := zoneID(req.Region, z); !known {
			return nil, invalidValue("Invalid availability zone: [%s]", z)
		}
		spec.zone = z
	}
	if sub, ok := first(p, "SubnetId"); ok && sub != "" {
		if !isHexID(sub, "subnet-") {
			return nil, protocol.BadRequest("InvalidSubnetID.Malformed", "Invalid id: \"%s\" (expecting \"subnet-...\")", sub)
		}
		spec.subnetID = sub
	}
	spec.keyName, _ = first(p, "KeyName")
	spec.clientToken, _ = first(p, "ClientToken")
	if len(spec.clientToken) > 64 {
		return nil, invalidValue("Value (%s) for parameter clientToken is invalid. Length must not exceed 64 characters.", spec.clientToken)
	}
	spec.userData, _ = first(p, "UserData")
	for name, dst := range map[string]*bool{
		"Monitoring.Enabled":    &spec.monitoring,
		"DisableApiTermination": &spec.noTerminate,
		"DisableApiStop":        &spec.noStop,
	} {
		if *dst, err = boolParam(p, name); err != nil {
			return nil, err
		}
	}
	if spec.tags, err = launchTags(req); err != nil {
		return nil, err
	}
	return spec, nil
}

// validInstanceType accepts the family.size form (t3.micro, m7i-flex.large).
func validInstanceType(t string) bool {
	family, size, ok := strings.Cut(t, ".")
	if !ok || family == "" || size == "" || len(t) > 32 || family[0] < 'a' || family[0] > 'z' {
		return false
	}
	for _, c := range t {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '.' && c != '-' {
			return false
		}
	}
	return strings.IndexAny(family, "0123456789") > 0
}

// instanceArch infers the CPU architecture: Graviton families carry a "g"
// after the generation digit (t4g, m7gd, c6gn) and a1 is arm64 too.
func instanceArch(t string) string {
	family, _, _ := strings.Cut(t, ".")
	if family == "a1" {
		return "arm64"
	}
	if i := strings.IndexAny(family, "0123456789"); i > 0 {
		attrs := strings.TrimLeft(family[i:], "0123456789")
		attrs, _, _ = strings.Cut(attrs, "-")
		if strings.Contains(attrs, "g") {
			return "arm64"
		}
	}
	return "x86_64"
}

// launchTags are the instance's tags from TagSpecification.N; tags for
// the volumes and network interfaces launched with it are checked and
// ignored.
func launchTags(req *protocol.QueryRequest) ([]protocol.Tag, error) {
	byType, err := tagSpecifications(req.Params, "instance", "volume", "network-interface", "spot-instances-request", "elastic-gpu")
	if err != nil {
		return nil, err
	}
	return byType["instance"], nil
}

func (s *Service) runInstances(ctx context.Context, req *protocol.QueryRequest) (any, error) {
	spec, err := s.parseLaunch(ctx, req)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	now := s.now()
	if spec.clientToken != "" {
		if rid, ok := s.tokens[req.Region+"/"+spec.clientToken]; ok {
			// Idempotent retry: answer with the original reservation.
			out := s.reservationLocked(req, rid)
			s.mu.Unlock()
			return out, nil
		}
	}
	live := 0
	for _, in := range s.order {
		if st, _ := in.effective(now); st != StateTerminated {
			live++
		}
	}
	count := min(spec.maxCount, instanceLimit-live)
	if count < spec.minCount {
		s.mu.Unlock()
		return nil, protocol.BadRequest("InstanceLimitExceeded",
			"You have requested more instances (%d) than your current instance limit of %d allows for the specified instance type. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.",
			spec.minCount, instanceLimit)
	}
	rid := newID("r-")
	vpc, subnet := defaultVPC(req.Region, spec.zone)
	if spec.subnetID != "" {
		subnet = spec.subnetID
	}
	out := runInstancesResponse{RequestID: req.RequestID, xmlReservation: newReservation(rid)}
	launched := make([]InstanceInfo, 0, count)
	for i := range count {
		s.seq++
		in := &instance{
			Seq: s.seq, ID: newID("i-"), ReservationID: rid, Region: req.Region, Zone: spec.zone,
			ImageID: spec.image.ID, InstanceType: spec.instanceType, Architecture: spec.image.Architecture,
			RootDevice: spec.image.RootDevice, KeyName: spec.keyName, LaunchIndex: i, LaunchTime: now.UTC(),
			PrivateIP: privateIP(), PublicIP: publicIP(), SubnetID: subnet, VpcID: vpc,
			ENIID: newID("eni-"), MAC: macAddress(), VolumeID: newID("vol-"),
			ClientToken: spec.clientToken, UserData: spec.userData, Monitoring: spec.monitoring,
			NoTerminate: spec.noTerminate, NoStop: spec.noStop,
			Tags: spec.tags, Backed: spec.image.Backed,
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
	if spec.clientToken != "" {
		s.tokens[req.Region+"/"+spec.clientToken] = rid
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

// launch saves the new records and has the driver launch them; a failure
// terminates the whole reservation.
func (s *Service) launch(ctx context.Context, v uint64, ids []string, launched []InstanceInfo) error {
	if err := s.mutated(v); err != nil {
		return err
	}
	for n, info := range launched {
		if err := s.driver.Launch(ctx, info); err != nil {
			s.launchFailed(ids, err)
			for _, ok := range launched[:n] {
				_ = s.driver.Terminate(ctx, ok) // best effort: the caller gets the launch error
			}
			return internal("failed to launch instance %s: %v", info.ID, err)
		}
	}
	return nil
}

// newID makes a long-form EC2 id: since 2016 AWS issues 17 hex digits, the
// first of which is always 0.
func newID(prefix string) string {
	return protocol.HexID(prefix+"0", 16)
}

func newReservation(rid string) xmlReservation {
	return xmlReservation{
		ReservationID: rid, OwnerID: protocol.AccountID,
		Groups: set[xmlGroup]{Items: []xmlGroup{}},
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

// defaultVPC gives stable fake ids for the region's default VPC and the
// zone's default subnet.
func defaultVPC(region, zone string) (vpc, subnet string) {
	return "vpc-" + stableHex("vpc/"+region, 17), "subnet-" + stableHex("subnet/"+zone, 17)
}

// stableHex derives n hex digits from s (FNV-1a), for ids that must not
// change between runs.
func stableHex(s string, n int) string {
	const digits = "0123456789abcdef"
	h := uint64(14695981039346656037)
	out := make([]byte, n)
	for i := range out {
		for j := 0; j < len(s); j++ {
			h ^= uint64(s[j])
			h *= 1099511628211
		}
		h ^= uint64(i)
		h *= 1099511628211
		out[i] = digits[h>>60]
	}
	return string(out)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// privateIP is an address in the emulated VPC's 10.0.0.0/16, skipping the
// first addresses AWS reserves in every subnet.
func privateIP() string {
	b := randomBytes(3)
	return fmt.Sprintf("10.0.%d.%d", b[0], 4+int(b[1])%250)
}

// publicIP is taken from TEST-NET-3 (RFC 5737), which is never routed, so a
// tool that tries to reach it cannot hit a real host.
func publicIP() string {
	return fmt.Sprintf("203.0.113.%d", 1+int(randomBytes(1)[0])%254)
}

func macAddress() string {
	b := randomBytes(5)
	return fmt.Sprintf("0e:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4])
}
