// Package webpage holds what every web page of the emulator (the sign-in
// and console pages, the facilitators' dashboard) sends with it.
package webpage

import "net/http"

// CSP allows no scripts and nothing from elsewhere: styles and images from
// the emulator itself, forms posting only to it, no framing.
const CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Secure wraps next so every response carries CSP, no content sniffing, no
// referrer and no framing; responses for paths that static does not claim
// (pages, which show sessions and identities) are never cached.
func Secure(next http.Handler, static func(path string) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", CSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		if !static(r.URL.Path) {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}
