// Package e2e holds the tests that need both sides of a federation in one
// process: the IdP (package idp) minting and signing SAML responses, and the
// AWS emulator (package sp) redeeming them through STS. Its tests build the
// built-in landscape's world in-process (an idp.Provider with a fresh
// signing key, an sp.Emulator on a loopback httptest server, the landscape
// applied through IAM as each account's root) and then drive it the way a
// customer would: Provider.Mint for the SAMLResponse, the AWS SDK over HTTP
// for AssumeRoleWithSAML, the chained AssumeRole and CloudTrail.
//
// The benchmarks report op-ns/op next to limit-ns/op, the bare crypto/rsa
// work measured in the same iterations, so `make bench` can print how far
// each path is from its cryptographic floor. The package has no non-test
// code; it exists so that neither idp nor sp has to import the other, even
// in tests.
package e2e
