package policy

import "fmt"

// MalformedError reports a policy document that IAM (or AWS Organizations,
// for SCPs) would refuse. Message is the public text, in AWS's wording, that
// the emulator returns with the MalformedPolicyDocument error code; Detail is
// a private explanation (element, statement index) for logs and tests and is
// never shown to API callers.
type MalformedError struct {
	// Message is AWS's error message, for example "Syntax errors in policy.".
	Message string
	// Detail says where the defect is; it may be empty.
	Detail string
}

// Error returns the detail and the public message.
func (e *MalformedError) Error() string {
	if e.Detail == "" {
		return "malformed policy document: " + e.Message
	}
	return fmt.Sprintf("malformed policy document: %s: %s", e.Detail, e.Message)
}

// Public messages. Each one was seen verbatim in an AWS error quoted in a
// public issue (MalformedPolicyDocument from IAM unless noted). The source
// follows each constant; "UNCONFIRMED" marks wording we chose because no
// source was found (the strict reading of DESIGN.md "Fidelity and checks").
const (
	// MsgSyntax: IAM PutRolePolicy / CreatePolicy on bad JSON or grammar.
	// Source: github.com/aws-ia/terraform-aws-transfer-family/issues/109,
	// github.com/boto/boto3/issues/180.
	MsgSyntax = "Syntax errors in policy."

	// MsgLegacyParsing: IAM on a document it cannot read at all (we use it
	// for an unknown Version value). Source:
	// github.com/cobusbernard/hashitalks-africa-demo/issues/1. The trigger we
	// map to it is UNCONFIRMED.
	MsgLegacyParsing = "The policy failed legacy parsing"

	// MsgIdentityPrincipal: a Principal in an identity-based policy.
	// Source: github.com/hashicorp/terraform/issues/13449,
	// github.com/hashicorp/terraform-provider-aws/issues/10419.
	MsgIdentityPrincipal = "Policy document should not specify a principal."

	// MsgNoResources: an identity-based statement without Resource.
	// Source: github.com/hashicorp/terraform/issues/17987,
	// github.com/aws-samples/aws-health-aware/issues/1.
	MsgNoResources = "Policy statement must contain resources."

	// MsgNoActions: a statement without Action or NotAction.
	// Source: github.com/aws/aws-cdk/issues/7615.
	MsgNoActions = "Policy statement must contain actions."

	// MsgNoPrincipals: a trust-policy statement without Principal. Source:
	// github.com/hashicorp/terraform-provider-aws/issues/7756,
	// github.com/terraform-aws-modules/terraform-aws-iam/issues/47.
	MsgNoPrincipals = "Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: The passed in policy has a statement with no principals!"

	// MsgSidNotAlnum: Sid outside [0-9A-Za-z]. Source:
	// github.com/Wolox/carthage_cache/issues/22,
	// github.com/aws-cloudformation/cfn-lint/issues/1376.
	MsgSidNotAlnum = "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"

	// MsgSidNotUnique: two statements with the same Sid. Source:
	// github.com/kubernetes/kops/issues/4951,
	// github.com/magenx/Magento-2-aws-cluster-terraform/pull/18.
	MsgSidNotUnique = "Statement IDs (SID) in a single policy must be unique."

	// MsgActionColons: an action with more than one colon. Source:
	// github.com/garnaat/kappa/issues/111.
	MsgActionColons = "Actions/Condition can contain only one colon."

	// MsgActionVendor: an action without a service prefix. Wording from
	// memory of IAM's console and CLI output; UNCONFIRMED by a source here.
	MsgActionVendor = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."

	// MsgSCP: AWS Organizations' single message for an SCP that breaks the
	// SCP rules (MalformedPolicyDocumentException). Source:
	// github.com/org-formation/org-formation-cli/issues/225.
	MsgSCP = "The provided policy document does not meet the requirements of the specified policy type."
)

// msgProhibited is IAM's text for an element a trust policy may not hold,
// e.g. "Has prohibited field Resource". Source:
// github.com/localstack/localstack/issues/6644 (quoting AWS),
// github.com/kubernetes-sigs/external-dns/issues/3085.
func msgProhibited(field string) string { return "Has prohibited field " + field }

// msgInvalidPrincipal is IAM's text for a principal it cannot resolve, e.g.
// `Invalid principal in policy: "AWS":"arn:aws:iam::1:role/x"`. Source:
// github.com/databrickslabs/ucx/issues/2269,
// github.com/aws-actions/configure-aws-credentials/issues/332.
func msgInvalidPrincipal(kind, value string) string {
	return fmt.Sprintf("Invalid principal in policy: %q:%q", kind, value)
}

// msgResourceFormat is IAM's text for a Resource that is neither an ARN nor
// "*". Source: github.com/trussworks/terraform-aws-s3-anti-virus/issues/21,
// github.com/felipefrizzo/terraform-aws-transfer-server/issues/6.
func msgResourceFormat(r string) string {
	return fmt.Sprintf("Resource %s must be in ARN format or \"*\".", r)
}

// msgConditionType is our text for an unknown condition operator.
// UNCONFIRMED: no public copy of IAM's exact wording was found.
func msgConditionType(op string) string {
	return "Invalid Condition type : " + op
}

func malformed(msg, detailFormat string, args ...any) *MalformedError {
	return &MalformedError{Message: msg, Detail: fmt.Sprintf(detailFormat, args...)}
}
