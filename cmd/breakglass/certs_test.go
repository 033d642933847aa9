package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/breakglass-dev/breakglass/certs"
)

// certsNow is the fixed clock of these tests.
var certsNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type certsResult struct {
	code           int
	stdout, stderr string
}

// certsRun runs breakglass with args, stdin and the clock fixed at now.
func certsRun(t *testing.T, now time.Time, stdin string, args ...string) certsResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := map[string]string{"HOME": t.TempDir()}
	c := &cli{
		stdin:  strings.NewReader(stdin),
		stdout: &stdout,
		stderr: &stderr,
		getenv: func(k string) string { return env[k] },
		now:    func() time.Time { return now },
	}
	code := c.main(t.Context(), args)
	return certsResult{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// inspectJSON runs certs inspect --format json on path at now and decodes
// its output.
func inspectJSON(t *testing.T, now time.Time, path string, args ...string) ([]certs.Info, certsResult) {
	t.Helper()
	r := certsRun(t, now, "", append([]string{"certs", "inspect", path, "--format", "json"}, args...)...)
	var infos []certs.Info
	if err := json.Unmarshal([]byte(r.stdout), &infos); err != nil {
		t.Fatalf("certs inspect --format json printed invalid JSON (%v):\n%s\nstderr:\n%s", err, r.stdout, r.stderr)
	}
	return infos, r
}

// certsTestKey is one key pair shared by the tests that only need a
// certificate file, so that they do not each generate an RSA key.
var certsTestKey = sync.OnceValues(func() (*certs.KeyPair, error) {
	return certs.New(certs.Options{NotBefore: certsNow.Add(-time.Hour), NotAfter: certsNow.Add(90 * 24 * time.Hour)})
})

// certFile writes the shared key's certificate for [from, to] around
// certsNow, encoded by encode, to a new file and returns its path.
func certFile(t *testing.T, from, to time.Duration, encode func(*certs.KeyPair) []byte) string {
	t.Helper()
	kp, err := certsTestKey()
	if err != nil {
		t.Fatal(err)
	}
	kp, err = certs.Reissue(kp, certs.Options{NotBefore: certsNow.Add(from), NotAfter: certsNow.Add(to)})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "cert")
	if err := os.WriteFile(p, encode(kp), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func pemOf(kp *certs.KeyPair) []byte { return certs.EncodeCertificatePEM(kp.Cert) }

func checkFileMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	if runtime.GOOS == "windows" {
		return
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Mode().Perm(); got != want {
		t.Errorf("%s has mode %04o, want %04o", path, got, want)
	}
}

func TestCertsNewThenInspect(t *testing.T) {
	const d = 24 * time.Hour
	tests := []struct {
		name        string
		args        []string // after certs new --out DIR
		subject     string
		bits        int
		notBefore   time.Time
		notAfter    time.Time
		status      string
		daysLeft    int
		inspectArgs []string
		inspectCode int
	}{
		{
			name: "default", subject: "CN=" + certs.DefaultCommonName, bits: 2048,
			notBefore: certsNow.Add(-5 * time.Minute), notAfter: certsNow.Add(365 * d),
			status: certs.StatusValid, daysLeft: 365, inspectCode: exitOK,
		},
		{
			name: "expired", args: []string{"--days", "-1"},
			notBefore: certsNow.Add(-366 * d), notAfter: certsNow.Add(-d),
			status: certs.StatusExpired, daysLeft: -1, inspectCode: exitFailed,
		},
		{
			name: "expired 30 days ago", args: []string{"--days=-30"},
			notBefore: certsNow.Add(-395 * d), notAfter: certsNow.Add(-30 * d),
			status: certs.StatusExpired, daysLeft: -30, inspectCode: exitFailed,
		},
		{
			name: "not yet valid", args: []string{"--not-before", "+2d", "--not-after", "+400d"},
			notBefore: certsNow.Add(2 * d), notAfter: certsNow.Add(400 * d),
			status: certs.StatusNotYetValid, daysLeft: 400, inspectCode: exitFailed,
		},
		{
			name: "7 days", args: []string{"--days", "7"},
			notBefore: certsNow.Add(-5 * time.Minute), notAfter: certsNow.Add(7 * d),
			status: certs.StatusValid, daysLeft: 7, inspectCode: exitOK,
		},
		{
			name: "7 days, warn 6", args: []string{"--days", "7"}, inspectArgs: []string{"--warn-days", "6"},
			notBefore: certsNow.Add(-5 * time.Minute), notAfter: certsNow.Add(7 * d),
			status: certs.StatusValid, daysLeft: 7, inspectCode: exitOK,
		},
		{
			name: "7 days, warn 7", args: []string{"--days", "7"}, inspectArgs: []string{"--warn-days", "7"},
			notBefore: certsNow.Add(-5 * time.Minute), notAfter: certsNow.Add(7 * d),
			status: certs.StatusValid, daysLeft: 7, inspectCode: exitFailed,
		},
		{
			name: "7 days, warn 30", args: []string{"--days", "7"}, inspectArgs: []string{"--warn-days=30"},
			notBefore: certsNow.Add(-5 * time.Minute), notAfter: certsNow.Add(7 * d),
			status: certs.StatusValid, daysLeft: 7, inspectCode: exitFailed,
		},
		{
			name: "absolute window", args: []string{"--not-before", "2026-01-01", "--not-after", "2026-06-01T02:00:00+02:00"},
			notBefore: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), notAfter: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC),
			status: certs.StatusValid, daysLeft: 91, inspectCode: exitOK,
		},
		{
			name: "hours and minutes", args: []string{"--not-before", "-2h", "--not-after", "15m"},
			notBefore: certsNow.Add(-2 * time.Hour), notAfter: certsNow.Add(15 * time.Minute),
			status: certs.StatusValid, daysLeft: 0, inspectCode: exitOK,
		},
		{
			name: "3072 bits and a name", args: []string{"--bits", "3072", "--cn", "Okta drill"},
			subject: "CN=Okta drill", bits: 3072,
			notBefore: certsNow.Add(-5 * time.Minute), notAfter: certsNow.Add(365 * d),
			status: certs.StatusValid, daysLeft: 365, inspectCode: exitOK,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "k")
			r := certsRun(t, certsNow, "", append([]string{"certs", "new", "--out", out}, tt.args...)...)
			if r.code != exitOK {
				t.Fatalf("certs new exit %d, want 0; stderr:\n%s", r.code, r.stderr)
			}
			keyPath, certPath := filepath.Join(out, certs.KeyFile), filepath.Join(out, certs.CertFile)
			for _, want := range []string{keyPath, certPath, "Status:              " + tt.status} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("certs new output lacks %q:\n%s", want, r.stdout)
				}
			}
			if strings.Contains(r.stdout, "PRIVATE") {
				t.Errorf("certs new printed the private key:\n%s", r.stdout)
			}
			checkFileMode(t, keyPath, 0o600)
			checkFileMode(t, certPath, 0o644)
			checkFileMode(t, out, 0o700)
			if _, err := certs.Load(keyPath, certPath); err != nil {
				t.Errorf("Load what certs new wrote: %v", err)
			}

			infos, r := inspectJSON(t, certsNow, certPath, tt.inspectArgs...)
			if r.code != tt.inspectCode {
				t.Errorf("certs inspect --format json exit %d, want %d; stderr:\n%s", r.code, tt.inspectCode, r.stderr)
			}
			if len(infos) != 1 {
				t.Fatalf("inspect printed %d certificates, want 1", len(infos))
			}
			got := infos[0]
			if tt.subject != "" && got.Subject != tt.subject {
				t.Errorf("subject %q, want %q", got.Subject, tt.subject)
			}
			if tt.bits != 0 && got.KeyBits != tt.bits {
				t.Errorf("key bits %d, want %d", got.KeyBits, tt.bits)
			}
			if !got.NotBefore.Equal(tt.notBefore) || !got.NotAfter.Equal(tt.notAfter) {
				t.Errorf("validity %s to %s, want %s to %s", got.NotBefore, got.NotAfter, tt.notBefore, tt.notAfter)
			}
			if got.Status != tt.status || got.DaysLeft != tt.daysLeft {
				t.Errorf("status %q, %d days left; want %q, %d", got.Status, got.DaysLeft, tt.status, tt.daysLeft)
			}
			if !got.SelfSigned {
				t.Error("self_signed is false")
			}

			r = certsRun(t, certsNow, "", append([]string{"certs", "inspect", certPath}, tt.inspectArgs...)...)
			if r.code != tt.inspectCode {
				t.Errorf("certs inspect exit %d, want %d; stderr:\n%s", r.code, tt.inspectCode, r.stderr)
			}
			if want := "Status:              " + tt.status + "\n"; !strings.Contains(r.stdout, want) {
				t.Errorf("certs inspect output lacks %q:\n%s", want, r.stdout)
			}
			if tt.inspectCode == exitFailed && !strings.Contains(r.stderr, certPath) {
				t.Errorf("certs inspect failed without naming %s on stderr:\n%s", certPath, r.stderr)
			}
			if tt.inspectCode == exitOK && r.stderr != "" {
				t.Errorf("certs inspect passed but wrote to stderr:\n%s", r.stderr)
			}
		})
	}
}

func TestCertsInspectText(t *testing.T) {
	path := certFile(t, -time.Hour, 30*24*time.Hour, pemOf)
	r := certsRun(t, certsNow, "", "certs", "inspect", path)
	if r.code != exitOK {
		t.Fatalf("exit %d, want 0; stderr:\n%s", r.code, r.stderr)
	}
	keys := []string{"Subject", "Issuer", "Serial", "SHA-1", "SHA-256", "Key", "Signature algorithm", "Not before", "Not after", "Days left", "Status"}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != len(keys) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(keys), r.stdout)
	}
	const col = len("Signature algorithm: ") // values start in one column
	for i, line := range lines {
		if !strings.HasPrefix(line, keys[i]+":") {
			t.Errorf("line %d is %q, want key %q", i+1, line, keys[i])
		}
		if len(line) <= col || line[col-1] != ' ' || line[col] == ' ' {
			t.Errorf("line %d %q: value does not start at column %d", i+1, line, col+1)
		}
	}
	for _, want := range []string{
		"Issuer:              CN=breakglass drill IdP (self-signed)\n",
		"Key:                 RSA 2048 bits\n",
		"Signature algorithm: SHA256-RSA\n",
		"Not after:           2026-03-31T12:00:00Z\n",
		"Days left:           30\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestCertsInspectInputs(t *testing.T) {
	const d = 24 * time.Hour
	valid := certFile(t, -d, 30*d, pemOf)
	validPEM, err := os.ReadFile(valid)
	if err != nil {
		t.Fatal(err)
	}
	expiredPEM, err := os.ReadFile(certFile(t, -90*d, -d, pemOf))
	if err != nil {
		t.Fatal(err)
	}
	both := filepath.Join(t.TempDir(), "both.pem")
	if err := os.WriteFile(both, append(append([]byte{}, validPEM...), expiredPEM...), 0o644); err != nil {
		t.Fatal(err)
	}
	der := certFile(t, -d, 30*d, func(kp *certs.KeyPair) []byte { return kp.Cert.Raw })
	b64 := certFile(t, -d, 30*d, func(kp *certs.KeyPair) []byte {
		return []byte("\n  " + base64.StdEncoding.EncodeToString(kp.Cert.Raw) + "\n")
	})
	keyDir := t.TempDir()
	kp, err := certsTestKey()
	if err != nil {
		t.Fatal(err)
	}
	keyPath, _, err := kp.WriteFiles(keyDir)
	if err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(t.TempDir(), "garbage")
	if err := os.WriteFile(garbage, []byte("this is not a certificate\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		args   []string // after certs inspect
		stdin  string
		code   int
		count  int    // certificates in the JSON output, for exit codes 0 and 1
		stderr string // substring of stderr
	}{
		{name: "PEM", args: []string{valid}, code: exitOK, count: 1},
		{name: "DER", args: []string{der}, code: exitOK, count: 1},
		{name: "base64", args: []string{b64}, code: exitOK, count: 1},
		{name: "stdin", args: []string{"-"}, stdin: string(validPEM), code: exitOK, count: 1},
		{name: "valid and expired", args: []string{both}, code: exitFailed, count: 2, stderr: "certificate 2 (CN=breakglass drill IdP) expired at"},
		{name: "expired on stdin", args: []string{"-"}, stdin: string(expiredPEM), code: exitFailed, count: 1, stderr: "standard input: certificate 1"},
		{name: "garbage", args: []string{garbage}, code: exitUsage, stderr: "no certificate found"},
		{name: "garbage on stdin", args: []string{"-"}, stdin: "garbage", code: exitUsage, stderr: "standard input: no certificate found"},
		{name: "empty stdin", args: []string{"-"}, code: exitUsage, stderr: "input is empty"},
		{name: "key file", args: []string{keyPath}, code: exitUsage, stderr: "found PRIVATE KEY"},
		{name: "missing file", args: []string{filepath.Join(keyDir, "nope.crt")}, code: exitUsage, stderr: "no such file"},
		{name: "directory", args: []string{keyDir}, code: exitUsage, stderr: "is a directory"},
		{name: "no file", code: exitUsage, stderr: "want one FILE"},
		{name: "two files", args: []string{valid, der}, code: exitUsage, stderr: "got 2 arguments"},
		{name: "bad format", args: []string{valid, "--format", "xml"}, code: exitUsage, stderr: `--format must be text or json, not "xml"`},
		{name: "negative warn days", args: []string{valid, "--warn-days", "-1"}, code: exitUsage, stderr: "--warn-days must be between 0"},
		{name: "unknown flag", args: []string{valid, "--bogus"}, code: exitUsage, stderr: "flag provided but not defined: -bogus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"certs", "inspect"}, tt.args...)
			r := certsRun(t, certsNow, tt.stdin, args...)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", r.code, tt.code, r.stderr)
			}
			if !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderr, r.stderr)
			}
			if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic") {
				t.Errorf("stderr shows a panic:\n%s", r.stderr)
			}
			if tt.code == exitUsage {
				return
			}
			r = certsRun(t, certsNow, tt.stdin, append(args, "--format", "json")...)
			var infos []certs.Info
			if err := json.Unmarshal([]byte(r.stdout), &infos); err != nil {
				t.Fatalf("invalid JSON (%v):\n%s", err, r.stdout)
			}
			if len(infos) != tt.count || r.code != tt.code {
				t.Errorf("JSON: %d certificates, exit %d; want %d, exit %d", len(infos), r.code, tt.count, tt.code)
			}
		})
	}

	t.Run("several certificates in text", func(t *testing.T) {
		r := certsRun(t, certsNow, "", "certs", "inspect", both)
		for _, want := range []string{"Certificate:         1 of 2\n", "\n\nCertificate:         2 of 2\n", "Status:              expired\n"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("output lacks %q:\n%s", want, r.stdout)
			}
		}
	})
}

func TestCertsNewUsage(t *testing.T) {
	tests := []struct {
		name   string
		args   []string // after certs new; "DIR" is replaced by a fresh --out
		stderr string   // substring of stderr
	}{
		{name: "no --out", args: []string{"--days", "7"}, stderr: "--out is required"},
		{name: "days with not-before", args: []string{"--out", "DIR", "--days", "7", "--not-before", "+1d", "--not-after", "+2d"}, stderr: "--days cannot be combined"},
		{name: "days with not-after", args: []string{"--out", "DIR", "--days=7", "--not-after", "+2d"}, stderr: "--days cannot be combined"},
		{name: "not-before alone", args: []string{"--out", "DIR", "--not-before", "+1d"}, stderr: "must be given together"},
		{name: "not-after alone", args: []string{"--out", "DIR", "--not-after", "+1d"}, stderr: "must be given together"},
		{name: "bad time", args: []string{"--out", "DIR", "--not-before", "tomorrow", "--not-after", "+2d"}, stderr: `--not-before: "tomorrow" is not`},
		{name: "both times bad", args: []string{"--out", "DIR", "--not-before", "x", "--not-after", "y"}, stderr: `--not-after: "y" is not`},
		{name: "window reversed", args: []string{"--out", "DIR", "--not-before", "+2d", "--not-after", "+1d"}, stderr: "is not after --not-before"},
		{name: "days 0", args: []string{"--out", "DIR", "--days", "0"}, stderr: "--days 0"},
		{name: "days too large", args: []string{"--out", "DIR", "--days", "1000000"}, stderr: "--days must be between"},
		{name: "days not a number", args: []string{"--out", "DIR", "--days", "seven"}, stderr: "invalid value"},
		{name: "bits 1000", args: []string{"--out", "DIR", "--bits", "1000"}, stderr: "not 1000"},
		{name: "bits 1024", args: []string{"--out", "DIR", "--bits", "1024"}, stderr: "1024-bit keys are weak"},
		{name: "extra argument", args: []string{"--out", "DIR", "extra"}, stderr: `unexpected argument "extra"`},
		{name: "unknown flag", args: []string{"--out", "DIR", "--weeks", "2"}, stderr: "flag provided but not defined"},
		{name: "every problem at once", args: []string{"extra", "--days", "0"}, stderr: "--out is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "k")
			args := []string{"certs", "new"}
			for _, a := range tt.args {
				args = append(args, strings.ReplaceAll(a, "DIR", out))
			}
			r := certsRun(t, certsNow, "", args...)
			if r.code != exitUsage {
				t.Errorf("exit %d, want %d; stderr:\n%s", r.code, exitUsage, r.stderr)
			}
			if !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderr, r.stderr)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("certs new created %s despite a usage error", out)
			}
		})
	}
}

func TestCertsNewExistingKey(t *testing.T) {
	out := t.TempDir()
	keyPath := filepath.Join(out, certs.KeyFile)
	if r := certsRun(t, certsNow, "", "certs", "new", "--out", out); r.code != exitOK {
		t.Fatalf("first certs new exit %d; stderr:\n%s", r.code, r.stderr)
	}
	first, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}

	r := certsRun(t, certsNow, "", "certs", "new", "--out", out, "--days", "-1")
	if r.code != exitUsage || !strings.Contains(r.stderr, "already exists; pass --force") {
		t.Errorf("second certs new exit %d, want %d with a hint at --force; stderr:\n%s", r.code, exitUsage, r.stderr)
	}
	if got, _ := os.ReadFile(keyPath); !bytes.Equal(got, first) {
		t.Error("certs new without --force replaced the key")
	}

	r = certsRun(t, certsNow, "", "certs", "new", "--out", out, "--days", "-1", "--force")
	if r.code != exitOK {
		t.Fatalf("certs new --force exit %d; stderr:\n%s", r.code, r.stderr)
	}
	kp, err := certs.Load(keyPath, filepath.Join(out, certs.CertFile))
	if err != nil {
		t.Fatalf("Load after --force: %v", err)
	}
	if got, _ := os.ReadFile(keyPath); bytes.Equal(got, first) {
		t.Error("certs new --force kept the old key")
	}
	checkFileMode(t, keyPath, 0o600)
	if got := certs.Inspect(kp.Cert, certsNow).Status; got != certs.StatusExpired {
		t.Errorf("status %q after --force --days -1, want expired", got)
	}
}

func TestCertsNewUnwritableOut(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r := certsRun(t, certsNow, "", "certs", "new", "--out", file)
	if r.code != exitUsage || !strings.Contains(r.stderr, file) {
		t.Errorf("exit %d, want %d naming %s; stderr:\n%s", r.code, exitUsage, file, r.stderr)
	}
}

func TestCertsHelp(t *testing.T) {
	for _, name := range []string{"new", "inspect"} {
		t.Run(name, func(t *testing.T) {
			r := certsRun(t, certsNow, "", "certs", name, "-h")
			if r.code != exitOK || !strings.Contains(r.stdout, "Usage: breakglass certs "+name) {
				t.Errorf("exit %d, want 0 with usage on stdout; stdout:\n%s", r.code, r.stdout)
			}
		})
	}
}

// TestCertsRealClock goes through run, as main does, with the real clock.
func TestCertsRealClock(t *testing.T) {
	out := t.TempDir()
	getenv := func(string) string { return "" }
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), []string{"certs", "new", "--out", out, "--days", "30"}, strings.NewReader(""), &stdout, &stderr, getenv)
	if code != exitOK {
		t.Fatalf("certs new exit %d; stderr:\n%s", code, stderr.String())
	}
	stdout.Reset()
	code = run(t.Context(), []string{"certs", "inspect", filepath.Join(out, certs.CertFile), "--warn-days", "29"}, strings.NewReader(""), &stdout, &stderr, getenv)
	if code != exitOK || !strings.Contains(stdout.String(), "Status:              valid") {
		t.Errorf("certs inspect exit %d, want 0 and a valid certificate; stdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
}

func TestParseTimeSpec(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 30, 0, 0, time.UTC)
	const d = 24 * time.Hour
	tests := []struct {
		in   string
		want time.Time // zero wants an error
	}{
		{in: "2026-01-02T15:04:05Z", want: time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)},
		{in: "2026-01-02T15:04:05+01:00", want: time.Date(2026, 1, 2, 14, 4, 5, 0, time.UTC)},
		{in: "2026-01-02", want: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)},
		{in: "now", want: now},
		{in: "-30d", want: now.Add(-30 * d)},
		{in: "+10d", want: now.Add(10 * d)},
		{in: "90d", want: now.Add(90 * d)},
		{in: "0d", want: now},
		{in: "-2h", want: now.Add(-2 * time.Hour)},
		{in: "15m", want: now.Add(15 * time.Minute)},
		{in: "+1h30m", want: now.Add(90 * time.Minute)},
		{in: ""},
		{in: "tomorrow"},
		{in: "30"},
		{in: "0"},
		{in: "d"},
		{in: "-d"},
		{in: "--5d"},
		{in: "+-5d"},
		{in: "5dd"},
		{in: "1.5d"},
		{in: "1e3d"},
		{in: "99999999d"},
		{in: "2026-13-01"},
		{in: "2026-01-02 15:04:05"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseTimeSpec(tt.in, now)
			if tt.want.IsZero() {
				if err == nil {
					t.Errorf("parseTimeSpec(%q) = %s, want an error", tt.in, got)
				}
				return
			}
			if err != nil || !got.Equal(tt.want) {
				t.Errorf("parseTimeSpec(%q) = %s, %v; want %s", tt.in, got, err, tt.want)
			}
		})
	}
}
