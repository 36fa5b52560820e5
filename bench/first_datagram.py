#!/usr/bin/env python3
"""Time to the first HTTP datagram, from a client's qlog (bench/bench_first.sh).

usage: first_datagram.py FILE.sqlog
prints "start_us=S wire_us=W": microseconds from the connection's start
(connectivity/transport:connection_started) and from its first packet sent,
to the first received packet that carries a DATAGRAM frame (RFC 9221; with the
ping-pong the server speaks first, so that is value 0). Exit 1 when the qlog
holds no such packet. Reads quince's qlog 0.3 and quic-go's (draft -14 event
names): both are JSON-SEQ with "time" in milliseconds from the trace's start.
"""
import json
import sys


def main(path):
    start = first_sent = None
    with open(path, encoding="utf-8") as f:
        for rec in f.read().split("\x1e"):
            rec = rec.strip()
            if not rec:
                continue
            try:
                ev = json.loads(rec)
            except ValueError:
                continue
            name, t = ev.get("name", ""), ev.get("time")
            if t is None:
                continue
            if name.endswith("connection_started") and start is None:
                start = t
            elif name.endswith("packet_sent") and first_sent is None:
                first_sent = t
            elif name.endswith("packet_received"):
                frames = (ev.get("data") or {}).get("frames") or []
                if any(fr.get("frame_type") == "datagram" for fr in frames):
                    if start is None or first_sent is None:
                        return 1
                    print(f"start_us={(t - start) * 1000:.0f} wire_us={(t - first_sent) * 1000:.0f}")
                    return 0
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
