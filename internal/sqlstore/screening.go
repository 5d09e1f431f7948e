package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/barter-clearing/barter"
	"github.com/barter-clearing/barter/sanctions"
)

// insertIgnoring inserts rows of ncols values, skipping those whose key is taken, and
// returns how many it inserted.
func (t *Tx) insertIgnoring(ctx context.Context, prefix string, ncols int, values []any) (int, error) {
	rows, inserted := len(values)/ncols, 0
	for start := 0; start < rows; start += chunk {
		n := min(rows-start, chunk)
		st, err := t.stmt(ctx, prefix+rowList(ncols, n)+` ON CONFLICT DO NOTHING`)
		if err != nil {
			return 0, err
		}
		res, err := st.ExecContext(ctx, values[start*ncols:(start+n)*ncols]...)
		if err != nil {
			return 0, t.mapErr(err)
		}
		k, err := res.RowsAffected()
		if err != nil {
			return 0, err
		}
		inserted += int(k)
	}
	return inserted, nil
}

func (t *Tx) LockScreening(ctx context.Context) error {
	if t.d.ScreeningLock == "" {
		return nil
	}
	return t.exec(ctx, t.d.ScreeningLock)
}

func (t *Tx) SanctionsListExists(ctx context.Context, version string) (bool, error) {
	row, err := t.queryRow(ctx, `SELECT COUNT(*) FROM sanctions_lists WHERE version = ?`, version)
	if err != nil {
		return false, err
	}
	var n int
	err = row.Scan(&n)
	return n > 0, err
}

func (t *Tx) CreateSanctionsList(ctx context.Context, l *barter.SanctionsList) error {
	if err := t.exec(ctx, `INSERT INTO sanctions_lists (version, source, loaded, entries) VALUES (?, ?, ?, ?)`,
		l.Version, l.Source, l.Loaded.UTC().Format(time.RFC3339), len(l.Entries)); err != nil {
		return err
	}
	values := make([]any, 0, 7*len(l.Entries))
	for _, e := range l.Entries {
		values = append(values, l.Version, e.Ref, string(e.Kind), e.Name, strings.Join(e.Aliases, "\n"), strings.Join(e.Nationalities, "\n"), e.ListedOn)
	}
	// A reference listed twice is kept once.
	_, err := t.insertIgnoring(ctx, `INSERT INTO sanctions_entries (version, ref, kind, name, aliases, nationalities, listed_on) VALUES `, 7, values)
	return err
}

func (t *Tx) LatestSanctionsVersion(ctx context.Context) (string, error) {
	// Versions are RFC 3339 times in UTC, which sort as text.
	row, err := t.queryRow(ctx, `SELECT COALESCE(MAX(version), '') FROM sanctions_lists`)
	if err != nil {
		return "", err
	}
	var v string
	err = row.Scan(&v)
	return v, err
}

func (t *Tx) SanctionsList(ctx context.Context, version string) (*barter.SanctionsList, error) {
	row, err := t.queryRow(ctx, `SELECT source, loaded FROM sanctions_lists WHERE version = ?`, version)
	if err != nil {
		return nil, err
	}
	l := &barter.SanctionsList{Version: version}
	var loaded string
	if err := row.Scan(&l.Source, &loaded); err != nil {
		return nil, notFound(err, "sanctions list of", version)
	}
	if l.Loaded, err = time.Parse(time.RFC3339, loaded); err != nil {
		return nil, err
	}
	rows, err := t.query(ctx, `SELECT ref, kind, name, aliases, nationalities, listed_on FROM sanctions_entries WHERE version = ? ORDER BY ref`, version)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var e sanctions.Entry
		var kind, aliases, nationalities string
		if err := rows.Scan(&e.Ref, &kind, &e.Name, &aliases, &nationalities, &e.ListedOn); err != nil {
			return nil, err
		}
		e.Kind, e.Aliases, e.Nationalities = sanctions.Kind(kind), lines(aliases), lines(nationalities)
		l.Entries = append(l.Entries, e)
	}
	return l, rows.Err()
}

// lines splits text stored a value a line; none for "".
func lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func (t *Tx) SaveHits(ctx context.Context, hs []barter.ScreeningHit) (int, error) {
	values := make([]any, 0, 11*len(hs))
	for _, h := range hs {
		var decided any
		if !h.Decided.IsZero() {
			decided = h.Decided.UTC().Format(time.RFC3339)
		}
		values = append(values, h.Party, h.Version, h.Ref, h.Name, h.Listed, h.Score, string(h.Status), h.Reason, h.DecidedBy, decided, h.Entry)
	}
	return t.insertIgnoring(ctx, `INSERT INTO screening_hits (`+hitColumns+`) VALUES `, 11, values)
}

const hitColumns = `party, version, ref, name, listed, score, status, reason, decided_by, decided, entry`

func scanHit(r scanner) (*barter.ScreeningHit, error) {
	var h barter.ScreeningHit
	var status string
	var decided sql.NullString
	if err := r.Scan(&h.Party, &h.Version, &h.Ref, &h.Name, &h.Listed, &h.Score, &status, &h.Reason, &h.DecidedBy, &decided, &h.Entry); err != nil {
		return nil, err
	}
	h.Status = barter.HitStatus(status)
	if decided.Valid {
		var err error
		if h.Decided, err = time.Parse(time.RFC3339, decided.String); err != nil {
			return nil, err
		}
	}
	return &h, nil
}

// hits returns the hits a query of hitColumns selects.
func (t *Tx) hits(ctx context.Context, q string, args ...any) ([]barter.ScreeningHit, error) {
	return queryList(ctx, t, scanHit, q, args...)
}

func (t *Tx) ScreeningHits(ctx context.Context, version string, status barter.HitStatus) ([]barter.ScreeningHit, error) {
	return t.hits(ctx, `SELECT `+hitColumns+` FROM screening_hits WHERE version = ? AND (? = '' OR status = ?) ORDER BY party, ref`,
		version, string(status), string(status))
}

func (t *Tx) ScreeningHit(ctx context.Context, party, version, ref string) (*barter.ScreeningHit, error) {
	q := `SELECT ` + hitColumns + ` FROM screening_hits WHERE party = ? AND version = ? AND ref = ?`
	if t.write {
		q += t.d.ForUpdate // a decision holds the hit until it is saved
	}
	row, err := t.queryRow(ctx, q, party, version, ref)
	if err != nil {
		return nil, err
	}
	h, err := scanHit(row)
	if err != nil {
		return nil, notFound(err, "screening hit of "+party+" on", ref)
	}
	return h, nil
}

func (t *Tx) DecidedHits(ctx context.Context) ([]barter.ScreeningHit, error) {
	return t.hits(ctx, `SELECT `+hitColumns+` FROM screening_hits WHERE status <> ? ORDER BY version DESC, party, ref`, string(barter.HitOpen))
}

func (t *Tx) DecideHit(ctx context.Context, h *barter.ScreeningHit) error {
	return t.exec(ctx, `UPDATE screening_hits SET status = ?, reason = ?, decided_by = ?, decided = ? WHERE party = ? AND version = ? AND ref = ?`,
		string(h.Status), h.Reason, h.DecidedBy, h.Decided.UTC().Format(time.RFC3339), h.Party, h.Version, h.Ref)
}

func (t *Tx) BlockedParties(ctx context.Context) (map[string]barter.ScreeningHit, error) {
	hs, err := t.hits(ctx, `SELECT `+hitColumns+` FROM screening_hits
		WHERE version = (SELECT MAX(version) FROM sanctions_lists) AND status IN (?, ?) ORDER BY party, status, ref`,
		string(barter.HitConfirmed), string(barter.HitOpen))
	m := map[string]barter.ScreeningHit{}
	for _, h := range hs {
		// "confirmed" sorts before "open": a party's first row is its worst.
		if _, ok := m[h.Party]; !ok {
			m[h.Party] = h
		}
	}
	return m, err
}
