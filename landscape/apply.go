package landscape

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
)

// IAMClients returns the IAM client that acts in an account: for the
// emulator or LocalStack, one signed as that account's root (its id as the
// access key); on AWS, one whose credentials reach the account.
type IAMClients func(ctx context.Context, account string) (*iam.Client, error)

// ApplyOptions tune Apply.
type ApplyOptions struct {
	// IdPMetadata is the landscape IdP's metadata, for providers whose
	// metadata is MetadataFromIdP. Required when the landscape has one.
	IdPMetadata []byte
	// DryRun reads the target to say what would change, and changes
	// nothing.
	DryRun bool
}

// Change is one step of an Apply, done or (in a dry run) planned.
type Change struct {
	Account string `json:"account"`
	// Kind is saml-provider, role, role-policy or attached-policy.
	Kind string `json:"kind"`
	Name string `json:"name"`
	// Action is create, update or skip.
	Action string `json:"action"`
	Detail string `json:"detail,omitempty"`
}

// Apply creates the landscape's AWS side through the IAM API, the way a
// customer would: SAML providers, then roles with their trust policies,
// inline and managed policies. What exists already is updated to match.
// IAM users, groups, MFA devices, customer managed policies and SCPs are
// reported as skipped until the emulator serves their APIs. The first error
// stops Apply; the changes made before it are returned with it.
func (l *Landscape) Apply(ctx context.Context, clients IAMClients, opts ApplyOptions) ([]Change, error) {
	var changes []Change
	for _, a := range l.Accounts {
		c, err := clients(ctx, a.ID)
		if err != nil {
			return changes, fmt.Errorf("IAM client for %s: %w", a.ID, err)
		}
		ap := applier{ctx: ctx, c: c, account: a.ID, dry: opts.DryRun}
		for _, p := range a.SAMLProviders {
			doc := opts.IdPMetadata
			if p.Metadata != MetadataFromIdP {
				if doc, err = os.ReadFile(p.Metadata); err != nil {
					return append(changes, ap.changes...), fmt.Errorf("SAML provider %s in %s: %w", p.Name, a.ID, err)
				}
			}
			if len(doc) == 0 {
				return append(changes, ap.changes...), fmt.Errorf("SAML provider %s in %s: no IdP metadata given", p.Name, a.ID)
			}
			if err := ap.samlProvider(p.Name, string(doc)); err != nil {
				return append(changes, ap.changes...), err
			}
		}
		for _, r := range a.Roles {
			if err := ap.role(r); err != nil {
				return append(changes, ap.changes...), err
			}
		}
		for _, p := range a.Policies {
			ap.skip("managed-policy", p.Name)
		}
		for _, g := range a.Groups {
			ap.skip("group", g.Name)
		}
		for _, u := range a.Users {
			ap.skip("user", u.Name)
		}
		changes = append(changes, ap.changes...)
	}
	for _, scp := range l.Organization.ServiceControlPolicies {
		changes = append(changes, Change{Kind: "service-control-policy", Name: scp.Name, Action: "skip", Detail: "not applied yet"})
	}
	return changes, nil
}

type applier struct {
	ctx     context.Context
	c       *iam.Client
	account string
	dry     bool
	changes []Change
}

func (ap *applier) record(kind, name, action string) {
	ap.changes = append(ap.changes, Change{Account: ap.account, Kind: kind, Name: name, Action: action})
}

func (ap *applier) skip(kind, name string) {
	ap.changes = append(ap.changes, Change{Account: ap.account, Kind: kind, Name: name, Action: "skip", Detail: "not applied yet"})
}

func notFound(err error) bool {
	var nse *types.NoSuchEntityException
	return errors.As(err, &nse)
}

func apiErr(what string, err error) error {
	var api smithy.APIError
	if errors.As(err, &api) {
		return fmt.Errorf("%s: %s: %s", what, api.ErrorCode(), api.ErrorMessage())
	}
	return fmt.Errorf("%s: %w", what, err)
}

func (ap *applier) samlProvider(name, doc string) error {
	arn := "arn:aws:iam::" + ap.account + ":saml-provider/" + name
	_, err := ap.c.GetSAMLProvider(ap.ctx, &iam.GetSAMLProviderInput{SAMLProviderArn: aws.String(arn)})
	switch {
	case notFound(err):
		ap.record("saml-provider", name, "create")
		if !ap.dry {
			if _, err := ap.c.CreateSAMLProvider(ap.ctx, &iam.CreateSAMLProviderInput{Name: aws.String(name), SAMLMetadataDocument: aws.String(doc)}); err != nil {
				return apiErr("create SAML provider "+arn, err)
			}
		}
	case err != nil:
		return apiErr("read SAML provider "+arn, err)
	default:
		ap.record("saml-provider", name, "update")
		if !ap.dry {
			if _, err := ap.c.UpdateSAMLProvider(ap.ctx, &iam.UpdateSAMLProviderInput{SAMLProviderArn: aws.String(arn), SAMLMetadataDocument: aws.String(doc)}); err != nil {
				return apiErr("update SAML provider "+arn, err)
			}
		}
	}
	return nil
}

func (ap *applier) role(r Role) error {
	arn := r.ARN(ap.account)
	_, err := ap.c.GetRole(ap.ctx, &iam.GetRoleInput{RoleName: aws.String(r.Name)})
	switch {
	case notFound(err):
		ap.record("role", r.Name, "create")
		if !ap.dry {
			in := &iam.CreateRoleInput{
				RoleName: aws.String(r.Name), Path: aws.String(pathOrRoot(r.Path)),
				AssumeRolePolicyDocument: aws.String(r.TrustPolicy.JSON()),
				MaxSessionDuration:       aws.Int32(int32(r.MaxSessionDuration)),
			}
			if r.Description != "" {
				in.Description = aws.String(r.Description)
			}
			keys := make([]string, 0, len(r.Tags))
			for k := range r.Tags {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				in.Tags = append(in.Tags, types.Tag{Key: aws.String(k), Value: aws.String(r.Tags[k])})
			}
			if _, err := ap.c.CreateRole(ap.ctx, in); err != nil {
				return apiErr("create role "+arn, err)
			}
		}
	case err != nil:
		return apiErr("read role "+arn, err)
	default:
		ap.record("role", r.Name, "update")
		if !ap.dry {
			if _, err := ap.c.UpdateAssumeRolePolicy(ap.ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String(r.Name), PolicyDocument: aws.String(r.TrustPolicy.JSON())}); err != nil {
				return apiErr("update trust policy of "+arn, err)
			}
			if _, err := ap.c.UpdateRole(ap.ctx, &iam.UpdateRoleInput{RoleName: aws.String(r.Name), MaxSessionDuration: aws.Int32(int32(r.MaxSessionDuration))}); err != nil {
				return apiErr("update role "+arn, err)
			}
		}
	}
	names := make([]string, 0, len(r.InlinePolicies))
	for n := range r.InlinePolicies {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		ap.record("role-policy", r.Name+"/"+n, "update")
		if !ap.dry {
			if _, err := ap.c.PutRolePolicy(ap.ctx, &iam.PutRolePolicyInput{RoleName: aws.String(r.Name), PolicyName: aws.String(n), PolicyDocument: aws.String(r.InlinePolicies[n].JSON())}); err != nil {
				return apiErr("put policy "+n+" on "+arn, err)
			}
		}
	}
	for _, p := range r.ManagedPolicies {
		ap.record("attached-policy", r.Name+" "+p, "update")
		if !ap.dry {
			if _, err := ap.c.AttachRolePolicy(ap.ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(r.Name), PolicyArn: aws.String(p)}); err != nil {
				return apiErr("attach "+p+" to "+arn, err)
			}
		}
	}
	return nil
}
