package browser

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

const (
	// DefaultPath is where Debian's chromium package installs the browser.
	DefaultPath = "/usr/bin/chromium"

	// PathEnv names the environment variable that points at another
	// browser binary. This package never reads the environment (STYLE.md
	// §3); cmd and browsertest read it and set Options.Path.
	PathEnv = "BREAKGLASS_CHROMIUM"

	// DefaultTimeout bounds each action when Options.Timeout is zero.
	DefaultTimeout = 10 * time.Second
)

// Options configure a browser. The zero value runs /usr/bin/chromium with page
// scripts on and a 10s bound on each action.
type Options struct {
	// Path is the browser binary; "" means DefaultPath.
	Path string

	// NoJavaScript disables page scripts in every page of the browser
	// (Emulation.setScriptExecutionDisabled), to check that pages work
	// without them: <noscript> content renders, and forms and links still
	// take the user where they should. The package's own lookups do not
	// depend on page scripts.
	NoJavaScript bool

	// Timeout bounds Start, NewPage and every action of a Page: a
	// navigation, including the one a Click causes, must finish within it,
	// and Page.WaitHeading waits no longer. 0 means DefaultTimeout.
	Timeout time.Duration
}

// Browser is a headless browser process. Its methods are safe for concurrent
// use; Close ends the process and every page.
type Browser struct {
	ctx     context.Context // chromedp's context; its first run bound the process to it
	cancel  func()          // cancels ctx and the allocator, and waits for the process
	timeout time.Duration
	noJS    bool

	closeOnce sync.Once
	closeErr  error
}

// Start launches the browser headless, with no first-run dialog, no
// background network traffic of its own (component updates, safe browsing,
// metrics, sync), a temporary profile removed on Close, and --no-sandbox when
// the process runs as root (Chromium refuses to start as root otherwise). The
// browser talks to this package over a pipe, not a debugging port.
//
// ctx bounds only the start: the browser runs until Close.
func Start(ctx context.Context, o Options) (*Browser, error) {
	if o.Path == "" {
		o.Path = DefaultPath
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Timeout < 0 {
		return nil, fmt.Errorf("start browser: negative timeout %v", o.Timeout)
	}
	if _, err := exec.LookPath(o.Path); err != nil {
		return nil, fmt.Errorf("start browser: %s not found (Debian package chromium; make deps installs it): %w", o.Path, err)
	}

	flags := slices.Clone(chromedp.DefaultExecAllocatorOptions[:])
	flags = append(flags,
		chromedp.ExecPath(o.Path),
		// No traffic beyond what the pages ask for.
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),
		// No crash handler writing to ~/.config/chromium.
		chromedp.Flag("disable-crash-reporter", true),
		chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,OptimizationHints,MediaRouter,DialMediaRouteProvider,AutofillServerCommunication,CertificateTransparencyComponentUpdater"),
		chromedp.WindowSize(1280, 800),
	)
	if os.Geteuid() == 0 {
		// Chromium's sandbox needs user namespaces it cannot set up as
		// root, and Chromium exits at once rather than run unsandboxed.
		flags = append(flags, chromedp.NoSandbox)
	}

	// The process must outlive ctx, so its contexts descend from one
	// that is never canceled; ctx bounds the start below.
	actx, cancelAlloc := chromedp.NewExecAllocator(context.WithoutCancel(ctx), flags...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	b := &Browser{
		ctx:     bctx,
		cancel:  func() { cancelBrowser(); cancelAlloc() },
		timeout: o.Timeout,
		noJS:    o.NoJavaScript,
	}
	if err := firstRun(ctx, bctx, b.cancel, o.Timeout); err != nil {
		b.cancel()
		return nil, fmt.Errorf("start browser %s: %w", o.Path, err)
	}
	return b, nil
}

// firstRun makes chromedp allocate what the context c stands for (the
// browser process, or a tab), which binds it to c for its whole life; ctx and
// timeout bound only how long that takes. On failure it cancels c.
func firstRun(ctx, c context.Context, cancel func(), timeout time.Duration) error {
	tctx, tcancel := context.WithTimeout(ctx, timeout)
	defer tcancel()
	stop := context.AfterFunc(tctx, cancel)
	err := chromedp.Do(c)
	if !stop() {
		// The bound ended first and canceled c.
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		return fmt.Errorf("not ready within %v: %w", timeout, tctx.Err())
	}
	return err
}

// Close ends the browser process, its pages and its temporary profile. It is
// safe to call more than once; later calls return the first result.
func (b *Browser) Close() error {
	b.closeOnce.Do(func() {
		// A graceful close lets Chromium flush and exit; cancel then
		// kills whatever is left and waits for the process and the
		// profile directory to go.
		ctx, cancel := context.WithTimeout(b.ctx, b.timeout)
		err := chromedp.Cancel(ctx)
		cancel()
		b.cancel()
		if err != nil && !errors.Is(err, context.Canceled) {
			b.closeErr = fmt.Errorf("close browser: %w", err)
		}
	})
	return b.closeErr
}

// NewPage opens a tab in a new browser context: its cookies, storage and
// cache are its own, so two pages never share a session. Close the page when
// done; Browser.Close closes any left open.
func (b *Browser) NewPage(ctx context.Context) (*Page, error) {
	p := &Page{browser: b.ctx, timeout: b.timeout}
	pctx, cancel := chromedp.NewContext(b.ctx,
		chromedp.WithNewBrowserContext(),
		chromedp.WithListener(p.observe))
	p.ctx, p.cancel = pctx, cancel
	if err := firstRun(ctx, pctx, cancel, b.timeout); err != nil {
		cancel()
		return nil, fmt.Errorf("new page: %w", err)
	}
	// The tab's events say when its main frame loads (see Page.waitLoaded);
	// they name the frame by its id.
	tree, err := chromedp.Call(pctx, page.GetFrameTree, cdp.Empty{})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("new page: %w", err)
	}
	p.setMainFrame(tree.FrameTree.Frame.ID)
	if b.noJS {
		err := p.act(ctx, immediately, func(ctx context.Context) error {
			_, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
			return err
		})
		if err != nil {
			cancel()
			return nil, fmt.Errorf("new page: disable scripts: %w", err)
		}
	}
	return p, nil
}
