package samlcheck

import (
	"fmt"
	"net/http"
)

// AWS error codes used by this package [R1][R2][R7].
const (
	CodeInvalidIdentityToken = "InvalidIdentityToken"
	CodeExpiredToken         = "ExpiredTokenException"
	CodeAccessDenied         = "AccessDenied"
	CodeValidationError      = "ValidationError"
	CodeInvalidInput         = "InvalidInput"
)

// AWS error messages, verbatim where AWS's text is known (reference §3).
// Messages marked UNCONFIRMED are this package's choice where no AWS text
// was found.
const (
	MsgSignatureInvalid      = "Response signature invalid"                                                    // [R7][R37]
	MsgResponseExpired       = "Response has expired"                                                          // (obs) [R43]
	MsgRedeemWindow          = "Token must be redeemed within 5 minutes of issuance"                           // (obs) [R42]
	MsgNotAuthorized         = "Not authorized to perform sts:AssumeRoleWithSAML"                              // [R7][R49]
	MsgPrincipalOutside      = "Principal exists outside the account of the Role being assumed."               // (obs) gsts#1
	MsgSessionNameMissing    = "RoleSessionName is required in AuthnResponse"                                  // [R7]
	MsgSessionNameInvalid    = "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}"          // [R7][R48]
	MsgSourceIdentity        = `Source Identity must match [a-zA-Z_0-9+=,.@-]{2,64} and not begin with "aws:"` // [R7]
	MsgAudience              = "Response does not contain the required audience."                              // [R7] (browser text; API use inferred)
	MsgCouldNotParseMetadata = "Could not parse metadata"                                                      // [R7][R10]

	// MsgInvalidResponse is used for malformed responses (not XML, not a
	// SAML Response, missing required elements). UNCONFIRMED: no AWS text found.
	MsgInvalidResponse = "Invalid SAML response"
	// MsgNotYetValid is used when NotBefore or IssueInstant lies in the
	// future. UNCONFIRMED: AWS's NotBefore handling is undocumented [§2.2].
	MsgNotYetValid = "Response is not yet valid"
	// MsgSessionDuration is used for a SessionDuration attribute outside
	// 900-43200 or not an integer. UNCONFIRMED [R8]; worded after the
	// RoleSessionName message.
	MsgSessionDuration = "SessionDuration in AuthnResponse must be an integer between 900 and 43200"
	// MsgPrincipalTag is used for PrincipalTag and TransitiveTagKeys
	// attributes that break the session-tag limits [R8][R15]. UNCONFIRMED text.
	MsgPrincipalTag = "PrincipalTag attributes in AuthnResponse must satisfy the session tag limits"
)

// issuerMessage is AWS's issuer-mismatch text, with STS's nested
// AWSOpenIdDiscoveryService error [R7][R45].
const issuerMessage = "Issuer not present in specified provider (Service: AWSOpenIdDiscoveryService; Status Code: 400; Error Code: AuthSamlInvalidSamlResponseException; Request ID: %s)"

// IssuerMessage returns AWS's message for a response whose Issuer is not the
// provider's entityID, with requestID in the nested service error.
func IssuerMessage(requestID string) string {
	return fmt.Sprintf(issuerMessage, requestID)
}

// Error is an AWS error as STS or IAM returns it, plus the rule that produced
// it and a private cause.
//
// Code, Status and Message are exactly what AWS sends (Message is the
// <Message> text); render them and nothing else to AWS clients. Rule is the
// stable machine name of the failed check (see the Rule* constants). The
// cause, reached through Unwrap, explains the failure for "explain" and logs;
// it is never part of Error().
type Error struct {
	Code    string
	Status  int
	Message string
	Rule    string
	cause   error
}

// Error returns the public text: code, message and rule, never the cause.
func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s [%s]", e.Code, e.Message, e.Rule)
}

// Unwrap returns the private cause, or nil.
func (e *Error) Unwrap() error { return e.cause }

// Detail returns the private cause's text, or "" if there is none.
func (e *Error) Detail() string {
	if e.cause == nil {
		return ""
	}
	return e.cause.Error()
}

func newError(code string, status int, msg, rule string, cause error) *Error {
	return &Error{Code: code, Status: status, Message: msg, Rule: rule, cause: cause}
}

func invalidToken(msg, rule string, cause error) *Error {
	return newError(CodeInvalidIdentityToken, http.StatusBadRequest, msg, rule, cause)
}

func expiredToken(msg, rule string, cause error) *Error {
	return newError(CodeExpiredToken, http.StatusBadRequest, msg, rule, cause)
}

func accessDenied(rule string, cause error) *Error {
	return newError(CodeAccessDenied, http.StatusForbidden, MsgNotAuthorized, rule, cause)
}

func validationError(msg, rule string, cause error) *Error {
	return newError(CodeValidationError, http.StatusBadRequest, msg, rule, cause)
}

func metadataError(rule string, cause error) *Error {
	return newError(CodeInvalidInput, http.StatusBadRequest, MsgCouldNotParseMetadata, rule, cause)
}
