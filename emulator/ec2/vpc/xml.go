package vpc

import (
	"encoding/xml"

	"github.com/apidriven/api-driven/emulator/ec2/wire"
	"github.com/apidriven/api-driven/emulator/protocol"
)

// The shapes below follow botocore's ec2 model (locationName of each
// member); lists use wire.Set so that empty ones still render.

type xmlCidrState struct {
	State string `xml:"state"`
}

type xmlCidrAssoc struct {
	AssociationID string       `xml:"associationId"`
	CidrBlock     string       `xml:"cidrBlock"`
	State         xmlCidrState `xml:"cidrBlockState"`
}

type xmlBlockPublicAccess struct {
	InternetGatewayBlockMode string `xml:"internetGatewayBlockMode"`
}

type xmlVpc struct {
	VpcID             string                 `xml:"vpcId"`
	OwnerID           string                 `xml:"ownerId"`
	State             string                 `xml:"state"`
	CidrBlock         string                 `xml:"cidrBlock"`
	CidrAssociations  wire.Set[xmlCidrAssoc] `xml:"cidrBlockAssociationSet"`
	DhcpOptionsID     string                 `xml:"dhcpOptionsId"`
	InstanceTenancy   string                 `xml:"instanceTenancy"`
	IsDefault         bool                   `xml:"isDefault"`
	BlockPublicAccess xmlBlockPublicAccess   `xml:"blockPublicAccessStates"`
	Tags              []protocol.Tag         `xml:"tagSet>item"`
}

type xmlPrivateDNSOnLaunch struct {
	HostnameType                    string `xml:"hostnameType"`
	EnableResourceNameDNSARecord    bool   `xml:"enableResourceNameDnsARecord"`
	EnableResourceNameDNSAAAARecord bool   `xml:"enableResourceNameDnsAAAARecord"`
}

type xmlSubnet struct {
	SubnetID                string                `xml:"subnetId"`
	SubnetArn               string                `xml:"subnetArn"`
	State                   string                `xml:"state"`
	VpcID                   string                `xml:"vpcId"`
	OwnerID                 string                `xml:"ownerId"`
	CidrBlock               string                `xml:"cidrBlock"`
	AvailableIPAddressCount int                   `xml:"availableIpAddressCount"`
	AvailabilityZone        string                `xml:"availabilityZone"`
	AvailabilityZoneID      string                `xml:"availabilityZoneId"`
	DefaultForAz            bool                  `xml:"defaultForAz"`
	MapPublicIPOnLaunch     bool                  `xml:"mapPublicIpOnLaunch"`
	MapCustomerOwnedIP      bool                  `xml:"mapCustomerOwnedIpOnLaunch"`
	AssignIpv6OnCreation    bool                  `xml:"assignIpv6AddressOnCreation"`
	Ipv6Native              bool                  `xml:"ipv6Native"`
	EnableDNS64             bool                  `xml:"enableDns64"`
	PrivateDNSOnLaunch      xmlPrivateDNSOnLaunch `xml:"privateDnsNameOptionsOnLaunch"`
	BlockPublicAccess       xmlBlockPublicAccess  `xml:"blockPublicAccessStates"`
	Tags                    []protocol.Tag        `xml:"tagSet>item"`
}

type xmlIPRange struct {
	CidrIP      string `xml:"cidrIp"`
	Description string `xml:"description,omitempty"`
}

type xmlGroupPair struct {
	UserID      string `xml:"userId"`
	GroupID     string `xml:"groupId"`
	Description string `xml:"description,omitempty"`
}

type xmlPermission struct {
	IPProtocol string                 `xml:"ipProtocol"`
	FromPort   *int                   `xml:"fromPort,omitempty"`
	ToPort     *int                   `xml:"toPort,omitempty"`
	Groups     wire.Set[xmlGroupPair] `xml:"groups"`
	IPRanges   wire.Set[xmlIPRange]   `xml:"ipRanges"`
	Ipv6Ranges wire.Set[struct{}]     `xml:"ipv6Ranges"`
	PrefixList wire.Set[struct{}]     `xml:"prefixListIds"`
}

type xmlGroup struct {
	OwnerID     string                  `xml:"ownerId"`
	GroupID     string                  `xml:"groupId"`
	GroupName   string                  `xml:"groupName"`
	Description string                  `xml:"groupDescription"`
	VpcID       string                  `xml:"vpcId"`
	Arn         string                  `xml:"securityGroupArn"`
	Ingress     wire.Set[xmlPermission] `xml:"ipPermissions"`
	Egress      wire.Set[xmlPermission] `xml:"ipPermissionsEgress"`
	Tags        []protocol.Tag          `xml:"tagSet>item"`
}

type xmlReferencedGroup struct {
	GroupID string `xml:"groupId"`
	UserID  string `xml:"userId"`
}

type xmlRule struct {
	RuleID       string              `xml:"securityGroupRuleId"`
	GroupID      string              `xml:"groupId"`
	GroupOwnerID string              `xml:"groupOwnerId"`
	IsEgress     bool                `xml:"isEgress"`
	IPProtocol   string              `xml:"ipProtocol"`
	FromPort     int                 `xml:"fromPort"`
	ToPort       int                 `xml:"toPort"`
	CidrIpv4     string              `xml:"cidrIpv4,omitempty"`
	Referenced   *xmlReferencedGroup `xml:"referencedGroupInfo,omitempty"`
	Description  string              `xml:"description,omitempty"`
	Arn          string              `xml:"securityGroupRuleArn"`
	Tags         []protocol.Tag      `xml:"tagSet>item"`
}

type xmlAttachment struct {
	VpcID string `xml:"vpcId"`
	State string `xml:"state"`
}

type xmlGateway struct {
	InternetGatewayID string                  `xml:"internetGatewayId"`
	OwnerID           string                  `xml:"ownerId"`
	Attachments       wire.Set[xmlAttachment] `xml:"attachmentSet"`
	Tags              []protocol.Tag          `xml:"tagSet>item"`
}

type xmlRoute struct {
	DestinationCidrBlock string `xml:"destinationCidrBlock"`
	GatewayID            string `xml:"gatewayId"`
	State                string `xml:"state"`
	Origin               string `xml:"origin"`
}

type xmlAssociationState struct {
	State string `xml:"state"`
}

type xmlAssociation struct {
	AssociationID string              `xml:"routeTableAssociationId"`
	RouteTableID  string              `xml:"routeTableId"`
	SubnetID      string              `xml:"subnetId,omitempty"`
	Main          bool                `xml:"main"`
	State         xmlAssociationState `xml:"associationState"`
}

type xmlRouteTable struct {
	RouteTableID    string                   `xml:"routeTableId"`
	VpcID           string                   `xml:"vpcId"`
	OwnerID         string                   `xml:"ownerId"`
	Routes          wire.Set[xmlRoute]       `xml:"routeSet"`
	Associations    wire.Set[xmlAssociation] `xml:"associationSet"`
	PropagatingVgws wire.Set[struct{}]       `xml:"propagatingVgwSet"`
	Tags            []protocol.Tag           `xml:"tagSet>item"`
}

// response is a document with one named payload, rendered by
// encoding/xml from the fields set.
type response struct {
	XMLName        xml.Name
	RequestID      string                   `xml:"requestId"`
	Vpc            *xmlVpc                  `xml:"vpc,omitempty"`
	Vpcs           *wire.Set[xmlVpc]        `xml:"vpcSet,omitempty"`
	Subnet         *xmlSubnet               `xml:"subnet,omitempty"`
	Subnets        *wire.Set[xmlSubnet]     `xml:"subnetSet,omitempty"`
	Groups         *wire.Set[xmlGroup]      `xml:"securityGroupInfo,omitempty"`
	Gateway        *xmlGateway              `xml:"internetGateway,omitempty"`
	Gateways       *wire.Set[xmlGateway]    `xml:"internetGatewaySet,omitempty"`
	RouteTable     *xmlRouteTable           `xml:"routeTable,omitempty"`
	RouteTables    *wire.Set[xmlRouteTable] `xml:"routeTableSet,omitempty"`
	NextToken      string                   `xml:"nextToken,omitempty"`
	Return         *bool                    `xml:"return,omitempty"`
	GroupID        string                   `xml:"groupId,omitempty"`
	GroupArn       string                   `xml:"securityGroupArn,omitempty"`
	Rules          *wire.Set[xmlRule]       `xml:"securityGroupRuleSet,omitempty"`
	Unknown        *wire.Set[xmlPermission] `xml:"unknownIpPermissionSet,omitempty"`
	AssociationID  string                   `xml:"associationId,omitempty"`
	NewAssociation string                   `xml:"newAssociationId,omitempty"`
	AssocState     *xmlAssociationState     `xml:"associationState,omitempty"`
	Tags           []protocol.Tag           `xml:"tagSet>item,omitempty"`
}

func answer(req *protocol.QueryRequest) response {
	return response{XMLName: wire.RootName(req.Action), RequestID: req.RequestID}
}

func done(req *protocol.QueryRequest) response {
	r := answer(req)
	t := true
	r.Return = &t
	return r
}
