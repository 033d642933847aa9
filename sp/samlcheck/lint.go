package samlcheck

import (
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"strings"
	"time"
)

// Severity says whether a Finding makes IAM refuse the document.
type Severity string

// Severities.
const (
	// SeverityError: IAM refuses the metadata (CreateSAMLProvider fails).
	SeverityError Severity = "error"
	// SeverityWarning: IAM accepts it, but federation is fragile or will
	// fail (expiring certificate, wrong entityID, weak key).
	SeverityWarning Severity = "warning"
)

// Rules for lint warnings (Finding.Rule); error findings use the
// RuleMetadata* rules of ParseMetadata.
const (
	RuleLintCertExpired      = "certificate-expired"
	RuleLintCertExpiring     = "certificate-expiring"
	RuleLintCertNotYetValid  = "certificate-not-yet-valid"
	RuleLintSingleSigningKey = "single-signing-certificate"
	RuleLintSHA1Cert         = "certificate-sha1"
	RuleLintWeakKey          = "weak-key"
	RuleLintSeveralEntities  = "several-entities"
	RuleLintHTTPEndpoint     = "http-endpoint"
	RuleLintEntityID         = "entity-id-mismatch"
	RuleLintValidUntil       = "valid-until-passed"
)

// DefaultExpiryWarning is how long before notAfter Lint starts warning.
const DefaultExpiryWarning = 30 * 24 * time.Hour

// LintOptions tunes Lint. The zero value is ready for use.
type LintOptions struct {
	// ExpiryWarning is how long before a certificate's notAfter Lint warns;
	// 0 means DefaultExpiryWarning (30 days).
	ExpiryWarning time.Duration
	// Issuer, if not empty, is the Issuer the IdP puts in its responses;
	// Lint warns when no IdP entity has it as entityID (STS would answer
	// "Issuer not present in specified provider" [R7]).
	Issuer string
}

// Finding is one lint result. Line and Column are 1-based positions in the
// document, 0 when unknown.
type Finding struct {
	Severity Severity
	Rule     string
	Line     int
	Column   int
	Message  string
	Fix      string

	err *Error // the IAM error for error findings
}

// Lint reports whether IAM would accept doc and how healthy it is at now.
//
// Error findings are the reasons ParseMetadata refuses the document (the
// first of them is the one ParseMetadata returns); Lint goes on past the
// first where it can. Warnings cover what IAM accepts but breaks or weakens
// federation: signing certificates expired or expiring within
// opts.ExpiryWarning (Failure Mode 2), not yet valid, only one signing
// certificate (no rollover), SHA-1 certificate signatures, RSA keys under
// 2048 bits, several EntityDescriptors, plain-HTTP SSO endpoints, a past
// validUntil and an entityID other than opts.Issuer. Findings come in
// document order within each kind; Lint never returns nil findings for a
// document IAM refuses.
func Lint(doc []byte, now time.Time, opts LintOptions) []Finding {
	window := opts.ExpiryWarning
	if window == 0 {
		window = DefaultExpiryWarning
	}
	md, fs := inspectMetadata(doc)
	if md == nil {
		return fs
	}
	warn := func(rule string, p Pos, fix, format string, args ...any) {
		fs = append(fs, Finding{Severity: SeverityWarning, Rule: rule, Line: p.Line, Column: p.Column,
			Message: fmt.Sprintf(format, args...), Fix: fix})
	}
	if md.Entities > 1 {
		warn(RuleLintSeveralEntities, Pos{}, "upload a document with only the IdP's EntityDescriptor",
			"metadata has %d EntityDescriptors (%d IdP); IAM's handling of several entities is undocumented", md.Entities, len(md.IdPs))
	}
	matched := false
	for _, idp := range md.IdPs {
		if opts.Issuer != "" && idp.EntityID == opts.Issuer {
			matched = true
		}
		if !idp.ValidUntil.IsZero() && !now.Before(idp.ValidUntil) {
			warn(RuleLintValidUntil, idp.Pos, "download fresh metadata from the IdP",
				"entity %q: validUntil %s has passed", idp.EntityID, idp.ValidUntil.Format(time.RFC3339))
		}
		signing := idp.SigningCertificates()
		if len(signing) == 1 {
			warn(RuleLintSingleSigningKey, signing[0].Pos, "before rotating, upload metadata with both the current and the next signing certificate",
				"entity %q has one signing certificate: rotating it needs a metadata update at the same moment", idp.EntityID)
		}
		for _, c := range signing {
			lintCert(c, now, window, warn)
		}
		for _, e := range idp.SSO {
			if strings.HasPrefix(strings.ToLower(e.Location), "http://") {
				warn(RuleLintHTTPEndpoint, e.Pos, "serve the IdP over HTTPS",
					"SingleSignOnService %s is plain HTTP", e.Location)
			}
		}
	}
	if opts.Issuer != "" && !matched && len(md.IdPs) > 0 {
		warn(RuleLintEntityID, md.IdPs[0].Pos, "make the IdP's Issuer and the metadata entityID identical",
			"no entityID equals the issuer %q (have %q): STS would answer %q", opts.Issuer, md.EntityID, "Issuer not present in specified provider")
	}
	return fs
}

func lintCert(c Certificate, now time.Time, window time.Duration, warn func(rule string, p Pos, fix, format string, args ...any)) {
	x := c.Cert
	name := x.Subject.String()
	switch {
	case now.After(x.NotAfter):
		warn(RuleLintCertExpired, c.Pos, "issue a new signing certificate, add it to the metadata and switch the IdP to it",
			"signing certificate %q expired on %s (Failure Mode 2: AWS may refuse its signatures)", name, x.NotAfter.UTC().Format(time.RFC3339))
	case x.NotAfter.Sub(now) <= window:
		warn(RuleLintCertExpiring, c.Pos, "add the next signing certificate to the metadata now, then switch the IdP",
			"signing certificate %q expires on %s, in %d days", name, x.NotAfter.UTC().Format(time.RFC3339), int(x.NotAfter.Sub(now).Hours()/24))
	case now.Before(x.NotBefore):
		warn(RuleLintCertNotYetValid, c.Pos, "check the IdP's clock and the certificate's notBefore",
			"signing certificate %q is valid only from %s", name, x.NotBefore.UTC().Format(time.RFC3339))
	}
	switch x.SignatureAlgorithm {
	case x509.SHA1WithRSA, x509.ECDSAWithSHA1, x509.DSAWithSHA1, x509.MD5WithRSA, x509.MD2WithRSA:
		warn(RuleLintSHA1Cert, c.Pos, "reissue the certificate with SHA-256",
			"signing certificate %q is signed with %s", name, x.SignatureAlgorithm)
	}
	if k, ok := x.PublicKey.(*rsa.PublicKey); ok && k.N.BitLen() < 2048 {
		warn(RuleLintWeakKey, c.Pos, "reissue the signing certificate with a 2048-bit or larger RSA key",
			"signing certificate %q has a %d-bit RSA key", name, k.N.BitLen())
	}
}
