package samlcheck

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"

	"github.com/beevik/etree"
)

// XML namespaces [SAML core §2, §3; SAML metadata §2; XML-DSig].
const (
	nsProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsMetadata  = "urn:oasis:names:tc:SAML:2.0:metadata"
	nsDSig      = "http://www.w3.org/2000/09/xmldsig#"
	nsXML       = "http://www.w3.org/XML/1998/namespace"
)

// maxDepth and maxElements bound the work done on hostile input. SAML
// responses and IdP metadata are shallow; AD FS metadata, the largest real
// document in the corpus, has a few thousand elements.
const (
	maxDepth    = 64
	maxElements = 200_000
)

// Pos is a 1-based line and column in an XML document; the zero Pos means
// unknown.
type Pos struct {
	Line   int
	Column int
}

// String formats p as line:column.
func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Column) }

// parsedXML is a document that passed parseXML, with the start position of
// every element.
type parsedXML struct {
	doc *etree.Document
	pos map[*etree.Element]Pos
}

func (p *parsedXML) at(el *etree.Element) Pos { return p.pos[el] }

// parseXML checks that doc is a single well-formed, namespace-well-formed
// UTF-8 XML document with no DTD, entity declaration, processing instruction
// (other than the XML declaration), duplicate attribute or trailing content,
// and returns it as an etree document with element positions.
//
// DTDs are refused because SAML forbids them (SAML core §1.3, bindings
// §3.5.5 "MUST NOT contain a DTD") and because they enable entity expansion.
//
// parseXML is for documents whose findings need line and column (metadata,
// lint, explain): it scans doc with encoding/xml first, which also bounds
// the elements before a tree is built, then applies parseTree's rules.
// Verify, on the hot path, calls parseTree alone.
func parseXML(doc []byte) (*parsedXML, error) {
	starts, err := scanXML(doc)
	if err != nil {
		return nil, err
	}
	d, err := readTree(doc)
	if err != nil {
		return nil, err
	}
	p := &parsedXML{doc: d, pos: make(map[*etree.Element]Pos, len(starts))}
	i := 0
	for el := range elements(d.Root()) {
		if i < len(starts) {
			p.pos[el] = starts[i]
		}
		i++
	}
	if i != len(starts) {
		// Both parsers are encoding/xml; a mismatch means positions are
		// unreliable, not that the document is bad.
		clear(p.pos)
	}
	if err := checkTree(d, p.at); err != nil {
		return nil, err
	}
	return p, nil
}

// parseTree applies parseXML's rules to doc in one encoding/xml pass (the
// etree parse) and a walk of the resulting tree, without positions. It is
// what Verify uses: scanning the bytes first with a second decoder doubled
// the parsing cost of every AssumeRoleWithSAML. On failure it returns
// parseXML's error, so messages keep their line and column.
//
// Every rule of scanXML has a counterpart here: encoding/xml's strict
// tokenizer (syntax, undefined entities, a declared encoding other than
// UTF-8), etree's end-tag matching and MaxDepth, and checkTree for the rest.
// FuzzVerify checks that parseTree accepts nothing scanXML refuses.
func parseTree(doc []byte) (*etree.Document, error) {
	d, err := readTree(doc)
	if err == nil {
		err = checkTree(d, nil)
	}
	if err != nil {
		if _, perr := parseXML(doc); perr != nil {
			return nil, perr
		}
		return nil, err
	}
	return d, nil
}

// errCharset refuses every declared encoding other than UTF-8 (encoding/xml
// asks the CharsetReader only for those).
func errCharset(label string, _ io.Reader) (io.Reader, error) {
	return nil, fmt.Errorf("declared encoding %q is not UTF-8", label)
}

// readTree parses doc into an etree document with encoding/xml in strict
// mode, keeping duplicate attributes for checkTree to refuse and refusing
// nesting deeper than maxDepth.
func readTree(doc []byte) (*etree.Document, error) {
	d := etree.NewDocument()
	d.ReadSettings = etree.ReadSettings{
		CharsetReader:          errCharset,
		PreserveDuplicateAttrs: true,
		MaxDepth:               maxDepth,
	}
	if err := d.ReadFromBytes(doc); err != nil {
		return nil, fmt.Errorf("parse xml: %w", err)
	}
	return d, nil
}

// checkTree applies the rules of parseXML that the etree parse leaves to its
// caller: one root element and nothing but whitespace, comments and a
// leading XML declaration around it; no DTD or other <!...> declaration and
// no processing instruction anywhere; no duplicate attribute (after
// namespace translation, as encoding/xml's Token reports names); no
// undeclared namespace prefix; at most maxElements elements. at, if not nil,
// gives element positions for messages.
func checkTree(d *etree.Document, at func(*etree.Element) Pos) error {
	where := func(el *etree.Element) string {
		if at == nil {
			return ""
		}
		return at(el).String() + ": "
	}
	roots := 0
	for i, tok := range d.Child {
		switch t := tok.(type) {
		case *etree.Element:
			roots++
			if roots > 1 {
				return fmt.Errorf("parse xml: %scontent after the document element", where(t))
			}
		case *etree.CharData:
			if strings.TrimSpace(t.Data) != "" {
				return errors.New("parse xml: text outside the document element")
			}
		case *etree.ProcInst:
			if t.Target != "xml" || i != 0 {
				return fmt.Errorf("parse xml: processing instruction <?%s?> is not allowed", t.Target)
			}
		case *etree.Directive:
			return errors.New("parse xml: DTD or other <!...> declaration is not allowed")
		}
	}
	if roots == 0 {
		return errors.New("parse xml: no root element")
	}
	n := 0
	for el := range elements(d.Root()) {
		n++
		if n > maxElements {
			return fmt.Errorf("parse xml: more than %d elements", maxElements)
		}
		if a, ok := duplicateAttr(el); ok {
			return fmt.Errorf("parse xml: %sduplicate attribute %s", where(el), a.FullKey())
		}
		if el.Space != "" && el.NamespaceURI() == "" {
			return fmt.Errorf("parse xml: %selement %s uses an undeclared namespace prefix", where(el), el.FullTag())
		}
		for _, a := range el.Attr {
			if a.Space == "" || a.Space == "xmlns" || a.Space == "xml" {
				continue
			}
			if a.NamespaceURI() == "" {
				return fmt.Errorf("parse xml: element %s: attribute %s:%s uses an undeclared namespace prefix", el.FullTag(), a.Space, a.Key)
			}
		}
		for _, tok := range el.Child {
			switch t := tok.(type) {
			case *etree.ProcInst:
				return fmt.Errorf("parse xml: %sprocessing instruction <?%s?> is not allowed", where(el), t.Target)
			case *etree.Directive:
				return fmt.Errorf("parse xml: %sDTD or other <!...> declaration is not allowed", where(el))
			}
		}
	}
	return nil
}

// elements yields root and its descendant elements in document order;
// nothing if root is nil.
func elements(root *etree.Element) iter.Seq[*etree.Element] {
	return func(yield func(*etree.Element) bool) {
		if root == nil {
			return
		}
		var walk func(el *etree.Element) bool
		walk = func(el *etree.Element) bool {
			if !yield(el) {
				return false
			}
			for _, tok := range el.Child {
				if c, ok := tok.(*etree.Element); ok && !walk(c) {
					return false
				}
			}
			return true
		}
		walk(root)
	}
}

// duplicateAttr returns an attribute of el whose name repeats an earlier
// one's. Names compare as encoding/xml's Token translates them: the xmlns
// prefix and unprefixed names as written, xml as the XML namespace, other
// prefixes as the namespace in scope (the prefix itself if none), so
// a:x and b:x are the same name when a and b are bound to one namespace
// (Namespaces in XML §6.3).
func duplicateAttr(el *etree.Element) (etree.Attr, bool) {
	attrs := el.Attr
	if len(attrs) < 2 {
		return etree.Attr{}, false
	}
	if len(attrs) <= 16 {
		for j := 1; j < len(attrs); j++ {
			for i := range j {
				if attrs[i].Key == attrs[j].Key &&
					(attrs[i].Space == attrs[j].Space || attrSpace(el, attrs[i].Space) == attrSpace(el, attrs[j].Space)) {
					return attrs[j], true
				}
			}
		}
		return etree.Attr{}, false
	}
	seen := make(map[xml.Name]bool, len(attrs))
	for _, a := range attrs {
		n := xml.Name{Space: attrSpace(el, a.Space), Local: a.Key}
		if seen[n] {
			return a, true
		}
		seen[n] = true
	}
	return etree.Attr{}, false
}

// attrSpace translates the prefix of an attribute of el the way
// encoding/xml's Decoder.Token does.
func attrSpace(el *etree.Element, prefix string) string {
	switch prefix {
	case "", "xmlns":
		return prefix
	case "xml":
		prefix = nsXML
	}
	for e := el; e != nil; e = e.Parent() {
		// The last declaration wins, as in the decoder's scope map.
		for i := len(e.Attr) - 1; i >= 0; i-- {
			if a := e.Attr[i]; a.Space == "xmlns" && a.Key == prefix {
				return a.Value
			}
		}
	}
	return prefix
}

// scanXML applies parseXML's safety rules with encoding/xml and returns the
// start position of each element in document order.
func scanXML(doc []byte) ([]Pos, error) {
	dec := xml.NewDecoder(bytes.NewReader(doc))
	dec.Strict = true
	// No CharsetReader: any declared encoding other than UTF-8 is an error.
	var starts []Pos
	depth, roots := 0, 0
	first := true
	for {
		line, col := dec.InputPos()
		// Token, not RawToken: it also checks that every end tag matches
		// its start tag, so one pass does all the checks.
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("parse xml: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
				if roots > 1 {
					return nil, fmt.Errorf("parse xml: %d:%d: content after the document element", line, col)
				}
			}
			depth++
			if depth > maxDepth {
				return nil, fmt.Errorf("parse xml: %d:%d: nesting deeper than %d", line, col, maxDepth)
			}
			if len(starts) >= maxElements {
				return nil, fmt.Errorf("parse xml: more than %d elements", maxElements)
			}
			seen := make(map[xml.Name]bool, len(t.Attr))
			for _, a := range t.Attr {
				if seen[a.Name] {
					return nil, fmt.Errorf("parse xml: %d:%d: duplicate attribute %s", line, col, qname(a.Name))
				}
				seen[a.Name] = true
			}
			starts = append(starts, Pos{Line: line, Column: col})
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				return nil, fmt.Errorf("parse xml: %d:%d: text outside the document element", line, col)
			}
		case xml.Directive:
			return nil, fmt.Errorf("parse xml: %d:%d: DTD or other <!...> declaration is not allowed", line, col)
		case xml.ProcInst:
			if t.Target != "xml" || !first {
				return nil, fmt.Errorf("parse xml: %d:%d: processing instruction <?%s?> is not allowed", line, col, t.Target)
			}
		case xml.Comment:
		}
		first = false
	}
	if roots == 0 {
		return nil, errors.New("parse xml: no root element")
	}
	return starts, nil
}

func qname(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// is reports whether el is the element ns:tag.
func is(el *etree.Element, ns, tag string) bool {
	return el != nil && el.Tag == tag && el.NamespaceURI() == ns
}

// children returns el's child elements named ns:tag.
func children(el *etree.Element, ns, tag string) []*etree.Element {
	var out []*etree.Element
	for _, c := range el.ChildElements() {
		if is(c, ns, tag) {
			out = append(out, c)
		}
	}
	return out
}

// child returns the only child element ns:tag of el, nil if there is none,
// and an error if there are several.
func child(el *etree.Element, ns, tag string) (*etree.Element, error) {
	cs := children(el, ns, tag)
	switch len(cs) {
	case 0:
		return nil, nil
	case 1:
		return cs[0], nil
	default:
		return nil, fmt.Errorf("%s has %d %s elements, want at most 1", el.Tag, len(cs), tag)
	}
}

// attr returns the value of el's unqualified attribute key and whether it
// is present.
func attr(el *etree.Element, key string) (string, bool) {
	for _, a := range el.Attr {
		if a.Space == "" && a.Key == key {
			return a.Value, true
		}
	}
	return "", false
}

// text returns the whole character content of a simple-content element: the
// concatenation of all its character data and CDATA children, skipping
// comments and processing instructions. Reading only the first text node
// (etree's Text) would let a comment inserted into a signed value, which
// canonicalization without comments ignores, cut the value short. An
// element with child elements has no simple value and is an error.
func text(el *etree.Element) (string, error) {
	var b strings.Builder
	for _, tok := range el.Child {
		switch t := tok.(type) {
		case *etree.CharData:
			b.WriteString(t.Data)
		case *etree.Element:
			return "", fmt.Errorf("element %s has child element %s where text is expected", el.Tag, t.Tag)
		}
	}
	return b.String(), nil
}
