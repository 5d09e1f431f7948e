package barter

import (
	"context"
	"maps"
	"slices"
	"strings"
)

// Consortium is a party of kind consortium with its members: under the 2025 amendment,
// two or more private traders of the home country that contract together with
// entities of a single trading partner, jointly and severally responsible. The
// consortium holds authorizations as any trader does; its members are recorded so that
// customs know who answers for it, and its partner country bounds its counterparties.
type Consortium struct {
	ID      string // the consortium's party ID
	Partner string // the one country its counterparties are in (ISO 3166-1 alpha-2)
	Members []ConsortiumMember
}

// ConsortiumMember is a member of a consortium; one member leads it.
type ConsortiumMember struct {
	Party string
	Lead  bool
}

// ConsortiumOf makes a consortium as the command line and the API take it: a lead, and
// the members, the lead among them or not (it is added first if not). The partner is
// upper-cased, as country codes are written.
func ConsortiumOf(id, partner, lead string, members []string) *Consortium {
	c := &Consortium{ID: id, Partner: strings.ToUpper(strings.TrimSpace(partner))}
	if lead != "" && !slices.Contains(members, lead) {
		members = append([]string{lead}, members...)
	}
	for _, m := range members {
		c.Members = append(c.Members, ConsortiumMember{Party: m, Lead: m == lead})
	}
	return c
}

// Lead returns the party ID of the lead member, or "" if none.
func (c *Consortium) Lead() string {
	for _, m := range c.Members {
		if m.Lead {
			return m.Party
		}
	}
	return ""
}

// Has reports whether party is one of the consortium's members.
func (c *Consortium) Has(party string) bool {
	return slices.ContainsFunc(c.Members, func(m ConsortiumMember) bool { return m.Party == party })
}

// validate checks the consortium's own fields: two or more members, none twice, one
// lead, and a partner country.
func (c *Consortium) validate() error {
	switch {
	case strings.TrimSpace(c.ID) == "":
		return Invalid("id", "is required")
	case !IsCountry(c.Partner):
		return Invalid("partner", "%q is not an ISO 3166-1 alpha-2 country code", c.Partner)
	case len(c.Members) < 2:
		return Invalid("members", "a consortium has two or more members; %d given", len(c.Members))
	}
	leads := 0
	for i, m := range c.Members {
		if strings.TrimSpace(m.Party) == "" {
			return Invalid("members", "member %d has no party ID", i+1)
		}
		if slices.ContainsFunc(c.Members[:i], func(o ConsortiumMember) bool { return o.Party == m.Party }) {
			return Invalid("members", "%s is named twice", m.Party)
		}
		if m.Lead {
			leads++
		}
	}
	if leads != 1 {
		return Invalid("lead", "a consortium has one lead member; %d given", leads)
	}
	return nil
}

// RegisterConsortium records the members (the lead first, then by ID) and partner
// country of a consortium party, replacing what was recorded before. The party must be
// registered, of kind consortium; its members private traders (firms or individuals)
// of its own country; its partner a country other than its own, in which every
// counterparty of the authorizations it holds (applied for or approved) lies. Customs
// register them.
func (s *Service) RegisterConsortium(ctx context.Context, c *Consortium) error {
	if err := require(ctx, "registering consortiums", RoleCustoms); err != nil {
		return err
	}
	if err := c.validate(); err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		p, err := s.party(ctx, tx, "id", c.ID)
		if err != nil {
			return err
		}
		if p.Kind != PartyConsortium {
			return Invalid("id", "%s is registered as %s, not as a consortium", p.ID, p.Kind)
		}
		if c.Partner == p.Country {
			return Invalid("partner", "%s is the consortium's own country", c.Partner)
		}
		for _, m := range c.Members {
			mp, err := s.party(ctx, tx, "members", m.Party)
			if err != nil {
				return err
			}
			switch {
			case mp.Kind != PartyPrivate && mp.Kind != PartyIndividual:
				return Invalid("members", "%s is %s; members are private entities or individuals", mp.ID, mp.Kind)
			case mp.Country != p.Country:
				return Invalid("members", "%s is in %s; the consortium is in %s", mp.ID, mp.Country, p.Country)
			}
		}
		// Written before the check below, which holds the consortium on PostgreSQL: an
		// authorization with it imported alongside waits, and then sees the new partner.
		slices.SortFunc(c.Members, func(a, b ConsortiumMember) int {
			switch {
			case a.Lead && !b.Lead:
				return -1
			case b.Lead && !a.Lead:
				return 1
			}
			return strings.Compare(a.Party, b.Party)
		})
		if err := tx.PutConsortium(ctx, c); err != nil {
			return err
		}
		held, err := tx.CounterpartyCountries(ctx, c.ID)
		if err != nil {
			return err
		}
		for _, f := range slices.Sorted(maps.Keys(held)) {
			if held[f] != c.Partner {
				return Invalid("partner", "%s holds an authorization with %s, in %s", c.ID, f, held[f])
			}
		}
		return nil
	})
}

// Consortium returns the members and partner of a consortium; ENotFound when none are
// recorded. A trader may read only its own party's, or one it is a member of.
func (s *Service) Consortium(ctx context.Context, id string) (*Consortium, error) {
	var c *Consortium
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		c, err = tx.Consortium(ctx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if u := UserFrom(ctx); u != nil && u.Role == RoleTrader && u.Party != c.ID &&
		!slices.ContainsFunc(c.Members, func(m ConsortiumMember) bool { return m.Party == u.Party }) {
		return nil, Errorf(ENotFound, "no consortium %s is registered", id)
	}
	return c, nil
}

// Consortiums lists the consortiums registered, by ID. Not for traders, as the registry.
func (s *Service) Consortiums(ctx context.Context) ([]Consortium, error) {
	if err := notTraders(ctx, "the registry"); err != nil {
		return nil, err
	}
	var cs []Consortium
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		cs, err = tx.Consortiums(ctx)
		return err
	})
	return cs, err
}

// checkConsortium checks an authorization held by a consortium: its members must be
// recorded, and the counterparty must lie in its partner country.
func checkConsortium(ctx context.Context, tx partyReader, trader, foreign *Party) error {
	c, err := tx.Consortium(ctx, trader.ID)
	if ErrorCode(err) == ENotFound {
		return Invalid("party", "%s is a consortium with no members recorded; register them first (barter consortiums add)", trader.ID)
	}
	if err != nil {
		return err
	}
	if foreign.Country != c.Partner {
		return Invalid("counterparty", "%s is in %s; consortium %s trades only with %s", foreign.ID, foreign.Country, c.ID, c.Partner)
	}
	return nil
}
