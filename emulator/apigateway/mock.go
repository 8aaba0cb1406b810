package apigateway

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// serveMock answers from the mapping alone: the request template's output
// must be a JSON object whose integer statusCode selects the integration
// response, as {"statusCode": 200} in the CORS recipe. Anything else is
// AWS's configuration error, 500.
func (s *Service) serveMock(w http.ResponseWriter, r *http.Request, x *execution, body []byte) {
	mc := newMappingCall(r, x, body)
	out, eerr := mc.integrationBody()
	if eerr != nil {
		writeExecError(w, eerr)
		return
	}
	status, ok := mockStatus(out)
	if !ok {
		x.log.Warn("apigateway: execution failed due to configuration error: Unable to parse statusCode. " +
			`It should be an integer that is defined in the request template, as {"statusCode": 200}`)
		writeExecError(w, errInternal)
		return
	}
	mc.respond(w, &endpointResponse{status: status, header: http.Header{}, selection: strconv.Itoa(status)})
}

func mockStatus(out []byte) (int, bool) {
	var req map[string]json.RawMessage
	if err := json.Unmarshal(out, &req); err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(string(req["statusCode"]))
	return n, err == nil
}
