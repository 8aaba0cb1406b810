package ec2

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/apidriven/api-driven/emulator/ec2/vpc"
	"github.com/apidriven/api-driven/emulator/ec2/wire"
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
	place        vpc.PlaceRequest
	privateIP    string
	keyName      string
	profileARN   string // IamInstanceProfile, resolved
	profileID    string
	clientToken  string
	paramsHash   string // the request without its token, for idempotency
	userData     string
	monitoring   bool
	noTerminate  bool
	noStop       bool
	shutdown     string
	tags         []protocol.Tag
}

func (s *Service) parseLaunch(ctx context.Context, req *protocol.QueryRequest) (*launchSpec, error) {
	p := req.Params
	imageID, ok := wire.First(p, "ImageId")
	if !ok || imageID == "" {
		return nil, wire.Missing("ImageId")
	}
	img, err := s.lookupImage(ctx, imageID)
	if err != nil {
		return nil, err
	}
	spec := &launchSpec{image: img, instanceType: defaultInstanceType, shutdown: "stop"}
	if spec.minCount, spec.maxCount, err = launchCounts(req); err != nil {
		return nil, err
	}
	if t, ok := wire.First(p, "InstanceType"); ok {
		spec.instanceType = t
	}
	if err := checkInstanceType(spec.instanceType, img.Architecture); err != nil {
		return nil, err
	}
	if spec.place, spec.privateIP, err = placeRequest(req); err != nil {
		return nil, err
	}
	spec.keyName, _ = wire.First(p, "KeyName")
	if spec.profileARN, spec.profileID, err = s.instanceProfile(p); err != nil {
		return nil, err
	}
	spec.clientToken, _ = wire.First(p, "ClientToken")
	if len(spec.clientToken) > 64 {
		return nil, wire.InvalidValue("Value (%s) for parameter clientToken is invalid. Length must not exceed 64 characters.", spec.clientToken)
	}
	spec.paramsHash = paramsHash(req)
	spec.userData, _ = wire.First(p, "UserData")
	if len(spec.userData) > maxUserData {
		return nil, wire.InvalidValue("User data is limited to 16384 bytes")
	}
	for name, dst := range map[string]*bool{
		"Monitoring.Enabled":    &spec.monitoring,
		"DisableApiTermination": &spec.noTerminate,
		"DisableApiStop":        &spec.noStop,
	} {
		if *dst, err = wire.Bool(p, name); err != nil {
			return nil, err
		}
	}
	if b, ok := wire.First(p, "InstanceInitiatedShutdownBehavior"); ok {
		if b != "stop" && b != "terminate" {
			return nil, wire.InvalidValue("Value (%s) for parameter instanceInitiatedShutdownBehavior is invalid. Valid values are 'stop' and 'terminate'.", b)
		}
		spec.shutdown = b
	}
	tags, err := wire.SpecTags(p, "instance", "volume", "network-interface", "spot-instances-request", "elastic-gpu")
	if err != nil {
		return nil, err
	}
	spec.tags = tags["instance"]
	return spec, nil
}

func launchCounts(req *protocol.QueryRequest) (minCount, maxCount int, err error) {
	minCount, present, err := wire.Int(req.Params, "MinCount")
	if err != nil {
		return 0, 0, err
	}
	if !present {
		return 0, 0, wire.Missing("MinCount")
	}
	maxCount, present, err = wire.Int(req.Params, "MaxCount")
	if err != nil {
		return 0, 0, err
	}
	if !present {
		return 0, 0, wire.Missing("MaxCount")
	}
	if minCount < 1 {
		return 0, 0, wire.InvalidValue("Value (%d) for parameter minCount is invalid. Expected a positive integer.", minCount)
	}
	if maxCount < minCount {
		return 0, 0, wire.InvalidValue("Value (%d) for parameter maxCount is invalid. Expected an integer greater than or equal to minCount (%d).", maxCount, minCount)
	}
	return minCount, maxCount, nil
}

// placeRequest reads where to launch: the instance-level SubnetId and
// groups, or the first network interface's (the aws CLI moves them there
// with --associate-public-ip-address), never both, as on AWS.
func placeRequest(req *protocol.QueryRequest) (vpc.PlaceRequest, string, error) {
	p := req.Params
	var r vpc.PlaceRequest
	r.Zone, _ = wire.First(p, "Placement.AvailabilityZone")
	if r.Zone != "" {
		if _, known := zoneID(req.Region, r.Zone); !known {
			return r, "", wire.InvalidValue("Invalid availability zone: [%s]", r.Zone)
		}
	}
	r.SubnetID, _ = wire.First(p, "SubnetId")
	r.GroupIDs = protocol.Indexed(p, "SecurityGroupId")
	r.GroupNames = protocol.Indexed(p, "SecurityGroup")
	privateIP, _ := wire.First(p, "PrivateIpAddress")
	ifaces := protocol.IndexedStructs(p, "NetworkInterface")
	if len(ifaces) > 1 {
		return r, "", notEmulated("NetworkInterface.2 (more than one network interface)")
	}
	if len(ifaces) == 1 {
		eni := ifaces[0]
		if r.SubnetID != "" {
			return r, "", protocol.BadRequest("InvalidParameterCombination", "Network interfaces and an instance-level subnet ID may not be specified on the same request")
		}
		if len(r.GroupIDs) > 0 || len(r.GroupNames) > 0 {
			return r, "", protocol.BadRequest("InvalidParameterCombination", "Network interfaces and an instance-level security groups may not be specified on the same request")
		}
		if d, ok := eni["DeviceIndex"]; ok && d != "0" {
			return r, "", wire.InvalidValue("Each network interface requires a unique device index; the first must be 0, not %s.", d)
		}
		if id := eni["NetworkInterfaceId"]; id != "" {
			return r, "", notEmulated("NetworkInterface.1.NetworkInterfaceId")
		}
		r.SubnetID = eni["SubnetId"]
		sub := asParams(eni)
		r.GroupIDs = protocol.Indexed(sub, "SecurityGroupId")
		if b, given, err := wire.OptBool(sub, "AssociatePublicIpAddress"); err != nil {
			return r, "", err
		} else if given {
			r.PublicIP = &b
		}
		if ip := eni["PrivateIpAddress"]; ip != "" {
			privateIP = ip
		}
	}
	if r.SubnetID != "" && !wire.IsHexID(r.SubnetID, "subnet-") {
		return r, "", protocol.BadRequest("InvalidSubnetID.Malformed", "Invalid id: \"%s\" (expecting \"subnet-...\")", r.SubnetID)
	}
	return r, privateIP, nil
}

// asParams turns an IndexedStructs map back into parameters, to reuse the
// readers on a nested structure.
func asParams(m map[string]string) url.Values {
	out := make(url.Values, len(m))
	for k, v := range m {
		out[k] = []string{v}
	}
	return out
}

// paramsHash digests a request without its client token (and the
// parameters that do not change what is asked), so a retry with other
// arguments is told apart: AWS's IdempotentParameterMismatch.
func paramsHash(req *protocol.QueryRequest) string {
	keys := make([]string, 0, len(req.Params))
	for k := range req.Params {
		switch {
		case k == "ClientToken", k == "DryRun", k == "Action", k == "Version", strings.HasPrefix(k, "X-Amz-"):
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		fmt.Fprintf(h, "%s=%q\n", k, req.Params[k])
	}
	return hex.EncodeToString(h.Sum(nil))
}

func invalidTypeError(t string) error {
	return wire.InvalidValue("Invalid value '%s' for InstanceType.", t)
}

func archMismatch(typeArch, imageArch string) error {
	return wire.InvalidValue("The architecture '%s' of the specified instance type does not match the architecture '%s' of the specified AMI. Specify an instance type and an AMI that have matching architectures, and try again. You can use 'describe-instance-types' or 'describe-images' to discover the architecture of the instance type or AMI.", typeArch, imageArch)
}

func notEmulated(what string) error {
	return protocol.BadRequest("UnsupportedOperation", "%s is not supported by this emulator.", what)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
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
