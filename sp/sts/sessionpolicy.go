package sts

import (
	"fmt"
	"net/http"

	"github.com/breakglass-dev/breakglass/sp/internal/awsquery"
	"github.com/breakglass-dev/breakglass/sp/internal/policy"
)

// Session policies: the Policy (inline, 1-2048 characters of U+0009,
// U+000A, U+000D and U+0020-U+00FF) and PolicyArns (at most 10 managed
// policies) parameters of AssumeRole and AssumeRoleWithSAML. They can only
// narrow the session: its permissions are the intersection of the role's
// identity policies and these [R1].

// maxPackedSize is the packed-size budget that session policies and tags
// share; the emulator approximates AWS's packing by plain length [R1].
const maxPackedSize = 2048

// sessionPolicies reads and validates Policy and PolicyArns.
func sessionPolicies(r *awsquery.Request) ([]policy.Named, int, *awsquery.Error) {
	var out []policy.Named
	size := 0
	if r.Has("Policy") {
		doc := r.Get("Policy")
		if len(doc) < 1 || len(doc) > 2048 {
			return nil, 0, validation("...", "policy", "Member must have length less than or equal to 2048")
		}
		for _, c := range doc {
			if c != '\t' && c != '\n' && c != '\r' && (c < 0x20 || c > 0xff) {
				return nil, 0, validation("...", "policy", `Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u00FF]+`)
			}
		}
		p, err := policy.Parse(doc)
		if err == nil {
			err = policy.ValidateIdentity(p)
		}
		if err != nil {
			msg := "The policy is not in the valid JSON format."
			if m, ok := err.(*policy.MalformedError); ok {
				msg = m.Message
			}
			return nil, 0, awsquery.Errorf(http.StatusBadRequest, "MalformedPolicyDocument", "%s", msg)
		}
		out = append(out, policy.Named{ID: "session policy", Policy: p})
		size += len(doc)
	}
	arns := r.List("PolicyArns")
	for i := 1; ; i++ {
		arn := r.Params.Get(fmt.Sprintf("PolicyArns.member.%d.arn", i))
		if arn == "" {
			break
		}
		arns = append(arns, arn)
	}
	if len(arns) > 10 {
		return nil, 0, validation("...", "policyArns", "Member must have length less than or equal to 10")
	}
	for _, arn := range arns {
		p, ok := policy.Managed(arn)
		if !ok {
			return nil, 0, awsquery.Errorf(http.StatusBadRequest, "InvalidParameterValue", "Policy %s does not exist or is not attachable.", arn)
		}
		out = append(out, policy.Named{ID: arn, Policy: p})
		size += len(arn)
	}
	return out, size, nil
}

// packedCheck refuses session policies and tags that overflow the packed
// budget, with AWS's PackedPolicyTooLarge [R1][R15]; it returns the
// percentage used.
func packedCheck(policySize int, tags map[string]string) (int, *awsquery.Error) {
	n := policySize
	for k, v := range tags {
		n += len(k) + len(v)
	}
	pct := n * 100 / maxPackedSize
	if pct > 100 {
		return pct, awsquery.Errorf(http.StatusBadRequest, "PackedPolicyTooLarge",
			"Packed policy consumes %d%% of allotted space, please use smaller policy.", pct)
	}
	return pct, nil
}
