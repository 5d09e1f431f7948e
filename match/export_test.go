package match

// UseInteriorPoint makes Pack solve every relaxation with at least rows participants by
// the interior-point method, and returns a function that restores the default.
func UseInteriorPoint(rows int) (restore func()) {
	old := ipmMinRows
	ipmMinRows = rows
	return func() { ipmMinRows = old }
}
