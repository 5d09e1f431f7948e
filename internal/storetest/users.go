package storetest

import (
	"errors"
	"strings"
	"testing"

	"github.com/barter-clearing/barter"
)

// testUsers registers users, signs them in by token and removes them.
func testUsers(t *testing.T, svc *barter.Service) {
	MustSeed(t, svc)
	if has, err := svc.HasUsers(ctx); err != nil || has {
		t.Fatalf("a fresh store has users: %v, %v", has, err)
	}
	u, token, err := svc.AddUser(ctx, "amina", barter.RoleCustoms, "")
	if err != nil || u.Name != "amina" || !strings.HasPrefix(token, "bt_") || len(token) < 40 {
		t.Fatalf("add: %+v %q %v", u, token, err)
	}
	_, token2, err := svc.AddUser(ctx, "desk", barter.RoleTrader, Trader)
	if err != nil || token2 == token {
		t.Fatalf("second user: %q, %v", token2, err)
	}
	for _, tt := range []struct {
		name, party string
		role        barter.Role
		code        barter.Code
		field       string
	}{
		{"amina", "", barter.RoleAnalyst, barter.EConflict, "name"},
		{"two words", "", barter.RoleAnalyst, barter.EInvalid, "name"},
		{"k", "", "king", barter.EInvalid, "role"},
		{"t", "", barter.RoleTrader, barter.EInvalid, "party"},
		{"t", Trader, barter.RoleCustoms, barter.EInvalid, "party"},
		{"t", "ghost", barter.RoleTrader, barter.ENotFound, ""},
	} {
		_, _, err := svc.AddUser(ctx, tt.name, tt.role, tt.party)
		var e *barter.Error
		if barter.ErrorCode(err) != tt.code || tt.field != "" && (!errors.As(err, &e) || e.Field != tt.field) {
			t.Errorf("add %q %s %q: %v; want %s about %q", tt.name, tt.role, tt.party, err, tt.code, tt.field)
		}
	}
	got, err := svc.Authenticate(ctx, token2)
	if err != nil || got.Name != "desk" || got.Role != barter.RoleTrader || got.Party != Trader {
		t.Errorf("authenticate: %+v, %v", got, err)
	}
	if _, err := svc.Authenticate(ctx, token+"x"); barter.ErrorCode(err) != barter.EUnauthenticated {
		t.Errorf("a wrong token: %v; want unauthenticated", err)
	}
	us, err := svc.Users(ctx)
	if err != nil || len(us) != 2 || us[0].Name != "amina" || us[1].Name != "desk" {
		t.Errorf("users: %+v, %v", us, err)
	}
	if err := svc.RemoveUser(ctx, "amina"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, token); barter.ErrorCode(err) != barter.EUnauthenticated {
		t.Errorf("a removed user's token: %v; want unauthenticated", err)
	}
	if err := svc.RemoveUser(ctx, "amina"); barter.ErrorCode(err) != barter.ENotFound {
		t.Errorf("removing twice: %v; want not found", err)
	}
	if has, err := svc.HasUsers(ctx); err != nil || !has {
		t.Errorf("has users: %v, %v", has, err)
	}
}
