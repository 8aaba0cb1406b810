package ec2

import (
	"strings"
	"time"

	"github.com/apidriven/api-driven/emulator/ec2/vpc"
	"github.com/apidriven/api-driven/emulator/protocol"
)

// instance is the persisted record of one instance. Its Tags slice is
// copy-on-write (replaced, never modified in place) so that readers may keep
// a shallow copy after releasing the lock.
type instance struct {
	Seq           uint64         `json:"seq"`
	ID            string         `json:"id"`
	ReservationID string         `json:"reservationId"`
	Region        string         `json:"region"`
	Zone          string         `json:"zone"`
	ImageID       string         `json:"imageId"`
	InstanceType  string         `json:"instanceType"`
	Architecture  string         `json:"architecture"`
	RootDevice    string         `json:"rootDevice"`
	KeyName       string         `json:"keyName,omitempty"`
	ProfileARN    string         `json:"iamInstanceProfileArn,omitempty"`
	ProfileID     string         `json:"iamInstanceProfileId,omitempty"`
	LaunchIndex   int            `json:"launchIndex"`
	LaunchTime    time.Time      `json:"launchTime"`
	PrivateIP     string         `json:"privateIp"`
	PublicIP      string         `json:"publicIp,omitempty"`
	SubnetID      string         `json:"subnetId"`
	VpcID         string         `json:"vpcId"`
	Groups        []vpc.GroupRef `json:"groups,omitempty"` // empty only in records of older versions, see persist.go
	ENIID         string         `json:"eniId"`
	AttachmentID  string         `json:"eniAttachmentId,omitempty"`
	// PublicAddress says the instance gets a public address while running
	// (its subnet maps them, or the launch asked for one).
	PublicAddress bool   `json:"publicAddress,omitempty"`
	MAC           string `json:"mac"`
	VolumeID      string `json:"volumeId"`
	ClientToken   string `json:"clientToken,omitempty"`
	UserData      string `json:"userData,omitempty"`
	Monitoring    bool   `json:"monitoring,omitempty"`
	NoTerminate   bool   `json:"disableApiTermination,omitempty"`
	NoStop        bool   `json:"disableApiStop,omitempty"`
	NoSourceDest  bool   `json:"noSourceDestCheck,omitempty"`
	// ShutdownBehavior is instanceInitiatedShutdownBehavior: stop (AWS's
	// default, "" in older records) or terminate.
	ShutdownBehavior string         `json:"shutdownBehavior,omitempty"`
	State            State          `json:"state"`
	Since            time.Time      `json:"since"`
	Until            time.Time      `json:"until"` // end of a transitional state
	Reason           string         `json:"reason,omitempty"`
	StateReasonMsg   string         `json:"stateReason,omitempty"`
	Tags             []protocol.Tag `json:"tags,omitempty"`
	Backed           bool           `json:"backed,omitempty"` // launched from a driver's AMI, see backing.go

	gen  uint64      // bumped by touch on every change, for the render cache
	slot *renderSlot // cached <item> rendering, see render.go
}

// view is an instance as seen at one moment: the record plus its effective
// state.
type view struct {
	inst  instance
	state State
	at    time.Time // when state was entered
}

func (s *Service) viewOf(in *instance, now time.Time) view {
	st, at := in.effective(now)
	return view{inst: *in, state: st, at: at}
}

func (in *instance) effective(now time.Time) (State, time.Time) {
	return effective(in.State, in.Since, in.Until, now)
}

// enter moves the instance into st at now; a transitional state completes
// after delay.
func (in *instance) enter(st State, now time.Time, delay time.Duration) {
	in.State, in.Since, in.Until = st, now, now
	if st.settled() != st {
		in.Until = now.Add(delay)
	}
}

// settle records a completed transition so that the next one starts from
// the effective state; callers hold the write lock.
func (s *Service) settle(in *instance, now time.Time) {
	st, at := in.effective(now)
	if st != in.State {
		in.State, in.Since, in.Until = st, at, at
	}
}

// expired reports a terminated instance past AWS's retention.
func (v *view) expired(now time.Time) bool {
	return v.state == StateTerminated && now.Sub(v.at) > terminatedRetention
}

// expiredAt is expired without copying the record.
func (s *Service) expiredAt(in *instance, now time.Time) bool {
	st, at := in.effective(now)
	return st == StateTerminated && now.Sub(at) > terminatedRetention
}

func formatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// dnsLabel is the ip-10-0-0-1 form of a private DNS name.
func dnsLabel(ip string) string {
	return "ip-" + strings.ReplaceAll(ip, ".", "-")
}

func privateDNS(ip, region string) string {
	if region == "us-east-1" {
		return dnsLabel(ip) + ".ec2.internal"
	}
	return dnsLabel(ip) + "." + region + ".compute.internal"
}

func publicDNS(ip, region string) string {
	host := "ec2-" + strings.ReplaceAll(ip, ".", "-")
	if region == "us-east-1" {
		return host + ".compute-1.amazonaws.com"
	}
	return host + "." + region + ".compute.amazonaws.com"
}

// hasPublicIP mirrors AWS: the public address is held only while the
// instance is pending or running.
func (v *view) hasPublicIP() bool {
	return v.inst.PublicIP != "" && (v.state == StatePending || v.state == StateRunning)
}

// xml renders the view as the Instance shape.
func (v *view) xml() xmlInstance {
	in := &v.inst
	x := xmlInstance{
		InstanceID:       in.ID,
		ImageID:          in.ImageID,
		State:            stateXML(v.state),
		PrivateDNSName:   privateDNS(in.PrivateIP, in.Region),
		Reason:           in.Reason,
		KeyName:          in.KeyName,
		AmiLaunchIndex:   in.LaunchIndex,
		InstanceType:     in.InstanceType,
		LaunchTime:       formatTime(in.LaunchTime),
		Placement:        xmlPlacement{AvailabilityZone: in.Zone, Tenancy: "default"},
		Monitoring:       xmlMonitoring{State: "disabled"},
		SubnetID:         in.SubnetID,
		VpcID:            in.VpcID,
		PrivateIPAddress: in.PrivateIP,
		SourceDestCheck:  !in.NoSourceDest,
		Groups:           groupsXML(in.Groups),
		Architecture:     in.Architecture,
		RootDeviceType:   "ebs",
		RootDeviceName:   in.RootDevice,
		BlockDevices: []xmlBlockDevice{{DeviceName: in.RootDevice, Ebs: xmlEbsDev{
			VolumeID: in.VolumeID, Status: "attached", AttachTime: formatTime(in.LaunchTime), DeleteOnTermination: true,
		}}},
		VirtualizationType:    "hvm",
		ClientToken:           in.ClientToken,
		Tags:                  in.Tags,
		Hypervisor:            "xen",
		EnaSupport:            true,
		CPUOptions:            xmlCPUOptions{CoreCount: 1, ThreadsPerCore: 2},
		MetadataOptions:       xmlMetadataOptions{State: "applied", HTTPTokens: "required", HTTPPutResponseHopLimit: 2, HTTPEndpoint: "enabled"},
		BootMode:              "uefi-preferred",
		PlatformDetails:       "Linux/UNIX",
		UsageOperation:        "RunInstances",
		NetworkInterfaces:     []xmlNetworkIface{v.networkInterface()},
		PrivateDNSNameOptions: &xmlPrivateDNSNameOp{HostnameType: "ip-name"},
	}
	if in.Monitoring {
		x.Monitoring.State = "enabled"
	}
	if in.ProfileARN != "" {
		x.IamInstanceProfile = &xmlIAMProfile{Arn: in.ProfileARN, ID: in.ProfileID}
	}
	if v.hasPublicIP() {
		x.IPAddress = in.PublicIP
		x.DNSName = publicDNS(in.PublicIP, in.Region)
	}
	if v.state == StateTerminated {
		// AWS detaches the network interface and volume on termination.
		x.NetworkInterfaces, x.BlockDevices = nil, nil
		x.PrivateIPAddress, x.PrivateDNSName = "", ""
	}
	if in.StateReasonMsg != "" {
		code, _, _ := strings.Cut(in.StateReasonMsg, ":")
		x.StateReason = &xmlStateReason{Code: code, Message: in.StateReasonMsg}
	}
	return x
}

func groupsXML(groups []vpc.GroupRef) []xmlGroup {
	out := make([]xmlGroup, len(groups))
	for i, g := range groups {
		out[i] = xmlGroup{GroupID: g.ID, GroupName: g.Name}
	}
	return out
}

// networkInterface renders the primary interface: attached at device
// index 0, with its private address and, while the instance holds one,
// the public address associated with it.
func (v *view) networkInterface() xmlNetworkIface {
	in := &v.inst
	dns := privateDNS(in.PrivateIP, in.Region)
	eni := xmlNetworkIface{
		NetworkInterfaceID: in.ENIID, SubnetID: in.SubnetID, VpcID: in.VpcID, OwnerID: protocol.AccountID,
		Status: "in-use", MacAddress: in.MAC, PrivateIPAddress: in.PrivateIP, PrivateDNSName: dns,
		SourceDestCheck: !in.NoSourceDest, Groups: groupsXML(in.Groups), InterfaceType: "interface",
		Attachment: xmlENIAttachment{AttachmentID: in.AttachmentID, DeviceIndex: 0, Status: "attached",
			AttachTime: formatTime(in.LaunchTime), DeleteOnTermination: true, NetworkCardIndex: 0},
	}
	addr := xmlPrivateAddress{PrivateIPAddress: in.PrivateIP, PrivateDNSName: dns, Primary: true}
	if v.hasPublicIP() {
		assoc := &xmlAssociation{PublicIP: in.PublicIP, PublicDNSName: publicDNS(in.PublicIP, in.Region), IPOwnerID: "amazon"}
		eni.Association, addr.Association = assoc, assoc
	}
	eni.PrivateIPAddresses = []xmlPrivateAddress{addr}
	return eni
}
