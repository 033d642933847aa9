// Package dashboard is the emulator's page for game-day facilitators, served
// in the control namespace outside AWS's API (GET /_breakglass/dashboard):
// the emulator's clock and its offset from the real one; every account with
// its roles and who their trust policies let in, its SAML providers with the
// validity of each signing certificate judged by the emulator's clock, its
// IAM users and the SCPs attached to it; and the event log, newest first,
// filtered by principal, account and event name.
//
// The page reads the emulator's store and event log and changes neither.
// It is plain HTML for browsers without JavaScript: a strict
// Content-Security-Policy allows no script and no resource from elsewhere,
// and a live view is a meta refresh the facilitator asks for with
// ?refresh=5. It shows no credential: passwords, MFA seeds, secret access
// keys and session tokens never leave the store, and event JSON is stripped
// of any field named like one (CloudTrail records none of them [R20]).
package dashboard
