package sp

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/breakglass-dev/breakglass/sp/internal/events"
	"github.com/breakglass-dev/breakglass/sp/internal/policy"
	"github.com/breakglass-dev/breakglass/sp/internal/store"
)

// organizationsTarget prefixes the X-Amz-Target of AWS Organizations in the
// JSON 1.1 protocol.
const organizationsTarget = "AWSOrganizationsV20161128."

// The emulator serves the part of AWS Organizations a landscape needs:
// one organization, service control policies attached to accounts.
// Source: AWS Organizations API Reference; User Guide, "Service control
// policies" (SCPs never restrict the management account; FullAWSAccess is
// attached everywhere by default).
func (e *Emulator) organizations(w http.ResponseWriter, r *http.Request) {
	action := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), organizationsTarget)
	id, body, caller, ok := e.jsonCall(w, r, "organizations")
	if !ok {
		return
	}
	if aerr := e.authorize(caller, "organizations:"+action, "*"); aerr != nil {
		jsonError(w, id, aerr.Status, "AccessDeniedException", aerr.Message)
		return
	}
	var in struct {
		FeatureSet, Content, Description, Name, Type, PolicyId, TargetId, Filter string
	}
	if len(body) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			jsonError(w, id, http.StatusBadRequest, "SerializationException", "the request body is not valid JSON")
			return
		}
	}
	out, code, msg := e.orgAction(caller, action, in.Content, in.Description, in.Name, in.Type, in.PolicyId, in.TargetId)
	ev := events.Event{EventTime: e.clock.Now().UTC(), EventSource: "organizations.amazonaws.com", EventName: action, AWSRegion: "us-east-1",
		SourceIPAddress: clientIP(r), UserAgent: r.UserAgent(), RequestID: id, RecipientAccountID: caller.Account,
		RequestParameters: map[string]any{"name": in.Name, "policyId": in.PolicyId, "targetId": in.TargetId},
		UserIdentity:      events.Identity{Type: string(caller.Type), PrincipalID: caller.UserID, ARN: caller.ARN, AccountID: caller.Account},
		ErrorCode:         code, ErrorMessage: msg}
	e.events.Add(ev)
	if code != "" {
		status := http.StatusBadRequest
		if code == "AccessDeniedException" {
			status = http.StatusForbidden
		}
		jsonError(w, id, status, code, msg)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("x-amzn-RequestId", id)
	json.NewEncoder(w).Encode(out)
}

type policySummary struct {
	ID          string `json:"Id"`
	ARN         string `json:"Arn"`
	Name        string `json:"Name"`
	Description string `json:"Description"`
	Type        string `json:"Type"`
	AwsManaged  bool   `json:"AwsManaged"`
}

func summary(p store.SCP) policySummary {
	return policySummary{p.ID, p.ARN, p.Name, p.Description, "SERVICE_CONTROL_POLICY", false}
}

// orgAction answers one Organizations action; code and msg are set on
// failure.
func (e *Emulator) orgAction(caller store.Principal, action, content, description, name, typ, policyID, target string) (out any, code, msg string) {
	orgID, management, err := e.store.Organization()
	if action == "CreateOrganization" {
		if err == nil {
			return nil, "AlreadyInOrganizationException", "The AWS account is already a member of an organization."
		}
		if orgID, err = e.store.CreateOrganization(caller.Account); err != nil {
			return nil, "ServiceException", "An internal error occurred."
		}
		management = caller.Account
	} else if err != nil {
		return nil, "AWSOrganizationsNotInUseException", "Your account is not a member of an organization."
	}
	org := map[string]any{"Organization": map[string]any{"Id": orgID, "FeatureSet": "ALL",
		"Arn":             "arn:aws:organizations::" + management + ":organization/" + orgID,
		"MasterAccountId": management, "MasterAccountArn": "arn:aws:organizations::" + management + ":account/" + orgID + "/" + management}}
	switch action {
	case "CreateOrganization", "DescribeOrganization":
		return org, "", ""
	}
	// Policy administration is the management account's alone.
	if caller.Account != management {
		return nil, "AccessDeniedException", "You don't have permissions to access this resource."
	}
	switch action {
	case "CreatePolicy":
		if typ != "SERVICE_CONTROL_POLICY" {
			return nil, "PolicyTypeNotAvailableForOrganizationException", "This policy type is not available in the emulator."
		}
		p, perr := policy.Parse(content)
		if perr == nil {
			perr = policy.ValidateSCP(p)
		}
		if perr != nil {
			var m *policy.MalformedError
			if errors.As(perr, &m) {
				return nil, "MalformedPolicyDocumentException", m.Message
			}
			return nil, "MalformedPolicyDocumentException", "The provided policy document does not meet the requirements of the specified policy type."
		}
		scp, serr := e.store.PutSCP(store.SCP{Name: name, Description: description, Content: content, Parsed: p})
		if serr != nil {
			return nil, "DuplicatePolicyException", "A policy with the same name already exists."
		}
		return map[string]any{"Policy": map[string]any{"PolicySummary": summary(scp), "Content": content}}, "", ""
	case "AttachPolicy", "DetachPolicy":
		if !store.IsAccountID(target) {
			return nil, "TargetNotFoundException", "We can't find a root, OU, account, or policy with the TargetId that you specified."
		}
		var serr error
		if action == "AttachPolicy" {
			serr = e.store.AttachSCP(policyID, target)
		} else {
			serr = e.store.DetachSCP(policyID, target)
		}
		switch {
		case serr == nil:
			return struct{}{}, "", ""
		case errors.Is(serr, store.ErrExists):
			return nil, "DuplicatePolicyAttachmentException", "The selected policy is already attached to the specified target."
		case action == "DetachPolicy" && strings.Contains(serr.Error(), " on "):
			return nil, "PolicyNotAttachedException", "The policy isn't attached to the specified target in the specified root."
		default:
			return nil, "PolicyNotFoundException", "We can't find a policy with the PolicyId that you specified."
		}
	case "ListPolicies", "ListPoliciesForTarget":
		list := []policySummary{}
		for _, p := range e.store.SCPList() {
			if action == "ListPolicies" || slices.Contains(p.Targets, target) {
				list = append(list, summary(p))
			}
		}
		return map[string]any{"Policies": list}, "", ""
	}
	return nil, "UnknownOperationException", ""
}
