// Package iam emulates the IAM Query API (version 2010-05-08) over the
// emulator's store: SAML providers and roles, with IAM's validation rules,
// error codes and response shapes.
//
// Source: botocore's IAM service model (reference [R2]) for parameters,
// constraints and errors; reference sections 6 and 9.
package iam

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/breakglass-dev/breakglass/sp/internal/awsquery"
	"github.com/breakglass-dev/breakglass/sp/internal/policy"
	"github.com/breakglass-dev/breakglass/sp/internal/store"
	"github.com/breakglass-dev/breakglass/sp/samlcheck"
)

// Namespace and Version of the IAM Query API.
const (
	Namespace = "https://iam.amazonaws.com/doc/2010-05-08/"
	Version   = "2010-05-08"
)

// Service answers IAM actions. Store is required.
type Service struct {
	Store *store.Store
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// parseMetadata applies IAM's upload checks to a SAML metadata document
// with the same package STS verifies assertions with, and returns IAM's
// error when it would refuse it.
func parseMetadata(doc string) (*samlcheck.Metadata, *awsquery.Error) {
	md, err := samlcheck.ParseMetadata([]byte(doc))
	if err != nil {
		var se *samlcheck.Error
		if errors.As(err, &se) {
			return nil, &awsquery.Error{Status: se.Status, Code: se.Code, Message: se.Message}
		}
		return nil, invalidInput("%s", samlcheck.MsgCouldNotParseMetadata)
	}
	return md, nil
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

type handler func(s *Service, caller store.Principal, r *awsquery.Request) (any, *awsquery.Error)

var actions = map[string]handler{
	"CreateSAMLProvider":       (*Service).createSAMLProvider,
	"GetSAMLProvider":          (*Service).getSAMLProvider,
	"UpdateSAMLProvider":       (*Service).updateSAMLProvider,
	"DeleteSAMLProvider":       (*Service).deleteSAMLProvider,
	"ListSAMLProviders":        (*Service).listSAMLProviders,
	"CreateRole":               (*Service).createRole,
	"GetRole":                  (*Service).getRole,
	"ListRoles":                (*Service).listRoles,
	"DeleteRole":               (*Service).deleteRole,
	"UpdateRole":               (*Service).updateRole,
	"UpdateAssumeRolePolicy":   (*Service).updateAssumeRolePolicy,
	"PutRolePolicy":            putPolicy(roleOwner),
	"GetRolePolicy":            (*Service).getRolePolicy,
	"DeleteRolePolicy":         (*Service).deleteRolePolicy,
	"ListRolePolicies":         (*Service).listRolePolicies,
	"AttachRolePolicy":         attachPolicy(roleOwner),
	"DetachRolePolicy":         (*Service).detachRolePolicy,
	"ListAttachedRolePolicies": (*Service).listAttachedRolePolicies,
	"CreateUser":               (*Service).createUser,
	"GetUser":                  (*Service).getUser,
	"ListUsers":                (*Service).listUsers,
	"DeleteUser":               (*Service).deleteUser,
	"CreateGroup":              (*Service).createGroup,
	"GetGroup":                 (*Service).getGroup,
	"AddUserToGroup":           (*Service).addUserToGroup,
	"RemoveUserFromGroup":      (*Service).removeUserFromGroup,
	"ListGroupsForUser":        (*Service).listGroupsForUser,
	"AttachGroupPolicy":        attachPolicy(groupOwner),
	"PutGroupPolicy":           putPolicy(groupOwner),
	"AttachUserPolicy":         attachPolicy(userOwner),
	"PutUserPolicy":            putPolicy(userOwner),
	"CreateLoginProfile":       (*Service).createLoginProfile,
	"GetLoginProfile":          (*Service).getLoginProfile,
	"CreateAccessKey":          (*Service).createAccessKey,
	"ListAccessKeys":           (*Service).listAccessKeys,
	"DeleteAccessKey":          (*Service).deleteAccessKey,
	"UpdateAccessKey":          (*Service).updateAccessKey,
	"CreateVirtualMFADevice":   (*Service).createVirtualMFADevice,
	"EnableMFADevice":          (*Service).enableMFADevice,
	"DeactivateMFADevice":      (*Service).deactivateMFADevice,
	"ListMFADevices":           (*Service).listMFADevices,
	"ListVirtualMFADevices":    (*Service).listVirtualMFADevices,
	"SimulatePrincipalPolicy":  (*Service).simulatePrincipalPolicy,
	"SimulateCustomPolicy":     (*Service).simulateCustomPolicy,
	"CreatePolicy":             (*Service).createPolicy,
	"GetPolicy":                (*Service).getPolicy,
	"GetPolicyVersion":         (*Service).getPolicyVersion,
	"CreatePolicyVersion":      (*Service).createPolicyVersion,
	"ListPolicyVersions":       (*Service).listPolicyVersions,
	"SetDefaultPolicyVersion":  (*Service).setDefaultPolicyVersion,
	"DeletePolicyVersion":      (*Service).deletePolicyVersion,
	"ListPolicies":             (*Service).listPolicies,
	"DeletePolicy":             (*Service).deletePolicy,
	"TagRole":                  (*Service).tagRole,
	"UntagRole":                (*Service).untagRole,
	"ListRoleTags":             (*Service).listRoleTags,
	"TagUser":                  (*Service).tagUser,
	"UntagUser":                (*Service).untagUser,
	"ListUserTags":             (*Service).listUserTags,
	"TagSAMLProvider":          (*Service).tagSAMLProvider,
	"UntagSAMLProvider":        (*Service).untagSAMLProvider,
	"ListSAMLProviderTags":     (*Service).listSAMLProviderTags,
	"TagPolicy":                (*Service).tagPolicy,
	"UntagPolicy":              (*Service).untagPolicy,
	"ListPolicyTags":           (*Service).listPolicyTags,
}

// Actions lists the actions the service answers.
func Actions() []string {
	out := make([]string, 0, len(actions))
	for a := range actions {
		out = append(out, a)
	}
	return out
}

// Handle answers one IAM request made by caller. The result is marshalled
// by awsquery.WriteResult; nil means the action has no output shape (no
// Result element), struct{}{} an output shape without members.
func (s *Service) Handle(ctx context.Context, caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	h, ok := actions[r.Action]
	if !ok {
		return nil, awsquery.InvalidAction(r.Action)
	}
	return h(s, caller, r)
}

// Errors in IAM's shapes.
func noSuchEntity(format string, args ...any) *awsquery.Error {
	return awsquery.Errorf(http.StatusNotFound, "NoSuchEntity", format, args...)
}

func invalidInput(format string, args ...any) *awsquery.Error {
	return awsquery.Errorf(http.StatusBadRequest, "InvalidInput", format, args...)
}

// validation is the model-constraint error of AWS's Query services:
// "1 validation error detected: Value 'v' at 'member' failed to satisfy
// constraint: ..." (reference section 3, [R52]).
func validation(value, member, constraint string) *awsquery.Error {
	return awsquery.Errorf(http.StatusBadRequest, "ValidationError",
		"1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, member, constraint)
}

// malformedPolicy is IAM's answer to a policy document it cannot accept.
func malformedPolicy(err error) *awsquery.Error {
	var m *policy.MalformedError
	if errors.As(err, &m) {
		return awsquery.Errorf(http.StatusBadRequest, "MalformedPolicyDocument", "%s", m.Message)
	}
	return awsquery.Errorf(http.StatusBadRequest, "MalformedPolicyDocument", "Syntax errors in policy.")
}

// trustPolicy parses and validates a role trust policy as IAM does at
// CreateRole and UpdateAssumeRolePolicy, and binds the users and roles it
// names to their unique ids: a principal that does not exist is refused,
// and one deleted and created again later is no longer trusted [R22].
func (s *Service) trustPolicy(doc string) (*policy.Policy, *awsquery.Error) {
	p, err := policy.Parse(doc)
	if err == nil {
		err = policy.ValidateTrust(p)
	}
	if err == nil {
		err = policy.BindPrincipals(p, s.uniqueID)
	}
	if err != nil {
		return nil, malformedPolicy(err)
	}
	return p, nil
}

// uniqueID returns the id of the user or role an IAM ARN names.
func (s *Service) uniqueID(arn string) (string, bool) {
	rest, ok := strings.CutPrefix(arn, "arn:aws:iam::")
	if !ok || len(rest) < 13 || rest[12] != ':' {
		return "", false
	}
	account, resource := rest[:12], rest[13:]
	name := resource[strings.LastIndexByte(resource, '/')+1:]
	switch {
	case strings.HasPrefix(resource, "role/"):
		if r, err := s.Store.Role(account, name); err == nil && strings.EqualFold(r.ARN, arn) {
			return r.ID, true
		}
	case strings.HasPrefix(resource, "user/"):
		if u, err := s.Store.User(account, name); err == nil && strings.EqualFold(u.ARN, arn) {
			return u.ID, true
		}
	}
	return "", false
}

// identityPolicy parses and validates an identity-based policy.
func identityPolicy(doc string) *awsquery.Error {
	p, err := policy.Parse(doc)
	if err == nil {
		err = policy.ValidateIdentity(p)
	}
	if err != nil {
		return malformedPolicy(err)
	}
	return nil
}

func missing(member string) *awsquery.Error {
	return validation("null", member, "Member must not be null")
}

// Constraints from the IAM service model [R2].
var (
	reRoleName     = regexp.MustCompile(`^[\w+=,.@-]+$`)
	reProviderName = regexp.MustCompile(`^[\w._-]+$`)
	rePath         = regexp.MustCompile(`^(\x{002F})|(\x{002F}[\x{0021}-\x{007E}]+\x{002F})$`)
	reProviderARN  = regexp.MustCompile(`^arn:aws:iam::(\d{12}):saml-provider/([\w._-]+)$`)
	rePolicyARN    = regexp.MustCompile(`^arn:aws:iam::(aws|\d{12}):policy/(?:[\x21-\x7E]*/)?([\w+=,.@-]+)$`)
)

// required reads a parameter that the model marks required, with length
// bounds and an optional pattern.
func required(r *awsquery.Request, param, member string, minLen, maxLen int, pattern *regexp.Regexp, patternText string) (string, *awsquery.Error) {
	if !r.Has(param) {
		return "", missing(member)
	}
	return optional(r, param, member, minLen, maxLen, pattern, patternText)
}

func optional(r *awsquery.Request, param, member string, minLen, maxLen int, pattern *regexp.Regexp, patternText string) (string, *awsquery.Error) {
	v := r.Get(param)
	if !r.Has(param) {
		return "", nil
	}
	if n := len([]rune(v)); n < minLen {
		return "", validation(v, member, fmt.Sprintf("Member must have length greater than or equal to %d", minLen))
	} else if n > maxLen {
		return "", validation(truncate(v), member, fmt.Sprintf("Member must have length less than or equal to %d", maxLen))
	}
	if pattern != nil && !pattern.MatchString(v) {
		return "", validation(v, member, "Member must satisfy regular expression pattern: "+patternText)
	}
	return v, nil
}

func truncate(v string) string {
	if len(v) > 256 {
		return v[:256] + "..."
	}
	return v
}

func tags(r *awsquery.Request) []store.Tag {
	var out []store.Tag
	for i := 1; ; i++ {
		k := r.Params.Get(fmt.Sprintf("Tags.member.%d.Key", i))
		if k == "" {
			return out
		}
		out = append(out, store.Tag{Key: k, Value: r.Params.Get(fmt.Sprintf("Tags.member.%d.Value", i))})
	}
}

type xmlTag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

func xmlTags(ts []store.Tag) []xmlTag {
	out := make([]xmlTag, 0, len(ts))
	for _, t := range ts {
		out = append(out, xmlTag{t.Key, t.Value})
	}
	return out
}

// isoTime is IAM's timestamp form.
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// providerARN parses a SAML provider ARN and checks it names the caller's
// account.
func providerARN(caller store.Principal, r *awsquery.Request) (name string, err *awsquery.Error) {
	arn, err := required(r, "SAMLProviderArn", "sAMLProviderArn", 20, 2048, nil, "")
	if err != nil {
		return "", err
	}
	m := reProviderARN.FindStringSubmatch(arn)
	if m == nil {
		return "", invalidInput("ARN %s is not valid.", arn)
	}
	if m[1] != caller.Account {
		return "", noSuchEntity("SAMLProvider %s does not exist.", arn)
	}
	return m[2], nil
}

func (s *Service) createSAMLProvider(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	doc, err := required(r, "SAMLMetadataDocument", "sAMLMetadataDocument", 1000, 10000000, nil, "")
	if err != nil {
		return nil, err
	}
	name, err := required(r, "Name", "name", 1, 128, reProviderName, `[\w._-]+`)
	if err != nil {
		return nil, err
	}
	md, err := parseMetadata(doc)
	if err != nil {
		return nil, err
	}
	now := s.now()
	p := store.SAMLProvider{
		Name: name, ARN: "arn:aws:iam::" + caller.Account + ":saml-provider/" + name,
		UUID: store.NewID("", 26), Metadata: doc, Parsed: md, CreateDate: now, ValidUntil: now.AddDate(100, 0, 0),
		Tags: tags(r),
	}
	if _, e := s.Store.PutSAMLProvider(caller.Account, p); e != nil {
		return nil, awsquery.Errorf(http.StatusConflict, "EntityAlreadyExists", "SAMLProvider %s already exists.", name)
	}
	return struct {
		ARN  string   `xml:"SAMLProviderArn"`
		Tags []xmlTag `xml:"Tags>member"`
	}{p.ARN, xmlTags(p.Tags)}, nil
}

func (s *Service) getSAMLProvider(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	name, err := providerARN(caller, r)
	if err != nil {
		return nil, err
	}
	p, e := s.Store.SAMLProvider(caller.Account, name)
	if e != nil {
		return nil, noSuchEntity("SAMLProvider %s does not exist.", r.Get("SAMLProviderArn"))
	}
	return struct {
		UUID       string   `xml:"SAMLProviderUUID"`
		Metadata   string   `xml:"SAMLMetadataDocument"`
		CreateDate string   `xml:"CreateDate"`
		ValidUntil string   `xml:"ValidUntil"`
		Tags       []xmlTag `xml:"Tags>member"`
	}{p.UUID, p.Metadata, isoTime(p.CreateDate), isoTime(p.ValidUntil), xmlTags(p.Tags)}, nil
}

func (s *Service) updateSAMLProvider(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	name, err := providerARN(caller, r)
	if err != nil {
		return nil, err
	}
	doc, err := optional(r, "SAMLMetadataDocument", "sAMLMetadataDocument", 1000, 10000000, nil, "")
	if err != nil {
		return nil, err
	}
	var md *samlcheck.Metadata
	if doc != "" {
		if md, err = parseMetadata(doc); err != nil {
			return nil, err
		}
	}
	p, e := s.Store.UpdateSAMLProvider(caller.Account, name, func(p *store.SAMLProvider) {
		if doc != "" {
			p.Metadata, p.Parsed = doc, md
		}
	})
	if e != nil {
		return nil, noSuchEntity("SAMLProvider %s does not exist.", r.Get("SAMLProviderArn"))
	}
	return struct {
		ARN string `xml:"SAMLProviderArn"`
	}{p.ARN}, nil
}

func (s *Service) deleteSAMLProvider(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	name, err := providerARN(caller, r)
	if err != nil {
		return nil, err
	}
	if e := s.Store.DeleteSAMLProvider(caller.Account, name); e != nil {
		return nil, noSuchEntity("SAMLProvider %s does not exist.", r.Get("SAMLProviderArn"))
	}
	return nil, nil
}

func (s *Service) listSAMLProviders(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	type entry struct {
		ARN        string `xml:"Arn"`
		ValidUntil string `xml:"ValidUntil"`
		CreateDate string `xml:"CreateDate"`
	}
	var list []entry
	for _, p := range s.Store.SAMLProviders(caller.Account) {
		list = append(list, entry{p.ARN, isoTime(p.ValidUntil), isoTime(p.CreateDate)})
	}
	return struct {
		List []entry `xml:"SAMLProviderList>member"`
	}{list}, nil
}

type xmlRole struct {
	Path                     string   `xml:"Path"`
	RoleName                 string   `xml:"RoleName"`
	RoleID                   string   `xml:"RoleId"`
	ARN                      string   `xml:"Arn"`
	CreateDate               string   `xml:"CreateDate"`
	AssumeRolePolicyDocument string   `xml:"AssumeRolePolicyDocument"`
	Description              string   `xml:"Description,omitempty"`
	MaxSessionDuration       int      `xml:"MaxSessionDuration"`
	Tags                     []xmlTag `xml:"Tags>member,omitempty"`
}

// roleXML renders a role; IAM returns the trust policy URL-encoded [R4].
func roleXML(r store.Role) xmlRole {
	return xmlRole{r.Path, r.Name, r.ID, r.ARN, isoTime(r.CreateDate), url.QueryEscape(r.TrustPolicy),
		r.Description, r.MaxSessionDuration, xmlTags(r.Tags)}
}

func roleName(r *awsquery.Request) (string, *awsquery.Error) {
	return required(r, "RoleName", "roleName", 1, 64, reRoleName, `[\w+=,.@-]+`)
}

// maxSessionDuration reads MaxSessionDuration: 3600-43200 seconds [R2].
func maxSessionDuration(r *awsquery.Request) (int, *awsquery.Error) {
	if !r.Has("MaxSessionDuration") {
		return 0, nil
	}
	v := r.Get("MaxSessionDuration")
	n, e := strconv.Atoi(v)
	if e != nil {
		return 0, validation(v, "maxSessionDuration", "Member must be an integer")
	}
	if n < 3600 {
		return 0, validation(v, "maxSessionDuration", "Member must have value greater than or equal to 3600")
	}
	if n > 43200 {
		return 0, validation(v, "maxSessionDuration", "Member must have value less than or equal to 43200")
	}
	return n, nil
}

func (s *Service) createRole(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	name, err := roleName(r)
	if err != nil {
		return nil, err
	}
	trust, err := required(r, "AssumeRolePolicyDocument", "assumeRolePolicyDocument", 1, 131072, nil, "")
	if err != nil {
		return nil, err
	}
	parsed, err := s.trustPolicy(trust)
	if err != nil {
		return nil, err
	}
	path, err := optional(r, "Path", "path", 1, 512, rePath, `(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`)
	if err != nil {
		return nil, err
	}
	if path == "" {
		path = "/"
	}
	desc, err := optional(r, "Description", "description", 0, 1000, nil, "")
	if err != nil {
		return nil, err
	}
	max, err := maxSessionDuration(r)
	if err != nil {
		return nil, err
	}
	if max == 0 {
		max = 3600
	}
	role := store.Role{
		Name: name, Path: path, ARN: "arn:aws:iam::" + caller.Account + ":role" + path + name,
		ID: store.NewID("AROA", 17), Description: desc, TrustPolicy: trust, Trust: parsed, MaxSessionDuration: max,
		CreateDate: s.now(), InlinePolicies: map[string]string{}, Tags: tags(r),
	}
	created, e := s.Store.PutRole(caller.Account, role)
	if e != nil {
		return nil, awsquery.Errorf(http.StatusConflict, "EntityAlreadyExists", "Role with name %s already exists.", name)
	}
	return struct {
		Role xmlRole `xml:"Role"`
	}{roleXML(created)}, nil
}

func (s *Service) role(caller store.Principal, r *awsquery.Request) (store.Role, *awsquery.Error) {
	name, err := roleName(r)
	if err != nil {
		return store.Role{}, err
	}
	role, e := s.Store.Role(caller.Account, name)
	if e != nil {
		return store.Role{}, noSuchEntity("The role with name %s cannot be found.", name)
	}
	return role, nil
}

func (s *Service) getRole(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	role, err := s.role(caller, r)
	if err != nil {
		return nil, err
	}
	return struct {
		Role xmlRole `xml:"Role"`
	}{roleXML(role)}, nil
}

func (s *Service) listRoles(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	prefix := r.Get("PathPrefix")
	if prefix == "" {
		prefix = "/"
	}
	var list []xmlRole
	for _, role := range s.Store.Roles(caller.Account, prefix) {
		list = append(list, roleXML(role))
	}
	return struct {
		Roles       []xmlRole `xml:"Roles>member"`
		IsTruncated bool      `xml:"IsTruncated"`
	}{list, false}, nil
}

// editRole applies edit to the named role, mapping store errors to IAM's.
func (s *Service) editRole(caller store.Principal, r *awsquery.Request, edit func(*store.Role) *awsquery.Error) (store.Role, *awsquery.Error) {
	name, err := roleName(r)
	if err != nil {
		return store.Role{}, err
	}
	var apiErr *awsquery.Error
	role, e := s.Store.UpdateRole(caller.Account, name, func(role *store.Role) error {
		if apiErr = edit(role); apiErr != nil {
			return apiErr
		}
		return nil
	})
	if apiErr != nil {
		return store.Role{}, apiErr
	}
	if errors.Is(e, store.ErrNotFound) {
		return store.Role{}, noSuchEntity("The role with name %s cannot be found.", name)
	}
	return role, nil
}

func (s *Service) deleteRole(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	role, err := s.role(caller, r)
	if err != nil {
		return nil, err
	}
	if len(role.InlinePolicies) > 0 || len(role.AttachedPolicies) > 0 {
		return nil, awsquery.Errorf(http.StatusConflict, "DeleteConflict", "Cannot delete entity, must delete policies first.")
	}
	if e := s.Store.DeleteRole(caller.Account, role.Name); e != nil {
		return nil, noSuchEntity("The role with name %s cannot be found.", role.Name)
	}
	return nil, nil
}

func (s *Service) updateRole(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	max, err := maxSessionDuration(r)
	if err != nil {
		return nil, err
	}
	desc, err := optional(r, "Description", "description", 0, 1000, nil, "")
	if err != nil {
		return nil, err
	}
	_, err = s.editRole(caller, r, func(role *store.Role) *awsquery.Error {
		if max != 0 {
			role.MaxSessionDuration = max
		}
		if r.Has("Description") {
			role.Description = desc
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return struct{}{}, nil // UpdateRole has an output shape without members: <UpdateRoleResult/>
}

func (s *Service) updateAssumeRolePolicy(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	doc, err := required(r, "PolicyDocument", "policyDocument", 1, 131072, nil, "")
	if err != nil {
		return nil, err
	}
	parsed, err := s.trustPolicy(doc)
	if err != nil {
		return nil, err
	}
	_, err = s.editRole(caller, r, func(role *store.Role) *awsquery.Error {
		role.TrustPolicy, role.Trust = doc, parsed
		return nil
	})
	return nil, err
}

func policyName(r *awsquery.Request) (string, *awsquery.Error) {
	return required(r, "PolicyName", "policyName", 1, 128, reRoleName, `[\w+=,.@-]+`)
}

// policyOwner is the identity (role, user or group) whose inline and
// attached policies a call edits.
type policyOwner int

const (
	roleOwner policyOwner = iota
	userOwner
	groupOwner
)

// ownedPolicies are an owner's inline policies and attached policy ARNs,
// for editing in place.
type ownedPolicies struct {
	inline   map[string]string
	attached *[]string
}

// editPolicies applies edit to the policies of the role, user or group the
// request names, under the store's lock.
func (s *Service) editPolicies(owner policyOwner, caller store.Principal, r *awsquery.Request, edit func(ownedPolicies) *awsquery.Error) *awsquery.Error {
	var apiErr *awsquery.Error
	apply := func(inline map[string]string, attached *[]string) error {
		if apiErr = edit(ownedPolicies{inline, attached}); apiErr != nil {
			return apiErr
		}
		return nil
	}
	switch owner {
	case userOwner:
		u, err := s.user(caller, r)
		if err != nil {
			return err
		}
		s.Store.UpdateUser(caller.Account, u.Name, func(u *store.User) error { return apply(u.InlinePolicies, &u.AttachedPolicies) })
	case groupOwner:
		g, err := s.group(caller, r)
		if err != nil {
			return err
		}
		s.Store.UpdateGroup(caller.Account, g.Name, func(g *store.Group) error { return apply(g.InlinePolicies, &g.AttachedPolicies) })
	default:
		if _, err := s.editRole(caller, r, func(role *store.Role) *awsquery.Error {
			apply(role.InlinePolicies, &role.AttachedPolicies)
			return apiErr
		}); err != nil {
			return err
		}
	}
	return apiErr
}

// putPolicy answers Put{Role,User,Group}Policy.
func putPolicy(owner policyOwner) func(*Service, store.Principal, *awsquery.Request) (any, *awsquery.Error) {
	return func(s *Service, caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
		name, doc, err := inlinePolicy(r)
		if err != nil {
			return nil, err
		}
		return nil, s.editPolicies(owner, caller, r, func(p ownedPolicies) *awsquery.Error {
			p.inline[name] = doc
			return nil
		})
	}
}

func (s *Service) getRolePolicy(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	name, err := policyName(r)
	if err != nil {
		return nil, err
	}
	role, err := s.role(caller, r)
	if err != nil {
		return nil, err
	}
	doc, ok := role.InlinePolicies[name]
	if !ok {
		return nil, noSuchEntity("The role policy with name %s cannot be found.", name)
	}
	return struct {
		RoleName       string `xml:"RoleName"`
		PolicyName     string `xml:"PolicyName"`
		PolicyDocument string `xml:"PolicyDocument"`
	}{role.Name, name, url.QueryEscape(doc)}, nil
}

func (s *Service) deleteRolePolicy(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	name, err := policyName(r)
	if err != nil {
		return nil, err
	}
	_, err = s.editRole(caller, r, func(role *store.Role) *awsquery.Error {
		if _, ok := role.InlinePolicies[name]; !ok {
			return noSuchEntity("The role policy with name %s cannot be found.", name)
		}
		delete(role.InlinePolicies, name)
		return nil
	})
	return nil, err
}

func (s *Service) listRolePolicies(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	role, err := s.role(caller, r)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(role.InlinePolicies))
	for n := range role.InlinePolicies {
		names = append(names, n)
	}
	sort.Strings(names)
	return struct {
		PolicyNames []string `xml:"PolicyNames>member"`
		IsTruncated bool     `xml:"IsTruncated"`
	}{names, false}, nil
}

// maxAttachedPolicies is IAM's default quota of managed policies per role [R16].
const maxAttachedPolicies = 10

func policyARN(r *awsquery.Request) (string, *awsquery.Error) {
	arn, err := required(r, "PolicyArn", "policyArn", 20, 2048, nil, "")
	if err != nil {
		return "", err
	}
	if !rePolicyARN.MatchString(arn) {
		return "", invalidInput("ARN %s is not valid.", arn)
	}
	return arn, nil
}

// attachPolicy answers Attach{Role,User,Group}Policy. Roles keep IAM's
// default quota of managed policies [R16].
func attachPolicy(owner policyOwner) func(*Service, store.Principal, *awsquery.Request) (any, *awsquery.Error) {
	return func(s *Service, caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
		arn, err := s.attachable(caller, r)
		if err != nil {
			return nil, err
		}
		return nil, s.editPolicies(owner, caller, r, func(p ownedPolicies) *awsquery.Error {
			if slices.Contains(*p.attached, arn) {
				return nil
			}
			if owner == roleOwner && len(*p.attached) >= maxAttachedPolicies {
				return awsquery.Errorf(http.StatusConflict, "LimitExceeded", "Cannot exceed quota for PoliciesPerRole: %d", maxAttachedPolicies)
			}
			*p.attached = append(*p.attached, arn)
			return nil
		})
	}
}

func (s *Service) detachRolePolicy(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	arn, err := policyARN(r)
	if err != nil {
		return nil, err
	}
	_, err = s.editRole(caller, r, func(role *store.Role) *awsquery.Error {
		i := slices.Index(role.AttachedPolicies, arn)
		if i < 0 {
			return noSuchEntity("Policy %s was not found.", arn)
		}
		role.AttachedPolicies = slices.Delete(role.AttachedPolicies, i, i+1)
		return nil
	})
	return nil, err
}

func (s *Service) listAttachedRolePolicies(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	role, err := s.role(caller, r)
	if err != nil {
		return nil, err
	}
	type attached struct {
		Name string `xml:"PolicyName"`
		ARN  string `xml:"PolicyArn"`
	}
	var list []attached
	for _, arn := range role.AttachedPolicies {
		list = append(list, attached{rePolicyARN.FindStringSubmatch(arn)[2], arn})
	}
	return struct {
		Policies    []attached `xml:"AttachedPolicies>member"`
		IsTruncated bool       `xml:"IsTruncated"`
	}{list, false}, nil
}
