package match

import "testing"

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
