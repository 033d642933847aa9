package landscape

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/smithy-go"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
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
	// Organizations returns the Organizations client of the management
	// account, for the SCPs. Nil skips the SCPs.
	Organizations func(ctx context.Context, account string) (*organizations.Client, error)
	// Now is the clock MFA codes are computed with when a virtual MFA
	// device is enabled. Nil means time.Now.
	Now func() time.Time
	// OnMFASeed receives the seed of each virtual MFA device Apply creates:
	// AWS chooses it, so the landscape's totp_secret cannot be imported, and
	// a drill computes the user's codes from this one. Nil discards it. The
	// seed is a secret: never log it.
	OnMFASeed func(userARN, serial, seed string)
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

// Apply creates the landscape's AWS side through the AWS API, the way a
// customer would: in every account SAML providers, IAM groups and users
// (login profile, virtual MFA device); then the roles of all accounts
// with their trust, inline and managed policies, a role after the roles
// its trust policy names (IAM refuses a trust policy naming a user or role
// that does not exist yet); then, through AWS Organizations, the SCPs.
// What exists already is updated to match where IAM allows it. Customer
// managed policies are reported as skipped. The first error stops Apply;
// the changes made before it are returned with it.
func (l *Landscape) Apply(ctx context.Context, clients IAMClients, opts ApplyOptions) ([]Change, error) {
	var changes []Change
	appliers := make(map[string]*applier, len(l.Accounts))
	for _, a := range l.Accounts {
		c, err := clients(ctx, a.ID)
		if err != nil {
			return changes, fmt.Errorf("IAM client for %s: %w", a.ID, err)
		}
		ap := &applier{ctx: ctx, c: c, account: a.ID, dry: opts.DryRun}
		appliers[a.ID] = ap
		err = ap.principals(a, opts)
		changes = append(changes, ap.changes...)
		ap.changes = nil
		if err != nil {
			return changes, err
		}
	}
	for _, ar := range l.roleOrder() {
		ap := appliers[ar.account]
		err := ap.role(ar.role)
		changes = append(changes, ap.changes...)
		ap.changes = nil
		if err != nil {
			return changes, err
		}
	}
	for _, a := range l.Accounts {
		ap := appliers[a.ID]
		for _, p := range a.Policies {
			ap.skip("managed-policy", p.Name)
		}
		changes = append(changes, ap.changes...)
	}
	scps, err := l.applySCPs(ctx, opts)
	return append(changes, scps...), err
}

// principals applies an account's SAML providers, groups and users.
func (ap *applier) principals(a Account, opts ApplyOptions) error {
	for _, p := range a.SAMLProviders {
		doc := opts.IdPMetadata
		if p.Metadata != MetadataFromIdP {
			var err error
			if doc, err = os.ReadFile(p.Metadata); err != nil {
				return fmt.Errorf("SAML provider %s in %s: %w", p.Name, a.ID, err)
			}
		}
		if len(doc) == 0 {
			return fmt.Errorf("SAML provider %s in %s: no IdP metadata given", p.Name, a.ID)
		}
		if err := ap.samlProvider(p.Name, string(doc)); err != nil {
			return err
		}
	}
	for _, g := range a.Groups {
		if err := ap.group(g); err != nil {
			return err
		}
	}
	for _, u := range a.Users {
		if err := ap.user(u, opts); err != nil {
			return err
		}
	}
	return nil
}

// accountRole is a role with the account it lives in.
type accountRole struct {
	account string
	role    Role
}

// roleOrder lists the roles of all accounts so that a role whose trust
// policy names another role of the landscape comes after it; otherwise in
// the landscape's order. Roles in a cycle (which IAM cannot create either)
// keep the landscape's order, and IAM's error reports them.
func (l *Landscape) roleOrder() []accountRole {
	var all []accountRole
	for _, a := range l.Accounts {
		for _, r := range a.Roles {
			all = append(all, accountRole{a.ID, r})
		}
	}
	done := make([]bool, len(all))
	names := func(i, j int) bool { // does role i's trust name role j?
		return i != j && strings.Contains(all[i].role.TrustPolicy.JSON(), `"`+all[j].role.ARN(all[j].account)+`"`)
	}
	ready := func(i int) bool {
		for j := range all {
			if !done[j] && names(i, j) {
				return false
			}
		}
		return true
	}
	out := make([]accountRole, 0, len(all))
	for len(out) < len(all) {
		progress := false
		for i := range all {
			if !done[i] && ready(i) {
				done[i], progress = true, true
				out = append(out, all[i])
			}
		}
		if !progress {
			for i := range all {
				if !done[i] {
					done[i] = true
					out = append(out, all[i])
				}
			}
		}
	}
	return out
}

// applySCPs creates the organization if needed, then each SCP, and
// attaches it to its targets.
func (l *Landscape) applySCPs(ctx context.Context, opts ApplyOptions) ([]Change, error) {
	var changes []Change
	org := l.Organization
	if len(org.ServiceControlPolicies) == 0 {
		return nil, nil
	}
	if opts.Organizations == nil {
		for _, scp := range org.ServiceControlPolicies {
			changes = append(changes, Change{Kind: "service-control-policy", Name: scp.Name, Action: "skip", Detail: "no Organizations client"})
		}
		return changes, nil
	}
	c, err := opts.Organizations(ctx, org.ManagementAccount)
	if err != nil {
		return changes, fmt.Errorf("Organizations client for %s: %w", org.ManagementAccount, err)
	}
	if _, err := c.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{}); err != nil {
		var notInUse *orgtypes.AWSOrganizationsNotInUseException
		if !errors.As(err, &notInUse) {
			return changes, apiErr("describe the organization", err)
		}
		changes = append(changes, Change{Account: org.ManagementAccount, Kind: "organization", Name: "organization", Action: "create"})
		if !opts.DryRun {
			if _, err := c.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}); err != nil {
				return changes, apiErr("create the organization", err)
			}
		}
	}
	existing := map[string]string{}
	if list, err := c.ListPolicies(ctx, &organizations.ListPoliciesInput{Filter: orgtypes.PolicyTypeServiceControlPolicy}); err == nil {
		for _, p := range list.Policies {
			existing[aws.ToString(p.Name)] = aws.ToString(p.Id)
		}
	}
	for _, scp := range org.ServiceControlPolicies {
		id, ok := existing[scp.Name]
		if ok {
			changes = append(changes, Change{Account: org.ManagementAccount, Kind: "service-control-policy", Name: scp.Name, Action: "skip", Detail: "exists"})
		} else {
			changes = append(changes, Change{Account: org.ManagementAccount, Kind: "service-control-policy", Name: scp.Name, Action: "create"})
			if opts.DryRun {
				continue
			}
			out, err := c.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String(scp.Name), Description: aws.String(scp.Description),
				Content: aws.String(scp.Policy.JSON()), Type: orgtypes.PolicyTypeServiceControlPolicy})
			if err != nil {
				return changes, apiErr("create SCP "+scp.Name, err)
			}
			id = aws.ToString(out.Policy.PolicySummary.Id)
		}
		for _, t := range scp.Targets {
			changes = append(changes, Change{Account: t, Kind: "scp-attachment", Name: scp.Name, Action: "update"})
			if opts.DryRun {
				continue
			}
			_, err := c.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: aws.String(id), TargetId: aws.String(t)})
			var dup *orgtypes.DuplicatePolicyAttachmentException
			if err != nil && !errors.As(err, &dup) {
				return changes, apiErr("attach SCP "+scp.Name+" to "+t, err)
			}
		}
	}
	return changes, nil
}

// exists reports whether err says the entity is already there.
func exists(err error) bool {
	var e *types.EntityAlreadyExistsException
	return errors.As(err, &e)
}

func (ap *applier) group(g IAMGroup) error {
	_, err := ap.c.GetGroup(ap.ctx, &iam.GetGroupInput{GroupName: aws.String(g.Name)})
	switch {
	case notFound(err):
		ap.record("group", g.Name, "create")
		if !ap.dry {
			if _, err := ap.c.CreateGroup(ap.ctx, &iam.CreateGroupInput{GroupName: aws.String(g.Name)}); err != nil {
				return apiErr("create group "+g.Name, err)
			}
		}
	case err != nil:
		return apiErr("read group "+g.Name, err)
	}
	for _, n := range sortedKeys(g.InlinePolicies) {
		ap.record("group-policy", g.Name+"/"+n, "update")
		if !ap.dry {
			if _, err := ap.c.PutGroupPolicy(ap.ctx, &iam.PutGroupPolicyInput{GroupName: aws.String(g.Name), PolicyName: aws.String(n), PolicyDocument: aws.String(g.InlinePolicies[n].JSON())}); err != nil {
				return apiErr("put policy "+n+" on group "+g.Name, err)
			}
		}
	}
	for _, p := range g.ManagedPolicies {
		ap.record("attached-policy", g.Name+" "+p, "update")
		if !ap.dry {
			if _, err := ap.c.AttachGroupPolicy(ap.ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String(g.Name), PolicyArn: aws.String(p)}); err != nil {
				return apiErr("attach "+p+" to group "+g.Name, err)
			}
		}
	}
	return nil
}

func (ap *applier) user(u IAMUser, opts ApplyOptions) error {
	_, err := ap.c.GetUser(ap.ctx, &iam.GetUserInput{UserName: aws.String(u.Name)})
	creating := notFound(err)
	switch {
	case creating:
		ap.record("user", u.Name, "create")
		if !ap.dry {
			if _, err := ap.c.CreateUser(ap.ctx, &iam.CreateUserInput{UserName: aws.String(u.Name)}); err != nil {
				return apiErr("create user "+u.Name, err)
			}
		}
	case err != nil:
		return apiErr("read user "+u.Name, err)
	}
	if ap.dry {
		// Plan what a new user will get; read what an existing one lacks.
		if u.ConsolePassword != "" {
			has := false
			if !creating {
				_, err := ap.c.GetLoginProfile(ap.ctx, &iam.GetLoginProfileInput{UserName: aws.String(u.Name)})
				if err != nil && !notFound(err) {
					return apiErr("read the login profile of "+u.Name, err)
				}
				has = err == nil
			}
			if !has {
				ap.record("login-profile", u.Name, "create")
			}
		}
		if u.MFA != nil && creating {
			ap.record("mfa-device", u.MFA.Device, "create")
		} else if u.MFA != nil {
			return ap.mfa(u, opts) // in a dry run it only reads and records
		}
		return nil
	}
	for _, g := range u.Groups {
		if _, err := ap.c.AddUserToGroup(ap.ctx, &iam.AddUserToGroupInput{GroupName: aws.String(g), UserName: aws.String(u.Name)}); err != nil {
			return apiErr("add "+u.Name+" to "+g, err)
		}
	}
	for _, n := range sortedKeys(u.InlinePolicies) {
		if _, err := ap.c.PutUserPolicy(ap.ctx, &iam.PutUserPolicyInput{UserName: aws.String(u.Name), PolicyName: aws.String(n), PolicyDocument: aws.String(u.InlinePolicies[n].JSON())}); err != nil {
			return apiErr("put policy "+n+" on user "+u.Name, err)
		}
	}
	for _, p := range u.ManagedPolicies {
		if _, err := ap.c.AttachUserPolicy(ap.ctx, &iam.AttachUserPolicyInput{UserName: aws.String(u.Name), PolicyArn: aws.String(p)}); err != nil {
			return apiErr("attach "+p+" to user "+u.Name, err)
		}
	}
	if u.ConsolePassword != "" {
		_, err := ap.c.CreateLoginProfile(ap.ctx, &iam.CreateLoginProfileInput{UserName: aws.String(u.Name), Password: aws.String(u.ConsolePassword)})
		switch {
		case exists(err):
			ap.record("login-profile", u.Name, "skip")
		case err != nil:
			return apiErr("create the login profile of "+u.Name, err)
		default:
			ap.record("login-profile", u.Name, "create")
		}
	}
	if u.MFA != nil {
		return ap.mfa(u, opts)
	}
	return nil
}

// mfa creates and enables a virtual MFA device as a person would: read the
// seed, then type two consecutive codes.
func (ap *applier) mfa(u IAMUser, opts ApplyOptions) error {
	serial := "arn:aws:iam::" + ap.account + ":mfa/" + u.MFA.Device
	devices, err := ap.c.ListMFADevices(ap.ctx, &iam.ListMFADevicesInput{UserName: aws.String(u.Name)})
	if err != nil {
		return apiErr("list MFA devices of "+u.Name, err)
	}
	for _, d := range devices.MFADevices {
		if aws.ToString(d.SerialNumber) == serial {
			ap.record("mfa-device", u.MFA.Device, "skip")
			return nil
		}
	}
	ap.record("mfa-device", u.MFA.Device, "create")
	if ap.dry {
		return nil
	}
	out, err := ap.c.CreateVirtualMFADevice(ap.ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String(u.MFA.Device)})
	if err != nil {
		return apiErr("create MFA device "+u.MFA.Device, err)
	}
	seed := string(out.VirtualMFADevice.Base32StringSeed)
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	// The two consecutive codes of the last minute, so the current code is
	// still unused for the user's first sign-in (a code is accepted once).
	t := now()
	c1, err1 := totpCode(seed, t.Add(-60*time.Second))
	c2, err2 := totpCode(seed, t.Add(-30*time.Second))
	if err := errors.Join(err1, err2); err != nil {
		return fmt.Errorf("MFA device %s: %w", u.MFA.Device, err)
	}
	if _, err := ap.c.EnableMFADevice(ap.ctx, &iam.EnableMFADeviceInput{UserName: aws.String(u.Name), SerialNumber: out.VirtualMFADevice.SerialNumber,
		AuthenticationCode1: aws.String(c1), AuthenticationCode2: aws.String(c2)}); err != nil {
		return apiErr("enable MFA device "+u.MFA.Device, err)
	}
	if opts.OnMFASeed != nil {
		opts.OnMFASeed(u.ARN(ap.account), aws.ToString(out.VirtualMFADevice.SerialNumber), seed)
	}
	return nil
}

// totpCode is what an authenticator app shows for seed at t (RFC 6238).
func totpCode(seed string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(seed, t, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
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
			for _, k := range sortedKeys(r.Tags) {
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
	for _, n := range sortedKeys(r.InlinePolicies) {
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
