package barter

import (
	"context"
	"sync"
)

// TotalsCache remembers the ledger's totals as of the last few days asked for, so that
// paging through positions or reloading the dashboard does not sum the whole ledger
// each time. An entry holds while the ledger holds the same entries: they are only ever
// appended, so the same count means the same entries. The zero value is empty and
// ready to use.
type TotalsCache struct {
	mu    sync.Mutex
	items []cachedTotals // the most recently used last
}

type cachedTotals struct {
	asOf    Date
	entries int64
	totals  map[string]Totals // read only once cached
}

// maxCachedDays bounds the days remembered; each holds a total per authorization.
const maxCachedDays = 4

// cachedTotalsAsOf returns the ledger's totals as of a day, from the cache when the
// ledger has not changed since. tx must be a read-only view: a write transaction may
// count entries that it never commits.
func (s *Service) cachedTotalsAsOf(ctx context.Context, tx Tx, asOf Date) (map[string]Totals, error) {
	c := s.Totals
	if c == nil {
		return tx.TotalsAsOf(ctx, asOf)
	}
	n, err := tx.EntryCount(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	for i, it := range c.items {
		if it.asOf == asOf && it.entries == n {
			c.items = append(append(c.items[:i:i], c.items[i+1:]...), it)
			c.mu.Unlock()
			return it.totals, nil
		}
	}
	c.mu.Unlock()
	totals, err := tx.TotalsAsOf(ctx, asOf)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	kept := make([]cachedTotals, 0, len(c.items)+1)
	for _, it := range c.items {
		if it.asOf == asOf && it.entries > n {
			// A view that began later cached the day already: it is the more useful.
			return totals, nil
		}
		if it.asOf != asOf {
			kept = append(kept, it)
		}
	}
	c.items = append(kept, cachedTotals{asOf, n, totals})
	if len(c.items) > maxCachedDays {
		c.items = c.items[len(c.items)-maxCachedDays:]
	}
	return totals, nil
}
