package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"github.com/barter-clearing/barter"
)

func (t *Tx) CreateClearingRun(ctx context.Context, r *barter.ClearingRun) error {
	row, err := t.queryRow(ctx, `INSERT INTO clearing_runs (created, source, status, committed, entry_id, positions_as_of) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		r.Created.UTC().Format(time.RFC3339Nano), r.Source, string(r.Status), dateStr(r.Committed), nullID(r.Entry), dateStr(r.PositionsAsOf))
	if err != nil {
		return err
	}
	if err := row.Scan(&r.ID); err != nil {
		return t.mapErr(err)
	}
	values := make([]any, 0, 8*len(r.Obligations))
	for i, o := range r.Obligations {
		values = append(values, r.ID, i+1, o.ID, o.Debtor, o.Creditor, o.Amount, o.Currency, o.Cleared)
	}
	return t.insertRows(ctx, `INSERT INTO clearing_obligations (run_id, seq, id, debtor, creditor, amount, currency, cleared) VALUES `, 8, values)
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

const runColumns = `id, created, source, status, committed, entry_id, positions_as_of`

func scanRun(r scanner) (*barter.ClearingRun, error) {
	var run barter.ClearingRun
	var created, status string
	var committed, positions sql.NullString
	var entry sql.NullInt64
	if err := r.Scan(&run.ID, &created, &run.Source, &status, &committed, &entry, &positions); err != nil {
		return nil, err
	}
	run.Status, run.Entry = barter.ClearingStatus(status), entry.Int64
	var err error
	if run.Created, err = time.Parse(time.RFC3339Nano, created); err != nil {
		return nil, err
	}
	if run.Committed, err = parseDate(committed); err != nil {
		return nil, err
	}
	run.PositionsAsOf, err = parseDate(positions)
	return &run, err
}

func (t *Tx) ClearingRun(ctx context.Context, id int64) (*barter.ClearingRun, error) {
	r, err := t.ClearingRunHead(ctx, id)
	if err != nil {
		return nil, err
	}
	r.Obligations, err = t.ClearingObligations(ctx, id, 0, -1)
	return r, err
}

func (t *Tx) ClearingRunHead(ctx context.Context, id int64) (*barter.ClearingRun, error) {
	q := `SELECT ` + runColumns + ` FROM clearing_runs WHERE id = ?`
	if t.write {
		q += t.d.ForUpdate // a commit holds the run until it is done
	}
	row, err := t.queryRow(ctx, q, id)
	if err != nil {
		return nil, err
	}
	r, err := scanRun(row)
	if err != nil {
		return nil, notFound(err, "clearing run", strconv.FormatInt(id, 10))
	}
	return r, nil
}

func (t *Tx) ClearingObligations(ctx context.Context, id int64, offset, limit int) ([]barter.ClearedObligation, error) {
	// By seq, the input order: the key's range from offset on.
	q, args := `SELECT id, debtor, creditor, amount, currency, cleared FROM clearing_obligations WHERE run_id = ? AND seq > ? ORDER BY seq`, []any{id, offset}
	if limit >= 0 {
		q, args = q+` LIMIT ?`, append(args, limit)
	}
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []barter.ClearedObligation
	for rows.Next() {
		var o barter.ClearedObligation
		if err := rows.Scan(&o.ID, &o.Debtor, &o.Creditor, &o.Amount, &o.Currency, &o.Cleared); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

func (t *Tx) ClearingObligationCount(ctx context.Context, id int64) (int, error) {
	row, err := t.queryRow(ctx, `SELECT COUNT(*) FROM clearing_obligations WHERE run_id = ?`, id)
	if err != nil {
		return 0, err
	}
	var n int
	err = row.Scan(&n)
	return n, err
}

func (t *Tx) ClearingRuns(ctx context.Context) ([]barter.ClearingRun, error) {
	return queryList(ctx, t, scanRun, `SELECT `+runColumns+` FROM clearing_runs ORDER BY id DESC`)
}

func (t *Tx) UpdateClearingRun(ctx context.Context, r *barter.ClearingRun) error {
	return t.exec(ctx, `UPDATE clearing_runs SET status = ?, committed = ?, entry_id = ? WHERE id = ?`,
		string(r.Status), dateStr(r.Committed), nullID(r.Entry), r.ID)
}

func (t *Tx) ClearedFromPositions(ctx context.Context) (map[string]int64, error) {
	rows, err := t.query(ctx, `SELECT o.id, SUM(o.cleared) FROM clearing_obligations o JOIN clearing_runs r ON r.id = o.run_id
		WHERE r.status = ? AND r.positions_as_of IS NOT NULL GROUP BY o.id`, string(barter.ClearingCommitted))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string]int64{}
	for rows.Next() {
		var id string
		var sum int64
		if err := rows.Scan(&id, &sum); err != nil {
			return nil, err
		}
		m[id] = sum
	}
	return m, rows.Err()
}
