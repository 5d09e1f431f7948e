package barter_test

import (
	"strings"
	"testing"
	"time"

	"github.com/barter-clearing/barter"
)

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		in    string
		scale int
		want  string // "" means an error
	}{
		{"0", 2, "0"},
		{"1234.50", 2, "1234.5"},
		{"-7", 2, "-7"},
		{"+7.1", 2, "7.1"},
		{"0.001", 2, ""},
		{"1e5", 2, ""},
		{"1,000", 2, ""},
		{" 1", 2, ""},
		{"", 2, ""},
		{".5", 2, ""},
		{"5.", 2, ""},
		{"-", 2, ""},
		{"NaN", 2, ""},
		{"1.2.3", 2, ""},
		{strings.Repeat("9", 21), 2, ""},
	}
	for _, tt := range tests {
		got, err := barter.ParseDecimal(tt.in, tt.scale)
		if tt.want == "" {
			if err == nil {
				t.Errorf("ParseDecimal(%q) = %s, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got.String() != tt.want {
			t.Errorf("ParseDecimal(%q) = %s, %v; want %s", tt.in, got, err, tt.want)
		}
	}
}

func TestRoundHome(t *testing.T) {
	for in, want := range map[string]string{
		"1.005": "1.00", "1.015": "1.02", "1.025": "1.02", "-1.005": "-1.00", "2.5051": "2.51", "7": "7.00",
	} {
		d, err := barter.ParseDecimal(in, 8)
		if err != nil {
			t.Fatal(err)
		}
		if got := barter.FormatHome(barter.RoundHome(d)); got != want {
			t.Errorf("RoundHome(%s) = %s, want %s (half to even)", in, got, want)
		}
	}
}

func TestMinorUnits(t *testing.T) {
	d, _ := barter.ParseDecimal("12345.67", 2)
	n, err := barter.MinorUnits(d)
	if err != nil || n != 1234567 {
		t.Fatalf("MinorUnits = %d, %v; want 1234567", n, err)
	}
	if got := barter.FromMinorUnits(n); !got.Equal(d) {
		t.Errorf("FromMinorUnits = %s, want %s", got, d)
	}
	big, err := barter.ParseDecimal("99999999999999999999", 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := barter.MinorUnits(big); err == nil {
		t.Error("MinorUnits(1e20) succeeded; want an overflow error")
	}
	frac, _ := barter.ParseDecimal("1.001", 4)
	if _, err := barter.MinorUnits(frac); err == nil {
		t.Error("MinorUnits(1.001) succeeded; want an error for the third decimal")
	}
}

// FuzzParseDecimal checks that whatever parses round-trips exactly through its string
// form and respects the scale.
func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"0", "1.5", "-12.3456", "1e3", "99999999999999999999.9999", "", "+.", "0.00001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := barter.ParseDecimal(s, 4)
		if err != nil {
			return
		}
		if d.Exponent() < -4 {
			t.Fatalf("ParseDecimal(%q) kept %d decimals; scale is 4", s, -d.Exponent())
		}
		back, err := barter.ParseDecimal(d.String(), 4)
		if err != nil || !back.Equal(d) {
			t.Fatalf("round trip of %q: %s -> %s, %v", s, d, back, err)
		}
	})
}

func TestParseDate(t *testing.T) {
	for _, ok := range []string{"2024-02-29", "2023-12-31", "1999-01-01"} {
		d, err := barter.ParseDate(ok)
		if err != nil || d.String() != ok {
			t.Errorf("ParseDate(%q) = %v, %v", ok, d, err)
		}
	}
	for _, bad := range []string{"2023-02-29", "2024-13-01", "2024-00-10", "2024-1-10", "24-01-10", "2024/01/10", "", "2024-01-32"} {
		if d, err := barter.ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) = %v, want an error", bad, d)
		}
	}
}

// TestDateArithmetic walks day by day across four centuries of the calendar, checking
// each day's number against package time both ways.
func TestDateArithmetic(t *testing.T) {
	start := time.Date(1899, 12, 25, 0, 0, 0, 0, time.UTC)
	d := barter.DateOf(start)
	for i := 0; i < 146097+10; i++ {
		want := start.AddDate(0, 0, i)
		if got := d.AddDays(i); got.String() != want.Format(barter.DateLayout) || !got.Time().Equal(want) || d.DaysUntil(got) != i {
			t.Fatalf("day %d: got %s (%v, %d days on), want %s", i, got, got.Time(), d.DaysUntil(got), want.Format(barter.DateLayout))
		}
		if back := barter.DateOf(want); back != d.AddDays(i) || !back.After(d.AddDays(i-1)) || !d.AddDays(i-1).Before(back) {
			t.Fatalf("DateOf(%v) = %s, want day %d", want, back, i)
		}
	}
	var zero barter.Date
	if !zero.IsZero() || zero.String() != "" || !zero.AddDays(3).IsZero() || !zero.Time().IsZero() {
		t.Errorf("the zero Date: %q, %v", zero.String(), zero.Time())
	}
}

// FuzzParseDate checks the fast path against time.Parse.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2024-02-29", "2023-02-29", "9999-12-31", "2024-1a-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := barter.ParseDate(s)
		ref, refErr := time.Parse(barter.DateLayout, s)
		if (err == nil) != (refErr == nil) || (err == nil && !d.IsZero() && d.String() != ref.Format(barter.DateLayout)) {
			t.Fatalf("ParseDate(%q) = %v, %v; time.Parse: %v, %v", s, d, err, ref, refErr)
		}
	})
}
