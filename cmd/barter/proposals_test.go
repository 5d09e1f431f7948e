package main

import (
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestProposalsOnDemo runs the proposal workflow end to end on the demo data: the pool
// of demo offers is matched into a three-party cycle (Lahore cement to a rice exporter,
// rice to Rostov, Russian wheat to the cement maker) and a kinnow-for-pulses pair; all
// accept the cycle, which files one authorization for the Pakistan-Russia legs, and
// Kazan declines the pair, which returns the kinnow to the pool.
func TestProposalsOnDemo(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "demo.db")
	mustRun(t, dsn, "demo")
	for _, tt := range []struct{ pair, want string }{
		{"OF-RICE-LRM,OF-WHEAT-ROSTOV", "OF-RICE-LRM can give to OF-WHEAT-ROSTOV on 2025-01-31: worth 1900000000.00"},
		{"OF-WHEAT-ROSTOV,OF-RICE-LRM", "OF-RICE-LRM wants 2523 or 2701, not 100199"},
	} {
		if out := mustRun(t, dsn, "offers", "--explain", tt.pair, "--as-of", "2025-01-31"); !strings.Contains(out, tt.want) {
			t.Errorf("offers --explain %s:\n%s\nwant %q", tt.pair, out, tt.want)
		}
	}
	out := mustRun(t, dsn, "proposals", "create", "--as-of", "2025-01-31", "--deadline", "2025-02-14")
	if !strings.Contains(out, "2 proposals") || !strings.Contains(out, "proven optimal") {
		t.Fatalf("proposals create:\n%s", out)
	}
	var ps []struct {
		ID     int64
		Status string
		Legs   []struct{ Party, Response string }
	}
	if err := json.Unmarshal([]byte(mustRun(t, dsn, "proposals", "list", "--format", "json", "--as-of", "2025-02-01")), &ps); err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 {
		t.Fatalf("listed %d proposals; want 2", len(ps))
	}
	for _, p := range ps {
		id := strconv.FormatInt(p.ID, 10)
		if len(p.Legs) == 2 {
			out := mustRun(t, dsn, "proposals", "decline", id, "--party", "KAZAN", "--reason", "pulses sold elsewhere", "--as-of", "2025-02-01")
			if !strings.Contains(out, "declined") {
				t.Errorf("decline:\n%s", out)
			}
			continue
		}
		var last string
		for _, l := range p.Legs {
			last = mustRun(t, dsn, "proposals", "accept", id, "--party", l.Party, "--as-of", "2025-02-01")
		}
		if !strings.Contains(last, "accepted") || !strings.Contains(last, "authorization application") {
			t.Errorf("the last acceptance:\n%s", last)
		}
		if _, errOut, err := run(t, dsn, "proposals", "accept", id, "--party", "LRM"); err == nil {
			t.Errorf("accepting twice succeeded: %s", errOut)
		}
	}
	applied := mustRun(t, dsn, "authorizations", "list", "--status", "applied")
	if !strings.Contains(applied, "LRM") || !strings.Contains(applied, "ROSTOV") {
		t.Fatalf("no authorization filed for the cycle:\n%s", applied)
	}
	var offers []struct{ ID, Status string }
	if err := json.Unmarshal([]byte(mustRun(t, dsn, "offers", "--format", "json")), &offers); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"OF-RICE-LRM": "matched", "OF-WHEAT-ROSTOV": "matched", "OF-CEMENT-LHR": "matched",
		"OF-KINNOW-SKN": "open", "OF-PULSES-KAZAN": "declined", "OF-COAL-KABUL": "open"}
	for _, o := range offers {
		if want[o.ID] != o.Status {
			t.Errorf("offer %s is %s; want %s", o.ID, o.Status, want[o.ID])
		}
	}
}
