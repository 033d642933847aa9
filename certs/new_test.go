package certs_test

import (
	"bytes"
	"crypto/x509"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/breakglass-dev/breakglass/certs"
)

func TestNewKeySizes(t *testing.T) {
	tests := []struct {
		name      string
		bits      int
		allowWeak bool
		wantBits  int // 0: want an error
	}{
		{name: "zero means 2048", bits: 0, wantBits: 2048},
		{name: "2048", bits: 2048, wantBits: 2048},
		{name: "3072", bits: 3072, wantBits: 3072},
		{name: "4096", bits: 4096, wantBits: 4096},
		{name: "1024 with AllowWeak", bits: 1024, allowWeak: true, wantBits: 1024},
		{name: "1024 without AllowWeak", bits: 1024},
		{name: "512 even with AllowWeak", bits: 512, allowWeak: true},
		{name: "2047", bits: 2047},
		{name: "8192", bits: 8192},
		{name: "negative", bits: -2048},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // 3072 and 4096 take seconds under -race
			opts := window(-day, 30*day)
			opts.Bits = tt.bits
			opts.AllowWeak = tt.allowWeak
			kp, err := certs.New(opts)
			if tt.wantBits == 0 {
				if !errors.Is(err, certs.ErrInvalidOptions) {
					t.Fatalf("New(Bits: %d) error = %v, want ErrInvalidOptions", tt.bits, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("New(Bits: %d): %v", tt.bits, err)
			}
			if got := kp.Key.N.BitLen(); got != tt.wantBits {
				t.Errorf("key has %d bits, want %d", got, tt.wantBits)
			}
			if got := certs.Inspect(kp.Cert, t0).KeyBits; got != tt.wantBits {
				t.Errorf("Inspect KeyBits = %d, want %d", got, tt.wantBits)
			}
			if err := kp.Key.Validate(); err != nil {
				t.Errorf("key does not validate: %v", err)
			}
			checkSelfSigned(t, kp.Cert)
		})
	}
}

func TestNewCertificate(t *testing.T) {
	nb := time.Date(2026, 1, 2, 3, 4, 5, 999, time.FixedZone("CET", 3600))
	na := nb.Add(90 * day)
	kp := newKeyPair(t, certs.Options{NotBefore: nb, NotAfter: na})
	c := kp.Cert

	if !c.NotBefore.Equal(nb.Truncate(time.Second)) || !c.NotAfter.Equal(na.Truncate(time.Second)) {
		t.Errorf("validity %s to %s, want %s to %s", c.NotBefore, c.NotAfter, nb, na)
	}
	if got, want := c.Subject.CommonName, certs.DefaultCommonName; got != want {
		t.Errorf("subject CN %q, want %q", got, want)
	}
	if got, want := c.SignatureAlgorithm, x509.SHA256WithRSA; got != want {
		t.Errorf("signature algorithm %v, want %v", got, want)
	}
	if got, want := c.KeyUsage, x509.KeyUsageDigitalSignature; got != want {
		t.Errorf("key usage %v, want %v", got, want)
	}
	if !c.BasicConstraintsValid || c.IsCA {
		t.Errorf("basic constraints valid=%v CA=%v, want present with CA=false", c.BasicConstraintsValid, c.IsCA)
	}
	if c.SerialNumber.Sign() <= 0 || c.SerialNumber.BitLen() > 128 {
		t.Errorf("serial %v, want positive with at most 128 bits", c.SerialNumber)
	}
	if !kp.Key.PublicKey.Equal(c.PublicKey) {
		t.Error("certificate public key is not the key pair's")
	}
	checkSelfSigned(t, c)
	if !certs.Inspect(c, nb.Add(day)).SelfSigned {
		t.Error("Inspect SelfSigned = false, want true")
	}
}

func TestNewOptions(t *testing.T) {
	tests := []struct {
		name   string
		opts   certs.Options
		check  func(t *testing.T, c *x509.Certificate)
		errors []string // substrings of the error; nil wants success
	}{
		{
			name: "common name",
			opts: certs.Options{CommonName: "okta.example", NotBefore: t0, NotAfter: t0.Add(day)},
			check: func(t *testing.T, c *x509.Certificate) {
				if c.Subject.CommonName != "okta.example" || c.Issuer.CommonName != "okta.example" {
					t.Errorf("subject %q issuer %q, want CN okta.example", c.Subject, c.Issuer)
				}
			},
		},
		{
			name: "SHA-512",
			opts: certs.Options{SignatureAlgorithm: x509.SHA512WithRSA, NotBefore: t0, NotAfter: t0.Add(day)},
			check: func(t *testing.T, c *x509.Certificate) {
				if c.SignatureAlgorithm != x509.SHA512WithRSA {
					t.Errorf("signature algorithm %v, want SHA512WithRSA", c.SignatureAlgorithm)
				}
			},
		},
		{
			name: "SHA-1 with AllowWeak",
			opts: certs.Options{SignatureAlgorithm: x509.SHA1WithRSA, AllowWeak: true, NotBefore: t0, NotAfter: t0.Add(day)},
			check: func(t *testing.T, c *x509.Certificate) {
				if c.SignatureAlgorithm != x509.SHA1WithRSA {
					t.Errorf("signature algorithm %v, want SHA1WithRSA", c.SignatureAlgorithm)
				}
				if got := certs.Inspect(c, t0).SignatureAlgorithm; got != "SHA1-RSA" {
					t.Errorf("Inspect SignatureAlgorithm = %q, want SHA1-RSA", got)
				}
			},
		},
		{
			name:   "SHA-1 without AllowWeak",
			opts:   certs.Options{SignatureAlgorithm: x509.SHA1WithRSA, NotBefore: t0, NotAfter: t0.Add(day)},
			errors: []string{"SHA1-RSA is weak"},
		},
		{
			name:   "ECDSA signature algorithm",
			opts:   certs.Options{SignatureAlgorithm: x509.ECDSAWithSHA256, NotBefore: t0, NotAfter: t0.Add(day)},
			errors: []string{"ECDSA-SHA256 is not an RSA algorithm"},
		},
		{
			name:   "no window",
			opts:   certs.Options{},
			errors: []string{"NotBefore is required", "NotAfter is required"},
		},
		{
			name:   "no NotAfter",
			opts:   certs.Options{NotBefore: t0},
			errors: []string{"NotAfter is required"},
		},
		{
			name:   "NotAfter equals NotBefore",
			opts:   certs.Options{NotBefore: t0, NotAfter: t0},
			errors: []string{"must be at least one second after NotBefore"},
		},
		{
			name:   "NotAfter within the second of NotBefore",
			opts:   certs.Options{NotBefore: t0, NotAfter: t0.Add(time.Millisecond)},
			errors: []string{"must be at least one second after NotBefore"},
		},
		{
			name:   "NotAfter before NotBefore",
			opts:   certs.Options{NotBefore: t0, NotAfter: t0.Add(-day)},
			errors: []string{"must be at least one second after NotBefore"},
		},
		{
			name:   "every problem at once",
			opts:   certs.Options{Bits: 1000, SignatureAlgorithm: x509.SHA1WithRSA, NotAfter: t0},
			errors: []string{"not 1000", "SHA1-RSA is weak", "NotBefore is required"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			kp, err := certs.New(tt.opts)
			if tt.errors != nil {
				if !errors.Is(err, certs.ErrInvalidOptions) {
					t.Fatalf("error = %v, want ErrInvalidOptions", err)
				}
				for _, want := range tt.errors {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not mention %q", err, want)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			checkSelfSigned(t, kp.Cert)
			tt.check(t, kp.Cert)
		})
	}
}

func TestNewSerials(t *testing.T) {
	t.Run("distinct", func(t *testing.T) {
		a := reissue(t, window(0, day))
		b := reissue(t, window(0, day))
		if a.Cert.SerialNumber.Cmp(b.Cert.SerialNumber) == 0 {
			t.Errorf("two certificates share serial %v", a.Cert.SerialNumber)
		}
	})
	t.Run("from Rand", func(t *testing.T) {
		opts := window(0, day)
		opts.Rand = bytes.NewReader(bytes.Repeat([]byte{0xab}, 16))
		kp := reissue(t, opts)
		if got, want := kp.Cert.SerialNumber.Text(16), strings.Repeat("ab", 16); got != want {
			t.Errorf("serial %s, want %s", got, want)
		}
	})
	t.Run("broken Rand", func(t *testing.T) {
		opts := window(0, day)
		opts.Rand = bytes.NewReader(make([]byte, 1024)) // zeros only
		if _, err := certs.Reissue(keyPair(t), opts); err == nil {
			t.Error("Reissue with an all-zero Rand succeeded, want an error")
		}
	})
	t.Run("exhausted Rand", func(t *testing.T) {
		opts := window(0, day)
		opts.Rand = bytes.NewReader(nil)
		if _, err := certs.Reissue(keyPair(t), opts); err == nil {
			t.Error("Reissue with an empty Rand succeeded, want an error")
		}
	})
}

func TestReissue(t *testing.T) {
	orig := keyPair(t)
	origCert := orig.Cert
	expired := window(-400*day, -35*day)
	kp, err := certs.Reissue(orig, expired)
	if err != nil {
		t.Fatalf("Reissue: %v", err)
	}
	if kp.Key != orig.Key {
		t.Error("Reissue returned another private key")
	}
	if !kp.Key.PublicKey.Equal(kp.Cert.PublicKey) {
		t.Error("reissued certificate is not for the key")
	}
	if orig.Cert != origCert {
		t.Error("Reissue modified its argument")
	}
	if kp.Cert.SerialNumber.Cmp(orig.Cert.SerialNumber) == 0 {
		t.Error("reissued certificate kept the serial number")
	}
	if !kp.Cert.NotAfter.Equal(expired.NotAfter) {
		t.Errorf("NotAfter %s, want %s", kp.Cert.NotAfter, expired.NotAfter)
	}
	if got := certs.Inspect(kp.Cert, t0).Status; got != certs.StatusExpired {
		t.Errorf("status %q, want %q", got, certs.StatusExpired)
	}
	checkSelfSigned(t, kp.Cert)

	t.Run("errors", func(t *testing.T) {
		tests := []struct {
			name    string
			kp      *certs.KeyPair
			opts    certs.Options
			invalid bool // want ErrInvalidOptions
		}{
			{name: "nil key pair", kp: nil, opts: window(0, day)},
			{name: "no key", kp: &certs.KeyPair{Cert: orig.Cert}, opts: window(0, day)},
			{name: "other key size", kp: orig, opts: certs.Options{Bits: 4096, NotBefore: t0, NotAfter: t0.Add(day)}, invalid: true},
			{name: "no window", kp: orig, opts: certs.Options{}, invalid: true},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := certs.Reissue(tt.kp, tt.opts)
				if err == nil {
					t.Fatal("Reissue succeeded, want an error")
				}
				if got := errors.Is(err, certs.ErrInvalidOptions); got != tt.invalid {
					t.Errorf("errors.Is(%v, ErrInvalidOptions) = %v, want %v", err, got, tt.invalid)
				}
			})
		}
	})
}
