package probe

import "fmt"

// IAMMode is how our emulator treats callers other than function
// sandboxes, in LocalStack's terms: ENFORCE_IAM (awsemu -enforce-iam)
// and IAM_SOFT_MODE (awsemu -iam-soft-mode). /_localstack/info reports
// it under these JSON names.
type IAMMode struct {
	Enforce bool `json:"enforce_iam"`
	Soft    bool `json:"iam_soft_mode"`
}

// String names the mode for messages.
func (m IAMMode) String() string {
	switch {
	case m.Enforce && m.Soft:
		return "strict, soft"
	case m.Enforce:
		return "strict"
	case m.Soft:
		return "soft"
	}
	return "default"
}

// Flags are the emulator's flags for the mode, both spelled out so that
// no AWSEMU_* variable the emulator inherits can change it.
func (m IAMMode) Flags() []string {
	return []string{fmt.Sprintf("-enforce-iam=%t", m.Enforce), fmt.Sprintf("-iam-soft-mode=%t", m.Soft)}
}

// Env is the mode as the variables a user sets before a target.
func (m IAMMode) Env() string {
	return fmt.Sprintf("ENFORCE_IAM=%d IAM_SOFT_MODE=%d", b2i(m.Enforce), b2i(m.Soft))
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
