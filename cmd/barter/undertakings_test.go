package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestUndertakings_AddList(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "demo.db")
	mustRun(t, dsn, "demo")
	doc := writeFile(t, dir, "signed.txt", "test")
	out := mustRun(t, dsn, "undertakings", "add", "--counterparty", "ROSTOV", "--giver", "LRM", "--signatory", "A. Khan, director", "--day", "2025-01-10", "--document", doc)
	if !strings.Contains(out, "undertaking 7 filed: LRM vouches that ROSTOV is not a sanctioned entity (signed 2025-01-10 by A. Khan, director)") {
		t.Errorf("add: %q", out)
	}
	if _, errOut, err := run(t, dsn, "undertakings", "add", "--counterparty", "LRM", "--giver", "MESKAY", "--signatory", "x", "--day", "2025-01-10"); err == nil || !strings.Contains(errOut+err.Error(), "vouches for a foreign party") {
		t.Errorf("a home counterparty: %v %q", err, errOut)
	}
	out = mustRun(t, dsn, "undertakings", "list", "--counterparty", "ROSTOV")
	// The demo's chamber undertaking, then this one with the SHA-256 of "test" cut short.
	if !strings.Contains(out, "Federation of Pakistan Chambers of Commerce and Industry (chamber)") || !strings.Contains(out, "LRM") || !strings.Contains(out, "9f86d081884c…") || strings.Contains(out, "KAZAN") {
		t.Errorf("list:\n%s", out)
	}
}
