package ec2

import (
	"cmp"
	"context"
	"encoding/xml"
	"strings"

	"github.com/apidriven/api-driven/emulator/ec2/wire"
	"github.com/apidriven/api-driven/emulator/protocol"
)

// maxUserData is AWS's 16 KB of user data, base64-encoded as it travels.
const maxUserData = 21848

// instanceAttribute is one attribute ModifyInstanceAttribute changes:
// where its value travels and how it applies. whileStopped marks those
// AWS lets change only on a stopped instance.
type instanceAttribute struct {
	param        string // structured parameter (InstanceType.Value)
	whileStopped bool
	apply        func(s *Service, in *instance, value string) error
}

var instanceAttributes = map[string]instanceAttribute{
	"instanceType": {"InstanceType.Value", true, func(_ *Service, in *instance, v string) error {
		if err := checkInstanceType(v, in.Architecture); err != nil {
			return err
		}
		in.InstanceType = v
		return nil
	}},
	"userData": {"UserData.Value", true, func(_ *Service, in *instance, v string) error {
		if len(v) > maxUserData {
			return wire.InvalidValue("User data is limited to 16384 bytes")
		}
		in.UserData = v
		return nil
	}},
	"disableApiTermination": {"DisableApiTermination.Value", false, boolAttribute(func(in *instance) *bool { return &in.NoTerminate })},
	"disableApiStop":        {"DisableApiStop.Value", false, boolAttribute(func(in *instance) *bool { return &in.NoStop })},
	"sourceDestCheck": {"SourceDestCheck.Value", false, func(_ *Service, in *instance, v string) error {
		b, err := parseAttrBool("sourceDestCheck", v)
		in.NoSourceDest = !b
		return err
	}},
	"instanceInitiatedShutdownBehavior": {"InstanceInitiatedShutdownBehavior.Value", false, func(_ *Service, in *instance, v string) error {
		if v != "stop" && v != "terminate" {
			return wire.InvalidValue("Value (%s) for parameter instanceInitiatedShutdownBehavior is invalid. Valid values are 'stop' and 'terminate'.", v)
		}
		in.ShutdownBehavior = v
		return nil
	}},
}

func boolAttribute(field func(*instance) *bool) func(*Service, *instance, string) error {
	return func(_ *Service, in *instance, v string) error {
		b, err := parseAttrBool("value", v)
		*field(in) = b
		return err
	}
}

func parseAttrBool(name, v string) (bool, error) {
	return wire.Bool(map[string][]string{name: {v}}, name)
}

// notModifiable are attributes of the model the emulator does not keep.
var notModifiable = []string{"Kernel.Value", "Ramdisk.Value", "EbsOptimized.Value", "EnaSupport.Value", "SriovNetSupport.Value", "BlockDeviceMapping.1.DeviceName", "EnclaveOptions.Enabled"}

// modifyRequest reads which attribute a ModifyInstanceAttribute call
// changes, in either of its forms (Attribute and Value, or one structured
// parameter), and to what.
func modifyRequest(req *protocol.QueryRequest) (name, value string, groups []string, err error) {
	p := req.Params
	for _, k := range notModifiable {
		if _, given := p[k]; given {
			return "", "", nil, notEmulated("The instance attribute " + strings.Split(k, ".")[0])
		}
	}
	var found []string
	if attr, ok := wire.First(p, "Attribute"); ok && attr != "" {
		if _, known := instanceAttributes[attr]; !known && attr != "groupSet" {
			return "", "", nil, wire.InvalidValue("Value (%s) for parameter attribute is invalid. Unknown or unmodifiable attribute.", attr)
		}
		name, value = attr, p.Get("Value")
		found = append(found, attr)
	}
	for attr, a := range instanceAttributes {
		if v, ok := wire.First(p, a.param); ok {
			name, value = attr, v
			found = append(found, attr)
		}
	}
	if groups = protocol.Indexed(p, "GroupId"); len(groups) > 0 {
		name = "groupSet"
		found = append(found, name)
	}
	switch {
	case len(found) == 0:
		return "", "", nil, protocol.BadRequest("InvalidParameterCombination", "No attributes specified.")
	case len(found) > 1:
		return "", "", nil, protocol.BadRequest("InvalidParameterCombination", "Fields for multiple attribute types specified: %s", strings.Join(found, ", "))
	case name == "groupSet" && len(groups) == 0:
		return "", "", nil, wire.Missing("GroupId")
	}
	return name, value, groups, nil
}

// instanceParam reads the InstanceId of an attribute call.
func instanceParam(req *protocol.QueryRequest) (string, error) {
	id, ok := wire.First(req.Params, "InstanceId")
	if !ok || id == "" {
		return "", wire.Missing("InstanceId")
	}
	return id, checkInstanceIDs([]string{id})
}

func (s *Service) modifyInstanceAttribute(_ context.Context, req *protocol.QueryRequest) (any, error) {
	id, err := instanceParam(req)
	if err != nil {
		return nil, err
	}
	name, value, groups, err := modifyRequest(req)
	if err != nil {
		return nil, err
	}
	if err := s.change(func() error { return s.modifyLocked(req.Region, id, name, value, groups) }); err != nil {
		return nil, err
	}
	return wire.Return(req.Action, req.RequestID), nil
}

// modifyLocked applies one attribute to a copy of the record and keeps it
// only when it is valid; callers hold the write lock.
func (s *Service) modifyLocked(region, id, name, value string, groups []string) error {
	targets, err := s.lookupLocked(region, []string{id})
	if err != nil {
		return err
	}
	in := targets[0]
	st, _ := in.effective(s.now())
	if st == StateTerminated || st == StateShuttingDown {
		return protocol.BadRequest("IncorrectInstanceState", "The instance '%s' is not in a state from which it can be modified.", id)
	}
	next := *in
	if name == "groupSet" {
		refs, err := s.net.ResolveGroups(region, in.VpcID, groups, nil)
		if err != nil {
			return err
		}
		next.Groups = refs
	} else {
		a := instanceAttributes[name]
		if a.whileStopped && st != StateStopped {
			return protocol.BadRequest("IncorrectInstanceState", "The instance '%s' is not in the 'stopped' state.", id)
		}
		if err := a.apply(s, &next, value); err != nil {
			return err
		}
	}
	*in = next
	in.touch()
	return nil
}

// instanceAttributeResponse is the InstanceAttribute shape; one member is
// set, the one asked for.
type instanceAttributeResponse struct {
	XMLName            xml.Name                  `xml:"http://ec2.amazonaws.com/doc/2016-11-15/ DescribeInstanceAttributeResponse"`
	RequestID          string                    `xml:"requestId"`
	InstanceID         string                    `xml:"instanceId"`
	InstanceType       *wire.AttributeValue      `xml:"instanceType,omitempty"`
	UserData           *optionalValue            `xml:"userData,omitempty"`
	NoTerminate        *wire.AttributeBool       `xml:"disableApiTermination,omitempty"`
	NoStop             *wire.AttributeBool       `xml:"disableApiStop,omitempty"`
	SourceDestCheck    *wire.AttributeBool       `xml:"sourceDestCheck,omitempty"`
	ShutdownBehavior   *wire.AttributeValue      `xml:"instanceInitiatedShutdownBehavior,omitempty"`
	RootDeviceName     *wire.AttributeValue      `xml:"rootDeviceName,omitempty"`
	Kernel             *optionalValue            `xml:"kernel,omitempty"`
	Ramdisk            *optionalValue            `xml:"ramdisk,omitempty"`
	SriovNetSupport    *optionalValue            `xml:"sriovNetSupport,omitempty"`
	EbsOptimized       *wire.AttributeBool       `xml:"ebsOptimized,omitempty"`
	EnaSupport         *wire.AttributeBool       `xml:"enaSupport,omitempty"`
	EnclaveOptions     *enclaveOptions           `xml:"enclaveOptions,omitempty"`
	Groups             *wire.Set[xmlGroup]       `xml:"groupSet,omitempty"`
	BlockDeviceMapping *wire.Set[xmlBlockDevice] `xml:"blockDeviceMapping,omitempty"`
	ProductCodes       *wire.Set[struct{}]       `xml:"productCodes,omitempty"`
}

// optionalValue is an AttributeValue whose value may be absent (AWS
// answers <userData/> for an instance without user data).
type optionalValue struct {
	Value *string `xml:"value,omitempty"`
}

type enclaveOptions struct {
	Enabled bool `xml:"enabled"`
}

func optional(v string) *optionalValue {
	if v == "" {
		return &optionalValue{}
	}
	return &optionalValue{Value: &v}
}

func (s *Service) describeInstanceAttribute(_ context.Context, req *protocol.QueryRequest) (any, error) {
	id, err := instanceParam(req)
	if err != nil {
		return nil, err
	}
	name, ok := wire.First(req.Params, "Attribute")
	if !ok || name == "" {
		return nil, wire.Missing("Attribute")
	}
	s.mu.RLock()
	targets, err := s.lookupLocked(req.Region, []string{id})
	var v view
	if err == nil {
		v = s.viewOf(targets[0], s.now())
	}
	s.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	in := &v.inst
	out := instanceAttributeResponse{RequestID: req.RequestID, InstanceID: in.ID}
	switch name {
	case "instanceType":
		out.InstanceType = &wire.AttributeValue{Value: in.InstanceType}
	case "userData":
		out.UserData = optional(in.UserData)
	case "disableApiTermination":
		out.NoTerminate = &wire.AttributeBool{Value: in.NoTerminate}
	case "disableApiStop":
		out.NoStop = &wire.AttributeBool{Value: in.NoStop}
	case "sourceDestCheck":
		out.SourceDestCheck = &wire.AttributeBool{Value: !in.NoSourceDest}
	case "instanceInitiatedShutdownBehavior":
		out.ShutdownBehavior = &wire.AttributeValue{Value: cmp.Or(in.ShutdownBehavior, "stop")}
	case "rootDeviceName":
		out.RootDeviceName = &wire.AttributeValue{Value: in.RootDevice}
	case "kernel":
		out.Kernel = optional("")
	case "ramdisk":
		out.Ramdisk = optional("")
	case "sriovNetSupport":
		out.SriovNetSupport = optional("simple")
	case "ebsOptimized":
		out.EbsOptimized = &wire.AttributeBool{}
	case "enaSupport":
		out.EnaSupport = &wire.AttributeBool{Value: true}
	case "enclaveOptions":
		out.EnclaveOptions = &enclaveOptions{}
	case "groupSet":
		out.Groups = &wire.Set[xmlGroup]{Items: groupsXML(in.Groups)}
	case "blockDeviceMapping":
		out.BlockDeviceMapping = &wire.Set[xmlBlockDevice]{Items: v.xml().BlockDevices}
	case "productCodes":
		out.ProductCodes = &wire.Set[struct{}]{}
	default:
		return nil, wire.InvalidValue("Value (%s) for parameter attribute is invalid. Unknown attribute.", name)
	}
	return out, nil
}

// rebootInstances reboots running instances: the record does not change
// (a reboot keeps the instance running, its addresses and its volumes);
// a backed instance is stopped and started by its driver.
func (s *Service) rebootInstances(ctx context.Context, req *protocol.QueryRequest) (any, error) {
	ids := wire.Dedupe(protocol.Indexed(req.Params, "InstanceId"))
	if len(ids) == 0 {
		return nil, wire.Missing("InstanceId")
	}
	if err := checkInstanceIDs(ids); err != nil {
		return nil, err
	}
	if err := s.reconcile(ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	targets, err := s.lookupLocked(req.Region, ids)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	now := s.now()
	var backed []InstanceInfo
	var backedIDs []string
	for _, in := range targets {
		if st, _ := in.effective(now); st != StateRunning && st != StatePending {
			s.mu.Unlock()
			return nil, protocol.BadRequest("IncorrectInstanceState", "The instance '%s' is not in a state from which it can be rebooted.", in.ID)
		}
		if in.Backed {
			backed = append(backed, in.info())
			backedIDs = append(backedIDs, in.ID)
		}
	}
	done := s.track(backedIDs)
	s.mu.Unlock()
	defer done()
	for _, info := range backed {
		if err := s.driver.Stop(ctx, info, false); err != nil {
			return nil, wire.Internal("failed to reboot instance %s: %v", info.ID, err)
		}
		if err := s.driver.Start(ctx, info); err != nil {
			return nil, wire.Internal("failed to reboot instance %s: %v", info.ID, err)
		}
	}
	return wire.Return(req.Action, req.RequestID), nil
}
