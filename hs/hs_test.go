package hs_test

import (
	"testing"

	"github.com/barter-clearing/barter/hs"
)

func MustLoad(tb testing.TB) *hs.Nomenclature {
	tb.Helper()
	n, err := hs.Load2022()
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

func TestNomenclature_Check(t *testing.T) {
	n := MustLoad(t)
	if got := n.Len(); got < 6000 {
		t.Fatalf("Len() = %d, want the full nomenclature (> 6000)", got)
	}
	tests := []struct {
		code        string
		line, gdecl bool
	}{
		{"10", true, false},
		{"1006", true, false},
		{"100630", true, true},
		{"10063010", true, true},
		{"1006301099", true, true},
		{"10063010991", false, false},
		{"77", false, false},
		{"1099", false, false},
		{"100699", false, false},
		{"1006x0", false, false},
		{"100", false, false},
		{"", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			if err := n.CheckLine(tt.code); (err == nil) != tt.line {
				t.Errorf("CheckLine(%q) = %v, want ok=%v", tt.code, err, tt.line)
			}
			if err := n.CheckDeclaration(tt.code); (err == nil) != tt.gdecl {
				t.Errorf("CheckDeclaration(%q) = %v, want ok=%v", tt.code, err, tt.gdecl)
			}
		})
	}
}
