// Package certs creates, stores and inspects the RSA signing certificates of
// the drill IdP: self-signed, with any validity window, so that an expired,
// not-yet-valid or soon-expiring certificate is one option away.
//
// New makes a key and its certificate from Options; Reissue certifies the
// same key again for another window, which is how an IdP's certificate
// "expires" during a drill without a new key. WriteFiles and Load keep a
// KeyPair on disk as PEM, the key readable by its owner only, and
// LoadOrCreate combines them so that the IdP keeps one key across runs.
// ReadCertificates accepts certificates as they are found in the wild
// (PEM, DER, or the base64 of SAML metadata), and Inspect reports what an
// operator checks: fingerprints, key size and the validity window at an
// instant the caller chooses, for the package never reads the clock.
package certs
