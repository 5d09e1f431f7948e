package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestSanctions_Screen screens the demo's registry (14 parties), with one added under a listed
// name, against the UN list of 2017-07-03.
func TestSanctions_Screen(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "demo.db")
	mustRun(t, dsn, "demo")
	mustRun(t, dsn, "import", "-q", "parties", writeFile(t, dir, "p.csv", "id,name,country,tax_id,kind\nASG,Abu Sayaf Group Ltd,AF,AF-1,private\n"))
	list := filepath.Join("..", "..", "sanctions", "testdata", "un-sc-consolidated-2017-07-03.xml")
	out := mustRun(t, dsn, "sanctions", "screen", "--list", list)
	for _, want := range []string{"Screened 15 parties", "(1021 entries): 1 with possible matches", "ASG", "QDe.001", "ABU SAYYAF GROUP"} {
		if !strings.Contains(out, want) {
			t.Errorf("screen output lacks %q:\n%s", want, out)
		}
	}
	var rep struct {
		Version           string
		Screened, Flagged int
		Hits              []struct{ Party, Ref, Score string }
	}
	if err := json.Unmarshal([]byte(mustRun(t, dsn, "sanctions", "screen", "--list", list, "--format", "json")), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Version != "2017-07-04T00:27:45Z" || rep.Screened != 15 || rep.Flagged != 1 || len(rep.Hits) != 1 || rep.Hits[0].Party != "ASG" || rep.Hits[0].Ref != "QDe.001" {
		t.Errorf("json: %+v", rep)
	}
	// Loaded, the list is kept and the hit waits for customs.
	if out := mustRun(t, dsn, "sanctions", "load", list); !strings.Contains(out, "(1021 entries), loaded; screened 15 parties: 1 new possible matches") {
		t.Errorf("load: %s", out)
	}
	if out := mustRun(t, dsn, "sanctions", "hits", "--status", "open"); !strings.Contains(out, "ASG") || !strings.Contains(out, "QDe.001") {
		t.Errorf("hits: %s", out)
	}
	if _, _, err := run(t, dsn, "sanctions", "clear", "ASG", "QDe.001"); err == nil {
		t.Error("a hit cleared without a reason")
	}
	if out := mustRun(t, dsn, "sanctions", "clear", "ASG", "QDe.001", "--reason", "a sports club in Sialkot"); !strings.Contains(out, "ASG on QDe.001: cleared") {
		t.Errorf("clear: %s", out)
	}
	if out := mustRun(t, dsn, "sanctions", "hits", "--status", "open"); !strings.Contains(out, "no hits") {
		t.Errorf("open hits after clearing: %s", out)
	}
	for _, args := range [][]string{
		{"sanctions", "screen", "--list", list, "--threshold", "1.5"},
		{"sanctions", "screen", "--list", filepath.Join(dir, "none.xml")},
		{"sanctions", "screen", "--list", filepath.Join(dir, "p.csv")},
	} {
		if _, _, err := run(t, dsn, args...); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
