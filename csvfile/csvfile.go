// Package csvfile reads barter's CSV import files: a header row naming the columns, then
// one record per row. Readers stream: a file of any size is read in constant memory.
// Each row comes out as a value or as an error naming the field at fault; the file name
// and line are added by whoever prints them.
package csvfile

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/barter-clearing/barter"
)

// HeaderError is a problem with the header row.
type HeaderError struct{ Reason string }

func (e *HeaderError) Error() string { return "header: " + e.Reason }

// record is one row with its columns looked up by name.
type record struct {
	cols   map[string]int
	fields []string
}

// get returns the trimmed value of a column, "" when the column is absent.
func (r record) get(name string) string {
	i, ok := r.cols[name]
	if !ok || i >= len(r.fields) {
		return ""
	}
	return strings.TrimSpace(r.fields[i])
}

func (r record) required(name string) (string, error) {
	v := r.get(name)
	if v == "" {
		return "", barter.Invalid(name, "is required")
	}
	return v, nil
}

func (r record) decimal(name string, scale int, required bool) (barter.Decimal, error) {
	v := r.get(name)
	if v == "" {
		if required {
			return barter.Zero, barter.Invalid(name, "is required")
		}
		return barter.Zero, nil
	}
	d, err := barter.ParseDecimal(v, scale)
	if err != nil {
		return d, barter.Invalid(name, "%v", err)
	}
	return d, nil
}

func (r record) date(name string, required bool) (barter.Date, error) {
	v := r.get(name)
	if v == "" {
		if required {
			return barter.Date{}, barter.Invalid(name, "is required")
		}
		return barter.Date{}, nil
	}
	d, err := barter.ParseDate(v)
	if err != nil {
		return d, barter.Invalid(name, "%v", err)
	}
	return d, nil
}

func (r record) bool(name string) (bool, error) {
	v := r.get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, barter.Invalid(name, "%q is not true or false", v)
	}
	return b, nil
}

// rows reads the header, checks that the required columns are there, and yields each
// following record parsed by parse. A malformed record (bad quoting) ends the file with
// an error row, since nothing after it can be trusted to line up.
func rows[T any](in io.Reader, required []string, parse func(record) (T, error)) (iter.Seq[barter.Row[T]], error) {
	cr := csv.NewReader(in)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &HeaderError{"the file is empty; want a header row"}
	}
	if err != nil {
		return nil, &HeaderError{err.Error()}
	}
	header = slices.Clone(header) // the reader reuses its record
	cols := make(map[string]int, len(header))
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := cols[h]; dup {
			return nil, &HeaderError{fmt.Sprintf("column %q appears twice", h)}
		}
		cols[h] = i
	}
	var missing []string
	for _, c := range required {
		if _, ok := cols[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, &HeaderError{fmt.Sprintf("missing column(s) %s; want %s", strings.Join(missing, ", "), strings.Join(required, ","))}
	}
	return func(yield func(barter.Row[T]) bool) {
		for {
			fields, err := cr.Read()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				// FieldPos is only defined after a successful Read.
				line := 0
				var pe *csv.ParseError
				if errors.As(err, &pe) {
					line = pe.StartLine
					err = barter.Invalid("row", "%v", pe.Err)
				}
				yield(barter.Row[T]{Line: line, Err: err})
				return
			}
			line, _ := cr.FieldPos(0)
			if len(fields) == 1 && strings.TrimSpace(fields[0]) == "" {
				continue // blank line
			}
			if err := checkText(header, fields); err != nil {
				if !yield(barter.Row[T]{Line: line, Err: err}) {
					return
				}
				continue
			}
			v, err := parse(record{cols: cols, fields: fields})
			if !yield(barter.Row[T]{Line: line, Value: v, Err: err}) {
				return
			}
		}
	}, nil
}

// checkText rejects fields that are not valid UTF-8 or hold control characters (other
// than tab and line breaks), which one database would store and another refuse.
func checkText(header, fields []string) error {
	for i, f := range fields {
		bad := !utf8.ValidString(f)
		for _, r := range f {
			if bad || (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f {
				bad = true
				break
			}
		}
		if bad {
			name := "row"
			if i < len(header) {
				name = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(header[i], "\ufeff")))
			}
			return barter.Invalid(name, "is not valid UTF-8 text or holds control characters")
		}
	}
	return nil
}

// PartyColumns are the required columns of a parties file. Optional: active_taxpayer,
// atl_checked, collectorate.
var PartyColumns = []string{"id", "name", "country", "tax_id", "kind"}

// Parties reads a parties file.
func Parties(in io.Reader) (iter.Seq[barter.Row[barter.Party]], error) {
	return rows(in, PartyColumns, func(r record) (barter.Party, error) {
		p := barter.Party{ID: r.get("id"), Name: r.get("name"), Country: strings.ToUpper(r.get("country")),
			TaxID: r.get("tax_id"), Kind: barter.PartyKind(strings.ToLower(r.get("kind"))), Collectorate: r.get("collectorate")}
		var err error
		if p.ActiveTaxpayer, err = r.bool("active_taxpayer"); err != nil {
			return p, err
		}
		if p.ATLChecked, err = r.date("atl_checked", false); err != nil {
			return p, err
		}
		return p, p.Validate()
	})
}

// RateColumns are the required columns of a rates file: 1 unit of currency = rate in the
// unit of account. Optional: source.
var RateColumns = []string{"date", "currency", "rate"}

// Rates reads an exchange-rates file.
func Rates(in io.Reader) (iter.Seq[barter.Row[barter.Rate]], error) {
	return rows(in, RateColumns, func(r record) (barter.Rate, error) {
		x := barter.Rate{Currency: strings.ToUpper(r.get("currency")), Source: r.get("source")}
		var err error
		if x.Date, err = r.date("date", true); err != nil {
			return x, err
		}
		if x.Rate, err = r.decimal("rate", barter.RateScale, true); err != nil {
			return x, err
		}
		return x, x.Validate()
	})
}

// AuthorizationColumns are the required columns of an authorizations file. Optional:
// valid_until.
var AuthorizationColumns = []string{"number", "party", "counterparty", "regime", "issued"}

// Authorizations reads a file of authorizations carried over, already approved.
func Authorizations(in io.Reader) (iter.Seq[barter.Row[barter.AuthorizationImport]], error) {
	return rows(in, AuthorizationColumns, func(r record) (barter.AuthorizationImport, error) {
		a := barter.AuthorizationImport{Number: r.get("number"), Party: r.get("party"), Counterparty: r.get("counterparty"), Regime: r.get("regime")}
		var err error
		if a.Number, err = r.required("number"); err != nil {
			return a, err
		}
		if a.Issued, err = r.date("issued", true); err != nil {
			return a, err
		}
		a.ValidUntil, err = r.date("valid_until", false)
		return a, err
	})
}

// LineColumns are the required columns of an authorization-lines file.
var LineColumns = []string{"authorization", "direction", "hs_code", "description", "quantity", "unit", "value", "currency"}

// Lines reads planned lines of authorizations.
func Lines(in io.Reader) (iter.Seq[barter.Row[barter.LineImport]], error) {
	return rows(in, LineColumns, func(r record) (barter.LineImport, error) {
		li := barter.LineImport{Authorization: r.get("authorization")}
		l := &li.Line
		l.HSCode, l.Description, l.Unit, l.Currency = barter.NormalizeHS(r.get("hs_code")), r.get("description"), r.get("unit"), strings.ToUpper(r.get("currency"))
		var err error
		if l.Direction, err = barter.ParseDirection("direction", strings.ToLower(r.get("direction"))); err != nil {
			return li, err
		}
		if l.Quantity, err = r.decimal("quantity", barter.QuantityScale, true); err != nil {
			return li, err
		}
		l.Value, err = r.decimal("value", barter.ValueScale, true)
		return li, err
	})
}

// DeclarationColumns are the required columns of a goods-declarations file;
// assessed_value may be left empty, and then equals declared_value.
var DeclarationColumns = []string{"number", "authorization", "direction", "date", "hs_code", "quantity", "unit", "currency", "declared_value", "assessed_value"}

// Declarations reads goods declarations.
func Declarations(in io.Reader) (iter.Seq[barter.Row[barter.Declaration]], error) {
	return rows(in, DeclarationColumns, func(r record) (barter.Declaration, error) {
		d := barter.Declaration{Number: r.get("number"), Authorization: r.get("authorization"),
			HSCode: barter.NormalizeHS(r.get("hs_code")), Unit: r.get("unit"), Currency: strings.ToUpper(r.get("currency"))}
		var err error
		if d.Number, err = r.required("number"); err != nil {
			return d, err
		}
		if d.Authorization, err = r.required("authorization"); err != nil {
			return d, err
		}
		if d.Direction, err = barter.ParseDirection("direction", strings.ToLower(r.get("direction"))); err != nil {
			return d, err
		}
		if d.Date, err = r.date("date", true); err != nil {
			return d, err
		}
		if d.HSCode == "" {
			return d, barter.Invalid("hs_code", "is required")
		}
		if d.Quantity, err = r.decimal("quantity", barter.QuantityScale, true); err != nil {
			return d, err
		}
		if d.Declared, err = r.decimal("declared_value", barter.ValueScale, true); err != nil {
			return d, err
		}
		d.Assessed, err = r.decimal("assessed_value", barter.ValueScale, false)
		return d, err
	})
}

// ObligationColumns are the required columns of an obligations file; currency is
// optional (empty means one currency for the whole file).
var ObligationColumns = []string{"id", "debtor", "creditor", "amount"}

// Obligations reads obligations to be cleared. Amounts are decimals with at most 2
// fraction digits, read into minor units.
func Obligations(in io.Reader) (iter.Seq[barter.Row[barter.Obligation]], error) {
	return rows(in, ObligationColumns, func(r record) (barter.Obligation, error) {
		o := barter.Obligation{ID: r.get("id"), Debtor: r.get("debtor"), Creditor: r.get("creditor"), Currency: strings.ToUpper(r.get("currency"))}
		switch {
		case o.ID == "":
			return o, barter.Invalid("id", "is required")
		case o.Debtor == "":
			return o, barter.Invalid("debtor", "is required")
		case o.Creditor == "":
			return o, barter.Invalid("creditor", "is required")
		case o.Debtor == o.Creditor:
			return o, barter.Invalid("creditor", "%q is also the debtor", o.Creditor)
		case o.Currency != "" && !barter.IsCurrency(o.Currency):
			return o, barter.Invalid("currency", "%q is not an ISO 4217 currency code", o.Currency)
		}
		amount := r.get("amount")
		if amount == "" {
			return o, barter.Invalid("amount", "is required")
		}
		var err error
		if o.Amount, err = barter.ParseMinor(amount, 2); err != nil {
			return o, barter.Invalid("amount", "%v", err)
		}
		return o, nil
	})
}

// CounterpartColumns are the required columns of a partner country's records of
// shipments: its document, the authorization it quotes, the direction as seen from the
// home country, the date, and the value in its currency.
var CounterpartColumns = []string{"reference", "authorization", "direction", "date", "currency", "value"}

// CounterpartRecords reads a partner country's records of shipments.
func CounterpartRecords(in io.Reader) (iter.Seq[barter.Row[barter.CounterpartRecord]], error) {
	return rows(in, CounterpartColumns, func(r record) (barter.CounterpartRecord, error) {
		c := barter.CounterpartRecord{Reference: r.get("reference"), Authorization: r.get("authorization"), Currency: strings.ToUpper(r.get("currency"))}
		var err error
		switch {
		case c.Reference == "":
			return c, barter.Invalid("reference", "is required")
		case c.Authorization == "":
			return c, barter.Invalid("authorization", "is required")
		case !barter.IsCurrency(c.Currency):
			return c, barter.Invalid("currency", "%q is not an ISO 4217 currency code", c.Currency)
		}
		if c.Direction, err = barter.ParseDirection("direction", strings.ToLower(r.get("direction"))); err != nil {
			return c, err
		}
		if c.Date, err = r.date("date", true); err != nil {
			return c, err
		}
		if c.Value, err = r.decimal("value", barter.ValueScale, true); err != nil {
			return c, err
		}
		if c.Value.IsNegative() {
			return c, barter.Invalid("value", "must not be negative")
		}
		return c, nil
	})
}

// Edge is an arc of a barter-exchange graph read from a file: From can give to To goods
// worth Weight hundredths.
type Edge struct {
	From, To string
	Weight   int64
}

// EdgeColumns are the required columns of an edges file.
var EdgeColumns = []string{"from", "to", "weight"}

// Edges reads a barter-exchange graph. Weights are positive decimals with at most 2
// fraction digits, read into hundredths.
func Edges(in io.Reader) (iter.Seq[barter.Row[Edge]], error) {
	return rows(in, EdgeColumns, func(r record) (Edge, error) {
		e := Edge{From: r.get("from"), To: r.get("to")}
		switch {
		case e.From == "":
			return e, barter.Invalid("from", "is required")
		case e.To == "":
			return e, barter.Invalid("to", "is required")
		case e.From == e.To:
			return e, barter.Invalid("to", "%q is also the giver; an arc joins two participants", e.To)
		}
		w := r.get("weight")
		if w == "" {
			return e, barter.Invalid("weight", "is required")
		}
		var err error
		if e.Weight, err = barter.ParseMinor(w, 2); err != nil {
			return e, barter.Invalid("weight", "%v", err)
		}
		if e.Weight == 0 {
			return e, barter.Invalid("weight", "must be positive")
		}
		return e, nil
	})
}

// OfferColumns are the required columns of an offers file: what each party gives (an HS
// code, a value range in the unit of account, a delivery window) and what it wants in
// return (HS codes or chapters separated by ";", a value range, a window). Optional:
// regime, quantity, unit, origin (the goods' country), ports (ports or border crossings
// separated by ";"), valid_until, blocked.
var OfferColumns = []string{"id", "party", "country", "gives", "value_min", "value_max", "delivery_from", "delivery_to",
	"wants", "want_min", "want_max", "want_from", "want_to"}

// Offers reads offers for matching.
func Offers(in io.Reader) (iter.Seq[barter.Row[barter.Offer]], error) {
	return rows(in, OfferColumns, func(r record) (barter.Offer, error) {
		o := barter.Offer{ID: r.get("id"), Party: r.get("party"), Country: strings.ToUpper(r.get("country")),
			Regime: r.get("regime"), Gives: barter.NormalizeHS(r.get("gives")), Unit: r.get("unit"),
			Origin: strings.ToUpper(r.get("origin")), Ports: barter.SplitList(r.get("ports"))}
		for _, w := range strings.Split(r.get("wants"), ";") {
			if w = barter.NormalizeHS(strings.TrimSpace(w)); w != "" {
				o.Wants = append(o.Wants, w)
			}
		}
		var err error
		for _, f := range []struct {
			name string
			dst  *int64
		}{{"value_min", &o.ValueMin}, {"value_max", &o.ValueMax}, {"want_min", &o.WantMin}, {"want_max", &o.WantMax}} {
			v, err := r.required(f.name)
			if err != nil {
				return o, err
			}
			if *f.dst, err = barter.ParseMinor(v, 2); err != nil {
				return o, barter.Invalid(f.name, "%v", err)
			}
		}
		for _, f := range []struct {
			name     string
			dst      *barter.Date
			required bool
		}{{"delivery_from", &o.From, true}, {"delivery_to", &o.To, true}, {"want_from", &o.WantFrom, true}, {"want_to", &o.WantTo, true}, {"valid_until", &o.ValidUntil, false}} {
			if *f.dst, err = r.date(f.name, f.required); err != nil {
				return o, err
			}
		}
		if o.Quantity, err = r.decimal("quantity", barter.QuantityScale, false); err != nil {
			return o, err
		}
		if o.Blocked, err = r.bool("blocked"); err != nil {
			return o, err
		}
		return o, o.Validate()
	})
}

// PaymentColumns is the header of a settlement file.
var PaymentColumns = []string{"payer", "payee", "amount", "currency"}

// WritePayments writes settlement instructions as CSV with a header row, amounts with 2
// decimals.
func WritePayments(out io.Writer, ps []barter.Payment) error {
	w := csv.NewWriter(out)
	w.Write(PaymentColumns)
	for _, p := range ps {
		w.Write([]string{p.Payer, p.Payee, barter.FormatMinor(p.Amount, 2), p.Currency})
	}
	w.Flush()
	return w.Error()
}
