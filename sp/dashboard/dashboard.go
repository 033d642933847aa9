package dashboard

import (
	"bytes"
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/breakglass-dev/breakglass/sp/internal/events"
	"github.com/breakglass-dev/breakglass/sp/internal/store"
	"github.com/breakglass-dev/breakglass/sp/internal/webpage"
)

// Paths the handler answers, in the emulator's control namespace.
const (
	Path      = "/_breakglass/dashboard"
	StylePath = "/_breakglass/dashboard.css"
)

// MaxEvents is the most events the page lists; the newest are kept.
const MaxEvents = 200

// Bounds on what the page reads from a query string.
const (
	maxField   = 256
	minRefresh = 2
	maxRefresh = 600
)

// expiringWithin is how close to notAfter a certificate is reported as
// expiring rather than valid.
const expiringWithin = 30 * 24 * time.Hour

//go:embed web
var webFS embed.FS

var tmpl = template.Must(template.ParseFS(webFS, "web/dashboard.html"))

// Config wires the dashboard to the emulator. Store and Events are
// required.
type Config struct {
	// Store is the emulator's state; the page only reads it.
	Store *store.Store
	// Events is the emulator's event log; the page only reads it.
	Events *events.Log
	// Clock returns the emulator's time and how far it is ahead of the real
	// clock, read together so the two agree. Nil means time.Now and no
	// offset.
	Clock func() (now time.Time, offset time.Duration)
	// Logger receives template failures. Nil discards.
	Logger *slog.Logger
}

// handler serves the page and its stylesheet.
type handler struct {
	cfg    Config
	log    *slog.Logger
	mux    *http.ServeMux
	secure http.Handler // mux behind the headers every response carries
}

// New returns the dashboard's handler. Mount it for Path and StylePath
// (GET); it answers 404 elsewhere. It is safe for concurrent use.
func New(cfg Config) http.Handler {
	h := &handler{cfg: cfg, log: cfg.Logger}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	h.mux = http.NewServeMux()
	h.mux.HandleFunc("GET "+Path, h.page)
	h.mux.HandleFunc("GET "+StylePath, func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, webFS, "web/dashboard.css")
	})
	h.secure = webpage.Secure(h.mux, func(path string) bool { return path == StylePath })
	return h
}

// ServeHTTP serves with the headers every response carries.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.secure.ServeHTTP(w, r)
}

func (h *handler) clock() (time.Time, time.Duration) {
	if h.cfg.Clock != nil {
		return h.cfg.Clock()
	}
	return time.Now(), 0
}

// page is what the template renders.
type page struct {
	// Refresh is the meta refresh interval in seconds; 0 means none.
	Refresh int
	// RefreshURL turns auto-refresh on, StopURL off, keeping the filter.
	RefreshURL, StopURL string
	Clock               clockView
	Org                 *orgView
	Accounts            []accountView
	Events              eventLog
}

func (h *handler) page(w http.ResponseWriter, r *http.Request) {
	now, offset := h.clock()
	q := r.URL.Query()
	f := filter{
		Principal: field(q, "principal"),
		Account:   field(q, "account"),
		EventName: field(q, "event"),
		Refused:   q.Get("refused") != "",
	}
	p := page{
		Refresh:  refresh(q.Get("refresh")),
		Clock:    newClockView(now, offset),
		Org:      h.org(),
		Accounts: h.accounts(now),
		Events:   h.events(f),
	}
	p.RefreshURL = f.url(5)
	p.StopURL = f.url(0)
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, "page", p); err != nil {
		h.log.Error("render dashboard", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(buf.Bytes())
}

// field returns a trimmed query value cut to maxField bytes.
func field(q url.Values, name string) string {
	v := strings.TrimSpace(q.Get(name))
	if len(v) > maxField {
		v = v[:maxField]
	}
	return v
}

// refresh reads the refresh parameter: seconds between minRefresh and
// maxRefresh, anything else meaning none.
func refresh(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < minRefresh || n > maxRefresh {
		return 0
	}
	return n
}
