package policy

import "testing"

func FuzzParse(f *testing.F) {
	seeds := []string{
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111111111111:saml-provider/Okta"},"Action":"sts:AssumeRoleWithSAML","Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}}}]}`,
		protectSCP,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username, 'x'}/${*}","Condition":{"ForAllValues:StringLike":{"aws:TagKeys":["a*"]},"NumericLessThan":{"x:n":1},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"DateGreaterThan":{"aws:CurrentTime":"2020-01-01"},"Null":{"k":"true"}}}}`,
		`{"Statement":{"Effect":"Deny","NotAction":"iam:*","NotResource":"*","NotPrincipal":{"AWS":["111111111111"]}}}`,
		`{"Statement":{"Effect":"Allow","Effect":"Allow"}}`,
		`[]`, `{`, `null`,
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		p, err := Parse(doc)
		if err != nil {
			if _, ok := err.(*MalformedError); !ok {
				t.Fatalf("Parse returned %T, want *MalformedError", err)
			}
			return
		}
		_ = ValidateIdentity(p)
		_ = ValidateTrust(p)
		_ = ValidateSCP(p)
		ctx := Context{"aws:username": {"u"}, "aws:TagKeys": {"a", "b"}, "x:n": {"0"}, "aws:SourceIp": {"10.1.2.3"}}
		for _, pr := range []Principal{opsSession, samlCaller, breakGlassUser, {Type: PrincipalRoot, Account: emergencyAcct}} {
			Evaluate(Request{Principal: pr, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/u/*", Context: ctx},
				Policies{Identity: []Named{{ID: "p", Policy: p}}, Resource: &Named{ID: "r", Policy: p}, SCPs: [][]Named{{{ID: "s", Policy: p}}}})
		}
	})
}

func BenchmarkEvaluateSystemAdministrator(b *testing.B) {
	p, _ := Managed("arn:aws:iam::aws:policy/job-function/SystemAdministrator")
	pols := Policies{Identity: []Named{{ID: "sa", Policy: p}}}
	req := Request{Principal: workloadSession, Action: "iam:PassRole", Resource: "arn:aws:iam::222222222222:role/lambda-sysadmin-x"}
	for b.Loop() {
		Evaluate(req, pols)
	}
}
