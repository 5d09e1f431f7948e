package barter

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/barter-clearing/barter/sanctions"
)

// Sanctions screening. A version of a sanctions list is loaded into the store; every
// party is screened against the newest version when it is loaded and when the party is
// registered. Each possible match is a hit, open until customs confirm it (the party is
// the one listed) or clear it (it is not). A party with an open or confirmed hit on the
// newest list can have no authorization approved, and its offers are left out of
// matching.

// HitStatus is where a screening hit stands.
type HitStatus string

// Hit statuses.
const (
	HitOpen      HitStatus = "open"
	HitConfirmed HitStatus = "confirmed" // the party is the one listed: it is blocked
	HitCleared   HitStatus = "cleared"   // a namesake: the party is not the one listed
)

// ScreeningHit is a possible match of a party on a version of a sanctions list.
type ScreeningHit struct {
	Party     string
	Name      string // the party's name as screened
	Version   string // of the list
	Ref       string // the list's reference of the entry
	Listed    string // the entry's name or alias that matched
	Score     string // similarity, 0 to 1, to 3 decimals; "-" for a confirmation kept
	Entry     string // a digest of the listed entry as it was (see entryDigest)
	Status    HitStatus
	Reason    string // why it was confirmed or cleared
	DecidedBy string
	Decided   time.Time
}

// SanctionsList is a stored version of a list.
type SanctionsList struct {
	Version string // when the list was generated, RFC 3339 in UTC
	Source  string
	Loaded  time.Time
	Entries []sanctions.Entry
}

// ScreeningReport says what loading a list or screening did.
type ScreeningReport struct {
	Version  string
	Entries  int
	Loaded   bool // the version was new
	Screened int  // parties
	Hits     int  // new hits
}

// DefaultScreeningThreshold is the least similarity reported as a possible match.
const DefaultScreeningThreshold = 0.9

func (s *Service) threshold() float32 {
	if s.ScreeningThreshold > 0 {
		return s.ScreeningThreshold
	}
	return DefaultScreeningThreshold
}

// listScreener is a screener of one stored version, with its entries by reference.
type listScreener struct {
	version string
	s       *sanctions.Screener
	byRef   map[string]*sanctions.Entry
}

// screenerOf returns a screener of the newest stored list, reusing last when it is of
// that version; nil when no list is stored.
func (s *Service) screenerOf(ctx context.Context, tx Tx, last *listScreener) (*listScreener, error) {
	version, err := tx.LatestSanctionsVersion(ctx)
	if err != nil || version == "" {
		return nil, err
	}
	if last != nil && last.version == version {
		return last, nil
	}
	l, err := tx.SanctionsList(ctx, version)
	if err != nil {
		return nil, err
	}
	ls := &listScreener{version: version, s: sanctions.NewScreener(&sanctions.List{Source: l.Source, Entries: l.Entries}),
		byRef: make(map[string]*sanctions.Entry, len(l.Entries))}
	for i := range l.Entries {
		ls.byRef[l.Entries[i].Ref] = &l.Entries[i]
	}
	return ls, nil
}

// entryDigest says what a listed entry said: its kind, names, nationalities and listing.
func entryDigest(e *sanctions.Entry) string {
	h := sha256.New()
	for _, f := range append(append([]string{string(e.Kind), e.Name, e.ListedOn}, e.Aliases...), e.Nationalities...) {
		h.Write([]byte(f))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// screen screens parties against a list and records the new hits; hits already
// recorded keep their decisions.
//
// A decision made on an earlier version carries over to a hit of the same party name
// on the same entry, unchanged (the same names, nationalities and listing): a new
// version of the list does not reopen what was settled, but any change to the entry
// does. A confirmed match stays confirmed, as a hit, for as long as the entry is listed
// and the party's name is the same, whatever the score.
func (s *Service) screen(ctx context.Context, tx Tx, ls *listScreener, parties []Party) (int, error) {
	decided, err := tx.DecidedHits(ctx)
	if err != nil {
		return 0, err
	}
	type key struct{ party, ref string }
	last := map[key]ScreeningHit{}           // the newest decision of each party on each entry
	confirmed := map[string][]ScreeningHit{} // of those, the confirmations, by party
	for _, d := range decided {
		if _, ok := last[key{d.Party, d.Ref}]; !ok && d.Version < ls.version {
			last[key{d.Party, d.Ref}] = d
			if d.Status == HitConfirmed {
				confirmed[d.Party] = append(confirmed[d.Party], d)
			}
		}
	}
	carried := func(d ScreeningHit) string {
		if strings.HasPrefix(d.Reason, "as on the list of ") {
			return d.Reason
		}
		return "as on the list of " + d.Version + ": " + d.Reason
	}
	var hits []ScreeningHit
	for _, p := range parties {
		found := map[string]bool{}
		for _, h := range ls.s.Screen(p.Name, s.threshold()) {
			hit := ScreeningHit{Party: p.ID, Name: p.Name, Version: ls.version, Ref: h.Entry.Ref, Listed: h.Listed,
				Score: strconv.FormatFloat(float64(h.Score), 'f', 3, 32), Status: HitOpen, Entry: entryDigest(h.Entry)}
			if d, ok := last[key{p.ID, h.Entry.Ref}]; ok && d.Name == hit.Name && d.Entry == hit.Entry {
				hit.Status, hit.Reason, hit.DecidedBy, hit.Decided = d.Status, carried(d), d.DecidedBy, d.Decided
			}
			hits, found[h.Entry.Ref] = append(hits, hit), true
		}
		for _, d := range confirmed[p.ID] {
			e := ls.byRef[d.Ref]
			if found[d.Ref] || e == nil || d.Name != p.Name {
				continue
			}
			hits = append(hits, ScreeningHit{Party: p.ID, Name: p.Name, Version: ls.version, Ref: d.Ref, Listed: d.Listed,
				Score: "-", Status: HitConfirmed, Reason: carried(d), DecidedBy: d.DecidedBy, Decided: d.Decided, Entry: entryDigest(e)})
		}
	}
	if len(hits) == 0 {
		return 0, nil
	}
	return tx.SaveHits(ctx, hits)
}

// LoadSanctions stores a version of a sanctions list, unless it is stored already, and
// screens every registered party against it. Errors: EInvalid (a list without a version).
func (s *Service) LoadSanctions(ctx context.Context, l *sanctions.List) (*ScreeningReport, error) {
	if err := require(ctx, "loading sanctions lists", RoleCustoms); err != nil {
		return nil, err
	}
	if l.Generated.IsZero() {
		return nil, Invalid("list", "has no version (the time it was generated)")
	}
	rep := &ScreeningReport{Version: l.Generated.UTC().Format(time.RFC3339), Entries: len(l.Entries)}
	err := s.update(ctx, func(tx Tx) error {
		if err := tx.LockScreening(ctx); err != nil {
			return err
		}
		known, err := tx.SanctionsListExists(ctx, rep.Version)
		if err != nil {
			return err
		}
		if !known {
			if err := tx.CreateSanctionsList(ctx, &SanctionsList{Version: rep.Version, Source: l.Source, Loaded: s.clock().UTC(), Entries: l.Entries}); err != nil {
				return err
			}
			rep.Loaded = true
		}
		ls, err := s.screenerOf(ctx, tx, nil)
		if err != nil {
			return err
		}
		if ls.version != rep.Version {
			return Errorf(EConflict, "the list of %s is older than the newest loaded, of %s: screening is against the newest", rep.Version, ls.version)
		}
		parties, err := tx.Parties(ctx)
		if err != nil {
			return err
		}
		rep.Screened = len(parties)
		rep.Hits, err = s.screen(ctx, tx, ls, parties)
		return err
	})
	if err != nil {
		return nil, err
	}
	return rep, nil
}

// screenNew screens newly registered parties against the newest list, if there is one;
// last, when given, is the screener the caller used before, which it keeps for next time.
func (s *Service) screenNew(ctx context.Context, tx Tx, parties []Party, last **listScreener) error {
	if len(parties) == 0 {
		return nil
	}
	if err := tx.LockScreening(ctx); err != nil {
		return err
	}
	var prev *listScreener
	if last != nil {
		prev = *last
	}
	ls, err := s.screenerOf(ctx, tx, prev)
	if err != nil || ls == nil {
		return err
	}
	if last != nil {
		*last = ls
	}
	_, err = s.screen(ctx, tx, ls, parties)
	return err
}

// ScreeningHits lists the hits on the newest list, of one status or all when status is
// "". Errors: EForbidden for traders.
func (s *Service) ScreeningHits(ctx context.Context, status HitStatus) ([]ScreeningHit, error) {
	if err := notTraders(ctx, "screening hits"); err != nil {
		return nil, err
	}
	var hs []ScreeningHit
	err := s.Store.View(ctx, func(tx Tx) error {
		version, err := tx.LatestSanctionsVersion(ctx)
		if err != nil || version == "" {
			return err
		}
		hs, err = tx.ScreeningHits(ctx, version, status)
		return err
	})
	return hs, err
}

// DecideHit confirms (the party is the one listed) or clears (it is a namesake) an open
// hit of a party on the newest list, with a reason. Errors: EInvalid, ENotFound,
// EConflict (decided already).
func (s *Service) DecideHit(ctx context.Context, party, ref string, confirm bool, reason string) (*ScreeningHit, error) {
	if err := require(ctx, "deciding screening hits", RoleCustoms); err != nil {
		return nil, err
	}
	if reason == "" {
		return nil, Invalid("reason", "is required: say why")
	}
	status := HitCleared
	if confirm {
		status = HitConfirmed
	}
	by := "barter"
	if u := UserFrom(ctx); u != nil {
		by = u.Name
	}
	var h *ScreeningHit
	err := s.update(ctx, func(tx Tx) error {
		version, err := tx.LatestSanctionsVersion(ctx)
		if err != nil {
			return err
		}
		if h, err = tx.ScreeningHit(ctx, party, version, ref); err != nil {
			return err
		}
		if h.Status != HitOpen {
			return Errorf(EConflict, "the hit of %s on %s was %s on %s by %s", party, ref, h.Status, h.Decided.Format(time.DateOnly), h.DecidedBy)
		}
		h.Status, h.Reason, h.DecidedBy, h.Decided = status, reason, by, s.clock().UTC()
		return tx.DecideHit(ctx, h)
	})
	if err != nil {
		return nil, err
	}
	return h, nil
}

// checkScreening refuses parties that the newest list may name (an open hit) or names
// (a confirmed one).
func checkScreening(ctx context.Context, tx Tx, parties ...string) error {
	blocked, err := tx.BlockedParties(ctx)
	if err != nil {
		return err
	}
	for _, p := range parties {
		if h, ok := blocked[p]; ok {
			return &Error{Code: EConflict, Message: screened(p, h)}
		}
	}
	return nil
}

// screened says why a party is blocked by a hit.
func screened(party string, h ScreeningHit) string {
	if h.Status == HitConfirmed {
		return fmt.Sprintf("%s is on the sanctions list of %s (%s, as %q)", party, h.Version, h.Ref, h.Listed)
	}
	return fmt.Sprintf("%s may be on the sanctions list of %s (%s, as %q, score %s): customs must confirm or clear the hit first",
		party, h.Version, h.Ref, h.Listed, h.Score)
}
