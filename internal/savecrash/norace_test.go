//go:build !race

package savecrash_test

const raceEnabled = false
