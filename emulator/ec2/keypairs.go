package ec2

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"slices"
	"time"

	"github.com/apidriven/api-driven/emulator/ec2/keypair"
	"github.com/apidriven/api-driven/emulator/ec2/wire"
	"github.com/apidriven/api-driven/emulator/protocol"
)

// maxKeyPairs is AWS's limit of key pairs per region.
const maxKeyPairs = 5000

// keyPair is the persisted record of a key pair: never its private key,
// which AWS too hands out once.
type keyPair struct {
	Seq         uint64         `json:"seq"`
	ID          string         `json:"id"`
	Region      string         `json:"region"`
	Name        string         `json:"name"`
	Type        string         `json:"type"`
	Fingerprint string         `json:"fingerprint"`
	PublicKey   string         `json:"publicKey"`
	Created     time.Time      `json:"created"`
	Tags        []protocol.Tag `json:"tags,omitempty"`
}

func keyPairNotFound(name string) error {
	return protocol.BadRequest("InvalidKeyPair.NotFound", "The key pair '%s' does not exist", name)
}

// keyByNameLocked finds a key pair of the region by name; callers hold s.mu.
func (s *Service) keyByNameLocked(region, name string) *keyPair {
	for _, k := range s.keys {
		if k.Region == region && k.Name == name {
			return k
		}
	}
	return nil
}

// keyName reads and checks KeyName (up to 255 ASCII characters).
func keyName(req *protocol.QueryRequest) (string, error) {
	name, ok := wire.First(req.Params, "KeyName")
	if !ok || name == "" {
		return "", wire.Missing("KeyName")
	}
	if len(name) > 255 {
		return "", wire.InvalidValue("Value (%s) for parameter keyName is invalid. Length exceeds maximum of 255.", name)
	}
	for _, c := range name {
		if c < 0x20 || c > 0x7e {
			return "", wire.InvalidValue("Value (%s) for parameter keyName is invalid. Character sets beyond ASCII are not supported.", name)
		}
	}
	return name, nil
}

func (s *Service) createKeyPair(_ context.Context, req *protocol.QueryRequest) (any, error) {
	name, err := keyName(req)
	if err != nil {
		return nil, err
	}
	keyType := cmp.Or(req.Params.Get("KeyType"), keypair.RSA)
	if keyType != keypair.RSA && keyType != keypair.ED25519 {
		return nil, wire.InvalidValue("Value (%s) for parameter keyType is invalid. Valid values are 'rsa' and 'ed25519'.", keyType)
	}
	switch f := cmp.Or(req.Params.Get("KeyFormat"), "pem"); f {
	case "pem":
	case "ppk":
		return nil, notEmulated("KeyFormat ppk (PuTTY)")
	default:
		return nil, wire.InvalidValue("Value (%s) for parameter keyFormat is invalid. Valid values are 'pem' and 'ppk'.", f)
	}
	tags, err := wire.SpecTags(req.Params, "key-pair")
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	err = s.keyFreeLocked(req.Region, name)
	s.mu.RUnlock()
	if err != nil {
		return nil, err // fail before spending time on a key
	}
	key, err := keypair.Generate(keyType)
	if err != nil {
		return nil, wire.Internal("%v", err)
	}
	k, err := s.addKey(req.Region, name, key, tags["key-pair"])
	if err != nil {
		return nil, err
	}
	return keyPairResponse{XMLName: wire.RootName(req.Action), RequestID: req.RequestID, KeyPairID: k.ID, KeyName: k.Name,
		Fingerprint: k.Fingerprint, Material: key.Material, Tags: k.Tags}, nil
}

func (s *Service) importKeyPair(_ context.Context, req *protocol.QueryRequest) (any, error) {
	name, err := keyName(req)
	if err != nil {
		return nil, err
	}
	enc, ok := wire.First(req.Params, "PublicKeyMaterial")
	if !ok || enc == "" {
		return nil, wire.Missing("PublicKeyMaterial")
	}
	material, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return nil, wire.InvalidValue("Value for parameter publicKeyMaterial is invalid: it must be base64-encoded.")
	}
	key, err := keypair.Import(material)
	if errors.Is(err, keypair.ErrFormat) {
		return nil, protocol.BadRequest("InvalidKey.Format", "Key is not in valid OpenSSH public key format")
	}
	if err != nil {
		return nil, wire.Internal("%v", err)
	}
	tags, err := wire.SpecTags(req.Params, "key-pair")
	if err != nil {
		return nil, err
	}
	k, err := s.addKey(req.Region, name, key, tags["key-pair"])
	if err != nil {
		return nil, err
	}
	return keyPairResponse{XMLName: wire.RootName(req.Action), RequestID: req.RequestID, KeyPairID: k.ID, KeyName: k.Name,
		Fingerprint: k.Fingerprint, Tags: k.Tags}, nil
}

func (s *Service) keyFreeLocked(region, name string) error {
	if s.keyByNameLocked(region, name) != nil {
		return protocol.BadRequest("InvalidKeyPair.Duplicate", "The keypair '%s' already exists.", name)
	}
	n := 0
	for _, k := range s.keys {
		if k.Region == region {
			n++
		}
	}
	if n >= maxKeyPairs {
		return protocol.BadRequest("KeyPairLimitExceeded", "Maximum of %d keypairs reached.", maxKeyPairs)
	}
	return nil
}

func (s *Service) addKey(region, name string, key keypair.Key, tags []protocol.Tag) (*keyPair, error) {
	var k *keyPair
	err := s.change(func() error {
		if err := s.keyFreeLocked(region, name); err != nil {
			return err
		}
		s.seq++
		k = &keyPair{Seq: s.seq, ID: wire.NewID("key-"), Region: region, Name: name, Type: key.Type,
			Fingerprint: key.Fingerprint, PublicKey: key.PublicKey, Created: s.now().UTC(), Tags: tags}
		s.keys[k.ID] = k
		return nil
	})
	return k, err
}

var keyFilters = wire.Filters[keyPair]{
	Fields: map[string]func(*keyPair) string{
		"key-pair-id": func(k *keyPair) string { return k.ID },
		"key-name":    func(k *keyPair) string { return k.Name },
		"fingerprint": func(k *keyPair) string { return k.Fingerprint },
		"key-type":    func(k *keyPair) string { return k.Type },
	},
	Tags: func(k *keyPair) []protocol.Tag { return k.Tags },
}

func (s *Service) describeKeyPairs(_ context.Context, req *protocol.QueryRequest) (any, error) {
	names := wire.Dedupe(protocol.Indexed(req.Params, "KeyName"))
	ids := wire.Dedupe(protocol.Indexed(req.Params, "KeyPairId"))
	m, err := keyFilters.Compile(protocol.Filters(req.Params))
	if err != nil {
		return nil, err
	}
	withPublic, err := wire.Bool(req.Params, "IncludePublicKey")
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	var all []keyPair
	for _, k := range s.keys {
		if k.Region == req.Region {
			all = append(all, *k)
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(all, func(a, b keyPair) int { return cmp.Compare(a.Seq, b.Seq) })
	for _, want := range names {
		if !slices.ContainsFunc(all, func(k keyPair) bool { return k.Name == want }) {
			return nil, keyPairNotFound(want)
		}
	}
	for _, want := range ids {
		if !slices.ContainsFunc(all, func(k keyPair) bool { return k.ID == want }) {
			return nil, keyPairNotFound(want)
		}
	}
	out := describeKeyPairsResponse{RequestID: req.RequestID, Keys: wire.Set[xmlKeyPairInfo]{Items: []xmlKeyPairInfo{}}}
	for i := range all {
		k := &all[i]
		if (len(names) > 0 || len(ids) > 0) && !slices.Contains(names, k.Name) && !slices.Contains(ids, k.ID) || !m.Match(k) {
			continue
		}
		x := xmlKeyPairInfo{KeyPairID: k.ID, KeyType: k.Type, KeyName: k.Name, Fingerprint: k.Fingerprint,
			CreateTime: formatTime(k.Created), Tags: k.Tags}
		if withPublic {
			// AWS keeps the key name as the public key's comment.
			x.PublicKey = k.PublicKey + " " + k.Name
		}
		out.Keys.Items = append(out.Keys.Items, x)
	}
	return out, nil
}

// deleteKeyPair removes a key pair by name or id. A name that does not
// exist is no error, as on AWS; an id that does not exist is.
func (s *Service) deleteKeyPair(_ context.Context, req *protocol.QueryRequest) (any, error) {
	name, _ := wire.First(req.Params, "KeyName")
	id, _ := wire.First(req.Params, "KeyPairId")
	if name == "" && id == "" {
		return nil, protocol.BadRequest("MissingParameter", "The request must contain the parameter KeyName or KeyPairId")
	}
	s.mu.Lock()
	var k *keyPair
	if id != "" {
		if k = s.keys[id]; k == nil || k.Region != req.Region {
			s.mu.Unlock()
			return nil, keyPairNotFound(id)
		}
	} else {
		k = s.keyByNameLocked(req.Region, name)
	}
	out := deleteKeyPairResponse{RequestID: req.RequestID, Return: true}
	if k == nil {
		s.mu.Unlock()
		return out, nil
	}
	delete(s.keys, k.ID)
	v := s.bump()
	s.mu.Unlock()
	out.KeyPairID = k.ID
	return out, s.mutated(v)
}
