// Package browser drives Debian's Chromium headless over the Chrome DevTools
// Protocol (through github.com/chromedp/chromedp), for end-to-end tests of
// breakglass's web pages and for drills that walk sign-in pages the way a
// person does.
//
// Start launches one browser process. NewPage opens a tab in a browser context
// of its own, so each Page has its own cookie jar and two simulated users never
// share a session. A Page then opens a URL, fills in fields, chooses radio
// buttons and clicks buttons and links, and reads back where it landed:
// Heading, Text, URL, Screenshot, and the errors the page reported to the
// console (ConsoleErrors), such as Content-Security-Policy violations.
//
// Elements are found the way a person or a screen reader finds them: by role
// and accessible name, the text of a field's <label> or of a button or link.
// The lookups read the browser's accessibility tree
// (Accessibility.getFullAXTree), not scripts injected into the page, so they
// work the same when page scripts are off (Options.NoJavaScript). They never
// use Accessibility.queryAXTree: Chromium answers it later, and crashes the
// tab's renderer when the document has gone by then. The few
// facts the accessibility tree lacks (whether a button submits a form, the
// text a field holds, the page's visible text) are read by a short function
// run in an isolated world: it does not see the page's scripts, the page
// cannot see it, and it runs when page scripts are disabled. When no element,
// or more than one, matches, the error is a *LookupError listing the controls
// and headings the page does have, so a failing test explains itself.
//
// Every action is bounded by Options.Timeout. Click waits for the page that a
// link or a form's submit button leads to. A navigation that a page script
// starts (a form that submits itself once its page has loaded, as an IdP's
// SAML POST binding page does) can come after Click returns: WaitHeading
// waits for the page it leads to. Every action but Open and Screenshot first
// waits for a navigation in progress, whoever started it, to finish loading,
// so none acts on a document on its way out; nothing waits for a fixed time.
// When the tab's renderer process crashes, every action fails at once with
// ErrCrashed.
package browser
