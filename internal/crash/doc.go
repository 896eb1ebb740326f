// Package crash holds the crash tests of sticky's resumable uploads: a
// server process (./testserver) killed with SIGKILL in the middle of an
// upload, and again while it processes a complete one, then started again
// on the same store. The client resumes; the bytes are the client's; and no
// upload is ever handed out as complete before it was accepted.
package crash
