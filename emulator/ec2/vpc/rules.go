package vpc

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/apidriven/api-driven/emulator/ec2/wire"
	"github.com/apidriven/api-driven/emulator/protocol"
)

// parseRules reads the rules of an Authorize or Revoke call: the
// IpPermissions.N list and the older flat form (IpProtocol, FromPort,
// ToPort, CidrIp, SourceSecurityGroupName), one Rule per peer.
func (n *Network) parseRules(req *protocol.QueryRequest, g *Group) ([]Rule, error) {
	var rules []Rule
	for _, p := range protocol.IndexedStructs(req.Params, "IpPermissions") {
		rs, err := n.permissionRules(req.Region, g, p)
		if err != nil {
			return nil, err
		}
		if len(rs) == 0 {
			return nil, protocol.BadRequest("MissingParameter", "Either 'ipPermissions' or 'cidrIp/sourceSecurityGroupName' should be provided with a peer (IpRanges or Groups).")
		}
		rules = append(rules, rs...)
	}
	flat := map[string]string{}
	for _, k := range []string{"IpProtocol", "FromPort", "ToPort", "CidrIp", "SourceSecurityGroupName"} {
		if v, ok := wire.First(req.Params, k); ok && v != "" {
			flat[k] = v
		}
	}
	if len(flat) > 0 {
		if flat["IpProtocol"] == "" {
			flat["IpProtocol"] = "-1"
		}
		if cidr, ok := flat["CidrIp"]; ok {
			flat["IpRanges.1.CidrIp"] = cidr
		}
		if name, ok := flat["SourceSecurityGroupName"]; ok {
			flat["Groups.1.GroupName"] = name
		}
		rs, err := n.permissionRules(req.Region, g, flat)
		if err != nil {
			return nil, err
		}
		if len(rs) == 0 {
			return nil, protocol.BadRequest("MissingParameter", "Either 'cidrIp' or 'sourceSecurityGroupName' should be provided.")
		}
		rules = append(rules, rs...)
	}
	return rules, nil
}

// permissionRules expands one IpPermission (its fields keyed as the wire
// names them under IpPermissions.N) into rules.
func (n *Network) permissionRules(region string, g *Group, p map[string]string) ([]Rule, error) {
	for k := range p {
		if strings.HasPrefix(k, "Ipv6Ranges.") || strings.HasPrefix(k, "PrefixListIds.") {
			return nil, notEmulated(strings.SplitN(k, ".", 2)[0])
		}
	}
	proto, err := normalizeProtocol(p["IpProtocol"])
	if err != nil {
		return nil, err
	}
	from, to, err := portRange(proto, p["FromPort"], p["ToPort"])
	if err != nil {
		return nil, err
	}
	base := Rule{Protocol: proto, From: from, To: to}
	var out []Rule
	for j := 1; ; j++ {
		cidr, ok := p[fmt.Sprintf("IpRanges.%d.CidrIp", j)]
		if !ok {
			break
		}
		block, ok := parsePeer(cidr)
		if !ok {
			return nil, wire.InvalidValue("CIDR block %s is malformed", cidr)
		}
		r := base
		r.CIDR, r.Description = block.String(), p[fmt.Sprintf("IpRanges.%d.Description", j)]
		out = append(out, r)
	}
	for j := 1; ; j++ {
		id, hasID := p[fmt.Sprintf("Groups.%d.GroupId", j)]
		name, hasName := p[fmt.Sprintf("Groups.%d.GroupName", j)]
		if !hasID && !hasName {
			break
		}
		var peer *Group
		if hasID {
			if peer, err = find(n.Groups, groupKind, region, id); err != nil {
				return nil, err
			}
		} else if peer, err = n.groupByName(region, name); err != nil {
			return nil, err
		}
		if peer.VpcID != g.VpcID {
			return nil, wire.InvalidValue("You have specified two resources that belong to different networks.")
		}
		r := base
		r.GroupID, r.Description = peer.ID, p[fmt.Sprintf("Groups.%d.Description", j)]
		out = append(out, r)
	}
	return out, nil
}

// normalizeProtocol maps names and numbers to the form AWS stores: tcp,
// udp, icmp, -1 for all, or another protocol's number.
func normalizeProtocol(p string) (string, error) {
	switch strings.ToLower(p) {
	case "tcp", "6":
		return "tcp", nil
	case "udp", "17":
		return "udp", nil
	case "icmp", "1":
		return "icmp", nil
	case "-1", "all":
		return "-1", nil
	case "":
		return "", wire.Missing("IpProtocol")
	}
	if n, err := strconv.Atoi(p); err == nil && n >= 0 && n <= 255 {
		return p, nil
	}
	return "", wire.InvalidValue("Invalid value '%s' for IP protocol. Unknown protocol.", p)
}

// portRange checks ports as AWS does: both required for TCP and UDP,
// ICMP type and code default to -1 (all), other protocols have none.
func portRange(proto, fromS, toS string) (int, int, error) {
	parse := func(s string) (int, bool) {
		v, err := strconv.Atoi(strings.TrimSpace(s))
		return v, err == nil
	}
	switch proto {
	case "tcp", "udp":
		if fromS == "" || toS == "" {
			return 0, 0, wire.InvalidValue("Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange")
		}
		from, ok1 := parse(fromS)
		to, ok2 := parse(toS)
		if !ok1 || !ok2 || from < 0 || to > 65535 || from > to {
			return 0, 0, wire.InvalidValue("Invalid value '%s-%s' for portRange. Ports must be between 0 and 65535, the from port not above the to port.", fromS, toS)
		}
		return from, to, nil
	case "icmp":
		from, to := -1, -1
		for _, f := range []struct {
			s   string
			dst *int
		}{{fromS, &from}, {toS, &to}} {
			if f.s == "" {
				continue
			}
			v, ok := parse(f.s)
			if !ok || v < -1 || v > 255 {
				return 0, 0, wire.InvalidValue("Invalid value '%s' for ICMP type or code. Must be between -1 and 255.", f.s)
			}
			*f.dst = v
		}
		return from, to, nil
	}
	return -1, -1, nil
}

func (r Rule) same(o Rule) bool {
	return r.Protocol == o.Protocol && r.From == o.From && r.To == o.To && r.CIDR == o.CIDR && r.GroupID == o.GroupID
}

// String is the rule as AWS quotes it in InvalidPermission.Duplicate.
func (r Rule) String() string {
	peer := r.CIDR
	if peer == "" {
		peer = r.GroupID
	}
	proto := strings.ToUpper(r.Protocol)
	if r.Protocol == "-1" {
		proto = "ALL"
	}
	return fmt.Sprintf("peer: %s, %s, from port: %d, to port: %d, ALLOW", peer, proto, r.From, r.To)
}

func (n *Network) authorize(req *protocol.QueryRequest, egress bool) (any, error) {
	g, err := n.ruleTarget(req, egress)
	if err != nil {
		return nil, err
	}
	rules, err := n.parseRules(req, g)
	if err != nil {
		return nil, err
	}
	if len(rules) == 0 {
		return nil, protocol.BadRequest("MissingParameter", "The request must contain the parameter ipPermissions")
	}
	tags, err := specTags(req, "security-group-rule")
	if err != nil {
		return nil, err
	}
	list := g.rules(egress)
	for i, r := range rules {
		if slices.ContainsFunc(*list, r.same) || slices.ContainsFunc(rules[:i], r.same) {
			return nil, protocol.BadRequest("InvalidPermission.Duplicate", "the specified rule \"%s\" already exists", r)
		}
	}
	if len(*list)+len(rules) > maxRules {
		return nil, protocol.BadRequest("RulesPerSecurityGroupLimitExceeded", "The maximum number of rules per security group has been reached.")
	}
	out := done(req)
	out.Rules = &wire.Set[xmlRule]{}
	added := slices.Clone(*list)
	for _, r := range rules {
		r.ID, r.Tags = newRuleID(), tags
		added = append(added, r)
		out.Rules.Items = append(out.Rules.Items, g.ruleXML(r, egress))
	}
	*list = added
	return out, nil
}

// ruleTarget reads the group a rule call changes; egress rules exist in
// VPCs only, which AWS addresses by id.
func (n *Network) ruleTarget(req *protocol.QueryRequest, egress bool) (*Group, error) {
	if egress {
		g, err := required(n.Groups, groupKind, req, "GroupId")
		if err != nil {
			return nil, err
		}
		return g, nil
	}
	return n.targetGroup(req)
}

func (g *Group) rules(egress bool) *[]Rule {
	if egress {
		return &g.Egress
	}
	return &g.Ingress
}

// revoke removes rules given by value or by SecurityGroupRuleId.N. Rules
// that do not exist are listed back in unknownIpPermissionSet; when none
// of them exists the call fails, as AWS does.
func (n *Network) revoke(req *protocol.QueryRequest, egress bool) (any, error) {
	g, err := n.ruleTarget(req, egress)
	if err != nil {
		return nil, err
	}
	list := g.rules(egress)
	byID := protocol.Indexed(req.Params, "SecurityGroupRuleId")
	for _, id := range byID {
		if !slices.ContainsFunc(*list, func(r Rule) bool { return r.ID == id }) {
			return nil, protocol.BadRequest("InvalidSecurityGroupRuleId.NotFound", "The security group rule ID '%s' does not exist", id)
		}
	}
	rules, err := n.parseRules(req, g)
	if err != nil {
		return nil, err
	}
	if len(rules) == 0 && len(byID) == 0 {
		return nil, protocol.BadRequest("MissingParameter", "The request must contain the parameter ipPermissions or securityGroupRuleIds")
	}
	var unknown []Rule
	drop := map[string]bool{}
	for _, id := range byID {
		drop[id] = true
	}
	for _, r := range rules {
		i := slices.IndexFunc(*list, r.same)
		if i < 0 {
			unknown = append(unknown, r)
			continue
		}
		drop[(*list)[i].ID] = true
	}
	if len(drop) == 0 {
		return nil, protocol.BadRequest("InvalidPermission.NotFound", "The specified rule does not exist in this security group.")
	}
	*list = slices.DeleteFunc(slices.Clone(*list), func(r Rule) bool { return drop[r.ID] })
	out := done(req)
	if len(unknown) > 0 {
		u := permissions(unknown)
		out.Unknown = &u
	}
	return out, nil
}

func (g *Group) ruleXML(r Rule, egress bool) xmlRule {
	x := xmlRule{
		RuleID: r.ID, GroupID: g.ID, GroupOwnerID: protocol.AccountID, IsEgress: egress, IPProtocol: r.Protocol,
		FromPort: r.From, ToPort: r.To, CidrIpv4: r.CIDR, Description: r.Description,
		Arn: wire.ARN(g.Region, "security-group-rule", r.ID), Tags: r.Tags,
	}
	if r.GroupID != "" {
		x.Referenced = &xmlReferencedGroup{GroupID: r.GroupID, UserID: protocol.AccountID}
	}
	return x
}

// permissions renders rules as AWS's IpPermission list: one entry per
// protocol and port range, with its CIDRs and groups.
func permissions(rules []Rule) wire.Set[xmlPermission] {
	out := wire.Set[xmlPermission]{Items: []xmlPermission{}}
	index := map[string]int{}
	for _, r := range rules {
		key := fmt.Sprintf("%s/%d/%d", r.Protocol, r.From, r.To)
		i, ok := index[key]
		if !ok {
			p := xmlPermission{IPProtocol: r.Protocol}
			if r.Protocol == "tcp" || r.Protocol == "udp" || r.Protocol == "icmp" {
				from, to := r.From, r.To
				p.FromPort, p.ToPort = &from, &to
			}
			i = len(out.Items)
			index[key] = i
			out.Items = append(out.Items, p)
		}
		p := &out.Items[i]
		if r.CIDR != "" {
			p.IPRanges.Items = append(p.IPRanges.Items, xmlIPRange{CidrIP: r.CIDR, Description: r.Description})
		} else {
			p.Groups.Items = append(p.Groups.Items, xmlGroupPair{UserID: protocol.AccountID, GroupID: r.GroupID, Description: r.Description})
		}
	}
	return out
}

func portString(p int) string { return strconv.Itoa(p) }
