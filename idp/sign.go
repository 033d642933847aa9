package idp

import (
	"fmt"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/breakglass-dev/breakglass/certs"
)

// signEnveloped adds an enveloped XML-DSig signature to el, placed right
// after its Issuer as the SAML schema requires (saml-core-2.0-os 2.3.3 and
// 3.2.2). The signature uses exclusive C14N 1.0 (what AWS-bound IdPs send,
// reference section 2.1) and RSA-SHA256 unless alg asks for RSA-SHA1.
//
// goxmldsig canonicalizes el in place while digesting it, so el leaves this
// function in canonical form; what is serialized is exactly what was signed.
func signEnveloped(el *etree.Element, kp *certs.KeyPair, alg SignatureAlgorithm) error {
	ctx, err := dsig.NewSigningContext(kp.Key, [][]byte{kp.Cert.Raw})
	if err != nil {
		return err
	}
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	method := dsig.RSASHA256SignatureMethod
	if alg == RSASHA1 {
		method = dsig.RSASHA1SignatureMethod
	}
	if err := ctx.SetSignatureMethod(method); err != nil {
		return err
	}
	sig, err := ctx.ConstructSignature(el, true)
	if err != nil {
		return err
	}
	at := 0
	for i, t := range el.Child {
		if c, ok := t.(*etree.Element); ok && c.Tag == "Issuer" {
			at = i + 1
			break
		}
	}
	el.InsertChildAt(at, sig)
	return nil
}

// signerFor returns the key pair a mint signs with: the current one, or the
// one a key fault calls for.
func (p *Provider) signerFor(f faultSet) (*certs.KeyPair, error) {
	switch {
	case f[FaultForeignKey]:
		return p.foreignKey()
	case f[FaultExpiredCert]:
		return p.expiredKey()
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.signing, nil
}

// foreignKey returns a key pair that is in no metadata, made on first use.
// The key is generated outside p.mu, so other callers do not wait for it.
func (p *Provider) foreignKey() (*certs.KeyPair, error) {
	p.mu.RLock()
	kp := p.foreign
	p.mu.RUnlock()
	if kp != nil {
		return kp, nil
	}
	now := p.now()
	p.randMu.Lock()
	kp, err := certs.New(certs.Options{
		CommonName: "foreign IdP (not in metadata)",
		NotBefore:  now.Add(-time.Hour), NotAfter: now.Add(365 * 24 * time.Hour),
		Rand: p.rand,
	})
	p.randMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("make foreign key: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.foreign == nil {
		p.foreign = kp
	}
	return p.foreign, nil
}

// expiredKey returns the current key with a certificate re-issued to have
// expired a day ago (Failure Mode 2: nobody renewed the IdP's certificate).
func (p *Provider) expiredKey() (*certs.KeyPair, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if p.expired == nil || !p.expired.Cert.NotAfter.Before(now) {
		p.randMu.Lock()
		kp, err := certs.Reissue(p.signing, certs.Options{
			CommonName: p.signing.Cert.Subject.CommonName,
			NotBefore:  now.Add(-366 * 24 * time.Hour), NotAfter: now.Add(-24 * time.Hour),
			Rand: p.rand,
		})
		p.randMu.Unlock()
		if err != nil {
			return nil, fmt.Errorf("re-issue expired certificate: %w", err)
		}
		p.expired = kp
	}
	return p.expired, nil
}
