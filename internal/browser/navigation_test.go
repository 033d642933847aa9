package browser_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/breakglass-dev/breakglass/internal/browser"
)

// autoPostJS is the IdP's script that sends the auto-POST form as soon as the
// page has been parsed, as an IdP's SAML POST binding page does.
const autoPostJS = `document.addEventListener("DOMContentLoaded", function () {
	document.getElementById("autopost").submit();
});
`

// newAutoPost starts two servers on 127.0.0.1, as an IdP (A) and a service
// provider (B) on two ports: two origins of one site. A's / links to /post,
// a page that posts a form to B's /saml from a script (with a Continue
// button for when scripts are off). B answers the POST with the landing
// page, or with a 303 to /landing when redirect is true. With crossSite, the
// form posts to B by the name localhost, another site, which Chromium's site
// isolation puts in another renderer process. It returns A, and B's URL as
// the form posts to it.
func newAutoPost(t *testing.T, redirect, crossSite bool) (idp *httptest.Server, sp string) {
	t.Helper()
	page := func(w http.ResponseWriter, body string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, body)
	}
	landing := `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Landed</title></head>
<body><main><h1>Landed</h1><p>Welcome to the service.</p>
<form method="get" action="/next"><p><label>Note <input name="note"></label></p>
<fieldset><legend>Mood</legend><label><input type="radio" name="mood" value="calm"> Calm</label>
<label><input type="radio" name="mood" value="busy"> Busy</label></fieldset>
<p><button>Go on</button></p></form></main></body></html>`
	mux := http.NewServeMux()
	mux.HandleFunc("POST /saml", func(w http.ResponseWriter, r *http.Request) {
		if r.FormValue("SAMLResponse") != "assertion" {
			http.Error(w, "no SAMLResponse", http.StatusBadRequest)
			return
		}
		if redirect {
			http.Redirect(w, r, "/landing", http.StatusSeeOther)
			return
		}
		page(w, landing)
	})
	mux.HandleFunc("GET /landing", func(w http.ResponseWriter, r *http.Request) { page(w, landing) })
	mux.HandleFunc("GET /next", func(w http.ResponseWriter, r *http.Request) {
		page(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Next</title></head>
<body><main><h1>Next</h1><p>Note: `+r.FormValue("note")+`; mood: `+r.FormValue("mood")+`.</p></main></body></html>`)
	})
	b := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(b.Close)
	sp = b.URL
	if crossSite {
		sp = strings.Replace(sp, "127.0.0.1", "localhost", 1)
	}

	idpMux := http.NewServeMux()
	idpMux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		page(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Apps</title></head>
<body><main><h1>Your apps</h1><p><a href="/post">Service</a></p></main></body></html>`)
	})
	idpMux.HandleFunc("GET /post", func(w http.ResponseWriter, r *http.Request) {
		page(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Signing in</title>
<script src="/static/autopost.js"></script></head>
<body><main><h1>Signing in to Service</h1>
<form id="autopost" method="post" action="`+sp+`/saml">
<input type="hidden" name="SAMLResponse" value="assertion">
<input type="hidden" name="RelayState" value="">
<noscript><p>Scripts are off: continue to the service.</p></noscript>
<p><button type="submit">Continue</button></p>
</form></main></body></html>`)
	})
	idpMux.HandleFunc("GET /static/autopost.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, autoPostJS)
	})
	idp = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; form-action 'self' "+sp)
		idpMux.ServeHTTP(w, r)
	}))
	t.Cleanup(idp.Close)
	return idp, sp
}

// TestScriptNavigation follows a page whose script posts a form to another
// origin as soon as it loads, as an IdP's SAML POST binding page does, reached
// by a Click on a link. With scripts on, the page moves on by itself, and
// every action works on the page it lands on; with scripts off, the user
// clicks Continue. One page walks every variant, one after the other.
func TestScriptNavigation(t *testing.T) {
	t.Parallel()
	type variant struct {
		name                string
		redirect, crossSite bool
		idp                 *httptest.Server
		landed              string // the landing page's URL
	}
	variants := []*variant{
		{name: "303", redirect: true},
		{name: "200"},
		{name: "303 cross-site", redirect: true, crossSite: true},
		{name: "200 cross-site", crossSite: true},
	}
	for _, v := range variants {
		var sp string
		v.idp, sp = newAutoPost(t, v.redirect, v.crossSite)
		v.landed = sp + "/saml"
		if v.redirect {
			v.landed = sp + "/landing"
		}
	}
	jsModes(t, func(t *testing.T, noJS bool) {
		p := newPage(t, noJS)
		for _, v := range variants {
			t.Run(v.name, func(t *testing.T) {
				ctx := t.Context()
				if err := p.Open(ctx, v.idp.URL); err != nil {
					t.Fatal(err)
				}
				if err := p.Click(ctx, "Service"); err != nil {
					t.Fatal(err)
				}
				if noJS {
					if err := p.WaitHeading(ctx, "Signing in to Service"); err != nil {
						t.Fatal(err)
					}
					checkText(t, p, "Scripts are off: continue to the service.", true)
					if err := p.Click(ctx, "Continue"); err != nil {
						t.Fatal(err)
					}
				} else {
					// Heading right after the Click races the form that
					// the page's script sends: it reads whichever page
					// the tab has (even one too new to have a heading),
					// and must leave the tab working.
					h, err := p.Heading(ctx)
					var le *browser.LookupError
					if err != nil && !errors.As(err, &le) || err == nil && h != "Signing in to Service" && h != "Landed" {
						t.Errorf("Heading right after the Click: got %q, %v; want the IdP's or the service's heading", h, err)
					}
					if err := p.WaitHeading(ctx, "Landed"); err != nil {
						t.Fatal(err)
					}
				}
				checkHeading(t, p, "Landed")
				checkURL(t, p, v.landed)
				checkText(t, p, "Welcome to the service.", true)
				checkScreenshot(t, p)
				for _, step := range []func() error{
					func() error { return p.Fill(ctx, "Note", "hello") },
					func() error { return p.Choose(ctx, "Busy") },
					func() error { return p.Click(ctx, "Go on") },
				} {
					if err := step(); err != nil {
						t.Fatal(err)
					}
				}
				checkHeading(t, p, "Next")
				checkText(t, p, "Note: hello; mood: busy.", true)
			})
		}
		if errs := p.ConsoleErrors(); len(errs) > 0 {
			t.Errorf("console errors: %q", errs)
		}
	})
}

// TestWaitHeadingGivesUp checks that WaitHeading says what the page shows
// when the heading never comes.
func TestWaitHeadingGivesUp(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	p := newPage(t, false)
	if err := p.Open(t.Context(), ts.URL+"/help"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	err := p.WaitHeading(ctx, "Welcome")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want context.DeadlineExceeded", err)
	}
	for _, want := range []string{`"Welcome"`, `"Help"`, ts.URL + "/help"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	// The page is still usable.
	if err := p.WaitHeading(t.Context(), "Help"); err != nil {
		t.Fatal(err)
	}
}

// TestCrash checks that once the tab's renderer process has crashed, the
// page's actions fail at once and say so, rather than wait for the timeout.
func TestCrash(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	p := newPage(t, false)
	ctx := t.Context()
	if err := p.Open(ctx, ts.URL+"/help"); err != nil {
		t.Fatal(err)
	}
	if err := browser.Crash(ctx, p); err != nil {
		t.Fatal(err)
	}
	for _, do := range []func() error{
		func() error { _, err := p.Heading(ctx); return err },
		func() error { return p.WaitHeading(ctx, "Help") },
		func() error { return p.Click(ctx, "Back") },
		func() error { return p.Screenshot(ctx, filepath.Join(t.TempDir(), "page.png")) },
	} {
		if err := do(); !errors.Is(err, browser.ErrCrashed) {
			t.Errorf("got %v, want browser.ErrCrashed", err)
		}
	}
}
