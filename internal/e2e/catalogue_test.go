package e2e_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/breakglass-dev/breakglass/idp"
)

// TestErrorCatalogue reproduces, against the emulator, the federation and
// chained-hop errors of section 3 and 5.4 of the reference, each with
// AWS's code, HTTP status and message (exact, or a pattern where AWS puts a
// request id or ARN in the text). Faults come from the IdP's knobs.
func TestErrorCatalogue(t *testing.T) {
	w := newWorld(t, nil)
	ctx := context.Background()
	c := w.sts()
	type call struct {
		faults   []idp.Fault
		role     string // RoleArn; default Role1_RO
		provider string // PrincipalArn; default Okta in the emergency account
		duration int32
		policy   string
		raw      string // a SAMLAssertion to send as is
	}
	cases := []struct {
		name    string
		call    call
		code    string
		status  int
		message string // exact, or a regexp when it starts with ^
	}{
		{"signature by a key not in the metadata", call{faults: []idp.Fault{idp.FaultForeignKey}}, "InvalidIdentityToken", 400, "Response signature invalid"},
		{"tampered after signing", call{faults: []idp.Fault{idp.FaultTampered}, role: "arn:aws:iam::111111111111:role/EmergencyAccess_Role1_Ops"}, "InvalidIdentityToken", 400, "Response signature invalid"},
		{"unsigned", call{faults: []idp.Fault{idp.FaultUnsigned}}, "InvalidIdentityToken", 400, "Response signature invalid"},
		{"issuer not the provider's", call{faults: []idp.Fault{idp.FaultWrongIssuer}}, "InvalidIdentityToken", 400,
			`^Issuer not present in specified provider \(Service: AWSOpenIdDiscoveryService; Status Code: 400; Error Code: AuthSamlInvalidSamlResponseException; Request ID: [0-9a-f-]{36}\)$`},
		{"RoleSessionName missing", call{faults: []idp.Fault{idp.FaultMissingRoleSessionName}}, "InvalidIdentityToken", 400, "RoleSessionName is required in AuthnResponse"},
		{"RoleSessionName invalid", call{faults: []idp.Fault{idp.FaultInvalidRoleSessionName}}, "InvalidIdentityToken", 400, "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}"},
		{"SourceIdentity invalid", call{faults: []idp.Fault{idp.FaultInvalidSourceIdentity}}, "InvalidIdentityToken", 400, `Source Identity must match [a-zA-Z_0-9+=,.@-]{2,64} and not begin with "aws:"`},
		{"no NameID", call{faults: []idp.Fault{idp.FaultMissingNameID}}, "AccessDenied", 403, "Not authorized to perform sts:AssumeRoleWithSAML"},
		{"role not in the account", call{faults: []idp.Fault{idp.FaultUnknownRole}, role: "arn:aws:iam::111111111111:role/NoSuchRole"}, "AccessDenied", 403, "Not authorized to perform sts:AssumeRoleWithSAML"},
		{"recipient not an AWS sign-in endpoint", call{faults: []idp.Fault{idp.FaultWrongRecipient}}, "InvalidIdentityToken", 400, "Response does not contain the required audience."},
		{"regional failover against a SAML:aud naming only the global endpoint", call{faults: []idp.Fault{idp.FaultRegionalRecipient}}, "AccessDenied", 403, "Not authorized to perform sts:AssumeRoleWithSAML"},
		{"response expired", call{faults: []idp.Fault{idp.FaultExpired}}, "ExpiredTokenException", 400, "Response has expired"},
		{"redeemed after 5 minutes", call{faults: []idp.Fault{idp.FaultIssuedInPast}}, "ExpiredTokenException", 400, "Token must be redeemed within 5 minutes of issuance"},
		{"DurationSeconds above MaxSessionDuration", call{duration: 7200}, "ValidationError", 400, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."},
		{"DurationSeconds below the model minimum", call{duration: 899}, "ValidationError", 400,
			"1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"},
		{"provider in another account", call{provider: "arn:aws:iam::999999999999:saml-provider/Okta", faults: []idp.Fault{idp.FaultForeignAccountProvider}}, "ValidationError", 400,
			"Principal exists outside the account of the Role being assumed."},
		{"provider that does not exist", call{provider: "arn:aws:iam::111111111111:saml-provider/NoSuchProvider", faults: []idp.Fault{idp.FaultUnknownProvider}}, "InvalidIdentityToken", 400, "Specified provider doesn't exist."},
		{"malformed session policy", call{policy: "{"}, "MalformedPolicyDocument", 400, "^.+$"},
		{"assertion too long", call{raw: strings.Repeat("A", 100001)}, "ValidationError", 400, "^1 validation error detected: .*sAMLAssertion.*100000"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assertion := tc.call.raw
			if assertion == "" {
				resp, err := w.idp.Mint(ctx, idp.MintRequest{App: appID, User: user, Faults: tc.call.faults})
				if err != nil {
					t.Fatal(err)
				}
				assertion = resp.Base64()
			}
			in := &sts.AssumeRoleWithSAMLInput{RoleArn: aws.String(role1ROARN), PrincipalArn: aws.String(providerARN), SAMLAssertion: aws.String(assertion)}
			if tc.call.role != "" {
				in.RoleArn = aws.String(tc.call.role)
			}
			if tc.call.provider != "" {
				in.PrincipalArn = aws.String(tc.call.provider)
			}
			if tc.call.duration != 0 {
				in.DurationSeconds = aws.Int32(tc.call.duration)
			}
			if tc.call.policy != "" {
				in.Policy = aws.String(tc.call.policy)
			}
			_, err := c.AssumeRoleWithSAML(ctx, in)
			checkAPIError(t, err, tc.code, tc.status, tc.message)
		})
	}

	// The chained hop (reference 5.4).
	resp, err := w.idp.Mint(ctx, idp.MintRequest{App: appID, User: user})
	if err != nil {
		t.Fatal(err)
	}
	fed, err := c.AssumeRoleWithSAML(ctx, &sts.AssumeRoleWithSAMLInput{RoleArn: aws.String(role1ROARN), PrincipalArn: aws.String(providerARN), SAMLAssertion: aws.String(resp.Base64())})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::222222222222:role/EmergencyAccess_Ops"), RoleSessionName: aws.String(user)}, withCredentials(fed.Credentials))
	checkAPIError(t, err, "AccessDenied", 403,
		`^User: arn:aws:sts::111111111111:assumed-role/EmergencyAccess_Role1_RO/alice@example\.com is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/EmergencyAccess_Ops`)
	_, err = c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(workloadRO), RoleSessionName: aws.String(user), DurationSeconds: aws.Int32(3601)}, withCredentials(fed.Credentials))
	checkAPIError(t, err, "ValidationError", 400, "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
}

func checkAPIError(t *testing.T, err error, code string, status int, message string) {
	t.Helper()
	var api smithy.APIError
	if !errors.As(err, &api) {
		t.Fatalf("got %v, want %s", err, code)
	}
	if api.ErrorCode() != code {
		t.Errorf("code: got %s, want %s (%s)", api.ErrorCode(), code, api.ErrorMessage())
	}
	var resp *smithyhttp.ResponseError
	if errors.As(err, &resp) && resp.HTTPStatusCode() != status {
		t.Errorf("status: got %d, want %d", resp.HTTPStatusCode(), status)
	}
	if strings.HasPrefix(message, "^") {
		if !regexp.MustCompile(message).MatchString(api.ErrorMessage()) {
			t.Errorf("message: got %q, want one matching %s", api.ErrorMessage(), message)
		}
	} else if api.ErrorMessage() != message {
		t.Errorf("message: got %q, want %q", api.ErrorMessage(), message)
	}
}

// TestModelBeforeProvider: AWS validates the request model before looking
// the provider up, so an over-long assertion for a provider that does not
// exist is a ValidationError.
func TestModelBeforeProvider(t *testing.T) {
	w := newWorld(t, nil)
	_, err := w.sts().AssumeRoleWithSAML(context.Background(), &sts.AssumeRoleWithSAMLInput{
		RoleArn: aws.String(role1ROARN), PrincipalArn: aws.String("arn:aws:iam::111111111111:saml-provider/NoSuchProvider"),
		SAMLAssertion: aws.String(strings.Repeat("A", 100001)),
	})
	checkAPIError(t, err, "ValidationError", 400, "^1 validation error detected: .*sAMLAssertion.*100000")
}
