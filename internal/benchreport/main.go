// Command benchreport reads `go test -bench` output on stdin and prints, for
// every benchmark that reports the metrics op-ns/op (the hot path) and
// limit-ns/op (the cryptographic limit measured in the same iterations), the
// line
//
//	bench <name> ns_op=N limit_ns_op=N ratio=R
//
// where name is the benchmark's name without "Benchmark" and sub-benchmark
// suffixes, lower-cased, and R = ns_op / limit_ns_op. Tools read these
// lines; their form is stable. When a benchmark ran several times
// (-count N), the run with the median ratio counts. It exits 1 when the input holds no such benchmark or
// a benchmark failed.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

var (
	benchLine = regexp.MustCompile(`^Benchmark([A-Za-z0-9_/]+?)(?:-\d+)?\s+\d+\s`)
	metric    = regexp.MustCompile(`([0-9.]+) (op|limit)-ns/op`)
)

type pair struct{ op, limit float64 }

func (p pair) ratio() float64 { return p.op / p.limit }

func main() {
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

func run(in io.Reader, out io.Writer) error {
	runs := map[string][]pair{}
	var order []string
	failed := false
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		text := sc.Text()
		if strings.HasPrefix(text, "--- FAIL") || strings.HasPrefix(text, "FAIL") {
			failed = true
		}
		m := benchLine.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		var p pair
		for _, mm := range metric.FindAllStringSubmatch(text, -1) {
			v, err := strconv.ParseFloat(mm[1], 64)
			if err != nil {
				continue
			}
			if mm[2] == "op" {
				p.op = v
			} else {
				p.limit = v
			}
		}
		if p.op == 0 || p.limit == 0 {
			continue
		}
		name := strings.ToLower(strings.ReplaceAll(m[1], "/", "_"))
		if _, seen := runs[name]; !seen {
			order = append(order, name)
		}
		runs[name] = append(runs[name], p)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	for _, name := range order {
		rs := runs[name]
		sort.Slice(rs, func(i, j int) bool { return rs[i].ratio() < rs[j].ratio() })
		p := rs[(len(rs)-1)/2]
		fmt.Fprintf(out, "bench %s ns_op=%.0f limit_ns_op=%.0f ratio=%.3f\n", name, p.op, p.limit, p.ratio())
	}
	if failed {
		return fmt.Errorf("a benchmark failed")
	}
	if len(order) == 0 {
		return fmt.Errorf("no benchmark reported op-ns/op and limit-ns/op")
	}
	return nil
}
