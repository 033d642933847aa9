package certs_test

import (
	"crypto/x509"
	"sync"
	"testing"
	"time"

	"github.com/breakglass-dev/breakglass/certs"
)

// t0 is the fixed "now" of the tests.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

// window returns options for a certificate valid from t0+from to t0+to.
func window(from, to time.Duration) certs.Options {
	return certs.Options{NotBefore: t0.Add(from), NotAfter: t0.Add(to)}
}

// sharedKeyPair is one 2048-bit key pair, valid for a year around t0,
// generated once for tests that only need some key. Callers must not modify
// it; Reissue returns a new KeyPair and leaves it alone.
var sharedKeyPair = sync.OnceValues(func() (*certs.KeyPair, error) {
	return certs.New(window(-day, 365*day))
})

func keyPair(t *testing.T) *certs.KeyPair {
	t.Helper()
	kp, err := sharedKeyPair()
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return kp
}

// reissue returns the shared key with a certificate for opts.
func reissue(t *testing.T, opts certs.Options) *certs.KeyPair {
	t.Helper()
	kp, err := certs.Reissue(keyPair(t), opts)
	if err != nil {
		t.Fatalf("Reissue: %v", err)
	}
	return kp
}

func newKeyPair(t *testing.T, opts certs.Options) *certs.KeyPair {
	t.Helper()
	kp, err := certs.New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return kp
}

// checkSelfSigned fails unless cert is signed by its own key.
func checkSelfSigned(t *testing.T, cert *x509.Certificate) {
	t.Helper()
	if err := cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); err != nil {
		t.Errorf("certificate does not verify with its own key: %v", err)
	}
	if cert.Issuer.String() != cert.Subject.String() {
		t.Errorf("issuer %q, want subject %q", cert.Issuer, cert.Subject)
	}
}
