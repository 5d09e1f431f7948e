package barter

import (
	"fmt"
	"time"
)

// Date is a calendar day, without time of day or zone. It is a day number, not a
// time.Time: a long import holds millions of them, and a number costs the garbage
// collector nothing to scan.
type Date struct{ n int32 } // days since 1970-01-01 plus dateBias; 0 is the zero Date

// dateBias keeps every real day's number away from 0, the zero Date's.
const dateBias = 1 << 30

// DateLayout is how dates are written everywhere: ISO 8601, "2024-10-01".
const DateLayout = "2006-01-02"

// ParseDate parses a YYYY-MM-DD date.
func ParseDate(s string) (Date, error) {
	// The common case without time.Parse's generality: stored dates are read by the
	// hundred thousand.
	if len(s) == 10 && s[4] == '-' && s[7] == '-' {
		y, ok1 := atoi(s[0:4])
		m, ok2 := atoi(s[5:7])
		d, ok3 := atoi(s[8:10])
		if ok1 && ok2 && ok3 && m >= 1 && m <= 12 && d >= 1 && d <= daysIn(time.Month(m), y) {
			return civilDate(y, m, d), nil
		}
	}
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date (YYYY-MM-DD)", s)
	}
	return DateOf(t), nil
}

// MustDate parses s and panics on error; for literals in tests and demo data.
func MustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// DateOf returns the calendar day of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return civilDate(y, int(m), d)
}

// civilDate numbers a day of the proleptic Gregorian calendar (after H. Hinnant,
// "chrono-compatible low-level date algorithms").
func civilDate(y, m, d int) Date {
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return Date{int32(era*146097 + doe - 719468 + dateBias)}
}

// civil returns the year, month and day of d.
func (d Date) civil() (y, m, day int) {
	z := int(d.n) - dateBias + 719468
	era := z
	if era < 0 {
		era -= 146096
	}
	era /= 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if m > 12 {
		m -= 12
	}
	y = yoe + era*400
	if m <= 2 {
		y++
	}
	return y, m, day
}

// Time returns the start of the day in UTC.
func (d Date) Time() time.Time {
	if d.n == 0 {
		return time.Time{}
	}
	return time.Unix(int64(int(d.n)-dateBias)*86400, 0).UTC()
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d.n == 0 }

// AddDays returns d moved n days; the zero Date stays zero.
func (d Date) AddDays(n int) Date {
	if d.n == 0 {
		return d
	}
	return Date{d.n + int32(n)}
}

// DaysUntil returns the number of days from d to e (negative when e is earlier).
func (d Date) DaysUntil(e Date) int { return int(e.n) - int(d.n) }

// Before reports whether d is earlier than e.
func (d Date) Before(e Date) bool { return d.n < e.n }

// After reports whether d is later than e.
func (d Date) After(e Date) bool { return d.n > e.n }

// String formats d as YYYY-MM-DD, or "" for the zero Date.
func (d Date) String() string {
	var b [10]byte
	return string(d.Append(b[:0]))
}

// Append appends d to b formatted as String does.
func (d Date) Append(b []byte) []byte {
	if d.IsZero() {
		return b
	}
	y, m, day := d.civil()
	if y < 0 || y > 9999 {
		return d.Time().AppendFormat(b, DateLayout)
	}
	return append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-', byte('0'+day/10), byte('0'+day%10))
}

// MarshalText implements encoding.TextMarshaler.
func (d Date) MarshalText() ([]byte, error) { return d.Append(nil), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

func atoi(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
