package browser

import (
	"context"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Crash crashes the renderer process of the page's tab (Page.crash), for
// tests of what the page's actions do then. The browser does not answer the
// command, so Crash returns when the page has seen the crash, or when ctx
// ends.
func Crash(ctx context.Context, p *Page) error {
	go chromedp.Call(p.ctx, page.Crash, cdp.Empty{})
	if !p.waitCrash(ctx) {
		return context.Cause(ctx)
	}
	return nil
}
