package lambda

import (
	"fmt"
	"net/http"
	"regexp"
	"time"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// latest names the unpublished, mutable version of a function.
const latest = "$LATEST"

// function is one function's record: what is persisted and what every
// response is rendered from.
type function struct {
	Name          string            `json:"name"`
	Region        string            `json:"region"`
	Runtime       string            `json:"runtime"`
	Role          string            `json:"role"`
	Handler       string            `json:"handler"`
	Description   string            `json:"description,omitempty"`
	Timeout       int               `json:"timeout"`
	MemorySize    int               `json:"memorySize"`
	Env           map[string]string `json:"env,omitempty"`
	Architectures []string          `json:"architectures"`
	EphemeralSize int               `json:"ephemeralSize"`
	LogFormat     string            `json:"logFormat"`
	LogGroup      string            `json:"logGroup"`
	TracingMode   string            `json:"tracingMode"`
	Tags          map[string]string `json:"tags,omitempty"`
	// CodeSHA256 is the base64 digest AWS reports; CodeHex names blobs and
	// directories (base64 holds '/').
	CodeSHA256   string      `json:"codeSha256"`
	CodeHex      string      `json:"codeHex"`
	CodeSize     int64       `json:"codeSize"`
	LastModified time.Time   `json:"lastModified"`
	RevisionID   string      `json:"revisionId"`
	Created      time.Time   `json:"created"`
	Updated      time.Time   `json:"updated,omitzero"`
	Policy       []statement `json:"policy,omitempty"`
	// Generation changes with code and configuration only (not policy or
	// tags), so that warm processes are recycled only when they must be.
	// A version keeps the Generation it was published from.
	Generation string `json:"generation"`

	// Version is "" on the $LATEST record, the number on a published one.
	Version string `json:"version,omitempty"`
	// Versions (ascending), Aliases (by name) and the last version number
	// handed out (numbers are never reused) live on the $LATEST record.
	Versions    []*function `json:"versions,omitempty"`
	Aliases     []*alias    `json:"aliases,omitempty"`
	LastVersion int         `json:"lastVersion,omitempty"`

	// Failure is set when the stored code cannot be used (it no longer
	// matches CodeSHA256): $LATEST or the version is Failed until that
	// code is uploaded again (or, for $LATEST, new code). Never saved:
	// start-up checks the code again.
	Failure *failure `json:"-"`
}

// failure is why a function is in state Failed, in AWS's terms.
type failure struct {
	Code   string `json:"code"` // a StateReasonCode
	Reason string `json:"reason"`
}

// codeFailure is the Failed state of $LATEST (version "") or of a
// published version whose stored code is missing or does not match its
// digest.
func codeFailure(err error, version string) *failure {
	fix := "Upload the code again with UpdateFunctionCode: go tool mage deploy does it."
	if version != "" {
		fix = "A version's code cannot change: upload the same zip with UpdateFunctionCode to repair every version that uses it, or publish a new version."
	}
	return &failure{Code: "InvalidZipFileException", Reason: fmt.Sprintf("The function's stored code cannot be used (%v). %s", err, fix)}
}

// arn is the function's ARN, qualified with the number on a version.
func (f *function) arn() string {
	if f.Version != "" {
		return functionARN(f.Region, f.Name) + ":" + f.Version
	}
	return functionARN(f.Region, f.Name)
}

// versionName is what AWS reports as Version: $LATEST or the number.
func (f *function) versionName() string {
	if f.Version != "" {
		return f.Version
	}
	return latest
}

func functionARN(region, name string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", region, protocol.AccountID, name)
}

func key(region, name string) string { return region + "/" + name }

// status is the lifecycle as AWS reports it, derived lazily from the
// timestamps so that no timer goroutine is needed.
type status struct {
	State, StateReason, StateReasonCode                                  string
	LastUpdateStatus, LastUpdateStatusReason, LastUpdateStatusReasonCode string
}

// delays are how long a creation stays Pending and an update InProgress.
type delays struct{ create, update time.Duration }

func (s *Service) delays() delays { return delays{s.opts.TransitionDelay, s.opts.UpdateDelay} }

func (f *function) status(now time.Time, d delays) status {
	if f.Failure != nil {
		// The failure was found after the last update had settled, so that
		// update keeps its outcome (and a configuration change still waits
		// as usual).
		st := f.settled(now, d)
		st.State, st.StateReason, st.StateReasonCode = "Failed", f.Failure.Reason, f.Failure.Code
		return st
	}
	return f.settled(now, d)
}

func (f *function) settled(now time.Time, d delays) status {
	if now.Before(f.Created.Add(d.create)) {
		return status{
			State: "Pending", StateReason: "The function is being created.", StateReasonCode: "Creating",
			LastUpdateStatus: "InProgress", LastUpdateStatusReason: "The function is being created.", LastUpdateStatusReasonCode: "Creating",
		}
	}
	if !f.Updated.IsZero() && now.Before(f.Updated.Add(d.update)) {
		return status{
			State: "Active", LastUpdateStatus: "InProgress",
			LastUpdateStatusReason: "The function is being created.", LastUpdateStatusReasonCode: "Creating",
		}
	}
	return status{State: "Active", LastUpdateStatus: "Successful"}
}

// errUpdateInProgress is AWS's answer to a change while the previous one
// (or the creation) has not settled.
func errUpdateInProgress(arn string) *protocol.Error {
	return protocol.Conflict("ResourceConflictException",
		"The operation cannot be performed at this time. An update is in progress for resource: %s", arn)
}

func errNotFound(region, name string) *protocol.Error {
	return protocol.NotFound("ResourceNotFoundException", "Function not found: %s", functionARN(region, name))
}

// functionRefPattern is botocore's NamespacedFunctionName pattern: a name,
// a partial ARN (account:function:name) or a full ARN, each optionally
// qualified.
const functionRefPattern = `(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?`

var functionRefRE = regexp.MustCompile(`^(?:arn:(?:aws[a-zA-Z-]*)?:lambda:)?(?P<region>[a-z]{2}(?:(?:-gov)|(?:-iso(?:[a-z]?)))?-[a-z]+-\d{1}:)?(?:\d{12}:)?(?:function:)?(?P<name>[a-zA-Z0-9-_\.]+)(?::(?P<qualifier>\$LATEST(?:\.PUBLISHED)?|[a-zA-Z0-9-_]+))?$`)

// ref is a parsed FunctionName parameter.
type ref struct {
	Region    string // from an ARN, else empty
	Name      string
	Qualifier string
}

// parseRef validates a FunctionName path parameter as AWS does.
func parseRef(s string) (ref, *protocol.Error) {
	if len(s) < 1 || len(s) > 256 {
		return ref{}, validationError(constraint(s, "functionName", "Member must have length less than or equal to 256"))
	}
	m := functionRefRE.FindStringSubmatch(s)
	if m == nil {
		return ref{}, validationError(constraint(s, "functionName", "Member must satisfy regular expression pattern: "+functionRefPattern))
	}
	r := ref{Name: m[functionRefRE.SubexpIndex("name")], Qualifier: m[functionRefRE.SubexpIndex("qualifier")]}
	if reg := m[functionRefRE.SubexpIndex("region")]; reg != "" {
		r.Region = reg[:len(reg)-1]
	}
	return r, nil
}

// constraint renders one botocore-style validation failure.
func constraint(value any, field, rule string) string {
	if value == nil {
		return fmt.Sprintf("Value null at '%s' failed to satisfy constraint: %s", field, rule)
	}
	return fmt.Sprintf("Value '%v' at '%s' failed to satisfy constraint: %s", value, field, rule)
}

// validationError joins constraint failures the way AWS reports them.
func validationError(failures ...string) *protocol.Error {
	if len(failures) == 0 {
		return nil
	}
	noun := "error"
	if len(failures) > 1 {
		noun = "errors"
	}
	msg := fmt.Sprintf("%d validation %s detected: ", len(failures), noun)
	for i, f := range failures {
		if i > 0 {
			msg += "; "
		}
		msg += f
	}
	return protocol.BadRequest("ValidationException", "%s", msg)
}

func invalidParam(format string, args ...any) *protocol.Error {
	return protocol.BadRequest("InvalidParameterValueException", format, args...)
}

func serviceError(err error) *protocol.Error {
	return protocol.Errorf(http.StatusInternalServerError, "ServiceException", "%v", err)
}

// lastModified is AWS's FunctionConfiguration.LastModified format.
func lastModified(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000-0700") }
