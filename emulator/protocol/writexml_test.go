package protocol

import (
	"encoding/xml"
	"net/http/httptest"
	"strconv"
	"testing"
)

// A RawDocument is written as the same document encoding/xml makes of it,
// in one piece with its Content-Length.
func TestWriteXMLRawDocument(t *testing.T) {
	type item struct {
		ID string `xml:"id"`
	}
	type doc struct {
		XMLName   xml.Name
		RequestID string `xml:"requestId"`
		Items     []item `xml:"itemSet>item"`
	}
	root := xml.Name{Space: "http://ec2.amazonaws.com/doc/2016-11-15/", Local: "DescribeThingsResponse"}
	raw := RawDocument{Root: root, Inner: []byte("<requestId>r-1</requestId><itemSet><item><id>a&amp;b</id></item></itemSet>")}
	for name, v := range map[string]any{"raw": raw, "struct": doc{XMLName: root, RequestID: "r-1", Items: []item{{ID: "a&b"}}}} {
		w := httptest.NewRecorder()
		WriteXML(w, 200, v)
		if got := w.Header().Get("Content-Length"); got != strconv.Itoa(w.Body.Len()) {
			t.Errorf("%s: Content-Length %s for %d bytes", name, got, w.Body.Len())
		}
		var back doc
		if err := xml.Unmarshal(w.Body.Bytes(), &back); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, w.Body)
		}
		if back.XMLName != root || back.RequestID != "r-1" || len(back.Items) != 1 || back.Items[0].ID != "a&b" {
			t.Errorf("%s: decoded %+v from\n%s", name, back, w.Body)
		}
	}
	if b, err := xml.Marshal(raw); err != nil || string(b) != `<DescribeThingsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">`+string(raw.Inner)+`</DescribeThingsResponse>` {
		t.Errorf("xml.Marshal(RawDocument) = %s, %v", b, err)
	}
}
