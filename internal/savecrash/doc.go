// Package savecrash holds the crash test of saving: a process (./saver)
// that saves a kept file and its derived file into a DirVault is killed
// with SIGKILL at random moments, then Permanent.Recover runs, and the
// vault holds either nothing or the whole saved set, and no part file.
package savecrash
