package vpc

import (
	"github.com/apidriven/api-driven/emulator/ec2/wire"
	"github.com/apidriven/api-driven/emulator/protocol"
)

// PlaceRequest is where RunInstances asks to put instances.
type PlaceRequest struct {
	Zone       string // Placement.AvailabilityZone; "" for the first zone
	SubnetID   string // "" for the zone's default subnet
	GroupIDs   []string
	GroupNames []string // default VPC only
	PublicIP   *bool    // AssociatePublicIpAddress; nil follows the subnet
}

// Placement is where instances go.
type Placement struct {
	Subnet   *Subnet
	Groups   []GroupRef
	PublicIP bool
}

// Place resolves a launch's subnet (its zone decides the instance's) and
// security groups (the VPC's default group when none is named).
func (n *Network) Place(region string, zones []string, r PlaceRequest) (Placement, error) {
	var p Placement
	if r.SubnetID != "" {
		s, err := find(n.Subnets, subnetKind, region, r.SubnetID)
		if err != nil {
			return p, err
		}
		if r.Zone != "" && r.Zone != s.Zone {
			return p, wire.InvalidValue("Value (%s) for parameter availabilityZone is invalid. Subnet '%s' is in the availability zone %s", r.Zone, s.ID, s.Zone)
		}
		p.Subnet = s
	} else {
		def := n.DefaultVPC(region)
		if def == nil {
			return p, protocol.BadRequest("VPCIdNotSpecified", "No default VPC for this user")
		}
		zone := r.Zone
		if zone == "" && len(zones) > 0 {
			zone = zones[0]
		}
		for _, s := range n.Subnets {
			if s.VpcID == def.ID && s.Default && s.Zone == zone {
				p.Subnet = s
				break
			}
		}
		if p.Subnet == nil {
			return p, protocol.BadRequest("MissingInput", "No subnets found for the default VPC '%s'. Please specify a subnet.", def.ID)
		}
	}
	groups, err := n.ResolveGroups(region, p.Subnet.VpcID, r.GroupIDs, r.GroupNames)
	if err != nil {
		return p, err
	}
	if len(groups) == 0 {
		def := n.DefaultGroup(p.Subnet.VpcID)
		if def == nil {
			return p, protocol.Errorf(500, "InternalError", "VPC %s has no default security group", p.Subnet.VpcID)
		}
		groups = []GroupRef{{ID: def.ID, Name: def.Name}}
	}
	p.Groups = groups
	p.PublicIP = p.Subnet.MapPublicIP
	if r.PublicIP != nil {
		p.PublicIP = *r.PublicIP
	}
	return p, nil
}

// Subnet returns a subnet by id, nil when unknown.
func (n *Network) Subnet(id string) *Subnet { return n.Subnets[id] }
