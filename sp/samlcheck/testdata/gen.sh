#!/bin/sh
# gen.sh regenerates the xmlsec1-signed fixtures in this directory. It is for
# humans: tests only read its outputs, which are committed. The key files are
# test-only keys, never used anywhere else.
#
# Requires openssl (3.x), xmlsec1 and POSIX sh/awk/grep/tr (Debian package xmlsec1). Signing is done
# by xmlsec1, an implementation independent of goxmldsig, so that the
# verifier in this package cannot agree with a signer on a shared bug.
#
# Times are fixed: the responses are issued at 2026-11-22T12:00:00Z and expire
# at 12:05:00Z; tests pass a matching "now".
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# selfsigned NAME START END makes NAME.key and NAME.crt with a fixed validity.
selfsigned() {
	mkdir -p "$tmp/ca-$1"
	: >"$tmp/ca-$1/index.txt"
	cat >"$tmp/ca-$1/ca.cnf" <<CNF
[ ca ]
default_ca = test
[ test ]
database = $tmp/ca-$1/index.txt
new_certs_dir = $tmp/ca-$1
serial = $tmp/ca-$1/serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
x509_extensions = ext
[ any ]
commonName = supplied
[ ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
subjectKeyIdentifier = hash
CNF
	echo 01 >"$tmp/ca-$1/serial"
	openssl genrsa -out "$1.key" 2048 2>/dev/null
	openssl req -new -key "$1.key" -subj "/CN=$1.breakglass.test" -out "$tmp/$1.csr"
	openssl ca -batch -selfsign -config "$tmp/ca-$1/ca.cnf" -keyfile "$1.key" \
		-startdate "$2" -enddate "$3" -in "$tmp/$1.csr" -out "$tmp/$1.full" 2>/dev/null
	openssl x509 -in "$tmp/$1.full" -out "$1.crt"
}

selfsigned idp 20260101000000Z 20360101000000Z
# expired: its notAfter (2026-06-01) is before the responses' IssueInstant.
selfsigned expired 20250101000000Z 20260601000000Z
# other: a valid key that is absent from the metadata.
selfsigned other 20260101000000Z 20360101000000Z

# weak512: a certificate IAM refuses (RSA key under 1024 bits [R10]).
openssl req -x509 -newkey rsa:512 -nodes -keyout "$tmp/weak512.key" -subj "/CN=weak512.breakglass.test" \
	-days 36500 -out weak512.crt 2>/dev/null

b64() { grep -v -- '-----' "$1" | tr -d '\n'; }

# metadata for each key, in IAM's upload shape.
for k in idp expired other; do
	cat >"metadata-$k.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.breakglass.test/saml">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
        <ds:X509Data>
          <ds:X509Certificate>$(b64 $k.crt)</ds:X509Certificate>
        </ds:X509Data>
      </ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.breakglass.test/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
XML
done

# sigtmpl REF SIGMETHOD DIGEST C14N prints an enveloped-signature template.
sigtmpl() {
	cat <<XML
<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
      <ds:SignedInfo>
        <ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
        <ds:SignatureMethod Algorithm="$2"/>
        <ds:Reference URI="#$1">
          <ds:Transforms>
            <ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>
            <ds:Transform Algorithm="$4"/>
          </ds:Transforms>
          <ds:DigestMethod Algorithm="$3"/>
          <ds:DigestValue/>
        </ds:Reference>
      </ds:SignedInfo>
      <ds:SignatureValue/>
      <ds:KeyInfo><ds:X509Data><ds:X509Certificate/></ds:X509Data></ds:KeyInfo>
    </ds:Signature>
XML
}
RSA256=http://www.w3.org/2001/04/xmldsig-more#rsa-sha256
RSA1=http://www.w3.org/2000/09/xmldsig#rsa-sha1
SHA256=http://www.w3.org/2001/04/xmlenc#sha256
SHA1=http://www.w3.org/2000/09/xmldsig#sha1
EXC=http://www.w3.org/2001/10/xml-exc-c14n#
EXCC=http://www.w3.org/2001/10/xml-exc-c14n#WithComments

# response RSIG ASIG prints a response; RSIG and ASIG are signature templates
# (or empty) for the Response and the Assertion.
response() {
	cat <<XML
<?xml version="1.0" encoding="UTF-8"?>
<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r1" Version="2.0" IssueInstant="2026-11-22T12:00:00Z" Destination="https://signin.aws.amazon.com/saml">
  <saml:Issuer>https://idp.breakglass.test/saml</saml:Issuer>
  $1
  <samlp:Status>
    <samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/>
  </samlp:Status>
  <saml:Assertion ID="_a1" Version="2.0" IssueInstant="2026-11-22T12:00:00Z">
    <saml:Issuer>https://idp.breakglass.test/saml</saml:Issuer>
    $2
$(cat templates/assertion-body.xml)
  </saml:Assertion>
</samlp:Response>
XML
}

# sign KEY IN OUT signs the first ds:Signature template of IN in document
# order (one template at a time).
sign() {
	xmlsec1 --sign --privkey-pem "$1.key,$1.crt" \
		--id-attr:ID urn:oasis:names:tc:SAML:2.0:assertion:Assertion \
		--id-attr:ID urn:oasis:names:tc:SAML:2.0:protocol:Response \
		--output "$3" "$2"
}

response "" "$(sigtmpl _a1 $RSA256 $SHA256 $EXC)" >"$tmp/t.xml"
sign idp "$tmp/t.xml" response-assertion-signed.xml

response "$(sigtmpl _r1 $RSA256 $SHA256 $EXC)" "" >"$tmp/t.xml"
sign idp "$tmp/t.xml" response-response-signed.xml

# both: sign the assertion first, then add and sign the response template.
response "" "$(sigtmpl _a1 $RSA256 $SHA256 $EXC)" >"$tmp/t.xml"
sign idp "$tmp/t.xml" "$tmp/a.xml"
sigtmpl _r1 $RSA256 $SHA256 $EXC >"$tmp/rsig.xml"
awk -v tmpl="$tmp/rsig.xml" '
	{ print }
	!done && /<saml:Issuer>/ { while ((getline line < tmpl) > 0) print "  " line; done = 1 }
' "$tmp/a.xml" >"$tmp/t2.xml"
# xmlsec1 signs the first template in document order: the response's.
sign idp "$tmp/t2.xml" response-both-signed.xml

response "" "$(sigtmpl _a1 $RSA1 $SHA1 $EXC)" >"$tmp/t.xml"
sign idp "$tmp/t.xml" response-assertion-signed-sha1.xml

response "" "$(sigtmpl _a1 $RSA256 $SHA256 $EXCC)" >"$tmp/t.xml"
sign idp "$tmp/t.xml" response-assertion-signed-with-comments.xml

response "" "$(sigtmpl _a1 $RSA256 $SHA256 $EXC)" >"$tmp/t.xml"
sign expired "$tmp/t.xml" response-assertion-signed-expired-cert.xml

# check every output with xmlsec1 itself.
for f in response-*.xml; do
	xmlsec1 --verify --id-attr:ID urn:oasis:names:tc:SAML:2.0:assertion:Assertion \
		--id-attr:ID urn:oasis:names:tc:SAML:2.0:protocol:Response \
		--enabled-key-data x509 --insecure "$f" 2>/dev/null || { echo "verify failed: $f" >&2; exit 1; }
done
