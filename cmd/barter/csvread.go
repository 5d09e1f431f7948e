package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"

	"github.com/barter-clearing/barter"
	"github.com/barter-clearing/barter/csvfile"
)

// readCSV reads a whole CSV file with read. A bad header, and every bad row, is reported
// on the error stream as FILE:LINE: field: reason; check, when set, may reject a row that
// read accepted (a repeated id, say). It returns the good rows, or errReported when any
// row was bad, so that nothing is done with a file that is partly wrong.
func readCSV[T any](a *app, path string, read func(io.Reader) (iter.Seq[barter.Row[T]], error), check func(line int, v *T) error) ([]T, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, barter.Invalid(path, "%v", errors.Unwrap(err))
	}
	defer f.Close()
	rows, err := read(bufio.NewReaderSize(f, 1<<20))
	var he *csvfile.HeaderError
	if errors.As(err, &he) {
		fmt.Fprintf(a.errOut, "%s:1: %s\n", path, he)
		return nil, errReported
	}
	if err != nil {
		return nil, err
	}
	var out []T
	bad := 0
	for r := range rows {
		if r.Err == nil && check != nil {
			r.Err = check(r.Line, &r.Value)
		}
		if r.Err != nil {
			bad++
			var e *barter.Error
			if errors.As(r.Err, &e) {
				fmt.Fprintf(a.errOut, "%s:%d: %s: %s\n", path, r.Line, e.Field, e.Message)
			} else {
				fmt.Fprintf(a.errOut, "%s:%d: row: %v\n", path, r.Line, r.Err)
			}
			continue
		}
		out = append(out, r.Value)
	}
	if bad > 0 {
		fmt.Fprintf(a.errOut, "%s: %d bad rows; nothing was done\n", path, bad)
		return nil, errReported
	}
	return out, nil
}

// uniqueIDs returns a check that rejects a row whose key (in the column field) appeared
// on an earlier line.
func uniqueIDs[T any](field string, id func(*T) string) func(int, *T) error {
	seen := map[string]int{}
	return func(line int, v *T) error {
		k := id(v)
		if first, dup := seen[k]; dup {
			return barter.Invalid(field, "%q already appears on line %d", k, first)
		}
		seen[k] = line
		return nil
	}
}
