// Package taipei handles calendar dates as Taiwan counts them (UTC+8), the
// dates printed on a GCA card and used by its 90-day activation window.
//
// Taiwan has kept UTC+8 without daylight saving since 1979, so a fixed zone
// is exact for every date this project deals with and needs no tzdata.
package taipei

import (
	"fmt"
	"time"
)

// Location is Taiwan time, UTC+8.
var Location = time.FixedZone("Asia/Taipei", 8*60*60)

// Date is a calendar date in Taiwan time.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the Taiwan calendar date of the instant t.
func DateOf(t time.Time) Date {
	y, m, d := t.In(Location).Date()
	return Date{y, m, d}
}

// ParseDate parses an ISO 8601 date such as 2015-09-10.
func ParseDate(s string) (Date, error) {
	t, err := time.ParseInLocation(time.DateOnly, s, Location)
	if err != nil {
		return Date{}, fmt.Errorf("invalid date %q, want YYYY-MM-DD: %w", s, err)
	}
	return DateOf(t), nil
}

// ParseCompact parses the 8-digit form YYYYMMDD stored on the card.
func ParseCompact(s string) (Date, error) {
	t, err := time.ParseInLocation("20060102", s, Location)
	if err != nil {
		return Date{}, fmt.Errorf("invalid date %q, want YYYYMMDD: %w", s, err)
	}
	return DateOf(t), nil
}

// Start returns midnight at the start of the date, Taiwan time.
func (d Date) Start() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, Location)
}

// End returns the last second of the date, Taiwan time.
func (d Date) End() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 23, 59, 59, 0, Location)
}

// AddDays returns the date n calendar days later (earlier for negative n).
func (d Date) AddDays(n int) Date {
	return DateOf(d.Start().AddDate(0, 0, n))
}

// AddYears returns the same month and day n years later, normalised as
// time.AddDate does (29 February becomes 1 March in a common year).
func (d Date) AddYears(n int) Date {
	return DateOf(d.Start().AddDate(n, 0, 0))
}

// DaysSince returns the number of calendar days from earlier to d.
func (d Date) DaysSince(earlier Date) int {
	a := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
	b := time.Date(earlier.Year, earlier.Month, earlier.Day, 0, 0, 0, 0, time.UTC)
	return int(a.Sub(b).Hours() / 24)
}

// Before reports whether d comes before other.
func (d Date) Before(other Date) bool { return d.DaysSince(other) < 0 }

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// String returns the date as YYYY-MM-DD.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Compact returns the date as YYYYMMDD, the form stored on the card.
func (d Date) Compact() string {
	return fmt.Sprintf("%04d%02d%02d", d.Year, int(d.Month), d.Day)
}

// MarshalText encodes the date as YYYY-MM-DD.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText decodes a YYYY-MM-DD date.
func (d *Date) UnmarshalText(b []byte) error {
	parsed, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = parsed
	return nil
}
