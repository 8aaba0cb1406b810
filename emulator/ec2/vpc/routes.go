package vpc

import (
	"slices"
	"strconv"

	"github.com/apidriven/api-driven/emulator/ec2/wire"
	"github.com/apidriven/api-driven/emulator/protocol"
)

func (n *Network) createRouteTable(req *protocol.QueryRequest, _ *Env) (any, error) {
	v, err := required(n.VPCs, vpcKind, req, "VpcId")
	if err != nil {
		return nil, err
	}
	tags, err := specTags(req, "route-table")
	if err != nil {
		return nil, err
	}
	if count(n.RouteTables, func(t *RouteTable) bool { return t.VpcID == v.ID }) >= maxRouteTables {
		return nil, protocol.BadRequest("RouteTableLimitExceeded", "The maximum number of route tables has been reached.")
	}
	t := &RouteTable{Meta: n.meta(req.Region, wire.NewID("rtb-")), VpcID: v.ID,
		Routes: []Route{{Dest: v.CIDR, GatewayID: "local", Origin: "CreateRouteTable"}}}
	t.Tags = tags
	n.RouteTables[t.ID] = t
	out := answer(req)
	x := n.tableXML(t)
	out.RouteTable = &x
	return out, nil
}

func (n *Network) deleteRouteTable(req *protocol.QueryRequest, _ *Env) (any, error) {
	t, err := required(n.RouteTables, tableKind, req, "RouteTableId")
	if err != nil {
		return nil, err
	}
	if len(t.Assocs) > 0 {
		return nil, inUse("routeTable", t.ID)
	}
	delete(n.RouteTables, t.ID)
	return done(req), nil
}

// routeTargets are CreateRoute's targets other than GatewayId: none of
// them exists in the emulator.
var routeTargets = []string{"NatGatewayId", "InstanceId", "NetworkInterfaceId", "VpcPeeringConnectionId", "TransitGatewayId",
	"EgressOnlyInternetGatewayId", "VpcEndpointId", "CarrierGatewayId", "LocalGatewayId", "CoreNetworkArn", "OdbNetworkArn",
	"DestinationIpv6CidrBlock", "DestinationPrefixListId"}

// parseRoute reads a Create/ReplaceRoute request: its table and the route
// to an internet gateway of the table's VPC.
func (n *Network) parseRoute(req *protocol.QueryRequest) (*RouteTable, Route, error) {
	t, err := required(n.RouteTables, tableKind, req, "RouteTableId")
	if err != nil {
		return nil, Route{}, err
	}
	for _, p := range routeTargets {
		if v, given := wire.First(req.Params, p); given && v != "" {
			return nil, Route{}, notEmulated(p)
		}
	}
	dest, ok := wire.First(req.Params, "DestinationCidrBlock")
	if !ok || dest == "" {
		return nil, Route{}, wire.Missing("DestinationCidrBlock")
	}
	block, ok := parsePeer(dest)
	if !ok {
		return nil, Route{}, wire.InvalidValue("Value (%s) for parameter destinationCidrBlock is invalid. This is not a valid CIDR block.", dest)
	}
	gwID, ok := wire.First(req.Params, "GatewayId")
	if !ok || gwID == "" {
		return nil, Route{}, protocol.BadRequest("MissingParameter", "The request must contain exactly one of gatewayId, natGatewayId, networkInterfaceId, vpcPeeringConnectionId, transitGatewayId or instanceId")
	}
	g, err := find(n.Gateways, gatewayKind, req.Region, gwID)
	if err != nil {
		return nil, Route{}, err
	}
	if g.VpcID != t.VpcID {
		return nil, Route{}, wire.InvalidValue("route table %s and network gateway %s belong to different networks", t.ID, g.ID)
	}
	return t, Route{Dest: block.String(), GatewayID: g.ID, Origin: "CreateRoute"}, nil
}

func (t *RouteTable) route(dest string) int {
	return slices.IndexFunc(t.Routes, func(r Route) bool { return r.Dest == dest })
}

func noRoute(t *RouteTable, dest string) error {
	return protocol.BadRequest("InvalidRoute.NotFound", "no route with destination-cidr-block %s in route table %s", dest, t.ID)
}

func (n *Network) createRoute(req *protocol.QueryRequest, _ *Env) (any, error) {
	t, r, err := n.parseRoute(req)
	if err != nil {
		return nil, err
	}
	if t.route(r.Dest) >= 0 {
		return nil, protocol.BadRequest("RouteAlreadyExists", "The route identified by %s already exists.", r.Dest)
	}
	if len(t.Routes) >= maxRoutes {
		return nil, protocol.BadRequest("RouteLimitExceeded", "The maximum number of routes has been reached.")
	}
	t.Routes = append(slices.Clone(t.Routes), r)
	return done(req), nil
}

func (n *Network) replaceRoute(req *protocol.QueryRequest, _ *Env) (any, error) {
	t, r, err := n.parseRoute(req)
	if err != nil {
		return nil, err
	}
	i := t.route(r.Dest)
	switch {
	case i < 0:
		return nil, noRoute(t, r.Dest)
	case t.Routes[i].GatewayID == "local":
		return nil, wire.InvalidValue("cannot replace local route %s in route table %s", r.Dest, t.ID)
	}
	routes := slices.Clone(t.Routes)
	routes[i] = r
	t.Routes = routes
	return done(req), nil
}

func (n *Network) deleteRoute(req *protocol.QueryRequest, _ *Env) (any, error) {
	t, err := required(n.RouteTables, tableKind, req, "RouteTableId")
	if err != nil {
		return nil, err
	}
	dest, ok := wire.First(req.Params, "DestinationCidrBlock")
	if !ok || dest == "" {
		return nil, wire.Missing("DestinationCidrBlock")
	}
	block, ok := parsePeer(dest)
	i := -1
	if ok {
		i = t.route(block.String())
	}
	switch {
	case i < 0:
		return nil, noRoute(t, dest)
	case t.Routes[i].GatewayID == "local":
		return nil, wire.InvalidValue("cannot remove local route %s in route table %s", dest, t.ID)
	}
	t.Routes = slices.Delete(slices.Clone(t.Routes), i, i+1)
	return done(req), nil
}

func (n *Network) associateRouteTable(req *protocol.QueryRequest, _ *Env) (any, error) {
	t, err := required(n.RouteTables, tableKind, req, "RouteTableId")
	if err != nil {
		return nil, err
	}
	if v, given := wire.First(req.Params, "GatewayId"); given && v != "" {
		return nil, notEmulated("GatewayId")
	}
	s, err := required(n.Subnets, subnetKind, req, "SubnetId")
	if err != nil {
		return nil, err
	}
	if s.VpcID != t.VpcID {
		return nil, wire.InvalidValue("Route table %s and subnet %s belong to different networks", t.ID, s.ID)
	}
	if owner, _ := n.association(req.Region, func(a Association) bool { return a.SubnetID == s.ID }); owner != nil {
		return nil, protocol.BadRequest("Resource.AlreadyAssociated", "the specified association for route table %s conflicts with an existing association", t.ID)
	}
	a := Association{ID: wire.NewID("rtbassoc-"), SubnetID: s.ID}
	t.Assocs = append(slices.Clone(t.Assocs), a)
	out := answer(req)
	out.AssociationID, out.AssocState = a.ID, &xmlAssociationState{State: "associated"}
	return out, nil
}

// association finds the region's route table holding an association that
// passes match, and its index.
func (n *Network) association(region string, match func(Association) bool) (*RouteTable, int) {
	for _, t := range n.RouteTables {
		if t.Region != region {
			continue
		}
		if i := slices.IndexFunc(t.Assocs, match); i >= 0 {
			return t, i
		}
	}
	return nil, -1
}

// associationByID reads AssociationId and finds it.
func (n *Network) associationByID(req *protocol.QueryRequest) (*RouteTable, int, error) {
	id, ok := wire.First(req.Params, "AssociationId")
	if !ok || id == "" {
		return nil, 0, wire.Missing("AssociationId")
	}
	if !wire.IsHexID(id, "rtbassoc-") {
		return nil, 0, protocol.BadRequest("InvalidAssociationID.Malformed", "Invalid id: \"%s\" (expecting \"rtbassoc-...\")", id)
	}
	t, i := n.association(req.Region, func(a Association) bool { return a.ID == id })
	if t == nil {
		return nil, 0, protocol.BadRequest("InvalidAssociationID.NotFound", "The association ID '%s' does not exist", id)
	}
	return t, i, nil
}

func (n *Network) disassociateRouteTable(req *protocol.QueryRequest, _ *Env) (any, error) {
	t, i, err := n.associationByID(req)
	if err != nil {
		return nil, err
	}
	if t.Assocs[i].Main {
		return nil, wire.InvalidValue("cannot disassociate the main route table association %s", t.Assocs[i].ID)
	}
	t.Assocs = slices.Delete(slices.Clone(t.Assocs), i, i+1)
	return done(req), nil
}

// replaceRouteTableAssociation moves an association (a subnet's, or the
// VPC's main one) to another table of the VPC under a new id.
func (n *Network) replaceRouteTableAssociation(req *protocol.QueryRequest, _ *Env) (any, error) {
	from, i, err := n.associationByID(req)
	if err != nil {
		return nil, err
	}
	to, err := required(n.RouteTables, tableKind, req, "RouteTableId")
	if err != nil {
		return nil, err
	}
	if to.VpcID != from.VpcID {
		return nil, wire.InvalidValue("Route table %s and association %s belong to different networks", to.ID, from.Assocs[i].ID)
	}
	a := from.Assocs[i]
	from.Assocs = slices.Delete(slices.Clone(from.Assocs), i, i+1)
	a.ID = wire.NewID("rtbassoc-")
	to.Assocs = append(slices.Clone(to.Assocs), a)
	out := answer(req)
	out.NewAssociation, out.AssocState = a.ID, &xmlAssociationState{State: "associated"}
	return out, nil
}

func routesField(get func(Route) string) func(*RouteTable) []string {
	return func(t *RouteTable) []string {
		out := make([]string, len(t.Routes))
		for i, r := range t.Routes {
			out[i] = get(r)
		}
		return out
	}
}

func assocsField(get func(Association) string) func(*RouteTable) []string {
	return func(t *RouteTable) []string {
		out := make([]string, 0, len(t.Assocs))
		for _, a := range t.Assocs {
			if v := get(a); v != "" {
				out = append(out, v)
			}
		}
		return out
	}
}

func (n *Network) tableFilters() *wire.Filters[RouteTable] {
	return &wire.Filters[RouteTable]{
		Fields: map[string]func(*RouteTable) string{
			"route-table-id": func(t *RouteTable) string { return t.ID },
			"vpc-id":         func(t *RouteTable) string { return t.VpcID },
			"owner-id":       func(*RouteTable) string { return protocol.AccountID },
			"association.main": func(t *RouteTable) string {
				return strconv.FormatBool(slices.ContainsFunc(t.Assocs, func(a Association) bool { return a.Main }))
			},
		},
		Lists: map[string]func(*RouteTable) []string{
			"association.subnet-id":                  assocsField(func(a Association) string { return a.SubnetID }),
			"association.route-table-association-id": assocsField(func(a Association) string { return a.ID }),
			"association.association-state":          assocsField(func(Association) string { return "associated" }),
			"route.destination-cidr-block":           routesField(func(r Route) string { return r.Dest }),
			"route.gateway-id":                       routesField(func(r Route) string { return r.GatewayID }),
			"route.origin":                           routesField(func(r Route) string { return r.Origin }),
		},
		Tags: func(t *RouteTable) []protocol.Tag { return t.Tags },
	}
}

func (n *Network) describeRouteTables(req *protocol.QueryRequest, _ *Env) (any, error) {
	tables, next, err := describe(n.RouteTables, tableKind, req, "RouteTableId", n.tableFilters())
	if err != nil {
		return nil, err
	}
	out := answer(req)
	out.RouteTables = &wire.Set[xmlRouteTable]{Items: make([]xmlRouteTable, 0, len(tables))}
	for _, t := range tables {
		out.RouteTables.Items = append(out.RouteTables.Items, n.tableXML(t))
	}
	out.NextToken = next
	return out, nil
}

// routeState is active for the local route and a route to a gateway that
// is attached to the VPC, blackhole otherwise, as AWS reports it.
func (n *Network) routeState(t *RouteTable, r Route) string {
	if r.GatewayID == "local" {
		return "active"
	}
	if g, ok := n.Gateways[r.GatewayID]; ok && g.VpcID == t.VpcID {
		return "active"
	}
	return "blackhole"
}

func (n *Network) tableXML(t *RouteTable) xmlRouteTable {
	x := xmlRouteTable{RouteTableID: t.ID, VpcID: t.VpcID, OwnerID: protocol.AccountID, Tags: t.Tags,
		Routes: wire.Set[xmlRoute]{Items: make([]xmlRoute, 0, len(t.Routes))}, Associations: wire.Set[xmlAssociation]{Items: []xmlAssociation{}}}
	for _, r := range t.Routes {
		x.Routes.Items = append(x.Routes.Items, xmlRoute{DestinationCidrBlock: r.Dest, GatewayID: r.GatewayID, State: n.routeState(t, r), Origin: r.Origin})
	}
	for _, a := range t.Assocs {
		x.Associations.Items = append(x.Associations.Items, xmlAssociation{AssociationID: a.ID, RouteTableID: t.ID, SubnetID: a.SubnetID, Main: a.Main,
			State: xmlAssociationState{State: "associated"}})
	}
	return x
}
