package samlcheck

import (
	"encoding/base64"
	"errors"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

// wantErr checks err against an AWS code, message and rule.
func wantErr(t *testing.T, err error, code, msg, rule string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %v, want *Error %s %q [%s]", err, code, msg, rule)
	}
	if e.Code != code || (msg != "" && e.Message != msg) || e.Rule != rule {
		t.Fatalf("got %s %q [%s] (%s), want %s %q [%s]", e.Code, e.Message, e.Rule, e.Detail(), code, msg, rule)
	}
}

func TestVerifyXmlsec1Fixtures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, metadata string
		s                    Settings
		code, msg, rule      string // empty code: success
	}{
		{name: "assertion signed", file: "response-assertion-signed.xml", metadata: "metadata-idp.xml"},
		{name: "both signed", file: "response-both-signed.xml", metadata: "metadata-idp.xml"},
		{name: "exc-c14n with comments", file: "response-assertion-signed-with-comments.xml", metadata: "metadata-idp.xml"},
		{name: "response only signed refused by default", file: "response-response-signed.xml", metadata: "metadata-idp.xml",
			code: CodeInvalidIdentityToken, msg: MsgSignatureInvalid, rule: RuleSignature},
		{name: "response only signed with knob", file: "response-response-signed.xml", metadata: "metadata-idp.xml",
			s: Settings{AllowUnsignedAssertionInSignedResponse: true}},
		{name: "sha1 refused by default", file: "response-assertion-signed-sha1.xml", metadata: "metadata-idp.xml",
			code: CodeInvalidIdentityToken, msg: MsgSignatureInvalid, rule: RuleSignatureAlgorithm},
		{name: "sha1 with knob", file: "response-assertion-signed-sha1.xml", metadata: "metadata-idp.xml", s: Settings{AllowSHA1: true}},
		{name: "expired certificate refused by default", file: "response-assertion-signed-expired-cert.xml", metadata: "metadata-expired.xml",
			code: CodeInvalidIdentityToken, msg: MsgSignatureInvalid, rule: RuleCertificateValidity},
		{name: "expired certificate with knob", file: "response-assertion-signed-expired-cert.xml", metadata: "metadata-expired.xml",
			s: Settings{AllowExpiredCertificate: true}},
		{name: "key rotated, metadata stale", file: "response-assertion-signed.xml", metadata: "metadata-other.xml",
			code: CodeInvalidIdentityToken, msg: MsgSignatureInvalid, rule: RuleSignature},
		{name: "signed by a key of another provider", file: "response-assertion-signed-expired-cert.xml", metadata: "metadata-idp.xml",
			code: CodeInvalidIdentityToken, msg: MsgSignatureInvalid, rule: RuleSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, steps, err := Verify(request(fixture(t, tt.file)), provider(t, tt.metadata), testNow, tt.s)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("got %v (%s), want success", err, errDetail(err))
				}
				if res.RoleSessionName != "admin.evil" {
					t.Errorf("got RoleSessionName %q, want admin.evil", res.RoleSessionName)
				}
				for _, st := range steps {
					if st.Status != StepPass {
						t.Errorf("got step %+v, want pass", st)
					}
				}
				if len(steps) != len(CheckOrder()) {
					t.Errorf("got %d steps, want %d", len(steps), len(CheckOrder()))
				}
				return
			}
			if res != nil {
				t.Errorf("got result %+v, want nil", res)
			}
			wantErr(t, err, tt.code, tt.msg, tt.rule)
			checkSteps(t, steps, tt.rule)
		})
	}
}

// checkSteps checks that steps follow CheckOrder, pass up to rule, fail at
// rule and skip the rest.
func checkSteps(t *testing.T, steps []Step, rule string) {
	t.Helper()
	order := CheckOrder()
	if len(steps) != len(order) {
		t.Fatalf("got %d steps, want %d", len(steps), len(order))
	}
	state := StepPass
	for i, st := range steps {
		if st.Rule != order[i] {
			t.Fatalf("got step %d rule %q, want %q", i, st.Rule, order[i])
		}
		want := state
		if st.Rule == rule {
			want = StepFail
			state = StepSkipped
		}
		if st.Status != want {
			t.Errorf("got step %s %s, want %s", st.Rule, st.Status, want)
		}
	}
}

func TestVerifyResult(t *testing.T) {
	t.Parallel()
	res, _, err := Verify(request(fixture(t, "response-assertion-signed.xml")), provider(t, "metadata-idp.xml"), testNow, Settings{})
	if err != nil {
		t.Fatal(err)
	}
	want := &Result{
		Issuer:              testIssuer,
		Subject:             "admin.evil",
		SubjectType:         "persistent",
		Audience:            "https://signin.aws.amazon.com/saml",
		NameQualifier:       NameQualifier(testIssuer, "111111111111", "Okta", false),
		RoleSessionName:     "admin.evil",
		SourceIdentity:      "admin.evil",
		SessionDuration:     3600,
		SessionNotOnOrAfter: time.Date(2026, 11, 22, 20, 0, 0, 0, time.UTC),
		PrincipalTags:       map[string]string{"Team": "ops"},
		TransitiveTagKeys:   []string{"Team"},
		Roles: []RolePair{
			{RoleARN: testRoleOps, PrincipalARN: testProvider},
			{RoleARN: testRoleRO, PrincipalARN: testProvider},
			{RoleARN: "arn:aws:iam::111111111111:role/Admin.readonly", PrincipalARN: testProvider},
		},
		AssertionID:  "_a1",
		NotOnOrAfter: time.Date(2026, 11, 22, 12, 5, 0, 0, time.UTC),
		IssueInstant: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC),
	}
	want.Attributes = res.Attributes
	if !reflect.DeepEqual(res, want) {
		t.Errorf("got  %+v\nwant %+v", res, want)
	}
	if got := res.Attributes["urn:oid:0.9.2342.19200300.100.1.3"]; !reflect.DeepEqual(got, []string{"admin@example.test"}) {
		t.Errorf("got mail attribute %q, want [admin@example.test]", got)
	}
}

func TestNameQualifier(t *testing.T) {
	t.Parallel()
	// Reference §1.3 computed vectors.
	tests := []struct {
		slash bool
		want  string
	}{
		{false, "1uAJanUnBc2XeUkHURMht+xam2c="},
		{true, "ZJ7bLrcd9SJlBOE+5OiooapD4hQ="},
	}
	for _, tt := range tests {
		if got := NameQualifier("https://example.com/saml", "123456789012", "MySAMLIdP", tt.slash); got != tt.want {
			t.Errorf("NameQualifier(slash=%v) = %s, want %s", tt.slash, got, tt.want)
		}
	}
}

// TestCommentInjection inserts comments into signed values of the
// xmlsec1 fixtures. Canonicalization without comments ignores them, so the
// signature stays valid; the value read must be the whole signed text.
func TestCommentInjection(t *testing.T) {
	t.Parallel()
	p := provider(t, "metadata-idp.xml")
	tests := []struct {
		name, file, old, new string
		role                 string // requested role
		check                func(t *testing.T, res *Result)
		code, rule           string
	}{
		{name: "benign, in a role value", file: "response-assertion-signed.xml",
			old: "role/EmergencyAccess_Role1_Ops,", new: "role/EmergencyAccess_Role1_<!-- -->Ops,", role: testRoleOps,
			check: func(t *testing.T, res *Result) {
				if res.Roles[0].RoleARN != testRoleOps {
					t.Errorf("got role %q, want %q", res.Roles[0].RoleARN, testRoleOps)
				}
			}},
		{name: "escalating, in a role value", file: "response-assertion-signed.xml",
			old: "role/Admin.readonly<", new: "role/Admin<!---->.readonly<", role: "arn:aws:iam::111111111111:role/Admin",
			code: CodeAccessDenied, rule: RuleRolePair},
		{name: "escalating, role value still read whole", file: "response-assertion-signed.xml",
			old: "role/Admin.readonly<", new: "role/Admin<!---->.readonly<", role: "arn:aws:iam::111111111111:role/Admin.readonly"},
		{name: "NameID", file: "response-assertion-signed.xml",
			old: ">admin.evil</saml:NameID>", new: ">admin<!---->.evil</saml:NameID>", role: testRoleOps,
			check: func(t *testing.T, res *Result) {
				if res.Subject != "admin.evil" {
					t.Errorf("got Subject %q, want admin.evil", res.Subject)
				}
			}},
		{name: "NameID in a response-signed response", file: "response-both-signed.xml",
			old: ">admin.evil</saml:NameID>", new: ">admin<!---->.evil</saml:NameID>", role: testRoleOps,
			check: func(t *testing.T, res *Result) {
				if res.Subject != "admin.evil" {
					t.Errorf("got Subject %q, want admin.evil", res.Subject)
				}
			}},
		{name: "signed with comments: a new comment breaks the digest", file: "response-assertion-signed-with-comments.xml",
			old: ">admin.evil</saml:NameID>", new: ">admin<!---->.evil</saml:NameID>", role: testRoleOps,
			code: CodeInvalidIdentityToken, rule: RuleSignature},
		{name: "CDATA split", file: "response-assertion-signed.xml",
			old: ">admin.evil</saml:NameID>", new: ">admin<![CDATA[.evil]]></saml:NameID>", role: testRoleOps,
			check: func(t *testing.T, res *Result) {
				if res.Subject != "admin.evil" {
					t.Errorf("got Subject %q, want admin.evil", res.Subject)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := request(mustReplace(t, fixture(t, tt.file), tt.old, tt.new))
			req.RoleARN = tt.role
			res, _, err := Verify(req, p, testNow, Settings{})
			if tt.code != "" {
				wantErr(t, err, tt.code, "", tt.rule)
				return
			}
			if err != nil {
				t.Fatalf("got %v (%s), want success", err, errDetail(err))
			}
			if tt.check != nil {
				tt.check(t, res)
			}
		})
	}
}

// assertionOf returns the <saml:Assertion>...</saml:Assertion> text of xml.
func assertionOf(t *testing.T, xml string) string {
	t.Helper()
	i := strings.Index(xml, "<saml:Assertion ")
	j := strings.LastIndex(xml, "</saml:Assertion>")
	if i < 0 || j < 0 {
		t.Fatal("no assertion")
	}
	return xml[i : j+len("</saml:Assertion>")]
}

var sigRE = regexp.MustCompile(`(?s)<ds:Signature .*?</ds:Signature>`)

// stripSig removes the first ds:Signature of s.
func stripSig(s string) string {
	loc := sigRE.FindStringIndex(s)
	if loc == nil {
		return s
	}
	return s[:loc[0]] + s[loc[1]:]
}

func stripDecl(s string) string {
	if i := strings.Index(s, "?>"); strings.HasPrefix(s, "<?xml") && i > 0 {
		return strings.TrimLeft(s[i+2:], "\n")
	}
	return s
}

const evilRole = "arn:aws:iam::111111111111:role/EmergencyAccess_Role1_RO,arn:aws:iam::111111111111:saml-provider/Okta"

// evil turns an assertion into the attacker's: it offers Admin.
func evil(t *testing.T, a string) string {
	return mustReplace(t, a, "role/Admin.readonly<", "role/Admin<")
}

// xswVariants builds XML Signature Wrapping attacks (Somorovsky et al.,
// "On Breaking SAML", 2012; the XSW1-8 of SAML Raider) from the xmlsec1
// fixtures, by text edits that keep xmlsec1's signature bytes.
func xswVariants(t *testing.T) map[string]string {
	rs := fixture(t, "response-response-signed.xml")  // Response signed
	as := fixture(t, "response-assertion-signed.xml") // Assertion signed
	origR := stripDecl(rs)
	A := assertionOf(t, as)
	evilA := mustReplace(t, evil(t, stripSig(A)), `ID="_a1"`, `ID="_evil"`)
	v := map[string]string{}

	// XSW1: a new Response (new ID, evil content) is the root; the signed
	// original Response sits inside its Signature.
	evilR := mustReplace(t, evil(t, origR), `ID="_r1"`, `ID="_evilr"`)
	v["XSW1"] = mustReplace(t, evilR, "</ds:Signature>", origR+"</ds:Signature>")
	// XSW2: as XSW1, with the original as a detached sibling before the
	// Signature.
	v["XSW2"] = mustReplace(t, evilR, "<ds:Signature ", origR+"<ds:Signature ")
	// XSW3: an evil unsigned Assertion before the signed one.
	v["XSW3"] = mustReplace(t, as, "<saml:Assertion ", evilA+"\n  <saml:Assertion ")
	// XSW4: the evil Assertion wraps the signed one.
	v["XSW4"] = strings.Replace(as, A, mustReplace(t, evilA, "</saml:Assertion>", A+"</saml:Assertion>"), 1)
	// XSW5: the signed Assertion's content is changed (signature kept) and
	// an unsigned copy of the original is appended.
	v["XSW5"] = strings.Replace(as, A, evil(t, A)+stripSig(A), 1)
	// XSW6: the changed Assertion keeps the signature, which now holds the
	// original Assertion.
	v["XSW6"] = strings.Replace(as, A, mustReplace(t, evil(t, A), "</ds:Signature>", A+"</ds:Signature>"), 1)
	// XSW7: the original sits in an Extensions element; the evil one is the
	// Response's assertion.
	v["XSW7"] = strings.Replace(as, A, "<samlp:Extensions>"+A+"</samlp:Extensions>"+evilA, 1)
	// XSW8: the changed Assertion's Signature holds a ds:Object with the
	// original, unsigned.
	v["XSW8"] = strings.Replace(as, A, mustReplace(t, evil(t, A), "</ds:Signature>", "<ds:Object>"+stripSig(A)+"</ds:Object></ds:Signature>"), 1)
	// A signed Assertion with an evil ID-less sibling after it.
	v["second assertion"] = strings.Replace(as, A, A+evilA, 1)
	// Same ID twice: the evil copy carries the signed ID.
	v["duplicate ID"] = strings.Replace(as, A, A+mustReplace(t, evilA, `ID="_evil"`, `ID="_a1"`), 1)
	for k, x := range v {
		if x == as || x == rs {
			t.Fatalf("%s: variant equals the fixture", k)
		}
	}
	return v
}

func TestSignatureWrapping(t *testing.T) {
	t.Parallel()
	p := provider(t, "metadata-idp.xml")
	for name, x := range xswVariants(t) {
		for _, s := range []Settings{{}, {AllowUnsignedAssertionInSignedResponse: true}} {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				req := request(x)
				req.RoleARN = "arn:aws:iam::111111111111:role/Admin"
				res, _, err := Verify(req, p, testNow, s)
				if err == nil {
					t.Fatalf("got success %+v, want InvalidIdentityToken", res)
				}
				var e *Error
				if !errors.As(err, &e) || e.Code != CodeInvalidIdentityToken || e.Status != http.StatusBadRequest {
					t.Fatalf("got %v, want InvalidIdentityToken 400", err)
				}
			})
		}
	}
}

// TestSignatureWrappingSecondLine bypasses the structure check and runs
// signature verification with each Assertion of each XSW variant as the
// candidate: whatever verifies must yield the signed content, never the
// attacker's.
func TestSignatureWrappingSecondLine(t *testing.T) {
	t.Parallel()
	p := provider(t, "metadata-idp.xml")
	verified := 0
	t.Cleanup(func() {
		if verified == 0 {
			t.Error("no candidate verified: the test checked nothing")
		}
	})
	for name, x := range xswVariants(t) {
		t.Run(name, func(t *testing.T) {
			px, err := parseXML([]byte(x))
			if err != nil {
				t.Fatal(err)
			}
			resp := px.doc.Root()
			for _, a := range resp.FindElements("//Assertion") {
				v := &verifier{p: p, now: testNow, s: Settings{AllowUnsignedAssertionInSignedResponse: true}}
				sig, e := v.verifySignatures(resp, a)
				if e != nil {
					continue
				}
				verified++
				attrs, err := readAttributes(sig.assertion)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range attrs[AttrRole] {
					if strings.HasSuffix(r, "role/Admin") {
						t.Errorf("verified assertion offers %q: the attacker's content was read", r)
					}
				}
			}
		})
	}
}

func TestTampering(t *testing.T) {
	t.Parallel()
	p := provider(t, "metadata-idp.xml")
	tests := []struct{ name, file, old, new string }{
		{"attribute value", "response-assertion-signed.xml", "role/EmergencyAccess_Role1_RO<", "role/EmergencyAccess_Role2_Ops<"},
		{"RoleSessionName", "response-assertion-signed.xml", "<saml:AttributeValue>admin.evil</saml:AttributeValue>", "<saml:AttributeValue>root</saml:AttributeValue>"},
		{"NameID", "response-assertion-signed.xml", ">admin.evil</saml:NameID>", ">root</saml:NameID>"},
		{"NotOnOrAfter", "response-assertion-signed.xml", `NotOnOrAfter="2026-11-22T12:05:00Z" Recipient`, `NotOnOrAfter="2027-11-22T12:05:00Z" Recipient`},
		{"signature removed", "response-assertion-signed.xml", "<ds:Signature ", "<ds:Signature Id=\"x\" "},
		{"response-signed, assertion changed", "response-response-signed.xml", ">admin.evil</saml:NameID>", ">root</saml:NameID>"},
		{"both signed, assertion changed", "response-both-signed.xml", ">admin.evil</saml:NameID>", ">root</saml:NameID>"},
		{"both signed, Response changed", "response-both-signed.xml", `Destination="https://signin.aws.amazon.com/saml"`, `Destination="https://evil.example/saml"`},
		{"signature value", "response-assertion-signed.xml", "<ds:SignatureValue>", "<ds:SignatureValue>AAAA"},
	}
	for _, tt := range tests {
		for _, s := range []Settings{{}, {AllowUnsignedAssertionInSignedResponse: true, AllowSHA1: true, AllowExpiredCertificate: true}} {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				x := mustReplace(t, fixture(t, tt.file), tt.old, tt.new)
				if tt.name == "signature removed" {
					x = stripSig(fixture(t, tt.file))
				}
				_, _, err := Verify(request(x), p, testNow, s)
				wantErr(t, err, CodeInvalidIdentityToken, MsgSignatureInvalid, RuleSignature)
			})
		}
	}
}

func TestVerifyTimes(t *testing.T) {
	t.Parallel()
	p := provider(t, "metadata-idp.xml")
	x := fixture(t, "response-assertion-signed.xml")
	at := func(hms string) time.Time {
		tm, err := time.Parse(time.RFC3339, "2026-11-22T"+hms+"Z")
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		name            string
		now             time.Time
		skew            time.Duration
		code, msg, rule string
	}{
		{name: "at issue", now: at("12:00:00")},
		{name: "last second", now: at("12:04:59")},
		{name: "NotOnOrAfter reached", now: at("12:05:00"), code: CodeExpiredToken, msg: MsgResponseExpired, rule: RuleNotOnOrAfter},
		{name: "older than 5 minutes", now: at("12:05:01"), code: CodeExpiredToken, msg: MsgRedeemWindow, rule: RuleIssueInstant},
		{name: "an hour later", now: at("13:00:00"), code: CodeExpiredToken, msg: MsgRedeemWindow, rule: RuleIssueInstant},
		{name: "issued in the future", now: at("11:59:30"), code: CodeInvalidIdentityToken, msg: MsgNotYetValid, rule: RuleNotBefore},
		{name: "before NotBefore", now: at("11:58:00"), code: CodeInvalidIdentityToken, msg: MsgNotYetValid, rule: RuleNotBefore},
		{name: "before NotBefore within skew", now: at("11:58:00"), skew: 3 * time.Minute},
		{name: "expired within skew", now: at("12:05:30"), skew: time.Minute},
		{name: "after SessionNotOnOrAfter", now: at("20:00:00"), skew: 9 * time.Hour, code: CodeExpiredToken, msg: MsgResponseExpired, rule: RuleNotOnOrAfter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, steps, err := Verify(request(x), p, tt.now, Settings{ClockSkew: tt.skew})
			if tt.code == "" {
				if err != nil {
					t.Fatalf("got %v (%s), want success", err, errDetail(err))
				}
				return
			}
			wantErr(t, err, tt.code, tt.msg, tt.rule)
			checkSteps(t, steps, tt.rule)
		})
	}
}

func TestVerifyRequest(t *testing.T) {
	t.Parallel()
	p := provider(t, "metadata-idp.xml")
	good := request(fixture(t, "response-assertion-signed.xml"))
	tests := []struct {
		name            string
		edit            func(r *Request)
		code, msg, rule string
	}{
		{name: "assertion too short", edit: func(r *Request) { r.SAMLAssertion = "abc" }, code: CodeValidationError,
			msg: "1 validation error detected: Value at 'sAMLAssertion' failed to satisfy constraint: Member must have length greater than or equal to 4", rule: RuleRequest},
		{name: "assertion too long", edit: func(r *Request) { r.SAMLAssertion = strings.Repeat("A", 100_001) }, code: CodeValidationError,
			msg: "1 validation error detected: Value at 'sAMLAssertion' failed to satisfy constraint: Member must have length less than or equal to 100000", rule: RuleRequest},
		{name: "duration too short", edit: func(r *Request) { r.DurationSeconds = 899 }, code: CodeValidationError,
			msg: "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900", rule: RuleRequest},
		{name: "two violations", edit: func(r *Request) { r.DurationSeconds = 43201; r.RoleARN = "arn:aws:iam::1:role" }, code: CodeValidationError,
			msg: "2 validation errors detected: Value 'arn:aws:iam::1:role' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20; Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200", rule: RuleRequest},
		{name: "duration in range", edit: func(r *Request) { r.DurationSeconds = 43200 }},
		{name: "role in another account", edit: func(r *Request) { r.RoleARN = "arn:aws:iam::222222222222:role/EmergencyAccess_Ops" },
			code: CodeValidationError, msg: MsgPrincipalOutside, rule: RuleProviderAccount},
		{name: "not base64", edit: func(r *Request) { r.SAMLAssertion = "%%%%" }, code: CodeInvalidIdentityToken, rule: RuleBase64},
		{name: "not xml", edit: func(r *Request) { r.SAMLAssertion = base64.StdEncoding.EncodeToString([]byte("hello")) }, code: CodeInvalidIdentityToken, rule: RuleXML},
		{name: "provider-first pair", edit: func(r *Request) { r.RoleARN = testRoleRO }},
		{name: "pair not offered", edit: func(r *Request) { r.RoleARN = "arn:aws:iam::111111111111:role/EmergencyAccess_Role2_Ops" },
			code: CodeAccessDenied, msg: MsgNotAuthorized, rule: RuleRolePair},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := good
			tt.edit(&r)
			_, steps, err := Verify(r, p, testNow, Settings{})
			if tt.code == "" {
				if err != nil {
					t.Fatalf("got %v (%s), want success", err, errDetail(err))
				}
				return
			}
			wantErr(t, err, tt.code, tt.msg, tt.rule)
			checkSteps(t, steps, tt.rule)
		})
	}
}

func TestVerifyIssuer(t *testing.T) {
	t.Parallel()
	md := strings.Replace(fixture(t, "metadata-idp.xml"), testIssuer, "https://idp.other.test/saml", 1)
	m, err := ParseMetadata([]byte(md))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = Verify(request(fixture(t, "response-assertion-signed.xml")), Provider{ARN: testProvider, Metadata: m}, testNow,
		Settings{RequestID: "c6104cbe-af31-11e0-8154-cbc7ccf896c7"})
	want := "Issuer not present in specified provider (Service: AWSOpenIdDiscoveryService; Status Code: 400; Error Code: AuthSamlInvalidSamlResponseException; Request ID: c6104cbe-af31-11e0-8154-cbc7ccf896c7)"
	wantErr(t, err, CodeInvalidIdentityToken, want, RuleIssuer)
}

// TestVerifyContent checks the rules after the signature with assertions
// re-signed by goxmldsig (the signature check itself is proven against
// xmlsec1 above).
func TestVerifyContent(t *testing.T) {
	t.Parallel()
	p := provider(t, "metadata-idp.xml")
	base := fixture(t, "response-assertion-signed.xml")
	const (
		rsn = `<saml:AttributeValue>admin.evil</saml:AttributeValue>
      </saml:Attribute>
      <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/SessionDuration">`
		tagAt = `<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/PrincipalTag:Team">`
	)
	tests := []struct {
		name            string
		edits           [][2]string
		check           func(t *testing.T, r *Result)
		code, msg, rule string
	}{
		{name: "unchanged"},
		{name: "status not success", edits: [][2]string{{"status:Success", "status:Requester"}},
			code: CodeInvalidIdentityToken, rule: RuleStatus},
		{name: "both issuers changed", edits: [][2]string{{testIssuer, "https://evil.test/saml"}, {testIssuer, "https://evil.test/saml"}},
			code: CodeInvalidIdentityToken, msg: IssuerMessage(""), rule: RuleIssuer},
		{name: "response issuer differs", edits: [][2]string{{"<saml:Issuer>" + testIssuer, "<saml:Issuer>https://evil.test/saml"}},
			code: CodeInvalidIdentityToken, msg: IssuerMessage(""), rule: RuleIssuer},
		{name: "recipient not AWS", edits: [][2]string{{`Recipient="https://signin.aws.amazon.com/saml"`, `Recipient="https://sp.example/acs"`}},
			code: CodeInvalidIdentityToken, msg: MsgAudience, rule: RuleSubjectConfirmation},
		{name: "recipient regional", edits: [][2]string{{`Recipient="https://signin.aws.amazon.com/saml"`, `Recipient="https://eu-west-1.signin.aws.amazon.com/saml"`}},
			check: func(t *testing.T, r *Result) {
				if r.Audience != "https://eu-west-1.signin.aws.amazon.com/saml" {
					t.Errorf("got Audience %q, want the regional Recipient", r.Audience)
				}
			}},
		{name: "recipient static", edits: [][2]string{{`Recipient="https://signin.aws.amazon.com/saml"`, `Recipient="https://signin.aws.amazon.com/static/saml"`}}},
		{name: "recipient acs", edits: [][2]string{{`Recipient="https://signin.aws.amazon.com/saml"`, `Recipient="https://us-east-2.signin.aws.amazon.com/saml/acs/SAMLSP4EXAMPLEQWERTY1234"`}}},
		{name: "recipient with fragment", edits: [][2]string{{`Recipient="https://signin.aws.amazon.com/saml"`, `Recipient="https://signin.aws.amazon.com/saml#2"`}},
			code: CodeInvalidIdentityToken, msg: MsgAudience, rule: RuleSubjectConfirmation},
		{name: "no recipient", edits: [][2]string{{` Recipient="https://signin.aws.amazon.com/saml"`, ``}},
			code: CodeInvalidIdentityToken, msg: MsgInvalidResponse, rule: RuleSubjectConfirmation},
		{name: "no confirmation NotOnOrAfter", edits: [][2]string{{`NotOnOrAfter="2026-11-22T12:05:00Z" Recipient`, `Recipient`}},
			code: CodeInvalidIdentityToken, msg: MsgInvalidResponse, rule: RuleSubjectConfirmation},
		{name: "holder of key", edits: [][2]string{{"cm:bearer", "cm:holder-of-key"}},
			code: CodeInvalidIdentityToken, rule: RuleSubjectConfirmation},
		{name: "two confirmations", edits: [][2]string{{"</saml:SubjectConfirmation>", "</saml:SubjectConfirmation><saml:SubjectConfirmation Method=\"urn:oasis:names:tc:SAML:2.0:cm:bearer\"/>"}},
			code: CodeInvalidIdentityToken, rule: RuleSubjectConfirmation},
		{name: "audience not AWS", edits: [][2]string{{"<saml:Audience>urn:amazon:webservices", "<saml:Audience>123"}},
			code: CodeInvalidIdentityToken, msg: MsgAudience, rule: RuleAudience},
		{name: "audience sign-in URL", edits: [][2]string{{"<saml:Audience>urn:amazon:webservices", "<saml:Audience>https://signin.aws.amazon.com/saml"}}},
		{name: "no audience restriction", edits: [][2]string{{"<saml:AudienceRestriction>", "<!--"}, {"</saml:AudienceRestriction>", "-->"}},
			code: CodeInvalidIdentityToken, msg: MsgAudience, rule: RuleAudience},
		{name: "invalid IssueInstant", edits: [][2]string{{`Version="2.0" IssueInstant="2026-11-22T12:00:00Z">
    <saml:Issuer>`, `Version="2.0" IssueInstant="yesterday">
    <saml:Issuer>`}}, code: CodeInvalidIdentityToken, msg: MsgInvalidResponse, rule: RuleIssueInstant},
		{name: "empty window", edits: [][2]string{{`NotBefore="2026-11-22T11:59:00Z" NotOnOrAfter="2026-11-22T12:05:00Z"`, `NotBefore="2026-11-22T12:00:00Z" NotOnOrAfter="2026-11-22T12:00:00Z"`}},
			code: CodeExpiredToken, msg: MsgResponseExpired, rule: RuleNotOnOrAfter},
		{name: "no NameID", edits: [][2]string{{`<saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">admin.evil</saml:NameID>`, ``}},
			code: CodeAccessDenied, msg: MsgNotAuthorized, rule: RuleNameID},
		{name: "empty NameID", edits: [][2]string{{`>admin.evil</saml:NameID>`, `></saml:NameID>`}},
			code: CodeAccessDenied, msg: MsgNotAuthorized, rule: RuleNameID},
		{name: "transient", edits: [][2]string{{"nameid-format:persistent", "nameid-format:transient"}},
			check: func(t *testing.T, r *Result) {
				if r.SubjectType != "transient" {
					t.Errorf("got SubjectType %q, want transient", r.SubjectType)
				}
			}},
		{name: "SAML 1.1 format kept whole", edits: [][2]string{{"urn:oasis:names:tc:SAML:2.0:nameid-format:persistent", "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"}},
			check: func(t *testing.T, r *Result) {
				if r.SubjectType != "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress" {
					t.Errorf("got SubjectType %q, want the full 1.1 URI", r.SubjectType)
				}
			}},
		{name: "no Role attribute", edits: [][2]string{{`Name="https://aws.amazon.com/SAML/Attributes/Role"`, `Name="https://aws.amazon.com/SAML/Attributes/role"`}},
			code: CodeAccessDenied, msg: MsgNotAuthorized, rule: RuleRoleAttribute},
		{name: "trailing comma", edits: [][2]string{{"saml-provider/Okta</saml:AttributeValue>", "saml-provider/Okta,</saml:AttributeValue>"}},
			code: CodeAccessDenied, msg: MsgNotAuthorized, rule: RuleRolePair},
		{name: "padded role value", edits: [][2]string{{"<saml:AttributeValue>arn:aws:iam::111111111111:role/EmergencyAccess_Role1_Ops", "<saml:AttributeValue>\n arn:aws:iam::111111111111:role/EmergencyAccess_Role1_Ops"}},
			code: CodeAccessDenied, msg: MsgNotAuthorized, rule: RuleRolePair},
		{name: "no RoleSessionName", edits: [][2]string{{"Attributes/RoleSessionName", "Attributes/SessionName"}},
			code: CodeInvalidIdentityToken, msg: MsgSessionNameMissing, rule: RuleRoleSessionName},
		{name: "RoleSessionName with space", edits: [][2]string{{rsn, strings.Replace(rsn, "admin.evil", "John Doe", 1)}},
			code: CodeInvalidIdentityToken, msg: MsgSessionNameInvalid, rule: RuleRoleSessionName},
		{name: "RoleSessionName 65 chars", edits: [][2]string{{rsn, strings.Replace(rsn, "admin.evil", strings.Repeat("a", 65), 1)}},
			code: CodeInvalidIdentityToken, msg: MsgSessionNameInvalid, rule: RuleRoleSessionName},
		{name: "RoleSessionName 64 chars", edits: [][2]string{{rsn, strings.Replace(rsn, "admin.evil", strings.Repeat("a", 64), 1)}}},
		{name: "SourceIdentity one char", edits: [][2]string{{"SourceIdentity\">\n        <saml:AttributeValue>admin.evil", "SourceIdentity\">\n        <saml:AttributeValue>a"}},
			code: CodeInvalidIdentityToken, msg: MsgSourceIdentity, rule: RuleSourceIdentity},
		{name: "SourceIdentity aws:", edits: [][2]string{{"SourceIdentity\">\n        <saml:AttributeValue>admin.evil", "SourceIdentity\">\n        <saml:AttributeValue>aws:x"}},
			code: CodeInvalidIdentityToken, msg: MsgSourceIdentity, rule: RuleSourceIdentity},
		{name: "SessionDuration 899", edits: [][2]string{{">3600<", ">899<"}},
			code: CodeInvalidIdentityToken, msg: MsgSessionDuration, rule: RuleSessionDuration},
		{name: "SessionDuration 43201", edits: [][2]string{{">3600<", ">43201<"}},
			code: CodeInvalidIdentityToken, msg: MsgSessionDuration, rule: RuleSessionDuration},
		{name: "SessionDuration text", edits: [][2]string{{">3600<", ">1h<"}},
			code: CodeInvalidIdentityToken, msg: MsgSessionDuration, rule: RuleSessionDuration},
		{name: "tag with two values", edits: [][2]string{{tagAt, tagAt + "<saml:AttributeValue>dev</saml:AttributeValue>"}},
			code: CodeInvalidIdentityToken, msg: MsgPrincipalTag, rule: RulePrincipalTags},
		{name: "tag value bad char", edits: [][2]string{{">ops<", ">ops!<"}},
			code: CodeInvalidIdentityToken, msg: MsgPrincipalTag, rule: RulePrincipalTags},
		{name: "transitive key not a tag", edits: [][2]string{{">Team</saml:AttributeValue>", ">Project</saml:AttributeValue>"}},
			code: CodeInvalidIdentityToken, msg: MsgPrincipalTag, rule: RulePrincipalTags},
		{name: "encrypted assertion", edits: [][2]string{{"</samlp:Status>", "</samlp:Status><saml:EncryptedAssertion/>"}},
			code: CodeInvalidIdentityToken, msg: MsgInvalidResponse, rule: RuleStructure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			x := base
			for _, e := range tt.edits {
				x = mustReplace(t, x, e[0], e[1])
			}
			x = resignAssertion(t, x)
			res, steps, err := Verify(request(x), p, testNow, Settings{})
			if tt.code == "" {
				if err != nil {
					t.Fatalf("got %v (%s), want success", err, errDetail(err))
				}
				if tt.check != nil {
					tt.check(t, res)
				}
				return
			}
			wantErr(t, err, tt.code, tt.msg, tt.rule)
			checkSteps(t, steps, tt.rule)
		})
	}
}

func TestErrorType(t *testing.T) {
	t.Parallel()
	cause := errors.New("private detail")
	e := invalidToken(MsgSignatureInvalid, RuleSignature, cause)
	if got := e.Error(); strings.Contains(got, "private") {
		t.Errorf("got Error() %q, want no private cause", got)
	}
	if !errors.Is(e, cause) {
		t.Error("got errors.Is false, want the cause through Unwrap")
	}
	if e.Status != http.StatusBadRequest || accessDenied(RuleNameID, nil).Status != http.StatusForbidden {
		t.Error("got wrong HTTP status")
	}
}

// TestKeyInfoShapes checks that the signature verdict does not depend on
// whether validate picks the certificate from KeyInfo itself (the usual
// shape) or leaves KeyInfo to goxmldsig (every other shape).
func TestKeyInfoShapes(t *testing.T) {
	t.Parallel()
	signed := fixture(t, "response-assertion-signed.xml")
	pemBody := func(file string) string {
		s := fixture(t, file)
		s = strings.TrimPrefix(strings.TrimSpace(s), "-----BEGIN CERTIFICATE-----")
		return strings.TrimSuffix(s, "-----END CERTIFICATE-----")
	}
	idpB64, otherB64 := pemBody("idp.crt"), pemBody("other.crt")
	certIn := regexp.MustCompile(`(?s)<ds:X509Certificate>.*?</ds:X509Certificate>`)
	withCert := func(b64 string) string {
		return certIn.ReplaceAllLiteralString(signed, "<ds:X509Certificate>"+b64+"</ds:X509Certificate>")
	}
	keyInfo := regexp.MustCompile(`(?s)<ds:KeyInfo>.*?</ds:KeyInfo>`)
	md := fixture(t, "metadata-idp.xml")
	bothMD := mustReplace(t, md, "</md:KeyDescriptor>", `</md:KeyDescriptor>
    <md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data>
      <ds:X509Certificate>`+otherB64+`</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`)
	tests := []struct {
		name, doc, metadata string
		picked              bool   // validate picks the certificate itself
		detail              string // in the private cause; empty: success
	}{
		{name: "usual shape", doc: signed, metadata: md, picked: true},
		{name: "whitespace and a comment in the certificate", metadata: md, picked: true,
			doc: withCert("\n" + strings.ReplaceAll(idpB64[:40], "A", "A\t") + "<!-- c -->" + idpB64[40:] + "\n")},
		{name: "metadata with two certificates", doc: signed, metadata: bothMD, picked: true},
		{name: "no KeyInfo", doc: keyInfo.ReplaceAllLiteralString(signed, ""), metadata: md},
		{name: "KeyInfo with a KeyName", metadata: md,
			doc: mustReplace(t, signed, "<ds:KeyInfo>", "<ds:KeyInfo><ds:KeyName>idp</ds:KeyName>")},
		{name: "certificate not in the metadata", doc: withCert(otherB64), metadata: md,
			detail: "not in the provider's metadata"},
		{name: "other metadata certificate, wrong key", doc: withCert(otherB64), metadata: bothMD, picked: true,
			detail: "verification error"},
		{name: "two KeyInfo elements", metadata: md,
			doc: mustReplace(t, signed, "</ds:KeyInfo>", "</ds:KeyInfo><ds:KeyInfo/>"), detail: "Invalid Signature"},
		{name: "KeyInfo certificate not base64", doc: withCert("!" + idpB64), metadata: md,
			detail: "Failed to parse certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mdp, err := ParseMetadata([]byte(tt.metadata))
			if err != nil {
				t.Fatal(err)
			}
			p := Provider{ARN: testProvider, Metadata: mdp}
			d, err := parseTree([]byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			a, err := checkStructure(d.Root())
			if err != nil {
				t.Fatal(err)
			}
			if c, _ := keyInfoCertificate(a, mdp); (c != nil) != tt.picked {
				t.Errorf("got certificate picked %v, want %v", c != nil, tt.picked)
			}
			res, _, err := Verify(request(tt.doc), p, testNow, Settings{})
			if tt.detail == "" {
				if err != nil {
					t.Fatalf("got %v (%s), want success", err, errDetail(err))
				}
				if res.Subject != "admin.evil" {
					t.Errorf("got Subject %q, want admin.evil", res.Subject)
				}
				return
			}
			wantErr(t, err, CodeInvalidIdentityToken, MsgSignatureInvalid, RuleSignature)
			if d := errDetail(err); !strings.Contains(d, tt.detail) {
				t.Errorf("got cause %q, want it to contain %q", d, tt.detail)
			}
		})
	}
}
