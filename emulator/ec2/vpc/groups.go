package vpc

import (
	"slices"
	"strings"

	"github.com/apidriven/api-driven/emulator/ec2/wire"
	"github.com/apidriven/api-driven/emulator/protocol"
)

// noDefaultVPC is AWS's answer to a call that needs the default VPC after
// the user deleted it.
func noDefaultVPC() error {
	return protocol.BadRequest("VPCIdNotSpecified", "No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.")
}

// groupByName finds a group of the region's default VPC by name, the only
// VPC where AWS resolves names.
func (n *Network) groupByName(region, name string) (*Group, error) {
	def := n.DefaultVPC(region)
	vpcName := "none"
	if def != nil {
		vpcName = def.ID
		for _, g := range n.Groups {
			if g.VpcID == def.ID && g.Name == name {
				return g, nil
			}
		}
	}
	return nil, protocol.BadRequest("InvalidGroup.NotFound", "The security group '%s' does not exist in default VPC '%s'", name, vpcName)
}

// targetGroup reads GroupId, or GroupName in the default VPC.
func (n *Network) targetGroup(req *protocol.QueryRequest) (*Group, error) {
	if id, ok := wire.First(req.Params, "GroupId"); ok && id != "" {
		return find(n.Groups, groupKind, req.Region, id)
	}
	if name, ok := wire.First(req.Params, "GroupName"); ok && name != "" {
		return n.groupByName(req.Region, name)
	}
	return nil, protocol.BadRequest("MissingParameter", "The request must contain the parameter groupName or groupId")
}

func (n *Network) createSecurityGroup(req *protocol.QueryRequest, _ *Env) (any, error) {
	name, ok := wire.First(req.Params, "GroupName")
	if !ok || name == "" {
		return nil, wire.Missing("GroupName")
	}
	desc, ok := wire.First(req.Params, "GroupDescription")
	if !ok || desc == "" {
		return nil, wire.Missing("GroupDescription")
	}
	switch {
	case len(name) > 255:
		return nil, wire.InvalidValue("Value (%s) for parameter GroupName is invalid. Length exceeds maximum of 255.", name)
	case len(desc) > 255:
		return nil, wire.InvalidValue("Value (%s) for parameter GroupDescription is invalid. Length exceeds maximum of 255.", desc)
	case strings.HasPrefix(name, "sg-"):
		return nil, wire.InvalidValue("Group names may not be in the format sg-*.")
	case name == "default":
		return nil, protocol.BadRequest("InvalidGroup.Reserved", "The security group 'default' is reserved.")
	}
	var v *VPC
	if id, given := wire.First(req.Params, "VpcId"); given && id != "" {
		var err error
		if v, err = find(n.VPCs, vpcKind, req.Region, id); err != nil {
			return nil, err
		}
	} else if v = n.DefaultVPC(req.Region); v == nil {
		return nil, noDefaultVPC()
	}
	groups := 0
	for _, g := range n.Groups {
		if g.VpcID != v.ID {
			continue
		}
		groups++
		if g.Name == name {
			return nil, protocol.BadRequest("InvalidGroup.Duplicate", "The security group '%s' already exists for VPC '%s'", name, v.ID)
		}
	}
	tags, err := specTags(req, "security-group")
	if err != nil {
		return nil, err
	}
	if groups >= maxGroups {
		return nil, protocol.BadRequest("SecurityGroupLimitExceeded", "The maximum number of security groups has been reached.")
	}
	g := &Group{Meta: n.meta(req.Region, wire.NewID("sg-")), VpcID: v.ID, Name: name, Description: desc, Egress: []Rule{allTraffic()}}
	g.Tags = tags
	n.Groups[g.ID] = g
	out := answer(req)
	out.GroupID, out.GroupArn, out.Tags = g.ID, g.arn(), g.Tags
	return out, nil
}

func (g *Group) arn() string { return wire.ARN(g.Region, "security-group", g.ID) }

func (n *Network) deleteSecurityGroup(req *protocol.QueryRequest, env *Env) (any, error) {
	g, err := n.targetGroup(req)
	if err != nil {
		return nil, err
	}
	if g.Name == "default" {
		return nil, protocol.BadRequest("CannotDelete", "the specified group: \"%s\" name: \"default\" cannot be deleted by a user", g.ID)
	}
	referenced := false
	for _, other := range n.Groups {
		if other == g {
			continue
		}
		for _, r := range append(other.Ingress[:len(other.Ingress):len(other.Ingress)], other.Egress...) {
			referenced = referenced || r.GroupID == g.ID
		}
	}
	if referenced || len(env.Instances.Using(g.ID)) > 0 {
		return nil, protocol.BadRequest("DependencyViolation", "resource %s has a dependent object", g.ID)
	}
	delete(n.Groups, g.ID)
	out := done(req)
	out.GroupID = g.ID
	return out, nil
}

var groupFilters = wire.Filters[Group]{
	Fields: map[string]func(*Group) string{
		"group-id":    func(g *Group) string { return g.ID },
		"group-name":  func(g *Group) string { return g.Name },
		"description": func(g *Group) string { return g.Description },
		"vpc-id":      func(g *Group) string { return g.VpcID },
		"owner-id":    func(*Group) string { return protocol.AccountID },
	},
	Lists: map[string]func(*Group) []string{
		"ip-permission.protocol":         rulesField(false, func(r Rule) string { return r.Protocol }),
		"ip-permission.from-port":        rulesField(false, func(r Rule) string { return portString(r.From) }),
		"ip-permission.to-port":          rulesField(false, func(r Rule) string { return portString(r.To) }),
		"ip-permission.cidr":             rulesField(false, func(r Rule) string { return r.CIDR }),
		"ip-permission.group-id":         rulesField(false, func(r Rule) string { return r.GroupID }),
		"egress.ip-permission.protocol":  rulesField(true, func(r Rule) string { return r.Protocol }),
		"egress.ip-permission.from-port": rulesField(true, func(r Rule) string { return portString(r.From) }),
		"egress.ip-permission.to-port":   rulesField(true, func(r Rule) string { return portString(r.To) }),
		"egress.ip-permission.cidr":      rulesField(true, func(r Rule) string { return r.CIDR }),
		"egress.ip-permission.group-id":  rulesField(true, func(r Rule) string { return r.GroupID }),
	},
	Tags: func(g *Group) []protocol.Tag { return g.Tags },
}

func rulesField(egress bool, get func(Rule) string) func(*Group) []string {
	return func(g *Group) []string {
		rules := g.Ingress
		if egress {
			rules = g.Egress
		}
		out := make([]string, 0, len(rules))
		for _, r := range rules {
			if v := get(r); v != "" {
				out = append(out, v)
			}
		}
		return out
	}
}

func (n *Network) describeSecurityGroups(req *protocol.QueryRequest, _ *Env) (any, error) {
	names := protocol.Indexed(req.Params, "GroupName")
	var groups []*Group
	var next string
	if len(names) > 0 {
		// Names resolve in the default VPC only; the group-name filter
		// reaches the others.
		m, err := groupFilters.Compile(protocol.Filters(req.Params))
		if err != nil {
			return nil, err
		}
		for _, name := range wire.Dedupe(names) {
			g, err := n.groupByName(req.Region, name)
			if err != nil {
				return nil, err
			}
			if m.Match(g) {
				groups = append(groups, g)
			}
		}
	} else {
		var err error
		if groups, next, err = describe(n.Groups, groupKind, req, "GroupId", &groupFilters); err != nil {
			return nil, err
		}
	}
	out := answer(req)
	out.Groups = &wire.Set[xmlGroup]{Items: make([]xmlGroup, 0, len(groups))}
	for _, g := range groups {
		out.Groups.Items = append(out.Groups.Items, g.xml())
	}
	out.NextToken = next
	return out, nil
}

func (g *Group) xml() xmlGroup {
	return xmlGroup{
		OwnerID: protocol.AccountID, GroupID: g.ID, GroupName: g.Name, Description: g.Description, VpcID: g.VpcID,
		Arn: g.arn(), Ingress: permissions(g.Ingress), Egress: permissions(g.Egress), Tags: g.Tags,
	}
}

// GroupRef names a security group as instances list it.
type GroupRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// ResolveGroups finds security groups of a VPC by id (ids) or, in the
// default VPC, by name (names), for RunInstances and
// ModifyInstanceAttribute.
func (n *Network) ResolveGroups(region, vpcID string, ids, names []string) ([]GroupRef, error) {
	var out []GroupRef
	for _, id := range wire.Dedupe(ids) {
		g, err := find(n.Groups, groupKind, region, id)
		if err != nil {
			return nil, err
		}
		if g.VpcID != vpcID {
			return nil, protocol.BadRequest("InvalidGroup.NotFound", "The security group '%s' does not exist in VPC '%s'", id, vpcID)
		}
		out = append(out, GroupRef{ID: g.ID, Name: g.Name})
	}
	for _, name := range wire.Dedupe(names) {
		g, err := n.groupByName(region, name)
		if err != nil {
			return nil, err
		}
		if g.VpcID != vpcID {
			return nil, protocol.BadRequest("InvalidParameterCombination", "The parameter groupName cannot be used with the parameter subnet")
		}
		if !slices.ContainsFunc(out, func(r GroupRef) bool { return r.ID == g.ID }) {
			out = append(out, GroupRef{ID: g.ID, Name: g.Name})
		}
	}
	return out, nil
}
