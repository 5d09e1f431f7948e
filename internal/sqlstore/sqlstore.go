// Package sqlstore implements barter.Store over database/sql. The sqlite and postgres
// packages configure it with their driver, schema and error codes; the SQL here is the
// common dialect both understand (RETURNING, ON CONFLICT), with "?" placeholders
// rewritten where a driver wants "$1".
package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/barter-clearing/barter"
	"github.com/shopspring/decimal"
)

// Dialect is what differs between databases.
type Dialect struct {
	// Numbered placeholders ($1, $2, ...) instead of "?".
	Numbered bool
	// ForUpdate is appended to the authorization lookup of a write transaction to lock the
	// row, where the database locks rows rather than the whole database.
	ForUpdate string
	// IsUniqueViolation recognises a unique-key violation by its error code.
	IsUniqueViolation func(error) bool
	// ScreeningLock is a statement that takes a lock held to the end of the transaction,
	// for screening; none where writers are serialised anyway.
	ScreeningLock string
	// IsDeadlock recognises a transaction the store undid to break a deadlock.
	IsDeadlock func(error) bool
	// NextEntryIDs is a query that returns ? new ledger entry IDs, one a row; where
	// LastEntryIDOnly is set, it returns the last of them alone, and the others are the
	// ? - 1 before it.
	NextEntryIDs    string
	LastEntryIDOnly bool
	// DeclarationEntryDefault: the declarations' entry_id column takes the next ledger
	// entry ID by default, so that a batch's IDs come back from its INSERT instead of
	// a round trip of their own.
	DeclarationEntryDefault bool
	// SumRows: sums over a whole table are faster taken as its rows stream in than by
	// the database's GROUP BY (which, in SQLite, sorts them first).
	SumRows bool
	// LockAuthorizations is a statement that holds every authorization until the
	// transaction ends, against postings meanwhile; none where writers are serialised.
	LockAuthorizations string
	// BytewiseText: text compares byte by byte (SQLite's BINARY collation), as Go's
	// strings do.
	BytewiseText bool
	// QueryText, where set, runs query on the transaction's connection (the driver's,
	// as database/sql's Conn.Raw passes it) with params in text format, laid out
	// beforehand, and returns the first column of the first row returned, if any: a
	// large INSERT without the driver's conversion of each argument on the way.
	// Where name is not "", query is kept prepared on the connection under it, for
	// every transaction after; otherwise it is prepared for this run alone.
	QueryText func(ctx context.Context, driverConn any, name, query string, params [][]byte) (string, error)
	// BeginWrite are statements run at the start of every write transaction.
	BeginWrite []string
	// ReadIsolation is the isolation level of read transactions: where a statement
	// would otherwise see what committed after an earlier one, a view reads one
	// snapshot all the same.
	ReadIsolation sql.IsolationLevel
}

// Store is a barter.Store on a database/sql pool. Writer and Reader may be the same pool.
type Store struct {
	Writer  *sql.DB
	Reader  *sql.DB
	Dialect Dialect
}

var _ barter.Store = (*Store)(nil)

// Update implements barter.Store.
func (s *Store) Update(ctx context.Context, fn func(barter.Tx) error) error {
	return s.run(ctx, s.Writer, true, fn)
}

// View implements barter.Store.
func (s *Store) View(ctx context.Context, fn func(barter.Tx) error) error {
	return s.run(ctx, s.Reader, false, fn)
}

// Close closes the pools.
func (s *Store) Close() error {
	err := s.Writer.Close()
	if s.Reader != s.Writer {
		err = errors.Join(err, s.Reader.Close())
	}
	return err
}

func (s *Store) run(ctx context.Context, db *sql.DB, write bool, fn func(barter.Tx) error) error {
	opts := &sql.TxOptions{ReadOnly: !write && s.Dialect.Numbered}
	if !write {
		opts.Isolation = s.Dialect.ReadIsolation
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer conn.Close()
	sqlTx, err := conn.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	t := &Tx{tx: sqlTx, conn: conn, d: &s.Dialect, write: write, stmts: map[string]*sql.Stmt{}}
	defer t.closeStmts()
	if write {
		for _, q := range s.Dialect.BeginWrite {
			if _, err := sqlTx.ExecContext(ctx, q); err != nil {
				_ = sqlTx.Rollback()
				return fmt.Errorf("begin: %w", err)
			}
		}
	}
	if err := fn(t); err != nil {
		_ = sqlTx.Rollback()
		return s.deadlock(err)
	}
	if err := sqlTx.Commit(); err != nil {
		return s.deadlock(fmt.Errorf("commit: %w", err))
	}
	return nil
}

// deadlock marks an error that broke a deadlock as barter.ErrDeadlock, keeping its cause.
func (s *Store) deadlock(err error) error {
	if s.Dialect.IsDeadlock != nil && s.Dialect.IsDeadlock(err) {
		return fmt.Errorf("%w (%v)", barter.ErrDeadlock, err)
	}
	return err
}

// Tx implements barter.Tx.
type Tx struct {
	tx   *sql.Tx
	conn *sql.Conn // tx's connection, for Dialect.QueryText
	// inserts are the statements of numberedInsertText, by rows.
	inserts map[int]string
	d       *Dialect
	write   bool
	stmts   map[string]*sql.Stmt
}

func (t *Tx) closeStmts() {
	for _, s := range t.stmts {
		s.Close()
	}
}

func (t *Tx) rebind(q string) string {
	if !t.d.Numbered {
		return q
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// stmt returns a statement prepared once per transaction: imports run the same few
// statements a million times.
func (t *Tx) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if s, ok := t.stmts[q]; ok {
		return s, nil
	}
	s, err := t.tx.PrepareContext(ctx, t.rebind(q))
	if err != nil {
		return nil, fmt.Errorf("prepare %q: %w", firstWords(q), err)
	}
	t.stmts[q] = s
	return s, nil
}

func firstWords(q string) string {
	if len(q) > 40 {
		return q[:40]
	}
	return q
}

func (t *Tx) exec(ctx context.Context, q string, args ...any) error {
	s, err := t.stmt(ctx, q)
	if err != nil {
		return err
	}
	_, err = s.ExecContext(ctx, args...)
	return t.mapErr(err)
}

func (t *Tx) queryRow(ctx context.Context, q string, args ...any) (*sql.Row, error) {
	s, err := t.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return s.QueryRowContext(ctx, args...), nil
}

func (t *Tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	s, err := t.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

func (t *Tx) mapErr(err error) error {
	if err != nil && t.d.IsUniqueViolation != nil && t.d.IsUniqueViolation(err) {
		return &barter.Error{Code: barter.EConflict, Message: "record already exists"}
	}
	return err
}

func notFound(err error, what, key string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return barter.Errorf(barter.ENotFound, "no %s %q", what, key)
	}
	return err
}

// Values cross the boundary as text so that no float ever touches them.

// decStr formats d as its String method does (no exponent, no trailing zeros after the
// point), without its big.Int arithmetic where the coefficient fits 64 bits: an import
// formats four decimals a row.
func decStr(d barter.Decimal) string {
	var buf [48]byte
	return string(appendDec(buf[:0], d))
}

// appendDec appends d formatted as decStr does.
func appendDec(o []byte, d barter.Decimal) []byte {
	exp := d.Exponent()
	if exp > 0 || exp < -18 || d.NumDigits() > 18 {
		return append(o, d.String()...)
	}
	var buf [24]byte
	b := strconv.AppendInt(buf[:0], d.CoefficientInt64(), 10)
	if exp == 0 {
		return append(o, b...)
	}
	begin := len(o)
	sign, digits := "", b
	if b[0] == '-' {
		sign, digits = "-", b[1:]
	}
	scale := int(-exp)
	o = append(o, sign...)
	if len(digits) <= scale {
		o = append(o, '0')
	} else {
		o = append(o, digits[:len(digits)-scale]...)
	}
	frac := digits[max(len(digits)-scale, 0):]
	frac = bytes.TrimRight(frac, "0")
	if n := scale - len(digits); n > 0 && len(frac) > 0 {
		o = append(o, '.')
		o = append(o, "000000000000000000"[:n]...)
		return append(o, frac...)
	}
	if len(frac) > 0 {
		o = append(o, '.')
		o = append(o, frac...)
	}
	if string(o[begin:]) == "-0" {
		return append(o[:begin], '0')
	}
	return o
}

func parseDec(s string) (barter.Decimal, error) {
	if s == "" {
		return barter.Zero, nil
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return d, fmt.Errorf("stored decimal %q: %w", s, err)
	}
	return d, nil
}

func dateStr(d barter.Date) any {
	if d.IsZero() {
		return nil
	}
	return d.String()
}

func parseDate(s sql.NullString) (barter.Date, error) {
	if !s.Valid || s.String == "" {
		return barter.Date{}, nil
	}
	return barter.ParseDate(s.String)
}

func (t *Tx) Party(ctx context.Context, id string) (*barter.Party, error) {
	row, err := t.queryRow(ctx, `SELECT `+partyColumns+` FROM parties WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	p, err := scanParty(row)
	return p, notFound(err, "party", id)
}

type scanner interface{ Scan(...any) error }

// queryList runs a query and scans each row it returns.
func queryList[T any](ctx context.Context, t *Tx, scan func(scanner) (*T, error), q string, args ...any) ([]T, error) {
	var out []T
	err := queryEach(ctx, t, scan, func(v *T) error {
		out = append(out, *v)
		return nil
	}, q, args...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// queryEach runs a query and calls fn with each row it returns, scanned, until fn
// returns an error.
func queryEach[T any](ctx context.Context, t *Tx, scan func(scanner) (*T, error), fn func(*T) error, q string, args ...any) error {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return err
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	return rows.Err()
}

func scanParty(r scanner) (*barter.Party, error) {
	var p barter.Party
	var checked sql.NullString
	var kind string
	if err := r.Scan(&p.ID, &p.Name, &p.Country, &p.TaxID, &kind, &p.ActiveTaxpayer, &checked, &p.Collectorate); err != nil {
		return nil, err
	}
	p.Kind = barter.PartyKind(kind)
	var err error
	p.ATLChecked, err = parseDate(checked)
	return &p, err
}

const (
	partyColumns = `id, name, country, tax_id, kind, active_taxpayer, atl_checked, collectorate`
	partyInsert  = `INSERT INTO parties (` + partyColumns + `) VALUES `
)

func partyRow(p *barter.Party) []any {
	return []any{p.ID, p.Name, p.Country, p.TaxID, string(p.Kind), p.ActiveTaxpayer, dateStr(p.ATLChecked), p.Collectorate}
}

func (t *Tx) CreateParty(ctx context.Context, p *barter.Party) error {
	return t.exec(ctx, partyInsert+inList(8), partyRow(p)...)
}

func (t *Tx) CreateParties(ctx context.Context, ps []*barter.Party) ([]*barter.Party, error) {
	return insertNew(ctx, t, ps, partyInsert, 8, partyRow, ` ON CONFLICT (id) DO NOTHING RETURNING id`,
		func(p *barter.Party) string { return p.ID }, func(rows *sql.Rows, _ map[string]*barter.Party) (string, error) {
			var id string
			return id, rows.Scan(&id)
		})
}

// insertNew inserts items, a chunk a statement (prefix, the rows of ncols values, then
// suffix), skipping those whose key is taken: suffix returns the key of each row
// inserted, which scan reads, given the chunk's items by key. It returns the items not
// inserted. Items are inserted in the order of their keys.
func insertNew[T any](ctx context.Context, t *Tx, items []T, prefix string, ncols int, row func(T) []any, suffix string,
	key func(T) string, scan func(rows *sql.Rows, byKey map[string]T) (string, error)) ([]T, error) {
	// In the order of their keys, so that imports taking the same keys at once wait
	// for each other instead of deadlocking, within a chunk at least.
	items = slices.SortedFunc(slices.Values(items), func(a, b T) int { return strings.Compare(key(a), key(b)) })
	var taken []T
	for start := 0; start < len(items); start += chunk {
		part := items[start:min(len(items), start+chunk)]
		args := make([]any, 0, ncols*len(part))
		byKey := make(map[string]T, len(part))
		for _, it := range part {
			args = append(args, row(it)...)
			byKey[key(it)] = it
		}
		inserted := make(map[string]bool, len(part))
		err := t.queryEach(ctx, prefix+rowList(ncols, len(part))+suffix, args, func(rows *sql.Rows) error {
			k, err := scan(rows, byKey)
			inserted[k] = true
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, it := range part {
			if !inserted[key(it)] {
				taken = append(taken, it)
			}
		}
	}
	return taken, nil
}

// queryEach runs a query and calls fn on each row of its result.
func (t *Tx) queryEach(ctx context.Context, q string, args []any, fn func(*sql.Rows) error) error {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return t.mapErr(err)
	}
	for rows.Next() {
		if err := fn(rows); err != nil {
			rows.Close()
			return err
		}
	}
	return t.mapErr(errors.Join(rows.Err(), rows.Close()))
}

func (t *Tx) PartiesByID(ctx context.Context, ids []string) (map[string]*barter.Party, error) {
	m := make(map[string]*barter.Party, len(ids))
	err := eachChunk(ids, func(args []any) error {
		rows, err := t.query(ctx, `SELECT `+partyColumns+` FROM parties WHERE id IN `+inList(chunk), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			p, err := scanParty(rows)
			if err != nil {
				return err
			}
			m[p.ID] = p
		}
		return rows.Err()
	})
	return m, err
}

func (t *Tx) Parties(ctx context.Context) ([]barter.Party, error) {
	return queryList(ctx, t, scanParty, `SELECT `+partyColumns+` FROM parties ORDER BY id`)
}

func (t *Tx) CreateRate(ctx context.Context, r *barter.Rate) error {
	return t.exec(ctx, `INSERT INTO rates (currency, day, rate, source) VALUES (?, ?, ?, ?)`,
		r.Currency, r.Date.String(), decStr(r.Rate), r.Source)
}

func (t *Tx) Rates(ctx context.Context) ([]barter.Rate, error) {
	rows, err := t.query(ctx, `SELECT currency, day, rate, source FROM rates ORDER BY currency, day`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var rs []barter.Rate
	for rows.Next() {
		var r barter.Rate
		var day sql.NullString
		var rate string
		if err := rows.Scan(&r.Currency, &day, &rate, &r.Source); err != nil {
			return nil, err
		}
		if r.Date, err = parseDate(day); err != nil {
			return nil, err
		}
		if r.Rate, err = parseDec(rate); err != nil {
			return nil, err
		}
		rs = append(rs, r)
	}
	return rs, rows.Err()
}

const authColumns = `id, COALESCE(number, ''), party, counterparty, regime, status, applied, issued, deadline, valid_until, reason, cancelled`

func scanAuth(r scanner) (*barter.Authorization, error) {
	var a barter.Authorization
	var status string
	var applied, issued, deadline, validUntil, cancelled sql.NullString
	if err := r.Scan(&a.ID, &a.Number, &a.Party, &a.Counterparty, &a.Regime, &status, &applied, &issued, &deadline, &validUntil, &a.Reason, &cancelled); err != nil {
		return nil, err
	}
	a.Status = barter.Status(status)
	for _, f := range []struct {
		dst *barter.Date
		src sql.NullString
	}{{&a.Applied, applied}, {&a.Issued, issued}, {&a.Deadline, deadline}, {&a.ValidUntil, validUntil}, {&a.Cancelled, cancelled}} {
		d, err := parseDate(f.src)
		if err != nil {
			return nil, err
		}
		*f.dst = d
	}
	return &a, nil
}

func (t *Tx) Authorization(ctx context.Context, number string) (*barter.Authorization, error) {
	q := `SELECT ` + authColumns + ` FROM authorizations WHERE number = ?`
	if t.write {
		q += t.d.ForUpdate
	}
	return t.authorization(ctx, q, number, number)
}

func (t *Tx) AuthorizationByID(ctx context.Context, id int64) (*barter.Authorization, error) {
	q := `SELECT ` + authColumns + ` FROM authorizations WHERE id = ?`
	if t.write {
		q += t.d.ForUpdate
	}
	return t.authorization(ctx, q, id, strconv.FormatInt(id, 10))
}

func (t *Tx) authorization(ctx context.Context, q string, key any, label string) (*barter.Authorization, error) {
	row, err := t.queryRow(ctx, q, key)
	if err != nil {
		return nil, err
	}
	a, err := scanAuth(row)
	if err != nil {
		return nil, notFound(err, "authorization", label)
	}
	a.Lines, err = t.lines(ctx, a.ID)
	return a, err
}

const lineColumns = `l.direction, l.hs_code, l.description, l.quantity, l.unit, l.value, l.currency`

// scanLine scans lineColumns, after the columns in pre.
func scanLine(r scanner, pre ...any) (barter.Line, error) {
	var l barter.Line
	var dir, qty, val string
	if err := r.Scan(append(pre, &dir, &l.HSCode, &l.Description, &qty, &l.Unit, &val, &l.Currency)...); err != nil {
		return l, err
	}
	l.Direction = barter.Direction(dir)
	var err error
	if l.Quantity, err = parseDec(qty); err != nil {
		return l, err
	}
	l.Value, err = parseDec(val)
	return l, err
}

func (t *Tx) lines(ctx context.Context, id int64) ([]barter.Line, error) {
	rows, err := t.query(ctx, `SELECT `+lineColumns+` FROM lines l WHERE l.authorization_id = ? ORDER BY l.seq`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ls []barter.Line
	for rows.Next() {
		l, err := scanLine(rows)
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
	}
	return ls, rows.Err()
}

func (t *Tx) Authorizations(ctx context.Context, status barter.Status) ([]barter.Authorization, error) {
	return queryList(ctx, t, scanAuth, `SELECT `+authColumns+` FROM authorizations WHERE ? = '' OR status = ? ORDER BY number, id`, string(status), string(status))
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (t *Tx) CreateAuthorization(ctx context.Context, a *barter.Authorization) error {
	row, err := t.queryRow(ctx, authInsert+inList(11)+` RETURNING id`, authRow(a)...)
	if err != nil {
		return err
	}
	if err := row.Scan(&a.ID); err != nil {
		return t.mapErr(err)
	}
	for i := range a.Lines {
		if err := t.AddLine(ctx, a.ID, &a.Lines[i]); err != nil {
			return err
		}
	}
	return nil
}

func (t *Tx) UpdateAuthorization(ctx context.Context, a *barter.Authorization) error {
	return t.exec(ctx, `UPDATE authorizations SET number = ?, status = ?, issued = ?, deadline = ?, reason = ?, cancelled = ? WHERE id = ?`,
		nullStr(a.Number), string(a.Status), dateStr(a.Issued), dateStr(a.Deadline), a.Reason, dateStr(a.Cancelled), a.ID)
}

func (t *Tx) AddLine(ctx context.Context, id int64, l *barter.Line) error {
	// The line's position is counted by a subquery, whose argument, id, takes seq's place.
	args := lineRow(id, 0, l)
	args[1] = id
	return t.exec(ctx, lineInsert+`(?, (SELECT COUNT(*) FROM lines WHERE authorization_id = ?) + 1, ?, ?, ?, ?, ?, ?, ?)`, args...)
}

const (
	authInsert = `INSERT INTO authorizations (number, party, counterparty, regime, status, applied, issued, deadline, valid_until, reason, cancelled) VALUES `
	lineInsert = `INSERT INTO lines (authorization_id, seq, direction, hs_code, description, quantity, unit, value, currency) VALUES `
)

// authRow is the values of authInsert for a.
func authRow(a *barter.Authorization) []any {
	return []any{nullStr(a.Number), a.Party, a.Counterparty, a.Regime, string(a.Status), dateStr(a.Applied), dateStr(a.Issued),
		dateStr(a.Deadline), dateStr(a.ValidUntil), a.Reason, dateStr(a.Cancelled)}
}

// lineRow is the values of lineInsert for line seq of authorization id.
func lineRow(id int64, seq int, l *barter.Line) []any {
	return []any{id, seq, string(l.Direction), l.HSCode, l.Description, decStr(l.Quantity), l.Unit, decStr(l.Value), l.Currency}
}

func (t *Tx) CreateAuthorizations(ctx context.Context, as []*barter.Authorization) ([]*barter.Authorization, error) {
	for _, a := range as {
		if a.Number == "" || len(a.Lines) > 0 {
			return nil, fmt.Errorf("authorization %q: only numbered authorizations without lines are created in bulk", a.Number)
		}
	}
	return insertNew(ctx, t, as, authInsert, 11, authRow, ` ON CONFLICT (number) DO NOTHING RETURNING id, number`,
		func(a *barter.Authorization) string { return a.Number }, func(rows *sql.Rows, byNumber map[string]*barter.Authorization) (string, error) {
			var id int64
			var number string
			if err := rows.Scan(&id, &number); err != nil {
				return "", err
			}
			if a := byNumber[number]; a != nil {
				a.ID = id
			}
			return number, nil
		})
}

func (t *Tx) AddLines(ctx context.Context, ls []barter.NewLine) error {
	args := make([]any, 0, 9*len(ls))
	for _, l := range ls {
		args = append(args, lineRow(l.AuthorizationID, l.Seq, &l.Line)...)
	}
	return t.insertRows(ctx, lineInsert, 9, args)
}

func (t *Tx) NextSerial(ctx context.Context, name string) (int64, error) {
	row, err := t.queryRow(ctx, `INSERT INTO serials (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = serials.value + 1 RETURNING value`, name)
	if err != nil {
		return 0, err
	}
	var n int64
	err = row.Scan(&n)
	return n, err
}

const declColumns = `number, auth_number, direction, day, hs_code, quantity, unit, currency, declared, assessed, rate, rate_day, value, entry_id`

// declColumnCount is how many declColumns there are.
const declColumnCount = 14

func (t *Tx) Declaration(ctx context.Context, number string) (*barter.Declaration, error) {
	row, err := t.queryRow(ctx, `SELECT `+declColumns+` FROM declarations WHERE number = ?`, number)
	if err != nil {
		return nil, err
	}
	d, err := scanDeclaration(row)
	if err != nil {
		return nil, notFound(err, "declaration", number)
	}
	return d, nil
}

// DeclarationsOf reads the whole table: declarations are kept by number alone, so that
// an import updates one index a row.
func (t *Tx) DeclarationsOf(ctx context.Context, authorization string) ([]barter.Declaration, error) {
	return queryList(ctx, t, scanDeclaration, `SELECT `+declColumns+` FROM declarations WHERE auth_number = ? ORDER BY day, number`, authorization)
}

func (t *Tx) EachDeclarationBetween(ctx context.Context, from, to barter.Date, fn func(*barter.Declaration) error) error {
	return queryEach(ctx, t, scanDeclaration, fn, `SELECT `+declColumns+` FROM declarations WHERE day >= ? AND day <= ? ORDER BY day, number`, from.String(), to.String())
}

func (t *Tx) PostedByChapter(ctx context.Context, from, to barter.Date) ([]barter.ChapterTotal, error) {
	return queryList(ctx, t, func(r scanner) (*barter.ChapterTotal, error) {
		var c barter.ChapterTotal
		var dir string
		var value int64
		if err := r.Scan(&c.Chapter, &dir, &c.Declarations, &value); err != nil {
			return nil, err
		}
		c.Direction, c.Value = barter.Direction(dir), barter.FromMinorUnits(value)
		return &c, nil
	}, `SELECT substr(hs_code, 1, 2) AS chapter, direction, COUNT(*), CAST(SUM(value) AS BIGINT) FROM declarations
		WHERE day >= ? AND day <= ? GROUP BY substr(hs_code, 1, 2), direction ORDER BY chapter, direction`, from.String(), to.String())
}

// scanDeclaration scans declColumns.
func scanDeclaration(r scanner) (*barter.Declaration, error) {
	var d barter.Declaration
	var dir, qty, declared, assessed, rate string
	var day, rateDay sql.NullString
	var value int64
	if err := r.Scan(&d.Number, &d.Authorization, &dir, &day, &d.HSCode, &qty, &d.Unit, &d.Currency, &declared, &assessed, &rate, &rateDay, &value, &d.Entry); err != nil {
		return nil, err
	}
	d.Direction = barter.Direction(dir)
	d.Value = barter.FromMinorUnits(value)
	var err error
	for _, f := range []struct {
		dst *barter.Decimal
		src string
	}{{&d.Quantity, qty}, {&d.Declared, declared}, {&d.Assessed, assessed}, {&d.Rate, rate}} {
		if *f.dst, err = parseDec(f.src); err != nil {
			return nil, err
		}
	}
	if d.Date, err = parseDate(day); err != nil {
		return nil, err
	}
	d.RateDate, err = parseDate(rateDay)
	return &d, err
}

func (t *Tx) CreateReassessment(ctx context.Context, r *barter.Reassessment) error {
	value, err := barter.MinorUnits(r.Value)
	if err != nil {
		return barter.Invalid("assessed_value", "%v", err)
	}
	delta, err := barter.MinorUnits(r.Delta)
	if err != nil {
		return barter.Invalid("assessed_value", "%v", err)
	}
	return t.exec(ctx, `INSERT INTO reassessments (entry_id, declaration, day, assessed, value, delta) VALUES (?, ?, ?, ?, ?, ?)`,
		r.Entry, r.Declaration, r.Date.String(), decStr(r.Assessed), value, delta)
}

func (t *Tx) Reassessments(ctx context.Context, declaration string) ([]barter.Reassessment, error) {
	rows, err := t.query(ctx, `SELECT entry_id, day, assessed, value, delta FROM reassessments WHERE declaration = ? ORDER BY entry_id`, declaration)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var rs []barter.Reassessment
	for rows.Next() {
		r := barter.Reassessment{Declaration: declaration}
		var day sql.NullString
		var assessed string
		var value, delta int64
		if err := rows.Scan(&r.Entry, &day, &assessed, &value, &delta); err != nil {
			return nil, err
		}
		if r.Date, err = parseDate(day); err != nil {
			return nil, err
		}
		if r.Assessed, err = parseDec(assessed); err != nil {
			return nil, err
		}
		r.Value, r.Delta = barter.FromMinorUnits(value), barter.FromMinorUnits(delta)
		rs = append(rs, r)
	}
	return rs, rows.Err()
}

func (t *Tx) EntryCount(ctx context.Context) (int64, error) {
	row, err := t.queryRow(ctx, `SELECT (SELECT COUNT(*) FROM entries) + (SELECT COUNT(*) FROM declarations)`)
	if err != nil {
		return 0, err
	}
	var n int64
	err = row.Scan(&n)
	return n, err
}

// legQuery sums the postings, up to a day, of the entries stored as such (not
// declarations) to authorizations' imports and exports accounts, by account; the
// account names the authorization.
const legQuery = `SELECT p.account, SUM(p.amount) FROM entries e JOIN postings p ON p.entry_id = e.id
	WHERE e.day <= ? AND (p.account LIKE '%:` + barter.AccountImports + `' OR p.account LIKE '%:` + barter.AccountExports + `') GROUP BY p.account`

func (t *Tx) TotalsAsOf(ctx context.Context, asOf barter.Date) (map[string]barter.Totals, error) {
	sums := map[string]*[2]int64{} // imports and exports in hundredths
	sumOf := func(auth []byte) *[2]int64 {
		s := sums[string(auth)] // no copy of auth where it is known
		if s == nil {
			s = new([2]int64)
			sums[string(auth)] = s
		}
		return s
	}
	// Each declaration is its own entry; its value is booked to the leg of its direction.
	q := `SELECT auth_number, direction, SUM(value) FROM declarations WHERE day <= ? GROUP BY auth_number, direction`
	if t.d.SumRows {
		q = `SELECT auth_number, direction, value FROM declarations WHERE day <= ?`
	}
	rows, err := t.query(ctx, q, asOf.String())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var auth, direction []byte
	for rows.Next() {
		var sum int64
		if err := rows.Scan(&auth, &direction, &sum); err != nil {
			return nil, err
		}
		s := sumOf(auth)
		if barter.Direction(direction) == barter.Import {
			s[0] += sum
		} else {
			s[1] += sum
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if rows, err = t.query(ctx, legQuery, asOf.String()); err != nil {
		return nil, err
	}
	defer rows.Close()
	var account []byte
	for rows.Next() {
		var sum int64
		if err := rows.Scan(&account, &sum); err != nil {
			return nil, err
		}
		if auth, imports, exports, ok := legAmount(string(account), sum); ok {
			s := sumOf([]byte(auth))
			s[0], s[1] = s[0]+imports, s[1]+exports
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	m := make(map[string]barter.Totals, len(sums))
	for auth, s := range sums {
		m[auth] = barter.Totals{Imports: barter.FromMinorUnits(s[0]), Exports: barter.FromMinorUnits(s[1])}
	}
	return m, nil
}

// legAmount reads a posting's amount to an authorization's imports or exports account
// as what it adds to the authorization's imports and exports (exports are credits).
func legAmount(account string, amount int64) (auth string, imports, exports int64, ok bool) {
	auth, kind, ok := barter.SplitAccount(account)
	switch {
	case !ok:
		return "", 0, 0, false
	case kind == barter.AccountImports:
		return auth, amount, 0, true
	case kind == barter.AccountExports:
		return auth, 0, -amount, true
	}
	return "", 0, 0, false
}

func (t *Tx) VerifyLedger(ctx context.Context) (*barter.LedgerReport, error) {
	r := &barter.LedgerReport{}
	row, err := t.queryRow(ctx, `SELECT (SELECT COUNT(*) FROM entries), COUNT(*),
		COALESCE(SUM(CASE WHEN amount > 0 THEN amount ELSE 0 END), 0), COALESCE(SUM(CASE WHEN amount < 0 THEN amount ELSE 0 END), 0) FROM postings`)
	if err != nil {
		return nil, err
	}
	var debits, credits int64
	if err := row.Scan(&r.Entries, &r.Postings, &debits, &credits); err != nil {
		return nil, err
	}
	// A declaration is an entry of two postings of its value, a debit and a credit
	// (DeclarationEntry), as long as its direction names a leg.
	if row, err = t.queryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(value), 0) FROM declarations`); err != nil {
		return nil, err
	}
	var n, value int64
	if err := row.Scan(&n, &value); err != nil {
		return nil, err
	}
	r.Entries, r.Postings = r.Entries+n, r.Postings+2*n
	r.Debits, r.Credits = barter.FromMinorUnits(debits+value), barter.FromMinorUnits(credits-value)
	if r.StaleFlows, err = t.staleFlows(ctx); err != nil {
		return nil, err
	}
	if err := t.unbalancedDeclarations(ctx, r); err != nil {
		return nil, err
	}
	rows, err := t.query(ctx, `SELECT e.id, e.ref, COALESCE(SUM(p.amount), 0), COUNT(p.entry_id) FROM entries e LEFT JOIN postings p ON p.entry_id = e.id
		GROUP BY e.id, e.ref HAVING COALESCE(SUM(p.amount), 0) <> 0 OR COUNT(p.entry_id) < 2 ORDER BY e.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var u barter.UnbalancedEntry
		var sum, n int64
		if err := rows.Scan(&u.ID, &u.Ref, &sum, &n); err != nil {
			return nil, err
		}
		u.Sum = barter.FromMinorUnits(sum)
		r.Unbalanced = append(r.Unbalanced, u)
	}
	return r, rows.Err()
}

// unbalancedDeclarations reports declarations whose direction names no leg: their
// entry would post the net-off side alone. (The databases refuse such rows; this finds
// any written around them.)
func (t *Tx) unbalancedDeclarations(ctx context.Context, r *barter.LedgerReport) error {
	rows, err := t.query(ctx, `SELECT entry_id, number, value FROM declarations WHERE direction NOT IN ('`+string(barter.Import)+`', '`+string(barter.Export)+`') ORDER BY entry_id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var u barter.UnbalancedEntry
		var value int64
		if err := rows.Scan(&u.ID, &u.Ref, &value); err != nil {
			return err
		}
		u.Sum = barter.FromMinorUnits(value)
		r.Unbalanced = append(r.Unbalanced, u)
	}
	return rows.Err()
}

func (t *Tx) CreateReconciliation(ctx context.Context, r *barter.Reconciliation) error {
	row, err := t.queryRow(ctx, `INSERT INTO reconciliations (as_of, cancelled) VALUES (?, ?) RETURNING id`, r.AsOf.String(), len(r.Cancelled))
	if err != nil {
		return err
	}
	if err := row.Scan(&r.ID); err != nil {
		return err
	}
	for _, c := range r.Cancelled {
		if err := t.exec(ctx, `INSERT INTO cancellations (reconciliation_id, auth_number, reason) VALUES (?, ?, ?)`, r.ID, c.Authorization, c.Reason); err != nil {
			return err
		}
	}
	return nil
}

// chunk is the most keys or rows one statement carries. Lists shorter than a chunk are
// padded (IN lists) so that one prepared statement serves every call.
const chunk = 256

// inList returns "(?, ?, ...)" with n placeholders.
func inList(n int) string {
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
}

// eachChunk calls fn with keys in chunks of exactly chunk, padding the last with its
// first key; duplicates in an IN list are harmless.
func eachChunk(keys []string, fn func(args []any) error) error {
	args := make([]any, chunk)
	for len(keys) > 0 {
		n := min(len(keys), chunk)
		for i := range args {
			if i < n {
				args[i] = keys[i]
			} else {
				args[i] = keys[0]
			}
		}
		if err := fn(args); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}

// insertRows inserts rows of ncols values each with multi-row INSERT statements, with
// the suffix given (an ON CONFLICT clause) if any.
func (t *Tx) insertRows(ctx context.Context, prefix string, ncols int, values []any, suffix ...string) error {
	rows := len(values) / ncols
	for start := 0; start < rows; start += chunk {
		n := min(rows-start, chunk)
		if err := t.exec(ctx, prefix+rowList(ncols, n)+strings.Join(suffix, ""), values[start*ncols:(start+n)*ncols]...); err != nil {
			return err
		}
	}
	return nil
}

// rowList returns the placeholders of n rows of ncols values: "(?, ?), (?, ?)".
func rowList(ncols, n int) string {
	return strings.TrimSuffix(strings.Repeat(inList(ncols)+", ", n), ", ")
}

// DeclarationsExist first reads the posted numbers between the least and the greatest
// of a chunk (as the database orders them), when they are few: one seek where
// declarations are numbered in order, as customs number them, instead of one for each
// number. Where that range holds more than a chunk of posted numbers, it looks up each.
func (t *Tx) DeclarationsExist(ctx context.Context, numbers []string) (map[string]bool, error) {
	m := make(map[string]bool, len(numbers))
	err := eachChunk(numbers, func(args []any) error {
		keys := make(map[string]bool, len(args))
		for _, a := range args {
			keys[a.(string)] = true
		}
		var found []string
		var err error
		if t.d.BytewiseText {
			lo, hi := args[0].(string), args[0].(string)
			for _, a := range args[1:] {
				lo, hi = min(lo, a.(string)), max(hi, a.(string))
			}
			found, err = t.numbers(ctx, `SELECT number FROM declarations WHERE number BETWEEN ? AND ? ORDER BY number LIMIT ?`, lo, hi, chunk+1)
		} else {
			// The database's collation orders the keys.
			values := `(SELECT column1::text AS v FROM (VALUES ` + rowList(1, chunk) + `) AS keys)`
			found, err = t.numbers(ctx, `SELECT number FROM declarations WHERE number >= (SELECT MIN(v) FROM `+values+` AS lo)
				AND number <= (SELECT MAX(v) FROM `+values+` AS hi) ORDER BY number LIMIT ?`, append(slices.Concat(args, args), chunk+1)...)
		}
		if err != nil {
			return err
		}
		if len(found) > chunk {
			if found, err = t.numbers(ctx, `SELECT number FROM declarations WHERE number IN `+inList(chunk), args...); err != nil {
				return err
			}
		}
		for _, n := range found {
			if keys[n] {
				m[n] = true
			}
		}
		return nil
	})
	return m, err
}

// numbers returns the first column of a query's rows.
func (t *Tx) numbers(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ns []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		ns = append(ns, n)
	}
	return ns, rows.Err()
}

func (t *Tx) AuthorizationsByNumber(ctx context.Context, numbers []string) (map[string]*barter.Authorization, error) {
	return t.authorizationsByNumber(ctx, numbers, true)
}

func (t *Tx) AuthorizationTerms(ctx context.Context, numbers []string) (map[string]*barter.Authorization, error) {
	return t.authorizationsByNumber(ctx, numbers, false)
}

// authorizationsByNumber reads the authorizations named with their lines, whole or
// (for AuthorizationTerms) their directions and HS codes alone.
func (t *Tx) authorizationsByNumber(ctx context.Context, numbers []string, wholeLines bool) (map[string]*barter.Authorization, error) {
	m := make(map[string]*barter.Authorization, len(numbers))
	byID := map[int64]*barter.Authorization{}
	lock := ""
	if t.write {
		lock = t.d.ForUpdate
	}
	ids := make([]any, chunk)
	err := eachChunk(numbers, func(args []any) error {
		rows, err := t.query(ctx, `SELECT `+authColumns+` FROM authorizations WHERE number IN `+inList(chunk)+` ORDER BY number`+lock, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		found := 0
		for rows.Next() {
			a, err := scanAuth(rows)
			if err != nil {
				return err
			}
			m[a.Number], byID[a.ID] = a, a
			ids[found] = a.ID
			found++
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		if found == 0 {
			return nil
		}
		// Lines by the IDs just read, not by a join on numbers: the lookup stays on the
		// lines' key whatever the planner believes of the tables' sizes.
		for i := found; i < chunk; i++ {
			ids[i] = ids[0]
		}
		cols := lineColumns
		if !wholeLines {
			cols = `l.direction, l.hs_code`
		}
		lrows, err := t.query(ctx, `SELECT l.authorization_id, `+cols+` FROM lines l
			WHERE l.authorization_id IN `+inList(chunk)+` ORDER BY l.authorization_id, l.seq`, ids...)
		if err != nil {
			return err
		}
		defer lrows.Close()
		for lrows.Next() {
			var id int64
			var l barter.Line
			var err error
			if wholeLines {
				l, err = scanLine(lrows, &id)
			} else {
				var dir string
				err = lrows.Scan(&id, &dir, &l.HSCode)
				l.Direction = barter.Direction(dir)
			}
			if err != nil {
				return err
			}
			if a := byID[id]; a != nil {
				a.Lines = append(a.Lines, l)
			}
		}
		return lrows.Err()
	})
	return m, err
}

func (t *Tx) FlowsOf(ctx context.Context, auths []string) (map[string][]barter.Flow, error) {
	m := make(map[string][]barter.Flow, len(auths))
	err := eachChunk(auths, func(args []any) error {
		rows, err := t.query(ctx, `SELECT auth_number, flows FROM authorization_flows WHERE auth_number IN `+inList(chunk), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		var auth, flows string
		for rows.Next() {
			if err := rows.Scan(&auth, &flows); err != nil {
				return err
			}
			if m[auth], err = parseFlows(flows); err != nil {
				return fmt.Errorf("flows of %s: %w", auth, err)
			}
		}
		return rows.Err()
	})
	return m, err
}

func (t *Tx) SetFlows(ctx context.Context, flows map[string][]barter.Flow) error {
	values := make([]any, 0, 2*len(flows))
	for _, auth := range slices.Sorted(maps.Keys(flows)) { // in order: concurrent writers take locks alike
		values = append(values, auth, formatFlows(flows[auth]))
	}
	return t.insertRows(ctx, `INSERT INTO authorization_flows (auth_number, flows) VALUES `, 2, values,
		` ON CONFLICT (auth_number) DO UPDATE SET flows = excluded.flows`)
}

// formatFlows writes flows as authorization_flows keeps them: "DAY IMPORTS EXPORTS"
// in hundredths, separated by ';'.
func formatFlows(fs []barter.Flow) string {
	b := make([]byte, 0, 32*len(fs))
	for i, f := range fs {
		if i > 0 {
			b = append(b, ';')
		}
		b = append(b, f.Day.String()...)
		b = append(b, ' ')
		b = strconv.AppendInt(b, f.Imports, 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, f.Exports, 10)
	}
	return string(b)
}

func parseFlows(s string) ([]barter.Flow, error) {
	if s == "" {
		return nil, nil
	}
	fs := make([]barter.Flow, 0, strings.Count(s, ";")+1)
	for part := range strings.SplitSeq(s, ";") {
		fields := strings.Fields(part)
		if len(fields) != 3 {
			return nil, fmt.Errorf("%q is not DAY IMPORTS EXPORTS", part)
		}
		day, err := barter.ParseDate(fields[0])
		if err != nil {
			return nil, err
		}
		imports, err1 := strconv.ParseInt(fields[1], 10, 64)
		exports, err2 := strconv.ParseInt(fields[2], 10, 64)
		if err := errors.Join(err1, err2); err != nil {
			return nil, err
		}
		fs = append(fs, barter.Flow{Day: day, Imports: imports, Exports: exports})
	}
	return fs, nil
}

// ledgerFlows sums what the ledger books to each authorization's legs by day: the
// declarations and the postings of other entries to imports and exports accounts.
const ledgerFlows = `SELECT auth_number, day, SUM(imports), SUM(exports) FROM (
	SELECT auth_number, day, CASE WHEN direction = 'import' THEN value ELSE 0 END AS imports,
		CASE WHEN direction = 'export' THEN value ELSE 0 END AS exports FROM declarations
	UNION ALL
	SELECT e.auth_number, e.day, CASE WHEN p.account LIKE '%:imports' THEN p.amount ELSE 0 END,
		CASE WHEN p.account LIKE '%:exports' THEN -p.amount ELSE 0 END
	FROM entries e JOIN postings p ON p.entry_id = e.id WHERE p.account LIKE '%:imports' OR p.account LIKE '%:exports'
) AS booked GROUP BY auth_number, day ORDER BY auth_number, day`

func (t *Tx) RebuildFlows(ctx context.Context) (authorizations, stale int, err error) {
	// No posting may read or write flows meanwhile: it holds its authorization.
	if t.d.LockAuthorizations != "" {
		if err := t.exec(ctx, t.d.LockAuthorizations); err != nil {
			return 0, 0, err
		}
	}
	flows, err := t.ledgerFlows(ctx)
	if err != nil {
		return 0, 0, err
	}
	stales, err := t.flowsDiffering(ctx, flows)
	if err != nil {
		return 0, 0, err
	}
	if err := t.exec(ctx, `DELETE FROM authorization_flows`); err != nil {
		return 0, 0, err
	}
	return len(flows), len(stales), t.SetFlows(ctx, flows)
}

// ledgerFlows returns the flows of every authorization as the ledger books them.
func (t *Tx) ledgerFlows(ctx context.Context) (map[string][]barter.Flow, error) {
	flows := map[string][]barter.Flow{}
	rows, err := t.query(ctx, ledgerFlows)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var auth, day string
		var f barter.Flow
		if err := rows.Scan(&auth, &day, &f.Imports, &f.Exports); err != nil {
			return nil, err
		}
		if f.Day, err = barter.ParseDate(day); err != nil {
			return nil, err
		}
		flows[auth] = append(flows[auth], f)
	}
	return flows, rows.Err()
}

// staleFlows returns the authorizations whose kept flows differ from the ledger's.
func (t *Tx) staleFlows(ctx context.Context) ([]string, error) {
	want, err := t.ledgerFlows(ctx)
	if err != nil {
		return nil, err
	}
	return t.flowsDiffering(ctx, want)
}

// flowsDiffering returns the authorizations whose kept flows differ from want, those
// the ledger books to them.
func (t *Tx) flowsDiffering(ctx context.Context, want map[string][]barter.Flow) ([]string, error) {
	rows, err := t.query(ctx, `SELECT auth_number, flows FROM authorization_flows`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var stale []string
	seen := make(map[string]bool, len(want))
	for rows.Next() {
		var auth, flows string
		if err := rows.Scan(&auth, &flows); err != nil {
			return nil, err
		}
		kept, err := parseFlows(flows)
		if err != nil || !slices.Equal(kept, want[auth]) {
			stale = append(stale, auth)
		}
		seen[auth] = true
	}
	for auth := range want {
		if !seen[auth] {
			stale = append(stale, auth)
		}
	}
	slices.Sort(stale)
	return stale, rows.Err()
}

// nextEntryIDs reserves n ledger entry IDs.
func (t *Tx) nextEntryIDs(ctx context.Context, n int) ([]int64, error) {
	rows, err := t.query(ctx, t.d.NextEntryIDs, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := make([]int64, 0, n)
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if t.d.LastEntryIDOnly && len(ids) == 1 {
		last := ids[0]
		ids = ids[:0]
		for id := last - int64(n) + 1; id <= last; id++ {
			ids = append(ids, id)
		}
	}
	if len(ids) != n {
		return nil, fmt.Errorf("reserved %d entry IDs, want %d", len(ids), n)
	}
	return ids, nil
}

func (t *Tx) AppendEntry(ctx context.Context, e *barter.Entry) error {
	lines := make([]any, 0, 4*len(e.Postings))
	for j, p := range e.Postings {
		amount, err := barter.MinorUnits(p.Amount)
		if err != nil {
			return fmt.Errorf("entry %s: %w", e.Ref, err)
		}
		lines = append(lines, nil, j+1, p.Account, amount)
	}
	ids, err := t.nextEntryIDs(ctx, 1)
	if err != nil {
		return err
	}
	e.ID = ids[0]
	for i := 0; i < len(lines); i += 4 {
		lines[i] = e.ID
	}
	if err := t.exec(ctx, `INSERT INTO entries (id, kind, ref, auth_number, day) VALUES (?, ?, ?, ?, ?)`, e.ID, string(e.Kind), e.Ref, e.Authorization, e.Date.String()); err != nil {
		return err
	}
	return t.insertRows(ctx, `INSERT INTO postings (entry_id, seq, account, amount) VALUES `, 4, lines)
}

// insertDeclarationsNumbered inserts declarations (values laid out as by
// PrepareDeclarations) letting the database number their entries, chunk by chunk, and
// sets their Entry IDs from what each INSERT returns. A statement numbers its rows in the
// order of its VALUES, so the IDs it returns, sorted, are theirs in that order.
func (t *Tx) insertDeclarationsNumbered(ctx context.Context, ds []*barter.Declaration, values []any) error {
	const cols = declColumnCount - 1 // entry_id, the last, is left to its default
	args := make([]any, 0, cols*min(len(ds), chunk))
	for start := 0; start < len(ds); start += chunk {
		batch := ds[start:min(len(ds), start+chunk)]
		args = args[:0]
		for i := range batch {
			args = append(args, values[declColumnCount*(start+i):declColumnCount*(start+i)+cols]...)
		}
		row, err := t.queryRow(ctx, numberedInsert(len(batch)), args...)
		if err != nil {
			return err
		}
		var list string
		if err := row.Scan(&list); err != nil {
			return t.mapErr(err)
		}
		if err := setEntryIDs(batch, list); err != nil {
			return err
		}
	}
	return nil
}

// numberedInsert is the statement that inserts n declarations, leaving their entry IDs
// to the database, and returns the IDs as one comma-separated list in order.
func numberedInsert(n int) string {
	const cols = declColumnCount - 1
	return `WITH ins AS (INSERT INTO declarations (` + strings.TrimSuffix(declColumns, ", entry_id") + `) VALUES ` + rowList(cols, n) + ` RETURNING entry_id)
			SELECT COALESCE(string_agg(entry_id::text, ',' ORDER BY entry_id), '') FROM ins`
}

// raw runs fn on the transaction's driver connection (database/sql's Conn.Raw). A
// panic in fn, or an error that database/sql would take for a broken connection,
// comes back as an ordinary error: either would make Raw close the connection, and
// that waits for the transaction, begun on it, to end, which it never would.
func (t *Tx) raw(fn func(driverConn any) error) error {
	return t.conn.Raw(func(c any) (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("database driver panicked: %v", r)
			}
		}()
		if err = fn(c); errors.Is(err, driver.ErrBadConn) {
			err = fmt.Errorf("database connection lost: %v", err)
		}
		return err
	})
}

// numberedInsertText is numberedInsert(n) in the dialect's placeholders, rebound once
// a transaction.
func (t *Tx) numberedInsertText(n int) string {
	q, ok := t.inserts[n]
	if !ok {
		if t.inserts == nil {
			t.inserts = map[int]string{}
		}
		q = t.rebind(numberedInsert(n))
		t.inserts[n] = q
	}
	return q
}

// setEntryIDs sets the Entry of each of batch from list, numberedInsert's result.
func setEntryIDs(batch []*barter.Declaration, list string) error {
	ids := strings.Split(list, ",")
	if len(ids) != len(batch) {
		return fmt.Errorf("inserted %d declarations, want %d", len(ids), len(batch))
	}
	for i, d := range batch {
		var err error
		if d.Entry, err = strconv.ParseInt(ids[i], 10, 64); err != nil {
			return fmt.Errorf("entry ID %q: %w", ids[i], err)
		}
	}
	return nil
}

// prepareDeclarationsText lays out the rows of ds as text parameters in one buffer, for
// Dialect.QueryText, and returns what inserts them.
func (t *Tx) prepareDeclarationsText(ds []*barter.Declaration) (func(context.Context) error, error) {
	const cols = declColumnCount - 1
	buf := make([]byte, 0, 128*len(ds))
	ends := make([]int, 0, cols*len(ds))
	field := func(b []byte) {
		buf = b
		ends = append(ends, len(buf))
	}
	for _, d := range ds {
		value, err := barter.MinorUnits(d.Value)
		if err != nil {
			return nil, barter.Invalid("assessed_value", "%v", err)
		}
		field(append(buf, d.Number...))
		field(append(buf, d.Authorization...))
		field(append(buf, d.Direction...))
		field(d.Date.Append(buf))
		field(append(buf, d.HSCode...))
		field(appendDec(buf, d.Quantity))
		field(append(buf, d.Unit...))
		field(append(buf, d.Currency...))
		field(appendDec(buf, d.Declared))
		field(appendDec(buf, d.Assessed))
		field(appendDec(buf, d.Rate))
		field(d.RateDate.Append(buf))
		field(strconv.AppendInt(buf, value, 10))
	}
	params := make([][]byte, len(ends))
	start := 0
	for i, e := range ends {
		params[i], start = buf[start:e:e], e
	}
	return func(ctx context.Context) error {
		for start := 0; start < len(ds); start += chunk {
			batch := ds[start:min(len(ds), start+chunk)]
			// A full chunk's statement is kept prepared on the connection; the
			// last, shorter chunk of an import, or a single posting, runs unnamed,
			// so that no connection gathers a statement for every size.
			name := ""
			if len(batch) == chunk {
				name = "barter_insert_declarations"
			}
			var list string
			err := t.raw(func(c any) (err error) {
				list, err = t.d.QueryText(ctx, c, name, t.numberedInsertText(len(batch)), params[cols*start:cols*(start+len(batch))])
				return err
			})
			if err != nil {
				return t.mapErr(err)
			}
			if err := setEntryIDs(batch, list); err != nil {
				return err
			}
		}
		return nil
	}, nil
}

func (t *Tx) PrepareDeclarations(ds []*barter.Declaration) (func(context.Context) error, error) {
	if t.d.QueryText != nil && t.d.DeclarationEntryDefault {
		return t.prepareDeclarationsText(ds)
	}
	const cols = declColumnCount
	values := make([]any, 0, cols*len(ds))
	// A batch repeats few days, directions, units and currencies: each is formatted and
	// boxed once.
	days, words := map[barter.Date]any{}, map[string]any{}
	day := func(d barter.Date) any {
		v, ok := days[d]
		if !ok {
			v = d.String()
			days[d] = v
		}
		return v
	}
	word := func(s string) any {
		v, ok := words[s]
		if !ok {
			v = s
			words[s] = v
		}
		return v
	}
	for _, d := range ds {
		value, err := barter.MinorUnits(d.Value)
		if err != nil {
			return nil, barter.Invalid("assessed_value", "%v", err)
		}
		values = append(values, d.Number, d.Authorization, word(string(d.Direction)), day(d.Date), d.HSCode, decStr(d.Quantity), word(d.Unit), word(d.Currency),
			decStr(d.Declared), decStr(d.Assessed), decStr(d.Rate), day(d.RateDate), value, int64(0))
	}
	if t.d.DeclarationEntryDefault {
		return func(ctx context.Context) error { return t.insertDeclarationsNumbered(ctx, ds, values) }, nil
	}
	return func(ctx context.Context) error {
		ids, err := t.nextEntryIDs(ctx, len(ds))
		if err != nil {
			return err
		}
		for i, d := range ds {
			d.Entry = ids[i]
			values[cols*i+cols-1] = ids[i]
		}
		return t.insertRows(ctx, `INSERT INTO declarations (`+declColumns+`) VALUES `, cols, values)
	}, nil
}
