// Package web is the local activation web page that `gca web` serves: a
// browser form for activation (開卡), change PIN, unblock / reset PIN
// (解卡解碼/重設PIN碼) and the certificate status (憑證狀態) of a GCA card in
// a PC/SC reader of this computer.
//
// It is a thin layer over package client, which checks the input rules and
// performs every card operation, and package messages, which renders every
// error and status in zh-TW or English. It adds no card rule of its own.
// The page's script checks the same input rules as the user types, only to
// guide them: the server checks them again through package client.
//
// A page that can change a PIN must not be reachable by other web sites, so
// the server listens on 127.0.0.1 only. It rejects requests whose Host is not
// the served address (DNS rebinding), cross-origin requests (Origin and
// Sec-Fetch-Site), and POST requests without the anti-CSRF token of a page it
// rendered. It sends no CORS headers, a strict Content-Security-Policy and
// Cache-Control: no-store, and runs one card operation at a time. Secrets
// travel only in POST bodies and are never logged, traced or sent back.
// Every file the page needs is embedded in the binary.
package web
