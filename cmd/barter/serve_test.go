package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
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
	if positions.Total != 8 || proposals.Total != 2 || proposals.Items[0].Status != "pending" {
		t.Errorf("positions %+v, proposals %+v; want 8 and 2 pending", positions, proposals)
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
	// The clearing page takes an obligations file, read by the command's CSV reader.
	upload := func(content string) (*http.Response, string) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, _ := mw.CreateFormFile("file", "obligations.csv")
		io.WriteString(fw, content)
		mw.Close()
		client := http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.Post(base[1]+"clearing", mw.FormDataContentType(), &body)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		page, _ := io.ReadAll(resp.Body)
		return resp, string(page)
	}
	demo, err := os.ReadFile("demo/obligations.csv")
	if err != nil {
		t.Fatal(err)
	}
	if resp, _ := upload(string(demo)); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/clearing/1" {
		t.Errorf("demo obligations: %d to %q; want 303 to run 1", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, page := upload("id,debtor,creditor,amount\nx,A,B,1\nx,B,C,2\ny,A,A,1\nz,A,B,-3\n")
	for _, want := range []string{"3 bad rows", "line 3: id: &#34;x&#34; already appears on line 2", "line 4: creditor:", "line 5: amount:"} {
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, want) {
			t.Errorf("bad obligations: %d, want 400 with %q in\n%s", resp.StatusCode, want, page)
		}
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
