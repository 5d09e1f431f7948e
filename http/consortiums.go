package http

import (
	"net/http"

	"github.com/barter-clearing/barter"
)

// Consortium is a consortium party's members, lead first, and its partner country.
type Consortium struct {
	ID      string             `json:"id"`
	Partner string             `json:"partner"`
	Lead    string             `json:"lead"`
	Members []ConsortiumMember `json:"members"`
}

// ConsortiumMember is one member of a consortium.
type ConsortiumMember struct {
	Party string `json:"party"`
	Lead  bool   `json:"lead"`
}

// NewConsortium converts a consortium for the API.
func NewConsortium(c *barter.Consortium) Consortium {
	out := Consortium{ID: c.ID, Partner: c.Partner, Lead: c.Lead(), Members: []ConsortiumMember{}}
	for _, m := range c.Members {
		out.Members = append(out.Members, ConsortiumMember{m.Party, m.Lead})
	}
	return out
}

func (s *Server) consortiums(r *http.Request) (int, any, error) {
	cs, err := s.Service.Consortiums(r.Context())
	if err != nil {
		return 0, nil, err
	}
	out, err := paginate(r, cs, NewConsortium)
	return http.StatusOK, out, err
}

func (s *Server) consortium(r *http.Request) (int, any, error) {
	c, err := s.Service.Consortium(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, NewConsortium(c), nil
}

// registerConsortium records a consortium's members: {"id", "partner", "lead",
// "members": ["ID", ...]}, the lead among the members or not.
func (s *Server) registerConsortium(r *http.Request) (int, any, error) {
	var in struct {
		ID      string   `json:"id"`
		Partner string   `json:"partner"`
		Lead    string   `json:"lead"`
		Members []string `json:"members"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	c := barter.ConsortiumOf(in.ID, in.Partner, in.Lead, in.Members)
	if err := s.Service.RegisterConsortium(r.Context(), c); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, NewConsortium(c), nil
}
