package iam

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/breakglass-dev/breakglass/sp/internal/awsquery"
	"github.com/breakglass-dev/breakglass/sp/internal/policy"
	"github.com/breakglass-dev/breakglass/sp/internal/store"
)

// Policy simulation: SimulatePrincipalPolicy evaluates a user's, group's or
// role's policies for actions and resources; SimulateCustomPolicy evaluates
// policies given in the call. A drill proves with them, on the emulator and
// on AWS alike, what a role may and may not do. Source: IAM API reference,
// SimulatePrincipalPolicy and SimulateCustomPolicy [R2].

var reSourceARN = regexp.MustCompile(`^arn:aws:iam::(\d{12}):(user|group|role)/(?:[\x21-\x7E]*/)?([\w+=,.@-]+)$`)

type xmlMatched struct {
	SourcePolicyID   string `xml:"SourcePolicyId"`
	SourcePolicyType string `xml:"SourcePolicyType"`
}

type xmlEvaluation struct {
	EvalActionName    string       `xml:"EvalActionName"`
	EvalResourceName  string       `xml:"EvalResourceName"`
	EvalDecision      string       `xml:"EvalDecision"`
	MatchedStatements []xmlMatched `xml:"MatchedStatements>member"`
	MissingContext    []string     `xml:"MissingContextValues>member"`
}

// contextEntries reads ContextEntries.member.N: ContextKeyName and
// ContextKeyValues.member.M.
func contextEntries(r *awsquery.Request) policy.Context {
	ctx := policy.Context{}
	for i := 1; ; i++ {
		prefix := fmt.Sprintf("ContextEntries.member.%d.", i)
		name := r.Params.Get(prefix + "ContextKeyName")
		if name == "" {
			return ctx
		}
		ctx[name] = r.List(prefix + "ContextKeyValues")
	}
}

// simulation holds what both simulate actions evaluate.
type simulation struct {
	principal policy.Principal
	identity  []policy.Named
	resource  *policy.Named
	ctx       policy.Context
}

func (s *Service) simulate(sim simulation, r *awsquery.Request) (any, *awsquery.Error) {
	actions := r.List("ActionNames")
	if len(actions) == 0 {
		return nil, validation("null", "actionNames", "Member must not be null")
	}
	resources := r.List("ResourceArns")
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	if doc := r.Get("ResourcePolicy"); doc != "" {
		p, err := policy.Parse(doc)
		if err != nil {
			return nil, malformedPolicy(err)
		}
		sim.resource = &policy.Named{ID: "ResourcePolicy", Policy: p}
	}
	var results []xmlEvaluation
	for _, action := range actions {
		for _, res := range resources {
			pols := policy.Policies{Identity: sim.identity, Resource: sim.resource}
			out := policy.Evaluate(policy.Request{Principal: sim.principal, Action: action, Resource: res, Context: sim.ctx}, pols)
			ev := xmlEvaluation{EvalActionName: action, EvalResourceName: res, EvalDecision: string(out.Decision)}
			for _, m := range out.Matched {
				ev.MatchedStatements = append(ev.MatchedStatements, xmlMatched{m.PolicyID, sourcePolicyType(m)})
			}
			results = append(results, ev)
		}
	}
	return struct {
		Results     []xmlEvaluation `xml:"EvaluationResults>member"`
		IsTruncated bool            `xml:"IsTruncated"`
	}{results, false}, nil
}

// sourcePolicyType names a matched policy's kind with the API's enum:
// user, group, role, aws-managed, user-managed, resource or none.
func sourcePolicyType(m policy.MatchedStatement) string {
	switch {
	case m.Type == policy.TypeResource || m.Type == policy.TypeTrust:
		return "resource"
	case strings.HasPrefix(m.PolicyID, "arn:aws:iam::aws:policy/"):
		return "aws-managed"
	case strings.HasPrefix(m.PolicyID, "arn:"):
		return "user-managed"
	}
	return "none"
}

func (s *Service) simulatePrincipalPolicy(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	src, err := required(r, "PolicySourceArn", "policySourceArn", 20, 2048, nil, "")
	if err != nil {
		return nil, err
	}
	m := reSourceARN.FindStringSubmatch(src)
	if m == nil || m[1] != caller.Account {
		return nil, invalidInput("Invalid ARN: %s", src)
	}
	sim := simulation{ctx: contextEntries(r)}
	switch m[2] {
	case "user":
		u, e := s.Store.User(m[1], m[3])
		if e != nil {
			return nil, noSuchEntity("The user with name %s cannot be found.", m[3])
		}
		sim.principal = policy.Principal{Type: policy.PrincipalIAMUser, ARN: u.ARN, Account: m[1], UserName: u.Name}
		sim.identity = UserPolicies(s.Store, m[1], u)
	case "group":
		g, e := s.Store.Group(m[1], m[3])
		if e != nil {
			return nil, noSuchEntity("The group with name %s cannot be found.", m[3])
		}
		sim.principal = policy.Principal{Type: policy.PrincipalIAMUser, ARN: g.ARN, Account: m[1]}
		sim.identity = namedPolicies(s.Store, m[1], nil, g.Name, g.InlinePolicies, g.AttachedPolicies)
	case "role":
		role, e := s.Store.Role(m[1], m[3])
		if e != nil {
			return nil, noSuchEntity("The role with name %s cannot be found.", m[3])
		}
		// A role is simulated as a session of that role.
		sim.principal = policy.Principal{Type: policy.PrincipalAssumedRole, ARN: "arn:aws:sts::" + m[1] + ":assumed-role/" + role.Name + "/simulation",
			Account: m[1], RoleARN: role.ARN}
		sim.identity = RolePolicies(s.Store, m[1], role)
	}
	extra, err := inputPolicies(r)
	if err != nil {
		return nil, err
	}
	sim.identity = append(sim.identity, extra...)
	return s.simulate(sim, r)
}

func (s *Service) simulateCustomPolicy(caller store.Principal, r *awsquery.Request) (any, *awsquery.Error) {
	pols, err := inputPolicies(r)
	if err != nil {
		return nil, err
	}
	if len(pols) == 0 {
		return nil, validation("null", "policyInputList", "Member must not be null")
	}
	sim := simulation{ctx: contextEntries(r), identity: pols,
		principal: policy.Principal{Type: policy.PrincipalIAMUser, ARN: r.Get("CallerArn"), Account: caller.Account}}
	if sim.principal.ARN == "" {
		sim.principal.ARN = "arn:aws:iam::" + caller.Account + ":user/simulation"
	}
	return s.simulate(sim, r)
}

// inputPolicies parses PolicyInputList.member.N.
func inputPolicies(r *awsquery.Request) ([]policy.Named, *awsquery.Error) {
	var out []policy.Named
	for i, doc := range r.List("PolicyInputList") {
		p, err := policy.Parse(doc)
		if err != nil {
			return nil, malformedPolicy(err)
		}
		out = append(out, policy.Named{ID: fmt.Sprintf("PolicyInputList.%d", i+1), Policy: p})
	}
	return out, nil
}
