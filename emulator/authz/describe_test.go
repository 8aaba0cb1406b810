package authz

import (
	"net/http/httptest"
	"net/url"
	"reflect"
	"testing"

	"github.com/apidriven/api-driven/emulator/auth"
)

func TestLambdaActions(t *testing.T) {
	fn := "arn:aws:lambda:eu-west-3:000000000000:function:f"
	tests := []struct{ method, path, action, resource string }{
		{"GET", "/2015-03-31/functions/", "ListFunctions", ""},
		{"GET", "/2015-03-31/functions/f", "GetFunction", "arn:aws:lambda:us-east-1:000000000000:function:f"},
		{"GET", "/2015-03-31/functions/f?Qualifier=live", "GetFunction", "arn:aws:lambda:us-east-1:000000000000:function:f:live"},
		{"POST", "/2015-03-31/functions/" + url.PathEscape(fn) + "/invocations", "InvokeFunction", fn},
		{"POST", "/2015-03-31/functions/000000000000%3Afunction%3Af/invocations", "InvokeFunction", "arn:aws:lambda:us-east-1:000000000000:function:f"},
		{"PUT", "/2015-03-31/functions/f/code", "UpdateFunctionCode", "arn:aws:lambda:us-east-1:000000000000:function:f"},
		{"PUT", "/2015-03-31/functions/f/configuration", "UpdateFunctionConfiguration", "arn:aws:lambda:us-east-1:000000000000:function:f"},
		{"POST", "/2015-03-31/functions/f/policy", "AddPermission", "arn:aws:lambda:us-east-1:000000000000:function:f"},
		{"DELETE", "/2015-03-31/functions/f/policy/sid", "RemovePermission", "arn:aws:lambda:us-east-1:000000000000:function:f"},
		{"DELETE", "/2015-03-31/functions/f", "DeleteFunction", "arn:aws:lambda:us-east-1:000000000000:function:f"},
		{"POST", "/2017-03-31/tags/" + url.PathEscape(fn), "TagResource", fn},
		{"PATCH", "/2015-03-31/functions/f", "", "arn:aws:lambda:us-east-1:000000000000:function:f"},
	}
	for _, tc := range tests {
		r := httptest.NewRequest(tc.method, "http://localhost"+tc.path, nil)
		if got := lambdaAction(r); got != tc.action {
			t.Errorf("%s %s: action %q, want %q", tc.method, tc.path, got, tc.action)
		}
		if got := lambdaResource(r, "us-east-1", "000000000000"); got != tc.resource {
			t.Errorf("%s %s: resource %q, want %q", tc.method, tc.path, got, tc.resource)
		}
	}
}

func TestEC2Resources(t *testing.T) {
	params := url.Values{"InstanceId.1": {"i-0123456789abcdef0"}, "InstanceId.2": {"i-1"}, "ResourceId.1": {"ami-1"}, "ImageId": {"ami-2"}}
	tests := []struct {
		action string
		want   []string
	}{
		{"StopInstances", []string{"arn:aws:ec2:eu-west-3:000000000000:instance/i-0123456789abcdef0", "arn:aws:ec2:eu-west-3:000000000000:instance/i-1"}},
		{"CreateTags", []string{"arn:aws:ec2:eu-west-3::image/ami-1"}},
		{"RunInstances", []string{"arn:aws:ec2:eu-west-3:000000000000:instance/*", "arn:aws:ec2:eu-west-3::image/ami-2"}},
		{"DescribeInstances", []string{}},
	}
	for _, tc := range tests {
		if got := ec2Resources(tc.action, "eu-west-3", "000000000000", params); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.action, got, tc.want)
		}
	}
	// The attribute calls name one instance, unnumbered; tags reach the
	// network resources too.
	one := url.Values{"InstanceId": {"i-0123456789abcdef0"}, "ResourceId.1": {"igw-0123456789abcdef0"}, "ResourceId.2": {"rtb-0123456789abcdef0"}}
	for action, want := range map[string][]string{
		"ModifyInstanceAttribute": {"arn:aws:ec2:eu-west-3:000000000000:instance/i-0123456789abcdef0"},
		"CreateTags":              {"arn:aws:ec2:eu-west-3:000000000000:internet-gateway/igw-0123456789abcdef0", "arn:aws:ec2:eu-west-3:000000000000:route-table/rtb-0123456789abcdef0"},
	} {
		if got := ec2Resources(action, "eu-west-3", "000000000000", one); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %q, want %q", action, got, want)
		}
	}
}

func TestAuthErrorsPerService(t *testing.T) {
	tests := []struct {
		service string
		reason  auth.Reason
		status  int
		code    string
	}{
		{"iam", auth.MissingAuthentication, 403, "MissingAuthenticationToken"},
		{"sts", auth.InvalidClientToken, 403, "InvalidClientTokenId"},
		{"ec2", auth.InvalidClientToken, 401, "AuthFailure"},
		{"ec2", auth.RequestExpired, 400, "RequestExpired"},
		{"lambda", auth.SignatureMismatch, 403, "InvalidSignatureException"},
		{"apigateway", auth.IncompleteSignature, 403, "IncompleteSignatureException"},
		{"lambda", auth.ExpiredToken, 403, "ExpiredTokenException"},
	}
	for _, tc := range tests {
		e := authError(tc.service, &auth.Error{Reason: tc.reason, Message: "m"})
		if e.Status != tc.status || e.Code != tc.code {
			t.Errorf("%s reason %d: %d %s, want %d %s", tc.service, tc.reason, e.Status, e.Code, tc.status, tc.code)
		}
	}
}
