package match

import (
	"slices"
	"testing"
	"time"
)

// TestUnchanged: a region's repacking applies only while the region is as it was when
// its cycles were dropped.
func TestUnchanged(t *testing.T) {
	// Cycle 7 covers 1 and 2, which a step freed together with participant 3.
	region := []int32{1, 2, 3}
	dropped := map[int32]bool{7: true}
	fresh := func() (map[int32]int32, map[int32]bool) {
		return map[int32]int32{1: 7, 2: 7, 5: 9}, map[int32]bool{7: true, 9: true}
	}
	owner, packed := fresh()
	if !unchanged(region, dropped, owner, packed) {
		t.Error("an untouched region reads as changed")
	}
	// Another worker dropped cycle 7 meanwhile: its weight must not be taken off twice.
	owner, packed = fresh()
	delete(packed, 7)
	delete(owner, 1)
	delete(owner, 2)
	if unchanged(region, dropped, owner, packed) {
		t.Error("a region whose dropped cycle another step removed reads as unchanged")
	}
	// Another worker packed a cycle through the free participant 3.
	owner, packed = fresh()
	owner[3], packed[11] = 11, true
	if unchanged(region, dropped, owner, packed) {
		t.Error("a region another step packed a cycle into reads as unchanged")
	}
}

// TestAdoptBeside: the tree takes a packing from the search beside it only as what its
// cycles weigh, and never one whose cycles share a participant.
func TestAdoptBeside(t *testing.T) {
	cs := &cycles{start: []int32{0, 3, 6, 9}, flat: []int32{0, 1, 2, 2, 3, 4, 3, 4, 5}, w: []int64{10, 12, 7}}
	s := newSolver(6, cs, time.Now().Add(time.Minute))
	s.best, s.bestSet = 10, []int32{0}
	s.beside = &besideSearch{}
	s.beside.publish([]int32{1, 0}, 22) // cycles 0 and 1 share participant 2
	s.adoptBeside()
	if s.best != 10 || !slices.Equal(s.bestSet, []int32{0}) {
		t.Errorf("after a packing whose cycles overlap: best %d %v; want 10 [0] kept", s.best, s.bestSet)
	}
	s.beside.publish([]int32{0, 2}, 99) // weighs 17, whatever it claims
	s.adoptBeside()
	if s.best != 17 || !slices.Equal(s.bestSet, []int32{0, 2}) {
		t.Errorf("after a packing of weight 17 claimed 99: best %d %v; want 17 [0 2]", s.best, s.bestSet)
	}
	s.beside.publish([]int32{1}, 50) // lighter than the one published: not taken
	if p := s.beside.found.Load(); p.w != 99 {
		t.Errorf("published %d after a lighter packing; want 99 kept", p.w)
	}
}
