package scenarios_test

import (
	"context"
	"testing"
	"time"

	"github.com/breakglass-dev/breakglass/internal/target"
	"github.com/breakglass-dev/breakglass/landscape"
	"github.com/breakglass-dev/breakglass/scenarios"
)

// suiteBudget is the time the whole built-in suite may take on the
// embedded target on a 2-core machine (issue: under 3 seconds).
const suiteBudget = 3 * time.Second

// BenchmarkDrillSuite runs every built-in drill on the embedded target, a
// fresh world each, as `breakglass drill` does. It reports op-ns/op (the
// suite) against limit-ns/op set to the 3-second budget rather than a
// cryptographic floor, so `make bench` prints
// "bench drillsuite ns_op=N limit_ns_op=3000000000 ratio=R" with R the
// share of the budget used.
func BenchmarkDrillSuite(b *testing.B) {
	all, err := scenarios.Builtin()
	if err != nil {
		b.Fatal(err)
	}
	key := signingKey(b)
	l := landscape.Default()
	ctx := context.Background()
	for b.Loop() {
		for _, sc := range all {
			w, err := target.Embedded(ctx, l, key, nil)
			if err != nil {
				b.Fatal(err)
			}
			if res := scenarios.Run(ctx, w.Target, sc); !res.Passed {
				b.Fatalf("%s failed", sc.Name)
			}
			w.Close()
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "op-ns/op")
	b.ReportMetric(float64(suiteBudget.Nanoseconds()), "limit-ns/op")
}
