package taipei

import (
	"testing"
	"time"
)

// 16:00 UTC is midnight in Taiwan: the date changes there, not at 00:00 UTC.
func TestDateOfTaiwanMidnight(t *testing.T) {
	before := time.Date(2026, 3, 1, 15, 59, 59, 0, time.UTC)
	after := before.Add(time.Second)

	if got, want := DateOf(before), (Date{2026, 3, 1}); got != want {
		t.Errorf("DateOf(%s) = %s, want %s", before, got, want)
	}
	if got, want := DateOf(after), (Date{2026, 3, 2}); got != want {
		t.Errorf("DateOf(%s) = %s, want %s", after, got, want)
	}
}

func TestDaysSinceAcrossYears(t *testing.T) {
	issued := Date{2015, 9, 10}
	tests := []struct {
		d    Date
		want int
	}{
		{Date{2015, 9, 10}, 0},
		{Date{2015, 12, 9}, 90},
		{Date{2015, 12, 10}, 91},
		{Date{2015, 9, 9}, -1},
		{Date{2016, 9, 10}, 366},
	}
	for _, tt := range tests {
		if got := tt.d.DaysSince(issued); got != tt.want {
			t.Errorf("%s.DaysSince(%s) = %d, want %d", tt.d, issued, got, tt.want)
		}
	}
}

func TestAddDaysAndYears(t *testing.T) {
	if got, want := (Date{2015, 9, 10}).AddDays(90), (Date{2015, 12, 9}); got != want {
		t.Errorf("AddDays(90) = %s, want %s", got, want)
	}
	if got, want := (Date{2024, 2, 29}).AddYears(1), (Date{2025, 3, 1}); got != want {
		t.Errorf("AddYears(1) of 29 February = %s, want %s", got, want)
	}
}

func TestParseForms(t *testing.T) {
	d, err := ParseDate("2021-09-10")
	if err != nil || d != (Date{2021, 9, 10}) {
		t.Errorf("ParseDate = %s, %v", d, err)
	}
	c, err := ParseCompact("20210910")
	if err != nil || c != d {
		t.Errorf("ParseCompact = %s, %v", c, err)
	}
	if d.Compact() != "20210910" || d.String() != "2021-09-10" {
		t.Errorf("formats %q and %q", d.Compact(), d.String())
	}
	for _, bad := range []string{"2021-9-10", "2021-02-30", ""} {
		if _, err := ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) succeeded", bad)
		}
	}
	if _, err := ParseCompact("2021091"); err == nil {
		t.Error("ParseCompact of 7 digits succeeded")
	}
}

func TestEndOfDay(t *testing.T) {
	d := Date{2021, 9, 10}
	if got := d.End().Sub(d.Start()); got != 24*time.Hour-time.Second {
		t.Errorf("End - Start = %s", got)
	}
	if !d.Before(Date{2021, 9, 11}) || d.Before(d) {
		t.Error("Before is wrong around one day")
	}
}
