package http

import (
	"bytes"
	"cmp"
	"embed"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/barter-clearing/barter"
	"github.com/shopspring/decimal"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages holds one template set per page, each with the shared layout.
type pages map[string]*template.Template

func loadPages() pages {
	funcs := template.FuncMap{
		"money":   grouped,
		"number":  groupedAsIs,
		"percent": func(fraction string) string { return decimal.RequireFromString(fraction).Shift(2).String() + " %" },
		"minor":   func(n int64) string { return grouped(barter.FromMinorUnits(n)) },
		"add":     func(a, b int) int { return a + b },
		"minus":   func(a, b int64) int64 { return a - b },
		"half":    func(a int) int { return a / 2 },
		"segment": url.PathEscape,
		"neg":     func(a int) int { return -a },
		"lower":   strings.ToLower,
		"pending": func(p *barter.Proposal) bool { return p.Status == barter.ProposalPending },
	}
	ps := pages{}
	for _, name := range []string{"dashboard", "positions", "authorizations", "authorization", "declaration", "report", "rulebooks", "offers", "offer", "proposals", "proposal", "clearing", "clearing-run", "screening", "registry", "imports", "login", "error"} {
		ps[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/parts.html", "templates/"+name+".html"))
	}
	return ps
}

func (s *Server) pageRoutes() {
	s.pages = loadPages()
	customs, operator, trader := barter.RoleCustoms, barter.RoleOperator, barter.RoleTrader
	form := func(pattern string, h http.HandlerFunc, roles ...barter.Role) {
		s.mux.Handle(pattern, s.allow(h, roles...))
	}
	s.mux.Handle("GET /{$}", s.page("dashboard", s.dashboardPage))
	s.mux.Handle("GET /positions", s.page("positions", s.positionsPage))
	s.mux.Handle("GET /authorizations", s.page("authorizations", s.authorizationsPage))
	s.mux.Handle("GET /authorizations/{id}", s.page("authorization", s.authorizationPage))
	s.mux.Handle("GET /authorizations/number/{number}", s.page("authorization", s.authorizationPage))
	s.mux.Handle("GET /declarations/{number}", s.page("declaration", s.declarationPage))
	s.mux.Handle("GET /declarations", s.findDeclaration())
	s.mux.Handle("GET /report", s.page("report", s.reportPage))
	s.mux.Handle("GET /rulebooks", s.page("rulebooks", func(*http.Request) (any, error) { return NewRulebooks(s.Service.Rulebooks), nil }))
	form("POST /declarations/{number}/reassess", s.reassessForm, customs)
	form("POST /authorizations/{id}/decide", s.decideForm, customs)
	s.mux.Handle("GET /imports", s.page("imports", func(*http.Request) (any, error) { return s.importForms(), nil }))
	form("POST /imports", s.importForm) // who may import depends on the kind: see importRoles
	s.mux.Handle("GET /offers", s.page("offers", s.offersPage))
	s.mux.Handle("GET /offers/new", s.page("offer", func(*http.Request) (any, error) { return offerForm{}, nil }))
	form("POST /offers", s.offerForm, trader, operator)
	s.mux.Handle("GET /proposals", s.page("proposals", s.proposalsPage))
	s.mux.Handle("GET /proposals/{id}", s.page("proposal", s.proposalPage))
	form("POST /proposals", s.matchForm, operator)
	form("POST /proposals/{id}/respond", s.respondForm, trader)
	s.mux.Handle("GET /clearing", s.page("clearing", s.clearingPage))
	form("POST /clearing", s.clearingForm, operator)
	s.mux.Handle("GET /clearing/{id}", s.page("clearing-run", s.clearingRunPage))
	form("POST /clearing/{id}/commit", s.commitForm, operator)
	s.mux.HandleFunc("GET /clearing/{id}/settlement.csv", s.settlementFile)
	s.mux.HandleFunc("GET /clearing/{id}/payouts.xml", s.payoutsFile)
	s.mux.Handle("GET /screening", s.page("screening", s.screeningPage))
	form("POST /screening", s.screeningForm, customs)
	s.mux.Handle("GET /registry", s.page("registry", s.registryPage))
	form("POST /registry/undertakings", s.undertakingForm, customs, trader)
	s.mux.Handle("GET /login", s.page("login", s.loginForm))
	s.mux.HandleFunc("POST /login", s.login)
	s.mux.HandleFunc("POST /logout", s.logout)
	s.mux.Handle("/", s.page("error", func(r *http.Request) (any, error) {
		return nil, barter.Errorf(barter.ENotFound, "there is no page %s", r.URL.Path)
	}))
}

// view is what every page template gets.
type view struct {
	Title string
	Nav   string
	Data  any
	Error *apiError
	// Heading says what kind of error it is, in words.
	Heading string
	User    *barter.User // who is signed in; nil while the clearing house is open
}

// headings name each kind of error on the error page.
var headings = map[barter.Code]string{
	barter.EInvalid:         "Please check the request",
	barter.EUnauthenticated: "Please sign in",
	barter.EForbidden:       "Not allowed",
	barter.ETooMany:         "Please wait",
	barter.ENotFound:        "Not found",
	barter.EConflict:        "Not possible now",
	barter.EInternal:        "Something went wrong on our side",
}

// page adapts a handler returning a page's data to net/http, rendering the page or the
// error page.
func (s *Server) page(name string, h func(*http.Request) (any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, err := h(r)
		if err != nil {
			status, body := s.errorOf(r, err)
			s.render(w, r, status, "error", view{Title: "error", Nav: name, Error: &body.Error, Heading: headings[body.Error.Code]})
			return
		}
		s.render(w, r, http.StatusOK, name, view{Title: name, Nav: name, Data: data})
	})
}

// render writes a page. It is rendered to memory first so that a failing template never
// sends half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	v.User = userFrom(r)
	var buf bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&buf, "layout", v); err != nil {
		s.Logger.Error("render page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// formFailed answers a form that could not be carried out with its page, the error on
// top; the page shows what it can (nothing, if it cannot be read either).
func (s *Server) formFailed(w http.ResponseWriter, r *http.Request, name string, err error, page func(*http.Request) (any, error)) {
	status, body := s.errorOf(r, err)
	data, perr := page(r)
	if perr != nil {
		data = nil
	}
	s.render(w, r, status, name, view{Title: name, Nav: name, Data: data, Error: &body.Error, Heading: headings[body.Error.Code]})
}

// grouped writes an amount with thousands separators and 2 decimals: 1,234,567.50.
func grouped(d barter.Decimal) string { return groupDigits(barter.FormatHome(d)) }

// groupedAsIs writes a number with thousands separators and its own decimals: a
// quantity of 15,000 or a rate of 278.1.
func groupedAsIs(d barter.Decimal) string { return groupDigits(d.String()) }

// groupDigits puts thousands separators into the whole part of a decimal's text.
func groupDigits(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if hasFrac {
		b.WriteString("." + frac)
	}
	return b.String()
}

// bar is one bar of a chart; Width is in percent of the widest.
type bar struct {
	Label string
	Count int
	Width int
	Class string
	Link  string
}

func bars(counts []int, labels, classes, links []string) []bar {
	most := 1
	for _, c := range counts {
		most = max(most, c)
	}
	out := make([]bar, len(counts))
	for i, c := range counts {
		out[i] = bar{labels[i], c, c * 100 / most, classes[i], links[i]}
	}
	return out
}

type dashboard struct {
	AsOf                barter.Date
	Total               int
	Statuses, Deadlines []bar
	Imports, Exports    barter.Decimal
	Urgent              []urgent
	Offers, Pending     int
	Applied             int // applications awaiting customs
}

// urgent is an open authorization near its deadline, with the widths of its two legs in
// percent of the larger, for a picture of how far it is from balance.
type urgent struct {
	barter.Position
	ImportWidth, ExportWidth int
}

func (s *Server) dashboardPage(r *http.Request) (any, error) {
	asOf, err := query{r}.date("as_of", s.today())
	if err != nil {
		return nil, err
	}
	ps, err := s.Service.Positions(r.Context(), asOf)
	if err != nil {
		return nil, err
	}
	d := dashboard{AsOf: asOf, Total: len(ps), Imports: barter.Zero, Exports: barter.Zero}
	statuses := []barter.PositionStatus{barter.PositionBalanced, barter.PositionOpen, barter.PositionOverdue, barter.PositionCancelled}
	counts := make([]int, len(statuses))
	// Open authorizations by days left: the deadline pressure customs watch.
	limits := []int{7, 30, 60, 90, 1 << 30}
	dlabels := []string{"7 days or less", "8 to 30 days", "31 to 60 days", "61 to 90 days", "more than 90 days"}
	dcounts := make([]int, len(limits))
	var open []barter.Position
	for _, p := range ps {
		for i, st := range statuses {
			if p.Status == st {
				counts[i]++
			}
		}
		d.Imports, d.Exports = d.Imports.Add(p.Imports), d.Exports.Add(p.Exports)
		if p.Status == barter.PositionOpen {
			open = append(open, p)
			for i, l := range limits {
				if p.DaysLeft <= l {
					dcounts[i]++
					break
				}
			}
		}
	}
	labels, links := make([]string, len(statuses)), make([]string, len(statuses))
	classes := make([]string, len(statuses))
	for i, st := range statuses {
		labels[i], classes[i] = string(st), string(st)
		links[i] = "/positions?" + url.Values{"as_of": {asOf.String()}, "status": {string(st)}}.Encode()
	}
	d.Statuses = bars(counts, labels, classes, links)
	dlinks := make([]string, len(limits))
	dclasses := make([]string, len(limits))
	for i := range limits {
		dclasses[i] = "open"
		dlinks[i] = links[1]
	}
	dclasses[0] = "overdue"
	d.Deadlines = bars(dcounts, dlabels, dclasses, dlinks)
	sort.SliceStable(open, func(i, j int) bool { return open[i].DaysLeft < open[j].DaysLeft })
	for _, p := range open[:min(len(open), 12)] {
		u := urgent{Position: p}
		if most := decimal.Max(p.Imports, p.Exports); most.IsPositive() {
			hundred := decimal.NewFromInt(100)
			u.ImportWidth = int(p.Imports.Mul(hundred).Div(most).IntPart())
			u.ExportWidth = int(p.Exports.Mul(hundred).Div(most).IntPart())
		}
		d.Urgent = append(d.Urgent, u)
	}
	offers, err := s.Service.Offers(r.Context(), barter.OfferOpen)
	if err != nil {
		return nil, err
	}
	pending, err := s.Service.Proposals(r.Context(), barter.ProposalPending, s.today())
	if err != nil {
		return nil, err
	}
	applied, err := s.Service.Authorizations(r.Context(), barter.StatusApplied)
	if err != nil {
		return nil, err
	}
	d.Offers, d.Pending, d.Applied = len(offers), len(pending), len(applied)
	return d, nil
}

// listing is a page of a long list with links to its neighbours.
type listing struct {
	AsOf               barter.Date
	Items              any
	From, To, Total    int
	PrevLink, NextLink string
	Statuses           []string
	Status, Party      string
}

const perPage = 50

// cut returns the bounds of the page the request asks for (?page=N, from 1) and the
// links to the pages before and after it.
func cut(r *http.Request, total int) (from, to int, prev, next string, err error) {
	n, err := query{r}.int("page", 1, 1, 1_000_000)
	if err != nil {
		return 0, 0, "", "", err
	}
	from = min((n-1)*perPage, total)
	to = min(from+perPage, total)
	link := func(p int) string {
		v := r.URL.Query()
		v.Set("page", strconv.Itoa(p))
		return r.URL.Path + "?" + v.Encode()
	}
	if n > 1 {
		prev = link(n - 1)
	}
	if to < total {
		next = link(n + 1)
	}
	return from, to, prev, next, nil
}

func (s *Server) positionsPage(r *http.Request) (any, error) {
	q := query{r}
	asOf, err := q.date("as_of", s.today())
	if err != nil {
		return nil, err
	}
	ps, err := s.Service.Positions(r.Context(), asOf)
	if err != nil {
		return nil, err
	}
	ps = filterPositions(ps, q.str("status"), q.str("party"))
	from, to, prev, next, err := cut(r, len(ps))
	if err != nil {
		return nil, err
	}
	return listing{AsOf: asOf, Items: ps[from:to], From: from + 1, To: to, Total: len(ps), PrevLink: prev, NextLink: next,
		Statuses: []string{"balanced", "open", "overdue", "cancelled"}, Status: q.str("status"), Party: q.str("party")}, nil
}

// offersListing is the offers page: a page of the pool, and the answer to "can this
// offer give to that one?" when asked.
type offersListing struct {
	listing
	IDs     []string
	Leg     *barter.Leg
	Created string
}

func (s *Server) offersPage(r *http.Request) (any, error) {
	q := query{r}
	status := q.str("status")
	asOf, err := q.date("as_of", s.today())
	if err != nil {
		return nil, err
	}
	all, err := s.Service.Offers(r.Context(), "")
	if err != nil {
		return nil, err
	}
	out := offersListing{Created: q.str("created")}
	var os []barter.Offer
	for _, o := range all {
		out.IDs = append(out.IDs, o.ID)
		if status == "" || string(o.Status) == status {
			os = append(os, o)
		}
	}
	if from, to := q.str("from"), q.str("to"); from != "" || to != "" {
		if out.Leg, err = s.Service.ExplainLeg(r.Context(), from, to, asOf); err != nil {
			return nil, err
		}
	}
	first, last, prev, next, err := cut(r, len(os))
	if err != nil {
		return nil, err
	}
	out.listing = listing{AsOf: asOf, Items: os[first:last], From: first + 1, To: last, Total: len(os), PrevLink: prev, NextLink: next,
		Statuses: []string{"open", "proposed", "matched", "declined"}, Status: status}
	return out, nil
}

// offerForm is the form for a new offer: what was typed, and why it was refused.
type offerForm struct {
	Offer
	WantsText string
	PortsText string
	Error     *apiError
}

// offerForm puts an offer typed on the page in the pool and sends the browser to the
// pool; a refused offer comes back with what was typed and the reason.
func (s *Server) offerForm(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, s.MaxBody)
	if err := r.ParseForm(); err != nil {
		s.page("offer", func(*http.Request) (any, error) { return nil, barter.Invalid("form", "%v", err) }).ServeHTTP(w, r)
		return
	}
	f := r.PostForm
	in := offerForm{Offer: Offer{ID: f.Get("id"), Party: f.Get("party"), Country: f.Get("country"), Regime: f.Get("regime"),
		Gives: f.Get("gives"), Quantity: f.Get("quantity"), Unit: f.Get("unit"), ValueMin: f.Get("value_min"), ValueMax: f.Get("value_max"),
		DeliveryFrom: f.Get("delivery_from"), DeliveryTo: f.Get("delivery_to"), WantMin: f.Get("want_min"), WantMax: f.Get("want_max"),
		WantFrom: f.Get("want_from"), WantTo: f.Get("want_to"), ValidUntil: f.Get("valid_until"),
		Origin: f.Get("origin"), Ports: barter.SplitList(f.Get("ports"))}, WantsText: f.Get("wants"), PortsText: f.Get("ports")}
	in.Wants = strings.FieldsFunc(in.WantsText, func(c rune) bool { return c == ';' || c == ',' || c == ' ' })
	of, err := in.parse()
	if err == nil {
		_, err = s.Service.CreateOffer(r.Context(), of)
	}
	if err == nil {
		http.Redirect(w, r, "/offers?created="+url.QueryEscape(of.ID), http.StatusSeeOther)
		return
	}
	status, body := s.errorOf(r, err)
	in.Error = &body.Error
	s.render(w, r, status, "offer", view{Title: "new offer", Nav: "offers", Data: in})
}

func (s *Server) authorizationsPage(r *http.Request) (any, error) {
	status := query{r}.str("status")
	as, err := s.Service.Authorizations(r.Context(), barter.Status(status))
	if err != nil {
		return nil, err
	}
	first, last, prev, next, err := cut(r, len(as))
	if err != nil {
		return nil, err
	}
	return listing{Items: as[first:last], From: first + 1, To: last, Total: len(as), PrevLink: prev, NextLink: next,
		Statuses: []string{"applied", "approved", "rejected", "cancelled"}, Status: status}, nil
}

// standingPage is an authorization's page: its standing, the picture of its legs over
// time, and the decision just made, if any.
type standingPage struct {
	*barter.Standing
	AsOf       barter.Date
	Chart      *legsChart
	Decided    string
	Consortium *barter.Consortium // the holder's members, when it is a consortium
	// Undertakings on file for the counterparty, shown while an application waits for
	// customs when its rulebook needs one.
	Undertakings     []barter.Undertaking
	NeedsUndertaking bool
	// Declarations posted to it to the day shown, by day and number, a page of them
	// (?page=) with links to the others.
	Declarations listing
}

func (s *Server) authorizationPage(r *http.Request) (any, error) {
	asOf, err := query{r}.date("as_of", s.today())
	if err != nil {
		return nil, err
	}
	var st *barter.Standing
	if number := r.PathValue("number"); number != "" {
		st, err = s.Service.StandingOf(r.Context(), number, asOf)
	} else {
		var id int64
		if id, err = pathID(r, "authorization"); err == nil {
			st, err = s.Service.Standing(r.Context(), id, asOf)
		}
	}
	if err != nil {
		return nil, err
	}
	page := standingPage{Standing: st, AsOf: asOf, Chart: drawLegs(st, asOf)}
	if n := st.Authorization.Number; n != "" {
		ds, err := s.Service.DeclarationsOf(r.Context(), n)
		if err != nil {
			return nil, err
		}
		ds = slices.DeleteFunc(ds, func(d barter.Declaration) bool { return d.Date.After(asOf) })
		from, to, prev, next, err := cut(r, len(ds))
		if err != nil {
			return nil, err
		}
		page.Declarations = listing{Items: ds[from:to], From: from + 1, To: to, Total: len(ds), PrevLink: prev, NextLink: next}
	}
	if a := st.Authorization; a.Status == barter.StatusApplied && s.Service.Rulebooks[a.Regime].Undertaking {
		page.NeedsUndertaking = true
		us, err := s.Service.Undertakings(r.Context(), a.Counterparty)
		if err != nil {
			return nil, err
		}
		// Those that can count for this applicant: its own, and the chambers'.
		page.Undertakings = slices.DeleteFunc(us, func(u barter.Undertaking) bool { return !u.VouchesTo(a.Party) })
	}
	// A consortium's members answer for it jointly: customs see who they are.
	if c, err := s.Service.Consortium(r.Context(), st.Authorization.Party); err == nil {
		page.Consortium = c
	} else if barter.ErrorCode(err) != barter.ENotFound {
		return nil, err
	}
	if d := r.URL.Query().Get("decided"); d == string(st.Authorization.Status) {
		page.Decided = d
	}
	return page, nil
}

// decideForm takes customs' decision on an application from its page and sends the
// browser back to it.
func (s *Server) decideForm(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, s.MaxBody)
	a, err := s.decide(r)
	if err != nil {
		s.page("authorization", func(*http.Request) (any, error) { return nil, err }).ServeHTTP(w, r)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/authorizations/%d?decided=%s", a.ID, a.Status), http.StatusSeeOther)
}

func (s *Server) decide(r *http.Request) (*barter.Authorization, error) {
	id, err := pathID(r, "application")
	if err != nil {
		return nil, err
	}
	if err := r.ParseForm(); err != nil {
		return nil, barter.Invalid("form", "%v", err)
	}
	switch r.PostForm.Get("decision") {
	case "approve":
		return s.Service.Approve(r.Context(), id, s.today())
	case "reject":
		return s.Service.Reject(r.Context(), id, r.PostForm.Get("reason"))
	}
	return nil, barter.Invalid("decision", "%q is not approve or reject", r.PostForm.Get("decision"))
}

// reportPage is the regulator's report on a period, with each partner's imports and
// exports drawn to one scale.
type reportPage struct {
	*barter.Report
	Partners []partnerRow
	Statuses []barter.PositionStatus
}

type partnerRow struct {
	barter.PartnerTrade
	Net                      barter.Decimal
	ImportWidth, ExportWidth int // percent of the largest leg of any partner
}

// reportPage reports on ?from= to ?to=; by default, from the start of to's calendar
// quarter, and to today.
func (s *Server) reportPage(r *http.Request) (any, error) {
	q := query{r}
	to, err := q.date("to", s.today())
	if err != nil {
		return nil, err
	}
	t := to.Time()
	from, err := q.date("from", barter.DateOf(time.Date(t.Year(), time.Month((int(t.Month())-1)/3*3+1), 1, 0, 0, 0, 0, time.UTC)))
	if err != nil {
		return nil, err
	}
	rep, err := s.Service.Report(r.Context(), from, to)
	if err != nil {
		return nil, err
	}
	page := reportPage{Report: rep, Statuses: []barter.PositionStatus{barter.PositionBalanced, barter.PositionOpen, barter.PositionOverdue, barter.PositionCancelled}}
	most := barter.Zero
	for _, p := range rep.Partners {
		most = decimal.Max(most, p.Imports, p.Exports)
	}
	hundred := decimal.NewFromInt(100)
	for _, p := range rep.Partners {
		row := partnerRow{PartnerTrade: p, Net: p.Exports.Sub(p.Imports)}
		if most.IsPositive() {
			// A leg reassessed below nothing in the period draws as nothing.
			row.ImportWidth = max(0, int(p.Imports.Mul(hundred).Div(most).IntPart()))
			row.ExportWidth = max(0, int(p.Exports.Mul(hundred).Div(most).IntPart()))
		}
		page.Partners = append(page.Partners, row)
	}
	return page, nil
}

// declarationPage is a goods declaration with its reassessments, and the form customs
// reassess it with.
type declarationPage struct {
	Declaration   *barter.Declaration
	Reassessments []barter.Reassessment
	Reassessed    bool // just now, by the form
	MayReassess   bool
}

func (s *Server) declarationPage(r *http.Request) (any, error) {
	d, rs, err := s.Service.Declaration(r.Context(), r.PathValue("number"))
	if err != nil {
		return nil, err
	}
	u := userFrom(r)
	return declarationPage{Declaration: d, Reassessments: rs, Reassessed: query{r}.str("reassessed") != "",
		MayReassess: u == nil || u.May(barter.RoleCustoms)}, nil
}

// findDeclaration sends the form's ?number= to that declaration's page.
func (s *Server) findDeclaration() http.Handler {
	fail := s.page("declaration", func(*http.Request) (any, error) {
		return nil, barter.Invalid("number", "is required: the number of the goods declaration to show")
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		number := strings.TrimSpace(r.URL.Query().Get("number"))
		if number == "" {
			fail.ServeHTTP(w, r)
			return
		}
		http.Redirect(w, r, "/declarations/"+url.PathEscape(number), http.StatusSeeOther)
	})
}

// reassessForm books the form's new assessed value as of today, then shows the
// declaration again.
func (s *Server) reassessForm(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, s.MaxBody)
	number := r.PathValue("number")
	err := r.ParseForm()
	if err != nil {
		err = barter.Invalid("form", "%v", err)
	} else {
		var assessed barter.Decimal
		if assessed, err = parseDecimal("assessed_value", strings.TrimSpace(r.PostForm.Get("assessed_value")), barter.ValueScale); err == nil {
			_, err = s.Service.Reassess(r.Context(), number, assessed, s.today())
		}
	}
	if err != nil {
		s.page("declaration", func(*http.Request) (any, error) { return nil, err }).ServeHTTP(w, r)
		return
	}
	http.Redirect(w, r, "/declarations/"+url.PathEscape(number)+"?reassessed=1", http.StatusSeeOther)
}

// legsChart is the picture of an authorization's cumulative imports and exports from
// its issue to its deadline. Coordinates are drawing positions in pixels, not amounts.
type legsChart struct {
	Width, Height    int
	Imports, Exports string // SVG polyline points
	DeadlineX, AsOfX int    // -1 when off the chart
	Top              string // the amount at the top of the scale
	Issued, Deadline barter.Date
}

func drawLegs(st *barter.Standing, asOf barter.Date) *legsChart {
	a := st.Authorization
	if a.Issued.IsZero() || a.Deadline.IsZero() {
		return nil
	}
	const w, h, pad = 640, 200, 10
	// The chart runs from issue to the deadline, or to the last booking if later; the
	// flows stop at the day shown.
	end := a.Deadline
	var imports, exports, top int64
	for _, f := range st.Flows {
		if f.Day.After(end) {
			end = f.Day
		}
		imports, exports = imports+f.Imports, exports+f.Exports
		top = max(top, imports, exports)
	}
	top = max(top, 1)
	days := max(a.Issued.DaysUntil(end), 1)
	x := func(d barter.Date) int {
		return pad + min(max(a.Issued.DaysUntil(d), 0), days)*(w-2*pad)/days
	}
	// Pixels need no exactness; the amounts shown as text stay exact.
	y := func(v int64) int { return h - pad - int(float64(v)/float64(top)*float64(h-2*pad)) }
	last := end // the lines run up to the day shown
	if asOf.Before(end) {
		last = asOf
	}
	line := func(pick func(barter.Flow) int64) string {
		var b strings.Builder
		var sum int64
		fmt.Fprintf(&b, "%d,%d", x(a.Issued), y(0))
		for _, f := range st.Flows {
			fmt.Fprintf(&b, " %d,%d", x(f.Day), y(sum))
			sum += pick(f)
			fmt.Fprintf(&b, " %d,%d", x(f.Day), y(sum))
		}
		fmt.Fprintf(&b, " %d,%d", x(last), y(sum))
		return b.String()
	}
	c := &legsChart{Width: w, Height: h, Issued: a.Issued, Deadline: a.Deadline, DeadlineX: x(a.Deadline), AsOfX: -1,
		Top:     grouped(barter.FromMinorUnits(top)),
		Imports: line(func(f barter.Flow) int64 { return f.Imports }), Exports: line(func(f barter.Flow) int64 { return f.Exports })}
	if !asOf.Before(a.Issued) && !asOf.After(end) {
		c.AsOfX = x(asOf)
	}
	return c
}

// proposalView is a proposal with the picture of its cycle.
type proposalView struct {
	*barter.Proposal
	Cycle cycle
}

// proposalsListing is the proposals page: a page of proposals, and the outcome of the
// matching run just made from it, if any.
type proposalsListing struct {
	listing
	Run *barter.ProposalRun
}

func (s *Server) proposalsPage(r *http.Request) (any, error) {
	l, err := s.proposalsList(r)
	if err != nil {
		return nil, err
	}
	return proposalsListing{listing: l}, nil
}

func (s *Server) proposalsList(r *http.Request) (listing, error) {
	q := query{r}
	ps, err := s.Service.Proposals(r.Context(), barter.ProposalStatus(q.str("status")), s.today())
	if err != nil {
		return listing{}, err
	}
	from, to, prev, next, err := cut(r, len(ps))
	if err != nil {
		return listing{}, err
	}
	views := make([]proposalView, 0, to-from)
	for i := from; i < to; i++ {
		views = append(views, proposalView{&ps[i], drawCycle(&ps[i], 300)})
	}
	return listing{AsOf: s.today(), Items: views, From: from + 1, To: to, Total: len(ps), PrevLink: prev, NextLink: next,
		Statuses: []string{"pending", "accepted", "declined", "expired"}, Status: q.str("status")}, nil
}

// matchForm runs a matching from the proposals page and shows its outcome above the
// proposals it made. The page is the answer to the POST: reloading it asks the browser
// before running again.
func (s *Server) matchForm(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, s.MaxBody)
	run, err := s.matchFromForm(r)
	page, perr := s.proposalsList(r)
	if err == nil {
		err = perr
	}
	if err != nil {
		status, body := s.errorOf(r, err)
		s.render(w, r, status, "proposals", view{Title: "proposals", Nav: "proposals", Data: proposalsListing{listing: page},
			Error: &body.Error, Heading: headings[body.Error.Code]})
		return
	}
	s.render(w, r, http.StatusCreated, "proposals", view{Title: "proposals", Nav: "proposals", Data: proposalsListing{listing: page, Run: run}})
}

func (s *Server) matchFromForm(r *http.Request) (*barter.ProposalRun, error) {
	if err := r.ParseForm(); err != nil {
		return nil, barter.Invalid("form", "%v", err)
	}
	f := r.PostForm
	in := ProposalRequest{Deadline: f.Get("deadline"), Objective: f.Get("objective")}
	if v := f.Get("time_limit"); v != "" {
		in.TimeLimit = v + "s"
	}
	for _, n := range []struct {
		field string
		to    *int
	}{{"max_cycle", &in.MaxCycle}, {"priority_days", &in.PriorityDays}} {
		if v := f.Get(n.field); v != "" {
			k, err := strconv.Atoi(v)
			if err != nil {
				return nil, barter.Invalid(n.field, "%q is not a whole number", v)
			}
			*n.to = k
		}
	}
	run, _, err := s.runMatching(r, in)
	return run, err
}

type proposalPage struct {
	proposalView
	Answered *barter.ProposalLeg // the leg answered by the form just sent, if any
}

func (s *Server) proposalPage(r *http.Request) (any, error) {
	id, err := pathID(r, "proposal")
	if err != nil {
		return nil, err
	}
	p, err := s.Service.Proposal(r.Context(), id)
	if err != nil {
		return nil, err
	}
	page := proposalPage{proposalView: proposalView{p, drawCycle(p, 380)}}
	answered := query{r}.str("answered")
	for i, l := range p.Legs {
		if l.Party == answered && l.Response != barter.ResponsePending {
			page.Answered = &p.Legs[i]
		}
	}
	return page, nil
}

// respondForm takes a party's answer from the proposal page and sends the browser back
// to it (post, redirect, get), so that reloading does not answer twice.
func (s *Server) respondForm(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, s.MaxBody)
	id, party, err := s.answer(r)
	if err != nil {
		s.page("proposal", func(*http.Request) (any, error) { return nil, err }).ServeHTTP(w, r)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/proposals/%d?answered=%s", id, url.QueryEscape(party)), http.StatusSeeOther)
}

func (s *Server) answer(r *http.Request) (id int64, party string, err error) {
	if id, err = pathID(r, "proposal"); err != nil {
		return 0, "", err
	}
	if err := r.ParseForm(); err != nil {
		return 0, "", barter.Invalid("form", "%v", err)
	}
	party, answer := r.PostForm.Get("party"), r.PostForm.Get("answer")
	if party == "" {
		return 0, "", barter.Invalid("party", "is required")
	}
	if answer != "accept" && answer != "decline" {
		return 0, "", barter.Invalid("answer", "%q is not accept or decline", answer)
	}
	if _, err := s.Service.Respond(r.Context(), id, party, answer == "accept", r.PostForm.Get("reason"), s.today()); err != nil {
		return 0, "", err
	}
	return id, party, nil
}

// cycle is the picture of a cycle: parties on a circle, arrows for who gives to (or
// owes) whom. Coordinates are drawing positions in pixels, not amounts.
type cycle struct {
	Label  string // what the picture shows, for those who cannot see it
	Size   int
	Nodes  []node
	Arrows []arrow
}

type node struct {
	X, Y, W, H int // centre and size of the box
	Party      string
	Detail     string // the second line of the box
	Fill       string
}

type arrow struct {
	X1, Y1, X2, Y2 int
	LX, LY         int
	Anchor         string // text-anchor of the label
	Label          string
}

// ringNode is a party of a cycle to draw, with the second line of its box.
type ringNode struct {
	Party, Detail, Fill string
}

// drawCycle draws a proposal: each party's box says its country and answer.
func drawCycle(p *barter.Proposal, size int) cycle {
	nodes := make([]ringNode, len(p.Legs))
	values := make([]int64, len(p.Legs))
	fills := map[string]string{barter.ResponseAccepted: "#d8f0dc", barter.ResponseDeclined: "#f7dcd8"}
	for i, l := range p.Legs {
		nodes[i] = ringNode{Party: l.Party, Detail: l.Country + " · " + l.Response, Fill: cmp.Or(fills[l.Response], "#fff")}
		values[i] = l.Value
	}
	c := drawRing(nodes, values, size)
	c.Label = "exchange cycle: who gives to whom"
	return c
}

// drawRing draws parties on a circle, each giving values[i] to the next.
func drawRing(nodes []ringNode, values []int64, size int) cycle {
	n := len(nodes)
	c := cycle{Size: size}
	centre, radius := float64(size)/2, float64(size)/2-48
	for i, l := range nodes {
		a := -math.Pi/2 + 2*math.Pi*float64(i)/float64(n)
		h := 24 // a box of one line, or of two when it has a detail
		if l.Detail != "" {
			h = 34
		}
		c.Nodes = append(c.Nodes, node{X: int(math.Round(centre + radius*math.Cos(a))), Y: int(math.Round(centre + radius*math.Sin(a))),
			W: max(7*len(l.Party), 6*len(l.Detail)) + 18, H: h, Party: l.Party, Detail: l.Detail, Fill: cmp.Or(l.Fill, "#fff")})
	}
	// clip is how far from a box's centre a line in direction (ux, uy) leaves the box.
	clip := func(b node, ux, uy float64) float64 {
		t := math.Inf(1)
		if ux != 0 {
			t = float64(b.W) / 2 / math.Abs(ux)
		}
		if uy != 0 {
			t = math.Min(t, float64(b.H)/2/math.Abs(uy))
		}
		return t
	}
	for i := range nodes {
		a, b := c.Nodes[i], c.Nodes[(i+1)%n]
		dx, dy := float64(b.X-a.X), float64(b.Y-a.Y)
		length := math.Hypot(dx, dy)
		if length == 0 {
			continue
		}
		ux, uy := dx/length, dy/length
		// The label sits beside the arrow's midpoint, on the side away from the centre. The
		// two arrows of a pair run side by side, each with its label on its own side.
		mx, my := float64(a.X+b.X)/2, float64(a.Y+b.Y)/2
		ox, oy := -uy, ux
		var sx, sy float64
		if n == 2 {
			sx, sy = ox*8, oy*8
		} else if ox*(mx-centre)+oy*(my-centre) < 0 {
			ox, oy = -ox, -oy
		}
		from, to := clip(a, ux, uy)+2, clip(b, ux, uy)+4
		ar := arrow{X1: a.X + int(ux*from+sx), Y1: a.Y + int(uy*from+sy), X2: b.X - int(ux*to-sx), Y2: b.Y - int(uy*to-sy),
			Label: compact(barter.FromMinorUnits(values[i])), Anchor: "middle"}
		mx, my = mx+sx, my+sy
		ar.LX, ar.LY = int(mx+ox*10), int(my+oy*10+4)
		switch {
		case ox > 0.3:
			ar.Anchor = "start"
		case ox < -0.3:
			ar.Anchor = "end"
		}
		if oy > 0.3 {
			ar.LY += 6
		}
		c.Arrows = append(c.Arrows, ar)
	}
	return c
}

// compact writes an amount for a picture: 1.85 bn, 640.00 m, 12,500.00.
func compact(d barter.Decimal) string {
	switch {
	case d.Abs().Cmp(decimal.New(1, 9)) >= 0:
		return d.Shift(-9).StringFixedBank(2) + " bn"
	case d.Abs().Cmp(decimal.New(1, 6)) >= 0:
		return d.Shift(-6).StringFixedBank(2) + " m"
	}
	return grouped(d)
}
