// Package sticky records the settings of the last `up` or `deploy` in
// .apidriven/settings.json, so that a later target run without them (a
// plain `go tool mage clean` after `AWS_ENDPOINT_URL=… go tool mage all`)
// acts on what runs instead of on the defaults.
package sticky

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// FileName is the file under .apidriven/.
const FileName = "settings.json"

// Settings are the recorded values, each named after the environment
// variable it stands for; "" (or false) means not recorded.
type Settings struct {
	Backend           string `json:"APIDRIVEN_BACKEND,omitempty"`
	Endpoint          string `json:"AWS_ENDPOINT_URL,omitempty"`
	Region            string `json:"AWS_REGION,omitempty"`
	Target            string `json:"APIDRIVEN_TARGET,omitempty"`
	EC2Containers     bool   `json:"APIDRIVEN_EC2_CONTAINERS,omitempty"`
	LocalStackInstall string `json:"APIDRIVEN_LOCALSTACK_INSTALL,omitempty"`
	EnforceIAM        bool   `json:"ENFORCE_IAM,omitempty"`
	IAMSoftMode       bool   `json:"IAM_SOFT_MODE,omitempty"`
	PublicPort        string `json:"APIDRIVEN_PUBLIC_PORT,omitempty"`
}

// Path is the file in stateDir.
func Path(stateDir string) string { return filepath.Join(stateDir, FileName) }

// Load reads the recorded settings; a missing file is no settings and no
// error.
func Load(stateDir string) (Settings, error) {
	var s Settings
	data, err := os.ReadFile(Path(stateDir))
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("failed to read %s: %w", Path(stateDir), err)
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return Settings{}, fmt.Errorf("failed to parse %s: %w", Path(stateDir), err)
	}
	return s, nil
}

// Save writes s atomically (a temporary file renamed over the old one), so
// a reader never sees half a file and an interrupted write leaves the
// previous settings.
func Save(stateDir string, s Settings) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("failed to encode the settings: %w", err)
	}
	if err := os.MkdirAll(stateDir, 0o755); err != nil {
		return fmt.Errorf("failed to create %s: %w", stateDir, err)
	}
	tmp, err := os.CreateTemp(stateDir, ".settings-*.json")
	if err != nil {
		return fmt.Errorf("failed to write %s: %w", Path(stateDir), err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("failed to write %s: %w", Path(stateDir), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("failed to write %s: %w", Path(stateDir), err)
	}
	if err := os.Rename(tmp.Name(), Path(stateDir)); err != nil {
		return fmt.Errorf("failed to write %s: %w", Path(stateDir), err)
	}
	return nil
}
