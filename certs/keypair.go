package certs

import (
	"crypto/rsa"
	"crypto/x509"
)

// KeyPair is an RSA private key and the X.509 certificate of its public key.
// Both fields are set in every KeyPair this package returns.
type KeyPair struct {
	Key  *rsa.PrivateKey
	Cert *x509.Certificate
}
