// Package scenarios defines failover drills and runs them. A drill is a
// YAML file of steps a security engineer can read (scenario.go; schema in
// schema.json): IdP actions, sign-in, AssumeRoleWithSAML, chained
// AssumeRole, policy simulation, clock moves, event-log checks, each with
// the success or the AWS error it must produce. Run walks the steps against
// a Target: the IdP through its Go API, the AWS side only as a customer
// reaches AWS, with aws-sdk-go-v2 clients and the sp/control client for the
// clock, so one drill runs against the embedded emulator or any endpoint.
// The built-in drills are embedded from builtin/.
package scenarios
