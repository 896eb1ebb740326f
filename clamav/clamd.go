package clamav

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// Errors of a scan, wrapped with details; test them with errors.Is.
var (
	// ErrUnavailable: clamd could not be reached, did not answer in time,
	// or answered with an error of its own. The file is not known to be
	// clean or infected.
	ErrUnavailable = errors.New("clamav: clamd is unavailable")
	// ErrTooLarge: the file is longer than clamd's StreamMaxLength, so it
	// was not scanned.
	ErrTooLarge = errors.New("clamav: the file is longer than clamd scans (StreamMaxLength)")
)

// chunkSize is the length of the INSTREAM chunks sent to clamd.
const chunkSize = 64 << 10

// maxReply bounds clamd's reply: a signature name is short, and the reply
// comes from a socket, so it is read with a limit.
const maxReply = 4 << 10

// Scan sends r to clamd with its INSTREAM command and returns the name of
// the signature it matched, or "" when clamd found nothing. An error wraps
// ErrTooLarge when r is longer than clamd accepts, ErrUnavailable when
// clamd cannot be reached or fails, or the error of reading r as it is.
// Scan does not look at Scanner.StreamMaxLength: Process does.
func (s *Scanner) Scan(ctx context.Context, r io.Reader) (signature string, err error) {
	conn, stop, err := s.dial(ctx, s.timeout())
	if err != nil {
		return "", err
	}
	defer stop()
	readErr, werr := sendStream(conn, r)
	if readErr != nil { // r's, not clamd's
		return "", readErr
	}
	// clamd closes the stream early when it is over StreamMaxLength, and
	// says so: its reply explains a failed write, so read it anyway.
	reply, rerr := readReply(conn)
	if rerr != nil {
		if werr != nil {
			rerr = werr
		}
		return "", s.unavailable(ctx, "INSTREAM", rerr)
	}
	sig, err := parseReply(reply)
	if err != nil && !errors.Is(err, ErrTooLarge) {
		return "", s.unavailable(ctx, "INSTREAM", err)
	}
	return sig, err
}

// Ping checks that clamd answers its PING command, within DialTimeout.
func (s *Scanner) Ping(ctx context.Context) error {
	reply, err := s.command(ctx, "PING")
	if err == nil && reply != "PONG" {
		err = s.unavailable(ctx, "PING", fmt.Errorf("clamd answered %q", reply))
	}
	return err
}

// Version returns what clamd answers its VERSION command, such as
// "ClamAV 1.4.6/27480/Mon Dec  1 09:32:05 2025": the engine's version,
// then the signature databases' version and date when they are official.
func (s *Scanner) Version(ctx context.Context) (string, error) {
	return s.command(ctx, "VERSION")
}

// command sends clamd a command that takes no data and returns its reply.
func (s *Scanner) command(ctx context.Context, name string) (string, error) {
	conn, stop, err := s.dial(ctx, s.dialTimeout())
	if err != nil {
		return "", err
	}
	defer stop()
	if _, err := conn.Write([]byte("z" + name + "\x00")); err != nil {
		return "", s.unavailable(ctx, name, err)
	}
	reply, err := readReply(conn)
	if err != nil {
		return "", s.unavailable(ctx, name, err)
	}
	return reply, nil
}

// dial connects to clamd, with the connection's deadline timeout away;
// stop closes it. The end of ctx closes it at once, so that its error, not
// a timeout of clamd's, explains the failure.
func (s *Scanner) dial(ctx context.Context, timeout time.Duration) (net.Conn, func(), error) {
	network, addr := s.network()
	if addr == "" {
		return nil, nil, fmt.Errorf("%w: Scanner.Addr is empty", ErrUnavailable)
	}
	deadline := time.Now().Add(timeout)
	d := net.Dialer{Timeout: min(s.dialTimeout(), timeout)}
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, nil, s.unavailable(ctx, "connect", err)
	}
	conn.SetDeadline(deadline)
	unwatch := context.AfterFunc(ctx, func() { conn.Close() })
	return conn, func() { unwatch(); conn.Close() }, nil
}

// network tells a Unix socket (a path: it has a slash) from a TCP address.
func (s *Scanner) network() (string, string) {
	if strings.Contains(s.Addr, "/") {
		return "unix", s.Addr
	}
	return "tcp", s.Addr
}

// unavailable wraps err, met talking to clamd, in ErrUnavailable; a
// cancelled ctx is the caller's doing, and stays its error.
func (s *Scanner) unavailable(ctx context.Context, step string, err error) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return fmt.Errorf("%w: %s %s: %w", ErrUnavailable, step, s.Addr, err)
}

// sendStream writes the INSTREAM command, r in chunks each led by its
// length (4 bytes, big-endian), and the empty chunk that ends it. It
// returns an error reading r apart from an error writing to w.
func sendStream(w io.Writer, r io.Reader) (readErr, writeErr error) {
	bw := bufio.NewWriterSize(w, chunkSize+4)
	bw.WriteString("zINSTREAM\x00")
	buf := make([]byte, 4+chunkSize)
	for {
		n, err := io.ReadFull(r, buf[4:])
		if n > 0 {
			binary.BigEndian.PutUint32(buf, uint32(n))
			if _, werr := bw.Write(buf[:4+n]); werr != nil {
				return nil, werr
			}
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return err, nil
		}
	}
	binary.BigEndian.PutUint32(buf, 0)
	bw.Write(buf[:4])
	return nil, bw.Flush()
}

// readReply reads clamd's reply to a z-command, which ends with a NUL byte
// (or the connection's end), without the NUL.
func readReply(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxReply+1))
	if len(b) > maxReply {
		return "", fmt.Errorf("a reply longer than %d bytes", maxReply)
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return string(b[:i]), nil
	}
	if err != nil {
		return "", err
	}
	if len(b) == 0 {
		return "", errors.New("no reply")
	}
	return string(b), nil
}

// maxSignature bounds the signature name reported; clamd's are far
// shorter.
const maxSignature = 200

// parseReply reads clamd's reply to INSTREAM: "stream: OK" is a clean
// file (""), "stream: NAME FOUND" an infected one (NAME), and a reply that
// ends in "ERROR" an error, ErrTooLarge for "INSTREAM size limit
// exceeded". Anything else is an error too: only "OK" passes a file.
func parseReply(reply string) (signature string, err error) {
	reply = strings.TrimRight(reply, "\x00\r\n")
	if strings.HasSuffix(reply, "ERROR") {
		if strings.Contains(reply, "size limit exceeded") {
			return "", ErrTooLarge
		}
		return "", fmt.Errorf("clamd: %s", printable(reply))
	}
	result, ok := strings.CutPrefix(reply, "stream: ")
	switch {
	case !ok:
	case result == "OK":
		return "", nil
	case result == "FOUND" || strings.HasSuffix(result, " FOUND"):
		sig := printable(strings.TrimSpace(strings.TrimSuffix(result, "FOUND")))
		if sig == "" {
			sig = "unnamed" // still a virus
		}
		return sig, nil
	}
	return "", fmt.Errorf("clamd's reply is not understood: %q", printable(reply))
}

// printable makes text from a socket safe to log and show: printable ASCII
// only, at most maxSignature bytes.
func printable(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r > '~' {
			return '?'
		}
		return r
	}, s)
	if len(s) > maxSignature {
		s = s[:maxSignature]
	}
	return s
}
