package ec2_test

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	emuec2 "github.com/apidriven/api-driven/emulator/ec2"
	"github.com/apidriven/api-driven/emulator/emulatortest"
)

// sigV4 is an Authorization header whose scope routes to EC2 in us-east-1;
// the emulator never checks signatures.
const sigV4 = "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0"

// postQuery sends a raw form body through the real router.
func postQuery(h http.Handler, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	r.Header.Set("Authorization", sigV4)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

type ec2ErrorDoc struct {
	Code    string `xml:"Errors>Error>Code"`
	Message string `xml:"Errors>Error>Message"`
}

func TestRawQueryErrors(t *testing.T) {
	srv := emulatortest.Start(t)
	tests := []struct {
		name   string
		form   url.Values
		status int
		code   string
	}{
		{"unknown action", url.Values{"Action": {"CreateVpcPeeringTeleport"}}, 400, "InvalidAction"},
		{"run without image", url.Values{"Action": {"RunInstances"}, "MinCount": {"1"}, "MaxCount": {"1"}}, 400, "MissingParameter"},
		{"run without min count", url.Values{"Action": {"RunInstances"}, "ImageId": {emuec2.DefaultImageID}, "MaxCount": {"1"}}, 400, "MissingParameter"},
		{"run with text count", url.Values{"Action": {"RunInstances"}, "ImageId": {emuec2.DefaultImageID}, "MinCount": {"one"}, "MaxCount": {"1"}}, 400, "InvalidParameterValue"},
		{"start without ids", url.Values{"Action": {"StartInstances"}}, 400, "MissingParameter"},
		{"stop without ids", url.Values{"Action": {"StopInstances"}}, 400, "MissingParameter"},
		{"terminate without ids", url.Values{"Action": {"TerminateInstances"}}, 400, "MissingParameter"},
		{"create tags without resources", url.Values{"Action": {"CreateTags"}, "Tag.1.Key": {"a"}}, 400, "MissingParameter"},
		{"create tags without tags", url.Values{"Action": {"CreateTags"}, "ResourceId.1": {"i-0123456789abcdef0"}}, 400, "MissingParameter"},
		{"bad boolean", url.Values{"Action": {"DescribeInstances"}, "DryRun": {"yes"}}, 400, "InvalidParameterValue"},
		{"bad force", url.Values{"Action": {"StopInstances"}, "InstanceId.1": {"i-0123456789abcdef0"}, "Force": {"maybe"}}, 400, "InvalidParameterValue"},
		{"group without description", url.Values{"Action": {"CreateSecurityGroup"}, "GroupName": {"bare"}}, 400, "MissingParameter"},
		{"subnet without cidr", url.Values{"Action": {"CreateSubnet"}, "VpcId": {"vpc-0123456789abcdef0"}}, 400, "InvalidVpcID.NotFound"},
		{"key pair without name", url.Values{"Action": {"CreateKeyPair"}}, 400, "MissingParameter"},
		{"import without material", url.Values{"Action": {"ImportKeyPair"}, "KeyName": {"k"}}, 400, "MissingParameter"},
		{"import garbage", url.Values{"Action": {"ImportKeyPair"}, "KeyName": {"k"}, "PublicKeyMaterial": {"bm90IGEga2V5"}}, 400, "InvalidKey.Format"},
		{"vpc attribute without name", url.Values{"Action": {"DescribeVpcAttribute"}, "VpcId": {"vpc-0123456789abcdef0"}}, 400, "InvalidVpcID.NotFound"},
		{"instance attribute unknown", url.Values{"Action": {"ModifyInstanceAttribute"}, "InstanceId": {"i-0123456789abcdef0"}, "Attribute": {"colour"}, "Value": {"x"}}, 400, "InvalidParameterValue"},
		{"two network interfaces", url.Values{"Action": {"RunInstances"}, "ImageId": {emuec2.DefaultImageID}, "MinCount": {"1"}, "MaxCount": {"1"},
			"NetworkInterface.1.DeviceIndex": {"0"}, "NetworkInterface.2.DeviceIndex": {"1"}}, 400, "UnsupportedOperation"},
		{"subnet twice", url.Values{"Action": {"RunInstances"}, "ImageId": {emuec2.DefaultImageID}, "MinCount": {"1"}, "MaxCount": {"1"},
			"SubnetId": {"subnet-0123456789abcdef0"}, "NetworkInterface.1.DeviceIndex": {"0"}, "NetworkInterface.1.SubnetId": {"subnet-0123456789abcdef0"}}, 400, "InvalidParameterCombination"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := postQuery(srv, tt.form.Encode())
			var doc ec2ErrorDoc
			if err := xml.Unmarshal(w.Body.Bytes(), &doc); err != nil {
				t.Fatalf("error body is not EC2 XML: %v\n%s", err, w.Body)
			}
			if w.Code != tt.status || doc.Code != tt.code {
				t.Errorf("got %d %s (%s), want %d %s", w.Code, doc.Code, doc.Message, tt.status, tt.code)
			}
		})
	}
}

func TestRawResponseShape(t *testing.T) {
	srv := emulatortest.Start(t)
	resp, err := http.Post(srv.URL()+"/", "application/x-www-form-urlencoded",
		strings.NewReader(url.Values{"Action": {"DescribeInstances"}, "Version": {"2016-11-15"}}.Encode()))
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	// Unsigned calls are routed by action; the empty list is still present
	// so that tools print [] rather than nothing.
	want := `<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>`
	if resp.StatusCode != 200 || !strings.Contains(string(body), want) || !strings.Contains(string(body), "<reservationSet></reservationSet>") {
		t.Errorf("status %d body %s", resp.StatusCode, body)
	}
}

// FuzzQuery posts arbitrary form bodies through the real router: whatever
// the input, the answer is a well-formed response below 500 and nothing
// panics (the router turns a panic into a 500).
func FuzzQuery(f *testing.F) {
	seeds := []string{
		"Action=RunInstances&ImageId=" + emuec2.DefaultImageID + "&MinCount=1&MaxCount=2&TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=x",
		"Action=DescribeInstances&Filter.1.Name=tag:Name&Filter.1.Value.1=*x?&MaxResults=5",
		"Action=DescribeInstances&NextToken=djF8aW5zdGFuY2VzfDE",
		"Action=DescribeInstances&InstanceId.1=i-0123456789abcdef0",
		"Action=StartInstances&InstanceId.1=i-0123456789abcdef0",
		"Action=StopInstances&InstanceId.1=i-xyz&Force=true",
		"Action=TerminateInstances&InstanceId.1=i-12345678",
		"Action=CreateTags&ResourceId.1=i-0123456789abcdef0&Tag.1.Key=a&Tag.1.Value=b",
		"Action=DeleteTags&ResourceId.1=i-0123456789abcdef0&Tag.1.Key=a",
		"Action=DescribeTags&Filter.1.Name=key&Filter.1.Value.1=a&MaxResults=5",
		"Action=DescribeImages&Owner.1=amazon&Filter.1.Name=name&Filter.1.Value.1=al2023-*",
		"Action=DescribeInstanceStatus&IncludeAllInstances=true",
		"Action=DescribeRegions&RegionName.1=us-east-1",
		"Action=DescribeAvailabilityZones&ZoneName.1=us-east-1a",
		"Action=RunInstances&ImageId=ami-&MinCount=-1&MaxCount=99999999999999999999",
		"Action=DescribeInstances&Filter.1.Name=&Filter.2.Name=x",
		"Action=%zz",
		"",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	srv := emulatortest.Start(f)
	f.Fuzz(func(t *testing.T, body string) {
		w := postQuery(srv, body)
		if w.Code >= 500 {
			t.Fatalf("status %d for %q: %s", w.Code, body, w.Body)
		}
		if err := xml.Unmarshal(w.Body.Bytes(), new(struct{})); err != nil {
			t.Fatalf("body for %q is not XML: %v\n%s", body, err, w.Body)
		}
	})
}
