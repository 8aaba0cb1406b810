// Package provision creates, updates and removes everything api-driven
// needs in an AWS-compatible account: the IAM role, the EC2 instance, the
// Lambda function and the REST API in front of it. Every step finds what
// already exists by name or tag, so running Deploy twice changes nothing
// and Clean works without any saved state.
package provision

import (
	"time"
)

// Backends decide the URL form (see InvokeURL).
const (
	BackendEmbedded   = "embedded"
	BackendLocalStack = "localstack"
	BackendAWS        = "aws"
	BackendOther      = "other"
)

// Default names; every one can be overridden through Config.
const (
	DefaultStage        = "prod"
	DefaultFunctionName = "apidriven-ec2"
	DefaultRoleName     = "apidriven-lambda-role"
	DefaultPolicyName   = "apidriven-ec2-control"
	DefaultAPIName      = "apidriven-api"
	DefaultTagKey       = "Project"
	DefaultTagValue     = "api-driven"
	DefaultInstanceName = "apidriven-instance"
	DefaultInstanceType = "t3.micro"
	DefaultArchitecture = "x86_64"

	// Targets: what the function drives.
	TargetEC2    = "ec2"
	TargetDocker = "docker"

	// FunctionTimeout is the Lambda timeout; the function bounds its own
	// calls below it.
	FunctionTimeout = 15 // seconds
)

// Routes are the API's resources, each with GET and POST.
var Routes = []string{"start", "stop", "status"}

// Config says where and what to provision.
type Config struct {
	Backend       string // "embedded" | "localstack" | "aws" | "other": URL form
	Endpoint      string // base endpoint, "" on real AWS
	PublicBaseURL string // optional base to print instead of Endpoint (Codespaces forwarded URL)
	Region        string // "" = the clients' region
	Stage         string
	FunctionName  string
	RoleName      string
	PolicyName    string // the role's inline policy (default apidriven-ec2-control)
	APIName       string
	TagKey        string
	TagValue      string
	InstanceName  string // Name tag of the instance (default apidriven-instance)
	InstanceType  string
	// ImageID "" = resolve: the public SSM parameter on aws, else the
	// newest al2023 image DescribeImages knows, else any image.
	ImageID string
	// ReplaceOtherImage: an instance of the project that runs another
	// image than the one to launch is terminated and replaced, so that
	// switching the embedded emulator's EC2 container mode on or off
	// converges. Off on AWS, where the latest AMI changes every few weeks.
	ReplaceOtherImage bool
	// SubnetID is where RunInstances puts the instance ("" = the default
	// VPC's, which an account may not have: APIDRIVEN_SUBNET_ID).
	SubnetID     string
	Code         []byte            // the zip holding `bootstrap`
	Architecture string            // "x86_64" | "arm64"
	Env          map[string]string // extra function environment
	// Target is what the function drives: TargetEC2 (default) or
	// TargetDocker, the container ContainerName that the caller has made
	// exist (no EC2 instance is created then).
	Target        string
	ContainerName string
	Timeouts      Timeouts
}

// Timeouts bound every AWS call and every wait.
type Timeouts struct {
	Call time.Duration // one API call (default 30s)
	Wait time.Duration // one wait or retry sequence (default 3m)
	// Poll is the waiters' first delay (default 500ms), growing to
	// PollMax (default 10×Poll).
	Poll, PollMax time.Duration
}

// Outputs is what a deployment produced; the caller writes it as
// .apidriven/outputs.json.
type Outputs struct {
	Backend      string `json:"backend"`
	Endpoint     string `json:"endpoint"`
	Region       string `json:"region"`
	InstanceID   string `json:"instanceId"`
	FunctionName string `json:"functionName"`
	RestAPIID    string `json:"restApiId"`
	Stage        string `json:"stage"`
	URLs         URLs   `json:"urls"`
	// Target is "ec2" or "docker"; the container fields are set for docker
	// only (InstanceID is empty then).
	Target        string `json:"target"`
	ContainerName string `json:"containerName,omitempty"`
	ContainerURL  string `json:"containerURL,omitempty"`
	// DataPlaneEndpoint is the embedded emulator's public port, which
	// serves the stage URLs and nothing else (what `go tool mage public`
	// publishes); DataPlaneURLs are the routes there. Empty elsewhere.
	DataPlaneEndpoint string `json:"dataPlaneEndpoint,omitempty"`
	DataPlaneURLs     URLs   `json:"dataPlaneUrls,omitzero"`
}

// URLs are the three routes' public URLs.
type URLs struct {
	Start  string `json:"start"`
	Stop   string `json:"stop"`
	Status string `json:"status"`
}

// withDefaults fills every empty field; region is the clients' region.
func (c Config) withDefaults(region string) Config {
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&c.Backend, BackendOther)
	def(&c.Region, region)
	def(&c.Stage, DefaultStage)
	def(&c.FunctionName, DefaultFunctionName)
	def(&c.RoleName, DefaultRoleName)
	def(&c.PolicyName, DefaultPolicyName)
	def(&c.APIName, DefaultAPIName)
	def(&c.TagKey, DefaultTagKey)
	def(&c.TagValue, DefaultTagValue)
	def(&c.InstanceName, DefaultInstanceName)
	def(&c.InstanceType, DefaultInstanceType)
	def(&c.Architecture, DefaultArchitecture)
	def(&c.Target, TargetEC2)
	if c.Timeouts.Call <= 0 {
		c.Timeouts.Call = 30 * time.Second
	}
	if c.Timeouts.Wait <= 0 {
		c.Timeouts.Wait = 3 * time.Minute
	}
	if c.Timeouts.Poll <= 0 {
		c.Timeouts.Poll = 500 * time.Millisecond
	}
	if c.Timeouts.PollMax < c.Timeouts.Poll {
		c.Timeouts.PollMax = 10 * c.Timeouts.Poll
	}
	return c
}
