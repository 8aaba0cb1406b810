package runtime_test

import (
	"strings"
	"testing"

	"github.com/apidriven/api-driven/emulator/lambda/runtime"
)

// Without Tail the answer comes before the END/REPORT lines are written;
// they still arrive, in order, around each invocation's own output.
func TestInvokeWithoutTailLogsInOrder(t *testing.T) {
	m := newManager(t, runtime.Config{})
	fn := probeFunction(t, "notail")
	var ids []string
	for _, msg := range []string{"first", "second"} {
		res, err := m.InvokeWith(ctx(t), fn, []byte(`{"log":"`+msg+`"}`), runtime.InvokeOptions{})
		if err != nil || res.FunctionError != "" {
			t.Fatalf("invoke: %v %+v", err, res)
		}
		if res.LogTail != "" {
			t.Fatalf("LogTail = %q without Tail", res.LogTail)
		}
		ids = append(ids, res.RequestID)
	}
	waitForLog(t, fn, "REPORT RequestId: "+ids[1])
	log := readLog(t, fn)
	order := []string{"START RequestId: " + ids[0], "first", "END RequestId: " + ids[0], "REPORT RequestId: " + ids[0],
		"START RequestId: " + ids[1], "second", "END RequestId: " + ids[1], "REPORT RequestId: " + ids[1]}
	at := 0
	for _, want := range order {
		i := strings.Index(log[at:], want)
		if i < 0 {
			t.Fatalf("log lacks %q after offset %d:\n%s", want, at, log)
		}
		at += i + len(want)
	}
}
