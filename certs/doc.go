// Package certs creates, stores and inspects the RSA signing certificates of
// the drill IdP: self-signed, with any validity window, so that an expired,
// not-yet-valid or soon-expiring certificate is one option away.
package certs
