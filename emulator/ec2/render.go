package ec2

import (
	"bytes"
	"encoding/xml"
	"sync/atomic"

	"github.com/apidriven/api-driven/emulator/ec2/wire"
	"github.com/apidriven/api-driven/emulator/protocol"
)

// DescribeInstances is the call pollers and waiters hammer, and encoding/xml
// reflection dominated its cost. Each instance's <item> is therefore
// rendered once per (record generation, effective state) and reused; the
// response is assembled from those bytes outside the service lock.

// renderSlot caches an instance's rendered <item>. It is shared by pointer
// so that copies of the record taken under the read lock can fill it.
type renderSlot struct {
	p atomic.Pointer[renderedItem]
}

type renderedItem struct {
	gen   uint64
	state State
	xml   []byte
}

// itemXML wraps the Instance shape in the <item> element lists use.
type itemXML struct {
	XMLName xml.Name `xml:"item"`
	xmlInstance
}

// touch marks the record changed so cached renderings are dropped; callers
// hold the write lock.
func (in *instance) touch() {
	in.gen++
}

// item returns the view's rendered <item>, from the cache when current.
func (v *view) item() ([]byte, error) {
	slot := v.inst.slot
	if slot != nil {
		if c := slot.p.Load(); c != nil && c.gen == v.inst.gen && c.state == v.state {
			return c.xml, nil
		}
	}
	b, err := xml.Marshal(itemXML{xmlInstance: v.xml()})
	if err != nil {
		return nil, wire.Internal("failed to encode instance %s: %v", v.inst.ID, err)
	}
	if slot != nil {
		slot.p.Store(&renderedItem{gen: v.inst.gen, state: v.state, xml: b})
	}
	return b, nil
}

// renderDescribeInstances assembles the DescribeInstances document; ids,
// reservation ids and tokens are hex or base64url, which need no escaping.
func renderDescribeInstances(requestID string, views []view, nextToken string) (protocol.RawDocument, error) {
	items := make([][]byte, len(views))
	size := 256
	for i := range views {
		b, err := views[i].item()
		if err != nil {
			return protocol.RawDocument{}, err
		}
		items[i] = b
		size += len(b) + 160
	}
	var buf bytes.Buffer
	buf.Grow(size)
	buf.WriteString("<requestId>")
	_ = xml.EscapeText(&buf, []byte(requestID))
	buf.WriteString("</requestId><reservationSet>")
	for i := 0; i < len(views); {
		rid := views[i].inst.ReservationID
		buf.WriteString("<item><reservationId>")
		buf.WriteString(rid)
		buf.WriteString("</reservationId><ownerId>")
		buf.WriteString(protocol.AccountID)
		buf.WriteString("</ownerId><groupSet></groupSet><instancesSet>")
		for ; i < len(views) && views[i].inst.ReservationID == rid; i++ {
			buf.Write(items[i])
		}
		buf.WriteString("</instancesSet></item>")
	}
	buf.WriteString("</reservationSet>")
	if nextToken != "" {
		buf.WriteString("<nextToken>")
		buf.WriteString(nextToken)
		buf.WriteString("</nextToken>")
	}
	return protocol.RawDocument{Root: wire.RootName("DescribeInstances"), Inner: buf.Bytes()}, nil
}
