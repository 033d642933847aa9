// Package landscape reads, checks and renders a landscape: one YAML file
// that declares an AWS emergency-access setup end to end.
//
// A landscape names the AWS accounts (the emergency account, workload
// accounts, an identity-administration account), their SAML providers,
// roles with trust and permission policies, IAM groups and the break-glass
// IAM user of Failure Mode 1, the organisation's service control policies,
// and the alert rules a drill expects monitoring to have. It also holds the
// drill IdP's side: its directory (users, groups, memberships with an
// optional expiry) and its Okta-style AWS federation app.
//
// Load and Parse turn a file into a *Landscape in two passes. The first is
// a strict YAML decode: unknown keys, wrong types and duplicate keys are
// errors. The second checks meaning: IAM name rules, policy grammar, and
// cross-references (a trust policy's SAML provider, a chained role, a
// managed policy, an IdP membership must all exist). Every problem of both
// passes is returned at once as Problems, each with its file, line, column
// and YAML path. Default returns the built-in landscape, which reproduces
// the mapping table of the AWS guidance "Set up emergency access to the AWS
// Management Console" with fixed account ids.
//
// A loaded landscape is then used three ways: IdP converts its directory and
// apps to the idp package's types, Mapping and WriteMappingTable render the
// guidance's mapping table (who can reach which role, through which IdP
// group), and callers outside this package create its AWS side through the
// AWS API, reading the canonical JSON of each policy from Policy.JSON.
//
// Schema is a JSON Schema (draft 2020-12) of the file format, for editors.
package landscape
