// Command breakglass proves, before the day it is needed, that an AWS
// emergency ("break-glass") access path works: a local SAML IdP, an embedded
// AWS emulator, failover drills, a metadata linter and an error explainer.
//
// main only wires the process to run; every subcommand lives in this package
// as a method of cli and holds no domain logic of its own.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
