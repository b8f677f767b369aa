package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/remote"
)

// Wrap turns the raw connection to the browser into the one chromedp uses;
// the recorder passes a function that returns its capture.Conn.
type Wrap func(chromedp.Transport) (chromedp.Transport, error)

// Options configure [Launch] and [Attach].
type Options struct {
	// Path is the browser executable for Launch; empty means [Find].
	Path string
	// Headless runs the launched browser without a window.
	Headless bool
	// ProxyServer, when set, is passed to the launched browser as --proxy-server.
	ProxyServer string
	// Wrap wraps the connection (required).
	Wrap Wrap
	// Target picks, in Attach, the first page whose URL contains it.
	Target string
	// Output receives the browser's own output (launch mode); nil drops it.
	Output io.Writer
}

// Session is a browser with the tab to record.
type Session struct {
	// Tab is the chromedp context of the recorded tab.
	Tab context.Context
	// TabTarget and TabSession identify the recorded tab in CDP.
	TabTarget  target.ID
	TabSession target.SessionID
	// Mode is "launch" or "attach".
	Mode string
	// Path is the launched executable (launch mode).
	Path string
	// Headless is true for a launched headless browser.
	Headless bool

	cancelTab, cancelBrowser, cancelAlloc context.CancelFunc
	closeOnce                             sync.Once
}

// Launch starts a browser with a fresh temporary profile (removed when the
// session closes) and opens the tab to record, at about:blank.
func Launch(ctx context.Context, opts Options) (*Session, error) {
	if opts.Wrap == nil {
		return nil, errors.New("browser.Launch: no Wrap given")
	}
	path, err := Find(opts.Path)
	if err != nil {
		return nil, err
	}
	allocOpts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-popup-blocking", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.ModifyCmdFunc(browserProcAttr),
		chromedp.WithDialer(func(ctx context.Context, wsURL string) (chromedp.Transport, error) {
			dctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			c, err := remote.DialContext(dctx, wsURL)
			if err != nil {
				return nil, err
			}
			return opts.Wrap(c)
		}),
	}
	if opts.Headless {
		allocOpts = append(allocOpts, chromedp.Headless)
	} else {
		allocOpts = append(allocOpts, chromedp.VisibleWindow)
	}
	if opts.ProxyServer != "" {
		allocOpts = append(allocOpts, chromedp.ProxyServer(opts.ProxyServer))
	}
	if opts.Output != nil {
		allocOpts = append(allocOpts, chromedp.CombinedOutput(opts.Output))
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, allocOpts...)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithLogf(discard), chromedp.WithErrorf(discard))
	if err := chromedp.Do(tabCtx); err != nil {
		cancelTab()
		cancelAlloc()
		if errors.Is(err, chromedp.ErrNoDisplay) {
			return nil, fmt.Errorf("cannot open a browser window: no display (run with --headless): %w", err)
		}
		return nil, fmt.Errorf("start %s: %w (try --headless, or pass another browser with --browser PATH)", path, err)
	}
	t := chromedp.FromContext(tabCtx).Target
	return &Session{
		Tab: tabCtx, TabTarget: t.TargetID, TabSession: t.SessionID,
		Mode: "launch", Path: path, Headless: opts.Headless,
		cancelTab: cancelTab, cancelAlloc: cancelAlloc,
	}, nil
}

func discard(string, ...any) {}

// Close ends the session: a launched browser is closed (gracefully, then
// killed after a timeout) and its profile removed; an attached browser is
// only detached from, its tabs stay open.
func (s *Session) Close() {
	s.closeOnce.Do(func() {
		if s.Mode == "launch" {
			ctx, cancel := context.WithTimeout(s.Tab, 5*time.Second)
			chromedp.Cancel(ctx)
			cancel()
		}
		s.cancelTab()
		if s.cancelBrowser != nil {
			s.cancelBrowser()
		}
		s.cancelAlloc()
	})
}

// Process returns the launched browser's process, or nil when attached.
func (s *Session) Process() *os.Process {
	c := chromedp.FromContext(s.Tab)
	if c == nil || c.Browser == nil {
		return nil
	}
	return c.Browser.Process()
}

// Attach connects to a browser started with a debugging port, given as
// ws://host:port/devtools/browser/… or http://host:port (or ws://host:port),
// and picks the tab to record: the first page whose URL contains
// opts.Target, or the first page.
func Attach(ctx context.Context, addr string, opts Options) (*Session, error) {
	if opts.Wrap == nil {
		return nil, errors.New("browser.Attach: no Wrap given")
	}
	wsURL, err := resolveWebSocket(ctx, addr)
	if err != nil {
		return nil, err
	}
	allocCtx, cancelAlloc := chromedp.NewAllocatorContext(ctx, &attachAllocator{wsURL: wsURL, wrap: opts.Wrap})
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx, chromedp.WithLogf(discard), chromedp.WithErrorf(discard))
	fail := func(err error) (*Session, error) {
		cancelBrowser()
		cancelAlloc()
		return nil, err
	}
	infos, err := chromedp.Targets(browserCtx)
	if err != nil {
		return fail(fmt.Errorf("list the tabs of %s: %w", wsURL, err))
	}
	var pick *target.Info
	var pages []string
	for _, info := range infos {
		if info.Type != "page" || strings.HasPrefix(info.URL, "devtools://") {
			continue
		}
		pages = append(pages, info.URL)
		if pick == nil && (opts.Target == "" || strings.Contains(info.URL, opts.Target)) {
			pick = info
		}
	}
	if pick == nil {
		if opts.Target != "" {
			return fail(fmt.Errorf("no tab's URL contains %q; the open tabs are: %s", opts.Target, strings.Join(pages, ", ")))
		}
		return fail(fmt.Errorf("the browser at %s has no open tab to record: open one and try again", addr))
	}
	tabCtx, cancelTab := chromedp.NewContext(browserCtx, chromedp.WithTargetID(pick.TargetID), chromedp.WithDetachOnCancel())
	if err := chromedp.Do(tabCtx); err != nil {
		cancelTab()
		return fail(fmt.Errorf("attach to the tab %s: %w", pick.URL, err))
	}
	t := chromedp.FromContext(tabCtx).Target
	return &Session{
		Tab: tabCtx, TabTarget: t.TargetID, TabSession: t.SessionID, Mode: "attach",
		cancelTab: cancelTab, cancelBrowser: cancelBrowser, cancelAlloc: cancelAlloc,
	}, nil
}

// resolveWebSocket turns http://host:port or ws://host:port into the
// browser's websocket address, through /json/version.
func resolveWebSocket(ctx context.Context, addr string) (string, error) {
	u, err := url.Parse(addr)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("--attach %q: give ws://host:port/devtools/browser/… or http://host:port", addr)
	}
	switch u.Scheme {
	case "ws", "wss":
		if strings.Contains(u.Path, "/devtools/browser/") {
			return addr, nil
		}
		u.Scheme = map[string]string{"ws": "http", "wss": "https"}[u.Scheme]
	case "http", "https":
	default:
		return "", fmt.Errorf("--attach %q: give ws://host:port/devtools/browser/… or http://host:port", addr)
	}
	u.Path = "/json/version"
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(rctx, http.MethodGet, u.String(), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("reach the browser at %s: %w (was it started with --remote-debugging-port?)", addr, err)
	}
	defer resp.Body.Close()
	var v struct {
		WebSocketDebuggerURL string `json:"webSocketDebuggerUrl"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&v); err != nil || v.WebSocketDebuggerURL == "" {
		return "", fmt.Errorf("%s did not answer like a browser's debugging port (%s)", u, resp.Status)
	}
	return v.WebSocketDebuggerURL, nil
}

// attachAllocator is a chromedp allocator that connects to a running browser
// through the wrapped websocket; chromedp's remote allocator cannot wrap its
// connection.
type attachAllocator struct {
	wsURL string
	wrap  Wrap
	wg    sync.WaitGroup
}

func (a *attachAllocator) Allocate(ctx context.Context, opts ...chromedp.BrowserOption) (*chromedp.Browser, error) {
	// The websocket outlives ctx a little, so that the tabs are detached
	// before it closes.
	wctx, cancel := context.WithCancel(context.Background())
	a.wg.Go(func() {
		<-ctx.Done()
		chromedp.Cancel(ctx)
		cancel()
	})
	dctx, dcancel := context.WithTimeout(wctx, 10*time.Second)
	defer dcancel()
	c, err := remote.DialContext(dctx, a.wsURL)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", a.wsURL, err)
	}
	tr, err := a.wrap(c)
	if err != nil {
		c.Close()
		return nil, err
	}
	return chromedp.NewBrowserTransport(wctx, tr, opts...)
}

func (a *attachAllocator) Wait()          { a.wg.Wait() }
func (a *attachAllocator) Attaches() bool { return true }
