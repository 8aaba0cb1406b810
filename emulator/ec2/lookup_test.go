package ec2

import (
	"cmp"
	"encoding/xml"
	"net/url"
	"testing"
)

// ResourceTags finds the tags of every taggable resource by its ARN, for
// the authorization layer's resource-tag conditions.
func TestResourceTags(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for kind, c := range map[string]struct {
		action string
		params url.Values
	}{
		"instance":       {"RunInstances", url.Values{"ImageId": {DefaultImageID}, "MinCount": {"1"}, "MaxCount": {"1"}}},
		"vpc":            {"CreateVpc", url.Values{"CidrBlock": {"10.0.0.0/16"}}},
		"security-group": {"CreateSecurityGroup", url.Values{"GroupName": {"g"}, "GroupDescription": {"g"}}},
		"key-pair":       {"CreateKeyPair", url.Values{"KeyName": {"k"}, "KeyType": {"ed25519"}}},
	} {
		p := c.params
		p.Set("TagSpecification.1.ResourceType", kind)
		p.Set("TagSpecification.1.Tag.1.Key", "team")
		p.Set("TagSpecification.1.Tag.1.Value", kind)
		out, err := call(t, s, c.action, p)
		if err != nil {
			t.Fatalf("%s: %v", c.action, err)
		}
		body, err := xml.Marshal(out)
		if err != nil {
			t.Fatal(err)
		}
		var created struct {
			Instance string `xml:"instancesSet>item>instanceId"`
			Vpc      string `xml:"vpc>vpcId"`
			Group    string `xml:"groupId"`
			Key      string `xml:"keyPairId"`
		}
		if err := xml.Unmarshal(body, &created); err != nil {
			t.Fatal(err)
		}
		ids[kind] = cmp.Or(created.Instance, created.Vpc, created.Group, created.Key)
	}
	for kind, id := range ids {
		tags, ok := s.ResourceTags("arn:aws:ec2:us-east-1:000000000000:" + kind + "/" + id)
		if !ok || tags["team"] != kind {
			t.Errorf("ResourceTags(%s/%s) = %v, %v; want team=%s", kind, id, tags, ok, kind)
		}
	}
	for _, arn := range []string{
		"arn:aws:ec2:eu-west-1:000000000000:vpc/" + ids["vpc"],    // another region
		"arn:aws:ec2:us-east-1:000000000000:subnet/" + ids["vpc"], // the wrong type
		"arn:aws:ec2:us-east-1:000000000000:instance/i-0123456789abcdef0",
		"arn:aws:s3:::bucket",
	} {
		if tags, ok := s.ResourceTags(arn); ok {
			t.Errorf("ResourceTags(%s) = %v, want not found", arn, tags)
		}
	}
}
