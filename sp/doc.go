// Package sp is the AWS side of the federation path: an emulator of IAM,
// STS, AWS Organizations (SCPs) and CloudTrail's LookupEvents that speaks
// the real wire protocols (Query, JSON 1.1) and is as strict as AWS, with
// AWS's error codes and messages. Emulator.Handler serves it; the control
// API under /_breakglass/ moves its clock, resets it and injects outages,
// and a dashboard there (package dashboard) shows facilitators its state
// and event log.
//
// A request flows through protocol parsing (internal/awsquery), SigV4
// verification with the SDK's own signer (internal/sigv4), the caller's
// authorization (internal/policy, the one policy engine), the service (iam,
// sts; SAML rules in samlcheck, shared with lint and explain), and the event
// log (internal/events), over the state in internal/store.
//
// sp trusts only what arrives through AWS-shaped APIs (metadata uploaded
// through IAM, a SAMLResponse posted to STS); it never imports idp, certs,
// landscape or scenarios, so the IdP and the emulator share no SAML code
// and cannot share a bug.
package sp
