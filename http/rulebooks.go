package http

import (
	"maps"
	"net/http"
	"slices"

	"github.com/barter-clearing/barter"
)

// Rulebook is one version of the rules, as published to traders.
type Rulebook struct {
	Regime      string   `json:"regime"`
	Description string   `json:"description"`
	Partners    []string `json:"partners"` // the countries a counterparty may be in
	Home        string   `json:"home"`     // the traders' country
	Currency    string   `json:"currency"` // the unit of account
	ImportFirst bool     `json:"import_first"`
	NetOffDays  int      `json:"net_off_days"`
	Tolerance   string   `json:"tolerance"` // a fraction of the larger leg
	Consortiums bool     `json:"consortiums"`
	Undertaking bool     `json:"undertaking"` // approval needs a sanctions undertaking
}

// NewRulebooks returns the rulebooks in force, by regime.
func NewRulebooks(rbs barter.Rulebooks) []Rulebook {
	out := []Rulebook{}
	for _, regime := range slices.Sorted(maps.Keys(rbs)) {
		rb := rbs[regime]
		out = append(out, Rulebook{rb.Regime, rb.Descriptions, slices.Clone(rb.Partners), rb.Home, rb.Currency, rb.ImportFirst, rb.NetOffDays,
			rb.Tolerance.String(), rb.Consortiums, rb.Undertaking})
	}
	return out
}

func (s *Server) rulebooks(*http.Request) (int, any, error) {
	return http.StatusOK, NewRulebooks(s.Service.Rulebooks), nil
}
