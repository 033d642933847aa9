// Command benchreport reads `go test -bench` output on stdin and prints, for
// every benchmark with an "op" and a "limit" sub-benchmark, the line
//
//	bench <name> ns_op=N limit_ns_op=N ratio=R
//
// where name is the benchmark's name without "Benchmark", lower-cased, and
// R = ns_op / limit_ns_op. Tools read these lines; their form is stable.
// It exits 1 when the input holds no such pair or a benchmark failed.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
)

var line = regexp.MustCompile(`^Benchmark([A-Za-z0-9_]+)/(op|limit)(?:-\d+)?\s+\d+\s+([0-9.]+) ns/op`)

type pair struct{ op, limit float64 }

func main() {
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

func run(in io.Reader, out io.Writer) error {
	pairs := map[string]*pair{}
	var order []string
	failed := false
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		text := sc.Text()
		if strings.HasPrefix(text, "--- FAIL") || strings.HasPrefix(text, "FAIL") {
			failed = true
		}
		m := line.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		ns, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			continue
		}
		name := strings.ToLower(m[1])
		p, ok := pairs[name]
		if !ok {
			p = &pair{}
			pairs[name] = p
			order = append(order, name)
		}
		if m[2] == "op" {
			p.op = ns
		} else {
			p.limit = ns
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	printed := 0
	for _, name := range order {
		p := pairs[name]
		if p.op == 0 || p.limit == 0 {
			continue
		}
		fmt.Fprintf(out, "bench %s ns_op=%.0f limit_ns_op=%.0f ratio=%.3f\n", name, p.op, p.limit, p.op/p.limit)
		printed++
	}
	if failed {
		return fmt.Errorf("a benchmark failed")
	}
	if printed == 0 {
		return fmt.Errorf("no op/limit benchmark pairs in the input")
	}
	return nil
}
