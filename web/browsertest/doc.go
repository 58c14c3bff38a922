// Package browsertest holds the end-to-end test of the activation web page:
// the built `gca web` in headless Chromium, driven through the DevTools
// protocol with github.com/chromedp/chromedp, against a virtual card that
// `gcacard serve` puts into a vpcd reader of the machine's pcscd.
//
// It has no code outside its tests. The test saves a screenshot of each
// state of the page under reports/web, or the folder that
// GCACARD_WEB_SCREENSHOTS names.
package browsertest
