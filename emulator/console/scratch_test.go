package console_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/apidriven/api-driven/emulator/console"
	"github.com/apidriven/api-driven/emulator/emulatortest"
	"github.com/apidriven/api-driven/internal/browsertest"
	"github.com/apidriven/api-driven/internal/projecttest"
)

func TestScratchShots(t *testing.T) {
	p := projecttest.Deploy(t, emulatortest.WithTransitionDelay(1500*time.Millisecond))
	tab := browsertest.Browser(t, 1280, 900)
	chromedp.Do(tab)
	ctx, cancel := context.WithTimeout(tab, 3*time.Minute)
	defer cancel()
	err := chromedp.Do(ctx, chromedp.Navigate(p.Server.URL()+console.Prefix), chromedp.WaitVisible(chromedp.ID("btn-stop")),
		chromedp.Click(chromedp.ID("btn-status")), answerHas("running"), chromedp.Click(chromedp.ID("btn-stop")), chromedp.Sleep(500*time.Millisecond),
		chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('details').forEach(d => d.open = true)`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	browsertest.Save(t, "laptop.png", b)
	chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Sleep(2*time.Second))
	for i := 0; i < 6; i++ {
		chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`window.scrollTo(0, %d)`, i*800)), chromedp.Sleep(200*time.Millisecond))
		b, _ = chromedp.Run(ctx, chromedp.CaptureScreenshot())
		browsertest.Save(t, fmt.Sprintf("phone-%d.png", i), b)
	}
}
