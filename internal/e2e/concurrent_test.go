package e2e_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

const (
	scratchTrust  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::333333333333:root"},"Action":"sts:AssumeRole"}]}`
	scratchPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
)

// TestConcurrentFederationsAndIAMWrites federates from several goroutines
// while others write IAM (scratch roles in workload Account 2, the SAML
// provider the federations go through re-uploaded with the same metadata)
// and read CloudTrail, all over HTTP against one emulator. Every call must
// succeed, and CloudTrail must afterwards hold one AssumeRoleWithSAML event
// per federation. Run under -race it checks the emulator's and the IdP's
// locking; each goroutine does a fixed number of iterations, so it ends in
// a few seconds.
func TestConcurrentFederationsAndIAMWrites(t *testing.T) {
	const federators, writers, iterations = 8, 2, 10
	w := newWorld(t, nil)
	ctx := t.Context()
	start := time.Now()

	var wg sync.WaitGroup
	for g := range federators {
		wg.Go(func() {
			c := w.sts()
			for i := range iterations {
				creds, err := w.federate(ctx, c)
				if err != nil {
					t.Errorf("federator %d, iteration %d: %v", g, i, err)
					return
				}
				id, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}, withCredentials(creds))
				if err != nil {
					t.Errorf("federator %d, iteration %d: GetCallerIdentity: %v", g, i, err)
					return
				}
				if got, want := aws.ToString(id.Arn), "arn:aws:sts::222222222222:assumed-role/EmergencyAccess_RO/alice"; got != want {
					t.Errorf("federator %d, iteration %d: caller %s, want %s", g, i, got, want)
				}
			}
		})
	}
	for g := range writers {
		wg.Go(func() {
			workload, root := w.iam(workload2), w.iam(emergency)
			for i := range iterations {
				name := fmt.Sprintf("Scratch_%d_%d", g, i)
				steps := []struct {
					what string
					call func() error
				}{
					{"CreateRole", func() error {
						_, err := workload.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(scratchTrust)})
						return err
					}},
					{"PutRolePolicy", func() error {
						_, err := workload.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("Scratch"), PolicyDocument: aws.String(scratchPolicy)})
						return err
					}},
					{"DeleteRolePolicy", func() error {
						_, err := workload.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("Scratch")})
						return err
					}},
					{"DeleteRole", func() error {
						_, err := workload.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(name)})
						return err
					}},
					{"UpdateSAMLProvider", func() error {
						_, err := root.UpdateSAMLProvider(ctx, &iam.UpdateSAMLProviderInput{SAMLProviderArn: aws.String(providerARN), SAMLMetadataDocument: aws.String(string(w.metadata))})
						return err
					}},
				}
				for _, s := range steps {
					if err := s.call(); err != nil {
						t.Errorf("writer %d, iteration %d: %s: %v", g, i, s.what, err)
						return
					}
				}
			}
		})
	}
	wg.Go(func() {
		ct := w.cloudTrail(emergency)
		for i := range iterations {
			if _, err := ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{}); err != nil {
				t.Errorf("reader, iteration %d: LookupEvents: %v", i, err)
				return
			}
		}
	})
	wg.Wait()
	t.Logf("%d federations, %d IAM writes, %d lookups in %v", federators*iterations, writers*iterations*5, iterations, time.Since(start).Round(time.Millisecond))
	if t.Failed() {
		return
	}

	// Every federation is recorded in the emergency account, without error.
	pages := cloudtrail.NewLookupEventsPaginator(w.cloudTrail(emergency), &cloudtrail.LookupEventsInput{
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("AssumeRoleWithSAML")}},
	})
	ok := 0
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatalf("LookupEvents: %v", err)
		}
		for _, ev := range page.Events {
			if strings.Contains(aws.ToString(ev.CloudTrailEvent), `"errorCode"`) {
				t.Errorf("AssumeRoleWithSAML event with an error: %s", aws.ToString(ev.CloudTrailEvent))
				continue
			}
			ok++
		}
	}
	if want := federators * iterations; ok < want {
		t.Errorf("got %d successful AssumeRoleWithSAML events in %s, want at least %d", ok, emergency, want)
	}
}
