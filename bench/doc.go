// Package bench holds the project's speed targets as Go benchmarks. Each
// benchmark runs against the in-process emulator ("embedded") and against
// every endpoint named in BENCH_ENDPOINTS (name=url,name=url), so that a
// third-party peer such as moto_server is measured side by side in one run:
//
//	BENCH_ENDPOINTS=moto=http://127.0.0.1:5000 go test -run '^$' -bench . ./bench
//
// "moto=auto" starts moto_server for each benchmark; scripts/bench.sh uses it.
package bench
