package e2e_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/breakglass-dev/breakglass/landscape"
	"github.com/breakglass-dev/breakglass/sp"
)

// TestApplyOrdersTrust: IAM refuses a trust policy that names a user or
// role not yet created, so Apply creates the users first and each role
// after the roles its trust names, whatever order the landscape lists the
// accounts in. The built-in landscape is applied with its accounts
// reversed, workload accounts (whose roles trust the emergency account's
// roles) first.
func TestApplyOrdersTrust(t *testing.T) {
	l := landscape.Default()
	slices.Reverse(l.Accounts)
	emu := sp.New(sp.Config{})
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	clients := func(ctx context.Context, account string) (*iam.Client, error) {
		return iam.New(iam.Options{Region: region, BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider(account, "breakglass", "")}), nil
	}
	w := newWorld(t, nil) // only for the IdP metadata
	changes, err := l.Apply(t.Context(), clients, landscape.ApplyOptions{IdPMetadata: w.metadata})
	if err != nil {
		t.Fatalf("apply with the accounts reversed: %v", err)
	}
	at := func(account, name string) int {
		return slices.IndexFunc(changes, func(c landscape.Change) bool {
			return c.Account == account && c.Kind == "role" && c.Name == name
		})
	}
	emergencyRole, workloadRole := at(emergency, "EmergencyAccess_Role1_RO"), at("222222222222", "EmergencyAccess_RO")
	if emergencyRole < 0 || workloadRole < 0 || emergencyRole > workloadRole {
		t.Errorf("role changes at %d (emergency) and %d (workload): want the emergency role first", emergencyRole, workloadRole)
	}
}
