package vpc

import (
	"github.com/apidriven/api-driven/emulator/ec2/wire"
	"github.com/apidriven/api-driven/emulator/protocol"
)

func (n *Network) createInternetGateway(req *protocol.QueryRequest, _ *Env) (any, error) {
	tags, err := specTags(req, "internet-gateway")
	if err != nil {
		return nil, err
	}
	if count(n.Gateways, func(g *Gateway) bool { return g.Region == req.Region }) >= maxGateways {
		return nil, protocol.BadRequest("InternetGatewayLimitExceeded", "The maximum number of internet gateways has been reached.")
	}
	g := &Gateway{Meta: n.meta(req.Region, wire.NewID("igw-"))}
	g.Tags = tags
	n.Gateways[g.ID] = g
	out := answer(req)
	x := g.xml()
	out.Gateway = &x
	return out, nil
}

// gatewayAndVpc reads the InternetGatewayId and VpcId of attach and detach.
func (n *Network) gatewayAndVpc(req *protocol.QueryRequest) (*Gateway, *VPC, error) {
	g, err := required(n.Gateways, gatewayKind, req, "InternetGatewayId")
	if err != nil {
		return nil, nil, err
	}
	v, err := required(n.VPCs, vpcKind, req, "VpcId")
	if err != nil {
		return nil, nil, err
	}
	return g, v, nil
}

func (n *Network) attachInternetGateway(req *protocol.QueryRequest, _ *Env) (any, error) {
	g, v, err := n.gatewayAndVpc(req)
	if err != nil {
		return nil, err
	}
	if g.VpcID != "" {
		return nil, protocol.BadRequest("Resource.AlreadyAssociated", "resource %s is already attached to network %s", g.ID, g.VpcID)
	}
	for _, other := range n.Gateways {
		if other.VpcID == v.ID {
			return nil, protocol.BadRequest("Resource.AlreadyAssociated", "network %s already has an internet gateway attached", v.ID)
		}
	}
	g.VpcID = v.ID
	return done(req), nil
}

func (n *Network) detachInternetGateway(req *protocol.QueryRequest, env *Env) (any, error) {
	g, v, err := n.gatewayAndVpc(req)
	if err != nil {
		return nil, err
	}
	if g.VpcID != v.ID {
		return nil, protocol.BadRequest("Gateway.NotAttached", "resource %s is not attached to network %s", g.ID, v.ID)
	}
	if env.Instances.PublicIn(v.ID) {
		return nil, protocol.BadRequest("DependencyViolation",
			"Network %s has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.", v.ID)
	}
	g.VpcID = ""
	return done(req), nil
}

func (n *Network) deleteInternetGateway(req *protocol.QueryRequest, _ *Env) (any, error) {
	g, err := required(n.Gateways, gatewayKind, req, "InternetGatewayId")
	if err != nil {
		return nil, err
	}
	if g.VpcID != "" {
		return nil, inUse("internetGateway", g.ID)
	}
	delete(n.Gateways, g.ID)
	return done(req), nil
}

var gatewayFilters = wire.Filters[Gateway]{
	Fields: map[string]func(*Gateway) string{
		"internet-gateway-id": func(g *Gateway) string { return g.ID },
		"attachment.vpc-id":   func(g *Gateway) string { return g.VpcID },
		"attachment.state": func(g *Gateway) string {
			if g.VpcID != "" {
				return "available"
			}
			return ""
		},
		"owner-id": func(*Gateway) string { return protocol.AccountID },
	},
	Tags: func(g *Gateway) []protocol.Tag { return g.Tags },
}

func (n *Network) describeInternetGateways(req *protocol.QueryRequest, _ *Env) (any, error) {
	gws, next, err := describe(n.Gateways, gatewayKind, req, "InternetGatewayId", &gatewayFilters)
	if err != nil {
		return nil, err
	}
	out := answer(req)
	out.Gateways = &wire.Set[xmlGateway]{Items: make([]xmlGateway, 0, len(gws))}
	for _, g := range gws {
		out.Gateways.Items = append(out.Gateways.Items, g.xml())
	}
	out.NextToken = next
	return out, nil
}

func (g *Gateway) xml() xmlGateway {
	x := xmlGateway{InternetGatewayID: g.ID, OwnerID: protocol.AccountID, Attachments: wire.Set[xmlAttachment]{Items: []xmlAttachment{}}, Tags: g.Tags}
	if g.VpcID != "" {
		// AWS reports an attached gateway's attachment as "available".
		x.Attachments.Items = append(x.Attachments.Items, xmlAttachment{VpcID: g.VpcID, State: "available"})
	}
	return x
}
