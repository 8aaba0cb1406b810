package runtime_test

import (
	"context"
	"strconv"
	"sync"
	"testing"

	"github.com/apidriven/api-driven/emulator/lambda/lambdatest"
	"github.com/apidriven/api-driven/emulator/lambda/runtime"
)

// BenchmarkColdStart measures process start to first response of a small
// Go function (every iteration is a new revision, so a new process).
func BenchmarkColdStart(b *testing.B) {
	m := newManager(b, runtime.Config{})
	fn := function(b, "cold", lambdatest.BuildDir(b, lambdatest.Echo))
	i := 0
	for b.Loop() {
		i++
		fn.Revision = strconv.Itoa(i)
		benchInvoke(b, m, fn, `{"n":1}`)
	}
}

func BenchmarkWarmInvoke(b *testing.B) {
	m := newManager(b, runtime.Config{})
	fn := function(b, "warm", lambdatest.BuildDir(b, lambdatest.Echo))
	benchInvoke(b, m, fn, `{}`)
	for b.Loop() {
		benchInvoke(b, m, fn, `{"n":1}`)
	}
}

// BenchmarkParallel10x200ms runs 10 invocations sleeping 200 ms at once per
// iteration: ~200 ms/op when they scale out, ~2 s/op if serialized.
func BenchmarkParallel10x200ms(b *testing.B) {
	m := newManager(b, runtime.Config{MaxProcsPerFunction: 10})
	fn := probeFunction(b, "parallel")
	for b.Loop() {
		var wg sync.WaitGroup
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				benchInvoke(b, m, fn, `{"sleepMs":200}`)
			}()
		}
		wg.Wait()
	}
}

func benchInvoke(b *testing.B, m *runtime.Manager, fn runtime.Function, payload string) {
	res, err := m.Invoke(context.Background(), fn, []byte(payload))
	if err != nil {
		b.Error(err)
		return
	}
	if res.FunctionError != "" {
		b.Errorf("invoke failed: %s", res.Payload)
	}
}
