// bench-client: the quic-go client side of `make bench` (bench/README.md), the
// counterpart of quince's bench/bench_{rtt,tput,hs,bulk,idle}.c. It talks to
// either bench server (quince's bench_server or quic-go's bench-server) and
// prints one "RESULT impl=quic-go bench=MODE key=value ..." line.
//
//	bench-client -mode rtt  -server 127.0.0.1:P -ca F [-rounds 10000] [-warmup 1000]
//	bench-client -mode tput -server ... [-size 1200] [-ms 2000]
//	bench-client -mode hs   -server ... [-ms 3000] [-par 4]
//	bench-client -mode bulk -server ... [-bytes 200000000]
//	bench-client -mode idle -server ... [-conns 1000]
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
)

var (
	server  = flag.String("server", "127.0.0.1:4433", "bench server UDP address")
	caFile  = flag.String("ca", "", "PEM certificate to trust")
	mode    = flag.String("mode", "rtt", "rtt|tput|hs|bulk|idle")
	rounds  = flag.Int("rounds", 10000, "rtt: measured rounds")
	warmup  = flag.Int("warmup", 1000, "rtt: rounds before measuring")
	size    = flag.Int("size", 1200, "tput: datagram payload bytes")
	ms      = flag.Int("ms", 2000, "tput/hs: duration in milliseconds")
	par     = flag.Int("par", 4, "hs: connections at a time")
	nbytes  = flag.Int64("bytes", 200000000, "bulk: body bytes")
	nconns  = flag.Int("conns", 1000, "idle: connections")
	rttDump = os.Getenv("BENCH_RTT_DUMP")
)

type conn struct {
	q  *quic.Conn
	cc *http3.ClientConn
}

var tlsConf *tls.Config

func dial(ctx context.Context) (*conn, error) {
	q, err := quic.DialAddr(ctx, *server, tlsConf, &quic.Config{EnableDatagrams: true})
	if err != nil {
		return nil, fmt.Errorf("QUIC handshake: %w", err)
	}
	tr := &http3.Transport{EnableDatagrams: true}
	cc := tr.NewClientConn(q)
	select {
	case <-cc.ReceivedSettings():
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return &conn{q, cc}, nil
}

func (c *conn) close() { c.cc.CloseWithError(quic.ApplicationErrorCode(http3.ErrCodeNoError), "") }

func (c *conn) get(ctx context.Context, path string) (*http3.RequestStream, *http.Response, error) {
	str, err := c.cc.OpenRequestStream(ctx)
	if err != nil {
		return nil, nil, err
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://localhost"+path, http.NoBody)
	if err := str.SendRequestHeader(req); err != nil {
		return nil, nil, err
	}
	resp, err := str.ReadResponse()
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode != 200 {
		return nil, nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	return str, resp, nil
}

func fetch(ctx context.Context, path string) (string, error) {
	c, err := dial(ctx)
	if err != nil {
		return "", err
	}
	defer c.close()
	_, resp, err := c.get(ctx, path)
	if err != nil {
		return "", err
	}
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func kv(text, key string) float64 {
	for _, f := range strings.Fields(text) {
		if k, v, ok := strings.Cut(f, "="); ok && k == key {
			x, _ := strconv.ParseFloat(v, 64)
			return x
		}
	}
	return 0
}

func cpuUs() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec*1e6 + ru.Utime.Usec + ru.Stime.Sec*1e6 + ru.Stime.Usec)
}

func maxrss() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Maxrss
}

func rcvbufErrors() float64 {
	f, err := os.Open("/proc/net/snmp")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		h := strings.Fields(sc.Text())
		if len(h) == 0 || h[0] != "Udp:" || !sc.Scan() {
			continue
		}
		v := strings.Fields(sc.Text())
		for i := range h {
			if h[i] == "RcvbufErrors" && i < len(v) {
				x, _ := strconv.ParseFloat(v[i], 64)
				return x
			}
		}
		break
	}
	return 0
}

func pct(s []float64, p float64) float64 {
	i := int(p/100*float64(len(s)-1) + 0.5)
	if i >= len(s) {
		i = len(s) - 1
	}
	return s[i]
}

func runRTT(ctx context.Context) error {
	c, err := dial(ctx)
	if err != nil {
		return err
	}
	defer c.close()
	str, _, err := c.get(ctx, "/echo")
	if err != nil {
		return err
	}
	var rtt []float64
	lost := 0
	msg := make([]byte, 8)
	for i := 0; len(rtt) < *rounds; i++ {
		binary.BigEndian.PutUint64(msg, uint64(i))
		t0 := time.Now()
		if err := str.SendDatagram(append([]byte(nil), msg...)); err != nil {
			return err
		}
		rctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		for {
			b, err := str.ReceiveDatagram(rctx)
			if err != nil {
				lost++
				break
			}
			if len(b) >= 8 && binary.BigEndian.Uint64(b) == uint64(i) {
				if i >= *warmup {
					rtt = append(rtt, float64(time.Since(t0).Nanoseconds())/1e3)
				}
				break
			}
		}
		cancel()
		if lost > *rounds/10 {
			return errors.New("too many lost")
		}
	}
	sum := 0.0
	for _, x := range rtt {
		sum += x
	}
	if rttDump != "" {
		var sb strings.Builder
		for _, x := range rtt {
			fmt.Fprintf(&sb, "%.1f\n", x)
		}
		os.WriteFile(rttDump, []byte(sb.String()), 0o644)
	}
	sort.Float64s(rtt)
	fmt.Printf("RESULT impl=quic-go bench=rtt rounds=%d p50_us=%.1f p99_us=%.1f p999_us=%.1f mean_us=%.1f lost=%d maxrss_kb=%d\n",
		len(rtt), pct(rtt, 50), pct(rtt, 99), pct(rtt, 99.9), sum/float64(len(rtt)), lost, maxrss())
	return nil
}

func runTput(ctx context.Context) error {
	c, err := dial(ctx)
	if err != nil {
		return err
	}
	defer c.close()
	sock0 := rcvbufErrors()
	str, resp, err := c.get(ctx, fmt.Sprintf("/blast?size=%d&ms=%d", *size, *ms))
	if err != nil {
		return err
	}
	var received int64
	var first, last time.Time
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			_, err := str.ReceiveDatagram(rctx)
			if err != nil {
				return
			}
			now := time.Now()
			if received == 0 {
				first = now
			}
			last = now
			received++
		}
	}()
	body, err := io.ReadAll(resp.Body)
	time.Sleep(50 * time.Millisecond) // the last datagrams may trail the FIN
	cancel()
	<-done
	if err != nil {
		return err
	}
	sent := kv(string(body), "sent")
	secs := last.Sub(first).Seconds()
	if secs <= 0 {
		secs = 1
	}
	rate := float64(received) / secs
	fmt.Printf("RESULT impl=quic-go bench=tput size=%d dgrams_per_s=%.0f mbit_s=%.1f sent=%.0f received=%d drops=%.0f drop_sender_queue=0 drop_socket=%.0f drop_recv_queue=- dgrams_per_pkt=- maxrss_kb=%d\n",
		*size, rate, rate*float64(*size)*8e-6, sent, received, sent-float64(received), rcvbufErrors()-sock0, maxrss())
	return nil
}

func runHS(ctx context.Context) error {
	s0, err := fetch(ctx, "/stats")
	if err != nil {
		return err
	}
	var done, failed atomic.Int64
	end := time.Now().Add(time.Duration(*ms) * time.Millisecond)
	start := time.Now()
	cpu0 := cpuUs()
	var wg sync.WaitGroup
	for w := 0; w < *par; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(end) {
				if err := oneHS(ctx); err != nil {
					if failed.Add(1) <= 3 {
						fmt.Fprintf(os.Stderr, "bench-client: hs: %v\n", err)
					}
				} else {
					done.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	ccpu := cpuUs() - cpu0
	s1, err := fetch(ctx, "/stats")
	if err != nil {
		return err
	}
	acc := kv(s1, "accepted") - kv(s0, "accepted")
	scpu := kv(s1, "cpu_us") - kv(s0, "cpu_us")
	fmt.Printf("RESULT impl=quic-go bench=hs par=%d hs_per_s=%.1f done=%d failed=%d server_cpu_us_per_hs=%.1f client_cpu_us_per_hs=%.1f server_accepted=%.0f\n",
		*par, float64(done.Load())/secs, done.Load(), failed.Load(), scpu/max(acc, 1), ccpu/float64(max(done.Load(), 1)), acc)
	return nil
}

func oneHS(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := dial(ctx)
	if err != nil {
		return fmt.Errorf("handshake or SETTINGS: %w", err)
	}
	defer c.close()
	str, _, err := c.get(ctx, "/echo")
	if err != nil {
		return fmt.Errorf("GET /echo: %w", err)
	}
	if err := str.SendDatagram(make([]byte, 8)); err != nil {
		return fmt.Errorf("send datagram: %w", err)
	}
	if _, err = str.ReceiveDatagram(ctx); err != nil {
		return fmt.Errorf("datagram echo: %w", err)
	}
	return nil
}

func runBulk(ctx context.Context) error {
	s0, err := fetch(ctx, "/stats")
	if err != nil {
		return err
	}
	c, err := dial(ctx)
	if err != nil {
		return err
	}
	cpu0 := cpuUs()
	t0 := time.Now()
	_, resp, err := c.get(ctx, fmt.Sprintf("/bulk?bytes=%d", *nbytes))
	if err != nil {
		return err
	}
	got, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		return err
	}
	secs := time.Since(t0).Seconds()
	ccpu := (cpuUs() - cpu0) * 1e-6
	c.close()
	s1, err := fetch(ctx, "/stats")
	if err != nil {
		return err
	}
	scpu := (kv(s1, "cpu_us") - kv(s0, "cpu_us")) * 1e-6
	gb := float64(got) / 1e9
	fmt.Printf("RESULT impl=quic-go bench=bulk bytes=%d secs=%.3f mbit_s=%.1f client_cpu_s_per_gb=%.2f server_cpu_s_per_gb=%.2f maxrss_kb=%d server_maxrss_kb=%.0f\n",
		got, secs, float64(got)*8e-6/secs, ccpu/gb, scpu/gb, maxrss(), kv(s1, "maxrss_kb"))
	if got != *nbytes {
		return fmt.Errorf("got %d of %d bytes", got, *nbytes)
	}
	return nil
}

func heap() float64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc + m.StackInuse)
}

func runIdle(ctx context.Context) error {
	s0, err := fetch(ctx, "/stats")
	if err != nil {
		return err
	}
	h0 := heap()
	cs := make([]*conn, *nconns)
	sem := make(chan struct{}, 50) // waves of 50, like the quince client
	var wg sync.WaitGroup
	var failed atomic.Int64
	for i := range cs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := dial(ctx)
			if err != nil {
				failed.Add(1)
				return
			}
			cs[i] = c
		}()
	}
	wg.Wait()
	if failed.Load() > 0 {
		return fmt.Errorf("%d connections failed", failed.Load())
	}
	time.Sleep(300 * time.Millisecond)
	h1 := heap()
	s1, err := fetch(ctx, "/stats")
	if err != nil {
		return err
	}
	n := float64(*nconns)
	fmt.Printf("RESULT impl=quic-go bench=idle conns=%d server_conns=%.0f server_heap_per_conn=%.0f client_heap_per_conn=%.0f server_maxrss_kb=%.0f client_maxrss_kb=%d\n",
		*nconns, kv(s1, "conns"), (kv(s1, "heap")-kv(s0, "heap"))/n, (h1-h0)/n, kv(s1, "maxrss_kb"), maxrss())
	for _, c := range cs {
		c.close()
	}
	return nil
}

func main() {
	flag.Parse()
	pem, err := os.ReadFile(*caFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-client: -ca:", err)
		os.Exit(2)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	tlsConf = &tls.Config{RootCAs: pool, ServerName: "localhost", NextProtos: []string{http3.NextProtoH3}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	run := map[string]func(context.Context) error{"rtt": runRTT, "tput": runTput, "hs": runHS, "bulk": runBulk, "idle": runIdle}[*mode]
	if run == nil {
		fmt.Fprintln(os.Stderr, "bench-client: unknown -mode", *mode)
		os.Exit(2)
	}
	if err := run(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "bench-client: %s: %v\n", *mode, err)
		os.Exit(1)
	}
}
