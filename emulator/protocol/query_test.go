package protocol

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestParseQueryReadsTheBodyOnceUnderAMemo(t *testing.T) {
	r := httptest.NewRequest("POST", "/?Version=2016-11-15", strings.NewReader("Action=DescribeInstances&InstanceId.1=i-1"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r = r.WithContext(WithQueryMemo(r.Context()))
	for i := range 2 { // the body is consumed by the first parse: the second is the memo's
		params, err := ParseQuery(r)
		if err != nil || params.Get("Action") != "DescribeInstances" || params.Get("InstanceId.1") != "i-1" || params.Get("Version") != "2016-11-15" {
			t.Fatalf("parse %d: %v, %v", i+1, params, err)
		}
	}
	bare := httptest.NewRequest("POST", "/", strings.NewReader("Action=DescribeInstances"))
	bare.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if _, err := ParseQuery(bare); err != nil {
		t.Fatal(err)
	}
	if params, _ := ParseQuery(bare); params.Get("Action") != "" {
		t.Fatalf("without a memo the body is read again (and is empty): %v", params)
	}
}
