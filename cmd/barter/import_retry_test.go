package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/barter-clearing/barter"
)

// TestImportFile_RetriesDeadlock: an import undone by a deadlock is read again from the
// start, up to importAttempts times, and then reported.
func TestImportFile_RetriesDeadlock(t *testing.T) {
	const content = "a\n1\n2\n"
	path := writeFile(t, t.TempDir(), "things.csv", content)
	for _, tt := range []struct {
		deadlocks int
		wantErr   bool
	}{{0, false}, {2, false}, {importAttempts, true}} {
		calls := 0
		imp := importer{columns: []string{"a"}, run: func(_ context.Context, _ *barter.Service, in io.Reader, _ barter.ImportOptions) (barter.ImportReport, error) {
			b, err := io.ReadAll(in)
			if err != nil || string(b) != content {
				t.Errorf("attempt %d read %q, %v; want the whole file", calls+1, b, err)
			}
			calls++
			if calls <= tt.deadlocks {
				return barter.ImportReport{}, fmt.Errorf("%w (deadlock_detected)", barter.ErrDeadlock)
			}
			return barter.ImportReport{Rows: 2, Written: 2}, nil
		}}
		var out, errOut bytes.Buffer
		a := &app{out: &out, errOut: &errOut}
		err := a.importFile(context.Background(), nil, "things", imp, path, true)
		if (err != nil) != tt.wantErr || tt.wantErr && !errors.Is(err, barter.ErrDeadlock) {
			t.Errorf("%d deadlocks: %v; want an error %v", tt.deadlocks, err, tt.wantErr)
		}
		if want := min(tt.deadlocks+1, importAttempts); calls != want {
			t.Errorf("%d deadlocks: %d attempts; want %d", tt.deadlocks, calls, want)
		}
		if retries := strings.Count(errOut.String(), "importing again"); retries != calls-1 {
			t.Errorf("%d deadlocks: %d retries reported; want %d\n%s", tt.deadlocks, retries, calls-1, errOut.String())
		}
	}
}
