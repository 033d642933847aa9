package certs_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/breakglass-dev/breakglass/certs"
)

func TestInspectValidity(t *testing.T) {
	tests := []struct {
		name     string
		opts     certs.Options
		now      time.Time
		status   string
		daysLeft int
	}{
		{name: "valid for a year", opts: window(-day, 365*day), now: t0, status: certs.StatusValid, daysLeft: 365},
		{name: "expires in 7 days", opts: window(-day, 7*day), now: t0, status: certs.StatusValid, daysLeft: 7},
		{name: "expires in 7 days less a second", opts: window(-day, 7*day-time.Second), now: t0, status: certs.StatusValid, daysLeft: 6},
		{name: "expires in 7 days, now has nanoseconds", opts: window(-day, 7*day), now: t0.Add(time.Nanosecond), status: certs.StatusValid, daysLeft: 6},
		{name: "last second", opts: window(-day, 0), now: t0, status: certs.StatusValid, daysLeft: 0},
		{name: "first second", opts: window(0, day), now: t0, status: certs.StatusValid, daysLeft: 1},
		{name: "expired a second ago", opts: window(-day, -time.Second), now: t0, status: certs.StatusExpired, daysLeft: -1},
		{name: "expired a nanosecond ago", opts: window(-day, 0), now: t0.Add(time.Nanosecond), status: certs.StatusExpired, daysLeft: -1},
		{name: "expired a day ago", opts: window(-365*day, -day), now: t0, status: certs.StatusExpired, daysLeft: -1},
		{name: "expired a day and a second ago", opts: window(-365*day, -day-time.Second), now: t0, status: certs.StatusExpired, daysLeft: -2},
		{name: "expired 30 days ago", opts: window(-365*day, -30*day), now: t0, status: certs.StatusExpired, daysLeft: -30},
		{name: "not yet valid", opts: window(2*day, 400*day), now: t0, status: certs.StatusNotYetValid, daysLeft: 400},
		{name: "valid in a second", opts: window(time.Second, day), now: t0, status: certs.StatusNotYetValid, daysLeft: 1},
		{name: "ends in 9999", opts: certs.Options{NotBefore: t0, NotAfter: time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)}, now: t0, status: certs.StatusValid, daysLeft: 2912383},
		{name: "long expired", opts: certs.Options{NotBefore: time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(1951, 1, 1, 0, 0, 0, 0, time.UTC)}, now: t0, status: certs.StatusExpired, daysLeft: -27454},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			info := certs.Inspect(reissue(t, tt.opts).Cert, tt.now)
			if info.Status != tt.status {
				t.Errorf("Status = %q, want %q", info.Status, tt.status)
			}
			if info.DaysLeft != tt.daysLeft {
				t.Errorf("DaysLeft = %d, want %d", info.DaysLeft, tt.daysLeft)
			}
		})
	}
}

func TestInspectFields(t *testing.T) {
	kp := reissue(t, certs.Options{CommonName: "idp.example", NotBefore: t0, NotAfter: t0.Add(30 * day)})
	c := kp.Cert
	info := certs.Inspect(c, t0)

	sum1 := sha1.Sum(c.Raw)
	sum256 := sha256.Sum256(c.Raw)
	want := certs.Info{
		Subject:            "CN=idp.example",
		Issuer:             "CN=idp.example",
		Serial:             fmt.Sprintf("%x", c.SerialNumber),
		SHA1:               colonHex(sum1[:]),
		SHA256:             colonHex(sum256[:]),
		KeyAlgorithm:       "RSA",
		KeyBits:            2048,
		SignatureAlgorithm: "SHA256-RSA",
		NotBefore:          t0,
		NotAfter:           t0.Add(30 * day),
		DaysLeft:           30,
		Status:             certs.StatusValid,
		SelfSigned:         true,
	}
	if info != want {
		t.Errorf("Inspect =\n%+v\nwant\n%+v", info, want)
	}
	if len(info.SHA256) != 32*3-1 || strings.ToUpper(info.SHA256) != info.SHA256 {
		t.Errorf("SHA256 %q is not 32 uppercase bytes joined by colons", info.SHA256)
	}
	if strings.ContainsAny(info.Serial, ":ABCDEF") {
		t.Errorf("Serial %q has colons or uppercase", info.Serial)
	}

	t.Run("not self-signed", func(t *testing.T) {
		other := newKeyPair(t, window(0, day))
		forged := *other.Cert
		forged.Signature = c.Signature // signature of another certificate
		if certs.Inspect(&forged, t0).SelfSigned {
			t.Error("SelfSigned = true for a certificate whose signature does not verify")
		}
	})
}

func TestInfoJSON(t *testing.T) {
	info := certs.Inspect(reissue(t, window(-day, 7*day)).Cert, t0)
	data, err := json.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	keys := []string{
		"subject", "issuer", "serial", "sha1_fingerprint", "sha256_fingerprint",
		"key_algorithm", "key_bits", "signature_algorithm", "not_before", "not_after",
		"days_left", "status", "self_signed",
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON has no %q: %s", k, data)
		}
	}
	if len(m) != len(keys) {
		t.Errorf("JSON has %d keys, want %d: %s", len(m), len(keys), data)
	}
	if got, want := m["not_after"], t0.Add(7*day).Format(time.RFC3339); got != want {
		t.Errorf("not_after = %v, want %v", got, want)
	}
	var back certs.Info
	if err := json.Unmarshal(data, &back); err != nil || back != info {
		t.Errorf("JSON round trip = %+v, %v; want %+v", back, err, info)
	}
}

// colonHex formats b as "AB:CD:..." independently of the package.
func colonHex(b []byte) string {
	parts := make([]string, len(b))
	for i, c := range b {
		parts[i] = fmt.Sprintf("%02X", c)
	}
	return strings.Join(parts, ":")
}

// TestInspectOtherCertificates covers certificates this package does not
// make but finds in other IdPs' metadata: other key types, and certificates
// issued by a CA.
func TestInspectOtherCertificates(t *testing.T) {
	ecKey, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edPub, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca := keyPair(t)
	template := func(cn string) *x509.Certificate {
		return &x509.Certificate{
			SerialNumber: big.NewInt(0x0102),
			Subject:      pkix.Name{CommonName: cn},
			NotBefore:    t0,
			NotAfter:     t0.Add(day),
		}
	}
	create := func(t *testing.T, tmpl, parent *x509.Certificate, pub, priv any) *x509.Certificate {
		t.Helper()
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, priv)
		if err != nil {
			t.Fatal(err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ecTmpl, edTmpl, leafTmpl := template("ec"), template("ed"), template("leaf")
	tests := []struct {
		name       string
		cert       *x509.Certificate
		keyAlg     string
		keyBits    int
		issuer     string
		selfSigned bool
	}{
		{name: "ECDSA P-384", cert: create(t, ecTmpl, ecTmpl, &ecKey.PublicKey, ecKey), keyAlg: "ECDSA", keyBits: 384, issuer: "CN=ec", selfSigned: true},
		{name: "Ed25519", cert: create(t, edTmpl, edTmpl, edPub, edKey), keyAlg: "Ed25519", keyBits: 256, issuer: "CN=ed", selfSigned: true},
		{name: "issued by a CA", cert: create(t, leafTmpl, ca.Cert, &ecKey.PublicKey, ca.Key), keyAlg: "ECDSA", keyBits: 384, issuer: "CN=" + certs.DefaultCommonName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := certs.Inspect(tt.cert, t0)
			if info.KeyAlgorithm != tt.keyAlg || info.KeyBits != tt.keyBits {
				t.Errorf("key %s %d bits, want %s %d", info.KeyAlgorithm, info.KeyBits, tt.keyAlg, tt.keyBits)
			}
			if info.Issuer != tt.issuer || info.SelfSigned != tt.selfSigned {
				t.Errorf("issuer %q self-signed %v, want %q %v", info.Issuer, info.SelfSigned, tt.issuer, tt.selfSigned)
			}
			if info.Serial != "102" {
				t.Errorf("serial %q, want 102", info.Serial)
			}
		})
	}
}
