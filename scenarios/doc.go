// Package scenarios defines failover drills and runs them: it drives the IdP
// through its Go API and reaches the AWS side only as a customer does, with
// aws-sdk-go-v2 clients, plain HTTP for sign-in and the sp/control client,
// so one drill runs against the embedded emulator, another endpoint or AWS.
// The drills arrive with their own issue; this package holds the boundary
// and the test that guards it.
package scenarios
