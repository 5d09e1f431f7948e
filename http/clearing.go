package http

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/barter-clearing/barter"
	"github.com/barter-clearing/barter/csvfile"
	"github.com/barter-clearing/barter/iso20022"
)

// Clearing runs over the API and on the pages: an operator creates a run from obligations
// or from overdue and cancelled positions, reviews it, and commits it to the ledger.

// ClearingRequest asks for a new clearing run: either obligations or from_positions.
type ClearingRequest struct {
	FromPositions bool         `json:"from_positions"`
	AsOf          string       `json:"as_of"` // the day of the positions (default today)
	Source        string       `json:"source"`
	Obligations   []Obligation `json:"obligations"`
}

// Obligation is a debt to be cleared; Cleared and Remaining are set in answers.
type Obligation struct {
	ID        string `json:"id"`
	Debtor    string `json:"debtor"`
	Creditor  string `json:"creditor"`
	Amount    string `json:"amount"`
	Currency  string `json:"currency,omitempty"` // PKR when left out
	Cleared   string `json:"cleared,omitempty"`
	Remaining string `json:"remaining,omitempty"`
}

// ClearingRun is a run as listed: where it came from and where it stands.
type ClearingRun struct {
	ID        int64  `json:"id"`
	Created   string `json:"created"`
	Source    string `json:"source"`
	Status    string `json:"status"`
	Committed string `json:"committed,omitempty"`
	Entry     int64  `json:"entry,omitempty"` // the ledger entry that booked it
}

// ClearingReview is a run with what an operator reviews before committing it: totals
// and largest cycles per currency, and the parties it affects most.
type ClearingReview struct {
	ClearingRun
	Obligations int              `json:"obligations"`
	Parties     int              `json:"parties"`
	Currencies  []ClearingTotal  `json:"currencies"`
	Effects     []ClearingEffect `json:"effects"`
}

// ClearingTotal is what a run does in one currency.
type ClearingTotal struct {
	Currency       string          `json:"currency"`
	Gross          string          `json:"gross"`
	Cleared        string          `json:"cleared"`
	Residual       string          `json:"residual"`
	ClearedPercent string          `json:"cleared_percent"`
	Loops          int             `json:"loops"`
	Cycles         []ClearingCycle `json:"cycles"`
}

// ClearingCycle is a loop of debts a run cancels: each party owes the next, the last
// the first.
type ClearingCycle struct {
	Amount  string   `json:"amount"`
	Parties []string `json:"parties"`
}

// ClearingEffect is what a run does to one party in one currency.
type ClearingEffect struct {
	Party    string `json:"party"`
	Currency string `json:"currency"`
	Owes     string `json:"owes"`
	Owed     string `json:"owed"`
	Cleared  string `json:"cleared"`
	Net      string `json:"net"`
}

// NewClearingRun returns the JSON form of a run as listed.
func NewClearingRun(r *barter.ClearingRun) ClearingRun {
	return ClearingRun{ID: r.ID, Created: r.Created.UTC().Format(time.RFC3339), Source: r.Source, Status: string(r.Status),
		Committed: day(r.Committed), Entry: r.Entry}
}

// reviewJSON returns the JSON form of a run's review, with its largest cycles and the
// parties it affects most.
func reviewJSON(head *barter.ClearingRun, rv *runReview, cycles, parties int) ClearingReview {
	out := ClearingReview{ClearingRun: NewClearingRun(head), Obligations: rv.obligations, Parties: rv.parties,
		Currencies: []ClearingTotal{}, Effects: []ClearingEffect{}}
	minor := func(n int64) string { return barter.FormatMinor(n, 2) }
	for _, c := range rv.currencies {
		t := ClearingTotal{Currency: c.Currency, Gross: minor(c.Gross), Cleared: minor(c.Cleared), Residual: minor(c.Residual),
			ClearedPercent: c.ClearedPercent().StringFixed(1), Loops: c.Loops, Cycles: []ClearingCycle{}}
		for _, cy := range c.Cycles[:min(cycles, len(c.Cycles))] {
			t.Cycles = append(t.Cycles, ClearingCycle{minor(cy.Amount), cy.Parties})
		}
		out.Currencies = append(out.Currencies, t)
	}
	for _, e := range rv.effects[:min(parties, len(rv.effects))] {
		out.Effects = append(out.Effects, ClearingEffect{e.Party, e.Currency, minor(e.Owes), minor(e.Owed), minor(e.Cleared), minor(e.Net)})
	}
	return out
}

// runReview is what the pages and the API show of a run besides its status: it never
// changes, since a run's obligations do not.
type runReview struct {
	ready                chan struct{} // closed once the rest is set
	err                  error
	obligations, parties int
	currencies           []barter.CurrencyReview // each with its maxReviewCycles largest cycles
	effects              []barter.PartyEffect
}

const (
	maxReviewCycles = 100 // the most cycles a review lists in a currency
	keptReviews     = 8   // how many runs' reviews the server keeps
)

// reviewCache keeps the reviews of the runs last looked at. A run of a million
// obligations takes seconds and a hundred MiB to load and review; a page of it or a
// reload should not, nor should many people opening it at once.
type reviewCache struct {
	mu    sync.Mutex
	items map[int64]*runReview
	order []int64 // least recently used first
}

// reviewOf returns a run's review, computed once; run, when given, is the run with its
// obligations, which saves loading it.
func (s *Server) reviewOf(ctx context.Context, id int64, run *barter.ClearingRun) (*runReview, error) {
	c := &s.reviews
	c.mu.Lock()
	if c.items == nil {
		c.items = map[int64]*runReview{}
	}
	rv, found := c.items[id]
	c.order = append(slices.DeleteFunc(c.order, func(k int64) bool { return k == id }), id)
	if !found {
		rv = &runReview{ready: make(chan struct{})}
		c.items[id] = rv
		for len(c.order) > keptReviews {
			delete(c.items, c.order[0])
			c.order = c.order[1:]
		}
	}
	c.mu.Unlock()
	if !found {
		// The review is kept for others even if this request is abandoned meanwhile.
		s.computeReview(context.WithoutCancel(ctx), id, run, rv)
	}
	select {
	case <-rv.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if rv.err != nil {
		c.mu.Lock()
		if c.items[id] == rv {
			delete(c.items, id)
		}
		c.mu.Unlock()
		return nil, rv.err
	}
	return rv, nil
}

func (s *Server) computeReview(ctx context.Context, id int64, run *barter.ClearingRun, rv *runReview) {
	defer close(rv.ready)
	if run == nil {
		if run, rv.err = s.Service.ClearingRun(ctx, id); rv.err != nil {
			return
		}
	}
	rv.obligations, rv.parties = len(run.Obligations), run.Parties()
	rv.currencies, rv.effects = s.Service.Review(run, maxReviewCycles), run.Effects()
}

// headAndReview returns a run as it stands, and its review.
func (s *Server) headAndReview(ctx context.Context, id int64) (*barter.ClearingRun, *runReview, error) {
	head, err := s.Service.ClearingRunHead(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	rv, err := s.reviewOf(ctx, id, nil)
	return head, rv, err
}

// obligations checks a request's obligations, naming the one at fault.
func (c *ClearingRequest) obligations() ([]barter.Obligation, error) {
	obs := make([]barter.Obligation, len(c.Obligations))
	for i, o := range c.Obligations {
		amount, err := barter.ParseMinor(o.Amount, 2)
		if err != nil {
			return nil, barter.Invalid(fmt.Sprintf("obligations[%d].amount", i), "%v", err)
		}
		obs[i] = barter.Obligation{ID: o.ID, Debtor: o.Debtor, Creditor: o.Creditor, Amount: amount, Currency: cmp.Or(o.Currency, "PKR")}
	}
	return obs, nil
}

// createRun makes a run from obligations, or from the positions of a day when obs is
// nil and fromPositions is set.
func (s *Server) createRun(r *http.Request, fromPositions bool, asOf barter.Date, source string, obs []barter.Obligation) (*barter.ClearingRun, error) {
	if fromPositions {
		if len(obs) > 0 {
			return nil, barter.Invalid("obligations", "give either obligations or from_positions, not both")
		}
		return s.Service.CreateClearingRunFromPositions(r.Context(), asOf)
	}
	if len(obs) == 0 {
		return nil, barter.Invalid("obligations", "give obligations to clear, or from_positions")
	}
	return s.Service.CreateClearingRun(r.Context(), source, obs)
}

func (s *Server) clearingRuns(r *http.Request) (int, any, error) {
	rs, err := s.Service.ClearingRuns(r.Context())
	if err != nil {
		return 0, nil, err
	}
	out, err := paginate(r, rs, NewClearingRun)
	return http.StatusOK, out, err
}

// dayOrToday parses an optional day, today when left out.
func (s *Server) dayOrToday(field, v string) (barter.Date, error) {
	d, err := optionalDate(field, v)
	if err == nil && d.IsZero() {
		d = s.today()
	}
	return d, err
}

// reviewLimits reads how many cycles and parties a review shows (?cycles=&parties=).
func reviewLimits(r *http.Request) (cycles, parties int, err error) {
	q := query{r}
	if cycles, err = q.int("cycles", 10, 0, maxReviewCycles); err != nil {
		return 0, 0, err
	}
	parties, err = q.int("parties", 20, 0, 1_000_000)
	return cycles, parties, err
}

func (s *Server) createClearingRun(r *http.Request) (int, any, error) {
	// Everything the answer needs is read before anything is done.
	cycles, parties, err := reviewLimits(r)
	if err != nil {
		return 0, nil, err
	}
	var in ClearingRequest
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	asOf, err := s.dayOrToday("as_of", in.AsOf)
	if err != nil {
		return 0, nil, err
	}
	obs, err := in.obligations()
	if err != nil {
		return 0, nil, err
	}
	run, err := s.createRun(r, in.FromPositions, asOf, cmp.Or(in.Source, "API"), obs)
	if err != nil {
		return 0, nil, err
	}
	rv, err := s.reviewOf(r.Context(), run.ID, run)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, reviewJSON(run, rv, cycles, parties), nil
}

func (s *Server) clearingRun(r *http.Request) (int, any, error) {
	id, err := pathID(r, "clearing run")
	if err != nil {
		return 0, nil, err
	}
	cycles, parties, err := reviewLimits(r)
	if err != nil {
		return 0, nil, err
	}
	head, rv, err := s.headAndReview(r.Context(), id)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, reviewJSON(head, rv, cycles, parties), nil
}

func (s *Server) clearingObligations(r *http.Request) (int, any, error) {
	id, err := pathID(r, "clearing run")
	if err != nil {
		return 0, nil, err
	}
	limit, offset, err := pageBounds(r)
	if err != nil {
		return 0, nil, err
	}
	obs, total, err := s.Service.ClearingObligations(r.Context(), id, offset, limit)
	if err != nil {
		return 0, nil, err
	}
	out := page[Obligation]{Total: total, Offset: offset, Limit: limit, Items: []Obligation{}}
	for _, o := range obs {
		out.Items = append(out.Items, Obligation{ID: o.ID, Debtor: o.Debtor, Creditor: o.Creditor, Amount: barter.FormatMinor(o.Amount, 2),
			Currency: o.Currency, Cleared: barter.FormatMinor(o.Cleared, 2), Remaining: barter.FormatMinor(o.Amount-o.Cleared, 2)})
	}
	return http.StatusOK, out, nil
}

func (s *Server) commitClearingRun(r *http.Request) (int, any, error) {
	id, err := pathID(r, "clearing run")
	if err != nil {
		return 0, nil, err
	}
	cycles, parties, err := reviewLimits(r)
	if err != nil {
		return 0, nil, err
	}
	var in struct {
		AsOf string `json:"as_of"` // the booking day (default today)
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	asOf, err := s.dayOrToday("as_of", in.AsOf)
	if err != nil {
		return 0, nil, err
	}
	run, err := s.Service.CommitClearingRun(r.Context(), id, asOf)
	if err != nil {
		return 0, nil, err
	}
	rv, err := s.reviewOf(r.Context(), id, run)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, reviewJSON(run, rv, cycles, parties), nil
}

// clearingPage lists the runs, newest first: the one an operator just made or must
// review.
func (s *Server) clearingPage(r *http.Request) (any, error) {
	rs, err := s.Service.ClearingRuns(r.Context())
	if err != nil {
		return nil, err
	}
	from, to, prev, next, err := cut(r, len(rs))
	if err != nil {
		return nil, err
	}
	return listing{AsOf: s.today(), Items: rs[from:to], From: from + 1, To: to, Total: len(rs), PrevLink: prev, NextLink: next}, nil
}

// clearingView is a run's review page.
type clearingView struct {
	Run                  *barter.ClearingRun
	Obligations, Parties int
	Currencies           []currencyView
	Effects              listing
	Today                barter.Date
	Committed            bool // the run was committed by the form just sent
}

// currencyView is a currency's totals, with the widths of the cleared and residual parts
// of its bar in percent, and pictures of its largest cycles.
type currencyView struct {
	barter.CurrencyReview
	ClearedWidth, ResidualWidth int
	Pictures                    []loopView
}

// loopView is a loop of debts with its picture.
type loopView struct {
	barter.ClearedCycle
	Picture cycle
}

func (s *Server) clearingRunPage(r *http.Request) (any, error) {
	id, err := pathID(r, "clearing run")
	if err != nil {
		return nil, err
	}
	head, rv, err := s.headAndReview(r.Context(), id)
	if err != nil {
		return nil, err
	}
	v := clearingView{Run: head, Obligations: rv.obligations, Parties: rv.parties, Today: s.today(),
		Committed: query{r}.str("committed") != "" && head.Status == barter.ClearingCommitted}
	for _, c := range rv.currencies {
		cv := currencyView{CurrencyReview: c}
		if c.Gross > 0 {
			// Pixels need no exactness; the amounts shown as text stay exact.
			cv.ClearedWidth = int(float64(c.Cleared) / float64(c.Gross) * 100)
			cv.ResidualWidth = 100 - cv.ClearedWidth
		}
		for _, cy := range c.Cycles[:min(pictures, len(c.Cycles))] {
			nodes := make([]ringNode, len(cy.Parties))
			values := make([]int64, len(cy.Parties))
			for i, p := range cy.Parties {
				nodes[i], values[i] = ringNode{Party: p}, cy.Amount
			}
			picture := drawRing(nodes, values, 300)
			picture.Label = "loop of debts: who owes whom"
			cv.Pictures = append(cv.Pictures, loopView{cy, picture})
		}
		v.Currencies = append(v.Currencies, cv)
	}
	from, to, prev, next, err := cut(r, len(rv.effects))
	if err != nil {
		return nil, err
	}
	v.Effects = listing{Items: rv.effects[from:to], From: from + 1, To: to, Total: len(rv.effects), PrevLink: prev, NextLink: next}
	return v, nil
}

// pictures is how many of a currency's largest cycles a run's page draws.
const pictures = 6

// clearingForm makes a run from the clearing page: from positions as of a day, or from
// an uploaded obligations file, and sends the browser to its review.
func (s *Server) clearingForm(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxImport)
	run, err := s.runFromForm(r)
	if err != nil {
		s.formFailed(w, r, "clearing", err, s.clearingPage)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/clearing/%d", run.ID), http.StatusSeeOther)
}

func (s *Server) runFromForm(r *http.Request) (*barter.ClearingRun, error) {
	if err := r.ParseMultipartForm(32 << 20); err != nil && err != http.ErrNotMultipart {
		return nil, bodyError(err)
	}
	asOf, err := s.dayOrToday("as_of", r.FormValue("as_of"))
	if err != nil {
		return nil, err
	}
	if r.FormValue("from") == "positions" {
		return s.createRun(r, true, asOf, "", nil)
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return nil, barter.Invalid("file", "choose an obligations file (id,debtor,creditor,amount[,currency])")
	}
	defer f.Close()
	if s.ReadObligations == nil {
		return nil, barter.Invalid("file", "this server takes no obligations files")
	}
	currency := cmp.Or(strings.ToUpper(strings.TrimSpace(r.FormValue("currency"))), "PKR")
	if !barter.IsCurrency(currency) {
		return nil, barter.Invalid("currency", "%q is not an ISO 4217 currency code", currency)
	}
	obs, err := s.ReadObligations(f, currency)
	if err != nil {
		return nil, err
	}
	if len(obs) == 0 {
		return nil, barter.Invalid("file", "%s has no obligations", hdr.Filename)
	}
	return s.createRun(r, false, asOf, hdr.Filename, obs)
}

// commitForm commits a run from its review page and sends the browser back to it.
func (s *Server) commitForm(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, s.MaxBody)
	id, err := pathID(r, "clearing run")
	if err == nil {
		err = r.ParseForm()
	}
	var asOf barter.Date
	if err == nil {
		asOf, err = s.dayOrToday("as_of", r.PostForm.Get("as_of"))
	}
	if err == nil {
		_, err = s.Service.CommitClearingRun(r.Context(), id, asOf)
	}
	if err != nil {
		s.page("clearing-run", func(*http.Request) (any, error) { return nil, err }).ServeHTTP(w, r)
		return
	}
	http.Redirect(w, r, "/clearing/"+strconv.FormatInt(id, 10)+"?"+url.Values{"committed": {"1"}}.Encode(), http.StatusSeeOther)
}

// ObligationsReader reads an obligations CSV whole, rows without a currency in the one
// given; a bad file's error lists every bad row. The command wires it.
type ObligationsReader func(in io.Reader, currency string) ([]barter.Obligation, error)

// Payment is one payment that settles what a committed run leaves.
type Payment struct {
	Payer    string `json:"payer"`
	Payee    string `json:"payee"`
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

// Settlement is how what a committed run leaves is settled through the clearing house.
type Settlement struct {
	ClearingHouse string    `json:"clearing_house"`
	Payments      []Payment `json:"payments"`
}

func (s *Server) clearingSettlement(r *http.Request) (int, any, error) {
	_, ps, err := s.settlementOf(r)
	if err != nil {
		return 0, nil, err
	}
	out := Settlement{ClearingHouse: s.ClearingHouse, Payments: []Payment{}}
	for _, p := range ps {
		out.Payments = append(out.Payments, Payment{p.Payer, p.Payee, barter.FormatMinor(p.Amount, 2), p.Currency})
	}
	return http.StatusOK, out, nil
}

// settlementFile sends the payments that settle a committed run as a CSV file.
func (s *Server) settlementFile(w http.ResponseWriter, r *http.Request) {
	id, ps, err := s.settlementOf(r)
	if err != nil {
		s.refuse(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := csvfile.WritePayments(&buf, ps); err != nil {
		s.refuse(w, r, err)
		return
	}
	download(w, "text/csv; charset=utf-8", fmt.Sprintf("clearing-run-%d-settlement.csv", id), buf.Bytes())
}

// payoutsFile sends the clearing house's payouts of a committed run as ISO 20022
// pain.001, to be executed today.
func (s *Server) payoutsFile(w http.ResponseWriter, r *http.Request) {
	id, ps, err := s.settlementOf(r)
	if err != nil {
		s.refuse(w, r, err)
		return
	}
	now := s.Service.Now
	if now == nil {
		now = time.Now
	}
	m := barter.Payouts(s.ClearingHouse, fmt.Sprintf("RUN-%d-", id), ps, now(), s.today())
	if m == nil {
		s.refuse(w, r, barter.Errorf(barter.EConflict, "clearing run %d leaves the clearing house nothing to pay out", id))
		return
	}
	var buf bytes.Buffer
	if err := iso20022.WritePain001(&buf, m); err != nil {
		s.refuse(w, r, err)
		return
	}
	download(w, "application/xml; charset=utf-8", fmt.Sprintf("clearing-run-%d-payouts.xml", id), buf.Bytes())
}

func (s *Server) settlementOf(r *http.Request) (int64, []barter.Payment, error) {
	id, err := pathID(r, "clearing run")
	if err != nil {
		return 0, nil, err
	}
	_, ps, err := s.Service.SettleClearingRun(r.Context(), id, s.ClearingHouse)
	return id, ps, err
}

// download sends a file to be saved under a name. It is built in memory first, so that
// a failure never sends half a file.
func download(w http.ResponseWriter, contentType, name string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Write(body)
}
