package barter

import "strings"

// EntryKind says what a ledger entry records.
type EntryKind string

// Entry kinds.
const (
	EntryDeclaration  EntryKind = "declaration"  // a goods declaration valued at its assessment
	EntryReassessment EntryKind = "reassessment" // the change in value when customs reassesses
	EntryClearing     EntryKind = "clearing"     // the set-off of a committed clearing run
)

// Entry is one balanced journal entry of the append-only ledger. Postings are in the unit
// of account with 2 decimals; a positive amount is a debit, a negative one a credit.
type Entry struct {
	ID            int64
	Kind          EntryKind
	Ref           string // the goods declaration number
	Authorization string
	Date          Date
	Postings      []Posting
}

// Posting moves an amount into (debit) or out of (credit) one account.
type Posting struct {
	Account string
	Amount  Decimal
}

// Sum returns the total of the postings; zero for a balanced entry.
func (e *Entry) Sum() Decimal {
	s := Zero
	for _, p := range e.Postings {
		s = s.Add(p.Amount)
	}
	return s
}

// Accounts of an authorization. The imports account is debited with the value of goods
// imported and the exports account credited with the value exported; the net-off account
// takes the other side of both, so its balance is exports minus imports: the imbalance.
// An account is named AUTHORIZATION:KIND.
const (
	AccountImports = "imports"
	AccountExports = "exports"
	AccountNetOff  = "netoff"
)

// ImportsAccount is the account debited with the value of an authorization's imports.
func ImportsAccount(auth string) string { return auth + ":" + AccountImports }

// ExportsAccount is the account credited with the value of an authorization's exports.
func ExportsAccount(auth string) string { return auth + ":" + AccountExports }

// NetOffAccount is the account whose balance is an authorization's imbalance.
func NetOffAccount(auth string) string { return auth + ":" + AccountNetOff }

// SplitAccount returns the authorization and kind an account name is made of.
func SplitAccount(account string) (auth, kind string, ok bool) {
	i := strings.LastIndexByte(account, ':')
	if i < 0 {
		return "", "", false
	}
	return account[:i], account[i+1:], true
}

// DeclarationEntry is the ledger entry a posted declaration is: its value debited to
// its authorization's imports account (or credited to its exports account), with the
// net-off account opposite. A store keeps it in the declaration's own row, so that
// posting a declaration writes one row; Entry is its ID in the ledger's sequence.
func DeclarationEntry(d *Declaration) Entry {
	e := valueEntry(EntryDeclaration, d.Number, d.Authorization, d.Direction, d.Date, d.Value)
	e.ID = d.Entry
	return e
}

// valueEntry books value against an authorization's leg: a debit of imports or a credit of
// exports, with the net-off account opposite.
func valueEntry(kind EntryKind, ref, auth string, d Direction, day Date, value Decimal) Entry {
	leg, netoff := Posting{ImportsAccount(auth), value}, Posting{NetOffAccount(auth), value.Neg()}
	if d == Export {
		leg, netoff = Posting{ExportsAccount(auth), value.Neg()}, Posting{NetOffAccount(auth), value}
	}
	return Entry{Kind: kind, Ref: ref, Authorization: auth, Date: day, Postings: []Posting{leg, netoff}}
}

// Flow is what was booked to an authorization's legs on one day, in hundredths of the
// unit of account.
type Flow struct {
	Day              Date
	Imports, Exports int64
}

// Totals are an authorization's cumulative imports and exports in the unit of account.
type Totals struct {
	Imports, Exports Decimal
}

// Add returns t with value added to the leg of direction d.
func (t Totals) Add(d Direction, value Decimal) Totals {
	if d == Import {
		t.Imports = t.Imports.Add(value)
	} else {
		t.Exports = t.Exports.Add(value)
	}
	return t
}

// UnbalancedEntry is a ledger entry whose postings do not sum to zero.
type UnbalancedEntry struct {
	ID  int64
	Ref string
	Sum Decimal
}

// LedgerReport is the result of verifying the ledger.
type LedgerReport struct {
	Entries    int64
	Postings   int64
	Unbalanced []UnbalancedEntry
	Debits     Decimal // total of all debits; equals total credits in a sound ledger
	Credits    Decimal
	// StaleFlows are authorizations whose flows, as kept for posting, differ from what
	// the ledger books to them.
	StaleFlows []string
}

// OK reports whether the ledger holds its invariants.
func (r *LedgerReport) OK() bool {
	return len(r.Unbalanced) == 0 && len(r.StaleFlows) == 0 && r.Debits.Equal(r.Credits.Neg())
}
