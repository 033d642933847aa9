package certs_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/breakglass-dev/breakglass/certs"
)

// These tests check the package against OpenSSL, an independent
// implementation, in both directions: OpenSSL reads what we write, and we
// read what OpenSSL writes.

// openssl runs openssl with args and returns its trimmed standard output.
func openssl(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("openssl", args...).Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return strings.TrimSpace(string(out))
}

func needOpenSSL(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl is not on PATH")
	}
}

// value returns what follows the first "=" of openssl's "name=value".
func value(t *testing.T, line string) string {
	t.Helper()
	_, v, ok := strings.Cut(line, "=")
	if !ok {
		t.Fatalf("openssl printed %q, want name=value", line)
	}
	return v
}

func TestOpenSSLReadsOurFiles(t *testing.T) {
	needOpenSSL(t)
	skipOnWindows(t)
	tests := []struct {
		name string
		opts certs.Options
	}{
		{name: "default", opts: window(-day, 365*day)},
		{name: "expired", opts: window(-400*day, -35*day)},
		{name: "after 2049", opts: certs.Options{NotBefore: t0, NotAfter: time.Date(2051, 6, 1, 0, 0, 0, 0, time.UTC)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kp := reissue(t, tt.opts)
			keyPath, certPath, err := kp.WriteFiles(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			info := certs.Inspect(kp.Cert, t0)

			if got := value(t, openssl(t, "x509", "-in", certPath, "-noout", "-fingerprint", "-sha256")); got != info.SHA256 {
				t.Errorf("SHA256 = %s, openssl says %s", info.SHA256, got)
			}
			if got := value(t, openssl(t, "x509", "-in", certPath, "-noout", "-fingerprint", "-sha1")); got != info.SHA1 {
				t.Errorf("SHA1 = %s, openssl says %s", info.SHA1, got)
			}
			// openssl pads the serial to whole bytes and prints it in
			// uppercase.
			serial := value(t, openssl(t, "x509", "-in", certPath, "-noout", "-serial"))
			if got := strings.TrimLeft(strings.ToLower(serial), "0"); got != info.Serial {
				t.Errorf("Serial = %s, openssl says %s", info.Serial, serial)
			}
			const layout = "Jan _2 15:04:05 2006 MST"
			for _, d := range []struct {
				flag string
				want time.Time
			}{{"-startdate", info.NotBefore}, {"-enddate", info.NotAfter}} {
				s := value(t, openssl(t, "x509", "-in", certPath, "-noout", d.flag))
				got, err := time.Parse(layout, s)
				if err != nil {
					t.Fatalf("openssl %s printed %q: %v", d.flag, s, err)
				}
				if !got.Equal(d.want) {
					t.Errorf("openssl %s = %s, want %s", d.flag, got, d.want)
				}
			}
			// The key file is PKCS #8 that openssl reads, and its public
			// key is the certificate's.
			keyPub := openssl(t, "pkey", "-in", keyPath, "-pubout")
			certPub := openssl(t, "x509", "-in", certPath, "-noout", "-pubkey")
			if keyPub != certPub {
				t.Errorf("openssl: public key of %s differs from that of %s", keyPath, certPath)
			}
			openssl(t, "pkey", "-in", keyPath, "-noout", "-check")
		})
	}
}

func TestWeReadOpenSSLFiles(t *testing.T) {
	needOpenSSL(t)
	skipOnWindows(t)
	tests := []struct {
		name   string
		genkey []string // openssl arguments after "-out KEY"
	}{
		{name: "PKCS #1", genkey: []string{"genrsa", "-traditional", "2048"}},
		{name: "PKCS #8", genkey: []string{"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			keyPath := filepath.Join(dir, "openssl.key")
			certPath := filepath.Join(dir, "openssl.crt")
			openssl(t, append([]string{tt.genkey[0], "-out", keyPath}, tt.genkey[1:]...)...)
			if err := os.Chmod(keyPath, 0o600); err != nil {
				t.Fatal(err)
			}
			openssl(t, "req", "-x509", "-new", "-key", keyPath, "-subj", "/CN=openssl drill", "-days", "10", "-sha384", "-out", certPath)

			kp, err := certs.Load(keyPath, certPath)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			info := certs.Inspect(kp.Cert, kp.Cert.NotBefore)
			if got := value(t, openssl(t, "x509", "-in", certPath, "-noout", "-fingerprint", "-sha256")); got != info.SHA256 {
				t.Errorf("SHA256 = %s, openssl says %s", info.SHA256, got)
			}
			if info.Subject != "CN=openssl drill" || !info.SelfSigned || info.SignatureAlgorithm != "SHA384-RSA" ||
				info.Status != certs.StatusValid || info.DaysLeft != 10 {
				t.Errorf("Inspect = %+v, want CN=openssl drill, self-signed, SHA384-RSA, valid, 10 days left", info)
			}

			// A certificate that openssl made for another key does not
			// match.
			otherKey := filepath.Join(dir, "other.key")
			openssl(t, "genrsa", "-out", otherKey, "2048")
			if err := os.Chmod(otherKey, 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := certs.Load(otherKey, certPath); err == nil || !strings.Contains(err.Error(), "does not match") {
				t.Errorf("Load with another key: error %v, want a mismatch", err)
			}
		})
	}
}
