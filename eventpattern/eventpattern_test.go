package eventpattern_test

import (
	"strings"
	"testing"

	"github.com/breakglass-dev/breakglass/eventpattern"
)

// Cases from the Amazon EventBridge User Guide's "Content filtering" rules.
func TestMatch(t *testing.T) {
	event := `{"source":"aws.sts","detail-type":"AWS API Call via CloudTrail","account":"111111111111",
	  "detail":{"eventName":"AssumeRole","eventSource":"sts.amazonaws.com","errorCode":null,
	    "userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111111111111:assumed-role/EmergencyAccess_Role1_Ops/bob",
	      "sessionContext":{"sessionIssuer":{"userName":"EmergencyAccess_Role1_Ops"}}},
	    "requestParameters":{"roleArn":"arn:aws:iam::222222222222:role/EmergencyAccess_Ops","durationSeconds":3600},
	    "tags":["break-glass","drill"]}}`
	for _, tc := range []struct {
		name, pattern string
		want          bool
	}{
		{"literal", `{"source":["aws.sts"]}`, true},
		{"literal, other value", `{"source":["aws.signin"]}`, false},
		{"any of several", `{"source":["aws.signin","aws.sts"]}`, true},
		{"nested all fields", `{"source":["aws.sts"],"detail":{"eventName":["AssumeRole"],"eventSource":["sts.amazonaws.com"]}}`, true},
		{"nested one field wrong", `{"source":["aws.sts"],"detail":{"eventName":["AssumeRoleWithSAML"]}}`, false},
		{"missing field", `{"detail":{"missing":["x"]}}`, false},
		{"prefix", `{"detail":{"userIdentity":{"sessionContext":{"sessionIssuer":{"userName":[{"prefix":"EmergencyAccess_"}]}}}}}`, true},
		{"prefix, other", `{"detail":{"userIdentity":{"sessionContext":{"sessionIssuer":{"userName":[{"prefix":"Admin"}]}}}}}`, false},
		{"prefix ignoring case", `{"detail":{"eventName":[{"prefix":{"equals-ignore-case":"assume"}}]}}`, true},
		{"suffix", `{"detail":{"requestParameters":{"roleArn":[{"suffix":"/EmergencyAccess_Ops"}]}}}`, true},
		{"equals-ignore-case", `{"detail":{"eventName":[{"equals-ignore-case":"assumerole"}]}}`, true},
		{"wildcard across slashes", `{"detail":{"userIdentity":{"arn":[{"wildcard":"arn:aws:sts::*:assumed-role/EmergencyAccess_*"}]}}}`, true},
		{"wildcard, other", `{"detail":{"userIdentity":{"arn":[{"wildcard":"arn:aws:sts::*:assumed-role/Admin*"}]}}}`, false},
		{"anything-but", `{"detail":{"eventName":[{"anything-but":"GetCallerIdentity"}]}}`, true},
		{"anything-but list containing it", `{"detail":{"eventName":[{"anything-but":["AssumeRole","GetSessionToken"]}]}}`, false},
		{"anything-but prefix", `{"detail":{"eventName":[{"anything-but":{"prefix":"Get"}}]}}`, true},
		{"exists true", `{"detail":{"requestParameters":{"roleArn":[{"exists":true}]}}}`, true},
		{"exists false on missing", `{"detail":{"requestParameters":{"externalId":[{"exists":false}]}}}`, true},
		{"exists false on present", `{"detail":{"eventName":[{"exists":false}]}}`, false},
		{"null literal", `{"detail":{"errorCode":[null]}}`, true},
		{"numeric range", `{"detail":{"requestParameters":{"durationSeconds":[{"numeric":[">",900,"<=",3600]}]}}}`, true},
		{"numeric out of range", `{"detail":{"requestParameters":{"durationSeconds":[{"numeric":["<",3600]}]}}}`, false},
		{"array value, any element", `{"detail":{"tags":["drill"]}}`, true},
		{"array value, no element", `{"detail":{"tags":["prod"]}}`, false},
	} {
		p, err := eventpattern.Parse([]byte(tc.pattern))
		if err != nil {
			t.Errorf("%s: parse: %v", tc.name, err)
			continue
		}
		got, err := p.Match([]byte(event))
		if err != nil || got != tc.want {
			t.Errorf("%s: Match = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for _, tc := range []struct{ name, pattern, want string }{
		{"not JSON", `{"source":`, "event pattern"},
		{"not an object", `["aws.sts"]`, "event pattern"},
		{"scalar leaf", `{"source":"aws.sts"}`, "want an object or a list"},
		{"empty list", `{"source":[]}`, "empty list"},
		{"unknown filter", `{"source":[{"cidr":"10.0.0.0/8"}]}`, "not supported"},
		{"two keys in a filter", `{"source":[{"prefix":"a","suffix":"b"}]}`, "exactly one key"},
		{"bad numeric", `{"n":[{"numeric":[">"]}]}`, "malformed numeric"},
		{"bad numeric operator", `{"n":[{"numeric":["!=",1]}]}`, "operator, number pairs"},
	} {
		_, err := eventpattern.Parse([]byte(tc.pattern))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}

// No pattern and event, however odd, make Parse or Match panic.
func FuzzMatch(f *testing.F) {
	f.Add(`{"a":[{"prefix":"x"}]}`, `{"a":"xy"}`)
	f.Add(`{"a":[[1]]}`, `{"a":[[1]]}`)
	f.Add(`{"a":{"b":[{"anything-but":{"prefix":"q"}}]}}`, `{"a":{"b":["q1",{"c":1}]}}`)
	f.Add(`{"a":[{"numeric":[">",1,"<",5]}]}`, `{"a":3}`)
	f.Add(`{"a":[{"wildcard":"*x*"}]}`, `{"a":"axb"}`)
	f.Fuzz(func(t *testing.T, pattern, event string) {
		p, err := eventpattern.Parse([]byte(pattern))
		if err != nil {
			return
		}
		p.Match([]byte(event))
	})
}
