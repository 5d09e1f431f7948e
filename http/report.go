package http

import (
	"net/http"

	"github.com/barter-clearing/barter"
)

// Report is the regulator's report on a period (see barter.Report), amounts in the unit
// of account.
type Report struct {
	From      string                 `json:"from"`
	To        string                 `json:"to"`
	Partners  []PartnerTrade         `json:"partners"`
	Chapters  []ChapterTotal         `json:"chapters"`
	Issued    map[string]int         `json:"issued"`    // by rulebook
	Cancelled []Cancelled            `json:"cancelled"` // in the period
	Standing  map[string]StatusTotal `json:"standing"`  // at its end, by status
	Overdue   []Position             `json:"overdue"`   // at its end, largest imbalance first
}

// PartnerTrade is the trade booked in the period with one partner country.
type PartnerTrade struct {
	Country        string `json:"country"`
	Authorizations int    `json:"authorizations"`
	Imports        string `json:"imports"`
	Exports        string `json:"exports"`
	Net            string `json:"net"` // exports minus imports
}

// ChapterTotal is what was declared under one HS chapter in one direction.
type ChapterTotal struct {
	Chapter      string `json:"chapter"`
	Direction    string `json:"direction"`
	Declarations int64  `json:"declarations"`
	Value        string `json:"value"`
}

// Cancelled is an authorization cancelled in the period, and why.
type Cancelled struct {
	Authorization string `json:"authorization"`
	Party         string `json:"party"`
	Counterparty  string `json:"counterparty"`
	Day           string `json:"cancelled"`
	Reason        string `json:"reason"`
}

// StatusTotal counts the positions of one status and what they still owe each way.
type StatusTotal struct {
	Count      int    `json:"count"`
	ExportsDue string `json:"exports_due"` // by those that imported more than they exported
	ImportsDue string `json:"imports_due"` // by those that exported more
}

// NewReport returns the JSON form of r.
func NewReport(r *barter.Report) Report {
	out := Report{From: r.From.String(), To: r.To.String(), Partners: []PartnerTrade{}, Chapters: []ChapterTotal{}, Issued: r.Issued,
		Cancelled: []Cancelled{}, Standing: map[string]StatusTotal{}, Overdue: []Position{}}
	for _, p := range r.Partners {
		out.Partners = append(out.Partners, PartnerTrade{p.Country, p.Authorizations, barter.FormatHome(p.Imports), barter.FormatHome(p.Exports),
			barter.FormatHome(p.Exports.Sub(p.Imports))})
	}
	for _, c := range r.Chapters {
		out.Chapters = append(out.Chapters, ChapterTotal{c.Chapter, string(c.Direction), c.Declarations, barter.FormatHome(c.Value)})
	}
	for _, a := range r.Cancelled {
		out.Cancelled = append(out.Cancelled, Cancelled{a.Number, a.Party, a.Counterparty, a.Cancelled.String(), a.Reason})
	}
	for status, st := range r.Standing {
		out.Standing[string(status)] = StatusTotal{st.Count, barter.FormatHome(st.ExportsDue), barter.FormatHome(st.ImportsDue)}
	}
	for i := range r.Overdue {
		out.Overdue = append(out.Overdue, NewPosition(&r.Overdue[i]))
	}
	return out
}

// report is the regulator's report on ?from= to ?to= (both required).
func (s *Server) report(r *http.Request) (int, any, error) {
	q := query{r}
	from, err := requiredDate("from", q.str("from"))
	if err != nil {
		return 0, nil, err
	}
	to, err := requiredDate("to", q.str("to"))
	if err != nil {
		return 0, nil, err
	}
	rep, err := s.Service.Report(r.Context(), from, to)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, NewReport(rep), nil
}
