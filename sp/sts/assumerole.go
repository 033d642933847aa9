package sts

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/breakglass-dev/breakglass/sp/iam"
	"github.com/breakglass-dev/breakglass/sp/internal/awsquery"
	"github.com/breakglass-dev/breakglass/sp/internal/events"
	"github.com/breakglass-dev/breakglass/sp/internal/policy"
	"github.com/breakglass-dev/breakglass/sp/internal/store"
)

// assumeRole answers AssumeRole: the chained hop from an emergency role
// session into a workload account, or a user's (or role's) first hop.
// Order of checks: parameters, root callers, the target role, the
// duration limits, then authorization (caller's identity policies and the
// role's trust policy).
func (s *Service) assumeRole(caller store.Principal, r *awsquery.Request) (Outcome, *awsquery.Error) {
	roleARN, err := param(r, "RoleArn", "roleArn", 20, 2048)
	if err != nil {
		return Outcome{}, err
	}
	sessionName, err := param(r, "RoleSessionName", "roleSessionName", 2, 64)
	if err != nil {
		return Outcome{}, err
	}
	if !reSessionName.MatchString(sessionName) {
		return Outcome{}, validation(sessionName, "roleSessionName", `Member must satisfy regular expression pattern: [\w+=,.@-]*`)
	}
	dur, err := duration(r)
	if err != nil {
		return Outcome{}, err
	}
	sessPolicies, policySize, err := sessionPolicies(r)
	if err != nil {
		return Outcome{}, err
	}
	opts, err := readAll(r, optSerialNumber, optTokenCode, optSourceIdentity, optExternalID)
	if err != nil {
		return Outcome{}, err
	}
	serial, code, sourceIdentity, externalID := opts[0], opts[1], opts[2], opts[3]
	const action = "sts:AssumeRole"
	// The root user cannot assume roles (IAM User Guide, "Using IAM roles").
	if caller.Type == store.Root {
		return Outcome{}, awsquery.Errorf(http.StatusForbidden, "AccessDenied", "Roles may not be assumed by root accounts.")
	}
	role, account, ok := s.roleFromARN(roleARN)
	if !ok {
		// AWS does not say whether the role exists [R21].
		return Outcome{}, accessDenied(caller.ARN, action, roleARN, "")
	}
	parent := caller.Session
	chained := caller.Type == store.AssumedRole
	if chained && r.Has("DurationSeconds") && dur > chainedMax {
		// Role chaining caps the session at one hour; it fails, it does not
		// clamp [R17][R47].
		return Outcome{}, awsquery.Errorf(http.StatusBadRequest, "ValidationError",
			"The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	if dur > role.MaxSessionDuration {
		return Outcome{}, awsquery.Errorf(http.StatusBadRequest, "ValidationError",
			"The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}

	// MFA sent with the call counts for this hop (aws:MultiFactorAuthPresent) [R1][R24].
	mfa, merr := iam.VerifyMFA(s.Store, s.now(), caller, serial, code)
	if merr != nil {
		return Outcome{}, merr
	}
	ctx := policy.Context{
		"sts:RoleSessionName": {sessionName},
		"aws:CurrentTime":     {s.now().Format(time.RFC3339)},
		"aws:EpochTime":       {strconv.FormatInt(s.now().Unix(), 10)},
	}
	if parent != nil && parent.MFA {
		mfa = true
	}
	// aws:MultiFactorAuthPresent exists only for temporary credentials or
	// when MFA is sent with the call; long-term keys alone leave it absent
	// (IAM User Guide, condition keys [R24]).
	if mfa {
		ctx["aws:MultiFactorAuthPresent"] = []string{"true"}
	} else if parent != nil {
		ctx["aws:MultiFactorAuthPresent"] = []string{"false"}
	}
	if parent != nil {
		for k, v := range parent.SAML {
			ctx[k] = []string{v}
		}
		if parent.FederatedProvider != "" {
			ctx["aws:FederatedProvider"] = []string{parent.FederatedProvider}
		}
		for k, v := range parent.Tags {
			ctx["aws:PrincipalTag/"+k] = []string{v}
		}
		// SourceIdentity persists and cannot be changed [R19].
		if parent.SourceIdentity != "" {
			if sourceIdentity != "" && sourceIdentity != parent.SourceIdentity {
				return Outcome{}, accessDenied(caller.ARN, "sts:SetSourceIdentity", roleARN, "")
			}
			sourceIdentity = parent.SourceIdentity
		}
	}
	if sourceIdentity != "" {
		ctx["sts:SourceIdentity"] = []string{sourceIdentity}
		ctx["aws:SourceIdentity"] = []string{sourceIdentity}
	}
	if externalID != "" {
		ctx["sts:ExternalId"] = []string{externalID}
	}
	// Session tags passed with the call (Tags, TransitiveTagKeys) need
	// sts:TagSession; an inherited transitive tag cannot be overridden [R1][R15].
	tags, transitive, terr := requestTags(r)
	if terr != nil {
		return Outcome{}, terr
	}
	if parent != nil {
		for _, k := range parent.TransitiveTagKeys {
			if _, clash := tags[strings.ToLower(k)]; clash {
				return Outcome{}, awsquery.Errorf(http.StatusBadRequest, "InvalidParameterValue",
					"Tag key %s is a transitive tag of the calling session and cannot be overridden.", k)
			}
		}
	}
	for _, t := range tags {
		ctx["aws:RequestTag/"+t.key] = []string{t.value}
	}

	callerPolicies := iam.CallerPolicies(s.Store, caller)
	trust, perr := trustOf(role)
	if perr != nil {
		return Outcome{}, accessDenied(caller.ARN, action, roleARN, "")
	}
	var callerSession []policy.Named
	if parent != nil {
		callerSession = parent.Policies
	}
	pols := policy.Policies{
		Identity:        callerPolicies,
		SessionPolicies: callerSession,
		Resource:        &policy.Named{ID: role.ARN + " trust policy", Policy: trust},
		ResourceIsTrust: true,
		ResourceAccount: account,
	}
	// SCPs of the caller's account bound what its principals may do [SCP docs].
	pols.SCPs, pols.ManagementAccount, _ = s.Store.SCPs(caller.Account)
	req := policy.Request{Principal: caller.Policy(), Action: action, Resource: roleARN, Context: ctx}
	if res := policy.Evaluate(req, pols); !res.Allowed() {
		return Outcome{}, awsquery.Errorf(http.StatusForbidden, "AccessDenied", "%s", res.AccessDeniedMessage(caller.ARN, action, roleARN))
	}
	if len(tags) > 0 || len(transitive) > 0 {
		req.Action = "sts:TagSession"
		if res := policy.Evaluate(req, pols); !res.Allowed() {
			return Outcome{}, awsquery.Errorf(http.StatusForbidden, "AccessDenied", "%s", res.AccessDeniedMessage(caller.ARN, req.Action, roleARN))
		}
	}
	// Carrying a SourceIdentity needs sts:SetSourceIdentity on every hop,
	// all or nothing [R19][R-mon].
	if sourceIdentity != "" {
		req.Action = "sts:SetSourceIdentity"
		if res := policy.Evaluate(req, pols); !res.Allowed() {
			return Outcome{}, awsquery.Errorf(http.StatusForbidden, "AccessDenied", "%s", res.AccessDeniedMessage(caller.ARN, req.Action, roleARN))
		}
	}

	tagValues := map[string]string{}
	for _, t := range tags {
		tagValues[t.key] = t.value
	}
	if _, perr := packedCheck(policySize, tagValues); perr != nil {
		return Outcome{}, perr
	}
	sess := store.Session{SourceIdentity: sourceIdentity, MFA: mfa, Policies: sessPolicies}
	if parent != nil {
		sess.SAML = parent.SAML
		sess.FederatedProvider = parent.FederatedProvider
		// Transitive tags flow into the next hop [R15].
		for _, k := range parent.TransitiveTagKeys {
			if v, ok := parent.Tags[k]; ok {
				if sess.Tags == nil {
					sess.Tags = map[string]string{}
				}
				sess.Tags[k] = v
				sess.TransitiveTagKeys = append(sess.TransitiveTagKeys, k)
			}
		}
	}
	for k, v := range tagValues {
		if sess.Tags == nil {
			sess.Tags = map[string]string{}
		}
		sess.Tags[k] = v
	}
	sess.TransitiveTagKeys = append(sess.TransitiveTagKeys, transitive...)
	k, p := s.issue(role, account, sessionName, time.Duration(dur)*time.Second, sess)
	result := struct {
		Credentials     credentials     `xml:"Credentials"`
		AssumedRoleUser assumedRoleUser `xml:"AssumedRoleUser"`
		SourceIdentity  string          `xml:"SourceIdentity,omitempty"`
	}{credentialsXML(k), assumedRoleUser{p.UserID, p.ARN}, sourceIdentity}
	resp := responseElements(k, p)
	if sourceIdentity != "" {
		resp["sourceIdentity"] = sourceIdentity
	}
	return Outcome{
		Result: result, Key: &k, Account: account, Response: resp, Request: assumeRoleParameters(parent, tags, transitive, sourceIdentity),
		Resources: []events.Resource{{Type: "AWS::IAM::Role", ARN: role.ARN, AccountID: account}},
	}, nil
}

// assumeRoleParameters is what AssumeRole's event adds to the plain
// request parameters: the session tags as a list of {key, value}, the
// transitive keys, the transitive tags inherited from the calling session
// (incomingTransitiveTags) and the source identity carried along, as in
// the IAM User Guide's role chaining event example [R19].
func assumeRoleParameters(parent *store.Session, tags map[string]tag, transitive []string, sourceIdentity string) map[string]any {
	out := map[string]any{}
	if len(tags) > 0 {
		keys := make([]string, 0, len(tags))
		for k := range tags {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		list := make([]map[string]string, 0, len(keys))
		for _, k := range keys {
			list = append(list, map[string]string{"key": tags[k].key, "value": tags[k].value})
		}
		out["tags"] = list
	}
	if len(transitive) > 0 {
		out["transitiveTagKeys"] = transitive
	}
	if parent != nil && len(parent.TransitiveTagKeys) > 0 {
		incoming := map[string]string{}
		for _, k := range parent.TransitiveTagKeys {
			if v, ok := parent.Tags[k]; ok {
				incoming[k] = v
			}
		}
		out["incomingTransitiveTags"] = incoming
	}
	if sourceIdentity != "" {
		out["sourceIdentity"] = sourceIdentity
	}
	return out
}

type tag struct{ key, value string }

// requestTags reads Tags.member.N.{Key,Value} (keyed by lower-case key:
// tag keys are case-insensitive) and TransitiveTagKeys.member.N, with the
// model's limits: at most 50 of each, keys 1-128 and values 0-256
// characters of [\p{L}\p{Z}\p{N}_.:/=+\-@] [R1][R15].
func requestTags(r *awsquery.Request) (map[string]tag, []string, *awsquery.Error) {
	tags := map[string]tag{}
	for i := 1; ; i++ {
		k, ok := r.Params[fmt.Sprintf("Tags.member.%d.Key", i)]
		if !ok {
			break
		}
		key, value := k[0], r.Params.Get(fmt.Sprintf("Tags.member.%d.Value", i))
		if len(key) < 1 || len(key) > 128 || len(value) > 256 || !reTag.MatchString(key) || !reTag.MatchString(value) {
			return nil, nil, validation(key, fmt.Sprintf("tags.%d.member", i), `Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`)
		}
		if _, dup := tags[strings.ToLower(key)]; dup {
			return nil, nil, awsquery.Errorf(http.StatusBadRequest, "InvalidParameterValue", "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		tags[strings.ToLower(key)] = tag{key, value}
	}
	if len(tags) > 50 {
		return nil, nil, validation("...", "tags", "Member must have length less than or equal to 50")
	}
	transitive := r.List("TransitiveTagKeys")
	if len(transitive) > 50 {
		return nil, nil, validation("...", "transitiveTagKeys", "Member must have length less than or equal to 50")
	}
	for _, k := range transitive {
		if _, ok := tags[strings.ToLower(k)]; !ok {
			return nil, nil, awsquery.Errorf(http.StatusBadRequest, "InvalidParameterValue", "The specified transitive tag key %s must be a session tag key.", k)
		}
	}
	return tags, transitive, nil
}

var reTag = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
