package iam

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/breakglass-dev/breakglass/sp/internal/awsquery"
	"github.com/breakglass-dev/breakglass/sp/internal/policy"
	"github.com/breakglass-dev/breakglass/sp/internal/store"
)

// Managed policies: customer managed policies with their versions, and the
// AWS managed policies the policy package knows, read-only. Shapes,
// constraints and errors from the IAM service model [R2] (CreatePolicy,
// GetPolicy, GetPolicyVersion, CreatePolicyVersion, ListPolicyVersions,
// SetDefaultPolicyVersion, DeletePolicyVersion, ListPolicies,
// DeletePolicy); quotas from the IAM User Guide, "IAM and AWS STS quotas"
// [R16] (5 versions per managed policy).
//
// Error texts are AWS's as reported in public issue trackers:
//   - "A policy called <name> already exists. Duplicate names are not
//     allowed." (Aabyss-Team/awsKeyTools#13, konstructio/kubefirst#855)
//   - "A managed policy can have up to 5 versions. Before you create a new
//     version, you must delete an existing version." (99designs/iamy#21)
//   - "Cannot delete a policy attached to entities." and "This policy has
//     more than one version. ..." (hashicorp/terraform-provider-aws#32906,
//     redradrat/aws-iam-operator#13, which also shows "Cannot delete the
//     default version of a policy.")
//   - "Policy <arn> does not exist or is not attachable." (pulumi/pulumi#7419)
//
// "Policy <arn> was not found." (GetPolicy) and "Policy <arn> version <v>
// does not exist or is not attachable." (GetPolicyVersion) are recalled
// from AWS's answers but not confirmed by a source we hold.

// maxPolicyVersions is IAM's quota of versions per managed policy [R16].
const maxPolicyVersions = 5

// awsManagedPrefix starts the ARN of every AWS managed policy.
const awsManagedPrefix = "arn:aws:iam::aws:policy"

var (
	rePolicyPath      = regexp.MustCompile(`^((/[A-Za-z0-9\.,\+@=_-]+)*)/$`)
	rePolicyVersionID = regexp.MustCompile(`^v[1-9][0-9]*(\.[A-Za-z0-9-]*)?$`)
	rePathPrefix      = regexp.MustCompile(`^\x{002F}[\x{0021}-\x{007F}]*$`)
)

type xmlPolicy struct {
	PolicyName       string   `xml:"PolicyName"`
	PolicyID         string   `xml:"PolicyId,omitempty"`
	ARN              string   `xml:"Arn"`
	Path             string   `xml:"Path"`
	DefaultVersionID string   `xml:"DefaultVersionId"`
	AttachmentCount  int      `xml:"AttachmentCount"`
	IsAttachable     bool     `xml:"IsAttachable"`
	Description      string   `xml:"Description,omitempty"`
	CreateDate       string   `xml:"CreateDate,omitempty"`
	UpdateDate       string   `xml:"UpdateDate,omitempty"`
	Tags             []xmlTag `xml:"Tags>member,omitempty"`
}

type xmlPolicyVersion struct {
	Document         string `xml:"Document,omitempty"`
	VersionID        string `xml:"VersionId"`
	IsDefaultVersion bool   `xml:"IsDefaultVersion"`
	CreateDate       string `xml:"CreateDate,omitempty"`
}

// policyXML renders a customer managed policy as GetPolicy does; callers
// drop Description and Tags where the action does not return them.
func (s *Service) policyXML(account string, p store.ManagedPolicy) xmlPolicy {
	return xmlPolicy{PolicyName: p.Name, PolicyID: p.ID, ARN: p.ARN, Path: p.Path, DefaultVersionID: p.DefaultVersion,
		AttachmentCount: s.Store.PolicyAttachments(account, p.ARN), IsAttachable: true, Description: p.Description,
		CreateDate: isoTime(p.CreateDate), UpdateDate: isoTime(p.UpdateDate), Tags: xmlTags(p.Tags)}
}

// awsPolicyXML renders an AWS managed policy the emulator knows. Its id and
// dates are AWS's own and unknown here, so they are left out; every known
// document is served as version v1.
func (s *Service) awsPolicyXML(account, arn string) xmlPolicy {
	path, name := splitPolicyARN(arn)
	return xmlPolicy{PolicyName: name, ARN: arn, Path: path, DefaultVersionID: "v1",
		AttachmentCount: s.Store.PolicyAttachments(account, arn), IsAttachable: true}
}

// splitPolicyARN returns the path and name of a policy ARN that matched
// rePolicyARN.
func splitPolicyARN(arn string) (path, name string) {
	rest := arn[strings.Index(arn, ":policy/")+len(":policy"):]
	i := strings.LastIndexByte(rest, '/')
	return rest[:i+1], rest[i+1:]
}

// urlEncoded renders a policy document as IAM returns it: URL-encoded
// (reference section 9, [R4]), spaces as %20 so that both form decoders
// and RFC 3986 decoders (Python's urllib.parse.unquote, which the IAM docs
// suggest) read it back unchanged.
func urlEncoded(doc string) string {
	return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
}

// customerPolicy reads PolicyArn and returns the caller's customer managed
// policy it names.
func (s *Service) customerPolicy(caller store.Principal, r *awsquery.Request) (store.ManagedPolicy, *awsquery.Error) {
	arn, err := policyARN(r)
	if err != nil {
		return store.ManagedPolicy{}, err
	}
	p, ok := s.lookupCustomerPolicy(caller.Account, arn)
	if !ok {
		return store.ManagedPolicy{}, noSuchEntity("Policy %s was not found.", arn)
	}
	return p, nil
}

// lookupCustomerPolicy returns the customer managed policy with the given
// ARN in account; ok is false for another account's ARN.
func (s *Service) lookupCustomerPolicy(account, arn string) (store.ManagedPolicy, bool) {
	if !strings.HasPrefix(arn, "arn:aws:iam::"+account+":policy/") {
		return store.ManagedPolicy{}, false
	}
	_, name := splitPolicyARN(arn)
	p, err := s.Store.Policy(account, name)
	if err != nil || p.ARN != arn {
		return store.ManagedPolicy{}, false
	}
	return p, true
}

// attachable reads PolicyArn for an Attach*Policy action and checks that
// it names an AWS managed policy the emulator knows or a customer managed
// policy of the caller's account.
func (s *Service) attachable(caller store.Principal, r *awsquery.Request) (string, *awsquery.Error) {
	arn, err := policyARN(r)
	if err != nil {
		return "", err
	}
	if _, ok := policy.Managed(arn); ok {
		return arn, nil
	}
	if _, ok := s.lookupCustomerPolicy(caller.Account, arn); ok {
		return arn, nil
	}
	return "", noSuchEntity("Policy %s does not exist or is not attachable.", arn)
}

// managedPolicy returns the default version of a managed policy attached
// in account, parsed: an AWS managed one, or a customer managed one of
// that account.
func managedPolicy(st *store.Store, account, arn string) (*policy.Policy, bool) {
	if p, ok := policy.Managed(arn); ok {
		return p, true
	}
	if !strings.HasPrefix(arn, "arn:aws:iam::"+account+":policy/") {
		return nil, false
	}
	_, name := splitPolicyARN(arn)
	mp, err := st.Policy(account, name)
	if err != nil || mp.ARN != arn {
		return nil, false
	}
	v, ok := mp.Version(mp.DefaultVersion)
	if !ok || v.Parsed == nil {
		return nil, false
	}
	return v.Parsed, true
}

// policyDocument reads and validates PolicyDocument as an identity-based
// policy, as CreatePolicy and CreatePolicyVersion do.
func policyDocument(r *awsquery.Request) (string, *policy.Policy, *awsquery.Error) {
	doc, err := required(r, "PolicyDocument", "policyDocument", 1, 131072, nil, "")
	if err != nil {
		return "", nil, err
	}
	p, e := policy.Parse(doc)
	if e == nil {
		e = policy.ValidateIdentity(p)
	}
	if e != nil {
		return "", nil, malformedPolicy(e)
	}
	return doc, p, nil
}

// boolParam reads an optional boolean parameter.
func boolParam(r *awsquery.Request, param, member string) (bool, *awsquery.Error) {
	if !r.Has(param) {
		return false, nil
	}
	b, e := strconv.ParseBool(r.Get(param))
	if e != nil {
		return false, validation(r.Get(param), member, "Member must be a boolean")
	}
	return b, nil
}

func (s *Service) createPolicy(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	name, err := policyName(r)
	if err != nil {
		return nil, err
	}
	path, err := optional(r, "Path", "path", 1, 512, rePolicyPath, `((/[A-Za-z0-9\.,\+@=_-]+)*)/`)
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
	tags, err := requestTags(r, false)
	if err != nil {
		return nil, err
	}
	doc, parsed, err := policyDocument(r)
	if err != nil {
		return nil, err
	}
	now := s.now()
	p := store.ManagedPolicy{
		Name: name, Path: path, ARN: "arn:aws:iam::" + caller.Account + ":policy" + path + name,
		ID: store.NewID("ANPA", 17), Description: desc, CreateDate: now, UpdateDate: now,
		DefaultVersion: "v1", LastVersion: 1, Tags: tags,
		Versions: []store.PolicyVersion{{ID: "v1", Document: doc, Parsed: parsed, CreateDate: now}},
	}
	created, e := s.Store.PutPolicy(caller.Account, p)
	if e != nil {
		return nil, awsquery.Errorf(http.StatusConflict, "EntityAlreadyExists", "A policy called %s already exists. Duplicate names are not allowed.", name)
	}
	out := s.policyXML(caller.Account, created)
	out.Description = ""
	return struct {
		Policy xmlPolicy `xml:"Policy"`
	}{out}, nil
}

func (s *Service) getPolicy(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	arn, err := policyARN(r)
	if err != nil {
		return nil, err
	}
	var out xmlPolicy
	if _, ok := policy.Managed(arn); ok {
		out = s.awsPolicyXML(caller.Account, arn)
	} else {
		p, ok := s.lookupCustomerPolicy(caller.Account, arn)
		if !ok {
			return nil, noSuchEntity("Policy %s was not found.", arn)
		}
		out = s.policyXML(caller.Account, p)
	}
	return struct {
		Policy xmlPolicy `xml:"Policy"`
	}{out}, nil
}

// versionID reads VersionId; the model bounds it by pattern only.
func versionID(r *awsquery.Request) (string, *awsquery.Error) {
	if !r.Has("VersionId") {
		return "", missing("versionId")
	}
	v := r.Get("VersionId")
	if !rePolicyVersionID.MatchString(v) {
		return "", validation(truncate(v), "versionId", `Member must satisfy regular expression pattern: v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`)
	}
	return v, nil
}

func versionXML(p store.ManagedPolicy, v store.PolicyVersion, withDocument bool) xmlPolicyVersion {
	out := xmlPolicyVersion{VersionID: v.ID, IsDefaultVersion: v.ID == p.DefaultVersion, CreateDate: isoTime(v.CreateDate)}
	if withDocument {
		out.Document = urlEncoded(v.Document)
	}
	return out
}

// getPolicyVersion answers for customer managed policies. For AWS managed
// ones it answers NoSuchEntity: the policy package keeps their documents
// private and has no JSON encoder for a parsed policy, so the emulator
// cannot show the document it evaluates.
func (s *Service) getPolicyVersion(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	arn, err := policyARN(r)
	if err != nil {
		return nil, err
	}
	id, err := versionID(r)
	if err != nil {
		return nil, err
	}
	p, ok := s.lookupCustomerPolicy(caller.Account, arn)
	if !ok {
		return nil, noSuchEntity("Policy %s version %s does not exist or is not attachable.", arn, id)
	}
	v, ok := p.Version(id)
	if !ok {
		return nil, noSuchEntity("Policy %s version %s does not exist or is not attachable.", arn, id)
	}
	return struct {
		Version xmlPolicyVersion `xml:"PolicyVersion"`
	}{versionXML(p, v, true)}, nil
}

func (s *Service) createPolicyVersion(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	p, err := s.customerPolicy(caller, r)
	if err != nil {
		return nil, err
	}
	doc, parsed, err := policyDocument(r)
	if err != nil {
		return nil, err
	}
	setDefault, err := boolParam(r, "SetAsDefault", "setAsDefault")
	if err != nil {
		return nil, err
	}
	now := s.now()
	var v store.PolicyVersion
	updated, e := s.Store.UpdatePolicy(caller.Account, p.Name, func(mp *store.ManagedPolicy) error {
		if len(mp.Versions) >= maxPolicyVersions {
			return errVersionLimit
		}
		mp.LastVersion++
		v = store.PolicyVersion{ID: "v" + strconv.Itoa(mp.LastVersion), Document: doc, Parsed: parsed, CreateDate: now}
		mp.Versions = append(mp.Versions, v)
		mp.UpdateDate = now
		if setDefault {
			mp.DefaultVersion = v.ID
		}
		return nil
	})
	switch {
	case errors.Is(e, errVersionLimit):
		return nil, awsquery.Errorf(http.StatusConflict, "LimitExceeded",
			"A managed policy can have up to %d versions. Before you create a new version, you must delete an existing version.", maxPolicyVersions)
	case e != nil:
		return nil, noSuchEntity("Policy %s was not found.", p.ARN)
	}
	return struct {
		Version xmlPolicyVersion `xml:"PolicyVersion"`
	}{versionXML(updated, v, false)}, nil
}

var (
	errVersionLimit   = errors.New("too many policy versions")
	errDefaultVersion = errors.New("default policy version")
	errNoVersion      = errors.New("no such policy version")
	errVersions       = errors.New("policy has versions")
)

func (s *Service) listPolicyVersions(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	p, err := s.customerPolicy(caller, r)
	if err != nil {
		return nil, err
	}
	list := make([]xmlPolicyVersion, 0, len(p.Versions))
	for i := len(p.Versions) - 1; i >= 0; i-- { // newest first, as IAM lists them
		list = append(list, versionXML(p, p.Versions[i], false))
	}
	return struct {
		Versions    []xmlPolicyVersion `xml:"Versions>member"`
		IsTruncated bool               `xml:"IsTruncated"`
	}{list, false}, nil
}

func (s *Service) setDefaultPolicyVersion(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	p, err := s.customerPolicy(caller, r)
	if err != nil {
		return nil, err
	}
	id, err := versionID(r)
	if err != nil {
		return nil, err
	}
	_, e := s.Store.UpdatePolicy(caller.Account, p.Name, func(mp *store.ManagedPolicy) error {
		if _, ok := mp.Version(id); !ok {
			return errNoVersion
		}
		mp.DefaultVersion = id
		return nil
	})
	if e != nil {
		return nil, noSuchEntity("Policy %s version %s does not exist or is not attachable.", p.ARN, id)
	}
	return nil, nil
}

func (s *Service) deletePolicyVersion(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	p, err := s.customerPolicy(caller, r)
	if err != nil {
		return nil, err
	}
	id, err := versionID(r)
	if err != nil {
		return nil, err
	}
	_, e := s.Store.UpdatePolicy(caller.Account, p.Name, func(mp *store.ManagedPolicy) error {
		for i, v := range mp.Versions {
			if v.ID != id {
				continue
			}
			if id == mp.DefaultVersion {
				return errDefaultVersion
			}
			mp.Versions = append(mp.Versions[:i], mp.Versions[i+1:]...)
			return nil
		}
		return errNoVersion
	})
	switch {
	case errors.Is(e, errDefaultVersion):
		return nil, awsquery.Errorf(http.StatusConflict, "DeleteConflict", "Cannot delete the default version of a policy.")
	case e != nil:
		return nil, noSuchEntity("Policy %s version %s does not exist or is not attachable.", p.ARN, id)
	}
	return nil, nil
}

func (s *Service) deletePolicy(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	p, err := s.customerPolicy(caller, r)
	if err != nil {
		return nil, err
	}
	e := s.Store.DeletePolicy(caller.Account, p.Name, func(mp store.ManagedPolicy, attachments int) error {
		if attachments > 0 {
			return store.ErrAttached
		}
		if len(mp.Versions) > 1 {
			return errVersions
		}
		return nil
	})
	switch {
	case errors.Is(e, store.ErrAttached):
		return nil, awsquery.Errorf(http.StatusConflict, "DeleteConflict", "Cannot delete a policy attached to entities.")
	case errors.Is(e, errVersions):
		return nil, awsquery.Errorf(http.StatusConflict, "DeleteConflict",
			"This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
	case e != nil:
		return nil, noSuchEntity("Policy %s was not found.", p.ARN)
	}
	return nil, nil
}

// listPolicies lists AWS managed policies the emulator knows (Scope AWS),
// the caller's customer managed policies (Local) or both (All, the
// default), optionally only those attached to something and under a path
// prefix. Description and Tags are not part of ListPolicies' answer [R2].
func (s *Service) listPolicies(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	scope := "All"
	if r.Has("Scope") {
		scope = r.Get("Scope")
	}
	if scope != "All" && scope != "AWS" && scope != "Local" {
		return nil, validation(scope, "scope", "Member must satisfy enum value set: [All, AWS, Local]")
	}
	onlyAttached, err := boolParam(r, "OnlyAttached", "onlyAttached")
	if err != nil {
		return nil, err
	}
	prefix, err := optional(r, "PathPrefix", "pathPrefix", 1, 512, rePathPrefix, `\u002F[\u0021-\u007F]*`)
	if err != nil {
		return nil, err
	}
	if prefix == "" {
		prefix = "/"
	}
	var list []xmlPolicy
	keep := func(p xmlPolicy) {
		if strings.HasPrefix(p.Path, prefix) && (!onlyAttached || p.AttachmentCount > 0) {
			p.Description, p.Tags = "", nil
			list = append(list, p)
		}
	}
	if scope != "Local" {
		for _, arn := range policy.ManagedARNs() {
			keep(s.awsPolicyXML(caller.Account, arn))
		}
	}
	if scope != "AWS" {
		for _, p := range s.Store.Policies(caller.Account) {
			keep(s.policyXML(caller.Account, p))
		}
	}
	return struct {
		Policies    []xmlPolicy `xml:"Policies>member"`
		IsTruncated bool        `xml:"IsTruncated"`
	}{list, false}, nil
}
