package policy

import "testing"

// conditionHolds parses a Condition element and evaluates all its entries.
func conditionHolds(t *testing.T, cond string, ctx Context) bool {
	t.Helper()
	p, err := Parse(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":` + cond + `}}`)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	for _, c := range p.Statements[0].Conditions {
		if !c.holds(ctx, true) {
			return false
		}
	}
	return true
}

func TestConditions(t *testing.T) {
	// Several cases follow the examples of the IAM User Guide pages
	// "Conditions with multiple context keys or values" and "IAM JSON
	// policy elements: Condition operators".
	tests := []struct {
		name string
		cond string
		ctx  Context
		want bool
	}{
		// Multiple keys AND, multiple values OR.
		{"two keys both match", `{"StringEquals":{"aws:PrincipalTag/department":["finance","hr"],"aws:PrincipalTag/role":["audit","security"]},"ArnLike":{"aws:PrincipalArn":["arn:aws:iam::222222222222:user/Ana","arn:aws:iam::222222222222:user/Mary"]}}`,
			Context{"aws:PrincipalTag/department": {"hr"}, "aws:PrincipalTag/role": {"audit"}, "aws:PrincipalArn": {"arn:aws:iam::222222222222:user/Mary"}}, true},
		{"two keys one fails", `{"StringEquals":{"aws:PrincipalTag/department":["finance","hr"],"aws:PrincipalTag/role":["audit","security"]}}`,
			Context{"aws:PrincipalTag/department": {"hr"}, "aws:PrincipalTag/role": {"dev"}}, false},
		{"negated values are NOR: matches one", `{"StringNotEquals":{"aws:PrincipalTag/department":["finance","hr"]}}`, Context{"aws:PrincipalTag/department": {"hr"}}, false},
		{"negated values are NOR: matches none", `{"StringNotEquals":{"aws:PrincipalTag/department":["finance","hr"]}}`, Context{"aws:PrincipalTag/department": {"legal"}}, true},
		{"negated with missing key is true", `{"StringNotLike":{"aws:PrincipalTag/department":"fin*"}}`, nil, true},
		{"positive with missing key is false", `{"StringLike":{"aws:PrincipalTag/department":"fin*"}}`, nil, false},
		{"keys are case-insensitive", `{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}}`, Context{"saml:aud": {"https://signin.aws.amazon.com/saml"}}, true},
		{"values are case-sensitive", `{"StringEquals":{"aws:username":"Alice"}}`, Context{"aws:username": {"alice"}}, false},
		{"ignore case", `{"StringEqualsIgnoreCase":{"aws:username":"ALICE"}}`, Context{"aws:username": {"alice"}}, true},
		{"not equals ignore case", `{"StringNotEqualsIgnoreCase":{"aws:username":"ALICE"}}`, Context{"aws:username": {"alice"}}, false},
		{"string like wildcard", `{"StringLike":{"s3:prefix":["home/${aws:username}/*"]}}`, Context{"s3:prefix": {"home/alice/docs"}, "aws:username": {"alice"}}, true},
		{"string equals treats star literally", `{"StringEquals":{"s3:prefix":"home/*"}}`, Context{"s3:prefix": {"home/x"}}, false},

		// ...IfExists (AWS example: StringLikeIfExists ec2:InstanceType).
		{"ifexists key present matching", `{"StringLikeIfExists":{"ec2:InstanceType":["t1.*","t2.*","m3.*"]}}`, Context{"ec2:InstanceType": {"t2.micro"}}, true},
		{"ifexists key present not matching", `{"StringLikeIfExists":{"ec2:InstanceType":["t1.*","t2.*","m3.*"]}}`, Context{"ec2:InstanceType": {"c5.large"}}, false},
		{"ifexists key absent", `{"StringLikeIfExists":{"ec2:InstanceType":["t1.*"]}}`, nil, true},

		// MFA: the key is present only for temporary credentials.
		{"mfa true", `{"Bool":{"aws:MultiFactorAuthPresent":"true"}}`, Context{"aws:MultiFactorAuthPresent": {"true"}}, true},
		{"mfa false", `{"Bool":{"aws:MultiFactorAuthPresent":"true"}}`, Context{"aws:MultiFactorAuthPresent": {"false"}}, false},
		{"mfa key absent", `{"Bool":{"aws:MultiFactorAuthPresent":"true"}}`, nil, false},
		{"mfa json boolean", `{"Bool":{"aws:MultiFactorAuthPresent":true}}`, Context{"aws:MultiFactorAuthPresent": {"true"}}, true},
		{"deny if no mfa, key absent (BoolIfExists false)", `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}`, nil, true},
		{"deny if no mfa, mfa present", `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}`, Context{"aws:MultiFactorAuthPresent": {"true"}}, false},
		{"bool case-insensitive", `{"Bool":{"aws:SecureTransport":"TRUE"}}`, Context{"aws:SecureTransport": {"true"}}, true},

		// Null.
		{"null true key absent", `{"Null":{"aws:TokenIssueTime":"true"}}`, nil, true},
		{"null true key present", `{"Null":{"aws:TokenIssueTime":"true"}}`, Context{"aws:TokenIssueTime": {"2024-01-01T00:00:00Z"}}, false},
		{"null false key present", `{"Null":{"aws:TokenIssueTime":"false"}}`, Context{"aws:TokenIssueTime": {"2024-01-01T00:00:00Z"}}, true},

		// Set operators (IAM User Guide "Set operators for multivalued context keys").
		{"for all values subset", `{"ForAllValues:StringEquals":{"aws:TagKeys":["environment","cost-center"]}}`, Context{"aws:TagKeys": {"environment"}}, true},
		{"for all values extra key", `{"ForAllValues:StringEquals":{"aws:TagKeys":["environment","cost-center"]}}`, Context{"aws:TagKeys": {"environment", "owner"}}, false},
		{"for all values missing key is true", `{"ForAllValues:StringEquals":{"aws:TagKeys":["environment"]}}`, nil, true},
		{"for all values empty set is true", `{"ForAllValues:StringEquals":{"aws:TagKeys":["environment"]}}`, Context{"aws:TagKeys": {}}, true},
		{"for any value one matches", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["environment","cost-center"]}}`, Context{"aws:TagKeys": {"owner", "cost-center"}}, true},
		{"for any value none matches", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["environment"]}}`, Context{"aws:TagKeys": {"owner"}}, false},
		{"for any value missing key is false", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["environment"]}}`, nil, false},
		{"for any value ifexists missing key", `{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":["environment"]}}`, nil, true},
		{"for any value negated", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["environment"]}}`, Context{"aws:TagKeys": {"environment", "owner"}}, true},
		{"for all values negated", `{"ForAllValues:StringNotLike":{"aws:TagKeys":["secret*"]}}`, Context{"aws:TagKeys": {"environment", "secretx"}}, false},
		{"for any value saml list key", `{"ForAnyValue:StringLike":{"saml:edupersonaffiliation":["staff"]}}`, Context{"saml:edupersonaffiliation": {"student", "staff"}}, true},

		// Numeric and date.
		{"numeric less than", `{"NumericLessThanEquals":{"s3:max-keys":"10"}}`, Context{"s3:max-keys": {"10"}}, true},
		{"numeric greater than", `{"NumericGreaterThan":{"s3:max-keys":10}}`, Context{"s3:max-keys": {"10"}}, false},
		{"numeric decimal", `{"NumericEquals":{"x:n":"1.50"}}`, Context{"x:n": {"1.5"}}, true},
		{"numeric not a number", `{"NumericEquals":{"x:n":"1"}}`, Context{"x:n": {"one"}}, false},
		{"numeric not equals", `{"NumericNotEquals":{"x:n":["1","2"]}}`, Context{"x:n": {"3"}}, true},
		{"date less than", `{"DateLessThan":{"aws:CurrentTime":"2026-06-30T00:00:00Z"}}`, Context{"aws:CurrentTime": {"2026-06-29T23:59:59Z"}}, true},
		{"date greater than", `{"DateGreaterThan":{"aws:CurrentTime":"2026-06-30T00:00:00Z"}}`, Context{"aws:CurrentTime": {"2026-06-29T23:59:59Z"}}, false},
		{"date epoch", `{"DateGreaterThanEquals":{"aws:EpochTime":"1700000000"}}`, Context{"aws:EpochTime": {"2024-01-01T00:00:00Z"}}, true},
		{"date only", `{"DateEquals":{"x:d":"2024-01-01"}}`, Context{"x:d": {"2024-01-01T00:00:00Z"}}, true},

		// IP, ARN, binary.
		{"ip in cidr", `{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:db8::/32"]}}`, Context{"aws:SourceIp": {"203.0.113.7"}}, true},
		{"ip v6 in cidr", `{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:db8::/32"]}}`, Context{"aws:SourceIp": {"2001:db8::1"}}, true},
		{"ip single address", `{"IpAddress":{"aws:SourceIp":"203.0.113.7"}}`, Context{"aws:SourceIp": {"203.0.113.8"}}, false},
		{"not ip address", `{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, Context{"aws:SourceIp": {"198.51.100.1"}}, true},
		{"arn like", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/EmergencyAccess_*"}}`, Context{"aws:PrincipalArn": {"arn:aws:iam::111111111111:role/EmergencyAccess_Ops"}}, true},
		{"arn equals with wildcard", `{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:*:111111111111:topic"}}`, Context{"aws:SourceArn": {"arn:aws:sns:us-east-1:111111111111:topic"}}, true},
		{"arn not like", `{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/Admin"}}`, Context{"aws:PrincipalArn": {"arn:aws:iam::1:role/Admin"}}, false},
		{"arn value not an arn", `{"ArnLike":{"aws:PrincipalArn":"*"}}`, Context{"aws:PrincipalArn": {"x"}}, true},
		{"binary equals", `{"BinaryEquals":{"x:b":"QmluYXJ5VmFsdWU="}}`, Context{"x:b": {"QmluYXJ5VmFsdWU="}}, true},
		{"binary equals raw", `{"BinaryEquals":{"x:b":"QmluYXJ5VmFsdWU="}}`, Context{"x:b": {"BinaryValue!"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := conditionHolds(t, tt.cond, tt.ctx); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
