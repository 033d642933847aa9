package samlcheck

import (
	"testing"
)

func TestVerifyUnverified(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file string
		rule       string // failing rule; "" for none
		unknown    []string
	}{
		{name: "signed assertion", file: "response-assertion-signed.xml", unknown: []string{RuleSignature, RuleCertificateValidity, RuleIssuer}},
		{name: "only the Response signed", file: "response-response-signed.xml", rule: RuleSignature},
		{name: "SHA-1", file: "response-assertion-signed-sha1.xml", rule: RuleSignatureAlgorithm, unknown: []string{RuleSignature}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, steps, err := VerifyUnverified(request(fixture(t, tt.file)), testNow, Settings{})
			if tt.rule == "" && err != nil {
				t.Fatalf("got %v (%s), want no failure", err, errDetail(err))
			}
			if tt.rule != "" {
				wantErr(t, err, CodeInvalidIdentityToken, MsgSignatureInvalid, tt.rule)
			}
			var unknown []string
			for _, st := range steps {
				if st.Status == StepUnknown {
					unknown = append(unknown, st.Rule)
				}
			}
			if len(unknown) != len(tt.unknown) {
				t.Fatalf("got unknown %v, want %v", unknown, tt.unknown)
			}
			for i := range unknown {
				if unknown[i] != tt.unknown[i] {
					t.Errorf("got unknown %v, want %v", unknown, tt.unknown)
				}
			}
			if len(steps) != len(CheckOrder()) {
				t.Errorf("got %d steps, want %d", len(steps), len(CheckOrder()))
			}
		})
	}
}

func TestInspect(t *testing.T) {
	t.Parallel()
	d, err := Inspect([]byte(fixture(t, "response-both-signed.xml")))
	if err != nil {
		t.Fatal(err)
	}
	if d.Issuer != testIssuer || d.NameID == "" || d.Recipient == "" || len(d.Signatures) != 2 || d.Signatures[0].Certificate == nil {
		t.Errorf("got %+v", d)
	}
	found := false
	for _, a := range d.Attributes {
		found = found || a.Name == AttrRole && len(a.Values) > 0
	}
	if !found {
		t.Errorf("got attributes %+v, want the Role attribute", d.Attributes)
	}
	if _, err := Inspect([]byte(`<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>`)); err == nil {
		t.Error("got no error for a DTD")
	}
}
