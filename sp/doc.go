// Package sp is the AWS side of the federation path: an emulator of IAM,
// STS, the sign-in SAML endpoint and the console, as strict as AWS.
//
// sp trusts only what arrives through AWS-shaped APIs (metadata uploaded
// through IAM, a SAMLResponse posted to STS or sign-in); it never imports
// idp, certs, landscape or scenarios, so the IdP and the emulator share no
// SAML code and cannot share a bug. The emulator itself arrives with its own
// issue; this package holds the boundary and the test that guards it.
package sp
