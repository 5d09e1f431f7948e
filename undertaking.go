package barter

import (
	"context"
	"encoding/hex"
	"slices"
	"strings"
)

// Undertaking is a signed statement that a foreign party is not a sanctioned entity (UN
// and others, as the Ministry of Foreign Affairs notifies). Under the 2025 amendment it
// replaces the mission's verification of the contract: it is given by the home trader
// or consortium, or by a chamber of commerce, and customs approve an application only
// with one on file for its counterparty.
type Undertaking struct {
	ID           int64
	Giver        string // the home party that gave it, or "" when a chamber did
	Chamber      string // the chamber that gave it, when not a party
	Counterparty string // the foreign party it vouches for
	Day          Date   // signed on
	Signatory    string // who signed, and in what capacity
	Text         string
	Document     string // SHA-256 of the signed document, hex; optional
}

// Counts reports whether the undertaking vouches for its counterparty to an applicant
// approved on a day: it was given by the applicant or by a chamber (no party), and
// signed by then.
func (u *Undertaking) Counts(applicant string, day Date) bool {
	return u.VouchesTo(applicant) && !u.Day.After(day)
}

// VouchesTo reports whether the undertaking can count for an applicant: the applicant
// gave it, or a chamber did.
func (u *Undertaking) VouchesTo(applicant string) bool {
	return u.Giver == applicant || u.Giver == ""
}

// isHome reports whether a country is the home country of some rulebook: where traders
// and chambers give undertakings from.
func (s *Service) isHome(country string) bool {
	for _, rb := range s.Rulebooks {
		if rb.Home == country {
			return true
		}
	}
	return false
}

// GivenBy names who gave the undertaking: its party, or its chamber.
func (u *Undertaking) GivenBy() string {
	if u.Giver != "" {
		return u.Giver
	}
	return u.Chamber + " (chamber)"
}

// validate checks the undertaking's own fields, already trimmed.
func (u *Undertaking) validate() error {
	switch {
	case u.Giver == "" && u.Chamber == "":
		return Invalid("giver", "is required: the home party that gives it, or a chamber")
	case u.Giver != "" && u.Chamber != "":
		return Invalid("chamber", "is for undertakings that no party gives; %s gives this one", u.Giver)
	case u.Counterparty == "":
		return Invalid("counterparty", "is required")
	case u.Day.IsZero():
		return Invalid("day", "is required")
	case u.Signatory == "":
		return Invalid("signatory", "is required")
	}
	if u.Document != "" {
		if b, err := hex.DecodeString(u.Document); err != nil || len(b) != 32 {
			return Invalid("document", "%q is not a SHA-256 digest in hex (64 digits)", u.Document)
		}
	}
	return nil
}

// RecordUndertaking files an undertaking and returns it with its ID. The counterparty
// must be a registered foreign party, and the giver, if any, a registered home party.
// Customs record undertakings; a trader records its own party's.
func (s *Service) RecordUndertaking(ctx context.Context, u *Undertaking) (*Undertaking, error) {
	if err := require(ctx, "recording undertakings", RoleCustoms, RoleTrader); err != nil {
		return nil, err
	}
	if usr := UserFrom(ctx); usr != nil && usr.Role == RoleTrader && u.Giver != usr.Party {
		return nil, &Error{Code: EForbidden, Field: "giver", Message: "you give undertakings for " + usr.Party + " only"}
	}
	out := *u
	for _, f := range []*string{&out.Giver, &out.Chamber, &out.Counterparty, &out.Signatory, &out.Text, &out.Document} {
		*f = strings.TrimSpace(*f)
	}
	out.Document = strings.ToLower(out.Document)
	if err := out.validate(); err != nil {
		return nil, err
	}
	err := s.update(ctx, func(tx Tx) error {
		foreign, err := s.party(ctx, tx, "counterparty", out.Counterparty)
		if err != nil {
			return err
		}
		if s.isHome(foreign.Country) {
			return Invalid("counterparty", "%s is in %s: an undertaking vouches for a foreign party", foreign.ID, foreign.Country)
		}
		if out.Giver != "" {
			giver, err := s.party(ctx, tx, "giver", out.Giver)
			if err != nil {
				return err
			}
			if !s.isHome(giver.Country) {
				return Invalid("giver", "%s is in %s: undertakings are given by home traders or chambers", giver.ID, giver.Country)
			}
		}
		return tx.CreateUndertaking(ctx, &out)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Undertakings lists the undertakings on file, for one counterparty or for all (""),
// oldest first. A trader sees those its party or its consortiums gave, and the chambers'.
func (s *Service) Undertakings(ctx context.Context, counterparty string) ([]Undertaking, error) {
	var us []Undertaking
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		us, err = tx.Undertakings(ctx, counterparty)
		return err
	})
	if err == nil {
		us = slices.DeleteFunc(us, func(u Undertaking) bool { return u.Giver != "" && !sees(ctx, u.Giver) })
	}
	return us, err
}

// checkUndertaking refuses to approve an authorization whose rulebook asks for an
// undertaking when none is on file for its counterparty, given by its holder or a
// chamber on or before the day of approval.
func checkUndertaking(ctx context.Context, tx Tx, rb Rulebook, a *Authorization, day Date) error {
	if !rb.Undertaking {
		return nil
	}
	us, err := tx.Undertakings(ctx, a.Counterparty)
	if err != nil {
		return err
	}
	if slices.ContainsFunc(us, func(u Undertaking) bool { return u.Counts(a.Party, day) }) {
		return nil
	}
	return Invalid("undertaking", "no undertaking that %s is not a sanctioned entity is on file from %s or a chamber, signed on or before %s (rulebook %s); record one with barter undertakings add",
		a.Counterparty, a.Party, day, rb.Regime)
}
