package samlcheck

import (
	"fmt"
	"strings"
	"testing"
)

// xmlCases are documents parseXML and parseTree must judge alike; refuse
// names the ones they refuse.
var xmlCases = []struct {
	name, doc string
	refuse    bool
}{
	{"plain", `<a/>`, false},
	{"declaration, comments, CDATA and trailing whitespace",
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!--c--><a xmlns:p=\"u\" p:x=\"1\" x=\"2\"><!--c--><![CDATA[<x>]]></a>\n<!--t-->\n", false},
	{"same local name in two namespaces", `<a xmlns:p="u" xmlns:q="v" p:x="1" q:x="2"/>`, false},
	{"depth 64", strings.Repeat("<a>", maxDepth) + strings.Repeat("</a>", maxDepth), false},
	{"DTD with entity", `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>`, true},
	{"DTD after the root", `<a/><!DOCTYPE a>`, true},
	{"declaration inside an element", `<a><!DOCTYPE a></a>`, true},
	{"processing instruction", `<?foo bar?><a/>`, true},
	{"processing instruction inside an element", `<a><?foo?></a>`, true},
	{"XML declaration after whitespace", ` <?xml version="1.0"?><a/>`, true},
	{"XML declaration after a comment", `<!--c--><?xml version="1.0"?><a/>`, true},
	{"encoding other than UTF-8", `<?xml version="1.0" encoding="ISO-8859-1"?><a/>`, true},
	{"duplicate attribute", `<a x="1" x="2"/>`, true},
	{"duplicate namespace declaration", `<a xmlns:p="u" xmlns:p="v"/>`, true},
	{"duplicate attribute through two prefixes", `<a xmlns:p="u" xmlns:q="u" p:x="1" q:x="2"/>`, true},
	{"duplicate attribute through an inherited prefix", `<a xmlns:p="u"><b xmlns:q="u" p:x="1" q:x="2"/></a>`, true},
	{"duplicate attribute through the xml prefix", `<a xmlns:p="http://www.w3.org/XML/1998/namespace" xml:lang="en" p:lang="de"/>`, true},
	{"duplicate attribute among many", "<a " + manyAttrs(20) + ` k3="again"/>`, true},
	{"two roots", `<a/><b/>`, true},
	{"text after the root", `<a/>x`, true},
	{"text before the root", `x<a/>`, true},
	{"empty", ``, true},
	{"comment only", `<!--c-->`, true},
	{"depth 65", strings.Repeat("<a>", maxDepth+1) + strings.Repeat("</a>", maxDepth+1), true},
	{"undefined entity", `<a>&foo;</a>`, true},
	{"mismatched end tag", `<a></b>`, true},
	{"mismatched end tag prefix", `<p:a xmlns:p="u" xmlns:q="u"></q:a>`, true},
	{"unclosed element", `<a>`, true},
	{"undeclared element prefix", `<p:a/>`, true},
	{"undeclared attribute prefix", `<a p:x="1"/>`, true},
}

func manyAttrs(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, ` k%d="%d"`, i, i)
	}
	return b.String()
}

func TestParseTree(t *testing.T) {
	t.Parallel()
	for _, tc := range xmlCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, terr := parseTree([]byte(tc.doc))
			_, perr := parseXML([]byte(tc.doc))
			if (terr != nil) != tc.refuse || (perr != nil) != tc.refuse {
				t.Fatalf("got parseTree error %v, parseXML error %v; want refused %v", terr, perr, tc.refuse)
			}
			if terr != nil && terr.Error() != perr.Error() {
				t.Errorf("got parseTree error %q, want parseXML's %q", terr, perr)
			}
			// The tree rules alone, without scanXML, refuse what scanXML
			// refuses.
			_, serr := scanXML([]byte(tc.doc))
			if d, err := readTree([]byte(tc.doc)); err == nil && checkTree(d, nil) == nil && serr != nil {
				t.Errorf("the tree rules accept what scanXML refuses: %v", serr)
			}
		})
	}
}
