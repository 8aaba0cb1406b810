// Package ec2 emulates the EC2 Query API subset the project and the
// scripts users bring need: instances with AWS's state machine, their
// attributes, tags, images, key pairs, instance status, regions and
// availability zones. Networking (VPCs, subnets, security groups,
// gateways, route tables) lives in package vpc under the same lock.
package ec2

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/apidriven/api-driven/emulator/ec2/vpc"
	"github.com/apidriven/api-driven/emulator/ec2/wire"
	"github.com/apidriven/api-driven/emulator/protocol"
	"github.com/apidriven/api-driven/emulator/store"
)

// Options configures the service.
type Options struct {
	Store *store.Store
	// TransitionDelay is how long pending, stopping and shutting-down last.
	TransitionDelay time.Duration
	// Driver backs instances with something real; nil records state only.
	Driver Driver
	// InstanceProfiles resolves RunInstances' IamInstanceProfile; nil
	// knows none.
	InstanceProfiles InstanceProfiles
	// Now is the clock, for tests; time.Now when nil.
	Now func() time.Time
	// OnStateChange, when set, is told of every state a call puts an
	// instance in, with the call's context (traces follow them). It runs
	// on the call's goroutine, outside the service's lock: keep it quick.
	OnStateChange func(ctx context.Context, c StateChange)
}

// Service is the EC2 emulator. Instances live in memory under mu and a
// snapshot is saved to the store after every mutation.
type Service struct {
	opts   Options
	driver Driver

	mu          sync.RWMutex
	instances   map[string]*instance // by id
	order       []*instance          // launch order, for stable listings
	tokens      map[string]string    // region/clientToken -> reservation id
	tokenParams map[string]string    // region/clientToken -> paramsHash of the launch
	keys        map[string]*keyPair  // by key pair id
	net         *vpc.Network
	driving     map[string]int // ids a driver call is changing, see backing.go
	seq         uint64
	version     uint64              // bumped by every mutation
	saved       uint64              // version the store holds
	pending     map[uint64]struct{} // mutations not saved yet (persistent store only)
	lost        map[uint64]error    // mutations undone because a save failed, until mutated reports it

	saveMu sync.Mutex // orders snapshot writes
}

type handler func(s *Service, ctx context.Context, req *protocol.QueryRequest) (any, error)

var handlers = map[string]handler{
	"RunInstances":              (*Service).runInstances,
	"DescribeInstances":         (*Service).describeInstances,
	"StartInstances":            (*Service).startInstances,
	"StopInstances":             (*Service).stopInstances,
	"TerminateInstances":        (*Service).terminateInstances,
	"DescribeInstanceStatus":    (*Service).describeInstanceStatus,
	"CreateTags":                (*Service).createTags,
	"DeleteTags":                (*Service).deleteTags,
	"DescribeTags":              (*Service).describeTags,
	"DescribeImages":            (*Service).describeImages,
	"DescribeRegions":           (*Service).describeRegions,
	"DescribeAvailabilityZones": (*Service).describeAvailabilityZones,
	"RebootInstances":           (*Service).rebootInstances,
	"ModifyInstanceAttribute":   (*Service).modifyInstanceAttribute,
	"DescribeInstanceAttribute": (*Service).describeInstanceAttribute,
	"CreateKeyPair":             (*Service).createKeyPair,
	"ImportKeyPair":             (*Service).importKeyPair,
	"DescribeKeyPairs":          (*Service).describeKeyPairs,
	"DeleteKeyPair":             (*Service).deleteKeyPair,
}

// New loads persisted state from opts.Store, if any.
func New(opts Options) (*Service, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.TransitionDelay < 0 {
		opts.TransitionDelay = 0
	}
	s := &Service{
		opts:        opts,
		driver:      opts.Driver,
		instances:   map[string]*instance{},
		tokens:      map[string]string{},
		tokenParams: map[string]string{},
		keys:        map[string]*keyPair{},
		net:         vpc.New(),
		driving:     map[string]int{},
		pending:     map[uint64]struct{}{},
		lost:        map[uint64]error{},
	}
	if s.driver == nil {
		s.driver = nopDriver{}
	}
	if err := s.load(); err != nil {
		return nil, err
	}
	return s, nil
}

// Actions lists the Query actions this service answers.
func (s *Service) Actions() []string {
	names := vpc.Actions()
	for name := range handlers {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// HandleQuery answers one EC2 Query call.
func (s *Service) HandleQuery(ctx context.Context, req *protocol.QueryRequest) (any, error) {
	h, ok := handlers[req.Action]
	if !ok {
		if h, ok = networkHandler(req.Action); !ok {
			return nil, protocol.UnknownAction("ec2", req.Action)
		}
	}
	if req.Region == "" {
		req.Region = protocol.DefaultRegion
	}
	dry, err := wire.Bool(req.Params, "DryRun")
	if err != nil {
		return nil, err
	}
	if dry {
		// Permissions were checked before the call got here (package
		// authz answers UnauthorizedOperation), so it would have succeeded.
		return nil, protocol.Errorf(412, "DryRunOperation", "Request would have succeeded, but DryRun flag is set.")
	}
	return h(s, ctx, req)
}

func (s *Service) now() time.Time { return s.opts.Now() }

// bump marks a mutation and drops expired records; callers hold the write
// lock, then release it and hand the version to mutated before acting on
// the change.
func (s *Service) bump() uint64 {
	s.version++
	s.purgeLocked()
	if s.opts.Store.Persistent() {
		s.pending[s.version] = struct{}{}
	}
	return s.version
}

// change runs fn under the write lock and, when it succeeds, records and
// saves the mutation; fn checks everything before it changes anything, so
// a failing fn leaves the state as it was (and a failing save undoes it).
func (s *Service) change(fn func() error) error {
	s.mu.Lock()
	err := fn()
	var v uint64
	if err == nil {
		v = s.bump()
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return s.mutated(v)
}

// mutated saves mutation v; it runs without s.mu held for the disk write so
// readers are never blocked by fsync. When the state cannot be saved, the
// change is undone (see persist) and the caller gets EC2's 500.
func (s *Service) mutated(v uint64) error {
	if err := s.persist(v); err != nil {
		return protocol.Errorf(500, "InternalError", "The change was not applied: the emulator could not save EC2 state (%v)", err)
	}
	return nil
}
