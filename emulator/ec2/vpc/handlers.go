package vpc

import (
	"sort"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// Env is what a call gets besides the request: the instances, and the
// availability zones of the request's region.
type Env struct {
	Instances Instances
	Zones     []string
	ZoneID    func(zone string) (string, bool)
}

type handler func(n *Network, req *protocol.QueryRequest, env *Env) (any, error)

// writers change the network; a failing one changes nothing (each checks
// everything before it mutates).
var writers = map[string]handler{
	"CreateVpc":                     (*Network).createVpc,
	"CreateDefaultVpc":              (*Network).createDefaultVpc,
	"DeleteVpc":                     (*Network).deleteVpc,
	"ModifyVpcAttribute":            (*Network).modifyVpcAttribute,
	"CreateSubnet":                  (*Network).createSubnet,
	"DeleteSubnet":                  (*Network).deleteSubnet,
	"ModifySubnetAttribute":         (*Network).modifySubnetAttribute,
	"CreateSecurityGroup":           (*Network).createSecurityGroup,
	"DeleteSecurityGroup":           (*Network).deleteSecurityGroup,
	"AuthorizeSecurityGroupIngress": direction((*Network).authorize, false),
	"AuthorizeSecurityGroupEgress":  direction((*Network).authorize, true),
	"RevokeSecurityGroupIngress":    direction((*Network).revoke, false),
	"RevokeSecurityGroupEgress":     direction((*Network).revoke, true),
	"CreateInternetGateway":         (*Network).createInternetGateway,
	"AttachInternetGateway":         (*Network).attachInternetGateway,
	"DetachInternetGateway":         (*Network).detachInternetGateway,
	"DeleteInternetGateway":         (*Network).deleteInternetGateway,
	"CreateRouteTable":              (*Network).createRouteTable,
	"DeleteRouteTable":              (*Network).deleteRouteTable,
	"CreateRoute":                   (*Network).createRoute,
	"ReplaceRoute":                  (*Network).replaceRoute,
	"DeleteRoute":                   (*Network).deleteRoute,
	"AssociateRouteTable":           (*Network).associateRouteTable,
	"DisassociateRouteTable":        (*Network).disassociateRouteTable,
	"ReplaceRouteTableAssociation":  (*Network).replaceRouteTableAssociation,
}

// direction binds a rule call to ingress or egress rules.
func direction(h func(*Network, *protocol.QueryRequest, bool) (any, error), egress bool) handler {
	return func(n *Network, req *protocol.QueryRequest, _ *Env) (any, error) { return h(n, req, egress) }
}

var readers = map[string]handler{
	"DescribeVpcs":             (*Network).describeVpcs,
	"DescribeVpcAttribute":     (*Network).describeVpcAttribute,
	"DescribeSubnets":          (*Network).describeSubnets,
	"DescribeSecurityGroups":   (*Network).describeSecurityGroups,
	"DescribeInternetGateways": (*Network).describeInternetGateways,
	"DescribeRouteTables":      (*Network).describeRouteTables,
}

// Actions lists the Query actions the network answers.
func Actions() []string {
	out := make([]string, 0, len(writers)+len(readers))
	for name := range writers {
		out = append(out, name)
	}
	for name := range readers {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// Handles reports whether the network answers action, and whether the
// answer changes state (the caller then takes its write lock and saves).
func Handles(action string) (ok, writes bool) {
	if _, ok := writers[action]; ok {
		return true, true
	}
	_, ok = readers[action]
	return ok, false
}

// Serve answers one call; the caller holds its lock (for writing when
// Handles says the action writes).
func (n *Network) Serve(req *protocol.QueryRequest, env *Env) (any, error) {
	if h, ok := writers[req.Action]; ok {
		return h(n, req, env)
	}
	if h, ok := readers[req.Action]; ok {
		return h(n, req, env)
	}
	return nil, protocol.UnknownAction("ec2", req.Action)
}
