package vpc

import (
	"slices"
	"strconv"
	"strings"

	"github.com/apidriven/api-driven/emulator/ec2/wire"
	"github.com/apidriven/api-driven/emulator/protocol"
)

func (n *Network) createSubnet(req *protocol.QueryRequest, env *Env) (any, error) {
	v, err := required(n.VPCs, vpcKind, req, "VpcId")
	if err != nil {
		return nil, err
	}
	cidr, ok := wire.First(req.Params, "CidrBlock")
	if !ok || cidr == "" {
		return nil, wire.Missing("CidrBlock")
	}
	block, ok := parseBlock(cidr)
	if !ok {
		return nil, wire.InvalidValue("Value (%s) for parameter cidrBlock is invalid. This is not a valid CIDR block.", cidr)
	}
	vpcBlock, _ := parseBlock(v.CIDR)
	if block.Bits() < largestBlock || block.Bits() > smallestBlock || !within(vpcBlock, block) {
		return nil, protocol.BadRequest("InvalidSubnet.Range", "The CIDR '%s' is invalid.", cidr)
	}
	siblings := 0
	for _, s := range n.Subnets {
		if s.VpcID != v.ID {
			continue
		}
		siblings++
		if other, ok := parseBlock(s.CIDR); ok && other.Overlaps(block) {
			return nil, protocol.BadRequest("InvalidSubnet.Conflict", "The CIDR '%s' conflicts with another subnet", cidr)
		}
	}
	zone, err := n.pickZone(req, env, v.ID)
	if err != nil {
		return nil, err
	}
	for _, p := range []string{"Ipv6CidrBlock", "Ipv6Native", "OutpostArn", "Ipv4IpamPoolId", "Ipv6IpamPoolId"} {
		if val, given := wire.First(req.Params, p); given && val != "" && val != "false" {
			return nil, notEmulated(p)
		}
	}
	tags, err := specTags(req, "subnet")
	if err != nil {
		return nil, err
	}
	if siblings >= maxSubnets {
		return nil, protocol.BadRequest("SubnetLimitExceeded", "The maximum number of subnets has been reached.")
	}
	s := &Subnet{Meta: n.meta(req.Region, wire.NewID("subnet-")), VpcID: v.ID, CIDR: block.String(), Zone: zone}
	s.Tags = tags
	n.Subnets[s.ID] = s
	out := answer(req)
	x := s.xml(env)
	out.Subnet = &x
	return out, nil
}

// pickZone reads AvailabilityZone or AvailabilityZoneId; without either
// it picks the zone where the VPC has the fewest subnets, as AWS spreads
// them.
func (n *Network) pickZone(req *protocol.QueryRequest, env *Env, vpcID string) (string, error) {
	bad := func(param, value string) error {
		return wire.InvalidValue("Value (%s) for parameter %s is invalid. Subnets can currently only be created in the following availability zones: %s.",
			value, param, strings.Join(env.Zones, ", "))
	}
	if z, ok := wire.First(req.Params, "AvailabilityZone"); ok && z != "" {
		if !slices.Contains(env.Zones, z) {
			return "", bad("availabilityZone", z)
		}
		return z, nil
	}
	if id, ok := wire.First(req.Params, "AvailabilityZoneId"); ok && id != "" {
		for _, z := range env.Zones {
			if zid, _ := env.ZoneID(z); zid == id {
				return z, nil
			}
		}
		return "", bad("availabilityZoneId", id)
	}
	best, bestCount := "", -1
	for _, z := range env.Zones {
		c := count(n.Subnets, func(s *Subnet) bool { return s.VpcID == vpcID && s.Zone == z })
		if bestCount < 0 || c < bestCount {
			best, bestCount = z, c
		}
	}
	return best, nil
}

func (n *Network) deleteSubnet(req *protocol.QueryRequest, env *Env) (any, error) {
	s, err := required(n.Subnets, subnetKind, req, "SubnetId")
	if err != nil {
		return nil, err
	}
	if len(env.Instances.Using(s.ID)) > 0 {
		return nil, inUse("subnet", s.ID)
	}
	delete(n.Subnets, s.ID)
	// AWS drops the subnet's route table association with it.
	for _, t := range n.RouteTables {
		t.Assocs = slices.DeleteFunc(slices.Clone(t.Assocs), func(a Association) bool { return a.SubnetID == s.ID })
	}
	return done(req), nil
}

func (n *Network) modifySubnetAttribute(req *protocol.QueryRequest, _ *Env) (any, error) {
	s, err := required(n.Subnets, subnetKind, req, "SubnetId")
	if err != nil {
		return nil, err
	}
	for _, p := range []string{"AssignIpv6AddressOnCreation.Value", "MapCustomerOwnedIpOnLaunch.Value", "EnableDns64.Value", "EnableLniAtDeviceIndex", "CustomerOwnedIpv4Pool"} {
		if _, given := wire.First(req.Params, p); given {
			return nil, notEmulated(strings.TrimSuffix(p, ".Value"))
		}
	}
	mapIP, given, err := wire.OptBool(req.Params, "MapPublicIpOnLaunch.Value")
	if err != nil {
		return nil, err
	}
	if !given {
		return nil, protocol.BadRequest("InvalidParameterCombination", "No attributes specified.")
	}
	s.MapPublicIP = mapIP
	return done(req), nil
}

func subnetFilters(env *Env) *wire.Filters[Subnet] {
	cidr := func(s *Subnet) string { return s.CIDR }
	zone := func(s *Subnet) string { return s.Zone }
	def := func(s *Subnet) string { return strconv.FormatBool(s.Default) }
	return &wire.Filters[Subnet]{
		Fields: map[string]func(*Subnet) string{
			"subnet-id":               func(s *Subnet) string { return s.ID },
			"vpc-id":                  func(s *Subnet) string { return s.VpcID },
			"cidr-block":              cidr,
			"cidr":                    cidr,
			"cidrBlock":               cidr,
			"availability-zone":       zone,
			"availabilityZone":        zone,
			"availability-zone-id":    func(s *Subnet) string { id, _ := env.ZoneID(s.Zone); return id },
			"default-for-az":          def,
			"defaultForAz":            def,
			"map-public-ip-on-launch": func(s *Subnet) string { return strconv.FormatBool(s.MapPublicIP) },
			"state":                   func(*Subnet) string { return "available" },
			"owner-id":                func(*Subnet) string { return protocol.AccountID },
			"subnet-arn":              func(s *Subnet) string { return wire.ARN(s.Region, "subnet", s.ID) },
			"available-ip-address-count": func(s *Subnet) string {
				return strconv.Itoa(s.Available(env.Instances))
			},
		},
		Tags: func(s *Subnet) []protocol.Tag { return s.Tags },
	}
}

func (n *Network) describeSubnets(req *protocol.QueryRequest, env *Env) (any, error) {
	subnets, next, err := describe(n.Subnets, subnetKind, req, "SubnetId", subnetFilters(env))
	if err != nil {
		return nil, err
	}
	out := answer(req)
	out.Subnets = &wire.Set[xmlSubnet]{Items: make([]xmlSubnet, 0, len(subnets))}
	for _, s := range subnets {
		out.Subnets.Items = append(out.Subnets.Items, s.xml(env))
	}
	out.NextToken = next
	return out, nil
}

func (s *Subnet) xml(env *Env) xmlSubnet {
	zoneID, _ := env.ZoneID(s.Zone)
	return xmlSubnet{
		SubnetID: s.ID, SubnetArn: wire.ARN(s.Region, "subnet", s.ID), State: "available", VpcID: s.VpcID,
		OwnerID: protocol.AccountID, CidrBlock: s.CIDR, AvailableIPAddressCount: s.Available(env.Instances),
		AvailabilityZone: s.Zone, AvailabilityZoneID: zoneID, DefaultForAz: s.Default, MapPublicIPOnLaunch: s.MapPublicIP,
		PrivateDNSOnLaunch: xmlPrivateDNSOnLaunch{HostnameType: "ip-name"},
		BlockPublicAccess:  xmlBlockPublicAccess{InternetGatewayBlockMode: "off"}, Tags: s.Tags,
	}
}
