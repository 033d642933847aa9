package certs

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"strings"
	"time"
)

// Values of Info.Status.
const (
	StatusValid       = "valid"
	StatusExpired     = "expired"
	StatusNotYetValid = "not yet valid"
)

// Info summarises a certificate as an operator reads it. Its JSON form is
// part of breakglass's machine-readable output: fields may be added, never
// renamed.
type Info struct {
	// Subject and Issuer are distinguished names in RFC 2253 order
	// ("CN=breakglass drill IdP").
	Subject string `json:"subject"`
	Issuer  string `json:"issuer"`
	// Serial is the serial number in lowercase hexadecimal without colons
	// or leading zeros ("-" first if a non-conforming issuer made it
	// negative).
	Serial string `json:"serial"`
	// SHA1 and SHA256 are fingerprints of the DER certificate in uppercase
	// hexadecimal bytes joined by colons, as openssl x509 -fingerprint
	// prints them.
	SHA1   string `json:"sha1_fingerprint"`
	SHA256 string `json:"sha256_fingerprint"`
	// KeyAlgorithm is the public key algorithm ("RSA", "ECDSA", "Ed25519")
	// and KeyBits its size: the modulus for RSA, the curve for ECDSA, 256
	// for Ed25519, 0 if unknown.
	KeyAlgorithm string `json:"key_algorithm"`
	KeyBits      int    `json:"key_bits"`
	// SignatureAlgorithm is x509.SignatureAlgorithm.String ("SHA256-RSA").
	SignatureAlgorithm string    `json:"signature_algorithm"`
	NotBefore          time.Time `json:"not_before"`
	NotAfter           time.Time `json:"not_after"`
	// DaysLeft is floor((NotAfter - now) / 24h): 0 on the last day,
	// negative once expired (-1 during the first day after NotAfter).
	DaysLeft int `json:"days_left"`
	// Status is StatusValid, StatusExpired or StatusNotYetValid at now.
	Status string `json:"status"`
	// SelfSigned reports that the issuer is the subject and the signature
	// verifies with the certificate's own public key.
	SelfSigned bool `json:"self_signed"`
}

// Inspect describes cert as seen at now. The validity window is inclusive
// at both ends (RFC 5280 section 4.1.2.5), as in x509.Certificate.Verify.
func Inspect(cert *x509.Certificate, now time.Time) Info {
	sum1 := sha1.Sum(cert.Raw)
	sum256 := sha256.Sum256(cert.Raw)
	info := Info{
		Subject:            cert.Subject.String(),
		Issuer:             cert.Issuer.String(),
		SHA1:               fingerprint(sum1[:]),
		SHA256:             fingerprint(sum256[:]),
		KeyAlgorithm:       cert.PublicKeyAlgorithm.String(),
		KeyBits:            keyBits(cert.PublicKey),
		SignatureAlgorithm: cert.SignatureAlgorithm.String(),
		NotBefore:          cert.NotBefore,
		NotAfter:           cert.NotAfter,
		DaysLeft:           daysBetween(now, cert.NotAfter),
		SelfSigned:         isSelfSigned(cert),
	}
	if cert.SerialNumber != nil {
		info.Serial = cert.SerialNumber.Text(16)
	}
	switch {
	case now.Before(cert.NotBefore):
		info.Status = StatusNotYetValid
	case now.After(cert.NotAfter):
		info.Status = StatusExpired
	default:
		info.Status = StatusValid
	}
	return info
}

// fingerprint formats a digest as openssl does: "AB:CD:...".
func fingerprint(sum []byte) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(sum) * 3)
	for i, c := range sum {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&0x0f])
	}
	return b.String()
}

func keyBits(pub any) int {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return k.N.BitLen()
	case *ecdsa.PublicKey:
		return k.Curve.Params().BitSize
	case ed25519.PublicKey:
		return 256
	}
	return 0
}

// daysBetween returns floor((to - from) / 24h) without the overflow of
// time.Duration, which saturates after 292 years (certificates may end in
// 9999, RFC 5280 section 4.1.2.5).
func daysBetween(from, to time.Time) int {
	secs := to.Unix() - from.Unix()
	if to.Nanosecond() < from.Nanosecond() {
		// The fractional part is negative: borrow a second. Flooring the
		// whole seconds then floors the exact difference, because a
		// fraction of a second never crosses a day boundary on its own.
		secs--
	}
	const day = 24 * 60 * 60
	days := secs / day
	if secs%day < 0 {
		days--
	}
	return int(days)
}

func isSelfSigned(cert *x509.Certificate) bool {
	if !bytes.Equal(cert.RawIssuer, cert.RawSubject) {
		return false
	}
	// CheckSignatureFrom would also demand CA=true, which our signing
	// certificates deliberately do not claim; check the signature alone.
	return cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature) == nil
}
