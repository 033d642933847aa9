package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	in := `goos: linux
BenchmarkMint/op-2         	    1111	   1000000 ns/op	   73662 B/op	     711 allocs/op
BenchmarkMint/limit-2      	    1402	    800000 ns/op	     512 B/op	       2 allocs/op
BenchmarkOther-2 10 5 ns/op
PASS
`
	var out bytes.Buffer
	if err := run(strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "bench mint ns_op=1000000 limit_ns_op=800000 ratio=1.250\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if err := run(strings.NewReader("PASS\n"), &out); err == nil {
		t.Error("no pairs: want an error")
	}
	if err := run(strings.NewReader(in+"--- FAIL: BenchmarkX\n"), &out); err == nil {
		t.Error("failed benchmark: want an error")
	}
}
