package lambda

import (
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// supportedRuntimes are the custom runtimes: the emulator executes the
// function's bootstrap natively, so no language runtime is involved.
var supportedRuntimes = []string{"provided.al2023", "provided.al2"}

// knownRuntimes is botocore's Runtime enum; a value outside it is a
// ValidationException, a value inside it but not supported here is an
// InvalidParameterValueException.
var knownRuntimes = []string{"nodejs", "nodejs4.3", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x", "nodejs14.x", "nodejs16.x", "java8", "java8.al2", "java11", "python2.7", "python3.6", "python3.7", "python3.8", "python3.9", "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet6", "dotnet8", "nodejs4.3-edge", "go1.x", "ruby2.5", "ruby2.7", "provided", "provided.al2", "nodejs18.x", "python3.10", "java17", "ruby3.2", "ruby3.3", "ruby3.4", "python3.11", "nodejs20.x", "provided.al2023", "python3.12", "java21", "python3.13", "nodejs22.x", "nodejs24.x", "python3.14", "java25", "dotnet10", "ruby4.0"}

const rolePattern = `arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+`

var (
	roleRE    = regexp.MustCompile(`^` + rolePattern + `$`)
	nameRE    = regexp.MustCompile(`^[a-zA-Z0-9-_]+$`)
	handlerRE = regexp.MustCompile(`^[^\s]+$`)
	envKeyRE  = regexp.MustCompile(`^[a-zA-Z]([a-zA-Z0-9_])+$`)
)

// reservedEnv are the variables Lambda sets itself and refuses to take.
var reservedEnv = map[string]bool{
	"_HANDLER": true, "_X_AMZN_TRACE_ID": true, "AWS_DEFAULT_REGION": true, "AWS_REGION": true,
	"AWS_EXECUTION_ENV": true, "AWS_LAMBDA_FUNCTION_NAME": true, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": true,
	"AWS_LAMBDA_FUNCTION_VERSION": true, "AWS_LAMBDA_INITIALIZATION_TYPE": true, "AWS_LAMBDA_LOG_GROUP_NAME": true,
	"AWS_LAMBDA_LOG_STREAM_NAME": true, "AWS_ACCESS_KEY": true, "AWS_ACCESS_KEY_ID": true,
	"AWS_SECRET_ACCESS_KEY": true, "AWS_SESSION_TOKEN": true, "AWS_LAMBDA_RUNTIME_API": true,
	"LAMBDA_TASK_ROOT": true, "LAMBDA_RUNTIME_DIR": true,
}

// maxEnvBytes is AWS's 4 KB limit on all variables together.
const maxEnvBytes = 4096

type environment struct {
	Variables map[string]string `json:"Variables"`
}

type loggingInput struct {
	LogFormat           string `json:"LogFormat"`
	ApplicationLogLevel string `json:"ApplicationLogLevel"`
	SystemLogLevel      string `json:"SystemLogLevel"`
	LogGroup            string `json:"LogGroup"`
}

// configInput holds the settings CreateFunction and
// UpdateFunctionConfiguration share; nil means "not given".
type configInput struct {
	Runtime          *string                `json:"Runtime"`
	Role             *string                `json:"Role"`
	Handler          *string                `json:"Handler"`
	Description      *string                `json:"Description"`
	Timeout          *int                   `json:"Timeout"`
	MemorySize       *int                   `json:"MemorySize"`
	Environment      *environment           `json:"Environment"`
	TracingConfig    *struct{ Mode string } `json:"TracingConfig"`
	EphemeralStorage *struct{ Size *int }   `json:"EphemeralStorage"`
	LoggingConfig    *loggingInput          `json:"LoggingConfig"`
	Layers           []string               `json:"Layers"`
	RevisionID       string                 `json:"RevisionId"`
}

// constraints checks the botocore model's field constraints, which AWS
// reports together as one ValidationException.
func (c *configInput) constraints() []string {
	var out []string
	if c.Role != nil && !roleRE.MatchString(*c.Role) {
		out = append(out, constraint(*c.Role, "role", "Member must satisfy regular expression pattern: "+rolePattern))
	}
	if c.Runtime != nil && !slices.Contains(knownRuntimes, *c.Runtime) {
		out = append(out, constraint(*c.Runtime, "runtime", "Member must satisfy enum value set: ["+strings.Join(knownRuntimes, ", ")+"]"))
	}
	if c.Handler != nil && (len(*c.Handler) > 128 || (*c.Handler != "" && !handlerRE.MatchString(*c.Handler))) {
		out = append(out, constraint(*c.Handler, "handler", `Member must satisfy regular expression pattern: [^\s]+`))
	}
	if c.Description != nil && len(*c.Description) > 256 {
		out = append(out, constraint(*c.Description, "description", "Member must have length less than or equal to 256"))
	}
	if c.Timeout != nil {
		if *c.Timeout < 1 {
			out = append(out, constraint(*c.Timeout, "timeout", "Member must have value greater than or equal to 1"))
		} else if *c.Timeout > 900 {
			out = append(out, constraint(*c.Timeout, "timeout", "Member must have value less than or equal to 900"))
		}
	}
	if c.MemorySize != nil {
		if *c.MemorySize < 128 {
			out = append(out, constraint(*c.MemorySize, "memorySize", "Member must have value greater than or equal to 128"))
		} else if *c.MemorySize > 10240 {
			out = append(out, constraint(*c.MemorySize, "memorySize", "Member must have value less than or equal to 10240"))
		}
	}
	if c.EphemeralStorage != nil && c.EphemeralStorage.Size != nil {
		if n := *c.EphemeralStorage.Size; n < 512 || n > 10240 {
			out = append(out, constraint(n, "ephemeralStorage.size", "Member must have value between 512 and 10240"))
		}
	}
	if c.TracingConfig != nil && c.TracingConfig.Mode != "" && c.TracingConfig.Mode != "Active" && c.TracingConfig.Mode != "PassThrough" {
		out = append(out, constraint(c.TracingConfig.Mode, "tracingConfig.mode", "Member must satisfy enum value set: [Active, PassThrough]"))
	}
	if c.LoggingConfig != nil && c.LoggingConfig.LogFormat != "" && c.LoggingConfig.LogFormat != "JSON" && c.LoggingConfig.LogFormat != "Text" {
		out = append(out, constraint(c.LoggingConfig.LogFormat, "loggingConfig.logFormat", "Member must satisfy enum value set: [JSON, Text]"))
	}
	if c.Environment != nil {
		for k := range c.Environment.Variables {
			if !envKeyRE.MatchString(k) {
				out = append(out, "Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]")
				break
			}
		}
	}
	return out
}

// semantics checks what AWS rejects after the model constraints pass.
func (c *configInput) semantics(roles RoleLookup) *protocol.Error {
	if c.Runtime != nil && !slices.Contains(supportedRuntimes, *c.Runtime) {
		return invalidParam("The runtime parameter of %s is not supported by this emulator: it runs only custom-runtime bootstrap binaries natively. Use provided.al2023 (or provided.al2) with an executable named bootstrap at the root of the zip.", *c.Runtime)
	}
	if len(c.Layers) > 0 {
		return invalidParam("Layers are not supported by this emulator: bundle everything the function needs into its zip.")
	}
	if c.Environment != nil {
		if err := checkEnv(c.Environment.Variables); err != nil {
			return err
		}
	}
	if c.Role != nil && (roles == nil || !roles.RoleExists(*c.Role)) {
		return invalidParam("The role defined for the function cannot be assumed by Lambda.")
	}
	return nil
}

func checkEnv(vars map[string]string) *protocol.Error {
	var reserved []string
	size := 0
	for k, v := range vars {
		if reservedEnv[k] {
			reserved = append(reserved, k)
		}
		size += len(k) + len(v)
	}
	if len(reserved) > 0 {
		sort.Strings(reserved)
		return invalidParam("Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: %s", strings.Join(reserved, ", "))
	}
	if size > maxEnvBytes {
		return invalidParam("Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: %d bytes", size)
	}
	return nil
}

// apply copies the given settings onto f.
func (c *configInput) apply(f *function) {
	if c.Runtime != nil {
		f.Runtime = *c.Runtime
	}
	if c.Role != nil {
		f.Role = *c.Role
	}
	if c.Handler != nil {
		f.Handler = *c.Handler
	}
	if c.Description != nil {
		f.Description = *c.Description
	}
	if c.Timeout != nil {
		f.Timeout = *c.Timeout
	}
	if c.MemorySize != nil {
		f.MemorySize = *c.MemorySize
	}
	if c.Environment != nil {
		f.Env = c.Environment.Variables
	}
	if c.TracingConfig != nil && c.TracingConfig.Mode != "" {
		f.TracingMode = c.TracingConfig.Mode
	}
	if c.EphemeralStorage != nil && c.EphemeralStorage.Size != nil {
		f.EphemeralSize = *c.EphemeralStorage.Size
	}
	if c.LoggingConfig != nil {
		if c.LoggingConfig.LogFormat != "" {
			f.LogFormat = c.LoggingConfig.LogFormat
		}
		if c.LoggingConfig.LogGroup != "" {
			f.LogGroup = c.LoggingConfig.LogGroup
		}
	}
}

func checkArchitectures(archs []string) string {
	if archs == nil {
		return ""
	}
	if len(archs) != 1 {
		return constraint("["+strings.Join(archs, ", ")+"]", "architectures", "Member must have length less than or equal to 1")
	}
	if archs[0] != "x86_64" && archs[0] != "arm64" {
		return constraint("["+archs[0]+"]", "architectures", "Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64]]")
	}
	return ""
}
