package http

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/barter-clearing/barter"
)

// The JSON of the API. Amounts and quantities are decimal strings, never JSON numbers, so
// that no client rounds them through floating point; days are YYYY-MM-DD. Field names
// are those of the CSV columns where a CSV file carries the same record.

// Position is an authorization's net-off position.
type Position struct {
	Authorization string `json:"authorization"`
	Party         string `json:"party"`
	Counterparty  string `json:"counterparty"`
	Regime        string `json:"regime"`
	Issued        string `json:"issued"`
	Imports       string `json:"imports"`
	Exports       string `json:"exports"`
	Imbalance     string `json:"imbalance"`
	Deadline      string `json:"deadline"`
	DaysLeft      int    `json:"days_left"`
	Status        string `json:"status"`
	// What more would balance it, while open or overdue: at most one is not "0.00".
	ExportsDue string `json:"exports_due"`
	ImportsDue string `json:"imports_due"`
}

// NewPosition returns the JSON form of p.
func NewPosition(p *barter.Position) Position {
	return Position{p.Authorization, p.Party, p.Counterparty, p.Regime, p.Issued.String(),
		barter.FormatHome(p.Imports), barter.FormatHome(p.Exports), barter.FormatHome(p.Imbalance),
		p.Deadline.String(), p.DaysLeft, string(p.Status), barter.FormatHome(p.ExportsDue), barter.FormatHome(p.ImportsDue)}
}

// Line is a planned import or export of an authorization.
type Line struct {
	Direction   string `json:"direction"`
	HSCode      string `json:"hs_code"`
	Description string `json:"description"`
	Quantity    string `json:"quantity"`
	Unit        string `json:"unit"`
	Value       string `json:"value"`
	Currency    string `json:"currency"`
}

// Authorization is a barter permit or an application for one.
type Authorization struct {
	ID           int64  `json:"id"`
	Number       string `json:"number,omitempty"`
	Party        string `json:"party"`
	Counterparty string `json:"counterparty"`
	Regime       string `json:"regime"`
	Status       string `json:"status"`
	Applied      string `json:"applied,omitempty"`
	Issued       string `json:"issued,omitempty"`
	Deadline     string `json:"deadline,omitempty"`
	ValidUntil   string `json:"valid_until,omitempty"`
	Reason       string `json:"reason,omitempty"`
	Cancelled    string `json:"cancelled,omitempty"`
	Lines        []Line `json:"lines"`
}

func day(d barter.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

// NewAuthorization returns the JSON form of a.
func NewAuthorization(a *barter.Authorization) Authorization {
	out := Authorization{ID: a.ID, Number: a.Number, Party: a.Party, Counterparty: a.Counterparty, Regime: a.Regime,
		Status: string(a.Status), Applied: day(a.Applied), Issued: day(a.Issued), Deadline: day(a.Deadline),
		ValidUntil: day(a.ValidUntil), Reason: a.Reason, Cancelled: day(a.Cancelled), Lines: []Line{}}
	for _, l := range a.Lines {
		out.Lines = append(out.Lines, Line{string(l.Direction), l.HSCode, l.Description, l.Quantity.String(), l.Unit, l.Value.String(), l.Currency})
	}
	return out
}

// Flow is what was booked to an authorization on one day, in the unit of account.
type Flow struct {
	Day     string `json:"day"`
	Imports string `json:"imports"`
	Exports string `json:"exports"`
}

// Standing is an authorization with what was booked to it day by day and, once issued,
// its position.
type Standing struct {
	Authorization Authorization `json:"authorization"`
	Flows         []Flow        `json:"flows"`
	Position      *Position     `json:"position,omitempty"`
}

// NewStanding returns the JSON form of st.
func NewStanding(st *barter.Standing) Standing {
	out := Standing{Authorization: NewAuthorization(st.Authorization), Flows: []Flow{}}
	for _, f := range st.Flows {
		out.Flows = append(out.Flows, Flow{f.Day.String(), barter.FormatMinor(f.Imports, 2), barter.FormatMinor(f.Exports, 2)})
	}
	if st.Position != nil {
		p := NewPosition(st.Position)
		out.Position = &p
	}
	return out
}

// Application is a trader's request for an authorization.
type Application struct {
	Party        string `json:"party"`
	Counterparty string `json:"counterparty"`
	Regime       string `json:"regime"`
	ValidUntil   string `json:"valid_until"`
	Lines        []Line `json:"lines"`
}

func (a *Application) parse() (*barter.Application, error) {
	app := &barter.Application{Party: a.Party, Counterparty: a.Counterparty, Regime: a.Regime}
	var err error
	if app.ValidUntil, err = optionalDate("valid_until", a.ValidUntil); err != nil {
		return nil, err
	}
	for i, l := range a.Lines {
		field := func(name string) string { return "lines[" + strconv.Itoa(i) + "]." + name }
		bl := barter.Line{HSCode: barter.NormalizeHS(l.HSCode), Description: l.Description, Unit: l.Unit, Currency: strings.ToUpper(l.Currency)}
		if bl.Direction, err = barter.ParseDirection(field("direction"), strings.ToLower(l.Direction)); err != nil {
			return nil, err
		}
		if bl.Quantity, err = parseDecimal(field("quantity"), l.Quantity, barter.QuantityScale); err != nil {
			return nil, err
		}
		if bl.Value, err = parseDecimal(field("value"), l.Value, barter.ValueScale); err != nil {
			return nil, err
		}
		app.Lines = append(app.Lines, bl)
	}
	return app, nil
}

// Declaration is a goods declaration: what a client posts, and what the clearing house
// answers with its valuation and ledger entry.
type Declaration struct {
	Number        string `json:"number"`
	Authorization string `json:"authorization"`
	Direction     string `json:"direction"`
	Date          string `json:"date"`
	HSCode        string `json:"hs_code"`
	Quantity      string `json:"quantity"`
	Unit          string `json:"unit"`
	Currency      string `json:"currency"`
	Declared      string `json:"declared_value"`
	Assessed      string `json:"assessed_value,omitempty"`
	Rate          string `json:"rate,omitempty"`
	RateDate      string `json:"rate_date,omitempty"`
	Value         string `json:"value,omitempty"`
	Entry         int64  `json:"entry,omitempty"`
}

func (d *Declaration) parse() (*barter.Declaration, error) {
	gd := &barter.Declaration{Number: d.Number, Authorization: d.Authorization, HSCode: barter.NormalizeHS(d.HSCode),
		Unit: d.Unit, Currency: strings.ToUpper(d.Currency)}
	var err error
	if gd.Direction, err = barter.ParseDirection("direction", strings.ToLower(d.Direction)); err != nil {
		return nil, err
	}
	if gd.Date, err = requiredDate("date", d.Date); err != nil {
		return nil, err
	}
	if gd.Quantity, err = parseDecimal("quantity", d.Quantity, barter.QuantityScale); err != nil {
		return nil, err
	}
	if gd.Declared, err = parseDecimal("declared_value", d.Declared, barter.ValueScale); err != nil {
		return nil, err
	}
	if d.Assessed != "" {
		if gd.Assessed, err = parseDecimal("assessed_value", d.Assessed, barter.ValueScale); err != nil {
			return nil, err
		}
	}
	return gd, nil
}

// NewDeclaration returns the JSON form of a posted declaration.
func NewDeclaration(d *barter.Declaration) Declaration {
	return Declaration{d.Number, d.Authorization, string(d.Direction), d.Date.String(), d.HSCode, d.Quantity.String(), d.Unit,
		d.Currency, d.Declared.String(), d.Assessed.String(), d.Rate.String(), day(d.RateDate), barter.FormatHome(d.Value), d.Entry}
}

// Reassessment is customs' later assessment of a posted declaration, booked as a ledger
// entry of its own.
type Reassessment struct {
	Date     string `json:"date"`
	Assessed string `json:"assessed_value"`
	Value    string `json:"value"` // in the unit of account, at the declaration's rate
	Delta    string `json:"delta"` // value less the value before
	Entry    int64  `json:"entry"`
}

// NewReassessment converts a reassessment for the API.
func NewReassessment(r *barter.Reassessment) Reassessment {
	return Reassessment{r.Date.String(), r.Assessed.String(), barter.FormatHome(r.Value), barter.FormatHome(r.Delta), r.Entry}
}

// DeclarationRecord is a posted declaration with its reassessments, oldest first.
type DeclarationRecord struct {
	Declaration
	Reassessments []Reassessment `json:"reassessments"`
}

// NewDeclarationRecord converts a declaration and its reassessments for the API.
func NewDeclarationRecord(d *barter.Declaration, rs []barter.Reassessment) DeclarationRecord {
	out := DeclarationRecord{Declaration: NewDeclaration(d), Reassessments: []Reassessment{}}
	for i := range rs {
		out.Reassessments = append(out.Reassessments, NewReassessment(&rs[i]))
	}
	return out
}

// Offer is what a party gives and wants in return, for matching.
type Offer struct {
	ID           string   `json:"id"`
	Party        string   `json:"party"`
	Country      string   `json:"country"`
	Regime       string   `json:"regime"`
	Gives        string   `json:"gives"`
	Origin       string   `json:"origin,omitempty"` // the goods' country, if stated
	Ports        []string `json:"ports,omitempty"`  // ports or border crossings they leave by
	Quantity     string   `json:"quantity,omitempty"`
	Unit         string   `json:"unit,omitempty"`
	ValueMin     string   `json:"value_min"`
	ValueMax     string   `json:"value_max"`
	DeliveryFrom string   `json:"delivery_from"`
	DeliveryTo   string   `json:"delivery_to"`
	Wants        []string `json:"wants"`
	WantMin      string   `json:"want_min"`
	WantMax      string   `json:"want_max"`
	WantFrom     string   `json:"want_from"`
	WantTo       string   `json:"want_to"`
	ValidUntil   string   `json:"valid_until,omitempty"`
	Blocked      bool     `json:"blocked,omitempty"`
	Status       string   `json:"status,omitempty"`
}

// NewOffer returns the JSON form of o.
func NewOffer(o *barter.Offer) Offer {
	q := ""
	if !o.Quantity.IsZero() {
		q = o.Quantity.String()
	}
	return Offer{o.ID, o.Party, o.Country, o.Regime, o.Gives, o.Origin, slices.Clone(o.Ports), q, o.Unit, barter.FormatMinor(o.ValueMin, 2), barter.FormatMinor(o.ValueMax, 2),
		o.From.String(), o.To.String(), append([]string{}, o.Wants...), barter.FormatMinor(o.WantMin, 2), barter.FormatMinor(o.WantMax, 2),
		o.WantFrom.String(), o.WantTo.String(), day(o.ValidUntil), o.Blocked, string(o.Status)}
}

func (o *Offer) parse() (*barter.Offer, error) {
	if o.Status != "" {
		return nil, barter.Invalid("status", "is set by the clearing house, not by the party")
	}
	if o.Blocked {
		return nil, barter.Invalid("blocked", "is set by sanctions screening, not by the party")
	}
	of := &barter.Offer{ID: o.ID, Party: o.Party, Country: strings.ToUpper(o.Country), Regime: o.Regime,
		Gives: barter.NormalizeHS(o.Gives), Unit: o.Unit, Origin: strings.ToUpper(o.Origin), Ports: barter.SplitList(strings.Join(o.Ports, ";"))}
	for _, w := range o.Wants {
		if w = barter.NormalizeHS(strings.TrimSpace(w)); w != "" {
			of.Wants = append(of.Wants, w)
		}
	}
	var err error
	for _, f := range []struct {
		name, v string
		dst     *int64
	}{{"value_min", o.ValueMin, &of.ValueMin}, {"value_max", o.ValueMax, &of.ValueMax}, {"want_min", o.WantMin, &of.WantMin}, {"want_max", o.WantMax, &of.WantMax}} {
		if f.v == "" {
			return nil, barter.Invalid(f.name, "is required")
		}
		if *f.dst, err = barter.ParseMinor(f.v, 2); err != nil {
			return nil, barter.Invalid(f.name, "%v", err)
		}
	}
	for _, f := range []struct {
		name, v string
		dst     *barter.Date
	}{{"delivery_from", o.DeliveryFrom, &of.From}, {"delivery_to", o.DeliveryTo, &of.To}, {"want_from", o.WantFrom, &of.WantFrom}, {"want_to", o.WantTo, &of.WantTo}} {
		if *f.dst, err = requiredDate(f.name, f.v); err != nil {
			return nil, err
		}
	}
	if of.ValidUntil, err = optionalDate("valid_until", o.ValidUntil); err != nil {
		return nil, err
	}
	if o.Quantity != "" {
		if of.Quantity, err = parseDecimal("quantity", o.Quantity, barter.QuantityScale); err != nil {
			return nil, err
		}
	}
	return of, nil
}

// Leg says whether one offer can give to another, as matching sees it.
type Leg struct {
	From     string   `json:"from"`
	To       string   `json:"to"`
	Possible bool     `json:"possible"`
	Value    string   `json:"value,omitempty"`
	Reasons  []string `json:"reasons"`
}

// NewLeg returns the JSON form of l.
func NewLeg(l *barter.Leg) Leg {
	out := Leg{From: l.From.ID, To: l.To.ID, Possible: l.Possible, Reasons: append([]string{}, l.Reasons...)}
	if l.Possible {
		out.Value = barter.FormatMinor(l.Value, 2)
	}
	return out
}

// Proposal is an exchange cycle put to its parties.
type Proposal struct {
	ID             int64                   `json:"id"`
	Created        string                  `json:"created"`
	Deadline       string                  `json:"deadline"`
	Status         string                  `json:"status"`
	Value          string                  `json:"value"`
	Legs           []ProposalLeg           `json:"legs"`
	Authorizations []ProposalAuthorization `json:"authorizations"`
}

// ProposalLeg is one party's place in a proposal: its offer gives to the next leg's.
type ProposalLeg struct {
	Offer     string `json:"offer"`
	Party     string `json:"party"`
	Country   string `json:"country"`
	GivesTo   string `json:"gives_to"`
	Value     string `json:"value"`
	Response  string `json:"response"`
	Responded string `json:"responded,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

// ProposalAuthorization is the application filed for a proposal's legs with one country.
type ProposalAuthorization struct {
	Country       string `json:"country"`
	Authorization int64  `json:"authorization"`
}

// NewProposal returns the JSON form of p.
func NewProposal(p *barter.Proposal) Proposal {
	out := Proposal{ID: p.ID, Created: p.Created.String(), Deadline: p.Deadline.String(), Status: string(p.Status),
		Value: barter.FormatMinor(p.Value, 2), Legs: []ProposalLeg{}, Authorizations: []ProposalAuthorization{}}
	for i, l := range p.Legs {
		next := p.Legs[(i+1)%len(p.Legs)]
		out.Legs = append(out.Legs, ProposalLeg{l.Offer, l.Party, l.Country, next.Party, barter.FormatMinor(l.Value, 2), l.Response, day(l.Responded), l.Reason})
	}
	for _, a := range p.Authorizations {
		out.Authorizations = append(out.Authorizations, ProposalAuthorization{a.Country, a.Authorization})
	}
	return out
}

// ProposalRequest asks for a matching run of the offers valid today.
type ProposalRequest struct {
	Deadline     string `json:"deadline"` // default two weeks from today`
	MaxCycle     int    `json:"max_cycle"`
	TimeLimit    string `json:"time_limit"` // a Go duration such as "30s"
	Objective    string `json:"objective"`  // value (default) or parties
	PriorityDays int    `json:"priority_days"`
}

// ProposalRun is the outcome of a matching run.
type ProposalRun struct {
	Offers      int        `json:"offers"`
	Arcs        int        `json:"arcs"`
	Weight      string     `json:"weight"`
	Bound       string     `json:"bound"`
	Optimal     bool       `json:"optimal"`
	Served      *int       `json:"served,omitempty"`
	ServedBound *int       `json:"served_bound,omitempty"`
	Proposals   []Proposal `json:"proposals"`
}

// Response is a party's answer to a proposal. It is dated by the clearing house.
type Response struct {
	Party  string `json:"party"`
	Reason string `json:"reason"`
}

// LedgerReport says whether the ledger holds its invariants.
type LedgerReport struct {
	OK         bool         `json:"ok"`
	Entries    int64        `json:"entries"`
	Postings   int64        `json:"postings"`
	Debits     string       `json:"debits"`
	Credits    string       `json:"credits"`
	Unbalanced []Unbalanced `json:"unbalanced"`
	// StaleFlows are authorizations whose flows kept for posting differ from the ledger.
	StaleFlows []string `json:"stale_flows"`
}

// Unbalanced is a ledger entry whose postings do not sum to zero.
type Unbalanced struct {
	Entry int64  `json:"entry"`
	Ref   string `json:"ref"`
	Sum   string `json:"sum"`
}

// Reconciliation is the outcome of cancelling what is overdue.
type Reconciliation struct {
	ID        int64          `json:"id"`
	AsOf      string         `json:"as_of"`
	Cancelled []Cancellation `json:"cancelled"`
}

// Cancellation is one authorization a reconciliation cancelled.
type Cancellation struct {
	Authorization string `json:"authorization"`
	Reason        string `json:"reason"`
}

func parseDecimal(field, s string, scale int) (barter.Decimal, error) {
	if s == "" {
		return barter.Zero, barter.Invalid(field, "is required")
	}
	d, err := barter.ParseDecimal(s, scale)
	if err != nil {
		return d, barter.Invalid(field, "%v", err)
	}
	return d, nil
}

func requiredDate(field, s string) (barter.Date, error) {
	if s == "" {
		return barter.Date{}, barter.Invalid(field, "is required")
	}
	return optionalDate(field, s)
}

func optionalDate(field, s string) (barter.Date, error) {
	if s == "" {
		return barter.Date{}, nil
	}
	d, err := barter.ParseDate(s)
	if err != nil {
		return d, barter.Invalid(field, "%v", err)
	}
	return d, nil
}

// decodeAs reads a request body into in and parses it into the domain's value.
func decodeAs[T any](r *http.Request, in interface{ parse() (T, error) }) (T, error) {
	if err := decode(r, in); err != nil {
		var zero T
		return zero, err
	}
	return in.parse()
}

// Handlers. Each returns the status and value to write, or an error for errorOf.

func (s *Server) positions(r *http.Request) (int, any, error) {
	q := query{r}
	asOf, err := q.date("as_of", s.today())
	if err != nil {
		return 0, nil, err
	}
	ps, err := s.Service.Positions(r.Context(), asOf)
	if err != nil {
		return 0, nil, err
	}
	ps = filterPositions(ps, q.str("status"), q.str("party"))
	out, err := paginate(r, ps, NewPosition)
	return http.StatusOK, out, err
}

// filterPositions keeps the positions of a status and a party (home trader or
// counterparty); empty keeps all.
func filterPositions(ps []barter.Position, status, party string) []barter.Position {
	if status == "" && party == "" {
		return ps
	}
	kept := make([]barter.Position, 0, len(ps))
	for _, p := range ps {
		if (status == "" || string(p.Status) == status) && (party == "" || p.Party == party || p.Counterparty == party) {
			kept = append(kept, p)
		}
	}
	return kept
}

func (s *Server) authorizations(r *http.Request) (int, any, error) {
	as, err := s.Service.Authorizations(r.Context(), barter.Status(query{r}.str("status")))
	if err != nil {
		return 0, nil, err
	}
	out, err := paginate(r, as, NewAuthorization)
	return http.StatusOK, out, err
}

func (s *Server) standing(r *http.Request) (int, any, error) {
	id, err := pathID(r, "authorization")
	if err != nil {
		return 0, nil, err
	}
	asOf, err := query{r}.date("as_of", s.today())
	if err != nil {
		return 0, nil, err
	}
	st, err := s.Service.Standing(r.Context(), id, asOf)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, NewStanding(st), nil
}

func (s *Server) apply(r *http.Request) (int, any, error) {
	app, err := decodeAs[*barter.Application](r, &Application{})
	if err != nil {
		return 0, nil, err
	}
	a, err := s.Service.Apply(r.Context(), app)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, NewAuthorization(a), nil
}

// Approval and rejection are dated by the clearing house, not by the client.

func (s *Server) approve(r *http.Request) (int, any, error) {
	id, err := pathID(r, "application")
	if err != nil {
		return 0, nil, err
	}
	var in struct{}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	a, err := s.Service.Approve(r.Context(), id, s.today())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, NewAuthorization(a), nil
}

func (s *Server) reject(r *http.Request) (int, any, error) {
	id, err := pathID(r, "application")
	if err != nil {
		return 0, nil, err
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	a, err := s.Service.Reject(r.Context(), id, in.Reason)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, NewAuthorization(a), nil
}

func (s *Server) declare(r *http.Request) (int, any, error) {
	gd, err := decodeAs[*barter.Declaration](r, &Declaration{})
	if err != nil {
		return 0, nil, err
	}
	dup, err := s.Service.PostDeclaration(r.Context(), gd)
	if err != nil {
		return 0, nil, err
	}
	return created(dup), NewDeclaration(gd), nil
}

// declarations lists the declarations posted to one authorization, asked for by its
// number (?authorization=), a page at a time.
func (s *Server) declarations(r *http.Request) (int, any, error) {
	number := query{r}.str("authorization")
	if number == "" {
		return 0, nil, barter.Invalid("authorization", "is required: the number of the authorization whose declarations to list")
	}
	if _, _, err := pageBounds(r); err != nil {
		return 0, nil, err // before the declarations are read
	}
	ds, err := s.Service.DeclarationsOf(r.Context(), number)
	if err != nil {
		return 0, nil, err
	}
	out, err := paginate(r, ds, NewDeclaration)
	return http.StatusOK, out, err
}

func (s *Server) declaration(r *http.Request) (int, any, error) {
	d, rs, err := s.Service.Declaration(r.Context(), r.PathValue("number"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, NewDeclarationRecord(d, rs), nil
}

// reassess books customs' new assessment of a posted declaration, dated by the server's
// clock.
func (s *Server) reassess(r *http.Request) (int, any, error) {
	var in struct {
		Assessed string `json:"assessed_value"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	if in.Assessed == "" {
		return 0, nil, barter.Invalid("assessed_value", "is required")
	}
	assessed, err := parseDecimal("assessed_value", in.Assessed, barter.ValueScale)
	if err != nil {
		return 0, nil, err
	}
	re, err := s.Service.Reassess(r.Context(), r.PathValue("number"), assessed, s.today())
	if err != nil {
		return 0, nil, err
	}
	// 200 where the value changed nothing and nothing was booked.
	return created(re.Entry == 0), NewReassessment(re), nil
}

func (s *Server) offers(r *http.Request) (int, any, error) {
	os, err := s.Service.Offers(r.Context(), barter.OfferStatus(query{r}.str("status")))
	if err != nil {
		return 0, nil, err
	}
	out, err := paginate(r, os, NewOffer)
	return http.StatusOK, out, err
}

func (s *Server) offer(r *http.Request) (int, any, error) {
	o, err := s.Service.Offer(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, NewOffer(o), nil
}

func (s *Server) explainLeg(r *http.Request) (int, any, error) {
	asOf, err := query{r}.date("as_of", s.today())
	if err != nil {
		return 0, nil, err
	}
	l, err := s.Service.ExplainLeg(r.Context(), r.PathValue("id"), r.PathValue("to"), asOf)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, NewLeg(l), nil
}

func (s *Server) createOffer(r *http.Request) (int, any, error) {
	of, err := decodeAs[*barter.Offer](r, &Offer{})
	if err != nil {
		return 0, nil, err
	}
	dup, err := s.Service.CreateOffer(r.Context(), of)
	if err != nil {
		return 0, nil, err
	}
	return created(dup), NewOffer(of), nil
}

func (s *Server) proposals(r *http.Request) (int, any, error) {
	// Proposals past their deadline by the clearing house's clock show as expired; no
	// client's date can expire them early.
	ps, err := s.Service.Proposals(r.Context(), barter.ProposalStatus(query{r}.str("status")), s.today())
	if err != nil {
		return 0, nil, err
	}
	out, err := paginate(r, ps, NewProposal)
	return http.StatusOK, out, err
}

func (s *Server) proposal(r *http.Request) (int, any, error) {
	id, err := pathID(r, "proposal")
	if err != nil {
		return 0, nil, err
	}
	p, err := s.Service.Proposal(r.Context(), id)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, NewProposal(p), nil
}

func (s *Server) propose(r *http.Request) (int, any, error) {
	var in ProposalRequest
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	run, goal, err := s.runMatching(r, in)
	if err != nil {
		return 0, nil, err
	}
	res := run.Result
	out := ProposalRun{Offers: run.Offers, Arcs: run.Arcs, Weight: barter.FormatMinor(res.Weight, 2),
		Bound: barter.FormatMinor(res.Bound, 2), Optimal: res.Optimal, Proposals: []Proposal{}}
	if goal.Parties || goal.PriorityDays > 0 {
		out.Served, out.ServedBound = &res.Served, &res.ServedBound
	}
	for i := range run.Proposals {
		out.Proposals = append(out.Proposals, NewProposal(&run.Proposals[i]))
	}
	return http.StatusCreated, out, nil
}

// runMatching matches the open offers as a request asks and puts the cycles found to
// their parties.
func (s *Server) runMatching(r *http.Request, in ProposalRequest) (*barter.ProposalRun, barter.MatchGoal, error) {
	asOf := s.today()
	due, err := optionalDate("deadline", in.Deadline)
	if err != nil {
		return nil, barter.MatchGoal{}, err
	}
	if due.IsZero() {
		due = asOf.AddDays(14)
	}
	switch in.MaxCycle {
	case 0:
		in.MaxCycle = 3
	case 2, 3, 4:
	default:
		return nil, barter.MatchGoal{}, barter.Invalid("max_cycle", "%d is not 2, 3 or 4", in.MaxCycle)
	}
	limit := 30 * time.Second
	if in.TimeLimit != "" {
		if limit, err = time.ParseDuration(in.TimeLimit); err != nil || limit < time.Second || limit > 10*time.Minute {
			return nil, barter.MatchGoal{}, barter.Invalid("time_limit", "%q is not a duration from 1s to 10m such as \"30s\"", in.TimeLimit)
		}
	}
	goal := barter.MatchGoal{PriorityDays: in.PriorityDays}
	switch in.Objective {
	case "", "value":
	case "parties":
		if in.PriorityDays > 0 {
			return nil, barter.MatchGoal{}, barter.Invalid("priority_days", "does not go with objective parties")
		}
		goal.Parties = true
	default:
		return nil, barter.MatchGoal{}, barter.Invalid("objective", "%q is not value or parties", in.Objective)
	}
	run, err := s.Service.Propose(r.Context(), asOf, due, in.MaxCycle, limit, goal)
	return run, goal, err
}

func (s *Server) respond(accept bool) func(*http.Request) (int, any, error) {
	return func(r *http.Request) (int, any, error) {
		id, err := pathID(r, "proposal")
		if err != nil {
			return 0, nil, err
		}
		var in Response
		if err := decode(r, &in); err != nil {
			return 0, nil, err
		}
		if in.Party == "" {
			return 0, nil, barter.Invalid("party", "is required")
		}
		p, err := s.Service.Respond(r.Context(), id, in.Party, accept, in.Reason, s.today())
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, NewProposal(p), nil
	}
}

func (s *Server) reconcile(r *http.Request) (int, any, error) {
	var in struct {
		AsOf string `json:"as_of"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	asOf, err := requiredDate("as_of", in.AsOf)
	if err != nil {
		return 0, nil, err
	}
	rec, err := s.Service.Reconcile(r.Context(), asOf)
	if err != nil {
		return 0, nil, err
	}
	out := Reconciliation{ID: rec.ID, AsOf: rec.AsOf.String(), Cancelled: []Cancellation{}}
	for _, c := range rec.Cancelled {
		out.Cancelled = append(out.Cancelled, Cancellation{c.Authorization, c.Reason})
	}
	return http.StatusCreated, out, nil
}

func (s *Server) verify(r *http.Request) (int, any, error) {
	rep, err := s.Service.VerifyLedger(r.Context())
	if err != nil {
		return 0, nil, err
	}
	out := LedgerReport{OK: rep.OK(), Entries: rep.Entries, Postings: rep.Postings, Debits: barter.FormatHome(rep.Debits),
		Credits: barter.FormatHome(rep.Credits), Unbalanced: []Unbalanced{}, StaleFlows: append([]string{}, rep.StaleFlows...)}
	for _, u := range rep.Unbalanced {
		out.Unbalanced = append(out.Unbalanced, Unbalanced{u.ID, u.Ref, barter.FormatHome(u.Sum)})
	}
	return http.StatusOK, out, nil
}

// Me is who a request is made by.
type Me struct {
	Open  bool   `json:"open"` // no user is registered: anyone may do anything
	Name  string `json:"name,omitempty"`
	Role  string `json:"role,omitempty"`
	Party string `json:"party,omitempty"`
	// Consortiums the trader's party is a member of, whose records it sees too.
	Consortiums []string `json:"consortiums,omitempty"`
}

func (s *Server) me(r *http.Request) (int, any, error) {
	u := userFrom(r)
	if u == nil {
		return http.StatusOK, Me{Open: true}, nil
	}
	return http.StatusOK, Me{Name: u.Name, Role: string(u.Role), Party: u.Party, Consortiums: u.Consortiums}, nil
}
