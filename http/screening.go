package http

import (
	"bufio"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"time"

	"github.com/barter-clearing/barter"
	"github.com/barter-clearing/barter/sanctions"
)

// Sanctions screening over the API and on the pages: customs load a version of the UN
// list, see the possible matches, and confirm or clear each.

// ScreeningHit is a possible match of a party on the newest sanctions list.
type ScreeningHit struct {
	Party     string `json:"party"`
	Name      string `json:"name"`
	Version   string `json:"version"`
	Ref       string `json:"ref"`
	Listed    string `json:"listed"`
	Score     string `json:"score"`
	Status    string `json:"status"`
	Reason    string `json:"reason,omitempty"`
	DecidedBy string `json:"decided_by,omitempty"`
	Decided   string `json:"decided,omitempty"`
}

// NewScreeningHit returns the JSON form of h.
func NewScreeningHit(h *barter.ScreeningHit) ScreeningHit {
	out := ScreeningHit{Party: h.Party, Name: h.Name, Version: h.Version, Ref: h.Ref, Listed: h.Listed, Score: h.Score,
		Status: string(h.Status), Reason: h.Reason, DecidedBy: h.DecidedBy}
	if !h.Decided.IsZero() {
		out.Decided = h.Decided.UTC().Format(time.RFC3339)
	}
	return out
}

// ScreeningReport says what loading a list did.
type ScreeningReport struct {
	Version  string `json:"version"`
	Entries  int    `json:"entries"`
	Loaded   bool   `json:"loaded"` // false: the version was loaded before
	Screened int    `json:"screened"`
	Hits     int    `json:"hits"` // new ones
}

func (s *Server) screeningHits(r *http.Request) (int, any, error) {
	hs, err := s.Service.ScreeningHits(r.Context(), barter.HitStatus(query{r}.str("status")))
	if err != nil {
		return 0, nil, err
	}
	out, err := paginate(r, hs, NewScreeningHit)
	return http.StatusOK, out, err
}

// decideHit confirms or clears a hit: {"reason"}.
func (s *Server) decideHit(confirm bool) func(*http.Request) (int, any, error) {
	return func(r *http.Request) (int, any, error) {
		var in struct {
			Reason string `json:"reason"`
		}
		if err := decode(r, &in); err != nil {
			return 0, nil, err
		}
		h, err := s.Service.DecideHit(r.Context(), r.PathValue("party"), r.PathValue("ref"), confirm, in.Reason)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, NewScreeningHit(h), nil
	}
}

// loadList loads a version of the UN list sent as the body (application/xml).
func (s *Server) loadList(w http.ResponseWriter, r *http.Request) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || (mt != "application/xml" && mt != "text/xml") {
		s.writeError(w, r, barter.Invalid("Content-Type", "must be application/xml"))
		return
	}
	rep, err := s.loadFrom(r, http.MaxBytesReader(w, r.Body, maxImport))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusOK
	if rep.Loaded {
		status = http.StatusCreated
	}
	writeJSON(w, status, encode(rep))
}

func (s *Server) loadFrom(r *http.Request, in io.Reader) (*ScreeningReport, error) {
	l, err := sanctions.ParseUN(bufio.NewReaderSize(in, 1<<20))
	if err != nil {
		return nil, barter.Invalid("list", "%v", err)
	}
	rep, err := s.Service.LoadSanctions(r.Context(), l)
	if err != nil {
		return nil, err
	}
	return &ScreeningReport{rep.Version, rep.Entries, rep.Loaded, rep.Screened, rep.Hits}, nil
}

// screeningListing is the screening page: a page of hits, and what was just done.
type screeningListing struct {
	listing
	Notice string
}

func (s *Server) screeningPage(r *http.Request) (any, error) {
	q := query{r}
	hs, err := s.Service.ScreeningHits(r.Context(), barter.HitStatus(q.str("status")))
	if err != nil {
		return nil, err
	}
	from, to, prev, next, err := cut(r, len(hs))
	if err != nil {
		return nil, err
	}
	return screeningListing{listing: listing{Items: hs[from:to], From: from + 1, To: to, Total: len(hs), PrevLink: prev, NextLink: next,
		Statuses: []string{"open", "confirmed", "cleared"}, Status: q.str("status")}, Notice: q.str("done")}, nil
}

// screeningForm takes an uploaded list, or a decision on a hit, and sends the browser
// back to the page with what was done.
func (s *Server) screeningForm(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxImport)
	done, err := s.screeningAction(r)
	if err != nil {
		s.formFailed(w, r, "screening", err, s.screeningPage)
		return
	}
	http.Redirect(w, r, "/screening?"+url.Values{"status": {"open"}, "done": {done}}.Encode(), http.StatusSeeOther)
}

func (s *Server) screeningAction(r *http.Request) (string, error) {
	if err := r.ParseMultipartForm(32 << 20); err != nil && err != http.ErrNotMultipart {
		return "", bodyError(err)
	}
	if f, _, err := r.FormFile("list"); err == nil {
		defer f.Close()
		rep, err := s.loadFrom(r, f)
		if err != nil {
			return "", err
		}
		what := "Loaded"
		if !rep.Loaded {
			what = "Screened again against"
		}
		return fmt.Sprintf("%s the list of %s (%d entries): %d parties screened, %d new possible matches.", what, rep.Version, rep.Entries, rep.Screened, rep.Hits), nil
	}
	decision := r.FormValue("decision")
	if decision != "confirm" && decision != "clear" {
		return "", barter.Invalid("decision", "%q is not confirm or clear", decision)
	}
	h, err := s.Service.DecideHit(r.Context(), r.FormValue("party"), r.FormValue("ref"), decision == "confirm", r.FormValue("reason"))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s on %s: %s.", h.Party, h.Ref, h.Status), nil
}
