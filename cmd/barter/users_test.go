package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestUsers registers users from the command line, lists and removes them.
func TestUsers_AddListRemove(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "demo.db")
	mustRun(t, dsn, "demo")
	if out := mustRun(t, dsn, "users", "list"); !strings.Contains(out, "no users") {
		t.Errorf("list before any: %q", out)
	}
	token := strings.TrimSpace(mustRun(t, dsn, "users", "add", "amina", "--role", "customs"))
	if !strings.HasPrefix(token, "bt_") || strings.ContainsAny(token, " \n") {
		t.Errorf("add printed %q; want the token alone", token)
	}
	mustRun(t, dsn, "users", "add", "lrm-desk", "--role", "trader", "--party", "LRM")
	if _, errOut, err := run(t, dsn, "users", "add", "ghost-desk", "--role", "trader", "--party", "GHOST"); err == nil || !strings.Contains(errOut+err.Error(), "GHOST") {
		t.Errorf("a trader for an unknown party: %v %q", err, errOut)
	}
	out := mustRun(t, dsn, "users", "list")
	if !strings.Contains(out, "amina     customs") || !strings.Contains(out, "lrm-desk  trader   LRM") {
		t.Errorf("list:\n%s", out)
	}
	mustRun(t, dsn, "users", "remove", "amina")
	if out := mustRun(t, dsn, "users", "list"); strings.Contains(out, "amina") {
		t.Errorf("after remove:\n%s", out)
	}
}
