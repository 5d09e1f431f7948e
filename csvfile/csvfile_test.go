package csvfile_test

import (
	"errors"
	"io"
	"iter"
	"slices"
	"strings"
	"testing"

	"github.com/barter-clearing/barter"
	"github.com/barter-clearing/barter/csvfile"
)

func collect[T any](tb testing.TB, read func(io.Reader) (iter.Seq[barter.Row[T]], error), in string) []barter.Row[T] {
	tb.Helper()
	seq, err := read(strings.NewReader(in))
	if err != nil {
		tb.Fatal(err)
	}
	var rows []barter.Row[T]
	for r := range seq {
		rows = append(rows, r)
	}
	return rows
}

func fieldOf(err error) string {
	var e *barter.Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

func TestDeclarations(t *testing.T) {
	in := `number,authorization,direction,date,hs_code,quantity,unit,currency,declared_value,assessed_value
GD-1,BT-1,import,2024-10-20,0713.20,5000,t,usd,3520000.50,
GD-2,BT-1,EXPORT,2024-10-21,100630,5000,t,USD,100,120

GD-3,BT-1,sideways,2024-10-21,100630,5000,t,USD,100,
GD-4,BT-1,import,2024-13-01,100630,5000,t,USD,100,
GD-5,BT-1,import,2024-10-21,100630,five,t,USD,100,
GD-6,BT-1,import,2024-10-21,100630,1,t,USD,1.00001,
,BT-1,import,2024-10-21,100630,1,t,USD,1,
GD-8,BT-1,import,2024-10-21,,1,t,USD,1,
`
	rows := collect(t, csvfile.Declarations, in)
	if len(rows) != 8 {
		t.Fatalf("got %d rows, want 8 (the blank line skipped)", len(rows))
	}
	d := rows[0].Value
	if rows[0].Err != nil || rows[0].Line != 2 || d.HSCode != "071320" || d.Currency != "USD" || d.Declared.String() != "3520000.5" || !d.Assessed.IsZero() {
		t.Errorf("row 1 = %+v, %v", d, rows[0].Err)
	}
	if rows[1].Err != nil || rows[1].Value.Direction != barter.Export || rows[1].Value.Assessed.String() != "120" {
		t.Errorf("row 2 = %+v, %v", rows[1].Value, rows[1].Err)
	}
	wants := []struct {
		line  int
		field string
	}{{5, "direction"}, {6, "date"}, {7, "quantity"}, {8, "declared_value"}, {9, "number"}, {10, "hs_code"}}
	for i, w := range wants {
		r := rows[i+2]
		if r.Line != w.line || fieldOf(r.Err) != w.field {
			t.Errorf("row %d: line %d error %v; want line %d field %s", i+3, r.Line, r.Err, w.line, w.field)
		}
	}
}

func TestHeader(t *testing.T) {
	for name, in := range map[string]string{
		"empty":     "",
		"missing":   "number,authorization\nA,B\n",
		"duplicate": "id,id,name,country,tax_id,kind\n",
	} {
		_, err := csvfile.Parties(strings.NewReader(in))
		var he *csvfile.HeaderError
		if !errors.As(err, &he) {
			t.Errorf("%s header: %v, want a HeaderError", name, err)
		}
	}
	// Column order is free, names are case-insensitive, and a byte-order mark is ignored.
	rows := collect(t, csvfile.Rates, "\ufeffRATE,Currency,date\n280.5,usd,2024-01-01\n")
	if len(rows) != 1 || rows[0].Err != nil || rows[0].Value.Currency != "USD" || rows[0].Value.Rate.String() != "280.5" {
		t.Errorf("reordered header: %+v", rows)
	}
}

func TestBadQuoting(t *testing.T) {
	in := "id,name,country,tax_id,kind\nP1,\"Open quote,PK,1,private\nP2,B,PK,2,private\n"
	rows := collect(t, csvfile.Parties, in)
	if len(rows) == 0 || rows[len(rows)-1].Err == nil {
		t.Fatalf("rows = %+v, want a final error for the broken quote", rows)
	}
}

func TestOtherKinds(t *testing.T) {
	parties := collect(t, csvfile.Parties, "id,name,country,tax_id,kind,active_taxpayer,atl_checked\nP1,A,pk,123,Private,true,2024-01-01\nP2,B,XX,1,private,,\nP3,C,PK,1,private,maybe,\n")
	if parties[0].Err != nil || parties[0].Value.Country != "PK" || !parties[0].Value.ActiveTaxpayer || parties[0].Value.Kind != barter.PartyPrivate {
		t.Errorf("party 1 = %+v, %v", parties[0].Value, parties[0].Err)
	}
	if fieldOf(parties[1].Err) != "country" || fieldOf(parties[2].Err) != "active_taxpayer" {
		t.Errorf("party errors = %v, %v", parties[1].Err, parties[2].Err)
	}
	auths := collect(t, csvfile.Authorizations, "number,party,counterparty,regime,issued\nBT-1,P1,F1,2025,2024-01-01\nBT-2,P1,F1,2025,\n")
	if auths[0].Err != nil || auths[0].Value.Issued != barter.MustDate("2024-01-01") || fieldOf(auths[1].Err) != "issued" {
		t.Errorf("authorizations = %+v", auths)
	}
	lines := collect(t, csvfile.Lines, "authorization,direction,hs_code,description,quantity,unit,value,currency\nBT-1,import,07.13,pulses,10,t,100,USD\nBT-1,import,0713,pulses,ten,t,100,USD\n")
	if lines[0].Err != nil || lines[0].Value.Line.HSCode != "0713" || fieldOf(lines[1].Err) != "quantity" {
		t.Errorf("lines = %+v", lines)
	}
}

// fuzzReader checks that a reader never panics and that every row it yields has a line
// number and either a value or an error naming a field.
func fuzzReader[T any](f *testing.F, read func(io.Reader) (iter.Seq[barter.Row[T]], error), seeds ...string) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		seq, err := read(strings.NewReader(in))
		if err != nil {
			return
		}
		for r := range seq {
			if r.Line < 2 {
				t.Fatalf("row with line %d", r.Line)
			}
			if r.Err != nil && fieldOf(r.Err) == "" {
				t.Fatalf("error without a field: %v", r.Err)
			}
		}
	})
}

func FuzzDeclarations(f *testing.F) {
	fuzzReader(f, csvfile.Declarations,
		"number,authorization,direction,date,hs_code,quantity,unit,currency,declared_value,assessed_value\nGD-1,BT-1,import,2024-10-20,071320,5000,t,USD,3520000,\n",
		"number,authorization,direction,date,hs_code,quantity,unit,currency,declared_value,assessed_value\n\"GD\n1\",BT,export,x,y,z,t,USD,1e9,-0\n")
}

func FuzzParties(f *testing.F) {
	fuzzReader(f, csvfile.Parties, "id,name,country,tax_id,kind\nP1,A,PK,1,private\n", "id,name,country,tax_id,kind,active_taxpayer\nP1,,,,,x\n")
}

func FuzzRates(f *testing.F) {
	fuzzReader(f, csvfile.Rates, "date,currency,rate\n2024-01-01,USD,280.5\n", "date,currency,rate\n2024-02-30,usd,-1\n")
}

func FuzzAuthorizations(f *testing.F) {
	fuzzReader(f, csvfile.Authorizations, "number,party,counterparty,regime,issued\nBT-1,P1,F1,2025,2024-01-01\n")
}

func FuzzLines(f *testing.F) {
	fuzzReader(f, csvfile.Lines, "authorization,direction,hs_code,description,quantity,unit,value,currency\nBT-1,import,0713,pulses,10,t,100,USD\n")
}

func FuzzObligations(f *testing.F) {
	fuzzReader(f, csvfile.Obligations, "id,debtor,creditor,amount\no1,A,B,10.50\n", "id,debtor,creditor,amount,currency\no1,A,A,-1,xx\no2,,B,1e3,CNY\n")
}

func TestObligations(t *testing.T) {
	rows := collect(t, csvfile.Obligations, "id,debtor,creditor,amount,currency\no1,A,B,10.5,cny\no2,A,A,1,\no3,A,B,1.001,\n")
	if rows[0].Err != nil || rows[0].Value.Amount != 1050 || rows[0].Value.Currency != "CNY" {
		t.Errorf("row 1 = %+v, %v", rows[0].Value, rows[0].Err)
	}
	if fieldOf(rows[1].Err) != "creditor" || fieldOf(rows[2].Err) != "amount" {
		t.Errorf("errors = %v, %v", rows[1].Err, rows[2].Err)
	}
}

func FuzzEdges(f *testing.F) {
	fuzzReader(f, csvfile.Edges, "from,to,weight\nA,B,10.50\n", "from,to,weight\nA,A,0\n,B,-1\nC,D,1e9\n")
}

func TestEdges(t *testing.T) {
	rows := collect(t, csvfile.Edges, "from,to,weight\nA,B,10.5\nA,A,1\nA,B,0\nA,C,x\n")
	if rows[0].Err != nil || rows[0].Value.Weight != 1050 {
		t.Errorf("row 1 = %+v, %v", rows[0].Value, rows[0].Err)
	}
	if fieldOf(rows[1].Err) != "to" || fieldOf(rows[2].Err) != "weight" || fieldOf(rows[3].Err) != "weight" {
		t.Errorf("errors = %v, %v, %v", rows[1].Err, rows[2].Err, rows[3].Err)
	}
}

func TestBadText(t *testing.T) {
	rows := collect(t, csvfile.Parties, "id,name,country,tax_id,kind\nP1,Bad\xffname,PK,1,private\nP2,Nul\x00,PK,2,private\nP3,\"Two\nlines\",PK,3,private\n")
	if len(rows) != 3 || fieldOf(rows[0].Err) != "name" || fieldOf(rows[1].Err) != "name" || rows[2].Err != nil {
		t.Errorf("rows = %+v", rows)
	}
}

func FuzzOffers(f *testing.F) {
	fuzzReader(f, csvfile.Offers, "id,party,country,gives,value_min,value_max,delivery_from,delivery_to,wants,want_min,want_max,want_from,want_to\nO1,P,PK,100630,1,2,2025-01-01,2025-02-01,0713;10,1,2,2025-01-01,2025-03-01\n",
		"id,party,country,gives,value_min,value_max,delivery_from,delivery_to,wants,want_min,want_max,want_from,want_to,origin,ports\nO1,P,PK,100630,1,2,2025-01-01,2025-02-01,0713;10,1,2,2025-01-01,2025-03-01,af,Torkham; Chaman\n")
}

func TestOffers_OriginAndPorts(t *testing.T) {
	rows, err := csvfile.Offers(strings.NewReader("id,party,country,gives,value_min,value_max,delivery_from,delivery_to,wants,want_min,want_max,want_from,want_to,origin,ports\n" +
		"O1,P,PK,100630,1,2,2025-01-01,2025-02-01,0713,1,2,2025-01-01,2025-03-01,af, Torkham ;;Chaman\n" +
		"O2,P,PK,100630,1,2,2025-01-01,2025-02-01,0713,1,2,2025-01-01,2025-03-01,XX,\n"))
	if err != nil {
		t.Fatal(err)
	}
	var got []barter.Row[barter.Offer]
	for r := range rows {
		got = append(got, r)
	}
	if len(got) != 2 || got[0].Err != nil || got[0].Value.Origin != "AF" || !slices.Equal(got[0].Value.Ports, []string{"Torkham", "Chaman"}) {
		t.Fatalf("first offer: %+v", got)
	}
	var e *barter.Error
	if !errors.As(got[1].Err, &e) || e.Field != "origin" {
		t.Errorf("an unknown origin: %v; want an error about origin", got[1].Err)
	}
}

func TestCounterpartRecords(t *testing.T) {
	rows := collect(t, csvfile.CounterpartRecords, "reference,authorization,direction,date,currency,value\n"+
		"IR-1,BT-1,Export,2024-10-20,usd,1000.50\nIR-2,BT-1,sideways,2024-10-20,USD,1\nIR-3,BT-1,import,2024-10-20,USD,-1\nIR-4,,import,2024-10-20,USD,1\nIR-5,BT-1,import,2024-10-32,USD,1\n")
	if rows[0].Err != nil || rows[0].Value.Direction != barter.Export || rows[0].Value.Currency != "USD" || rows[0].Value.Value.String() != "1000.5" {
		t.Errorf("row 1 = %+v, %v", rows[0].Value, rows[0].Err)
	}
	for i, field := range []string{"direction", "value", "authorization", "date"} {
		if fieldOf(rows[i+1].Err) != field {
			t.Errorf("row %d: %v; want an error on %s", i+2, rows[i+1].Err, field)
		}
	}
}

func FuzzCounterpartRecords(f *testing.F) {
	fuzzReader(f, csvfile.CounterpartRecords, "reference,authorization,direction,date,currency,value\nIR-1,BT-1,export,2024-10-20,USD,1000.50\n",
		"reference,authorization,direction,date,currency,value\n,BT,x,2024-02-30,xx,-1e3\n")
}
