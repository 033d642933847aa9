package certs

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// File names inside the directory that WriteFiles, LoadOrCreate and the
// breakglass CLI use for a key pair.
const (
	KeyFile  = "signing.key"
	CertFile = "signing.crt"
)

// PEM block types, verbatim from RFC 7468 (sections 5 and 10) and, for
// PKCS #1 keys, from OpenSSL's traditional format.
const (
	pemCertificate  = "CERTIFICATE"
	pemPKCS8Key     = "PRIVATE KEY"
	pemPKCS1Key     = "RSA PRIVATE KEY"
	pemEncryptedKey = "ENCRYPTED PRIVATE KEY"
)

// File modes of what WriteFiles creates.
const (
	dirMode  fs.FileMode = 0o700
	keyMode  fs.FileMode = 0o600
	certMode fs.FileMode = 0o644
)

// KeyModeError is returned by Load when the private key file can be read or
// written by its group or by others (checked on Unix-like systems only).
type KeyModeError struct {
	Path string
	Mode fs.FileMode // permission bits of the file
}

// Error says which file is exposed and how to fix it.
func (e *KeyModeError) Error() string {
	return fmt.Sprintf("key file %s is open to group or others (mode %04o); run chmod 600 %s", e.Path, e.Mode.Perm(), e.Path)
}

// WriteFiles stores kp in dir as KeyFile (the key as PKCS #8 "PRIVATE KEY"
// PEM, mode 0600) and CertFile (the certificate as PEM, mode 0644),
// replacing existing files of those names, and returns both paths. dir is
// created with mode 0700 if missing; an existing dir keeps its mode.
//
// Each file is written to a temporary file in dir, synced and renamed into
// place, so a reader never sees a partial file and the key is never
// readable by others, whatever the umask or the mode of a file it
// replaces. The certificate is written first: a crash in between leaves a
// certificate without its key, which LoadOrCreate replaces, rather than a
// key without its certificate.
func (kp *KeyPair) WriteFiles(dir string) (keyPath, certPath string, err error) {
	if kp == nil || kp.Key == nil || kp.Cert == nil {
		return "", "", errors.New("write key pair: key pair is incomplete")
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(kp.Key)
	if err != nil {
		return "", "", fmt.Errorf("write key pair: encode private key: %w", err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: pemPKCS8Key, Bytes: keyDER})
	dirExisted, err := exists(dir)
	if err != nil {
		return "", "", fmt.Errorf("write key pair: %w", err)
	}
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return "", "", fmt.Errorf("write key pair: %w", err)
	}
	if !dirExisted {
		// MkdirAll applies the umask; the mode we promise must not
		// depend on it.
		if err := os.Chmod(dir, dirMode); err != nil {
			return "", "", fmt.Errorf("write key pair: %w", err)
		}
	}
	keyPath = filepath.Join(dir, KeyFile)
	certPath = filepath.Join(dir, CertFile)
	if err := writeFileAtomic(certPath, EncodeCertificatePEM(kp.Cert), certMode); err != nil {
		return "", "", fmt.Errorf("write key pair: %w", err)
	}
	if err := writeFileAtomic(keyPath, keyPEM, keyMode); err != nil {
		return "", "", fmt.Errorf("write key pair: %w", err)
	}
	return keyPath, certPath, nil
}

// writeFileAtomic replaces path with data, giving it exactly mode perm.
func writeFileAtomic(path string, data []byte, perm fs.FileMode) (err error) {
	// CreateTemp opens the file with mode 0600, so the key is private
	// from its first byte.
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	// Chmod rather than a mode at creation: the umask must neither widen
	// nor narrow what the caller asked for.
	if err := f.Chmod(perm); err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// Load reads a key pair from keyPath (an RSA key as PKCS #8 "PRIVATE KEY"
// or PKCS #1 "RSA PRIVATE KEY" PEM, unencrypted) and certPath (read with
// ReadCertificates; the first certificate is the key's). It fails if the
// certificate's public key is not the private key's, and, on Unix-like
// systems, with a *KeyModeError if the key file is accessible to its group
// or others. Load does not check the certificate's validity window or the
// key size: inspect the result for that.
func Load(keyPath, certPath string) (*KeyPair, error) {
	key, err := loadKey(keyPath)
	if err != nil {
		return nil, fmt.Errorf("load key pair: %w", err)
	}
	data, err := os.ReadFile(certPath)
	if err != nil {
		return nil, fmt.Errorf("load key pair: %w", err)
	}
	certs, err := ReadCertificates(data)
	if err != nil {
		return nil, fmt.Errorf("load key pair: %s: %w", certPath, err)
	}
	cert := certs[0]
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("load key pair: certificate %s holds a %v key, not RSA", certPath, cert.PublicKeyAlgorithm)
	}
	if !pub.Equal(&key.PublicKey) {
		return nil, fmt.Errorf("load key pair: certificate %s does not match private key %s (different public key)", certPath, keyPath)
	}
	return &KeyPair{Key: key, Cert: cert}, nil
}

// loadKey reads and parses the RSA private key at path, refusing a file
// that others can access.
func loadKey(path string) (*rsa.PrivateKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("key file %s is a directory", path)
	}
	// Windows has no Unix permission bits; Go reports 0666 or 0444 there.
	if runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		return nil, &KeyModeError{Path: path, Mode: st.Mode().Perm()}
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(f); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	key, err := parseKey(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	return key, nil
}

// parseKey returns the RSA key of the first private key PEM block in data.
func parseKey(data []byte) (*rsa.PrivateKey, error) {
	var seen []string
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		switch block.Type {
		case pemPKCS8Key:
			k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("parse PKCS #8 private key: %w", err)
			}
			rk, ok := k.(*rsa.PrivateKey)
			if !ok {
				return nil, fmt.Errorf("private key is %T, not an RSA key", k)
			}
			return rk, nil
		case pemPKCS1Key:
			// RFC 1421 headers (Proc-Type: 4,ENCRYPTED) mark a legacy
			// encrypted key, which ParsePKCS1PrivateKey would misread.
			if len(block.Headers) > 0 {
				return nil, errors.New("encrypted private keys are not supported; decrypt it with openssl rsa")
			}
			k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("parse PKCS #1 private key: %w", err)
			}
			return k, nil
		case pemEncryptedKey:
			return nil, errors.New("encrypted private keys are not supported; decrypt it with openssl pkey")
		}
		seen = append(seen, block.Type)
	}
	if len(seen) > 0 {
		return nil, fmt.Errorf("no %q or %q PEM block (found %s)", pemPKCS8Key, pemPKCS1Key, strings.Join(seen, ", "))
	}
	return nil, fmt.Errorf("no %q or %q PEM block", pemPKCS8Key, pemPKCS1Key)
}

// ReadCertificates parses every certificate in data, which is one of:
//   - PEM: one or more "CERTIFICATE" blocks; other blocks and text around
//     them (such as OpenSSL's "Bag Attributes") are skipped;
//   - base64 of DER, as in the <ds:X509Certificate> element of SAML
//     metadata, with any whitespace;
//   - DER, one certificate or several concatenated.
//
// It returns at least one certificate or an error; it never panics on
// malformed input.
func ReadCertificates(data []byte) ([]*x509.Certificate, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, errors.New("no certificate found: input is empty")
	}
	if bytes.Contains(data, []byte("-----BEGIN")) {
		return readPEMCertificates(data)
	}
	// A DER certificate is an ASN.1 SEQUENCE (0x30), a byte that is not
	// in the base64 alphabet, so the two forms cannot be confused.
	if trimmed[0] == 0x30 {
		certs, err := x509.ParseCertificates(data)
		if err != nil {
			return nil, fmt.Errorf("parse DER certificate: %w", err)
		}
		return nonEmpty(certs)
	}
	der, err := base64.StdEncoding.DecodeString(stripSpace(trimmed))
	if err != nil {
		return nil, fmt.Errorf("no certificate found: input is neither PEM, DER nor base64: %w", err)
	}
	certs, err := x509.ParseCertificates(der)
	if err != nil {
		return nil, fmt.Errorf("parse base64 DER certificate: %w", err)
	}
	return nonEmpty(certs)
}

func readPEMCertificates(data []byte) ([]*x509.Certificate, error) {
	var (
		certs []*x509.Certificate
		seen  []string
	)
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != pemCertificate {
			seen = append(seen, block.Type)
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse PEM certificate %d: %w", len(certs)+1, err)
		}
		certs = append(certs, cert)
	}
	if len(certs) > 0 {
		return certs, nil
	}
	if len(seen) > 0 {
		return nil, fmt.Errorf("no CERTIFICATE PEM block found (found %s)", strings.Join(seen, ", "))
	}
	return nil, errors.New("no certificate found: malformed PEM")
}

func nonEmpty(certs []*x509.Certificate) ([]*x509.Certificate, error) {
	if len(certs) == 0 {
		return nil, errors.New("no certificate found")
	}
	return certs, nil
}

// stripSpace removes the whitespace that XML and line-wrapped base64 put
// between characters.
func stripSpace(b []byte) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\n', '\r', '\f', '\v':
			return -1
		}
		return r
	}, string(b))
}

// EncodeCertificatePEM returns cert.Raw as a "CERTIFICATE" PEM block.
func EncodeCertificatePEM(cert *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: pemCertificate, Bytes: cert.Raw})
}

// LoadOrCreate returns the key pair stored in dir, creating it on first use:
// if dir holds both KeyFile and CertFile it returns Load's result (created
// false, opts unused); if it holds neither, or only a certificate (the
// trace of an interrupted WriteFiles), it stores New(opts) with WriteFiles
// and returns it with created true. A key without its certificate is an
// error rather than overwritten: a private key is never silently replaced.
// This is how the drill IdP keeps one key across runs.
func LoadOrCreate(dir string, opts Options) (kp *KeyPair, created bool, err error) {
	keyPath := filepath.Join(dir, KeyFile)
	certPath := filepath.Join(dir, CertFile)
	keyExists, err := exists(keyPath)
	if err != nil {
		return nil, false, fmt.Errorf("load or create key pair: %w", err)
	}
	certExists, err := exists(certPath)
	if err != nil {
		return nil, false, fmt.Errorf("load or create key pair: %w", err)
	}
	switch {
	case keyExists && certExists:
		kp, err := Load(keyPath, certPath)
		return kp, false, err
	case keyExists:
		return nil, false, fmt.Errorf("load or create key pair: %s exists but %s does not; restore the certificate or remove the key", keyPath, certPath)
	}
	kp, err = New(opts)
	if err != nil {
		return nil, false, fmt.Errorf("load or create key pair: %w", err)
	}
	if _, _, err := kp.WriteFiles(dir); err != nil {
		return nil, false, fmt.Errorf("load or create key pair: %w", err)
	}
	return kp, true, nil
}

func exists(path string) (bool, error) {
	_, err := os.Lstat(path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	default:
		return false, err
	}
}
