// Package idp is the drill identity provider: a directory of users, groups
// and (possibly time-bound) memberships, and AWS federation apps modelled on
// Okta's "AWS Account Federation".
//
// A user's groups pass through an app's group filter (Okta syntax, compiled
// once) and role value pattern to become AWS Role attribute values; Mint
// builds a SAML 2.0 Response around them and signs it with goxmldsig
// (exclusive C14N, RSA-SHA256 by default). Fault knobs build deliberate
// defects into a response, each reproducing one AWS federation error.
// Metadata publishes the entityID, signing certificates and SSO endpoints.
// Handler serves the same over HTTP: sign-in with an optional TOTP step, a
// dashboard, and IdP- and SP-initiated SSO that auto-POSTs to the ACS.
//
// idp never imports the AWS side (sp): the two agree only through signed
// XML, checked in tests against xmlsec1.
package idp
