package client

import "gcacard/internal/taipei"

// CardStatus is the certificate status (憑證狀態) the GCA pages show.
type CardStatus int

// Card statuses, checked in this order of precedence.
const (
	StatusTerminated     CardStatus = iota + 1 // 卡片損毀
	StatusExpired                              // 已過期
	StatusWindowPassed                         // 逾期未開卡
	StatusUserCodeLocked                       // 用戶代碼已鎖定
	StatusNotActivated                         // 未開卡
	StatusPINLocked                            // PIN碼已鎖定
	StatusValid                                // 有效
)

var statusNames = map[CardStatus]string{
	StatusTerminated:     "terminated",
	StatusExpired:        "expired",
	StatusWindowPassed:   "activation window passed",
	StatusUserCodeLocked: "user code locked",
	StatusNotActivated:   "not activated",
	StatusPINLocked:      "PIN locked",
	StatusValid:          "valid",
}

func (s CardStatus) String() string { return statusNames[s] }

// Status returns the card's certificate status at the client's clock.
// A blocked user code on an activated card leaves it valid: the PIN still
// works, and the user code is needed only to unblock it.
func (c *Client) Status(info *Info) CardStatus {
	switch {
	case info.Lifecycle == LifecycleTerminated:
		return StatusTerminated
	case c.now().After(info.NotAfter):
		return StatusExpired
	case info.Lifecycle != LifecycleActivated:
		return c.issuedStatus(info)
	case info.PIN.Blocked:
		return StatusPINLocked
	}
	return StatusValid
}

func (c *Client) issuedStatus(info *Info) CardStatus {
	switch {
	case c.WindowPassed(info):
		return StatusWindowPassed
	case info.UserCode.Blocked:
		return StatusUserCodeLocked
	}
	return StatusNotActivated
}

// WindowPassed reports whether today, in Taiwan dates, is more than 90
// days after the card's issue date.
func (c *Client) WindowPassed(info *Info) bool {
	return c.today().DaysSince(info.Issued) > ActivationWindowDays
}

// ActivationDeadline returns the last day activation is allowed.
func ActivationDeadline(info *Info) taipei.Date {
	return info.Issued.AddDays(ActivationWindowDays)
}
