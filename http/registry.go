package http

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/barter-clearing/barter"
)

// registryListing is the registry page: the consortiums (not shown to traders, as the
// registry's lists are not theirs), and the undertakings on file, paged, with a form to
// file one.
type registryListing struct {
	listing
	Consortiums  []barter.Consortium
	ShowMembers  bool
	Counterparty string
	Notice       string
}

func (s *Server) registryPage(r *http.Request) (any, error) {
	q := query{r}
	page := registryListing{Counterparty: q.str("counterparty"), Notice: q.str("done")}
	cs, err := s.Service.Consortiums(r.Context())
	switch {
	case err == nil:
		page.Consortiums, page.ShowMembers = cs, true
	case barter.ErrorCode(err) != barter.EForbidden:
		return nil, err
	}
	us, err := s.Service.Undertakings(r.Context(), page.Counterparty)
	if err != nil {
		return nil, err
	}
	from, to, prev, next, err := cut(r, len(us))
	if err != nil {
		return nil, err
	}
	page.listing = listing{Items: us[from:to], From: from + 1, To: to, Total: len(us), PrevLink: prev, NextLink: next}
	return page, nil
}

// undertakingForm files an undertaking from the registry page and sends the browser
// back to it.
func (s *Server) undertakingForm(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, s.MaxBody)
	u, err := s.fileUndertaking(r)
	if err != nil {
		s.formFailed(w, r, "registry", err, s.registryPage)
		return
	}
	done := fmt.Sprintf("Undertaking %d filed: %s vouches that %s is not a sanctioned entity.", u.ID, u.GivenBy(), u.Counterparty)
	http.Redirect(w, r, "/registry?"+url.Values{"counterparty": {u.Counterparty}, "done": {done}}.Encode(), http.StatusSeeOther)
}

func (s *Server) fileUndertaking(r *http.Request) (*barter.Undertaking, error) {
	if err := r.ParseForm(); err != nil {
		return nil, bodyError(err)
	}
	f := r.PostForm.Get
	in := undertakingInput{Giver: f("giver"), Chamber: f("chamber"), Counterparty: f("counterparty"), Day: f("day"),
		Signatory: f("signatory"), Text: f("text"), Document: f("document")}
	return in.file(r, s.Service)
}
