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

// BenchmarkMint measures minting and signing one response (op) next to the
// cryptographic limit measured in the same run (limit): one bare crypto/rsa
// PKCS#1 v1.5 SHA-256 signature with the same key. `make bench` turns the
// pair into the line "bench mint ns_op=N limit_ns_op=N ratio=R".
func BenchmarkMint(b *testing.B) {
	p := newProvider(b, func(c *idp.Config) { c.Now = time.Now; c.Rand = nil })
	req := idp.MintRequest{User: "alice", Groups: []string{groupRole1RO}}
	ctx := context.Background()
	b.Run("op", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := p.Mint(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
	})
	key, _ := p.SigningKeys()
	digest := sha256.Sum256([]byte("<ds:SignedInfo>a typical SignedInfo is about this long</ds:SignedInfo>"))
	b.Run("limit", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := rsa.SignPKCS1v15(nil, key.Key, crypto.SHA256, digest[:]); err != nil {
				b.Fatal(err)
			}
		}
	})
}
