package certs

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"time"
)

// DefaultCommonName is the subject common name of a certificate whose
// Options leave CommonName empty.
const DefaultCommonName = "breakglass drill IdP"

// ErrInvalidOptions is wrapped by every error that New and Reissue return
// because of the Options they were given (rather than a failure while
// generating or signing), so that callers can report it as bad input.
var ErrInvalidOptions = errors.New("invalid certificate options")

// Options describe the key and the self-signed certificate that New and
// Reissue create. Only the validity window is required; every other zero
// value has a documented default.
type Options struct {
	// Bits is the RSA key size: 2048, 3072 or 4096. Zero means 2048 for New
	// and the existing key's size for Reissue. 1024 is accepted only with
	// AllowWeak; any other value is an error.
	Bits int

	// AllowWeak permits what a real IdP must not use, so that tests (of the
	// metadata linter, for example) can build weak certificates: 1024-bit
	// keys and SHA-1 signatures. False rejects both.
	AllowWeak bool

	// CommonName is the subject and issuer CN. Empty means
	// DefaultCommonName.
	CommonName string

	// NotBefore and NotAfter bound the validity window, both inclusive as
	// in RFC 5280 section 4.1.2.5. Both are required and NotAfter must be
	// after NotBefore. They may lie in the past or the future: that is how
	// expired and not-yet-valid certificates are made. X.509 stores whole
	// seconds, so sub-second parts are dropped.
	NotBefore, NotAfter time.Time

	// Rand is the source of the serial number. Nil means crypto/rand.
	// Since Go 1.26 key generation always draws from crypto/rand whatever
	// Rand is (see rsa.GenerateKey); tests that need reproducible keys use
	// testing/cryptotest.SetGlobalRandom.
	Rand io.Reader

	// SignatureAlgorithm signs the certificate: SHA256WithRSA,
	// SHA384WithRSA, SHA512WithRSA, their PSS variants, or SHA1WithRSA
	// (only with AllowWeak). Zero means SHA256WithRSA.
	SignatureAlgorithm x509.SignatureAlgorithm
}

// withDefaults returns o with its zero values replaced by their defaults;
// keyBits is the size of the key being certified, or 0 if none exists yet.
func (o Options) withDefaults(keyBits int) Options {
	if o.Bits == 0 {
		o.Bits = 2048
		if keyBits != 0 {
			o.Bits = keyBits
		}
	}
	if o.CommonName == "" {
		o.CommonName = DefaultCommonName
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.SignatureAlgorithm == x509.UnknownSignatureAlgorithm {
		o.SignatureAlgorithm = x509.SHA256WithRSA
	}
	return o
}

// validate reports every problem with o (defaults already applied) at once,
// each wrapping ErrInvalidOptions.
func (o Options) validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidOptions}, args...)...))
	}
	switch o.Bits {
	case 2048, 3072, 4096:
	case 1024:
		if !o.AllowWeak {
			bad("1024-bit keys are weak and need AllowWeak")
		}
	default:
		bad("key size must be 2048, 3072 or 4096 bits, not %d", o.Bits)
	}
	switch o.SignatureAlgorithm {
	case x509.SHA256WithRSA, x509.SHA384WithRSA, x509.SHA512WithRSA,
		x509.SHA256WithRSAPSS, x509.SHA384WithRSAPSS, x509.SHA512WithRSAPSS:
	case x509.SHA1WithRSA:
		if !o.AllowWeak {
			bad("signature algorithm %v is weak and needs AllowWeak", o.SignatureAlgorithm)
		}
	default:
		bad("signature algorithm %v is not an RSA algorithm this package signs with", o.SignatureAlgorithm)
	}
	if o.NotBefore.IsZero() {
		bad("NotBefore is required")
	}
	if o.NotAfter.IsZero() {
		bad("NotAfter is required")
	}
	if !o.NotBefore.IsZero() && !o.NotAfter.IsZero() &&
		!o.NotAfter.Truncate(time.Second).After(o.NotBefore.Truncate(time.Second)) {
		bad("NotAfter (%s) must be at least one second after NotBefore (%s)",
			o.NotAfter.Format(time.RFC3339), o.NotBefore.Format(time.RFC3339))
	}
	return errors.Join(errs...)
}

// New generates an RSA key and a self-signed certificate for it as opts
// describe. The certificate has a random positive 128-bit serial number,
// KeyUsage DigitalSignature and basic constraints CA=false. Errors caused
// by opts wrap ErrInvalidOptions.
func New(opts Options) (*KeyPair, error) {
	opts = opts.withDefaults(0)
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("new key pair: %w", err)
	}
	key, err := rsa.GenerateKey(opts.Rand, opts.Bits)
	if err != nil {
		return nil, fmt.Errorf("new key pair: generate %d-bit RSA key: %w", opts.Bits, err)
	}
	cert, err := selfSign(key, opts)
	if err != nil {
		return nil, fmt.Errorf("new key pair: %w", err)
	}
	return &KeyPair{Key: key, Cert: cert}, nil
}

// Reissue returns a new KeyPair holding kp's private key (the same pointer)
// and a new self-signed certificate for it, made as New makes one: a fresh
// serial and the validity window of opts. kp is not modified. opts.Bits
// must be zero or the size of kp.Key. Errors caused by opts wrap
// ErrInvalidOptions.
func Reissue(kp *KeyPair, opts Options) (*KeyPair, error) {
	if kp == nil || kp.Key == nil {
		return nil, errors.New("reissue certificate: key pair has no private key")
	}
	keyBits := kp.Key.N.BitLen()
	opts = opts.withDefaults(keyBits)
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("reissue certificate: %w", err)
	}
	if opts.Bits != keyBits {
		return nil, fmt.Errorf("reissue certificate: %w: Bits is %d but the key has %d bits",
			ErrInvalidOptions, opts.Bits, keyBits)
	}
	cert, err := selfSign(kp.Key, opts)
	if err != nil {
		return nil, fmt.Errorf("reissue certificate: %w", err)
	}
	return &KeyPair{Key: kp.Key, Cert: cert}, nil
}

// selfSign creates the certificate of key as opts (validated, defaults
// applied) describe, signed by key itself.
func selfSign(key *rsa.PrivateKey, opts Options) (*x509.Certificate, error) {
	serial, err := newSerial(opts.Rand)
	if err != nil {
		return nil, err
	}
	name := pkix.Name{CommonName: opts.CommonName}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               name,
		Issuer:                name,
		NotBefore:             opts.NotBefore.UTC().Truncate(time.Second),
		NotAfter:              opts.NotAfter.UTC().Truncate(time.Second),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  false,
		SignatureAlgorithm:    opts.SignatureAlgorithm,
	}
	der, err := x509.CreateCertificate(opts.Rand, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("sign certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse the certificate just signed: %w", err)
	}
	return cert, nil
}

// newSerial draws a random positive serial number of at most 128 bits, well
// within the 20 octets RFC 5280 section 4.1.2.2 allows.
func newSerial(r io.Reader) (*big.Int, error) {
	limit := new(big.Int).Lsh(big.NewInt(1), 128)
	// Zero has odds 2^-128 from a real source; a broken one (all zeros)
	// must not loop forever.
	for range 4 {
		n, err := rand.Int(r, limit)
		if err != nil {
			return nil, fmt.Errorf("draw serial number: %w", err)
		}
		if n.Sign() > 0 {
			return n, nil
		}
	}
	return nil, errors.New("draw serial number: random source keeps returning zero")
}
