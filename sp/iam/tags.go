package iam

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/breakglass-dev/breakglass/sp/internal/awsquery"
	"github.com/breakglass-dev/breakglass/sp/internal/store"
)

// Tagging of roles, users, SAML providers and customer managed policies.
// Limits from the IAM service model [R2] (tagListType and tagKeyListType
// hold at most 50 members; tagKeyType 1-128 and tagValueType 0-256
// characters of [\p{L}\p{Z}\p{N}_.:/=+\-@]) and the IAM User Guide,
// "Tagging IAM resources" (50 tags per resource; keys are case-insensitive:
// tagging an existing key in another case replaces that tag, key included,
// as observed in aws/aws-cdk#26253; two keys differing only in case in one
// request are refused with InvalidInput, as observed in
// serverless/serverless#7885 and kubernetes/kops#11727).

// maxTags is IAM's quota of tags per resource [R16].
const maxTags = 50

var (
	reTagKey   = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$`)
	reTagValue = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
)

const (
	tagKeyPattern   = `[\p{L}\p{Z}\p{N}_.:/=+\-@]+`
	tagValuePattern = `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`
	msgDuplicateTag = "Duplicate tag keys found. Please note that Tag keys are case insensitive."
)

// requestTags reads and checks the Tags.member.N list of a request. A
// missing list is an empty one; required says the action's model marks it
// required.
func requestTags(r *awsquery.Request, required bool) ([]store.Tag, *awsquery.Error) {
	var out []store.Tag
	for i := 1; ; i++ {
		prefix := fmt.Sprintf("Tags.member.%d.", i)
		if !r.Has(prefix+"Key") && !r.Has(prefix+"Value") {
			break
		}
		if i > maxTags {
			return nil, validation(tagListText(r), "tags", fmt.Sprintf("Member must have length less than or equal to %d", maxTags))
		}
		member := fmt.Sprintf("tags.%d.member.", i)
		k, err := tagField(r, prefix+"Key", member+"key", 1, 128, reTagKey, tagKeyPattern)
		if err != nil {
			return nil, err
		}
		v, err := tagField(r, prefix+"Value", member+"value", 0, 256, reTagValue, tagValuePattern)
		if err != nil {
			return nil, err
		}
		for _, t := range out {
			if strings.EqualFold(t.Key, k) {
				return nil, invalidInput("%s", msgDuplicateTag)
			}
		}
		out = append(out, store.Tag{Key: k, Value: v})
	}
	if len(out) == 0 && required && !r.Has("Tags") {
		return nil, missing("tags")
	}
	return out, nil
}

// tagField reads a tag's Key or Value, both required members of Tag [R2].
func tagField(r *awsquery.Request, param, member string, minLen, maxLen int, pattern *regexp.Regexp, patternText string) (string, *awsquery.Error) {
	if !r.Has(param) {
		return "", missing(member)
	}
	v, err := optional(r, param, member, minLen, maxLen, nil, "")
	if err != nil {
		return "", err
	}
	if v != "" && !pattern.MatchString(v) {
		return "", validation(v, member, "Member must satisfy regular expression pattern: "+patternText)
	}
	return v, nil
}

// tagListText renders a request's tags the way AWS quotes a list in a
// validation error: [Tag(key=k, value=v), ...] (approximation; the exact
// Java rendering is not documented).
func tagListText(r *awsquery.Request) string {
	var parts []string
	for i := 1; ; i++ {
		prefix := fmt.Sprintf("Tags.member.%d.", i)
		if !r.Has(prefix+"Key") && !r.Has(prefix+"Value") {
			break
		}
		parts = append(parts, fmt.Sprintf("Tag(key=%s, value=%s)", r.Get(prefix+"Key"), r.Get(prefix+"Value")))
	}
	return truncate("[" + strings.Join(parts, ", ") + "]")
}

// requestTagKeys reads and checks the TagKeys.member.N list of an Untag
// action (required, at most 50 keys).
func requestTagKeys(r *awsquery.Request) ([]string, *awsquery.Error) {
	keys := r.List("TagKeys")
	if len(keys) == 0 && !r.Has("TagKeys") {
		return nil, missing("tagKeys")
	}
	if len(keys) > maxTags {
		return nil, validation(truncate("["+strings.Join(keys, ", ")+"]"), "tagKeys",
			fmt.Sprintf("Member must have length less than or equal to %d", maxTags))
	}
	for i := range keys {
		member := fmt.Sprintf("tagKeys.%d.member", i+1)
		if _, err := optional(r, fmt.Sprintf("TagKeys.member.%d", i+1), member, 1, 128, reTagKey, tagKeyPattern); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// errTagQuota carries a LimitExceeded out of a store edit function.
type errTagQuota struct{ err *awsquery.Error }

func (e errTagQuota) Error() string { return e.err.Error() }

// mergeTags returns have with add applied: a tag whose key matches an
// existing one ignoring case replaces it in place, others are appended. More
// than maxTags in the result is IAM's LimitExceeded, worded as its other
// quota errors ("Cannot exceed quota for PoliciesPerRole: 10", reference
// section 9); the quota name quota (TagsPerRole, ...) is our inference.
func mergeTags(have, add []store.Tag, quota string) ([]store.Tag, *awsquery.Error) {
	out := append([]store.Tag(nil), have...)
	for _, t := range add {
		replaced := false
		for i := range out {
			if strings.EqualFold(out[i].Key, t.Key) {
				out[i], replaced = t, true
				break
			}
		}
		if !replaced {
			out = append(out, t)
		}
	}
	if len(out) > maxTags {
		return nil, awsquery.Errorf(http.StatusConflict, "LimitExceeded", "Cannot exceed quota for %s: %d", quota, maxTags)
	}
	return out, nil
}

// removeTags returns have without the tags whose keys match keys ignoring
// case; unknown keys are ignored, as IAM does.
func removeTags(have []store.Tag, keys []string) []store.Tag {
	var out []store.Tag
	for _, t := range have {
		drop := false
		for _, k := range keys {
			if strings.EqualFold(t.Key, k) {
				drop = true
				break
			}
		}
		if !drop {
			out = append(out, t)
		}
	}
	return out
}

// tagList is the output of the List*Tags actions.
func tagList(ts []store.Tag) any {
	return struct {
		Tags        []xmlTag `xml:"Tags>member"`
		IsTruncated bool     `xml:"IsTruncated"`
	}{xmlTags(ts), false}
}

// editTags is the shared body of the Tag* and Untag* actions: it reads the
// tags or keys and applies them to the entity's tag list through update,
// which runs its argument under the store's lock.
func editTags(r *awsquery.Request, untag bool, quota string, update func(func(*[]store.Tag) error) *awsquery.Error) (any, *awsquery.Error) {
	var add []store.Tag
	var keys []string
	var err *awsquery.Error
	if untag {
		keys, err = requestTagKeys(r)
	} else {
		add, err = requestTags(r, true)
	}
	if err != nil {
		return nil, err
	}
	err = update(func(ts *[]store.Tag) error {
		if untag {
			*ts = removeTags(*ts, keys)
			return nil
		}
		merged, e := mergeTags(*ts, add, quota)
		if e != nil {
			return errTagQuota{e}
		}
		*ts = merged
		return nil
	})
	return nil, err
}

// quotaError unwraps an errTagQuota returned through a store edit.
func quotaError(e error) *awsquery.Error {
	var q errTagQuota
	if errors.As(e, &q) {
		return q.err
	}
	return nil
}

func (s *Service) tagRole(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	return s.roleTags(caller, r, false)
}

func (s *Service) untagRole(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	return s.roleTags(caller, r, true)
}

func (s *Service) roleTags(caller store.Principal, r *awsquery.Request, untag bool) (any, *awsquery.Error) {
	if _, err := roleName(r); err != nil {
		return nil, err
	}
	return editTags(r, untag, "TagsPerRole", func(edit func(*[]store.Tag) error) *awsquery.Error {
		_, err := s.editRole(caller, r, func(role *store.Role) *awsquery.Error {
			tags := role.Tags
			if e := edit(&tags); e != nil {
				return quotaError(e)
			}
			role.Tags = tags
			return nil
		})
		return err
	})
}

func (s *Service) listRoleTags(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	role, err := s.role(caller, r)
	if err != nil {
		return nil, err
	}
	return tagList(role.Tags), nil
}

func (s *Service) tagUser(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	return s.userTags(caller, r, false)
}

func (s *Service) untagUser(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	return s.userTags(caller, r, true)
}

func (s *Service) userTags(caller store.Principal, r *awsquery.Request, untag bool) (any, *awsquery.Error) {
	name, err := userName(r)
	if err != nil {
		return nil, err
	}
	return editTags(r, untag, "TagsPerUser", func(edit func(*[]store.Tag) error) *awsquery.Error {
		_, e := s.Store.UpdateUser(caller.Account, name, func(u *store.User) error {
			tags := u.Tags
			if e := edit(&tags); e != nil {
				return e
			}
			u.Tags = tags
			return nil
		})
		if q := quotaError(e); q != nil {
			return q
		}
		if e != nil {
			return noSuchEntity("The user with name %s cannot be found.", name)
		}
		return nil
	})
}

func (s *Service) listUserTags(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	name, err := userName(r)
	if err != nil {
		return nil, err
	}
	u, e := s.Store.User(caller.Account, name)
	if e != nil {
		return nil, noSuchEntity("The user with name %s cannot be found.", name)
	}
	return tagList(u.Tags), nil
}

func (s *Service) tagSAMLProvider(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	return s.providerTags(caller, r, false)
}

func (s *Service) untagSAMLProvider(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	return s.providerTags(caller, r, true)
}

func (s *Service) providerTags(caller store.Principal, r *awsquery.Request, untag bool) (any, *awsquery.Error) {
	name, err := providerARN(caller, r)
	if err != nil {
		return nil, err
	}
	return editTags(r, untag, "TagsPerSAMLProvider", func(edit func(*[]store.Tag) error) *awsquery.Error {
		var editErr error
		_, e := s.Store.UpdateSAMLProvider(caller.Account, name, func(p *store.SAMLProvider) {
			tags := p.Tags
			if editErr = edit(&tags); editErr == nil {
				p.Tags = tags
			}
		})
		if e != nil {
			return noSuchEntity("SAMLProvider %s does not exist.", r.Get("SAMLProviderArn"))
		}
		return quotaError(editErr)
	})
}

func (s *Service) listSAMLProviderTags(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	name, err := providerARN(caller, r)
	if err != nil {
		return nil, err
	}
	p, e := s.Store.SAMLProvider(caller.Account, name)
	if e != nil {
		return nil, noSuchEntity("SAMLProvider %s does not exist.", r.Get("SAMLProviderArn"))
	}
	return tagList(p.Tags), nil
}

func (s *Service) tagPolicy(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	return s.policyTags(caller, r, false)
}

func (s *Service) untagPolicy(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	return s.policyTags(caller, r, true)
}

func (s *Service) policyTags(caller store.Principal, r *awsquery.Request, untag bool) (any, *awsquery.Error) {
	p, err := s.customerPolicy(caller, r)
	if err != nil {
		return nil, err
	}
	return editTags(r, untag, "TagsPerPolicy", func(edit func(*[]store.Tag) error) *awsquery.Error {
		_, e := s.Store.UpdatePolicy(caller.Account, p.Name, func(mp *store.ManagedPolicy) error {
			return edit(&mp.Tags)
		})
		if q := quotaError(e); q != nil {
			return q
		}
		if e != nil {
			return noSuchEntity("Policy %s was not found.", p.ARN)
		}
		return nil
	})
}

func (s *Service) listPolicyTags(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	p, err := s.customerPolicy(caller, r)
	if err != nil {
		return nil, err
	}
	return tagList(p.Tags), nil
}
