package console_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/apidriven/api-driven/emulator/console"
	"github.com/apidriven/api-driven/emulator/emulatortest"
	"github.com/apidriven/api-driven/internal/browsertest"
	"github.com/apidriven/api-driven/internal/projecttest"
)

// recordBadges keeps every state the instance's badge shows, so that the
// test can tell that stopping was shown while it lasted.
const recordBadges = `(() => {
  window.__seen = [];
  const rec = () => {
    const b = document.querySelector('#instances .badge');
    if (b && window.__seen[window.__seen.length - 1] !== b.textContent) window.__seen.push(b.textContent);
  };
  new MutationObserver(rec).observe(document.getElementById('instances'), {subtree: true, childList: true, characterData: true});
  rec();
  return true;
})()`

func poll(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(60*time.Second), chromedp.WithPollingInterval(50*time.Millisecond))
}

func badgeIs(state string) chromedp.Action[chromedp.Void] {
	return poll(`document.querySelector('#instances .badge')?.textContent === '` + state + `'`)
}

func answerHas(s string) chromedp.Action[chromedp.Void] {
	return poll(`document.getElementById('answer').textContent.startsWith('HTTP 200') && document.getElementById('answer').textContent.includes('` + s + `')`)
}

// TestConsoleStopsTheInstance opens the console in a real headless
// Chromium on the deployed project, presses Status then Stop, and sees the
// badge go through stopping to stopped and the stop's trace appear with
// its StopInstances span; it saves a laptop and a phone screenshot.
func TestConsoleStopsTheInstance(t *testing.T) {
	p := projecttest.Deploy(t, emulatortest.WithTransitionDelay(1500*time.Millisecond))
	o := p.Outputs
	tab := browsertest.Browser(t, 1280, 900)
	if err := chromedp.Do(tab); err != nil { // starts the browser, without a deadline
		t.Fatalf("failed to start Chromium: %v", err)
	}
	ctx, cancel := context.WithTimeout(tab, 3*time.Minute)
	defer cancel()
	step := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			failed(tab, t)
			t.Fatalf("%s: %v", what, err)
		}
	}

	step("open the console and press Status",
		chromedp.Navigate(p.Server.URL()+console.Prefix),
		chromedp.WaitVisible(chromedp.ID("btn-stop")),
		badgeIs("running"),
		chromedp.Click(chromedp.ID("btn-status")),
		answerHas(o.InstanceID),
	)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](recordBadges)); err != nil {
		t.Fatal(err)
	}
	// The project's methods need no API key: its field stays hidden.
	if shown, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('apikey-row').offsetParent !== null`)); err != nil || shown {
		t.Errorf("the x-api-key field is shown for an API without API keys (%v)", err)
	}
	step("press Stop", chromedp.Click(chromedp.ID("btn-stop")), answerHas(`"previousState": "running"`), badgeIs("stopped"))
	seen, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__seen`))
	if err != nil || strings.Join(seen, " → ") != "running → stopping → stopped" {
		t.Errorf("the badge showed %v (%v), want running → stopping → stopped", seen, err)
	}

	// The stop's trace: in the list with its StopInstances call, shown
	// (the newest is followed) with the span and the transitions.
	step("see the stop's trace",
		poll(`[...document.querySelectorAll('#request-list .tag.call')].some(e => e.textContent === 'ec2 StopInstances')`),
		poll(`[...document.querySelectorAll('#detail .waterfall .label')].some(e => e.textContent.includes('stopping → stopped'))`),
	)
	labels, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#detail .waterfall .label')].map(e => e.textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"API Gateway", "handler " + o.FunctionName, "ec2 StopInstances " + o.InstanceID, "EC2 running → stopping", "EC2 stopping → stopped"} {
		if !containsPrefix(labels, w) {
			t.Errorf("waterfall rows %q lack %q", labels, w)
		}
	}

	// The keyboard moves through the requests.
	step("press ArrowDown in the request list",
		chromedp.Focus(chromedp.CSS("#request-list li:first-child button")),
		chromedp.KeyEvent(kb.ArrowDown),
		poll(`document.querySelector('#request-list li:nth-child(2) button').getAttribute('aria-current') === 'true'`),
		chromedp.Click(chromedp.CSS("#request-list li:first-child button")),
	)

	laptop, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	browsertest.Save(t, "console-laptop.png", laptop)
	step("narrow the window to a phone's", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Sleep(300*time.Millisecond))
	overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
	if err != nil || overflow {
		t.Errorf("at phone width the page scrolls sideways (%v)", err)
	}
	phone, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	browsertest.Save(t, "console-phone.png", phone)
}

// failed saves what the page showed when a step failed.
func failed(tab context.Context, t *testing.T) {
	shot, cancel := context.WithTimeout(tab, 10*time.Second)
	defer cancel()
	if png, err := chromedp.Run(shot, chromedp.FullScreenshot(100)); err == nil {
		browsertest.Save(t, "console-failed.png", png)
	}
}

func containsPrefix(items []string, prefix string) bool {
	for _, s := range items {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}
