// wsload: a WebSocket (RFC 6455) load client for the benchmark harness, fast enough that the
// server, not the client, is measured.
//
//	wsload echo URL -connections N -duration S -warmup S -size B [-threads T]
//	    Every connection sends a binary message, waits for its echo, checks the bytes and sends
//	    the next. Prints one line `WS_RESULT {json}` (the format harness/load.py parses).
//	wsload idle URL -connections N
//	    Opens N connections, completes every handshake, prints `WS_IDLE_READY n` (n: how many
//	    are open), then holds them, silent, until its standard input closes.
//
// Only the standard library: one binary message type, client-to-server masking, no extensions,
// so the per-message cost is a few syscalls and a copy. Pinned to one core by the harness like
// every other client.
package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
)

const handshakeGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

type conn struct {
	c      net.Conn
	r      *bufio.Reader
	mask   [4]byte
	out    []byte
	header [14]byte
}

// dial opens a TCP connection and completes the opening handshake (RFC 6455 section 4.1).
func dial(target *url.URL) (*conn, error) {
	c, err := net.DialTimeout("tcp", target.Host, 10*time.Second)
	if err != nil {
		return nil, err
	}
	if tcp, ok := c.(*net.TCPConn); ok {
		tcp.SetNoDelay(true)
	}
	var nonce [16]byte
	rand.Read(nonce[:])
	key := base64.StdEncoding.EncodeToString(nonce[:])
	path := target.RequestURI()
	request := "GET " + path + " HTTP/1.1\r\nHost: " + target.Host +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key +
		"\r\nSec-WebSocket-Version: 13\r\n\r\n"
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(c, request); err != nil {
		c.Close()
		return nil, err
	}
	r := bufio.NewReaderSize(c, 64*1024)
	status, err := r.ReadString('\n')
	if err != nil {
		c.Close()
		return nil, err
	}
	if !strings.HasPrefix(status, "HTTP/1.1 101") {
		c.Close()
		return nil, fmt.Errorf("handshake answered %q", strings.TrimSpace(status))
	}
	sum := sha1.Sum([]byte(key + handshakeGUID))
	wantAccept := base64.StdEncoding.EncodeToString(sum[:])
	accepted := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			c.Close()
			return nil, err
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			break
		}
		name, value, _ := strings.Cut(line, ":")
		if strings.EqualFold(strings.TrimSpace(name), "sec-websocket-accept") &&
			strings.TrimSpace(value) == wantAccept {
			accepted = true
		}
	}
	if !accepted {
		c.Close()
		return nil, errors.New("handshake without the right Sec-WebSocket-Accept")
	}
	c.SetDeadline(time.Time{})
	ws := &conn{c: c, r: r}
	rand.Read(ws.mask[:])
	return ws, nil
}

// sendBinary writes one masked, unfragmented binary frame.
func (ws *conn) sendBinary(payload []byte) error {
	h := ws.header[:0]
	h = append(h, 0x82)
	n := len(payload)
	switch {
	case n < 126:
		h = append(h, 0x80|byte(n))
	case n < 65536:
		h = append(h, 0x80|126, byte(n>>8), byte(n))
	default:
		h = append(h, 0x80|127)
		h = binary.BigEndian.AppendUint64(h, uint64(n))
	}
	h = append(h, ws.mask[:]...)
	ws.out = append(append(ws.out[:0], h...), payload...)
	body := ws.out[len(h):]
	for i := range body {
		body[i] ^= ws.mask[i&3]
	}
	_, err := ws.c.Write(ws.out)
	return err
}

// readMessage reads data frames until one with FIN, into buf; control frames are answered
// (ping) or ended on (close).
func (ws *conn) readMessage(buf []byte) ([]byte, error) {
	buf = buf[:0]
	for {
		var head [2]byte
		if _, err := io.ReadFull(ws.r, head[:]); err != nil {
			return nil, err
		}
		opcode := head[0] & 0x0f
		length := uint64(head[1] & 0x7f)
		switch length {
		case 126:
			var ext [2]byte
			if _, err := io.ReadFull(ws.r, ext[:]); err != nil {
				return nil, err
			}
			length = uint64(binary.BigEndian.Uint16(ext[:]))
		case 127:
			var ext [8]byte
			if _, err := io.ReadFull(ws.r, ext[:]); err != nil {
				return nil, err
			}
			length = binary.BigEndian.Uint64(ext[:])
		}
		if head[1]&0x80 != 0 {
			return nil, errors.New("the server masked a frame")
		}
		if length > 1<<26 {
			return nil, fmt.Errorf("frame of %d bytes", length)
		}
		start := len(buf)
		buf = append(buf, make([]byte, length)...)
		if _, err := io.ReadFull(ws.r, buf[start:]); err != nil {
			return nil, err
		}
		switch opcode {
		case 0x8:
			return nil, errors.New("the server closed the connection")
		case 0x9, 0xA:
			buf = buf[:start] // a ping is left unanswered: the benchmark's servers do not ping
			continue
		}
		if head[0]&0x80 != 0 {
			return buf, nil
		}
	}
}

type result struct {
	Messages   int            `json:"messages"`
	DurationUs int64          `json:"duration_us"`
	Errors     int            `json:"errors"`
	Mismatches int            `json:"mismatches"`
	LatencyUs  map[string]int `json:"latency_us"`
}

func percentile(sorted []int, pct float64) int {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * pct / 100)
	return sorted[i]
}

func echo(target *url.URL, connections int, duration, warmup time.Duration, size int) result {
	payload := make([]byte, size)
	rand.Read(payload)
	startCounting := time.Now().Add(warmup)
	stop := startCounting.Add(duration)
	var mu sync.Mutex
	var all []int
	errorsSeen, mismatches := 0, 0
	var wg sync.WaitGroup
	var reportOnce sync.Once
	for i := 0; i < connections; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []int
			bad := 0
			failed := 0
			ws, err := dial(target)
			if err == nil {
				buf := make([]byte, 0, size)
				for {
					began := time.Now()
					if !began.Before(stop) {
						break
					}
					if err = ws.sendBinary(payload); err != nil {
						break
					}
					var got []byte
					if got, err = ws.readMessage(buf); err != nil {
						break
					}
					ended := time.Now()
					if !bytes.Equal(got, payload) {
						bad++
					}
					if !began.Before(startCounting) {
						mine = append(mine, int(ended.Sub(began).Microseconds()))
					}
				}
				ws.c.Close()
			}
			if err != nil {
				failed = 1
				reportOnce.Do(func() { fmt.Fprintln(os.Stderr, "wsload: a connection failed:", err) })
			}
			mu.Lock()
			all = append(all, mine...)
			errorsSeen += failed
			mismatches += bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	sort.Ints(all)
	return result{
		Messages:   len(all),
		DurationUs: duration.Microseconds(),
		Errors:     errorsSeen,
		Mismatches: mismatches,
		LatencyUs:  map[string]int{"p50": percentile(all, 50), "p99": percentile(all, 99)},
	}
}

func idle(target *url.URL, connections int) {
	open := make([]*conn, 0, connections)
	var mu sync.Mutex
	var wg sync.WaitGroup
	// Handshakes in bounded parallel batches: a burst of 10,000 SYNs overflows the listen queue.
	slots := make(chan struct{}, 64)
	failures := 0
	for i := 0; i < connections; i++ {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			ws, err := dial(target)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failures++
				if failures == 1 {
					fmt.Fprintln(os.Stderr, "wsload: a connection failed:", err)
				}
				return
			}
			open = append(open, ws)
		}()
	}
	wg.Wait()
	fmt.Printf("WS_IDLE_READY %d\n", len(open))
	os.Stdout.Sync()
	io.Copy(io.Discard, os.Stdin)
	for _, ws := range open {
		ws.c.Close()
	}
}

func main() {
	if len(os.Args) < 3 || (os.Args[1] != "echo" && os.Args[1] != "idle") {
		fmt.Fprintln(os.Stderr, "usage: wsload echo|idle URL [flags]")
		os.Exit(2)
	}
	mode, raw := os.Args[1], os.Args[2]
	flags := flag.NewFlagSet("wsload", flag.ExitOnError)
	connections := flags.Int("connections", 64, "connections")
	duration := flags.Float64("duration", 5, "measured seconds")
	warmup := flags.Float64("warmup", 1, "seconds before counting")
	size := flags.Int("size", 64, "message bytes")
	threads := flags.Int("threads", 1, "OS threads running Go code (GOMAXPROCS)")
	flags.Parse(os.Args[3:])
	runtime.GOMAXPROCS(*threads)
	target, err := url.Parse(raw)
	if err != nil || target.Scheme != "ws" {
		fmt.Fprintln(os.Stderr, "wsload: the URL must be ws://host:port/path")
		os.Exit(2)
	}
	if mode == "idle" {
		idle(target, *connections)
		return
	}
	out := echo(target, *connections, time.Duration(*duration*float64(time.Second)),
		time.Duration(*warmup*float64(time.Second)), *size)
	line, _ := json.Marshal(out)
	fmt.Printf("WS_RESULT %s\n", line)
}
