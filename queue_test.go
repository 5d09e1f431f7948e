package barter

import (
	"errors"
	"strings"
	"testing"
)

// TestStoreQueue checks that calls run in order, that a failure, or a panic, fails the
// calls queued after it without running them, and that close waits for them all.
func TestStoreQueue(t *testing.T) {
	for _, tt := range []struct {
		name string
		fail func() error
		want string
	}{
		{"error", func() error { return errors.New("disk full") }, "disk full"},
		{"panic", func() error { panic("nil map") }, "store call panicked: nil map"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q := newStoreQueue()
			var ran []int
			first := q.submit(func() error { ran = append(ran, 1); return nil })
			failed := q.submit(tt.fail)
			after := q.submit(func() error { ran = append(ran, 3); return nil })
			q.close()
			if err := <-first; err != nil {
				t.Errorf("first call: %v", err)
			}
			for i, done := range []<-chan error{failed, after} {
				if err := <-done; err == nil || !strings.HasPrefix(err.Error(), tt.want) {
					t.Errorf("call %d: %v, want %q", i+2, err, tt.want)
				}
			}
			if len(ran) != 1 || ran[0] != 1 {
				t.Errorf("ran %v; want only the first call", ran)
			}
		})
	}
}
