package ec2

import (
	"net/url"

	"github.com/apidriven/api-driven/emulator/ec2/wire"
)

// InstanceProfiles finds IAM instance profiles, for RunInstances'
// IamInstanceProfile (IAM implements it; the server wires it in).
type InstanceProfiles interface {
	// InstanceProfile resolves a name or an ARN to the profile's ARN and
	// id (AIPA…).
	InstanceProfile(nameOrARN string) (arn, id string, ok bool)
}

// xmlIAMProfile is the Instance's IamInstanceProfile.
type xmlIAMProfile struct {
	Arn string `xml:"arn"`
	ID  string `xml:"id"`
}

// instanceProfile reads IamInstanceProfile.Arn or .Name: the profile must
// exist, as on AWS ("" when the launch names none).
func (s *Service) instanceProfile(p url.Values) (arn, id string, err error) {
	field, ref := "arn", p.Get("IamInstanceProfile.Arn")
	if ref == "" {
		field, ref = "name", p.Get("IamInstanceProfile.Name")
	}
	if ref == "" {
		return "", "", nil
	}
	if s.opts.InstanceProfiles != nil {
		if arn, id, ok := s.opts.InstanceProfiles.InstanceProfile(ref); ok {
			return arn, id, nil
		}
	}
	what := "name"
	if field == "arn" {
		what = "ARN"
	}
	return "", "", wire.InvalidValue("Value (%s) for parameter iamInstanceProfile.%s is invalid. Invalid IAM Instance Profile %s", ref, field, what)
}
