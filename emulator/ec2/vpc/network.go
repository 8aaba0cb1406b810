// Package vpc emulates EC2 networking: VPCs, subnets, security groups,
// internet gateways and route tables, with a default VPC per region as an
// AWS account has. It holds state only; the EC2 service owns the lock,
// persistence and the instances, which it describes to this package
// through the Instances interface.
package vpc

import (
	"encoding/json"

	"github.com/apidriven/api-driven/emulator/ec2/wire"
	"github.com/apidriven/api-driven/emulator/protocol"
)

// Limits bound what one region may hold, as AWS's default quotas do, so a
// runaway script cannot exhaust the emulator's memory.
const (
	maxVPCs        = 5   // VPCs per region
	maxGateways    = 5   // internet gateways per region
	maxSubnets     = 200 // per VPC
	maxGroups      = 500 // security groups per VPC (AWS: 2,500)
	maxRules       = 60  // rules per direction per group
	maxRouteTables = 200 // per VPC
	maxRoutes      = 50  // per route table
)

// Instances is what the network needs to know about the instances placed
// in it. The EC2 service implements it over its records while it holds
// its lock; only instances that are not terminated count.
type Instances interface {
	// Using lists the instances in a VPC or subnet, or carrying a security
	// group, by the resource's id.
	Using(id string) []string
	// PublicIn reports whether an instance of the VPC holds a public
	// address (AWS refuses to detach its internet gateway then).
	PublicIn(vpcID string) bool
	// AddressesIn lists the private addresses taken in a subnet.
	AddressesIn(subnetID string) map[string]bool
}

// Meta is what every network record carries.
type Meta struct {
	Seq    uint64         `json:"seq"`
	ID     string         `json:"id"`
	Region string         `json:"region"`
	Tags   []protocol.Tag `json:"tags,omitempty"`
}

func (m *Meta) meta() *Meta { return m }

// VPC is one virtual private cloud.
type VPC struct {
	Meta
	CIDR          string `json:"cidr"`
	AssociationID string `json:"cidrAssociationId"`
	Default       bool   `json:"isDefault,omitempty"`
	DNSSupport    bool   `json:"enableDnsSupport"`
	DNSHostnames  bool   `json:"enableDnsHostnames"`
	// AddressUsageMetrics is enableNetworkAddressUsageMetrics.
	AddressUsageMetrics bool   `json:"enableNetworkAddressUsageMetrics,omitempty"`
	Tenancy             string `json:"instanceTenancy"`
}

// Subnet is one subnet of a VPC, in one availability zone.
type Subnet struct {
	Meta
	VpcID       string `json:"vpcId"`
	CIDR        string `json:"cidr"`
	Zone        string `json:"zone"`
	Default     bool   `json:"defaultForAz,omitempty"`
	MapPublicIP bool   `json:"mapPublicIpOnLaunch,omitempty"`
}

// Group is a security group with its rules.
type Group struct {
	Meta
	VpcID       string `json:"vpcId"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Ingress     []Rule `json:"ingress,omitempty"`
	Egress      []Rule `json:"egress,omitempty"`
}

// Rule is one security group rule: a protocol and port range from (or to)
// one CIDR or one group, as AWS stores them (sgr-... each).
type Rule struct {
	ID          string         `json:"id"`
	Protocol    string         `json:"protocol"` // tcp, udp, icmp, a number, or -1 for all
	From        int            `json:"from"`
	To          int            `json:"to"`
	CIDR        string         `json:"cidr,omitempty"`
	GroupID     string         `json:"groupId,omitempty"`
	Description string         `json:"description,omitempty"`
	Tags        []protocol.Tag `json:"tags,omitempty"`
}

// Gateway is an internet gateway, attached to at most one VPC.
type Gateway struct {
	Meta
	VpcID string `json:"vpcId,omitempty"`
}

// RouteTable is a route table of a VPC.
type RouteTable struct {
	Meta
	VpcID  string        `json:"vpcId"`
	Routes []Route       `json:"routes"`
	Assocs []Association `json:"associations,omitempty"`
}

// Route sends a destination to a gateway ("local" for the VPC itself).
type Route struct {
	Dest      string `json:"destination"`
	GatewayID string `json:"gatewayId"`
	Origin    string `json:"origin"` // CreateRouteTable or CreateRoute
}

// Association ties a route table to a subnet, or marks it the VPC's main
// table.
type Association struct {
	ID       string `json:"id"`
	SubnetID string `json:"subnetId,omitempty"`
	Main     bool   `json:"main,omitempty"`
}

// Network is the networking state of every region. Callers serialize
// access (the EC2 service's lock).
type Network struct {
	Seq         uint64                 `json:"seq"`
	Regions     map[string]bool        `json:"regions"` // regions whose default VPC was made
	VPCs        map[string]*VPC        `json:"vpcs"`
	Subnets     map[string]*Subnet     `json:"subnets"`
	Groups      map[string]*Group      `json:"groups"`
	Gateways    map[string]*Gateway    `json:"gateways"`
	RouteTables map[string]*RouteTable `json:"routeTables"`
}

// New is an empty network; Ensure adds each region's default VPC.
func New() *Network {
	n := &Network{}
	n.Normalize()
	return n
}

// Normalize fills the maps a snapshot from an older version may lack.
func (n *Network) Normalize() {
	if n.Regions == nil {
		n.Regions = map[string]bool{}
	}
	if n.VPCs == nil {
		n.VPCs = map[string]*VPC{}
	}
	if n.Subnets == nil {
		n.Subnets = map[string]*Subnet{}
	}
	if n.Groups == nil {
		n.Groups = map[string]*Group{}
	}
	if n.Gateways == nil {
		n.Gateways = map[string]*Gateway{}
	}
	if n.RouteTables == nil {
		n.RouteTables = map[string]*RouteTable{}
	}
}

// Ready reports whether the region's default VPC was made.
func (n *Network) Ready(region string) bool { return n.Regions[region] }

func (n *Network) meta(region, id string) Meta {
	n.Seq++
	return Meta{Seq: n.Seq, ID: id, Region: region}
}

// DefaultVPCID is the id of a region's default VPC. It is derived from the
// region, as instances recorded by older versions already name it.
func DefaultVPCID(region string) string { return wire.StableID("vpc-", "vpc/"+region) }

// DefaultSubnetID is the id of a zone's default subnet (see DefaultVPCID).
func DefaultSubnetID(zone string) string { return wire.StableID("subnet-", "subnet/"+zone) }

// DefaultCIDR is the default VPC's block, as on AWS.
const DefaultCIDR = "172.31.0.0/16"

// Ensure makes the region's default VPC, as AWS has one in every region of
// an account: a /20 subnet per zone that maps public addresses, a default
// security group, an internet gateway and a main route table to it. It
// reports whether it changed anything.
func (n *Network) Ensure(region string, zones []string) bool {
	if n.Regions[region] {
		return false
	}
	n.Regions[region] = true
	if _, taken := n.VPCs[DefaultVPCID(region)]; !taken {
		n.makeDefault(region, zones)
	}
	return true
}

// makeDefault builds a region's default VPC with the ids older versions
// derived, for Ensure and CreateDefaultVpc.
func (n *Network) makeDefault(region string, zones []string) *VPC {
	vpcID := DefaultVPCID(region)
	v := &VPC{Meta: n.meta(region, vpcID), CIDR: DefaultCIDR, AssociationID: wire.StableID("vpc-cidr-assoc-", "assoc/"+vpcID),
		Default: true, DNSSupport: true, DNSHostnames: true, Tenancy: "default"}
	n.VPCs[vpcID] = v
	for i, zone := range zones {
		id := DefaultSubnetID(zone)
		n.Subnets[id] = &Subnet{Meta: n.meta(region, id), VpcID: vpcID, CIDR: defaultSubnetCIDR(i), Zone: zone, Default: true, MapPublicIP: true}
	}
	n.addVPCParts(v, "default VPC security group", true)
	igw := &Gateway{Meta: n.meta(region, n.stableID("igw-", "igw/"+vpcID)), VpcID: vpcID}
	n.Gateways[igw.ID] = igw
	main := n.mainTable(vpcID)
	main.Routes = append(main.Routes, Route{Dest: "0.0.0.0/0", GatewayID: igw.ID, Origin: "CreateRoute"})
	return v
}

// addVPCParts gives a new VPC what AWS creates with it: the default
// security group and the main route table.
func (n *Network) addVPCParts(v *VPC, groupDescription string, stable bool) {
	sgID, rtbID, assocID := wire.NewID("sg-"), wire.NewID("rtb-"), wire.NewID("rtbassoc-")
	if stable {
		sgID = n.stableID("sg-", "sg/"+v.ID)
		rtbID = n.stableID("rtb-", "rtb/"+v.ID)
		assocID = n.stableID("rtbassoc-", "rtbassoc/"+v.ID)
	}
	g := &Group{Meta: n.meta(v.Region, sgID), VpcID: v.ID, Name: "default", Description: groupDescription}
	g.Ingress = []Rule{{ID: newRuleID(), Protocol: "-1", GroupID: sgID}}
	g.Egress = []Rule{allTraffic()}
	n.Groups[sgID] = g
	n.RouteTables[rtbID] = &RouteTable{Meta: n.meta(v.Region, rtbID), VpcID: v.ID,
		Routes: []Route{{Dest: v.CIDR, GatewayID: "local", Origin: "CreateRouteTable"}},
		Assocs: []Association{{ID: assocID, Main: true}}}
}

// stableID is the id a default VPC's part always gets, unless a part of
// an earlier default VPC still holds it (a gateway the user detached but
// kept): then a fresh one.
func (n *Network) stableID(prefix, name string) string {
	id := wire.StableID(prefix, name)
	if n.Groups[id] != nil || n.Gateways[id] != nil || n.RouteTables[id] != nil {
		return wire.NewID(prefix)
	}
	return id
}

func allTraffic() Rule { return Rule{ID: newRuleID(), Protocol: "-1", CIDR: "0.0.0.0/0"} }

func newRuleID() string { return wire.NewID("sgr-") }

// DefaultVPC returns the region's default VPC, nil when it was deleted.
func (n *Network) DefaultVPC(region string) *VPC {
	for _, v := range n.VPCs {
		if v.Region == region && v.Default {
			return v
		}
	}
	return nil
}

// DefaultGroup returns a VPC's default security group.
func (n *Network) DefaultGroup(vpcID string) *Group {
	for _, g := range n.Groups {
		if g.VpcID == vpcID && g.Name == "default" {
			return g
		}
	}
	return nil
}

// mainTable returns a VPC's main route table.
func (n *Network) mainTable(vpcID string) *RouteTable {
	for _, t := range n.RouteTables {
		if t.VpcID != vpcID {
			continue
		}
		for _, a := range t.Assocs {
			if a.Main {
				return t
			}
		}
	}
	return nil
}

// Tagged finds a network resource of the region by id for CreateTags and
// DeleteTags: its resource type and its tags, which the caller replaces
// (never modifies in place).
func (n *Network) Tagged(region, id string) (kind string, tags *[]protocol.Tag, ok bool) {
	var m *Meta
	switch {
	case n.VPCs[id] != nil:
		kind, m = "vpc", &n.VPCs[id].Meta
	case n.Subnets[id] != nil:
		kind, m = "subnet", &n.Subnets[id].Meta
	case n.Groups[id] != nil:
		kind, m = "security-group", &n.Groups[id].Meta
	case n.Gateways[id] != nil:
		kind, m = "internet-gateway", &n.Gateways[id].Meta
	case n.RouteTables[id] != nil:
		kind, m = "route-table", &n.RouteTables[id].Meta
	default:
		return "", nil, false
	}
	if m.Region != region {
		return "", nil, false
	}
	return kind, &m.Tags, true
}

// EachTagged calls fn for every tagged network resource of the region, for
// DescribeTags; seq orders them by creation.
func (n *Network) EachTagged(region string, fn func(seq uint64, kind, id string, tags []protocol.Tag)) {
	visit := func(kind string, m *Meta) {
		if m.Region == region && len(m.Tags) > 0 {
			fn(m.Seq, kind, m.ID, m.Tags)
		}
	}
	for _, v := range n.VPCs {
		visit("vpc", &v.Meta)
	}
	for _, s := range n.Subnets {
		visit("subnet", &s.Meta)
	}
	for _, g := range n.Groups {
		visit("security-group", &g.Meta)
	}
	for _, g := range n.Gateways {
		visit("internet-gateway", &g.Meta)
	}
	for _, t := range n.RouteTables {
		visit("route-table", &t.Meta)
	}
}

// Clone is a deep copy, for a snapshot saved outside the caller's lock.
func (n *Network) Clone() (*Network, error) {
	b, err := json.Marshal(n)
	if err != nil {
		return nil, err
	}
	out := &Network{}
	if err := json.Unmarshal(b, out); err != nil {
		return nil, err
	}
	out.Normalize()
	return out, nil
}
