package perimeter

import (
	"fmt"
	"strings"
)

// EnvCredentials holds the credentials remote callers sign with:
// comma-separated <access key id>:<secret access key> pairs. It is an
// environment variable only, so that secrets never show in a process list.
const EnvCredentials = "AWSEMU_CREDENTIALS"

// Credential is one configured access key.
type Credential struct{ AccessKeyID, Secret string }

// ParseCredentials reads an EnvCredentials value, in order.
func ParseCredentials(v string) ([]Credential, error) {
	var out []Credential
	for _, pair := range strings.Split(v, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		id, secret, ok := strings.Cut(pair, ":")
		if !ok || id == "" || secret == "" {
			return nil, fmt.Errorf("invalid %s entry %q: use <access key id>:<secret access key>[,…]", EnvCredentials, id+":…")
		}
		out = append(out, Credential{AccessKeyID: id, Secret: secret})
	}
	return out, nil
}
