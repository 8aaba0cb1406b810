package lambda

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// functionConfiguration is botocore's FunctionConfiguration shape.
type functionConfiguration struct {
	FunctionName               string               `json:"FunctionName"`
	FunctionArn                string               `json:"FunctionArn"`
	Runtime                    string               `json:"Runtime"`
	Role                       string               `json:"Role"`
	Handler                    string               `json:"Handler"`
	CodeSize                   int64                `json:"CodeSize"`
	Description                string               `json:"Description"`
	Timeout                    int                  `json:"Timeout"`
	MemorySize                 int                  `json:"MemorySize"`
	LastModified               string               `json:"LastModified"`
	CodeSha256                 string               `json:"CodeSha256"`
	Version                    string               `json:"Version"`
	Environment                *environment         `json:"Environment,omitempty"`
	TracingConfig              tracingConfig        `json:"TracingConfig"`
	RevisionID                 string               `json:"RevisionId"`
	State                      string               `json:"State"`
	StateReason                string               `json:"StateReason,omitempty"`
	StateReasonCode            string               `json:"StateReasonCode,omitempty"`
	LastUpdateStatus           string               `json:"LastUpdateStatus,omitempty"`
	LastUpdateStatusReason     string               `json:"LastUpdateStatusReason,omitempty"`
	LastUpdateStatusReasonCode string               `json:"LastUpdateStatusReasonCode,omitempty"`
	PackageType                string               `json:"PackageType"`
	Architectures              []string             `json:"Architectures"`
	EphemeralStorage           ephemeralStorage     `json:"EphemeralStorage"`
	SnapStart                  snapStart            `json:"SnapStart"`
	RuntimeVersionConfig       runtimeVersionConfig `json:"RuntimeVersionConfig"`
	LoggingConfig              loggingConfig        `json:"LoggingConfig"`
}

type tracingConfig struct {
	Mode string `json:"Mode"`
}

type ephemeralStorage struct {
	Size int `json:"Size"`
}

type snapStart struct {
	ApplyOn            string `json:"ApplyOn"`
	OptimizationStatus string `json:"OptimizationStatus"`
}

type runtimeVersionConfig struct {
	RuntimeVersionArn string `json:"RuntimeVersionArn"`
}

type loggingConfig struct {
	LogFormat string `json:"LogFormat"`
	LogGroup  string `json:"LogGroup"`
}

func (s *Service) configuration(f *function, now time.Time) functionConfiguration {
	st := f.status(now, s.delays())
	c := functionConfiguration{
		FunctionName:               f.Name,
		FunctionArn:                f.arn(),
		Runtime:                    f.Runtime,
		Role:                       f.Role,
		Handler:                    f.Handler,
		CodeSize:                   f.CodeSize,
		Description:                f.Description,
		Timeout:                    f.Timeout,
		MemorySize:                 f.MemorySize,
		LastModified:               lastModified(f.LastModified),
		CodeSha256:                 f.CodeSHA256,
		Version:                    f.versionName(),
		TracingConfig:              tracingConfig{Mode: f.TracingMode},
		RevisionID:                 f.RevisionID,
		State:                      st.State,
		StateReason:                st.StateReason,
		StateReasonCode:            st.StateReasonCode,
		LastUpdateStatus:           st.LastUpdateStatus,
		LastUpdateStatusReason:     st.LastUpdateStatusReason,
		LastUpdateStatusReasonCode: st.LastUpdateStatusReasonCode,
		PackageType:                "Zip",
		Architectures:              slices.Clone(f.Architectures),
		EphemeralStorage:           ephemeralStorage{Size: f.EphemeralSize},
		SnapStart:                  snapStart{ApplyOn: "None", OptimizationStatus: "Off"},
		RuntimeVersionConfig: runtimeVersionConfig{
			RuntimeVersionArn: "arn:aws:lambda:" + f.Region + "::runtime:emulated-" + f.Runtime,
		},
		LoggingConfig: loggingConfig{LogFormat: f.LogFormat, LogGroup: f.LogGroup},
	}
	if f.Version != "" {
		// A published version never changes, so it reports no update.
		c.LastUpdateStatus, c.LastUpdateStatusReason, c.LastUpdateStatusReasonCode = "", "", ""
	}
	if len(f.Env) > 0 {
		c.Environment = &environment{Variables: maps.Clone(f.Env)}
	}
	return c
}

type codeLocation struct {
	RepositoryType string `json:"RepositoryType"`
	Location       string `json:"Location"`
}

type getFunctionOutput struct {
	Configuration functionConfiguration `json:"Configuration"`
	Code          codeLocation          `json:"Code"`
	Tags          map[string]string     `json:"Tags,omitempty"`
}

// codeURL is where GetFunction says the package can be downloaded: AWS
// gives a presigned S3 URL, the emulator serves the zip itself.
func codeURL(r *http.Request, f *function) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/2015-03-31/functions/" + url.PathEscape(f.arn()) + "/code?CodeSha256=" + url.QueryEscape(f.CodeSHA256)
}
