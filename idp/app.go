package idp

import (
	"maps"
	"slices"
	"time"
)

// Wire names of the AWS SAML attributes and of AWS's service provider.
// Source: IAM User Guide, "Configure SAML assertions for the authentication
// response" (id_roles_providers_create_saml_assertions), and AWS's SP
// metadata at https://signin.aws.amazon.com/static/saml-metadata.xml.
const (
	AttributeRole              = "https://aws.amazon.com/SAML/Attributes/Role"
	AttributeRoleSessionName   = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
	AttributeSessionDuration   = "https://aws.amazon.com/SAML/Attributes/SessionDuration"
	AttributeSourceIdentity    = "https://aws.amazon.com/SAML/Attributes/SourceIdentity"
	AttributePrincipalTag      = "https://aws.amazon.com/SAML/Attributes/PrincipalTag:"
	AttributeTransitiveTagKeys = "https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys"

	// AWSAudience is the entityID of AWS's SAML service provider.
	AWSAudience = "urn:amazon:webservices"
	// AWSSignInURL is the global AWS sign-in SAML endpoint (hosted in
	// us-east-1); regional endpoints are https://<region>.signin.aws.amazon.com/saml.
	AWSSignInURL = "https://signin.aws.amazon.com/saml"
)

// SignMode says which elements of a Response carry an enveloped signature.
type SignMode string

// The sign modes.
const (
	// SignAssertion signs the Assertion only: the default, since AWS's SP
	// metadata sets WantAssertionsSigned.
	SignAssertion SignMode = "assertion"
	// SignResponse signs the Response only, leaving the Assertion unsigned.
	SignResponse SignMode = "response"
	// SignBoth signs the Assertion, then the Response around it.
	SignBoth SignMode = "both"
)

// SignatureAlgorithm names the XML-DSig signature and digest pair.
type SignatureAlgorithm string

// The signature algorithms.
const (
	// RSASHA256 is RSA PKCS#1 v1.5 with SHA-256 digests: the default.
	RSASHA256 SignatureAlgorithm = "rsa-sha256"
	// RSASHA1 is RSA PKCS#1 v1.5 with SHA-1 digests, for reproducing
	// legacy IdPs.
	RSASHA1 SignatureAlgorithm = "rsa-sha1"
)

// App is an AWS federation app modelled on Okta's "AWS Account Federation":
// groups whose names match GroupFilter become Role attribute values through
// RoleValuePattern.
type App struct {
	// ID is the app's stable identifier, used in URLs (/app/<id>/sso).
	ID string
	// Label is the name shown on the user's dashboard.
	Label string
	// Enabled apps mint assertions; a disabled app refuses every user, as
	// the emergency-access guidance prescribes at rest.
	Enabled bool
	// GroupFilter is a regular expression in Okta's syntax with the named
	// captures (?{{role}}...) and (?{{accountid}}...). It must match a whole
	// group name.
	GroupFilter string
	// RoleValuePattern builds one Role attribute value per matching group,
	// with ${role} and ${accountid} replaced by the captures, e.g.
	// "arn:aws:iam::${accountid}:saml-provider/Okta,arn:aws:iam::${accountid}:role/${role}".
	RoleValuePattern string
	// RoleSessionNameAttribute names the user attribute sent as
	// RoleSessionName; empty means "username".
	RoleSessionNameAttribute string
	// NameIDAttribute names the user attribute sent as the NameID value;
	// empty means "username".
	NameIDAttribute string
	// NameIDFormat is the NameID Format URI; empty means persistent.
	NameIDFormat string
	// SessionDuration is sent as the SessionDuration attribute when non-zero.
	SessionDuration time.Duration
	// SourceIdentityAttribute, when set, names the user attribute sent as
	// SourceIdentity.
	SourceIdentityAttribute string
	// PrincipalTags maps a session tag key to the user attribute that holds
	// its value; each becomes a PrincipalTag:<key> attribute.
	PrincipalTags map[string]string
	// TransitiveTagKeys lists tag keys sent as TransitiveTagKeys.
	TransitiveTagKeys []string
	// ACS is the assertion consumer service URL: the Response Destination
	// and the SubjectConfirmationData Recipient. Empty means AWSSignInURL.
	ACS string
	// Audience is the AudienceRestriction value. Empty means AWSAudience.
	Audience string
	// Sign says what is signed. Empty means SignAssertion.
	Sign SignMode
	// SignatureAlgorithm is the signature algorithm. Empty means RSASHA256.
	SignatureAlgorithm SignatureAlgorithm
	// AssertionLifetime is how long after issue the assertion may be used
	// (Conditions and SubjectConfirmationData NotOnOrAfter). Zero means 5
	// minutes, the window AWS allows for redeeming an assertion.
	AssertionLifetime time.Duration
}

// clone returns a copy of a that shares no map or slice with it.
func (a App) clone() App {
	a.PrincipalTags = maps.Clone(a.PrincipalTags)
	a.TransitiveTagKeys = slices.Clone(a.TransitiveTagKeys)
	return a
}

// RegionalSignInURL returns the AWS sign-in SAML endpoint of a region; an
// empty region means the global endpoint. Source: AWS General Reference, "AWS Sign-In
// endpoints"; AWS Security Blog, "How to use regional SAML endpoints for
// failover".
func RegionalSignInURL(region string) string {
	if region == "" {
		return AWSSignInURL
	}
	return "https://" + region + ".signin.aws.amazon.com/saml"
}
