package certs_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/breakglass-dev/breakglass/certs"
)

func skipOnWindows(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("no Unix file modes on Windows")
	}
}

func checkMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Mode().Perm(); got != want {
		t.Errorf("%s has mode %04o, want %04o", path, got, want)
	}
}

func writeFile(t *testing.T, path string, data []byte, mode fs.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // whatever the umask
		t.Fatal(err)
	}
}

func TestWriteFiles(t *testing.T) {
	skipOnWindows(t)
	kp := keyPair(t)
	dir := filepath.Join(t.TempDir(), "config", "breakglass")
	keyPath, certPath, err := kp.WriteFiles(dir)
	if err != nil {
		t.Fatalf("WriteFiles: %v", err)
	}
	if want := filepath.Join(dir, certs.KeyFile); keyPath != want {
		t.Errorf("key path %s, want %s", keyPath, want)
	}
	if want := filepath.Join(dir, certs.CertFile); certPath != want {
		t.Errorf("certificate path %s, want %s", certPath, want)
	}
	checkMode(t, dir, 0o700)
	checkMode(t, keyPath, 0o600)
	checkMode(t, certPath, 0o644)

	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Errorf("dir holds %d entries, want 2 (no temporary files left): %v", len(entries), entries)
	}

	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	block, rest := pem.Decode(keyPEM)
	if block == nil || block.Type != "PRIVATE KEY" || len(bytes.TrimSpace(rest)) != 0 {
		t.Fatalf("key file is not one PKCS #8 PEM block:\n%s", keyPEM)
	}
	if _, err := x509.ParsePKCS8PrivateKey(block.Bytes); err != nil {
		t.Errorf("key file: %v", err)
	}
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(certPEM, certs.EncodeCertificatePEM(kp.Cert)) {
		t.Errorf("certificate file is not EncodeCertificatePEM:\n%s", certPEM)
	}
	if bytes.Contains(certPEM, []byte("PRIVATE")) {
		t.Error("certificate file holds a private key")
	}

	t.Run("replaces files and fixes their modes", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, certs.KeyFile), []byte("old key"), 0o644)
		writeFile(t, filepath.Join(dir, certs.CertFile), []byte("old cert"), 0o600)
		keyPath, certPath, err := kp.WriteFiles(dir)
		if err != nil {
			t.Fatalf("WriteFiles: %v", err)
		}
		checkMode(t, keyPath, 0o600)
		checkMode(t, certPath, 0o644)
		if _, err := certs.Load(keyPath, certPath); err != nil {
			t.Errorf("Load after WriteFiles: %v", err)
		}
	})

	t.Run("keeps the mode of an existing dir", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Chmod(dir, 0o750); err != nil {
			t.Fatal(err)
		}
		if _, _, err := kp.WriteFiles(dir); err != nil {
			t.Fatalf("WriteFiles: %v", err)
		}
		checkMode(t, dir, 0o750)
	})

	t.Run("incomplete key pair", func(t *testing.T) {
		for _, bad := range []*certs.KeyPair{nil, {Key: kp.Key}, {Cert: kp.Cert}} {
			if _, _, err := bad.WriteFiles(t.TempDir()); err == nil {
				t.Errorf("WriteFiles(%+v) succeeded, want an error", bad)
			}
		}
	})

	t.Run("dir is a file", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "file")
		writeFile(t, file, nil, 0o600)
		if _, _, err := kp.WriteFiles(file); err == nil {
			t.Error("WriteFiles into a regular file succeeded, want an error")
		}
	})
}

func TestLoad(t *testing.T) {
	skipOnWindows(t)
	kp := keyPair(t)
	other := newKeyPair(t, window(0, day))
	dir := t.TempDir()
	keyPath, certPath, err := kp.WriteFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	otherDir := t.TempDir()
	otherKey, otherCert, err := other.WriteFiles(otherDir)
	if err != nil {
		t.Fatal(err)
	}

	// write puts a file with the given content and mode into a new dir.
	write := func(t *testing.T, data []byte, mode fs.FileMode) string {
		t.Helper()
		p := filepath.Join(t.TempDir(), "file")
		writeFile(t, p, data, mode)
		return p
	}
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(kp.Key)})
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, err := x509.MarshalPKCS8PrivateKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	ecPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER})
	certPEM := certs.EncodeCertificatePEM(kp.Cert)

	tests := []struct {
		name      string
		key, cert string
		want      string // substring of the error; "" wants success
	}{
		{name: "round trip", key: keyPath, cert: certPath},
		{name: "PKCS #1 key", key: write(t, pkcs1, 0o600), cert: certPath},
		{name: "PKCS #1 key after other blocks", key: write(t, append(append([]byte("comment\n"), certPEM...), pkcs1...), 0o600), cert: certPath},
		{name: "base64 certificate", key: keyPath, cert: write(t, []byte(base64.StdEncoding.EncodeToString(kp.Cert.Raw)), 0o644)},
		{name: "read-only key", key: write(t, pkcs1, 0o400), cert: certPath},
		{name: "mismatched certificate", key: keyPath, cert: otherCert, want: "does not match private key"},
		{name: "mismatched key", key: otherKey, cert: certPath, want: "does not match private key"},
		{name: "key mode 0644", key: write(t, pkcs1, 0o644), cert: certPath, want: "(mode 0644); run chmod 600"},
		{name: "key mode 0640", key: write(t, pkcs1, 0o640), cert: certPath, want: "(mode 0640); run chmod 600"},
		{name: "key mode 0602", key: write(t, pkcs1, 0o602), cert: certPath, want: "run chmod 600"},
		{name: "missing key", key: filepath.Join(dir, "nope.key"), cert: certPath, want: "no such file"},
		{name: "missing certificate", key: keyPath, cert: filepath.Join(dir, "nope.crt"), want: "no such file"},
		{name: "key is a directory", key: dir, cert: certPath, want: "is a directory"},
		{name: "key file holds a certificate", key: write(t, certPEM, 0o600), cert: certPath, want: "found CERTIFICATE"},
		{name: "key file is garbage", key: write(t, []byte("garbage"), 0o600), cert: certPath, want: "no \"PRIVATE KEY\""},
		{name: "empty key file", key: write(t, nil, 0o600), cert: certPath, want: "no \"PRIVATE KEY\""},
		{name: "corrupt PKCS #8", key: write(t, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("junk")}), 0o600), cert: certPath, want: "parse PKCS #8"},
		{name: "corrupt PKCS #1", key: write(t, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: []byte("junk")}), 0o600), cert: certPath, want: "parse PKCS #1"},
		{name: "ECDSA key", key: write(t, ecPEM, 0o600), cert: certPath, want: "not an RSA key"},
		{name: "encrypted PKCS #8", key: write(t, pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte("x")}), 0o600), cert: certPath, want: "encrypted"},
		{
			name: "encrypted PKCS #1",
			key: write(t, pem.EncodeToMemory(&pem.Block{
				Type:    "RSA PRIVATE KEY",
				Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,00"},
				Bytes:   []byte("x"),
			}), 0o600),
			cert: certPath, want: "encrypted",
		},
		{name: "certificate file is garbage", key: keyPath, cert: write(t, []byte("garbage!"), 0o644), want: "no certificate found"},
		{name: "certificate file holds the key", key: keyPath, cert: keyPath, want: "found PRIVATE KEY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := certs.Load(tt.key, tt.cert)
			if tt.want != "" {
				if err == nil {
					t.Fatalf("Load succeeded, want an error containing %q", tt.want)
				}
				if !strings.Contains(err.Error(), tt.want) {
					t.Errorf("error %q does not contain %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if !got.Key.Equal(kp.Key) {
				t.Error("loaded key differs from the written one")
			}
			if !got.Cert.Equal(kp.Cert) {
				t.Error("loaded certificate differs from the written one")
			}
		})
	}

	t.Run("KeyModeError", func(t *testing.T) {
		p := write(t, pkcs1, 0o644)
		_, err := certs.Load(p, certPath)
		var me *certs.KeyModeError
		if !errors.As(err, &me) {
			t.Fatalf("error %v is not a *KeyModeError", err)
		}
		if me.Path != p || me.Mode != 0o644 {
			t.Errorf("KeyModeError{%s, %04o}, want {%s, 0644}", me.Path, me.Mode, p)
		}
	})
}

func TestReadCertificates(t *testing.T) {
	a := keyPair(t).Cert
	b := reissue(t, window(0, day)).Cert
	pemA, pemB := certs.EncodeCertificatePEM(a), certs.EncodeCertificatePEM(b)
	b64A := base64.StdEncoding.EncodeToString(a.Raw)
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(keyPair(t).Key)})

	// wrap splits s into lines of n characters, indented as in XML.
	wrap := func(s string, n int) string {
		var b strings.Builder
		b.WriteString("\n\t\t")
		for len(s) > n {
			b.WriteString(s[:n] + "\r\n\t\t ")
			s = s[n:]
		}
		return b.String() + s + "\n\t"
	}
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

	tests := []struct {
		name string
		in   []byte
		want []*x509.Certificate // nil wants an error
	}{
		{name: "PEM", in: pemA, want: []*x509.Certificate{a}},
		{name: "two PEM", in: cat(pemA, pemB), want: []*x509.Certificate{a, b}},
		{name: "PEM with text and a key", in: cat([]byte("Bag Attributes\n  friendlyName: idp\n"), pemA, keyPEM, []byte("subject=CN=x\n"), pemB, []byte("trailer")), want: []*x509.Certificate{a, b}},
		{name: "PEM with CRLF", in: bytes.ReplaceAll(pemA, []byte("\n"), []byte("\r\n")), want: []*x509.Certificate{a}},
		{name: "base64", in: []byte(b64A), want: []*x509.Certificate{a}},
		{name: "base64 wrapped as in metadata", in: []byte(wrap(b64A, 64)), want: []*x509.Certificate{a}},
		{name: "base64 of two DER", in: []byte(base64.StdEncoding.EncodeToString(cat(a.Raw, b.Raw))), want: []*x509.Certificate{a, b}},
		{name: "DER", in: a.Raw, want: []*x509.Certificate{a}},
		{name: "two DER", in: cat(a.Raw, b.Raw), want: []*x509.Certificate{a, b}},
		{name: "empty"},
		{name: "whitespace", in: []byte(" \n\t ")},
		{name: "text", in: []byte("hello, world")},
		{name: "binary", in: []byte{0, 1, 2, 0xff, 0xfe}},
		{name: "PEM key only", in: keyPEM},
		{name: "PEM with bad base64", in: []byte("-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n")},
		{name: "PEM of junk DER", in: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("junk")})},
		{name: "PEM without end", in: pemA[:len(pemA)/2]},
		{name: "base64 of junk", in: []byte(base64.StdEncoding.EncodeToString([]byte("junk junk junk")))},
		{name: "truncated base64", in: []byte(b64A[:len(b64A)-7])},
		{name: "truncated DER", in: a.Raw[:len(a.Raw)-1]},
		{name: "DER with trailing junk", in: cat(a.Raw, []byte{0x30, 0x01})},
		{name: "DER header only", in: []byte{0x30}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := certs.ReadCertificates(tt.in)
			if tt.want == nil {
				if err == nil {
					t.Fatalf("ReadCertificates succeeded with %d certificates, want an error", len(got))
				}
				return
			}
			if err != nil {
				t.Fatalf("ReadCertificates: %v", err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d certificates, want %d", len(got), len(tt.want))
			}
			for i := range got {
				if !got[i].Equal(tt.want[i]) {
					t.Errorf("certificate %d differs", i)
				}
			}
		})
	}
}

func FuzzReadCertificates(f *testing.F) {
	kp, err := sharedKeyPair()
	if err != nil {
		f.Fatal(err)
	}
	pemA := certs.EncodeCertificatePEM(kp.Cert)
	f.Add(pemA)
	f.Add(kp.Cert.Raw)
	f.Add([]byte(base64.StdEncoding.EncodeToString(kp.Cert.Raw)))
	f.Add(pemA[:100])
	f.Add([]byte("-----BEGIN"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := certs.ReadCertificates(data)
		if err == nil && len(got) == 0 {
			t.Error("no error and no certificate")
		}
	})
}

func TestLoadOrCreate(t *testing.T) {
	skipOnWindows(t)
	dir := filepath.Join(t.TempDir(), "state")
	opts := window(-day, 365*day)

	first, created, err := certs.LoadOrCreate(dir, opts)
	if err != nil || !created {
		t.Fatalf("first LoadOrCreate = created %v, %v; want created, no error", created, err)
	}
	checkMode(t, filepath.Join(dir, certs.KeyFile), 0o600)

	second, created, err := certs.LoadOrCreate(dir, opts)
	if err != nil || created {
		t.Fatalf("second LoadOrCreate = created %v, %v; want loaded, no error", created, err)
	}
	if first.Key.N.Cmp(second.Key.N) != 0 {
		t.Error("second LoadOrCreate returned another key (modulus differs)")
	}
	if !first.Cert.Equal(second.Cert) {
		t.Error("second LoadOrCreate returned another certificate")
	}

	t.Run("only a certificate", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, certs.CertFile), certs.EncodeCertificatePEM(first.Cert), 0o644)
		kp, created, err := certs.LoadOrCreate(dir, opts)
		if err != nil || !created {
			t.Fatalf("LoadOrCreate = created %v, %v; want created, no error", created, err)
		}
		if kp.Key.N.Cmp(first.Key.N) == 0 {
			t.Error("LoadOrCreate reused a key it cannot have read")
		}
		if _, err := certs.Load(filepath.Join(dir, certs.KeyFile), filepath.Join(dir, certs.CertFile)); err != nil {
			t.Errorf("Load after LoadOrCreate: %v", err)
		}
	})

	t.Run("only a key", func(t *testing.T) {
		dir := t.TempDir()
		key := []byte("precious key")
		writeFile(t, filepath.Join(dir, certs.KeyFile), key, 0o600)
		if _, _, err := certs.LoadOrCreate(dir, opts); err == nil || !strings.Contains(err.Error(), "restore the certificate") {
			t.Errorf("LoadOrCreate error = %v, want one about the missing certificate", err)
		}
		if got, _ := os.ReadFile(filepath.Join(dir, certs.KeyFile)); !bytes.Equal(got, key) {
			t.Error("LoadOrCreate replaced a lone key")
		}
	})

	t.Run("insecure key is not replaced", func(t *testing.T) {
		dir := t.TempDir()
		if _, _, err := first.WriteFiles(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Join(dir, certs.KeyFile), 0o644); err != nil {
			t.Fatal(err)
		}
		var me *certs.KeyModeError
		if _, _, err := certs.LoadOrCreate(dir, opts); !errors.As(err, &me) {
			t.Errorf("LoadOrCreate error = %v, want a *KeyModeError", err)
		}
	})

	t.Run("invalid options", func(t *testing.T) {
		if _, _, err := certs.LoadOrCreate(t.TempDir(), certs.Options{}); !errors.Is(err, certs.ErrInvalidOptions) {
			t.Errorf("LoadOrCreate error = %v, want ErrInvalidOptions", err)
		}
	})
}
