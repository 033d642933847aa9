package idp_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/breakglass-dev/breakglass/idp"
)

// BenchmarkMint measures minting and signing one response next to the
// cryptographic limit: one bare crypto/rsa PKCS#1 v1.5 SHA-256 signature
// with the same key. The two alternate within each iteration, so both see
// the same machine state (garbage collector, caches, clock frequency); run
// one after the other, the bare signature would be measured on a quieter
// machine than the mint that allocates around it. It reports op-ns/op and
// limit-ns/op; `make bench` turns them into the line
// "bench mint ns_op=N limit_ns_op=N ratio=R".
func BenchmarkMint(b *testing.B) {
	p := newProvider(b, func(c *idp.Config) { c.Now = time.Now; c.Rand = nil })
	req := idp.MintRequest{User: "alice", Groups: []string{groupRole1RO}}
	ctx := context.Background()
	key, _ := p.SigningKeys()
	digest := sha256.Sum256([]byte("<ds:SignedInfo>a typical SignedInfo is about this long</ds:SignedInfo>"))
	var op, limit time.Duration
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		if _, err := p.Mint(ctx, req); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := rsa.SignPKCS1v15(nil, key.Key, crypto.SHA256, digest[:]); err != nil {
			b.Fatal(err)
		}
		limit += time.Since(t1)
		op += t1.Sub(t0)
	}
	b.ReportMetric(float64(op.Nanoseconds())/float64(b.N), "op-ns/op")
	b.ReportMetric(float64(limit.Nanoseconds())/float64(b.N), "limit-ns/op")
}
