// Package policy is the emulator's IAM policy engine: it parses policy
// documents, matches actions, resources and principals, evaluates
// conditions, and decides requests the way AWS's enforcement code does.
//
// The flow is:
//
//  1. [Parse] turns a JSON document (identity-based, resource-based such as a
//     role trust policy, or a service control policy) into a [Policy]. It
//     checks the grammar every policy type shares and reports defects as a
//     [*MalformedError] carrying IAM's MalformedPolicyDocument wording.
//  2. [ValidateIdentity], [ValidateTrust] and [ValidateSCP] add the rules of
//     one policy type (for example, a trust policy must name a principal and
//     must not name a resource).
//  3. [Evaluate] decides a [Request] against a [Policies] set: explicit deny
//     in any policy wins, then service control policies, the resource-based
//     policy, identity-based policies, the permissions boundary and session
//     policies, with the same-account and cross-account rules of the IAM
//     User Guide ("Policy evaluation logic", "Cross-account policy
//     evaluation logic"). The [Result] says which policy type denied the
//     request, so STS and IAM can render AWS's AccessDenied texts, and lists
//     the statements that matched, for the policy simulator.
//  4. [Managed] returns the documents of the AWS managed policies the drills
//     use (exact or approximated; see MANAGED.md).
//
// The package is a leaf: it imports only the standard library, holds no
// mutable package state, and every value it returns is safe for concurrent
// reads.
package policy
