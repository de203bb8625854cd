// Package browsertest drives headless Chromium for the tests of the pages
// the binary serves (package overlay's broadcast overlay): it finds the
// browser, starts it with the flags a container and loopback WebRTC need,
// opens a page over a transparent background, waits on the page's state
// and reads screenshots in the page's own pixel frame.
//
// A missing Chromium skips the test, or fails it when `make test` requires
// every dependency (testenv.Missing).
package browsertest

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/athlete3d/athlete3d/internal/testenv"
)

// ChromiumEnv names another browser binary than Debian's chromium.
const ChromiumEnv = "ATHLETE3D_CHROMIUM"

// Chromium returns the browser's path, or skips (fails, when required).
func Chromium(t testing.TB) string {
	t.Helper()
	names := []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"}
	if p := os.Getenv(ChromiumEnv); p != "" {
		names = []string{p}
	}
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	testenv.Missing(t, "no Chromium found (install the Debian package chromium, or set %s)", ChromiumEnv)
	return ""
}

// Start starts headless Chromium with a fresh profile, stopped when the
// test ends, and returns the browser's context for Open.
func Start(t testing.TB, width, height int) context.Context {
	t.Helper()
	bin := Chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.WindowSize(width, height),
		// Chromium hides its host addresses behind mDNS names unless told
		// not to; loopback candidates let WebRTC run without a network.
		chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,WebRtcHideLocalIpsWithMdns"),
		chromedp.Flag("allow-loopback-in-peer-connection", true),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	if err := chromedp.Do(browser); err != nil { // starts the browser
		t.Fatalf("start %s: %v", bin, err)
	}
	return browser
}

// transparentBackground is Emulation.setDefaultBackgroundColorOverride with
// an alpha of 0 written out (the generated type omits a zero alpha, which
// the browser reads as opaque).
var transparentBackground = cdp.Command[map[string]any, cdp.Empty]{Method: emulation.CommandSetDefaultBackgroundColorOverride}

// Open opens url in a new tab of browser, width x height, over a
// transparent background (as a broadcast mixer's browser source shows a
// page), and returns the tab's context, done after timeout.
func Open(t testing.TB, browser context.Context, url string, width, height int, timeout time.Duration) context.Context {
	t.Helper()
	tab, cancelTab := chromedp.NewContext(browser)
	ctx, cancel := context.WithTimeout(tab, timeout)
	t.Cleanup(func() { cancel(); cancelTab() })
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(int64(width), int64(height)),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, transparentBackground,
				map[string]any{"color": map[string]any{"r": 0, "g": 0, "b": 0, "a": 0}})
			return err
		}),
		chromedp.Navigate(url),
	)
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	return ctx
}

// Wait polls the JavaScript expression until it is true.
func Wait(ctx context.Context, expr string) error {
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(50*time.Millisecond)))
	return err
}

// Eval evaluates the JavaScript expression, awaiting it when it is a
// promise, and decodes its JSON value into v.
func Eval(ctx context.Context, expr string, v any) error {
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

// Screenshot captures the tab.
func Screenshot(t testing.TB, ctx context.Context) image.Image {
	t.Helper()
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	return img
}

// Contain maps a picture of w x h pixels, scaled to fit img and centred
// (CSS object-fit: contain), to img's pixels.
type Contain struct {
	min           image.Point
	scale, ox, oy float64
}

// NewContain fits a w x h picture into img.
func NewContain(img image.Image, w, h int) Contain {
	b := img.Bounds()
	s := math.Min(float64(b.Dx())/float64(w), float64(b.Dy())/float64(h))
	return Contain{min: b.Min, scale: s, ox: (float64(b.Dx()) - float64(w)*s) / 2, oy: (float64(b.Dy()) - float64(h)*s) / 2}
}

// At returns img's pixel for the picture's point (u, v).
func (c Contain) At(u, v float64) image.Point {
	return image.Pt(c.min.X+int(math.Round(c.ox+u*c.scale)), c.min.Y+int(math.Round(c.oy+v*c.scale)))
}

// Near reports whether a pixel of p's 3x3 neighbourhood satisfies is:
// where a line's centre falls antialiasing may shift its colour by a pixel.
func Near(img image.Image, p image.Point, is func(color.Color) bool) bool {
	for dy := -1; dy <= 1; dy++ {
		for dx := -1; dx <= 1; dx++ {
			if is(img.At(p.X+dx, p.Y+dy)) {
				return true
			}
		}
	}
	return false
}

// Red reports an opaque, clearly red pixel.
func Red(c color.Color) bool {
	r, g, b, a := c.RGBA()
	return r>>8 > 180 && g>>8 < 80 && b>>8 < 80 && a>>8 > 180
}

// Transparent reports a pixel with nothing drawn.
func Transparent(c color.Color) bool {
	_, _, _, a := c.RGBA()
	return a == 0
}
