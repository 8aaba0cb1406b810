package ec2

import (
	"encoding/xml"

	"github.com/apidriven/api-driven/emulator/ec2/wire"
	"github.com/apidriven/api-driven/emulator/protocol"
)

type xmlState struct {
	Code int   `xml:"code"`
	Name State `xml:"name"`
}

func stateXML(s State) xmlState { return xmlState{Code: s.Code(), Name: s} }

type xmlStateReason struct {
	Code    string `xml:"code"`
	Message string `xml:"message"`
}

type xmlPlacement struct {
	AvailabilityZone string `xml:"availabilityZone"`
	GroupName        string `xml:"groupName"`
	Tenancy          string `xml:"tenancy"`
}

type xmlMonitoring struct {
	State string `xml:"state"`
}

type xmlGroup struct {
	GroupID   string `xml:"groupId"`
	GroupName string `xml:"groupName"`
}

type xmlCPUOptions struct {
	CoreCount      int `xml:"coreCount"`
	ThreadsPerCore int `xml:"threadsPerCore"`
}

type xmlBlockDevice struct {
	DeviceName string    `xml:"deviceName"`
	Ebs        xmlEbsDev `xml:"ebs"`
}

type xmlEbsDev struct {
	VolumeID            string `xml:"volumeId"`
	Status              string `xml:"status"`
	AttachTime          string `xml:"attachTime"`
	DeleteOnTermination bool   `xml:"deleteOnTermination"`
}

type xmlMetadataOptions struct {
	State                   string `xml:"state"`
	HTTPTokens              string `xml:"httpTokens"`
	HTTPPutResponseHopLimit int    `xml:"httpPutResponseHopLimit"`
	HTTPEndpoint            string `xml:"httpEndpoint"`
}

// xmlInstance is the Instance shape (botocore locationNames).
type xmlInstance struct {
	InstanceID            string               `xml:"instanceId"`
	ImageID               string               `xml:"imageId"`
	State                 xmlState             `xml:"instanceState"`
	PrivateDNSName        string               `xml:"privateDnsName"`
	DNSName               string               `xml:"dnsName"`
	Reason                string               `xml:"reason"`
	KeyName               string               `xml:"keyName,omitempty"`
	AmiLaunchIndex        int                  `xml:"amiLaunchIndex"`
	InstanceType          string               `xml:"instanceType"`
	LaunchTime            string               `xml:"launchTime"`
	Placement             xmlPlacement         `xml:"placement"`
	Monitoring            xmlMonitoring        `xml:"monitoring"`
	SubnetID              string               `xml:"subnetId"`
	VpcID                 string               `xml:"vpcId"`
	PrivateIPAddress      string               `xml:"privateIpAddress"`
	IPAddress             string               `xml:"ipAddress,omitempty"`
	SourceDestCheck       bool                 `xml:"sourceDestCheck"`
	Groups                []xmlGroup           `xml:"groupSet>item"`
	StateReason           *xmlStateReason      `xml:"stateReason,omitempty"`
	Architecture          string               `xml:"architecture"`
	RootDeviceType        string               `xml:"rootDeviceType"`
	RootDeviceName        string               `xml:"rootDeviceName"`
	BlockDevices          []xmlBlockDevice     `xml:"blockDeviceMapping>item"`
	VirtualizationType    string               `xml:"virtualizationType"`
	ClientToken           string               `xml:"clientToken,omitempty"`
	IamInstanceProfile    *xmlIAMProfile       `xml:"iamInstanceProfile,omitempty"`
	Tags                  []protocol.Tag       `xml:"tagSet>item"`
	Hypervisor            string               `xml:"hypervisor"`
	EbsOptimized          bool                 `xml:"ebsOptimized"`
	EnaSupport            bool                 `xml:"enaSupport"`
	CPUOptions            xmlCPUOptions        `xml:"cpuOptions"`
	MetadataOptions       xmlMetadataOptions   `xml:"metadataOptions"`
	BootMode              string               `xml:"bootMode,omitempty"`
	PlatformDetails       string               `xml:"platformDetails"`
	UsageOperation        string               `xml:"usageOperation"`
	CurrentInstanceBootMd string               `xml:"currentInstanceBootMode,omitempty"`
	NetworkInterfaces     []xmlNetworkIface    `xml:"networkInterfaceSet>item"`
	PrivateDNSNameOptions *xmlPrivateDNSNameOp `xml:"privateDnsNameOptions,omitempty"`
}

type xmlNetworkIface struct {
	NetworkInterfaceID string              `xml:"networkInterfaceId"`
	SubnetID           string              `xml:"subnetId"`
	VpcID              string              `xml:"vpcId"`
	Description        string              `xml:"description"`
	OwnerID            string              `xml:"ownerId"`
	Status             string              `xml:"status"`
	MacAddress         string              `xml:"macAddress"`
	PrivateIPAddress   string              `xml:"privateIpAddress"`
	PrivateDNSName     string              `xml:"privateDnsName"`
	SourceDestCheck    bool                `xml:"sourceDestCheck"`
	Groups             []xmlGroup          `xml:"groupSet>item"`
	Attachment         xmlENIAttachment    `xml:"attachment"`
	Association        *xmlAssociation     `xml:"association,omitempty"`
	PrivateIPAddresses []xmlPrivateAddress `xml:"privateIpAddressesSet>item"`
	InterfaceType      string              `xml:"interfaceType"`
}

type xmlENIAttachment struct {
	AttachmentID        string `xml:"attachmentId"`
	DeviceIndex         int    `xml:"deviceIndex"`
	Status              string `xml:"status"`
	AttachTime          string `xml:"attachTime"`
	DeleteOnTermination bool   `xml:"deleteOnTermination"`
	NetworkCardIndex    int    `xml:"networkCardIndex"`
}

// xmlAssociation is InstanceNetworkInterfaceAssociation: the public
// address of an interface or of one of its private addresses.
type xmlAssociation struct {
	PublicIP      string `xml:"publicIp"`
	PublicDNSName string `xml:"publicDnsName"`
	IPOwnerID     string `xml:"ipOwnerId"`
}

type xmlPrivateAddress struct {
	PrivateIPAddress string          `xml:"privateIpAddress"`
	PrivateDNSName   string          `xml:"privateDnsName"`
	Primary          bool            `xml:"primary"`
	Association      *xmlAssociation `xml:"association,omitempty"`
}

type xmlPrivateDNSNameOp struct {
	HostnameType string `xml:"hostnameType"`
}

type xmlReservation struct {
	ReservationID string                `xml:"reservationId"`
	OwnerID       string                `xml:"ownerId"`
	Groups        wire.Set[xmlGroup]    `xml:"groupSet"`
	Instances     wire.Set[xmlInstance] `xml:"instancesSet"`
}

type runInstancesResponse struct {
	XMLName   xml.Name `xml:"http://ec2.amazonaws.com/doc/2016-11-15/ RunInstancesResponse"`
	RequestID string   `xml:"requestId"`
	xmlReservation
}

type xmlStateChange struct {
	InstanceID    string   `xml:"instanceId"`
	CurrentState  xmlState `xml:"currentState"`
	PreviousState xmlState `xml:"previousState"`
}

// stateChangeResponse serves Start/Stop/TerminateInstances; the root name
// is set per action.
type stateChangeResponse struct {
	XMLName   xml.Name
	RequestID string                   `xml:"requestId"`
	Instances wire.Set[xmlStateChange] `xml:"instancesSet"`
}

type xmlTagDescription struct {
	ResourceID   string `xml:"resourceId"`
	ResourceType string `xml:"resourceType"`
	Key          string `xml:"key"`
	Value        string `xml:"value"`
}

type describeTagsResponse struct {
	XMLName   xml.Name                    `xml:"http://ec2.amazonaws.com/doc/2016-11-15/ DescribeTagsResponse"`
	RequestID string                      `xml:"requestId"`
	Tags      wire.Set[xmlTagDescription] `xml:"tagSet"`
	NextToken string                      `xml:"nextToken,omitempty"`
}

type xmlStatusDetail struct {
	Name   string `xml:"name"`
	Status string `xml:"status"`
}

type xmlStatusSummary struct {
	Status  string            `xml:"status"`
	Details []xmlStatusDetail `xml:"details>item"`
}

type xmlInstanceStatus struct {
	InstanceID       string             `xml:"instanceId"`
	AvailabilityZone string             `xml:"availabilityZone"`
	State            xmlState           `xml:"instanceState"`
	SystemStatus     xmlStatusSummary   `xml:"systemStatus"`
	InstanceStatus   xmlStatusSummary   `xml:"instanceStatus"`
	AttachedEbs      xmlStatusSummary   `xml:"attachedEbsStatus"`
	Events           wire.Set[struct{}] `xml:"eventsSet"`
}

type describeInstanceStatusResponse struct {
	XMLName   xml.Name                    `xml:"http://ec2.amazonaws.com/doc/2016-11-15/ DescribeInstanceStatusResponse"`
	RequestID string                      `xml:"requestId"`
	Statuses  wire.Set[xmlInstanceStatus] `xml:"instanceStatusSet"`
	NextToken string                      `xml:"nextToken,omitempty"`
}

type xmlImage struct {
	ImageID            string           `xml:"imageId"`
	ImageLocation      string           `xml:"imageLocation"`
	State              string           `xml:"imageState"`
	OwnerID            string           `xml:"imageOwnerId"`
	CreationDate       string           `xml:"creationDate"`
	Public             bool             `xml:"isPublic"`
	Architecture       string           `xml:"architecture"`
	ImageType          string           `xml:"imageType"`
	Name               string           `xml:"name"`
	Description        string           `xml:"description"`
	OwnerAlias         string           `xml:"imageOwnerAlias,omitempty"`
	RootDeviceType     string           `xml:"rootDeviceType"`
	RootDeviceName     string           `xml:"rootDeviceName"`
	BlockDevices       []xmlImageDevice `xml:"blockDeviceMapping>item"`
	VirtualizationType string           `xml:"virtualizationType"`
	Hypervisor         string           `xml:"hypervisor"`
	EnaSupport         bool             `xml:"enaSupport"`
	SriovNetSupport    string           `xml:"sriovNetSupport"`
	PlatformDetails    string           `xml:"platformDetails"`
	UsageOperation     string           `xml:"usageOperation"`
	BootMode           string           `xml:"bootMode"`
	ImdsSupport        string           `xml:"imdsSupport,omitempty"`
	DeprecationTime    string           `xml:"deprecationTime,omitempty"`
}

type xmlImageDevice struct {
	DeviceName string      `xml:"deviceName"`
	Ebs        xmlImageEbs `xml:"ebs"`
}

type xmlImageEbs struct {
	DeleteOnTermination bool   `xml:"deleteOnTermination"`
	SnapshotID          string `xml:"snapshotId"`
	VolumeSize          int    `xml:"volumeSize"`
	VolumeType          string `xml:"volumeType"`
	Encrypted           bool   `xml:"encrypted"`
}

type describeImagesResponse struct {
	XMLName   xml.Name           `xml:"http://ec2.amazonaws.com/doc/2016-11-15/ DescribeImagesResponse"`
	RequestID string             `xml:"requestId"`
	Images    wire.Set[xmlImage] `xml:"imagesSet"`
}

type xmlRegion struct {
	RegionName  string `xml:"regionName"`
	Endpoint    string `xml:"regionEndpoint"`
	OptInStatus string `xml:"optInStatus"`
}

type describeRegionsResponse struct {
	XMLName   xml.Name            `xml:"http://ec2.amazonaws.com/doc/2016-11-15/ DescribeRegionsResponse"`
	RequestID string              `xml:"requestId"`
	Regions   wire.Set[xmlRegion] `xml:"regionInfo"`
}

type xmlZone struct {
	ZoneName           string             `xml:"zoneName"`
	State              string             `xml:"zoneState"`
	RegionName         string             `xml:"regionName"`
	ZoneID             string             `xml:"zoneId"`
	OptInStatus        string             `xml:"optInStatus"`
	GroupName          string             `xml:"groupName"`
	NetworkBorderGroup string             `xml:"networkBorderGroup"`
	ZoneType           string             `xml:"zoneType"`
	Messages           wire.Set[struct{}] `xml:"messageSet"`
}

type describeZonesResponse struct {
	XMLName   xml.Name          `xml:"http://ec2.amazonaws.com/doc/2016-11-15/ DescribeAvailabilityZonesResponse"`
	RequestID string            `xml:"requestId"`
	Zones     wire.Set[xmlZone] `xml:"availabilityZoneInfo"`
}

// keyPairResponse answers CreateKeyPair (with the private key) and
// ImportKeyPair; the root name is set per action.
type keyPairResponse struct {
	XMLName     xml.Name
	RequestID   string         `xml:"requestId"`
	KeyPairID   string         `xml:"keyPairId"`
	KeyName     string         `xml:"keyName"`
	Fingerprint string         `xml:"keyFingerprint"`
	Material    string         `xml:"keyMaterial,omitempty"`
	Tags        []protocol.Tag `xml:"tagSet>item"`
}

type xmlKeyPairInfo struct {
	KeyPairID   string         `xml:"keyPairId"`
	KeyType     string         `xml:"keyType"`
	KeyName     string         `xml:"keyName"`
	Fingerprint string         `xml:"keyFingerprint"`
	PublicKey   string         `xml:"publicKey,omitempty"`
	CreateTime  string         `xml:"createTime"`
	Tags        []protocol.Tag `xml:"tagSet>item"`
}

type describeKeyPairsResponse struct {
	XMLName   xml.Name                 `xml:"http://ec2.amazonaws.com/doc/2016-11-15/ DescribeKeyPairsResponse"`
	RequestID string                   `xml:"requestId"`
	Keys      wire.Set[xmlKeyPairInfo] `xml:"keySet"`
}

type deleteKeyPairResponse struct {
	XMLName   xml.Name `xml:"http://ec2.amazonaws.com/doc/2016-11-15/ DeleteKeyPairResponse"`
	RequestID string   `xml:"requestId"`
	Return    bool     `xml:"return"`
	KeyPairID string   `xml:"keyPairId,omitempty"`
}
