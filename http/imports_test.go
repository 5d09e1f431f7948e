package http_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/barter-clearing/barter"
	barterhttp "github.com/barter-clearing/barter/http"
)

// TestServer_ImportRetriesDeadlock: an upload undone by a deadlock is read again from
// its start, whole, a few times at most, before the deadlock is reported.
func TestServer_ImportRetriesDeadlock(t *testing.T) {
	// Larger than any buffer between the request and the import, so that the first
	// attempt leaves most of the upload unread when it fails.
	content := "a\n" + strings.Repeat("1\n", 200_000)
	for _, tt := range []struct {
		deadlocks  int
		wantStatus int
	}{{0, http.StatusCreated}, {2, http.StatusCreated}, {3, http.StatusConflict}} {
		t.Run(fmt.Sprint(tt.deadlocks, " deadlocks"), func(t *testing.T) {
			calls := 0
			imp := barterhttp.Importer{Kind: "things", Columns: []string{"a"},
				Run: func(_ context.Context, _ *barter.Service, in io.Reader, _ barter.ImportOptions) (barter.ImportReport, error) {
					calls++
					if calls <= tt.deadlocks {
						// Fails after reading a little, as an import fails at its first batch.
						b := make([]byte, 100)
						if _, err := io.ReadFull(in, b); err != nil {
							t.Errorf("attempt %d: %v", calls, err)
						}
						return barter.ImportReport{}, fmt.Errorf("%w (deadlock_detected)", barter.ErrDeadlock)
					}
					b, err := io.ReadAll(in)
					if err != nil || string(b) != content {
						t.Errorf("attempt %d read %d bytes, %v; want the whole upload of %d", calls, len(b), err, len(content))
					}
					return barter.ImportReport{Rows: 200_000, Written: 200_000}, nil
				}}
			ts, _ := newServerWith(t, openSQLite, func(s *barterhttp.Server) { s.Importers = []barterhttp.Importer{imp} })
			status, rep := postCSV(t, ts, "/api/v1/imports/things", content)
			if status != tt.wantStatus {
				t.Errorf("status %d (%+v); want %d", status, rep.Error, tt.wantStatus)
			}
			if want := min(tt.deadlocks+1, 3); calls != want {
				t.Errorf("%d attempts; want %d", calls, want)
			}
			if tt.wantStatus == http.StatusConflict && (rep.Error == nil || rep.Error.Code != barter.EConflict) {
				t.Errorf("error %+v; want a conflict", rep.Error)
			}
		})
	}
}
