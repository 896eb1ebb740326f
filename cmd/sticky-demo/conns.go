package main

import (
	"net"
	"sync"
)

// Connection caps: a flood of connections from one address (or from
// everywhere) cannot take every file descriptor of the process. The
// stalled ones among them are cut by sticky.CutStalled (see newServer).
const (
	maxConns        = 4096 // connections open at once; more wait to be accepted
	maxConnsPerAddr = 256  // from one address; more are closed at once
)

// capListener accepts at most total connections at once, and at most
// perAddr from one remote address: an address over its share has its new
// connections closed on arrival, while others are still served.
type capListener struct {
	net.Listener
	perAddr int
	slots   chan struct{}

	mu     sync.Mutex
	byAddr map[string]int
}

func capConns(ln net.Listener, total, perAddr int) net.Listener {
	return &capListener{Listener: ln, perAddr: perAddr, slots: make(chan struct{}, total), byAddr: map[string]int{}}
}

func (l *capListener) Accept() (net.Conn, error) {
	for {
		l.slots <- struct{}{}
		c, err := l.Listener.Accept()
		if err != nil {
			<-l.slots
			return nil, err
		}
		addr := remoteHost(c)
		l.mu.Lock()
		over := l.byAddr[addr] >= l.perAddr
		if !over {
			l.byAddr[addr]++
		}
		l.mu.Unlock()
		if over {
			c.Close()
			<-l.slots
			continue
		}
		return &cappedConn{Conn: c, l: l, addr: addr}, nil
	}
}

func remoteHost(c net.Conn) string {
	host, _, err := net.SplitHostPort(c.RemoteAddr().String())
	if err != nil {
		return c.RemoteAddr().String()
	}
	return host
}

// cappedConn gives its place back when closed.
type cappedConn struct {
	net.Conn
	l    *capListener
	addr string
	once sync.Once
}

func (c *cappedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.l.mu.Lock()
		if c.l.byAddr[c.addr]--; c.l.byAddr[c.addr] <= 0 {
			delete(c.l.byAddr, c.addr)
		}
		c.l.mu.Unlock()
		<-c.l.slots
	})
	return err
}
