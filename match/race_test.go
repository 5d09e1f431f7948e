//go:build race

package match_test

import "time"

// solvedAfter is how long a search runs before the relaxation at the root of a pool of
// 300 participants is surely solved: the race detector slows it about tenfold.
const solvedAfter = 3 * time.Second
