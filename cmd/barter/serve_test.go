package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestServe serves the demo on a free port, pinned to the demo's day, and reads the
// positions and the proposals through the API, then stops on interrupt.
func TestServe(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "demo.db")
	mustRun(t, dsn, "demo")
	mustRun(t, dsn, "proposals", "create", "--as-of", "2025-01-31")
	logs, logw := io.Pipe()
	root := newRoot(io.Discard, logw)
	root.SetArgs([]string{"--db", dsn, "serve", "--addr", "127.0.0.1:0", "--today", "2025-02-05"})
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx); logw.Close() }()
	line, err := bufio.NewReader(logs).ReadString('\n')
	if err != nil {
		t.Fatalf("serve printed nothing: %v", err)
	}
	go io.Copy(io.Discard, logs)
	base := regexp.MustCompile(`url=(http://\S+/)`).FindStringSubmatch(line)
	if base == nil {
		t.Fatalf("no URL in %q", line)
	}
	var positions struct{ Total int }
	getJSON(t, base[1]+"api/v1/positions?as_of=2025-01-31", &positions)
	var proposals struct {
		Total int
		Items []struct{ Status, Deadline string }
	}
	getJSON(t, base[1]+"api/v1/proposals", &proposals)
	// On the pinned day, 2025-02-05, the proposals made on 2025-01-31 are still open.
	if positions.Total != 7 || proposals.Total != 2 || proposals.Items[0].Status != "pending" {
		t.Errorf("positions %+v, proposals %+v; want 7 and 2 pending", positions, proposals)
	}
	// A file with a bad header is the request's fault, and says which column is missing.
	resp, err := http.Post(base[1]+"api/v1/imports/parties", "text/csv", strings.NewReader("id,name\nX,Y\n"))
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Error struct{ Field, Message string }
	}
	json.NewDecoder(resp.Body).Decode(&rep)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || rep.Error.Field != "header" || !strings.Contains(rep.Error.Message, "country") {
		t.Errorf("bad header: %d %+v; want 400 naming the missing column", resp.StatusCode, rep)
	}
	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve ended with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
