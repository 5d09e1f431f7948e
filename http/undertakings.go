package http

import (
	"net/http"

	"github.com/barter-clearing/barter"
)

// Undertaking is an undertaking that a foreign party is not a sanctioned entity.
type Undertaking struct {
	ID           int64  `json:"id"`
	Giver        string `json:"giver,omitempty"`
	Chamber      string `json:"chamber,omitempty"`
	Counterparty string `json:"counterparty"`
	Day          string `json:"day"`
	Signatory    string `json:"signatory"`
	Text         string `json:"text,omitempty"`
	Document     string `json:"document,omitempty"` // SHA-256 of the signed document, hex
}

// NewUndertaking converts an undertaking for the API.
func NewUndertaking(u *barter.Undertaking) Undertaking {
	return Undertaking{u.ID, u.Giver, u.Chamber, u.Counterparty, u.Day.String(), u.Signatory, u.Text, u.Document}
}

func (s *Server) undertakings(r *http.Request) (int, any, error) {
	us, err := s.Service.Undertakings(r.Context(), query{r}.str("counterparty"))
	if err != nil {
		return 0, nil, err
	}
	out, err := paginate(r, us, NewUndertaking)
	return http.StatusOK, out, err
}

// undertakingInput is an undertaking as the API and the registry page's form send it.
type undertakingInput struct {
	Giver        string `json:"giver"`
	Chamber      string `json:"chamber"`
	Counterparty string `json:"counterparty"`
	Day          string `json:"day"`
	Signatory    string `json:"signatory"`
	Text         string `json:"text"`
	Document     string `json:"document"`
}

// file records the undertaking.
func (in *undertakingInput) file(r *http.Request, svc *barter.Service) (*barter.Undertaking, error) {
	day, err := requiredDate("day", in.Day)
	if err != nil {
		return nil, err
	}
	return svc.RecordUndertaking(r.Context(), &barter.Undertaking{Giver: in.Giver, Chamber: in.Chamber, Counterparty: in.Counterparty,
		Day: day, Signatory: in.Signatory, Text: in.Text, Document: in.Document})
}

// recordUndertaking files an undertaking: {"counterparty", "giver" or "chamber", "day",
// "signatory", "text", "document"}.
func (s *Server) recordUndertaking(r *http.Request) (int, any, error) {
	var in undertakingInput
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	u, err := in.file(r, s.Service)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, NewUndertaking(u), nil
}
