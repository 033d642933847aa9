package browser_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/breakglass-dev/breakglass/internal/browser"
	"github.com/breakglass-dev/breakglass/internal/browser/browsertest"
)

// The tests share one browser per setting of NoJavaScript, started on first
// use and closed by TestMain; each test opens its own pages.
var browsers [2]struct {
	once sync.Once
	b    *browser.Browser
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	for i := range browsers {
		if b := browsers[i].b; b != nil {
			if err := b.Close(); err != nil {
				fmt.Fprintln(os.Stderr, err)
				code = 1
			}
		}
	}
	os.Exit(code)
}

func sharedBrowser(t *testing.T, noJS bool) *browser.Browser {
	t.Helper()
	path := browsertest.Require(t)
	s := &browsers[0]
	if noJS {
		s = &browsers[1]
	}
	s.once.Do(func() {
		s.b, s.err = browser.Start(context.Background(), browser.Options{Path: path, NoJavaScript: noJS})
	})
	if s.err != nil {
		t.Fatal(s.err)
	}
	return s.b
}

func newPage(t *testing.T, noJS bool) *browser.Page {
	t.Helper()
	return browsertest.NewPage(t, sharedBrowser(t, noJS))
}

// csp is the policy breakglass's pages send: no scripts at all, styles only
// from the site's own files, forms posted only back to the site.
const csp = "default-src 'none'; style-src 'self'; form-action 'self'"

const signInPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in</title><link rel="stylesheet" href="/style.css"></head>
<body>
<header><h1>Example IdP</h1></header>
<main>
<h2>Sign in</h2>
<noscript><p>Scripts are off.</p></noscript>
<form method="post" action="/signed-in">
<p><label for="user">User name</label> <input id="user" name="user" required></p>
<p><label>Password <input type="password" name="password"></label></p>
<p><label>PIN <input name="pin" maxlength="4"></label></p>
<fieldset><legend>Role</legend>
<label><input type="radio" name="role" value="admin"> Administrator</label>
<label><input type="radio" name="role" value="read-only" checked> Read only</label>
</fieldset>
<p><button>Sign in</button></p>
</form>
<p><a href="/help">Help</a></p>
</main>
</body></html>`

const helpPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Help</title></head>
<body><main><h1>Help</h1><p>Ask your administrator.</p>
<p><a href="/">Back</a> or <a href="/">Back</a></p></main></body></html>`

// scriptPage has an inline script, which the policy forbids.
const scriptPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Script</title></head>
<body><main><h1>Script</h1><script>document.title = "ran";</script></main></body></html>`

// newServer serves the test pages on 127.0.0.1. POST /signed-in sets a
// session cookie and redirects (303) to /welcome, which greets the session.
func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	page := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, body)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", page(signInPage))
	mux.HandleFunc("GET /help", page(helpPage))
	mux.HandleFunc("GET /script", page(scriptPage))
	mux.HandleFunc("GET /style.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css")
		fmt.Fprint(w, "body { font-family: sans-serif; margin: 2em; }\n")
	})
	mux.HandleFunc("POST /signed-in", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: r.FormValue("user") + ":" + r.FormValue("role"), Path: "/", HttpOnly: true})
		http.Redirect(w, r, "/welcome", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /welcome", func(w http.ResponseWriter, r *http.Request) {
		greeting := "Not signed in."
		if c, err := r.Cookie("session"); err == nil {
			user, role, _ := strings.Cut(c.Value, ":")
			greeting = fmt.Sprintf("Signed in as %s with role %s.", user, role)
		}
		page(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Welcome</title></head>
<body><main><h1>Welcome</h1><p>`+greeting+`</p><p><a href="/help">Help</a></p></main></body></html>`)(w, r)
	})
	release := make(chan struct{})
	mux.HandleFunc("GET /hang", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	t.Cleanup(func() { close(release) }) // before ts.Close, which waits for /hang
	return ts
}

// jsModes runs f with page scripts on and off.
func jsModes(t *testing.T, f func(t *testing.T, noJS bool)) {
	for _, noJS := range []bool{false, true} {
		t.Run(map[bool]string{false: "js", true: "nojs"}[noJS], func(t *testing.T) {
			t.Parallel()
			f(t, noJS)
		})
	}
}

// TestSignIn walks the sign-in form as a user does: a first try with the
// required user name left out, then the whole form, the redirect it causes,
// and a link on the page it lands on. Then it opens a page that breaks the
// Content-Security-Policy, which ConsoleErrors must report.
func TestSignIn(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	jsModes(t, func(t *testing.T, noJS bool) {
		ctx := t.Context()
		p := newPage(t, noJS)
		if err := p.Open(ctx, ts.URL); err != nil {
			t.Fatal(err)
		}
		// The h1 in <header> is the site's name; the page's own
		// heading is the first one in <main>.
		checkHeading(t, p, "Sign in")
		checkText(t, p, "Scripts are off.", noJS)

		err := p.Click(ctx, "Sign in")
		if err == nil || !strings.Contains(err.Error(), "User name") {
			t.Fatalf("Click with the required user name left out: got %v, want an error naming the field", err)
		}
		checkHeading(t, p, "Sign in")

		for _, step := range []func() error{
			func() error { return p.Fill(ctx, "User name", "alice") },
			func() error { return p.Fill(ctx, "Password", "correct horse") },
			func() error { return p.Fill(ctx, "User name", "ada") }, // replaces
			func() error { return p.Choose(ctx, "Administrator") },
			func() error { return p.Click(ctx, "Sign in") },
		} {
			if err := step(); err != nil {
				t.Fatal(err)
			}
		}
		checkHeading(t, p, "Welcome")
		checkText(t, p, "Signed in as ada with role admin.", true)
		checkURL(t, p, ts.URL+"/welcome")

		if err := p.Click(ctx, "Help"); err != nil {
			t.Fatal(err)
		}
		checkHeading(t, p, "Help")
		checkURL(t, p, ts.URL+"/help")
		checkScreenshot(t, p)

		if errs := p.ConsoleErrors(); len(errs) > 0 {
			t.Errorf("console errors on pages that keep the policy: %q", errs)
		}
		if err := p.Open(ctx, ts.URL+"/script"); err != nil {
			t.Fatal(err)
		}
		errs := p.ConsoleErrors()
		violation := slices.ContainsFunc(errs, func(e string) bool {
			return strings.HasPrefix(e, "security: ") && strings.Contains(e, "inline script") && strings.Contains(e, "Content Security Policy")
		})
		// With scripts off, the script never comes to run, so it does
		// not violate the policy.
		if violation == noJS {
			t.Errorf("ConsoleErrors() = %q; want a CSP violation for the inline script: %v", errs, !noJS)
		}
	})
}

func checkHeading(t *testing.T, p *browser.Page, want string) {
	t.Helper()
	got, err := p.Heading(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("heading: got %q, want %q", got, want)
	}
}

// checkText checks whether the page's text contains s.
func checkText(t *testing.T, p *browser.Page, s string, want bool) {
	t.Helper()
	text, err := p.Text(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Contains(text, s); got != want {
		t.Errorf("text contains %q: got %v, want %v; text:\n%s", s, got, want, text)
	}
}

func checkURL(t *testing.T, p *browser.Page, want string) {
	t.Helper()
	got, err := p.URL(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("URL: got %s, want %s", got, want)
	}
}

func checkScreenshot(t *testing.T, p *browser.Page) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "new", "page.png")
	if err := p.Screenshot(t.Context(), path); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o644 {
		t.Errorf("screenshot mode: got %v, want 0644", got)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() == 0 || b.Dy() == 0 {
		t.Errorf("screenshot is empty: %v", b)
	}
}

// TestErrors checks that failing actions say why: a lookup lists what the
// page has, a page that cannot load says so, and the caller's context bounds
// every action.
func TestErrors(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	ctx := t.Context()
	p := newPage(t, false)
	if err := p.Open(ctx, ts.URL); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		do   func() error
		want string
	}{
		{"no field", func() error { return p.Fill(ctx, "Email", "a@example.com") }, `textbox, searchbox or spinbutton named "Email"`},
		{"a link is not a field", func() error { return p.Fill(ctx, "Help", "x") }, `textbox, searchbox or spinbutton named "Help"`},
		{"no radio", func() error { return p.Choose(ctx, "Auditor") }, `radio named "Auditor"`},
		{"no button", func() error { return p.Click(ctx, "Sign out") }, `button or link named "Sign out"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			var le *browser.LookupError
			if !errors.As(err, &le) {
				t.Fatalf("got %v, want a *browser.LookupError", err)
			}
			if le.Want != tc.want || le.Matches != 0 || le.URL != ts.URL+"/" {
				t.Errorf("got Want %q, Matches %d, URL %s; want %q, 0, %s", le.Want, le.Matches, le.URL, tc.want, ts.URL+"/")
			}
			for _, want := range []string{
				`heading "Example IdP"`, `heading "Sign in"`, `textbox "User name"`, `textbox "Password"`,
				`radio "Administrator"`, `radio "Read only"`, `button "Sign in"`, `link "Help"`,
			} {
				if !slices.Contains(le.Present, want) {
					t.Errorf("Present = %q, want it to list %s", le.Present, want)
				}
			}
			if msg := err.Error(); !strings.Contains(msg, tc.want) || !strings.Contains(msg, `button "Sign in"`) {
				t.Errorf("error %q does not say what was looked for and what is there", msg)
			}
		})
	}

	t.Run("field keeps less than typed", func(t *testing.T) {
		err := p.Fill(ctx, "PIN", "123456")
		if err == nil || !strings.Contains(err.Error(), "holds 4 characters after typing 6") {
			t.Errorf("got %v, want an error saying the field holds 4 of 6 characters", err)
		}
	})

	t.Run("ambiguous", func(t *testing.T) {
		if err := p.Open(ctx, ts.URL+"/help"); err != nil {
			t.Fatal(err)
		}
		err := p.Click(ctx, "Back")
		var le *browser.LookupError
		if !errors.As(err, &le) || le.Matches != 2 {
			t.Fatalf("got %v, want a *browser.LookupError with 2 matches", err)
		}
	})

	t.Run("refused", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		err = p.Open(t.Context(), "http://"+addr+"/")
		var le *chromedp.LoadError
		if !errors.As(err, &le) || le.ErrorText != "net::ERR_CONNECTION_REFUSED" {
			t.Errorf("got %v, want a refused connection", err)
		}
	})

	t.Run("context deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		if err := p.Open(ctx, ts.URL+"/hang"); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("got %v, want context.DeadlineExceeded", err)
		}
		// The page is still usable.
		if err := p.Open(t.Context(), ts.URL+"/help"); err != nil {
			t.Fatal(err)
		}
		checkHeading(t, p, "Help")
	})
}

func TestPagesDoNotShareCookies(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	ctx := t.Context()
	alice, other := newPage(t, false), newPage(t, false)
	for _, step := range []func() error{
		func() error { return alice.Open(ctx, ts.URL) },
		func() error { return alice.Fill(ctx, "User name", "alice") },
		func() error { return alice.Click(ctx, "Sign in") },
		func() error { return other.Open(ctx, ts.URL+"/welcome") },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		page *browser.Page
		want string
	}{
		{alice, "Signed in as alice with role read-only."},
		{other, "Not signed in."},
	} {
		text, err := tc.page.Text(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text, tc.want) {
			t.Errorf("text:\n%s\nwant it to contain %q", text, tc.want)
		}
	}
}
