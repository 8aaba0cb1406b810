package vpc

import (
	"encoding/xml"
	"strconv"

	"github.com/apidriven/api-driven/emulator/ec2/wire"
	"github.com/apidriven/api-driven/emulator/protocol"
)

// dhcpOptionsID is the DHCP option set every VPC names (AWS's default set;
// DescribeDhcpOptions is not emulated).
const dhcpOptionsID = "dopt-0b1f5e8c3d2a49607"

func (n *Network) createVpc(req *protocol.QueryRequest, _ *Env) (any, error) {
	cidr, ok := wire.First(req.Params, "CidrBlock")
	if !ok || cidr == "" {
		return nil, protocol.BadRequest("MissingParameter", "Either 'cidrBlock' or 'ipv4IpamPoolId' should be provided.")
	}
	block, ok := parseBlock(cidr)
	if !ok {
		return nil, wire.InvalidValue("Value (%s) for parameter cidrBlock is invalid. This is not a valid CIDR block.", cidr)
	}
	if block.Bits() < largestBlock || block.Bits() > smallestBlock {
		return nil, protocol.BadRequest("InvalidVpc.Range", "The CIDR '%s' is invalid.", cidr)
	}
	for _, p := range []string{"AmazonProvidedIpv6CidrBlock", "Ipv6Pool", "Ipv6CidrBlock", "Ipv4IpamPoolId", "Ipv6IpamPoolId"} {
		if v, given := wire.First(req.Params, p); given && v != "" && v != "false" {
			return nil, notEmulated(p)
		}
	}
	tenancy := "default"
	if t, given := wire.First(req.Params, "InstanceTenancy"); given {
		if t != "default" && t != "dedicated" && t != "host" {
			return nil, wire.InvalidValue("Value (%s) for parameter instanceTenancy is invalid.", t)
		}
		tenancy = t
	}
	tags, err := specTags(req, "vpc")
	if err != nil {
		return nil, err
	}
	if count(n.VPCs, func(v *VPC) bool { return v.Region == req.Region }) >= maxVPCs {
		return nil, protocol.BadRequest("VpcLimitExceeded", "The maximum number of VPCs has been reached.")
	}
	v := &VPC{Meta: n.meta(req.Region, wire.NewID("vpc-")), CIDR: block.String(), AssociationID: wire.NewID("vpc-cidr-assoc-"),
		DNSSupport: true, Tenancy: tenancy}
	v.Tags = tags
	n.VPCs[v.ID] = v
	n.addVPCParts(v, "default VPC security group", false)
	out := answer(req)
	x := v.xml()
	x.State = "pending" // as AWS answers; DescribeVpcs shows it available
	out.Vpc = &x
	return out, nil
}

// createDefaultVpc remakes the region's default VPC after the user
// deleted it, as AWS allows; its parts get the ids of the first one.
func (n *Network) createDefaultVpc(req *protocol.QueryRequest, env *Env) (any, error) {
	if n.DefaultVPC(req.Region) != nil {
		return nil, protocol.BadRequest("DefaultVpcAlreadyExists", "A Default VPC already exists for this account in this region.")
	}
	for _, id := range append([]string{DefaultVPCID(req.Region)}, defaultSubnetIDs(env.Zones)...) {
		if n.VPCs[id] != nil || n.Subnets[id] != nil {
			return nil, protocol.Errorf(500, "InternalError", "the default VPC's id %s is taken", id)
		}
	}
	if count(n.VPCs, func(v *VPC) bool { return v.Region == req.Region }) >= maxVPCs {
		return nil, protocol.BadRequest("VpcLimitExceeded", "The maximum number of VPCs has been reached.")
	}
	out := answer(req)
	x := n.makeDefault(req.Region, env.Zones).xml()
	out.Vpc = &x
	return out, nil
}

func defaultSubnetIDs(zones []string) []string {
	out := make([]string, len(zones))
	for i, z := range zones {
		out[i] = DefaultSubnetID(z)
	}
	return out
}

func (n *Network) deleteVpc(req *protocol.QueryRequest, env *Env) (any, error) {
	v, err := required(n.VPCs, vpcKind, req, "VpcId")
	if err != nil {
		return nil, err
	}
	main := n.mainTable(v.ID)
	def := n.DefaultGroup(v.ID)
	busy := len(env.Instances.Using(v.ID)) > 0 ||
		count(n.Subnets, func(s *Subnet) bool { return s.VpcID == v.ID }) > 0 ||
		count(n.Gateways, func(g *Gateway) bool { return g.VpcID == v.ID }) > 0 ||
		count(n.Groups, func(g *Group) bool { return g.VpcID == v.ID && g != def }) > 0 ||
		count(n.RouteTables, func(t *RouteTable) bool { return t.VpcID == v.ID && t != main }) > 0
	if busy {
		return nil, inUse("vpc", v.ID)
	}
	delete(n.VPCs, v.ID)
	if def != nil {
		delete(n.Groups, def.ID)
	}
	if main != nil {
		delete(n.RouteTables, main.ID)
	}
	return done(req), nil
}

var vpcFilters = wire.Filters[VPC]{
	Fields: map[string]func(*VPC) string{
		"vpc-id":                                func(v *VPC) string { return v.ID },
		"cidr":                                  func(v *VPC) string { return v.CIDR },
		"cidr-block-association.cidr-block":     func(v *VPC) string { return v.CIDR },
		"cidr-block-association.association-id": func(v *VPC) string { return v.AssociationID },
		"cidr-block-association.state":          func(*VPC) string { return "associated" },
		"dhcp-options-id":                       func(*VPC) string { return dhcpOptionsID },
		"is-default":                            func(v *VPC) string { return strconv.FormatBool(v.Default) },
		"isDefault":                             func(v *VPC) string { return strconv.FormatBool(v.Default) },
		"owner-id":                              func(*VPC) string { return protocol.AccountID },
		"state":                                 func(*VPC) string { return "available" },
		"instance-tenancy":                      func(v *VPC) string { return v.Tenancy },
	},
	Tags: func(v *VPC) []protocol.Tag { return v.Tags },
}

func (n *Network) describeVpcs(req *protocol.QueryRequest, _ *Env) (any, error) {
	vpcs, next, err := describe(n.VPCs, vpcKind, req, "VpcId", &vpcFilters)
	if err != nil {
		return nil, err
	}
	out := answer(req)
	out.Vpcs = &wire.Set[xmlVpc]{Items: make([]xmlVpc, 0, len(vpcs))}
	for _, v := range vpcs {
		out.Vpcs.Items = append(out.Vpcs.Items, v.xml())
	}
	out.NextToken = next
	return out, nil
}

func (v *VPC) xml() xmlVpc {
	return xmlVpc{
		VpcID: v.ID, OwnerID: protocol.AccountID, State: "available", CidrBlock: v.CIDR,
		CidrAssociations: wire.Set[xmlCidrAssoc]{Items: []xmlCidrAssoc{{AssociationID: v.AssociationID, CidrBlock: v.CIDR, State: xmlCidrState{State: "associated"}}}},
		DhcpOptionsID:    dhcpOptionsID, InstanceTenancy: v.Tenancy, IsDefault: v.Default,
		BlockPublicAccess: xmlBlockPublicAccess{InternetGatewayBlockMode: "off"}, Tags: v.Tags,
	}
}

// vpcAttributes are the attributes Modify/DescribeVpcAttribute handle.
var vpcAttributes = map[string]func(*VPC) *bool{
	"enableDnsSupport":   func(v *VPC) *bool { return &v.DNSSupport },
	"enableDnsHostnames": func(v *VPC) *bool { return &v.DNSHostnames },
	"enableNetworkAddressUsageMetrics": func(v *VPC) *bool {
		return &v.AddressUsageMetrics
	},
}

func (n *Network) modifyVpcAttribute(req *protocol.QueryRequest, _ *Env) (any, error) {
	v, err := required(n.VPCs, vpcKind, req, "VpcId")
	if err != nil {
		return nil, err
	}
	var field *bool
	var value bool
	for name, get := range vpcAttributes {
		b, given, err := wire.OptBool(req.Params, upperFirst(name)+".Value")
		if err != nil {
			return nil, err
		}
		if !given {
			continue
		}
		if field != nil {
			return nil, protocol.BadRequest("InvalidParameterCombination", "Fields for multiple attribute types specified: enableDnsSupport, enableDnsHostnames, enableNetworkAddressUsageMetrics")
		}
		field, value = get(v), b
	}
	if field == nil {
		return nil, protocol.BadRequest("InvalidParameterCombination", "No attributes specified.")
	}
	*field = value
	return done(req), nil
}

type vpcAttributeResponse struct {
	XMLName             xml.Name            `xml:"http://ec2.amazonaws.com/doc/2016-11-15/ DescribeVpcAttributeResponse"`
	RequestID           string              `xml:"requestId"`
	VpcID               string              `xml:"vpcId"`
	DNSSupport          *wire.AttributeBool `xml:"enableDnsSupport,omitempty"`
	DNSHostnames        *wire.AttributeBool `xml:"enableDnsHostnames,omitempty"`
	AddressUsageMetrics *wire.AttributeBool `xml:"enableNetworkAddressUsageMetrics,omitempty"`
}

func (n *Network) describeVpcAttribute(req *protocol.QueryRequest, _ *Env) (any, error) {
	v, err := required(n.VPCs, vpcKind, req, "VpcId")
	if err != nil {
		return nil, err
	}
	name, ok := wire.First(req.Params, "Attribute")
	if !ok || name == "" {
		return nil, wire.Missing("Attribute")
	}
	get, known := vpcAttributes[name]
	if !known {
		return nil, wire.InvalidValue("Value (%s) for parameter attribute is invalid. Unknown attribute.", name)
	}
	out := vpcAttributeResponse{RequestID: req.RequestID, VpcID: v.ID}
	val := &wire.AttributeBool{Value: *get(v)}
	switch name {
	case "enableDnsSupport":
		out.DNSSupport = val
	case "enableDnsHostnames":
		out.DNSHostnames = val
	default:
		out.AddressUsageMetrics = val
	}
	return out, nil
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// notEmulated is the answer for a parameter AWS accepts and the emulator
// does not model; it says so instead of ignoring it.
func notEmulated(param string) error {
	return protocol.BadRequest("UnsupportedOperation", "The parameter %s is not supported by this emulator (IPv6, IPAM and the other options it names are not emulated).", param)
}
