// Package hs holds the Harmonized System 2022 nomenclature that barter checks goods codes
// against. The data ships with the binary, so validation needs no network or setup.
package hs

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"strings"
)

//go:embed hs2022.csv
var hs2022 string

// Nomenclature is a set of HS codes (chapters, headings, subheadings) with descriptions.
type Nomenclature struct {
	desc map[string]string
}

// Load2022 parses the embedded HS 2022 nomenclature.
func Load2022() (*Nomenclature, error) {
	return Parse(hs2022)
}

// Parse reads a nomenclature in the `section,hscode,description,parent,level` layout.
func Parse(data string) (*Nomenclature, error) {
	r := csv.NewReader(strings.NewReader(data))
	r.ReuseRecord = true
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("hs: %w", err)
	}
	n := &Nomenclature{desc: make(map[string]string, len(rows))}
	for i, row := range rows {
		if i == 0 || len(row) < 3 {
			continue
		}
		code := row[1]
		switch len(code) {
		case 2, 4, 6:
			n.desc[code] = row[2]
		}
	}
	if len(n.desc) == 0 {
		return nil, fmt.Errorf("hs: no codes")
	}
	return n, nil
}

// Len reports how many codes the nomenclature holds.
func (n *Nomenclature) Len() int { return len(n.desc) }

// Describe returns the description of a 2, 4 or 6 digit code.
func (n *Nomenclature) Describe(code string) (string, bool) {
	d, ok := n.desc[code]
	return d, ok
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// CheckLine reports why code is not valid for an authorization line: a chapter (2 digits),
// a heading (4) or a subheading (6) of the nomenclature, or a national tariff line of up to
// 10 digits whose first 6 are a subheading.
func (n *Nomenclature) CheckLine(code string) error {
	if !digits(code) {
		return fmt.Errorf("%q is not a number", code)
	}
	switch l := len(code); {
	case l == 2 || l == 4:
		if _, ok := n.desc[code]; !ok {
			return fmt.Errorf("%s is not an HS 2022 %s", code, map[int]string{2: "chapter", 4: "heading"}[l])
		}
		return nil
	case l >= 6 && l <= 10:
		return n.checkSubheading(code)
	default:
		return fmt.Errorf("%s has %d digits; want 2, 4 or 6 to 10", code, l)
	}
}

// CheckDeclaration reports why code is not valid on a goods declaration: 6 to 10 digits
// whose first 6 are an HS 2022 subheading.
func (n *Nomenclature) CheckDeclaration(code string) error {
	if !digits(code) {
		return fmt.Errorf("%q is not a number", code)
	}
	if l := len(code); l < 6 || l > 10 {
		return fmt.Errorf("%s has %d digits; want 6 to 10", code, l)
	}
	return n.checkSubheading(code)
}

func (n *Nomenclature) checkSubheading(code string) error {
	if _, ok := n.desc[code[:6]]; !ok {
		return fmt.Errorf("%s is not an HS 2022 subheading", code[:6])
	}
	return nil
}
