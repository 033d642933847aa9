package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	in := `goos: linux
BenchmarkMint-2   	     501	   2163040 ns/op	   1200000 op-ns/op	   1000000 limit-ns/op	   73695 B/op	     711 allocs/op
BenchmarkMint-2   	     471	   2190582 ns/op	   1100000 op-ns/op	   1000000 limit-ns/op	   73695 B/op	     711 allocs/op
BenchmarkMint-2   	     471	   2190582 ns/op	   1300000 op-ns/op	   1000000 limit-ns/op	   73695 B/op	     711 allocs/op
BenchmarkOther-2 10 5 ns/op
PASS
`
	var out bytes.Buffer
	if err := run(strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "bench mint ns_op=1200000 limit_ns_op=1000000 ratio=1.200\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if err := run(strings.NewReader("PASS\n"), &out); err == nil {
		t.Error("no benchmark with both metrics: want an error")
	}
	if err := run(strings.NewReader(in+"--- FAIL: BenchmarkX\n"), &out); err == nil {
		t.Error("failed benchmark: want an error")
	}
}
