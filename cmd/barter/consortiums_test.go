package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestConsortiums_AddList(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "demo.db")
	mustRun(t, dsn, "demo")
	if out := mustRun(t, dsn, "consortiums", "list"); !strings.Contains(out, "PKAGRI      RU       LRM   LRM, SKINNOW") {
		t.Errorf("the demo's consortium:\n%s", out)
	}
	// The lead need not be repeated among the members.
	if out := mustRun(t, dsn, "consortiums", "add", "PKAGRI", "--partner", "ru", "--lead", "SKINNOW", "--members", "LRM,LHRCEMENT"); !strings.Contains(out, "3 members, led by SKINNOW, trading with RU") {
		t.Errorf("add: %q", out)
	}
	if _, errOut, err := run(t, dsn, "consortiums", "add", "PKAGRI", "--partner", "RU", "--lead", "LRM", "--members", "PSO"); err == nil || !strings.Contains(errOut+err.Error(), "PSO is state-owned") {
		t.Errorf("a state-owned member: %v %q", err, errOut)
	}
	if out := mustRun(t, dsn, "consortiums", "list"); !strings.Contains(out, "PKAGRI      RU       SKINNOW  SKINNOW, LHRCEMENT, LRM") {
		t.Errorf("list:\n%s", out)
	}
}
