package browser

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/inspector"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Page is a browser tab with a cookie jar of its own. Its methods other than
// ConsoleErrors and Close must not be called concurrently: a page is one
// user's session, and its actions happen in order.
type Page struct {
	browser context.Context // the browser's chromedp context
	ctx     context.Context // the tab's chromedp context
	cancel  context.CancelFunc
	timeout time.Duration

	mu       sync.Mutex
	consoled []string // see ConsoleErrors
	nav      navState // guarded by mu

	closeOnce sync.Once
	closeErr  error
}

// ErrCrashed reports that the renderer process of a page's tab crashed. The
// tab then answers nothing, so every action of the page fails at once with
// an error that wraps ErrCrashed; open a new page to go on.
var ErrCrashed = errors.New("the tab's renderer process crashed")

// navState is what the page's events tell about the tab's main frame.
type navState struct {
	main    cdp.FrameID   // the tab's main frame
	loading bool          // between the main frame's frameStartedLoading and frameStoppedLoading
	crashed bool          // see ErrCrashed
	changed chan struct{} // closed, and replaced, on every event below
}

// Whether act first waits for the page to finish loading.
const (
	immediately = false
	whenLoaded  = true
)

// act runs f with a context that carries the tab, ends when ctx does, and
// ends Options.Timeout after the start. whenLoaded makes f run once the
// tab's document has finished loading, when a navigation is in progress,
// whoever started it. act fails at once when the tab has crashed, and
// cancels f when it crashes meanwhile.
func (p *Page) act(ctx context.Context, wait bool, f func(ctx context.Context) error) error {
	if st, _ := p.state(); st.crashed {
		return ErrCrashed
	}
	tctx, cancel := context.WithTimeout(p.ctx, p.timeout)
	defer cancel()
	actx, cancelCause := context.WithCancelCause(tctx)
	defer cancelCause(nil)
	stop := context.AfterFunc(ctx, cancel)
	defer stop()
	go func() {
		if p.waitCrash(actx) {
			cancelCause(ErrCrashed)
		}
	}()
	var err error
	if wait {
		if err = p.waitLoaded(actx); err != nil {
			err = fmt.Errorf("wait for the page to finish loading: %w", err)
		}
	}
	if err == nil {
		err = f(actx)
	}
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		// f failed because act canceled it.
		return context.Cause(ctx)
	case p.ctx.Err() != nil:
		return fmt.Errorf("page or browser closed: %w", err)
	case errors.Is(context.Cause(actx), ErrCrashed):
		return ErrCrashed
	case errors.Is(tctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("not done within %v: %w", p.timeout, err)
	}
	return err
}

// state returns the page's navigation state, and a channel that closes when
// it next changes.
func (p *Page) state() (navState, <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.nav.changed == nil {
		p.nav.changed = make(chan struct{})
	}
	return p.nav, p.nav.changed
}

// waitCrash returns true when the tab crashes before ctx ends.
func (p *Page) waitCrash(ctx context.Context) bool {
	for {
		st, changed := p.state()
		if st.crashed {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-changed:
		}
	}
}

// waitLoaded waits until the tab's main frame is not loading. A navigation,
// ours or a page script's, makes it load from the moment the browser starts
// the navigation until the new document and its resources have loaded.
func (p *Page) waitLoaded(ctx context.Context) error {
	for {
		st, changed := p.state()
		if !st.loading || st.crashed {
			return nil
		}
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-changed:
		}
	}
}

// Open loads url and waits until the page has loaded. It fails when the
// page cannot be loaded (a refused connection, an unknown host), not on an
// HTTP error status: error pages are pages too.
func (p *Page) Open(ctx context.Context, url string) error {
	// A new navigation replaces one in progress: no need to wait for it.
	err := p.act(ctx, immediately, func(ctx context.Context) error {
		return chromedp.Do(ctx, chromedp.Navigate(url))
	})
	if err != nil {
		return fmt.Errorf("open %s: %w", url, err)
	}
	return nil
}

// Fill replaces the text of the form field (a textbox, searchbox or
// spinbutton) whose accessible name is label, usually the text of its
// <label>. It types as a user does, so the page sees input events. It fails
// when the field does not end up holding value, for example when it is read
// only or shorter than value; the error gives lengths, never the text, as
// value may be a password.
func (p *Page) Fill(ctx context.Context, label, value string) error {
	err := p.act(ctx, whenLoaded, func(ctx context.Context) error {
		el, err := p.find(ctx, label, "textbox", "searchbox", "spinbutton")
		if err != nil {
			return err
		}
		if err := el.enabled(); err != nil {
			return err
		}
		if _, err := chromedp.Call(ctx, dom.Focus, dom.FocusParams{BackendNodeID: el.node}); err != nil {
			return fmt.Errorf("focus: %w", err)
		}
		// Replace what the field holds: select it all and delete it,
		// then insert the text as one edit.
		for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeRawKeyDown, input.DispatchKeyEventTypeKeyUp} {
			params := input.DispatchKeyEventParams{Type: typ}
			if typ == input.DispatchKeyEventTypeRawKeyDown {
				params.Commands = []string{"selectAll", "deleteBackward"}
			}
			if _, err := chromedp.Call(ctx, input.DispatchKeyEvent, params); err != nil {
				return fmt.Errorf("clear: %w", err)
			}
		}
		if value != "" {
			if _, err := chromedp.Call(ctx, input.InsertText, input.InsertTextParams{Text: value}); err != nil {
				return fmt.Errorf("type: %w", err)
			}
		}
		var got *string
		if err := p.callOn(ctx, el.node, `function() { return typeof this.value === "string" ? this.value : null; }`, &got); err != nil {
			return fmt.Errorf("read back: %w", err)
		}
		if got != nil && *got != value {
			return fmt.Errorf("%s holds %d characters after typing %d (read only, maxlength, or changed by a script?)", el, len([]rune(*got)), len([]rune(value)))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("fill %q: %w", label, err)
	}
	return nil
}

// Click clicks, with the mouse, the button or link whose accessible name is
// name. When the element is a link or a form's submit button, Click waits
// until the page it leads to has loaded (for a form that redirects, the
// page at the end of the redirects). It does not wait after other buttons.
//
// Click does not wait for a navigation that a script of the page it leads to
// starts later, such as a form that submits itself when the page has
// loaded: the page a script takes the user to is waited for with
// WaitHeading. (Every action first waits for a navigation already in
// progress to finish loading, so none acts on a document on its way out.)
//
// When the browser refuses to send the form because a field fails its
// constraints (required, pattern, type=email...), Click clicks, so the
// browser shows its message, and returns an error naming the fields.
//
// With page scripts on, a script that cancels the navigation makes Click
// fail after Options.Timeout.
func (p *Page) Click(ctx context.Context, name string) error {
	err := p.act(ctx, whenLoaded, func(ctx context.Context) error {
		el, err := p.find(ctx, name, "button", "link")
		if err != nil {
			return err
		}
		if err := el.enabled(); err != nil {
			return err
		}
		var sub submission
		if err := p.callOn(ctx, el.node, submissionJS, &sub); err != nil {
			return fmt.Errorf("inspect %s: %w", el, err)
		}
		click := chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			return clickNode(ctx, el.node)
		})
		if !sub.Navigates {
			if err := chromedp.Do(ctx, click); err != nil {
				return err
			}
			if len(sub.Invalid) > 0 {
				return fmt.Errorf("the browser does not send the form: %s", strings.Join(sub.Invalid, "; "))
			}
			return nil
		}
		if _, err := chromedp.RunResponse(ctx, click); err != nil {
			return fmt.Errorf("wait for the next page: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("click %q: %w", name, err)
	}
	return nil
}

// submission is what Click needs to know about an element before it clicks.
type submission struct {
	// Navigates is true when clicking loads a page in the same tab: a
	// link, or the submit button of a form the browser will send.
	Navigates bool `json:"navigates"`
	// Invalid lists the fields that stop the form from being sent, as
	// "label: message".
	Invalid []string `json:"invalid"`
}

// submissionJS computes a submission for this element. The HTML standard
// defines when a click follows a link (§4.6.4) or submits a form (§4.10.21.3,
// including interactive constraint validation, §4.10.20.2).
const submissionJS = `function() {
	const sameTab = (t) => t === "" || t === "_self" || t === "_top" || t === "_parent";
	if (this instanceof HTMLAnchorElement || this instanceof HTMLAreaElement) {
		return {navigates: this.href !== "" && !this.href.startsWith("javascript:") && sameTab(this.target), invalid: []};
	}
	const submit = (this instanceof HTMLButtonElement && this.type === "submit") ||
		(this instanceof HTMLInputElement && (this.type === "submit" || this.type === "image"));
	const form = submit ? this.form : null;
	if (form === null || form.method === "dialog" || !sameTab(this.formTarget || form.target)) {
		return {navigates: false, invalid: []};
	}
	const invalid = [];
	if (!form.noValidate && !this.formNoValidate) {
		for (const el of form.elements) {
			if (el.willValidate && !el.validity.valid) {
				const label = el.labels && el.labels.length > 0 ? el.labels[0].textContent.trim() : (el.getAttribute("aria-label") || el.name);
				invalid.push(label + ": " + el.validationMessage);
			}
		}
	}
	return {navigates: invalid.length === 0, invalid};
}`

// Choose selects the radio button whose accessible name is label, by
// clicking it, and checks that it is then selected.
func (p *Page) Choose(ctx context.Context, label string) error {
	err := p.act(ctx, whenLoaded, func(ctx context.Context) error {
		el, err := p.find(ctx, label, "radio")
		if err != nil {
			return err
		}
		if err := el.enabled(); err != nil {
			return err
		}
		if err := clickNode(ctx, el.node); err != nil {
			return err
		}
		checked, err := axProperty(ctx, el.node, "checked")
		if err != nil {
			return fmt.Errorf("read back: %w", err)
		}
		if checked != "true" {
			return fmt.Errorf("%s is not selected after a click (covered by another element?)", el)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("choose %q: %w", label, err)
	}
	return nil
}

// Heading returns the accessible name (the text) of the first h1 or h2 in
// the page's <main>, or in the whole page when <main> has none or there is
// no <main>. Tests use it to check which page they are on. A page with no
// h1 or h2 gives a *LookupError.
//
// Heading reads the document the tab has now (once a navigation in progress
// has loaded). After a page whose script moves on by itself, use
// WaitHeading, which waits for the page the script leads to.
func (p *Page) Heading(ctx context.Context) (string, error) {
	var name string
	err := p.act(ctx, whenLoaded, func(ctx context.Context) error {
		var err error
		name, err = p.heading(ctx)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("heading: %w", err)
	}
	return name, nil
}

// WaitHeading waits until Heading gives want: until the first h1 or h2 of
// the page's <main> (or of the page) has the accessible name want. It looks
// again whenever the tab navigates, and at least every 50ms, so it sees the
// page that a page script leads to, such as a form that submits itself when
// its page has loaded, whatever origin the form posts to and however many
// redirects follow. A lookup that fails while the tab is between two
// documents is tried again.
//
// WaitHeading returns nil as soon as the heading is want. It gives up after
// Options.Timeout, or when ctx ends, with an error that names the heading
// and the URL it saw last (or why it could not read one), and wraps
// context.DeadlineExceeded or the cause of ctx's end.
func (p *Page) WaitHeading(ctx context.Context, want string) error {
	var (
		last    string // the last heading seen
		url     string // the page it was seen on
		lastErr error  // the last lookup's error, when it failed
		seen    bool
	)
	err := p.act(ctx, immediately, func(ctx context.Context) error {
		for {
			_, changed := p.state()
			name, u, err := p.tryHeading(ctx)
			if err == nil && name == want {
				return nil
			}
			if err == nil {
				last, url, lastErr, seen = name, u, nil, true
			} else if ctx.Err() == nil {
				lastErr = err
			}
			tick := time.NewTimer(headingPoll)
			select {
			case <-ctx.Done():
				tick.Stop()
				return context.Cause(ctx)
			case <-changed:
			case <-tick.C:
			}
			tick.Stop()
		}
	})
	if err == nil {
		return nil
	}
	switch {
	case lastErr != nil && seen:
		err = fmt.Errorf("%w; the last heading seen was %q on %s, and the last lookup failed: %v", err, last, url, lastErr)
	case lastErr != nil:
		err = fmt.Errorf("%w; the last lookup failed: %v", err, lastErr)
	case seen:
		err = fmt.Errorf("%w; the last heading seen was %q on %s", err, last, url)
	}
	return fmt.Errorf("wait for heading %q: %w", want, err)
}

// headingPoll is how often WaitHeading looks at a page whose heading changes
// with no navigation (a script that rewrites the page).
const headingPoll = 50 * time.Millisecond

// tryHeading reads the heading and the URL, within a part of ctx's time, so
// that a lookup that the tab's change of document holds up is tried again.
func (p *Page) tryHeading(ctx context.Context) (name, url string, err error) {
	ctx, cancel := context.WithTimeout(ctx, max(p.timeout/5, time.Second))
	defer cancel()
	if name, err = p.heading(ctx); err != nil {
		return "", "", err
	}
	if url, err = currentURL(ctx); err != nil {
		return "", "", fmt.Errorf("read url: %w", err)
	}
	return name, url, nil
}

// Text returns the text of the page's body as it is rendered (the body's
// innerText): hidden elements are left out, and blocks are on lines of their
// own.
func (p *Page) Text(ctx context.Context) (string, error) {
	var text string
	err := p.act(ctx, whenLoaded, func(ctx context.Context) error {
		world, err := isolatedWorld(ctx)
		if err != nil {
			return err
		}
		res, err := chromedp.Call(ctx, runtime.Evaluate, runtime.EvaluateParams{
			Expression:    `document.body ? document.body.innerText : ""`,
			ContextID:     world,
			ReturnByValue: new(true),
		})
		if err != nil {
			return err
		}
		return decodeResult(res.Result, res.ExceptionDetails, &text)
	})
	if err != nil {
		return "", fmt.Errorf("text: %w", err)
	}
	return text, nil
}

// URL returns the address of the page the tab shows, after any redirects.
func (p *Page) URL(ctx context.Context) (string, error) {
	var url string
	err := p.act(ctx, whenLoaded, func(ctx context.Context) error {
		var err error
		url, err = currentURL(ctx)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("url: %w", err)
	}
	return url, nil
}

// Screenshot writes a PNG of the whole page, not only the part in the
// window, to path, with mode 0644. It creates the directory when missing.
func (p *Page) Screenshot(ctx context.Context, path string) error {
	var png []byte
	// A screenshot shows the page as it is, loaded or not: a test that
	// failed wants to see a page that never finished loading too.
	err := p.act(ctx, immediately, func(ctx context.Context) error {
		var err error
		png, err = chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG, not JPEG
		return err
	})
	if err == nil {
		err = writeFile(path, png)
	}
	if err != nil {
		return fmt.Errorf("screenshot %s: %w", path, err)
	}
	return nil
}

func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return err
	}
	// WriteFile keeps the mode of a file that exists, and the umask
	// narrows the mode of a new one.
	return os.Chmod(path, 0o644)
}

// ConsoleErrors returns the errors the page reported since NewPage, in order:
// Content-Security-Policy violations and failed loads ("security: ...",
// "network: ..."), uncaught exceptions ("exception: ..."), and console.error
// calls ("console.error: ..."). With page scripts off, no script runs, so
// none is reported as violating the policy. It is safe to call at any time.
func (p *Page) ConsoleErrors() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.consoled...)
}

// observe records the errors for ConsoleErrors, and the state of the tab's
// main frame for waitLoaded and WaitHeading. chromedp calls it for every event of
// the tab, in order, before it handles the next message, so an action that
// returns has had its errors recorded.
func (p *Page) observe(ev any) {
	var msg string
	switch ev := ev.(type) {
	case *page.EventFrameStartedLoading:
		p.navigated(ev.FrameID, func(st *navState) { st.loading = true })
		return
	case *page.EventFrameStoppedLoading:
		p.navigated(ev.FrameID, func(st *navState) { st.loading = false })
		return
	case *page.EventFrameNavigated:
		if ev.Frame.ParentID == "" {
			p.setMainFrame(ev.Frame.ID)
		}
		return
	case *page.EventLoadEventFired, *page.EventDomContentEventFired, *page.EventNavigatedWithinDocument:
		// WaitHeading looks again.
		p.navigated("", nil)
		return
	case *inspector.EventTargetCrashed:
		p.navigated("", func(st *navState) { st.crashed = true })
		return
	case *log.EventEntryAdded:
		if ev.Entry.Level != log.EntryLevelError {
			return
		}
		msg = string(ev.Entry.Source) + ": " + ev.Entry.Text
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg = "exception: " + d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			first, _, _ := strings.Cut(d.Exception.Description, "\n")
			msg += " " + first
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type != runtime.ConsoleAPICalledTypeError && ev.Type != runtime.ConsoleAPICalledTypeAssert {
			return
		}
		args := make([]string, 0, len(ev.Args))
		for _, a := range ev.Args {
			args = append(args, remoteText(a))
		}
		msg = "console." + string(ev.Type) + ": " + strings.Join(args, " ")
	default:
		return
	}
	p.mu.Lock()
	p.consoled = append(p.consoled, msg)
	p.mu.Unlock()
}

// navigated applies change to the navigation state when the event is about
// frame, the main frame ("" for any frame), and tells those who wait that the
// state changed.
func (p *Page) navigated(frame cdp.FrameID, change func(st *navState)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if frame != "" && frame != p.nav.main {
		return
	}
	if change != nil {
		change(&p.nav)
	}
	if p.nav.changed != nil {
		close(p.nav.changed)
		p.nav.changed = nil
	}
}

func (p *Page) setMainFrame(id cdp.FrameID) {
	p.navigated("", func(st *navState) { st.main = id })
}

// Close closes the tab and disposes of its browser context and cookies. It
// is safe to call more than once, and after Browser.Close.
func (p *Page) Close() error {
	p.closeOnce.Do(func() {
		if p.browser.Err() != nil {
			// The browser is gone, and the tab with it.
			p.cancel()
			return
		}
		if err := chromedp.Cancel(p.ctx); err != nil {
			p.closeErr = fmt.Errorf("close page: %w", err)
		}
	})
	return p.closeErr
}

// clickNode clicks the middle of the element with the left mouse button,
// after scrolling it into view. The click lands on whatever is on top at that
// point, as a user's would.
func clickNode(ctx context.Context, node cdp.BackendNodeID) error {
	if _, err := chromedp.Call(ctx, dom.ScrollIntoViewIfNeeded, dom.ScrollIntoViewIfNeededParams{BackendNodeID: node}); err != nil {
		return fmt.Errorf("scroll into view: %w", err)
	}
	quads, err := chromedp.Call(ctx, dom.GetContentQuads, dom.GetContentQuadsParams{BackendNodeID: node})
	if err != nil {
		return fmt.Errorf("locate: %w", err)
	}
	if len(quads.Quads) == 0 || len(quads.Quads[0]) != 8 {
		return errors.New("element is not rendered (hidden, or of zero size)")
	}
	var x, y float64
	q := quads.Quads[0]
	for i := 0; i < 8; i += 2 {
		x += q[i] / 4
		y += q[i+1] / 4
	}
	for _, ev := range []input.DispatchMouseEventParams{
		{Type: input.DispatchMouseEventTypeMouseMoved, X: x, Y: y},
		{Type: input.DispatchMouseEventTypeMousePressed, X: x, Y: y, Button: input.MouseButtonLeft, Buttons: 1, ClickCount: 1},
		{Type: input.DispatchMouseEventTypeMouseReleased, X: x, Y: y, Button: input.MouseButtonLeft, ClickCount: 1},
	} {
		if _, err := chromedp.Call(ctx, input.DispatchMouseEvent, ev); err != nil {
			return fmt.Errorf("mouse %s: %w", ev.Type, err)
		}
	}
	return nil
}

// currentURL returns the URL of the tab's current history entry.
func currentURL(ctx context.Context) (string, error) {
	h, err := chromedp.Call(ctx, page.GetNavigationHistory, cdp.Empty{})
	if err != nil {
		return "", err
	}
	if h.CurrentIndex < 0 || int(h.CurrentIndex) >= len(h.Entries) {
		return "", fmt.Errorf("no history entry %d of %d", h.CurrentIndex, len(h.Entries))
	}
	return h.Entries[h.CurrentIndex].URL, nil
}
