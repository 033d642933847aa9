// Package samlcheck is the one implementation of AWS's SAML rules in
// breakglass: what IAM checks when a SAML provider's metadata is uploaded
// (CreateSAMLProvider, UpdateSAMLProvider) and what STS checks when a
// SAMLResponse is redeemed (AssumeRoleWithSAML, and the sign-in /saml
// endpoint that calls it). The emulator's IAM and STS, and the CLI's
// "metadata lint" and "explain", all call it, so they cannot disagree.
//
// The flow for metadata is ParseMetadata (IAM's verdict: a *Metadata or an
// *Error with AWS's code and text) and Lint (the same checks as findings with
// line and column, plus health warnings such as certificates near expiry).
//
// The flow for a response is Verify. It applies AWS's checks in a fixed,
// documented order (see Verify) and reports every check as a Step, so that
// "explain" can show which rule rejected a response. The first failing check
// ends verification with an *Error whose Code, Status and Message are what AWS
// returns and whose Rule names the check; the private cause (Unwrap) says why,
// for explain and logs, and is never part of the AWS message.
//
// The posted response is parsed once, by etree over encoding/xml in strict
// mode, and the XML safety rules (no DTD, no processing instruction, no
// duplicate attribute, no undeclared prefix, bounded depth) are applied to
// that tree before any signature work. Signatures are verified by goxmldsig
// against the provider's metadata certificates only. Every value Verify returns is read from the element
// goxmldsig returns (the canonicalized copy of what was signed), never from
// the tree that was posted, and text values are read as the concatenation of
// all character data, so comments inserted into a signed value cannot change
// what is read.
//
// Where AWS's behaviour is undocumented the package takes the strict reading
// and says so next to the check ("UNCONFIRMED"). Source tags such as [R7]
// refer to shared/reference/aws-saml-behaviour.md, section 11.
//
// The package has no global mutable state; all functions are safe for
// concurrent use.
package samlcheck
