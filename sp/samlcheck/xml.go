package samlcheck

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
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

// parsedXML is a document that passed scanXML, with the start position of
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
func parseXML(doc []byte) (*parsedXML, error) {
	starts, err := scanXML(doc)
	if err != nil {
		return nil, err
	}
	d := etree.NewDocument()
	d.ReadSettings.MaxDepth = maxDepth + 1
	if err := d.ReadFromBytes(doc); err != nil {
		return nil, fmt.Errorf("parse xml: %w", err)
	}
	if d.Root() == nil {
		return nil, errors.New("parse xml: no root element")
	}
	p := &parsedXML{doc: d, pos: make(map[*etree.Element]Pos, len(starts))}
	i := 0
	var walk func(el *etree.Element) error
	walk = func(el *etree.Element) error {
		if i < len(starts) {
			p.pos[el] = starts[i]
		}
		i++
		if el.Space != "" && el.NamespaceURI() == "" {
			return fmt.Errorf("parse xml: %s: element %s uses an undeclared namespace prefix", starts[min(i-1, len(starts)-1)], el.FullTag())
		}
		for _, a := range el.Attr {
			if a.Space == "" || a.Space == "xmlns" || a.Space == "xml" {
				continue
			}
			if a.NamespaceURI() == "" {
				return fmt.Errorf("parse xml: element %s: attribute %s:%s uses an undeclared namespace prefix", el.FullTag(), a.Space, a.Key)
			}
		}
		for _, c := range el.ChildElements() {
			if err := walk(c); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(d.Root()); err != nil {
		return nil, err
	}
	if i != len(starts) {
		// Both parsers are encoding/xml; a mismatch means positions are
		// unreliable, not that the document is bad.
		clear(p.pos)
	}
	return p, nil
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
