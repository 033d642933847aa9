package policy

import (
	"errors"
	"testing"
)

func TestParseShapes(t *testing.T) {
	tests := []struct {
		name       string
		doc        string
		statements int
		version    string
	}{
		{"single statement object", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`, 1, Version2012},
		{"statement array", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":["arn:aws:s3:::b/*"]},{"Effect":"Deny","NotAction":"iam:*","NotResource":"*"}]}`, 2, Version2012},
		{"no version is 2008 semantics", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, 1, ""},
		{"old version", `{"Version":"2008-10-17","Id":"x","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, 1, Version2008},
		{"trust policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111111111111:saml-provider/Okta"},"Action":"sts:AssumeRoleWithSAML","Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}}}]}`, 1, Version2012},
		{"condition with bool and number values", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":true},"NumericLessThan":{"s3:max-keys":10}}}}`, 1, Version2012},
		{"empty condition", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"AWS":"111111111111"},"Condition":{}}}`, 1, Version2012},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(tt.doc)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := len(p.Statements); got != tt.statements {
				t.Errorf("got %d statements, want %d", got, tt.statements)
			}
			if p.Version != tt.version {
				t.Errorf("got version %q, want %q", p.Version, tt.version)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want string
	}{
		{"not json", `{`, MsgSyntax},
		{"trailing garbage", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}} x`, MsgSyntax},
		{"array document", `[]`, MsgSyntax},
		{"duplicate key", `{"Statement":{"Effect":"Allow","Effect":"Deny","Action":"*","Resource":"*"}}`, MsgSyntax},
		{"unknown top-level element", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"},"Condition":{}}`, MsgSyntax},
		{"missing statement", `{"Version":"2012-10-17"}`, MsgSyntax},
		{"empty statement list", `{"Statement":[]}`, MsgSyntax},
		{"bad version", `{"Version":"2012-10-18","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, MsgLegacyParsing},
		{"lowercase effect", `{"Statement":{"Effect":"allow","Action":"*","Resource":"*"}}`, MsgSyntax},
		{"missing effect", `{"Statement":{"Action":"*","Resource":"*"}}`, MsgSyntax},
		{"missing action", `{"Statement":{"Effect":"Allow","Resource":"*"}}`, MsgNoActions},
		{"empty action list", `{"Statement":{"Effect":"Allow","Action":[],"Resource":"*"}}`, MsgNoActions},
		{"action and notaction", `{"Statement":{"Effect":"Allow","Action":"*","NotAction":"iam:*","Resource":"*"}}`, MsgSyntax},
		{"action without vendor", `{"Statement":{"Effect":"Allow","Action":"GetObject","Resource":"*"}}`, MsgActionVendor},
		{"action with two colons", `{"Statement":{"Effect":"Allow","Action":"s3:Get:Object","Resource":"*"}}`, MsgActionColons},
		{"action number", `{"Statement":{"Effect":"Allow","Action":5,"Resource":"*"}}`, MsgSyntax},
		{"resource not arn", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"bucket"}}`, msgResourceFormat("bucket")},
		{"resource and notresource", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","NotResource":"*"}}`, MsgSyntax},
		{"principal string not star", `{"Statement":{"Effect":"Allow","Action":"*","Principal":"111111111111"}}`, MsgSyntax},
		{"principal unknown type", `{"Statement":{"Effect":"Allow","Action":"*","Principal":{"Aws":"111111111111"}}}`, msgInvalidPrincipal("Aws", "111111111111")},
		{"unknown condition operator", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualz":{"a:b":"c"}}}}`, msgConditionType("StringEqualz")},
		{"null with ifexists", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NullIfExists":{"a:b":"true"}}}}`, msgConditionType("NullIfExists")},
		{"bool value not boolean", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"yes"}}}}`, MsgSyntax},
		{"condition value object", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"a:b":{"c":"d"}}}}}`, MsgSyntax},
		{"unknown statement element", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Resources":"*"}}`, MsgSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.doc)
			var me *MalformedError
			if !errors.As(err, &me) {
				t.Fatalf("got error %v, want *MalformedError", err)
			}
			if me.Message != tt.want {
				t.Errorf("got message %q, want %q", me.Message, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	const (
		identity = `{"Version":"2012-10-17","Statement":{"Sid":"S1","Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::*:role/EmergencyAccess_*"}}`
		trust    = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}}`
	)
	tests := []struct {
		name     string
		doc      string
		validate func(*Policy) error
		want     string // "" means valid
	}{
		{"identity ok", identity, ValidateIdentity, ""},
		{"identity with principal", trust, ValidateIdentity, MsgIdentityPrincipal},
		{"identity without resource", `{"Statement":{"Effect":"Allow","Action":"*"}}`, ValidateIdentity, MsgNoResources},
		{"identity bad sid", `{"Statement":{"Sid":"a-b","Effect":"Allow","Action":"*","Resource":"*"}}`, ValidateIdentity, MsgSidNotAlnum},
		{"identity duplicate sid", `{"Statement":[{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"A","Effect":"Deny","Action":"*","Resource":"*"}]}`, ValidateIdentity, MsgSidNotUnique},
		{"trust ok", trust, ValidateTrust, ""},
		{"trust with resource", identity, ValidateTrust, msgProhibited("Resource")},
		{"trust with notresource", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","NotResource":"*"}}`, ValidateTrust, msgProhibited("NotResource")},
		{"trust without principal", `{"Statement":{"Effect":"Allow","Action":"sts:AssumeRole"}}`, ValidateTrust, MsgNoPrincipals},
		{"trust account id", `{"Statement":{"Effect":"Allow","Principal":{"AWS":["222222222222","arn:aws:iam::111111111111:role/path/R","arn:aws:sts::111111111111:assumed-role/R/s","arn:aws:iam::111111111111:user/u"]},"Action":"sts:AssumeRole"}}`, ValidateTrust, ""},
		{"trust wildcard in role arn", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/*"},"Action":"sts:AssumeRole"}}`, ValidateTrust, msgInvalidPrincipal("AWS", "arn:aws:iam::111111111111:role/*")},
		{"trust short account", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"1111"},"Action":"sts:AssumeRole"}}`, ValidateTrust, msgInvalidPrincipal("AWS", "1111")},
		{"trust saml provider", `{"Statement":{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111111111111:saml-provider/Okta"},"Action":"sts:AssumeRoleWithSAML"}}`, ValidateTrust, ""},
		{"trust bad federated", `{"Statement":{"Effect":"Allow","Principal":{"Federated":"Okta"},"Action":"sts:AssumeRoleWithSAML"}}`, ValidateTrust, msgInvalidPrincipal("Federated", "Okta")},
		{"trust service", `{"Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}}`, ValidateTrust, ""},
		{"scp ok", identity, ValidateSCP, ""},
		{"scp with principal", trust, ValidateSCP, MsgSCP},
		{"scp without resource", `{"Statement":{"Effect":"Deny","Action":"*"}}`, ValidateSCP, MsgSCP},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(tt.doc)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			err = tt.validate(p)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			var me *MalformedError
			if !errors.As(err, &me) {
				t.Fatalf("got %v, want *MalformedError", err)
			}
			if me.Message != tt.want {
				t.Errorf("got message %q, want %q", me.Message, tt.want)
			}
		})
	}
}
