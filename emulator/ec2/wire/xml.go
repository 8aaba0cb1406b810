package wire

import (
	"encoding/xml"
)

// Xmlns is the namespace every EC2 response document carries.
const Xmlns = "http://ec2.amazonaws.com/doc/2016-11-15/"

// Set renders a list as <name><item>..</item></name>, emitting the wrapper
// even when empty, as EC2 does, so tools see [] rather than a missing key.
type Set[T any] struct {
	Items []T `xml:"item"`
}

// RootName is the document element of an action's answer.
func RootName(action string) xml.Name {
	return xml.Name{Space: Xmlns, Local: action + "Response"}
}

// ReturnResponse is the <return>true</return> answer of the actions that
// return nothing else (CreateTags, DeleteVpc, AttachInternetGateway, ...).
type ReturnResponse struct {
	XMLName   xml.Name
	RequestID string `xml:"requestId"`
	Return    bool   `xml:"return"`
}

// Return answers action with <return>true</return>.
func Return(action, requestID string) ReturnResponse {
	return ReturnResponse{XMLName: RootName(action), RequestID: requestID, Return: true}
}

// AttributeBool is the AttributeBooleanValue shape (<x><value>true</value></x>).
type AttributeBool struct {
	Value bool `xml:"value"`
}

// AttributeValue is the AttributeValue shape (a string in <value>).
type AttributeValue struct {
	Value string `xml:"value"`
}
