package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	dir := t.TempDir()
	// A three-way exchange worth 270 beats the best pair (rice <-> coal, 130).
	in := writeFile(t, dir, "e.csv", "from,to,weight\nrice,wheat,100\nwheat,coal,90\ncoal,rice,80\nrice,coal,50\n")
	for _, tt := range []struct {
		k      string
		weight string
		lines  int
	}{{"3", "270.00", 3}, {"2", "130.00", 2}} {
		out := filepath.Join(dir, "c"+tt.k+".csv")
		stdout := mustRun(t, "sqlite:x.db", "match", "--edges", in, "--max-cycle", tt.k, "--out", out)
		var sum matchSummary
		if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
			t.Fatal(err)
		}
		if sum.Weight != tt.weight || sum.Bound != tt.weight || !sum.Optimal || sum.Cycles != 1 {
			t.Errorf("k=%s: summary %+v, want weight %s proven", tt.k, sum, tt.weight)
		}
		b, _ := os.ReadFile(out)
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if lines[0] != "cycle,position,node" || len(lines) != tt.lines+1 {
			t.Errorf("k=%s: cycles.csv =\n%s", tt.k, b)
		}
	}
}

func TestMatch_BadRows(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "e.csv", "from,to,weight\nA,B,1\nA,A,1\nA,B,2\nB,C,-1\nC,,1\nC,A,0.001\n")
	out := filepath.Join(dir, "c.csv")
	_, errOut, err := run(t, "sqlite:x.db", "match", "--edges", in, "--max-cycle", "3", "--out", out)
	if err == nil {
		t.Fatal("bad edges accepted")
	}
	for _, want := range []string{in + ":3: to: ", in + ":4: to: the arc A -> B already appears on line 2", in + ":5: weight: ", in + ":6: to: is required", in + ":7: weight: "} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Error("output written for bad input")
	}
	if _, _, err := run(t, "sqlite:x.db", "match", "--edges", in, "--max-cycle", "5", "--out", out); err == nil {
		t.Error("--max-cycle 5 accepted")
	}
}
