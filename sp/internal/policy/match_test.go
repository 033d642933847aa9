package policy

import "testing"

func TestMatchAction(t *testing.T) {
	tests := []struct {
		name, pattern, action string
		want                  bool
	}{
		{"exact", "sts:AssumeRole", "sts:AssumeRole", true},
		{"case-insensitive", "STS:assumerole", "sts:AssumeRole", true},
		{"prefix wildcard", "iam:Get*", "iam:GetRole", true},
		{"prefix wildcard other verb", "iam:Get*", "iam:ListRoles", false},
		{"everything", "*", "autoscaling:UpdateAutoScalingGroup", true},
		{"service wildcard", "iam:*", "iam:PassRole", true},
		{"service prefix is not a wildcard", "iam:*", "iamx:PassRole", false},
		{"question mark", "s3:Get?bject", "s3:GetObject", true},
		{"any-service verb", "*:Describe*", "ec2:DescribeInstances", true},
		{"any-service verb not mid-word", "*:Get*", "ec2:DescribeGetX", false},
		{"assume role with saml not assume role", "sts:AssumeRole", "sts:AssumeRoleWithSAML", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := matchAction(tt.pattern, tt.action); got != tt.want {
				t.Errorf("matchAction(%q, %q): got %v, want %v", tt.pattern, tt.action, got, tt.want)
			}
		})
	}
}

func TestMatchResource(t *testing.T) {
	ctx := Context{
		"aws:username":          {"alice"},
		"aws:PrincipalTag/Team": {"ops"},
		"saml:sub":              {"bob@example.com"},
		"aws:TagKeys":           {"a", "b"},
	}
	tests := []struct {
		name, pattern, resource string
		want                    bool
	}{
		{"star", "*", "arn:aws:iam::111111111111:role/x", true},
		{"role wildcard", "arn:aws:iam::*:role/EmergencyAccess_*", "arn:aws:iam::222222222222:role/EmergencyAccess_Ops", true},
		{"role wildcard other role", "arn:aws:iam::*:role/EmergencyAccess_*", "arn:aws:iam::222222222222:role/Admin", false},
		{"wildcard stays in its segment", "arn:aws:iam::*:role/x", "arn:aws:iam::1:2:role/x", false},
		{"resource segment spans slash", "arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b/c", true},
		{"resource segment keeps colons", "arn:aws:logs:*:*:log-group:g:*", "arn:aws:logs:us-east-1:111111111111:log-group:g:log-stream:s", true},
		{"case-sensitive", "arn:aws:iam::*:role/emergencyaccess_*", "arn:aws:iam::2:role/EmergencyAccess_Ops", false},
		{"too few segments", "arn:aws:iam::*", "arn:aws:iam::111111111111:role/x", false},
		{"username variable", "arn:aws:iam::111111111111:user/${aws:username}", "arn:aws:iam::111111111111:user/alice", true},
		{"username variable other user", "arn:aws:iam::111111111111:user/${aws:username}", "arn:aws:iam::111111111111:user/mallory", false},
		{"variable key case-insensitive", "arn:aws:s3:::b/${AWS:UserName}/*", "arn:aws:s3:::b/alice/x", true},
		{"tag variable", "arn:aws:s3:::b/${aws:PrincipalTag/Team}/*", "arn:aws:s3:::b/ops/x", true},
		{"saml variable", "arn:aws:s3:::b/${saml:sub}", "arn:aws:s3:::b/bob@example.com", true},
		{"no variables in 2008 policies", "arn:aws:s3:::b/${aws:username}", "arn:aws:s3:::b/alice", false},
		{"2008 keeps the text literally", "arn:aws:s3:::b/${aws:username}", "arn:aws:s3:::b/${aws:username}", true},
		{"missing variable matches nothing", "arn:aws:s3:::b/${aws:userid}/*", "arn:aws:s3:::b/x/y", false},
		{"multivalued variable matches nothing", "arn:aws:s3:::b/${aws:TagKeys}", "arn:aws:s3:::b/a", false},
		{"default value", "arn:aws:s3:::b/${aws:PrincipalTag/Dept, 'shared'}/*", "arn:aws:s3:::b/shared/x", true},
		{"default not used when present", "arn:aws:s3:::b/${aws:PrincipalTag/Team, 'shared'}/*", "arn:aws:s3:::b/shared/x", false},
		{"default with escaped quote", "arn:aws:s3:::b/${x:y, 'it''s'}", "arn:aws:s3:::b/it's", true},
		{"literal star", "arn:aws:s3:::b/${*}", "arn:aws:s3:::b/*", true},
		{"literal star is not a wildcard", "arn:aws:s3:::b/${*}", "arn:aws:s3:::b/x", false},
		{"literal question mark", "arn:aws:s3:::b/a${?}", "arn:aws:s3:::b/a?", true},
		{"literal dollar", "arn:aws:s3:::b/${$}{x}", "arn:aws:s3:::b/${x}", true},
		{"unterminated variable", "arn:aws:s3:::b/${aws:username", "arn:aws:s3:::b/${aws:username", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := true
			if tt.name == "no variables in 2008 policies" || tt.name == "2008 keeps the text literally" {
				vars = false
			}
			p, ok := compilePattern(tt.pattern, vars, ctx)
			got := ok && p.matchARN(tt.resource)
			if got != tt.want {
				t.Errorf("match %q against %q: got %v, want %v", tt.pattern, tt.resource, got, tt.want)
			}
		})
	}
}
