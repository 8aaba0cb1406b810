package auth

import (
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"time"
)

// LocalStack's conventional credentials: the account root of DefaultAccount.
const (
	DefaultAccessKeyID     = "test"
	DefaultSecretAccessKey = "test"
	DefaultAccount         = "000000000000"
)

// Credential is one access key and what it stands for.
type Credential struct {
	AccessKeyID     string
	SecretAccessKey string
	// SessionToken is set for temporary credentials; requests must then
	// carry it as X-Amz-Security-Token.
	SessionToken string
	Principal    Principal
	// Expires ends temporary credentials; zero never expires.
	Expires time.Time
	// Inactive keys are known but refused, as AWS refuses an IAM user's
	// deactivated key.
	Inactive bool
}

// KeySource holds long-term access keys the registry does not: IAM users'
// keys, which live and persist in IAM. The registry asks it on every
// lookup, so that a key deactivated or deleted there stops working at
// once, and a key IAM could not save never works.
type KeySource interface {
	AccessKey(accessKeyID string) (Credential, bool)
}

// Registry holds the credentials the emulator knows. It is safe for
// concurrent use; other services (STS, the Lambda runtime) register and
// revoke keys in it, and IAM is one of its sources (see KeySource).
type Registry struct {
	now        func() time.Time
	mu         sync.RWMutex
	byKey      map[string]Credential
	sources    []KeySource
	sincePrune int // registrations since expired credentials were dropped
}

// pruneEvery amortizes dropping expired credentials over registrations.
const pruneEvery = 256

// NewRegistry returns a registry holding the default root credentials
// (test/test, account 000000000000).
func NewRegistry() *Registry {
	r := &Registry{now: time.Now, byKey: map[string]Credential{}}
	root := RootPrincipal(DefaultAccount)
	root.AccessKeyID = DefaultAccessKeyID
	r.byKey[DefaultAccessKeyID] = Credential{AccessKeyID: DefaultAccessKeyID, SecretAccessKey: DefaultSecretAccessKey, Principal: root}
	return r
}

// Register adds c; an access key already registered is an error.
// Expired temporary credentials are dropped now and then on the way.
func (r *Registry) Register(c Credential) error {
	if c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return errors.New("auth: a credential needs an access key id and a secret")
	}
	if c.Principal.ARN == "" || c.Principal.Account == "" {
		return fmt.Errorf("auth: credential %s has no principal", c.AccessKeyID)
	}
	c.Principal.AccessKeyID = c.AccessKeyID
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.byKey[c.AccessKeyID]; dup {
		return fmt.Errorf("auth: access key %s is already registered", c.AccessKeyID)
	}
	if r.sincePrune++; r.sincePrune >= pruneEvery {
		r.sincePrune = 0
		now := r.now()
		for k, old := range r.byKey {
			if !old.Expires.IsZero() && now.After(old.Expires) {
				delete(r.byKey, k)
			}
		}
	}
	r.byKey[c.AccessKeyID] = c
	return nil
}

// Revoke forgets an access key; calls signed with it then fail.
func (r *Registry) Revoke(accessKeyID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.byKey, accessKeyID)
}

// AddSource makes the registry ask src for the keys it does not hold.
func (r *Registry) AddSource(src KeySource) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sources = append(r.sources, src)
}

// Lookup returns the credential of an access key: registered, or held by
// a source.
func (r *Registry) Lookup(accessKeyID string) (Credential, bool) {
	r.mu.RLock()
	c, ok := r.byKey[accessKeyID]
	sources := r.sources
	r.mu.RUnlock()
	if ok {
		return c, true
	}
	// Sources are asked outside the lock: they take their own.
	for _, src := range sources {
		if c, ok := src.AccessKey(accessKeyID); ok {
			c.Principal.AccessKeyID = c.AccessKeyID
			return c, true
		}
	}
	return Credential{}, false
}

// IssueRoleSession mints and registers temporary credentials (an ASIA…
// key, a 40-character secret and a session token) for a session of
// roleARN, as sts:AssumeRole and Lambda do. They expire after ttl, or
// only when revoked if ttl is zero. sandbox is nil unless they are a
// function sandbox's.
func (r *Registry) IssueRoleSession(roleARN, roleID, session string, ttl time.Duration, sandbox *Sandbox) (Credential, error) {
	p := RoleSessionPrincipal(roleARN, roleID, session)
	p.Sandbox = sandbox
	c := Credential{
		AccessKeyID:     "ASIA" + randomString(upperAlnum, 16),
		SecretAccessKey: randomString(secretChars, 40),
		SessionToken:    "IQoJb3JpZ2luX2Vj" + randomString(secretChars, 200),
		Principal:       p,
	}
	if ttl != 0 {
		c.Expires = r.now().Add(ttl).UTC().Truncate(time.Second)
	}
	return c, r.Register(c)
}

const (
	upperAlnum  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	secretChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

// randomString draws n characters of alphabet (whose length divides 256,
// so that there is no modulo bias).
func randomString(alphabet string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
