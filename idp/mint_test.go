package idp_test

import (
	"context"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/breakglass-dev/breakglass/certs"
	"github.com/breakglass-dev/breakglass/idp"
	"github.com/breakglass-dev/breakglass/internal/golden"
)

// metadataCertPEM returns the signing certificates published in md, as PEM.
func metadataCertPEM(t testing.TB, md []byte) [][]byte {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(md); err != nil {
		t.Fatalf("metadata does not parse: %v", err)
	}
	var out [][]byte
	for _, el := range doc.FindElements("//KeyDescriptor[@use='signing']/KeyInfo/X509Data/X509Certificate") {
		cs, err := certs.ReadCertificates([]byte(el.Text()))
		if err != nil {
			t.Fatalf("metadata certificate: %v", err)
		}
		out = append(out, certs.EncodeCertificatePEM(cs[0]))
	}
	if len(out) == 0 {
		t.Fatal("metadata has no signing certificate")
	}
	return out
}

func mint(t testing.TB, p *idp.Provider, req idp.MintRequest) *idp.Response {
	t.Helper()
	r, err := p.Mint(context.Background(), req)
	if err != nil {
		t.Fatalf("mint: %v", err)
	}
	return r
}

func TestGoldenResponses(t *testing.T) {
	for _, mode := range []idp.SignMode{idp.SignAssertion, idp.SignResponse, idp.SignBoth} {
		t.Run(string(mode), func(t *testing.T) {
			p := newProvider(t, func(c *idp.Config) { c.Apps[0].Sign = mode })
			r := mint(t, p, idp.MintRequest{User: "alice", Groups: []string{groupRole1RO, groupRole2RO}})
			golden.Check(t, "golden/response-"+string(mode)+".xml", r.XML)
		})
	}
	t.Run("sha1", func(t *testing.T) {
		p := newProvider(t, func(c *idp.Config) { c.Apps[0].SignatureAlgorithm = idp.RSASHA1 })
		golden.Check(t, "golden/response-sha1.xml", mint(t, p, idp.MintRequest{User: "bob"}).XML)
	})
}

func TestGoldenMetadata(t *testing.T) {
	p := newProvider(t, nil)
	md, err := p.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "golden/metadata.xml", md)

	t.Run("rollover", func(t *testing.T) {
		p := newProvider(t, func(c *idp.Config) { c.Next = testKeyPair(t, "testdata/next") })
		md, err := p.Metadata()
		if err != nil {
			t.Fatal(err)
		}
		golden.Check(t, "golden/metadata-rollover.xml", md)
		if got := len(metadataCertPEM(t, md)); got != 2 {
			t.Errorf("signing certificates during rollover: got %d, want 2", got)
		}
	})
}

// TestXMLSecVerifies cross-checks every signature mode with xmlsec1 against
// the certificate published in the IdP's own metadata.
func TestXMLSecVerifies(t *testing.T) {
	cases := []struct {
		mode     idp.SignMode
		alg      idp.SignatureAlgorithm
		verify   []string // elements whose signature must verify
		unsigned []string // elements that must carry no signature
	}{
		{idp.SignAssertion, idp.RSASHA256, []string{"Assertion"}, []string{"Response"}},
		{idp.SignResponse, idp.RSASHA256, []string{"Response"}, []string{"Assertion"}},
		{idp.SignBoth, idp.RSASHA256, []string{"Assertion", "Response"}, nil},
		{idp.SignBoth, idp.RSASHA1, []string{"Assertion", "Response"}, nil},
	}
	for _, tc := range cases {
		t.Run(string(tc.mode)+"-"+string(tc.alg), func(t *testing.T) {
			t.Parallel()
			p := newProvider(t, func(c *idp.Config) {
				c.Apps[0].Sign = tc.mode
				c.Apps[0].SignatureAlgorithm = tc.alg
				c.Now = time.Now
				c.Rand = nil
			})
			md, err := p.Metadata()
			if err != nil {
				t.Fatal(err)
			}
			cert := metadataCertPEM(t, md)[0]
			r := mint(t, p, idp.MintRequest{User: "alice", Groups: []string{groupRole1RO, groupRole2RO}})
			for _, el := range tc.verify {
				if ok, out := xmlsecVerify(t, r.XML, cert, el); !ok {
					t.Errorf("xmlsec1 rejects the %s signature:\n%s", el, out)
				}
			}
			for _, el := range tc.unsigned {
				if ok, _ := xmlsecVerify(t, r.XML, cert, el); ok {
					t.Errorf("xmlsec1 found a valid %s signature where none was made", el)
				}
			}
		})
	}
}

// TestXMLSecFaults checks each fault against xmlsec1: the ones that break
// the signature must fail verification against the unfaulted metadata, all
// others must still verify against the metadata published with the fault.
func TestXMLSecFaults(t *testing.T) {
	for _, f := range idp.Faults() {
		t.Run(string(f.Name), func(t *testing.T) {
			t.Parallel()
			p := newProvider(t, func(c *idp.Config) { c.Now = time.Now; c.Rand = nil })
			r := mint(t, p, idp.MintRequest{User: "alice", Groups: []string{groupRole1RO}, Faults: []idp.Fault{f.Name}})
			clean, err := p.Metadata()
			if err != nil {
				t.Fatal(err)
			}
			faulted, err := p.Metadata(f.Name)
			if err != nil {
				t.Fatal(err)
			}
			okClean, out := xmlsecVerify(t, r.XML, metadataCertPEM(t, clean)[0], "Assertion")
			okFaulted, _ := xmlsecVerify(t, r.XML, metadataCertPEM(t, faulted)[0], "Assertion")
			if f.BreaksSignature {
				if okClean || okFaulted {
					t.Errorf("xmlsec1 accepts a response with fault %s, which must break the signature", f.Name)
				}
				return
			}
			if !okFaulted {
				t.Errorf("xmlsec1 rejects fault %s against the metadata published with it:\n%s", f.Name, out)
			}
		})
	}
}

// assertion parses a minted response and returns its Assertion.
func assertion(t testing.TB, r *idp.Response) *etree.Element {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(r.XML); err != nil {
		t.Fatal(err)
	}
	as := doc.FindElement("/Response/Assertion")
	if as == nil {
		t.Fatal("no Assertion in response")
	}
	return as
}

func attrValues(as *etree.Element, name string) []string {
	var out []string
	for _, v := range as.FindElements("AttributeStatement/Attribute[@Name='" + name + "']/AttributeValue") {
		out = append(out, v.Text())
	}
	return out
}

func TestFaultEffects(t *testing.T) {
	roleValue := "arn:aws:iam::111111111111:saml-provider/Okta,arn:aws:iam::111111111111:role/EmergencyAccess_Role1_RO"
	cases := []struct {
		fault idp.Fault
		check func(t *testing.T, r *idp.Response, as *etree.Element)
	}{
		{idp.FaultIssuedInPast, func(t *testing.T, r *idp.Response, as *etree.Element) {
			if got := fixedNow.Sub(r.IssueInstant); got < 6*time.Minute {
				t.Errorf("IssueInstant only %v in the past, want more than 5 minutes", got)
			}
			if !r.NotOnOrAfter.After(fixedNow) {
				t.Errorf("NotOnOrAfter %v is not in the future", r.NotOnOrAfter)
			}
		}},
		{idp.FaultIssuedInFuture, func(t *testing.T, r *idp.Response, as *etree.Element) {
			if !r.IssueInstant.After(fixedNow.Add(5 * time.Minute)) {
				t.Errorf("IssueInstant %v not skewed into the future", r.IssueInstant)
			}
		}},
		{idp.FaultExpired, func(t *testing.T, r *idp.Response, as *etree.Element) {
			if !r.NotOnOrAfter.Before(fixedNow) {
				t.Errorf("NotOnOrAfter %v not in the past", r.NotOnOrAfter)
			}
			if fixedNow.Sub(r.IssueInstant) >= 5*time.Minute {
				t.Errorf("IssueInstant %v should stay within 5 minutes so only expiry trips", r.IssueInstant)
			}
		}},
		{idp.FaultWrongAudience, func(t *testing.T, r *idp.Response, as *etree.Element) {
			if got := as.FindElement("Conditions/AudienceRestriction/Audience").Text(); got == idp.AWSAudience {
				t.Errorf("audience still %s", got)
			}
		}},
		{idp.FaultWrongRecipient, func(t *testing.T, r *idp.Response, as *etree.Element) {
			got := as.FindElement("Subject/SubjectConfirmation/SubjectConfirmationData").SelectAttrValue("Recipient", "")
			if strings.Contains(got, "signin.aws.amazon.com") || r.Destination != got {
				t.Errorf("Recipient %q, Destination %q", got, r.Destination)
			}
		}},
		{idp.FaultRegionalRecipient, func(t *testing.T, r *idp.Response, as *etree.Element) {
			got := as.FindElement("Subject/SubjectConfirmation/SubjectConfirmationData").SelectAttrValue("Recipient", "")
			if got != "https://us-east-2.signin.aws.amazon.com/saml" || r.Destination != got {
				t.Errorf("Recipient %q, Destination %q", got, r.Destination)
			}
		}},
		{idp.FaultMissingRoleSessionName, func(t *testing.T, r *idp.Response, as *etree.Element) {
			if got := attrValues(as, idp.AttributeRoleSessionName); got != nil {
				t.Errorf("RoleSessionName still sent: %q", got)
			}
		}},
		{idp.FaultInvalidRoleSessionName, func(t *testing.T, r *idp.Response, as *etree.Element) {
			if got := attrValues(as, idp.AttributeRoleSessionName); len(got) != 1 || !strings.Contains(got[0], " ") {
				t.Errorf("RoleSessionName %q has no space", got)
			}
		}},
		{idp.FaultMissingRole, func(t *testing.T, r *idp.Response, as *etree.Element) {
			if got := attrValues(as, idp.AttributeRole); got != nil {
				t.Errorf("Role still sent: %q", got)
			}
		}},
		{idp.FaultReversedRolePair, func(t *testing.T, r *idp.Response, as *etree.Element) {
			want := "arn:aws:iam::111111111111:role/EmergencyAccess_Role1_RO,arn:aws:iam::111111111111:saml-provider/Okta"
			if got := attrValues(as, idp.AttributeRole); !slices.Equal(got, []string{want}) {
				t.Errorf("Role got %q, want %q", got, want)
			}
		}},
		{idp.FaultForeignAccountProvider, func(t *testing.T, r *idp.Response, as *etree.Element) {
			want := "arn:aws:iam::999999999999:saml-provider/Okta,arn:aws:iam::111111111111:role/EmergencyAccess_Role1_RO"
			if got := attrValues(as, idp.AttributeRole); !slices.Equal(got, []string{want}) {
				t.Errorf("Role got %q, want %q", got, want)
			}
		}},
		{idp.FaultUnknownProvider, func(t *testing.T, r *idp.Response, as *etree.Element) {
			if got := attrValues(as, idp.AttributeRole); len(got) != 1 || !strings.Contains(got[0], "saml-provider/NoSuchProvider,") {
				t.Errorf("Role got %q", got)
			}
		}},
		{idp.FaultUnknownRole, func(t *testing.T, r *idp.Response, as *etree.Element) {
			if got := attrValues(as, idp.AttributeRole); len(got) != 1 || !strings.HasSuffix(got[0], "role/NoSuchRole") {
				t.Errorf("Role got %q", got)
			}
		}},
		{idp.FaultSessionDurationOutOfRange, func(t *testing.T, r *idp.Response, as *etree.Element) {
			if got := attrValues(as, idp.AttributeSessionDuration); !slices.Equal(got, []string{"43201"}) {
				t.Errorf("SessionDuration got %q, want [43201]", got)
			}
		}},
		{idp.FaultUnsigned, func(t *testing.T, r *idp.Response, as *etree.Element) {
			if strings.Contains(string(r.XML), "Signature") {
				t.Error("unsigned response carries a Signature")
			}
		}},
		{idp.FaultWrongIssuer, func(t *testing.T, r *idp.Response, as *etree.Element) {
			if got := as.FindElement("Issuer").Text(); got == "urn:breakglass:idp" {
				t.Errorf("issuer unchanged: %s", got)
			}
		}},
		{idp.FaultMissingNameID, func(t *testing.T, r *idp.Response, as *etree.Element) {
			if as.FindElement("Subject/NameID") != nil {
				t.Error("NameID still sent")
			}
		}},
		{idp.FaultInvalidSourceIdentity, func(t *testing.T, r *idp.Response, as *etree.Element) {
			if got := attrValues(as, idp.AttributeSourceIdentity); len(got) != 1 || !strings.HasPrefix(got[0], "aws:") {
				t.Errorf("SourceIdentity got %q", got)
			}
		}},
		{idp.FaultTampered, func(t *testing.T, r *idp.Response, as *etree.Element) {
			if got := attrValues(as, idp.AttributeRole); len(got) != 1 || !strings.HasSuffix(got[0], "EmergencyAccess_Role1_Ops") {
				t.Errorf("Role got %q, want the escalated Ops role", got)
			}
		}},
		{idp.FaultForeignKey, func(t *testing.T, r *idp.Response, as *etree.Element) {
			if !strings.Contains(string(r.XML), "Signature") {
				t.Error("foreign-key response is not signed")
			}
		}},
		{idp.FaultExpiredCert, func(t *testing.T, r *idp.Response, as *etree.Element) {
			text := as.FindElement("Signature/KeyInfo/X509Data/X509Certificate").Text()
			cs, err := certs.ReadCertificates([]byte(text))
			if err != nil {
				t.Fatal(err)
			}
			if !cs[0].NotAfter.Before(fixedNow) {
				t.Errorf("signing certificate valid until %v, want expired", cs[0].NotAfter)
			}
		}},
	}
	covered := map[idp.Fault]bool{}
	for _, tc := range cases {
		covered[tc.fault] = true
		t.Run(string(tc.fault), func(t *testing.T) {
			p := newProvider(t, nil)
			r := mint(t, p, idp.MintRequest{User: "alice", Groups: []string{groupRole1RO}, Faults: []idp.Fault{tc.fault}})
			tc.check(t, r, assertion(t, r))
			if tc.fault != idp.FaultMissingRole && tc.fault != idp.FaultTampered && len(r.Roles) == 0 {
				t.Error("response lists no roles")
			}
		})
	}
	for _, f := range idp.Faults() {
		if !covered[f.Name] {
			t.Errorf("fault %s has no effect test", f.Name)
		}
	}
	_ = roleValue
}

func TestMintRefusals(t *testing.T) {
	cases := []struct {
		name string
		edit func(*idp.Config)
		req  idp.MintRequest
		want error
	}{
		{"unknown user", nil, idp.MintRequest{User: "eve"}, idp.ErrUnknownUser},
		{"unknown app", nil, idp.MintRequest{App: "gcp", User: "bob"}, idp.ErrUnknownApp},
		{"unknown extra group", nil, idp.MintRequest{User: "alice", Groups: []string{"admins"}}, idp.ErrUnknownGroup},
		{"no emergency group", nil, idp.MintRequest{User: "mallory"}, idp.ErrNoRole},
		{"only non-matching groups", nil, idp.MintRequest{User: "alice"}, idp.ErrNoRole},
		{"app disabled", func(c *idp.Config) { c.Apps[0].Enabled = false }, idp.MintRequest{User: "bob"}, idp.ErrAppDisabled},
		{"membership expired", func(c *idp.Config) {
			c.Directory.Memberships[0].Expires = fixedNow
		}, idp.MintRequest{User: "bob"}, idp.ErrNoRole},
		{"unknown fault", nil, idp.MintRequest{User: "bob", Faults: []idp.Fault{"nope"}}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newProvider(t, tc.edit)
			r, err := p.Mint(context.Background(), tc.req)
			if err == nil {
				t.Fatalf("mint succeeded with roles %q, want an error", r.Roles)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("got error %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("disabled app with IgnoreDisabled", func(t *testing.T) {
		p := newProvider(t, func(c *idp.Config) { c.Apps[0].Enabled = false })
		if _, err := p.Mint(context.Background(), idp.MintRequest{User: "bob", IgnoreDisabled: true}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestMembershipLifecycle(t *testing.T) {
	now := fixedNow
	p := newProvider(t, func(c *idp.Config) { c.Now = func() time.Time { return now } })
	ctx := context.Background()
	if _, err := p.Mint(ctx, idp.MintRequest{User: "alice"}); !errors.Is(err, idp.ErrNoRole) {
		t.Fatalf("at rest: got %v, want ErrNoRole", err)
	}
	if err := p.AddMember("alice", groupRole1RO, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := p.AddMember("alice", groupRole2RO, time.Time{}); err != nil {
		t.Fatal(err)
	}
	r := mint(t, p, idp.MintRequest{User: "alice"})
	want := []string{
		"arn:aws:iam::111111111111:saml-provider/Okta,arn:aws:iam::111111111111:role/EmergencyAccess_Role1_RO",
		"arn:aws:iam::333333333333:saml-provider/Okta,arn:aws:iam::333333333333:role/EmergencyAccess_Role2_RO",
	}
	if !slices.Equal(r.Roles, want) {
		t.Errorf("roles across two accounts: got %q, want %q", r.Roles, want)
	}
	now = now.Add(time.Hour) // the time-bound membership ends
	r = mint(t, p, idp.MintRequest{User: "alice"})
	if !slices.Equal(r.Roles, want[1:]) {
		t.Errorf("after expiry: got %q, want %q", r.Roles, want[1:])
	}
	if err := p.RemoveMember("alice", groupRole2RO); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Mint(ctx, idp.MintRequest{User: "alice"}); !errors.Is(err, idp.ErrNoRole) {
		t.Errorf("after removal: got %v, want ErrNoRole", err)
	}
	if err := p.AddMember("eve", groupRole1RO, time.Time{}); !errors.Is(err, idp.ErrUnknownUser) {
		t.Errorf("AddMember unknown user: got %v", err)
	}
	if err := p.SetAppEnabled("aws", false); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Mint(ctx, idp.MintRequest{User: "bob"}); !errors.Is(err, idp.ErrAppDisabled) {
		t.Errorf("disabled: got %v", err)
	}
}

func TestRotate(t *testing.T) {
	p := newProvider(t, nil)
	next := testKeyPair(t, "testdata/next")
	if err := p.Rotate(nil); err == nil {
		t.Error("Rotate(nil) without an announced key succeeded")
	}
	p.AnnounceNext(next)
	md, _ := p.Metadata()
	if n := len(metadataCertPEM(t, md)); n != 2 {
		t.Fatalf("announced: %d certificates, want 2", n)
	}
	if err := p.Rotate(nil); err != nil {
		t.Fatal(err)
	}
	cur, nxt := p.SigningKeys()
	if cur != next || nxt != nil {
		t.Error("Rotate did not promote the announced key")
	}
	r := mint(t, p, idp.MintRequest{User: "bob"})
	text := assertion(t, r).FindElement("Signature/KeyInfo/X509Data/X509Certificate").Text()
	if text != base64.StdEncoding.EncodeToString(next.Cert.Raw) {
		t.Error("response not signed with the rotated key")
	}
}

func TestSessionTags(t *testing.T) {
	p := newProvider(t, func(c *idp.Config) {
		c.Directory.Users[1].Attributes["department"] = "SRE"
		c.Apps[0].PrincipalTags = map[string]string{"Department": "department", "CostCenter": "cost_center"}
		c.Apps[0].TransitiveTagKeys = []string{"Department"}
		c.Apps[0].NameIDFormat = idp.NameIDFormatEmail
		c.Apps[0].NameIDAttribute = "email"
	})
	r := mint(t, p, idp.MintRequest{User: "bob"})
	golden.Check(t, "golden/response-tags.xml", r.XML)
	as := assertion(t, r)
	if got := attrValues(as, idp.AttributePrincipalTag+"Department"); !slices.Equal(got, []string{"SRE"}) {
		t.Errorf("PrincipalTag:Department got %q, want [SRE]", got)
	}
	if got := attrValues(as, idp.AttributePrincipalTag+"CostCenter"); got != nil {
		t.Errorf("a tag whose attribute the user lacks is sent: %q", got)
	}
	if got := attrValues(as, idp.AttributeTransitiveTagKeys); !slices.Equal(got, []string{"Department"}) {
		t.Errorf("TransitiveTagKeys got %q", got)
	}
	nid := as.FindElement("Subject/NameID")
	if nid.Text() != "bob@example.com" || nid.SelectAttrValue("Format", "") != idp.NameIDFormatEmail {
		t.Errorf("NameID %q format %q", nid.Text(), nid.SelectAttrValue("Format", ""))
	}
}

func TestRegionalACS(t *testing.T) {
	p := newProvider(t, func(c *idp.Config) { c.Apps[0].ACS = idp.RegionalSignInURL("us-east-2") })
	r := mint(t, p, idp.MintRequest{User: "bob"})
	want := "https://us-east-2.signin.aws.amazon.com/saml"
	got := assertion(t, r).FindElement("Subject/SubjectConfirmation/SubjectConfirmationData").SelectAttrValue("Recipient", "")
	if r.Destination != want || got != want {
		t.Errorf("Destination %q, Recipient %q, want %q", r.Destination, got, want)
	}
}

// TestXMLSecTamperedOpsOnly: the tampered fault must break the signature
// for a user whose roles are all Ops too.
func TestXMLSecTamperedOpsOnly(t *testing.T) {
	p := newProvider(t, func(c *idp.Config) { c.Now = time.Now; c.Rand = nil })
	r := mint(t, p, idp.MintRequest{User: "bob", Faults: []idp.Fault{idp.FaultTampered}})
	md, _ := p.Metadata()
	if ok, _ := xmlsecVerify(t, r.XML, metadataCertPEM(t, md)[0], "Assertion"); ok {
		t.Error("xmlsec1 accepts a tampered response")
	}
	if len(r.Roles) != 1 || !strings.HasSuffix(r.Roles[0], "Admin") {
		t.Errorf("Roles report %q, want the tampered value", r.Roles)
	}
}

// TestXMLSecControlCharacters: CR, LF and tab in signed values survive
// serialization, so the signature still verifies.
func TestXMLSecControlCharacters(t *testing.T) {
	for _, mode := range []idp.SignMode{idp.SignAssertion, idp.SignResponse, idp.SignBoth} {
		t.Run(string(mode), func(t *testing.T) {
			p := newProvider(t, func(c *idp.Config) {
				c.Now, c.Rand = time.Now, nil
				c.Apps[0].Sign = mode
				c.Directory.Users[1].Attributes["email"] = "bob\r\n\t@example.com"
			})
			r := mint(t, p, idp.MintRequest{User: "bob", InResponseTo: "a\rb\tc"})
			md, _ := p.Metadata()
			el := "Assertion"
			if mode == idp.SignResponse {
				el = "Response"
			}
			if ok, out := xmlsecVerify(t, r.XML, metadataCertPEM(t, md)[0], el); !ok {
				t.Errorf("xmlsec1 rejects a response with control characters:\n%s", out)
			}
		})
	}
}

func TestNewRejectsUnknownSigning(t *testing.T) {
	for name, edit := range map[string]func(*idp.Config){
		"sign mode": func(c *idp.Config) { c.Apps[0].Sign = "Both" },
		"algorithm": func(c *idp.Config) { c.Apps[0].SignatureAlgorithm = "rsa-sha512" },
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := idp.New(testConfig(t, edit)); err == nil {
				t.Error("New accepted it")
			}
		})
	}
}
