package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestConsortiums_AddList(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "demo.db")
	mustRun(t, dsn, "demo")
	if out := mustRun(t, dsn, "consortiums", "list"); !strings.Contains(out, "no consortiums") {
		t.Errorf("list before any: %q", out)
	}
	parties := writeFile(t, dir, "parties.csv", "id,name,country,tax_id,kind\nPKAGRI,Punjab Agri Consortium,PK,7100001,consortium\n")
	mustRun(t, dsn, "import", "parties", parties)
	// The lead need not be repeated among the members.
	if out := mustRun(t, dsn, "consortiums", "add", "PKAGRI", "--partner", "ru", "--lead", "LRM", "--members", "SKINNOW"); !strings.Contains(out, "2 members, led by LRM, trading with RU") {
		t.Errorf("add: %q", out)
	}
	if _, errOut, err := run(t, dsn, "consortiums", "add", "PKAGRI", "--partner", "RU", "--lead", "LRM", "--members", "PSO"); err == nil || !strings.Contains(errOut+err.Error(), "PSO is state-owned") {
		t.Errorf("a state-owned member: %v %q", err, errOut)
	}
	if out := mustRun(t, dsn, "consortiums", "list"); !strings.Contains(out, "PKAGRI      RU       LRM   LRM, SKINNOW") {
		t.Errorf("list:\n%s", out)
	}
}
