package client_test

import (
	"errors"
	"testing"
	"time"

	"gcacard/client"
	"gcacard/internal/taipei"
)

func TestStatusFixtureCards(t *testing.T) {
	cases := []struct {
		name string
		want client.CardStatus
	}{
		{"guide-expired", client.StatusExpired},
		{"valid", client.StatusNotActivated},
		{"window-passed", client.StatusWindowPassed},
		{"activated", client.StatusValid},
		{"usercode-blocked", client.StatusUserCodeLocked},
		{"pin-blocked", client.StatusPINLocked},
		{"terminated", client.StatusTerminated},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			tc := openCard(t, tt.name)
			c, _ := tc.client()
			info, err := c.Info()
			if err != nil {
				t.Fatalf("Info: %v", err)
			}

			if got := c.Status(info); got != tt.want {
				t.Errorf("Status = %v, want %v", got, tt.want)
			}
		})
	}
}

// noonTaipei returns 12:00 Taiwan time on d, well away from midnight.
func noonTaipei(d taipei.Date) time.Time { return d.Start().Add(12 * time.Hour) }

// windowClock is an instant near the end of a card's activation window.
type windowClock struct {
	name string
	now  time.Time
	// allowed is whether activation is still allowed at now.
	allowed bool
}

// windowClocks returns instants around the end of the 90-day activation
// window of a card issued on issued.
func windowClocks(issued taipei.Date) []windowClock {
	lastDay := issued.AddDays(client.ActivationWindowDays)
	firstLateDay := issued.AddDays(client.ActivationWindowDays + 1)
	return []windowClock{
		{"day 90 noon", noonTaipei(lastDay), true},
		{"day 91 noon", noonTaipei(firstLateDay), false},
		// 15:59:59Z is 23:59:59 of day 90 in Taipei and 16:00:00Z of the
		// same UTC day is 00:00:00 of day 91, so only Taipei dates tell the
		// two apart.
		{"day 90 23:59:59 Taipei", firstLateDay.Start().Add(-time.Second).UTC(), true},
		{"day 91 00:00:00 Taipei", firstLateDay.Start().UTC(), false},
	}
}

func TestWindowClocksStraddleTaipeiMidnight(t *testing.T) {
	issued := taipei.DateOf(time.Now())
	clocks := windowClocks(issued)
	before, after := clocks[2].now, clocks[3].now

	if got := before.Format("15:04:05"); got != "15:59:59" {
		t.Errorf("clock before Taipei midnight is %s UTC, want 15:59:59", got)
	}
	if got := after.Format("15:04:05"); got != "16:00:00" {
		t.Errorf("clock at Taipei midnight is %s UTC, want 16:00:00", got)
	}
	if before.YearDay() != after.YearDay() {
		t.Errorf("clocks %s and %s fall on different UTC days", before, after)
	}
}

func TestStatusActivationWindowBoundary(t *testing.T) {
	tc := openCard(t, "valid")
	c, _ := tc.client()
	info, err := c.Info()
	if err != nil {
		t.Fatalf("Info: %v", err)
	}

	for _, clock := range windowClocks(info.Issued) {
		t.Run(clock.name, func(t *testing.T) {
			c := client.New(tc.recorder(), client.WithClock(fixedClock(clock.now)))
			want := client.StatusWindowPassed
			if clock.allowed {
				want = client.StatusNotActivated
			}

			if got := c.Status(info); got != want {
				t.Errorf("Status at %s = %v, want %v", clock.now, got, want)
			}
			if got := c.WindowPassed(info); got == clock.allowed {
				t.Errorf("WindowPassed at %s = %v, want %v", clock.now, got, !clock.allowed)
			}
		})
	}
}

func TestActivateWindowBoundary(t *testing.T) {
	// Read the issue date from one card: every valid card made today has
	// the same one.
	issued := openCard(t, "valid").issued()

	for _, clock := range windowClocks(issued) {
		t.Run(clock.name, func(t *testing.T) {
			tc := openCard(t, "valid")
			if tc.issued() != issued {
				t.Skipf("the Taiwan date changed while the test ran: issue date %s, then %s", issued, tc.issued())
			}
			c, rt := tc.client(client.WithClock(fixedClock(clock.now)))

			err := c.Activate(validUserCode, "New1234")

			if clock.allowed {
				if err != nil {
					t.Fatalf("Activate at %s = %v, want success", clock.now, err)
				}
				if got := tc.card.Status().Lifecycle; got != client.LifecycleActivated {
					t.Errorf("card lifecycle = %v, want activated", got)
				}
				return
			}
			if !errors.Is(err, client.ErrWindowPassed) {
				t.Fatalf("Activate at %s = %v, want ErrWindowPassed", clock.now, err)
			}
			if n := rt.count(insResetRetryCounter); n != 0 {
				t.Errorf("sent %d RESET RETRY COUNTER commands, want 0", n)
			}
			if got := tc.card.Status().UserCodeTries.Remaining; got != 3 {
				t.Errorf("user code tries left = %d, want 3", got)
			}
		})
	}
}

func TestActivationDeadline(t *testing.T) {
	tc := openCard(t, "valid")
	c, _ := tc.client()
	info, err := c.Info()
	if err != nil {
		t.Fatalf("Info: %v", err)
	}

	want := info.Issued.AddDays(90)
	if got := client.ActivationDeadline(info); got != want {
		t.Errorf("ActivationDeadline = %s, want %s (issue date %s plus 90 days)", got, want, info.Issued)
	}
}

func TestActivateWindowPassedCard(t *testing.T) {
	tc := openCard(t, "window-passed")
	c, rt := tc.client()

	err := c.Activate(windowPassedUserCode, "New1234")

	if !errors.Is(err, client.ErrWindowPassed) {
		t.Fatalf("Activate = %v, want ErrWindowPassed", err)
	}
	if n := rt.count(insResetRetryCounter); n != 0 {
		t.Errorf("sent %d RESET RETRY COUNTER commands, want 0", n)
	}
}

// TestStatusWindowIgnoredWhenActivated checks that the 90-day window only
// concerns cards that are not activated yet.
func TestStatusWindowIgnoredWhenActivated(t *testing.T) {
	tc := openCard(t, "activated")
	c, _ := tc.client()
	info, err := c.Info()
	if err != nil {
		t.Fatalf("Info: %v", err)
	}
	late := client.New(tc.recorder(), client.WithClock(fixedClock(noonTaipei(info.Issued.AddDays(200)))))

	if got := late.Status(info); got != client.StatusValid {
		t.Errorf("Status 200 days after issue = %v, want valid", got)
	}
}

func TestStatusExpiryBoundary(t *testing.T) {
	tc := openCard(t, "activated")
	c, _ := tc.client()
	info, err := c.Info()
	if err != nil {
		t.Fatalf("Info: %v", err)
	}

	atEnd := client.New(tc.recorder(), client.WithClock(fixedClock(info.NotAfter)))
	if got := atEnd.Status(info); got != client.StatusValid {
		t.Errorf("Status at NotAfter %s = %v, want valid", info.NotAfter, got)
	}
	after := client.New(tc.recorder(), client.WithClock(fixedClock(info.NotAfter.Add(time.Second))))
	if got := after.Status(info); got != client.StatusExpired {
		t.Errorf("Status one second after NotAfter = %v, want expired", got)
	}
}

func TestStatusUserCodeBlockedPastWindow(t *testing.T) {
	tc := openCard(t, "usercode-blocked")
	c, _ := tc.client()
	info, err := c.Info()
	if err != nil {
		t.Fatalf("Info: %v", err)
	}
	late := client.New(tc.recorder(), client.WithClock(fixedClock(noonTaipei(info.Issued.AddDays(91)))))

	if got := late.Status(info); got != client.StatusWindowPassed {
		t.Errorf("Status on day 91 = %v, want window passed, which takes precedence", got)
	}
}

func TestStatusStrings(t *testing.T) {
	want := map[client.CardStatus]string{
		client.StatusTerminated:     "terminated",
		client.StatusExpired:        "expired",
		client.StatusWindowPassed:   "activation window passed",
		client.StatusUserCodeLocked: "user code locked",
		client.StatusNotActivated:   "not activated",
		client.StatusPINLocked:      "PIN locked",
		client.StatusValid:          "valid",
	}
	for status, name := range want {
		if got := status.String(); got != name {
			t.Errorf("CardStatus(%d).String() = %q, want %q", int(status), got, name)
		}
	}
}
