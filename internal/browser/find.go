package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// LookupError reports that a page has no element, or more than one, with the
// wanted role and accessible name. Error lists what the page has instead.
type LookupError struct {
	// Want is what was looked for, as `textbox or searchbox named "Password"`.
	Want string
	// Matches is how many elements matched: 0, or more than 1.
	Matches int
	// URL is the page's address.
	URL string
	// Present lists the page's controls and headings in document order,
	// as `button "Sign in"`, or `textbox (no name)` for a field without a
	// label.
	Present []string
}

func (e *LookupError) Error() string {
	var b strings.Builder
	if e.Matches == 0 {
		fmt.Fprintf(&b, "no %s on %s", e.Want, e.URL)
	} else {
		fmt.Fprintf(&b, "%d of %s on %s, want one", e.Matches, e.Want, e.URL)
	}
	if len(e.Present) == 0 {
		b.WriteString("; the page has no controls or headings")
	} else {
		b.WriteString("; the page has: ")
		b.WriteString(strings.Join(e.Present, ", "))
	}
	return b.String()
}

// element is an element found by role and accessible name.
type element struct {
	role, name string
	node       cdp.BackendNodeID
	props      []*accessibility.Property
}

func (e element) String() string { return fmt.Sprintf("%s %q", e.role, e.name) }

// enabled returns an error when the element is disabled.
func (e element) enabled() error {
	if property(e.props, accessibility.PropertyNameDisabled) == "true" {
		return fmt.Errorf("%s is disabled", e)
	}
	return nil
}

// find returns the one element that has one of roles and the accessible name
// name (computed by the browser, per the W3C's Accessible Name and
// Description Computation, with white space collapsed).
func (p *Page) find(ctx context.Context, name string, roles ...string) (element, error) {
	tree, err := accessibilityTree(ctx)
	if err != nil {
		return element{}, err
	}
	var found []element
	for _, n := range tree.nodes {
		role := axString(n.Role)
		if n.Ignored || n.BackendDOMNodeID == 0 || !slices.Contains(roles, role) || axString(n.Name) != name {
			continue
		}
		found = append(found, element{role: role, name: name, node: n.BackendDOMNodeID, props: n.Properties})
	}
	if len(found) == 1 {
		return found[0], nil
	}
	return element{}, lookupError(ctx, tree, fmt.Sprintf("%s named %q", orList(roles), name), len(found))
}

// heading returns the name of the first h1 or h2 of <main>, or of the page.
func (p *Page) heading(ctx context.Context) (string, error) {
	tree, err := accessibilityTree(ctx)
	if err != nil {
		return "", err
	}
	scopes := [][]*accessibility.Node{tree.nodes}
	if i := slices.IndexFunc(tree.nodes, func(n *accessibility.Node) bool {
		return !n.Ignored && axString(n.Role) == "main"
	}); i >= 0 {
		scopes = [][]*accessibility.Node{tree.under(i), tree.nodes}
	}
	for _, scope := range scopes {
		for _, h := range scope {
			if h.Ignored || axString(h.Role) != "heading" {
				continue
			}
			if level, err := strconv.Atoi(property(h.Properties, accessibility.PropertyNameLevel)); err == nil && level <= 2 {
				return axString(h.Name), nil
			}
		}
	}
	return "", lookupError(ctx, tree, "h1 or h2 heading", 0)
}

// axTree is the accessibility tree of the tab's document as one
// Accessibility.getFullAXTree gives it.
//
// The package reads the whole tree rather than ask the browser to search it
// with Accessibility.queryAXTree: Chromium answers queryAXTree only after its
// next accessibility update, and when the document has been replaced by then
// (a page script that submits a form as soon as the page loads, say) the
// renderer process crashes, and the tab answers nothing after that.
// getFullAXTree answers at once, from whichever document the tab has.
type axTree struct {
	// nodes lists every node once, in document order (a depth-first walk
	// from the root).
	nodes []*accessibility.Node
	// ends[i] is the index in nodes just after the subtree of nodes[i].
	ends []int
}

func accessibilityTree(ctx context.Context) (*axTree, error) {
	res, err := chromedp.Call(ctx, accessibility.GetFullAXTree, accessibility.GetFullAXTreeParams{})
	if err != nil {
		return nil, fmt.Errorf("read the accessibility tree: %w", err)
	}
	byID := make(map[accessibility.NodeID]*accessibility.Node, len(res.Nodes))
	for _, n := range res.Nodes {
		byID[n.NodeID] = n
	}
	t := &axTree{}
	seen := make(map[accessibility.NodeID]bool, len(res.Nodes))
	var walk func(n *accessibility.Node)
	walk = func(n *accessibility.Node) {
		if n == nil || seen[n.NodeID] {
			return
		}
		seen[n.NodeID] = true
		i := len(t.nodes)
		t.nodes = append(t.nodes, n)
		t.ends = append(t.ends, 0)
		for _, id := range n.ChildIDs {
			walk(byID[id])
		}
		t.ends[i] = len(t.nodes)
	}
	for _, n := range res.Nodes {
		if n.ParentID == "" || byID[n.ParentID] == nil {
			walk(n)
		}
	}
	// Nodes no walk reached, if any, come last rather than not at all.
	for _, n := range res.Nodes {
		walk(n)
	}
	return t, nil
}

// under returns nodes[i] and the nodes of its subtree, in document order.
func (t *axTree) under(i int) []*accessibility.Node { return t.nodes[i:t.ends[i]] }

// lookupError builds a LookupError with what the page has. When listing
// fails, it still reports the lookup, with the reason it has no list.
func lookupError(ctx context.Context, tree *axTree, want string, matches int) error {
	e := &LookupError{Want: want, Matches: matches, Present: tree.present()}
	url, err := currentURL(ctx)
	if err != nil {
		return errors.Join(e, fmt.Errorf("read url: %w", err))
	}
	e.URL = url
	return e
}

// listed reports whether LookupError lists elements of the role: the roles
// a test can look for.
func listed(role string) bool {
	switch role {
	case "button", "link", "textbox", "searchbox", "spinbutton", "combobox",
		"radio", "checkbox", "switch", "listbox", "option", "slider",
		"menuitem", "tab", "heading":
		return true
	}
	return false
}

// present lists the controls and headings of the page in document order.
func (t *axTree) present() []string {
	var out []string
	for _, n := range t.nodes {
		role := axString(n.Role)
		if n.Ignored || !listed(role) {
			continue
		}
		if name := axString(n.Name); name != "" {
			out = append(out, fmt.Sprintf("%s %q", role, name))
		} else {
			out = append(out, role+" (no name)")
		}
	}
	return out
}

// axProperty returns a property of the element's accessibility node, as
// text ("true", "2"), or "" when it has none.
func axProperty(ctx context.Context, node cdp.BackendNodeID, name accessibility.PropertyName) (string, error) {
	res, err := chromedp.Call(ctx, accessibility.GetPartialAXTree, accessibility.GetPartialAXTreeParams{
		BackendNodeID:  node,
		FetchRelatives: new(false),
	})
	if err != nil {
		return "", err
	}
	for _, n := range res.Nodes {
		if n.BackendDOMNodeID == node {
			return property(n.Properties, name), nil
		}
	}
	return "", errors.New("element has no accessibility node")
}

func property(props []*accessibility.Property, name accessibility.PropertyName) string {
	for _, p := range props {
		if p.Name == name {
			return axString(p.Value)
		}
	}
	return ""
}

// axString returns an accessibility value as text: a string as it is,
// anything else (a boolean, a number) as its JSON.
func axString(v *accessibility.Value) string {
	if v == nil || len(v.Value) == 0 {
		return ""
	}
	var s string
	if err := json.Unmarshal([]byte(v.Value), &s); err == nil {
		return s
	}
	return string(v.Value)
}

func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// isolatedWorldName names the JavaScript world this package runs its
// functions in, apart from the page's own.
const isolatedWorldName = "breakglass-browser"

// isolatedWorld returns an execution context of the tab's main frame that
// page scripts cannot reach. It runs when page scripts are disabled, and the
// page's Content-Security-Policy does not apply to it.
func isolatedWorld(ctx context.Context) (runtime.ExecutionContextID, error) {
	tree, err := chromedp.Call(ctx, page.GetFrameTree, cdp.Empty{})
	if err != nil {
		return 0, fmt.Errorf("get frame tree: %w", err)
	}
	w, err := chromedp.Call(ctx, page.CreateIsolatedWorld, page.CreateIsolatedWorldParams{
		FrameID:   tree.FrameTree.Frame.ID,
		WorldName: isolatedWorldName,
	})
	if err != nil {
		return 0, fmt.Errorf("create isolated world: %w", err)
	}
	return w.ExecutionContextID, nil
}

// callOn calls the JavaScript function fn with this set to the element, in
// an isolated world, and decodes its result, which must be JSON, into out.
func (p *Page) callOn(ctx context.Context, node cdp.BackendNodeID, fn string, out any) error {
	world, err := isolatedWorld(ctx)
	if err != nil {
		return err
	}
	obj, err := chromedp.Call(ctx, dom.ResolveNode, dom.ResolveNodeParams{
		BackendNodeID:      node,
		ExecutionContextID: world,
		ObjectGroup:        isolatedWorldName,
	})
	if err != nil {
		return fmt.Errorf("resolve node: %w", err)
	}
	defer chromedp.Call(ctx, runtime.ReleaseObjectGroup, runtime.ReleaseObjectGroupParams{ObjectGroup: isolatedWorldName})
	res, err := chromedp.Call(ctx, runtime.CallFunctionOn, runtime.CallFunctionOnParams{
		FunctionDeclaration: fn,
		ObjectID:            obj.Object.ObjectID,
		ReturnByValue:       new(true),
		Silent:              new(true),
	})
	if err != nil {
		return err
	}
	return decodeResult(res.Result, res.ExceptionDetails, out)
}

func decodeResult(r *runtime.RemoteObject, exc *runtime.ExceptionDetails, out any) error {
	if exc != nil {
		msg := exc.Text
		if exc.Exception != nil && exc.Exception.Description != "" {
			msg = exc.Exception.Description
		}
		return fmt.Errorf("script failed: %s", msg)
	}
	if r == nil || len(r.Value) == 0 {
		return json.Unmarshal([]byte("null"), out)
	}
	return json.Unmarshal([]byte(r.Value), out)
}

// remoteText renders a console argument as the console shows it, roughly.
func remoteText(o *runtime.RemoteObject) string {
	if o == nil {
		return ""
	}
	var s string
	if o.Type == runtime.RemoteObjectTypeString && json.Unmarshal([]byte(o.Value), &s) == nil {
		return s
	}
	switch {
	case len(o.Value) > 0:
		return string(o.Value)
	case o.UnserializableValue != "":
		return string(o.UnserializableValue)
	}
	return o.Description
}
