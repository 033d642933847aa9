package samlcheck

import (
	"encoding/base64"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// Run the fuzz targets with a short -fuzzminimizetime (e.g.
// go test -fuzz FuzzVerify -fuzztime 30s -fuzzminimizetime 2s): the seeds
// are several kilobytes, and the default 60 s minimization of each new
// input stalls the workers and reports 0 execs/sec.

// FuzzVerify feeds arbitrary response documents to Verify: it must not
// panic, must return an *Error or a result, never both, and whatever it
// accepts must carry the values xmlsec1 signed (the fuzzer cannot forge a
// signature). Verify's one-pass XML rules must refuse whatever the
// encoding/xml safety scan refuses.
func FuzzVerify(f *testing.F) {
	for _, name := range []string{
		"response-assertion-signed.xml", "response-both-signed.xml", "response-response-signed.xml",
		"response-assertion-signed-with-comments.xml", "response-assertion-signed-sha1.xml",
	} {
		f.Add(readFile(f, filepath.Join("testdata", name)))
	}
	files, _ := filepath.Glob(filepath.Join(corpus, "responses", "*.xml"))
	for _, file := range files {
		f.Add(readFile(f, file))
	}
	for _, tc := range xmlCases {
		f.Add([]byte(tc.doc))
	}
	p := provider(f, "metadata-idp.xml")
	f.Fuzz(func(t *testing.T, doc []byte) {
		// Verify parses with the tree rules alone (parseTree); they must
		// refuse whatever scanXML refuses.
		if d, err := readTree(doc); err == nil && checkTree(d, nil) == nil {
			if _, err := scanXML(doc); err != nil {
				t.Fatalf("the tree rules accept a document scanXML refuses: %v", err)
			}
		}
		req := Request{SAMLAssertion: base64.StdEncoding.EncodeToString(doc), RoleARN: testRoleOps, PrincipalARN: testProvider}
		start := time.Now()
		res, steps, err := Verify(req, p, testNow, Settings{})
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("Verify took %s", d)
		}
		if len(steps) != len(CheckOrder()) {
			t.Errorf("got %d steps, want %d", len(steps), len(CheckOrder()))
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || res != nil {
				t.Fatalf("got (%v, %v), want nil result and *Error", res, err)
			}
			return
		}
		if res == nil {
			t.Fatal("got nil result and nil error")
		}
		// Only comment or whitespace edits of signed fixtures can pass; the
		// values read must then be the signed ones.
		if res.Subject != "admin.evil" || res.RoleSessionName != "admin.evil" || res.Issuer != testIssuer {
			t.Fatalf("accepted a document with Subject %q, RoleSessionName %q, Issuer %q", res.Subject, res.RoleSessionName, res.Issuer)
		}
	})
}

// FuzzParseMetadata feeds arbitrary documents to ParseMetadata and Lint:
// no panic, bounded time, and Lint reports an error iff ParseMetadata
// refuses.
func FuzzParseMetadata(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(corpus, "metadata", "*.xml"))
	for _, file := range files {
		if b := readFile(f, file); len(b) < 12_000 {
			f.Add(b)
		}
	}
	f.Add(readFile(f, filepath.Join("testdata", "metadata-idp.xml")))
	f.Fuzz(func(t *testing.T, doc []byte) {
		start := time.Now()
		md, err := ParseMetadata(doc)
		fs := Lint(doc, testNow, LintOptions{Issuer: testIssuer})
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("ParseMetadata and Lint took %s", d)
		}
		lintErr := false
		for _, f := range fs {
			if f.Severity == SeverityError {
				lintErr = true
			}
		}
		if (err != nil) != lintErr {
			t.Fatalf("ParseMetadata error %v, Lint errors %v: want agreement", err, lintErr)
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || md != nil {
				t.Fatalf("got (%v, %v), want nil metadata and *Error", md, err)
			}
			return
		}
		if md == nil || len(md.IdPs) == 0 || len(md.IdPs) > MaxIdPsPerProvider {
			t.Fatalf("got %+v, want 1-%d IdPs", md, MaxIdPsPerProvider)
		}
		for _, idp := range md.IdPs {
			if len(idp.SigningCertificates()) == 0 || idp.EntityID == "" {
				t.Fatalf("accepted IdP %+v without entityID or signing certificate", idp)
			}
		}
	})
}
