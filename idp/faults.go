package idp

import (
	"fmt"
	"sort"
	"strings"
)

// Fault is the stable name of a deliberate defect that the IdP builds into a
// response (and, for key faults, into its metadata) to reproduce a
// federation error. Scenarios and `breakglass idp mint --fault` use these
// names; they never change once shipped.
type Fault string

// The fault knobs. Each comment names what AWS answers, from the error
// catalogue in reference section 3 (IAM User Guide, troubleshoot_saml).
const (
	// FaultForeignKey signs with a key that is not in the metadata:
	// InvalidIdentityToken "Response signature invalid".
	FaultForeignKey Fault = "foreign-key"
	// FaultExpiredCert signs with a certificate whose validity has ended
	// (same key, re-issued expired) and publishes it in the metadata:
	// Failure Mode 2.
	FaultExpiredCert Fault = "expired-cert"
	// FaultIssuedInPast dates IssueInstant 10 minutes back while
	// NotOnOrAfter stays in the future: ExpiredTokenException "Token must be
	// redeemed within 5 minutes of issuance".
	FaultIssuedInPast Fault = "issued-in-past"
	// FaultIssuedInFuture dates the response 10 minutes ahead (IdP clock
	// skew): the assertion is not yet valid.
	FaultIssuedInFuture Fault = "issued-in-future"
	// FaultExpired sets NotOnOrAfter in the past: ExpiredTokenException
	// "Response has expired".
	FaultExpired Fault = "expired"
	// FaultWrongAudience names another service provider in
	// AudienceRestriction.
	FaultWrongAudience Fault = "wrong-audience"
	// FaultWrongRecipient sends Recipient and Destination to an endpoint
	// that is not AWS sign-in.
	FaultWrongRecipient Fault = "wrong-recipient"
	// FaultRegionalRecipient sends the response to the us-east-2 sign-in
	// endpoint, as after a regional failover: valid for AWS, but a trust
	// policy whose SAML:aud names only the global endpoint refuses it
	// (AccessDenied; reference section 12, trap 1).
	FaultRegionalRecipient Fault = "regional-recipient"
	// FaultMissingRoleSessionName omits RoleSessionName:
	// InvalidIdentityToken "RoleSessionName is required in AuthnResponse".
	FaultMissingRoleSessionName Fault = "missing-role-session-name"
	// FaultInvalidRoleSessionName sends a RoleSessionName with a space:
	// InvalidIdentityToken "RoleSessionName in AuthnResponse must match ...".
	FaultInvalidRoleSessionName Fault = "invalid-role-session-name"
	// FaultMissingRole omits the Role attribute: the sign-in page's
	// "Your request included an invalid SAML response".
	FaultMissingRole Fault = "missing-role"
	// FaultReversedRolePair writes every Role value in the other order
	// (role,provider instead of provider,role or back); AWS accepts both.
	FaultReversedRolePair Fault = "reversed-role-pair"
	// FaultForeignAccountProvider pairs each role with a provider ARN in
	// another account (999999999999): ValidationError "Principal exists
	// outside the account of the Role being assumed."
	FaultForeignAccountProvider Fault = "foreign-account-provider"
	// FaultSessionDurationOutOfRange sends SessionDuration 43201, above the
	// 43200 maximum.
	FaultSessionDurationOutOfRange Fault = "session-duration-out-of-range"
	// FaultUnsigned sends no signature at all.
	FaultUnsigned Fault = "unsigned"
	// FaultWrongIssuer sends an Issuer that differs from the metadata's
	// entityID: InvalidIdentityToken "Issuer not present in specified
	// provider".
	FaultWrongIssuer Fault = "wrong-issuer"
	// FaultMissingNameID omits the Subject's NameID: AccessDenied "Not
	// authorized to perform sts:AssumeRoleWithSAML".
	FaultMissingNameID Fault = "missing-name-id"
	// FaultInvalidSourceIdentity sends a SourceIdentity starting with
	// "aws:": InvalidIdentityToken "Source Identity must match ...".
	FaultInvalidSourceIdentity Fault = "invalid-source-identity"
	// FaultUnknownProvider names a SAML provider that does not exist:
	// "Specified provider doesn't exist".
	FaultUnknownProvider Fault = "unknown-provider"
	// FaultUnknownRole names a role that does not exist in the account:
	// AccessDenied.
	FaultUnknownRole Fault = "unknown-role"
	// FaultTampered changes a Role value after signing (RO becomes Ops), as
	// an attacker would: InvalidIdentityToken "Response signature invalid".
	FaultTampered Fault = "tampered"
)

// FaultInfo describes a fault knob for listings.
type FaultInfo struct {
	Name Fault `json:"name"`
	// Summary says in one line what the fault does to the response.
	Summary string `json:"summary"`
	// AWS says what AWS answers (code and message) when it is known.
	AWS string `json:"aws"`
	// BreaksSignature is true when the signature no longer verifies against
	// the certificate in the IdP's (unfaulted) metadata.
	BreaksSignature bool `json:"breaks_signature"`
}

var faultCatalogue = []FaultInfo{
	{FaultForeignKey, "sign with a key that is not in the metadata", "InvalidIdentityToken: Response signature invalid", true},
	{FaultExpiredCert, "sign with an expired certificate (same key) and publish it in the metadata", "Failure Mode 2: refused once the certificate's notAfter has passed (emulator setting)", false},
	{FaultIssuedInPast, "IssueInstant 10 minutes ago, NotOnOrAfter still in the future", "ExpiredTokenException: Token must be redeemed within 5 minutes of issuance", false},
	{FaultIssuedInFuture, "IssueInstant and NotBefore 10 minutes ahead (IdP clock skew)", "InvalidIdentityToken: assertion not yet valid", false},
	{FaultExpired, "NotOnOrAfter one minute in the past", "ExpiredTokenException: Response has expired", false},
	{FaultWrongAudience, "AudienceRestriction names another service provider", "InvalidIdentityToken / sign-in page: Response does not contain the required audience.", false},
	{FaultWrongRecipient, "Recipient and Destination are not an AWS sign-in endpoint", "InvalidIdentityToken (Recipient is not an AWS sign-in endpoint)", false},
	{FaultRegionalRecipient, "Recipient and Destination are the us-east-2 sign-in endpoint (regional failover)", "AccessDenied: Not authorized to perform sts:AssumeRoleWithSAML (SAML:aud lists only the global endpoint)", false},
	{FaultMissingRoleSessionName, "omit the RoleSessionName attribute", "InvalidIdentityToken: RoleSessionName is required in AuthnResponse", false},
	{FaultInvalidRoleSessionName, "RoleSessionName with a space in it", "InvalidIdentityToken: RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}", false},
	{FaultMissingRole, "omit the Role attribute", "sign-in page: Your request included an invalid SAML response.", false},
	{FaultReversedRolePair, "write each Role value in the other order", "accepted: AWS reads the pair in either order", false},
	{FaultForeignAccountProvider, "pair each role with a provider in account 999999999999", "ValidationError: Principal exists outside the account of the Role being assumed.", false},
	{FaultSessionDurationOutOfRange, "SessionDuration 43201 (maximum 43200)", "InvalidIdentityToken (SessionDuration out of range; emulator setting)", false},
	{FaultUnsigned, "no signature at all", "InvalidIdentityToken: Response signature invalid", true},
	{FaultWrongIssuer, "Issuer differs from the metadata's entityID", "InvalidIdentityToken: Issuer not present in specified provider", false},
	{FaultMissingNameID, "omit the Subject's NameID", "AccessDenied: Not authorized to perform sts:AssumeRoleWithSAML", false},
	{FaultInvalidSourceIdentity, "SourceIdentity starting with aws:", "InvalidIdentityToken: Source Identity must match [a-zA-Z_0-9+=,.@-]{2,64} and not begin with \"aws:\"", false},
	{FaultUnknownProvider, "Role values name the SAML provider NoSuchProvider", "InvalidIdentityToken: Specified provider doesn't exist.", false},
	{FaultUnknownRole, "Role values name the role NoSuchRole", "AccessDenied: Not authorized to perform sts:AssumeRoleWithSAML", false},
	{FaultTampered, "after signing, change RO to Ops in the Role values", "InvalidIdentityToken: Response signature invalid", true},
}

// Faults lists every fault knob, sorted by name.
func Faults() []FaultInfo {
	out := append([]FaultInfo(nil), faultCatalogue...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ParseFault returns the fault with the given name.
func ParseFault(name string) (Fault, error) {
	for _, f := range faultCatalogue {
		if string(f.Name) == name {
			return f.Name, nil
		}
	}
	names := make([]string, 0, len(faultCatalogue))
	for _, f := range Faults() {
		names = append(names, string(f.Name))
	}
	return "", fmt.Errorf("unknown fault %q (known: %s)", name, strings.Join(names, ", "))
}

// faultSet is the set of faults applied to one mint.
type faultSet map[Fault]bool

func newFaultSet(faults []Fault) (faultSet, error) {
	fs := make(faultSet, len(faults))
	for _, f := range faults {
		if _, err := ParseFault(string(f)); err != nil {
			return nil, err
		}
		fs[f] = true
	}
	return fs, nil
}
