#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Packets for pkt_faults.sh: well-formed ones the stack cannot easily be
made to send (IPv4 options, IPv6 extension headers, fragments out of
order) and malformed ones (truncated headers, forged ICMP errors), built
byte by byte with raw sockets. Standard library only: it starts fast under
TCG.

  pktcraft.py udp-echo ADDR PORT              echo every datagram (server)
  pktcraft.py udp ADDR PORT SIZE [--hopopts] [--dstopts] [--timeout S]
        connected UDP socket: send SIZE bytes, print "reply N from A:P",
        "refused" or "timeout"
  pktcraft.py tcp-ipopts ADDR PORT            connect with IPv4 options set
        (NOP NOP NOP EOL), print the first line read
  pktcraft.py frag SRC DST DPORT SIZE ORDER   UDP datagram of SIZE bytes in
        fragments sent in ORDER (forward, reverse, overlap); waits for the
        echo on the source port and prints as `udp` does
  pktcraft.py malformed SRC DST DPORT         truncated and malformed
        IPv4/IPv6 TCP/UDP/SCTP packets; prints how many were sent
  pktcraft.py icmp-orphan SRC DST VIP         ICMP errors about connections
        that never existed; prints how many were sent
Addresses with ':' are IPv6.
"""

import os
import socket
import struct
import sys

IPPROTO_SCTP = 132
IPV6_HDRINCL = 36
IPV6_HOPOPTS = 54
IPV6_DSTOPTS = 59


def v6(addr):
    return ":" in addr


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def l4sum(src, dst, proto, seg):
    if v6(src):
        pseudo = (socket.inet_pton(socket.AF_INET6, src) +
                  socket.inet_pton(socket.AF_INET6, dst) +
                  struct.pack("!IxxxB", len(seg), proto))
    else:
        pseudo = (socket.inet_aton(src) + socket.inet_aton(dst) +
                  struct.pack("!xBH", proto, len(seg)))
    return csum(pseudo + seg)


def udp_seg(src, dst, sport, dport, payload):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    c = l4sum(src, dst, socket.IPPROTO_UDP, seg) or 0xffff
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def ip4(src, dst, proto, payload, ident=0x1234, frag=0, more=False,
        tot=None):
    flags_off = (0x2000 if more else 0) | (frag // 8)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0,
                      tot if tot is not None else 20 + len(payload),
                      ident, flags_off, 64, proto, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def ip6(src, dst, nexthdr, payload, plen=None):
    return struct.pack("!IHBB16s16s", 6 << 28,
                       len(payload) if plen is None else plen, nexthdr, 64,
                       socket.inet_pton(socket.AF_INET6, src),
                       socket.inet_pton(socket.AF_INET6, dst)) + payload


def ext6(nexthdr, hdrlen_units=0, body=None):
    """A hop-by-hop / destination options header, PadN-filled."""
    n = 8 * (hdrlen_units + 1)
    if body is None:
        body = struct.pack("!BB", 1, n - 4) + b"\0" * (n - 4)
    return struct.pack("!BB", nexthdr, hdrlen_units) + body


def raw_send(dst, pkts):
    if v6(dst):
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW,
                          socket.IPPROTO_RAW)
        s.setsockopt(socket.IPPROTO_IPV6, IPV6_HDRINCL, 1)
        to = (dst, 0, 0, 0)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW,
                          socket.IPPROTO_RAW)
        to = (dst, 0)
    n = 0
    for p in pkts:
        try:
            s.sendto(p, to)
            n += 1
        except OSError as e:
            print("# send failed: %s" % e, file=sys.stderr)
    s.close()
    return n


def wait_reply(s, timeout):
    s.settimeout(timeout)
    try:
        data, peer = s.recvfrom(65535)
    except ConnectionRefusedError:
        return "refused"
    except socket.timeout:
        return "timeout"
    host = peer[0]
    return "reply %d from %s:%d" % (len(data), host, peer[1])


def cmd_udp_echo(addr, port):
    fam = socket.AF_INET6 if v6(addr) else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    while True:
        data, peer = s.recvfrom(65535)
        s.sendto(data, peer)


def cmd_udp(addr, port, size, opts):
    fam = socket.AF_INET6 if v6(addr) else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.connect((addr, int(port)))
    # The kernel fills in the next-header byte of an option header.
    anc = []
    if "--hopopts" in opts:
        anc.append((socket.IPPROTO_IPV6, IPV6_HOPOPTS, ext6(0)))
    if "--dstopts" in opts:
        anc.append((socket.IPPROTO_IPV6, IPV6_DSTOPTS, ext6(0)))
    timeout = 5.0
    if "--timeout" in opts:
        timeout = float(opts[opts.index("--timeout") + 1])
    payload = os.urandom(int(size))
    try:
        s.sendmsg([payload], anc)
    except ConnectionRefusedError:
        print("refused")
        return
    print(wait_reply(s, timeout))


def cmd_tcp_ipopts(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_OPTIONS, b"\x01\x01\x01\x00")
    s.settimeout(5)
    try:
        s.connect((addr, int(port)))
        print(s.makefile().readline().strip())
    except OSError as e:
        print("error: %s" % (e.strerror or e))


def cmd_frag(src, dst, dport, size, order):
    fam = socket.AF_INET6 if v6(dst) else socket.AF_INET
    rx = socket.socket(fam, socket.SOCK_DGRAM)
    rx.bind((src, 0))
    sport = rx.getsockname()[1]
    rx.connect((dst, int(dport)))
    seg = udp_seg(src, dst, sport, int(dport), os.urandom(int(size)))
    chunk = 1024
    offs = list(range(0, len(seg), chunk))
    frags = []
    for i, off in enumerate(offs):
        more = i < len(offs) - 1
        data = seg[off:off + chunk]
        if order == "overlap" and i == 1:
            # Starts 512 bytes inside the previous fragment with other
            # bytes: RFC 5722 (IPv6) and Linux since 4.19 (IPv4) drop
            # the whole datagram.
            off -= 512
            data = os.urandom(len(data))
        if v6(dst):
            fh = struct.pack("!BBHI", socket.IPPROTO_UDP, 0,
                             off | (1 if more else 0), 0x4242)
            frags.append(ip6(src, dst, 44, fh + data))
        else:
            frags.append(ip4(src, dst, socket.IPPROTO_UDP, data,
                             frag=off, more=more))
    if order == "reverse":
        frags.reverse()
    raw_send(dst, frags)
    print(wait_reply(rx, 5.0))


def cmd_malformed(src, dst, dport):
    dport = int(dport)
    tcp = struct.pack("!HHIIBBHHH", 40000, dport, 1, 0, 5 << 4, 0x02,
                      65535, 0, 0)
    udp = struct.pack("!HHHH", 40000, dport, 16, 0) + b"x" * 8
    sctp = struct.pack("!HHII", 40000, dport, 0, 0)
    pkts = []
    if v6(dst):
        def ip(proto, payload, plen=None):
            return ip6(src, dst, proto, payload, plen)
    else:
        def ip(proto, payload, plen=None):
            return ip4(src, dst, proto, payload,
                       tot=None if plen is None else 20 + plen)
    for proto, l4 in ((socket.IPPROTO_TCP, tcp), (socket.IPPROTO_UDP, udp),
                      (IPPROTO_SCTP, sctp)):
        for cut in (1, 3, 4, 7, len(l4) - 1):
            pkts.append(ip(proto, l4[:cut]))
        # Length fields that promise more than there is.
        pkts.append(ip(proto, l4, plen=len(l4) + 100))
    # TCP data offset beyond the packet, and below the minimum.
    pkts.append(ip(socket.IPPROTO_TCP, tcp[:12] + bytes([15 << 4]) +
                   tcp[13:]))
    pkts.append(ip(socket.IPPROTO_TCP, tcp[:12] + bytes([2 << 4]) +
                   tcp[13:]))
    # UDP length shorter than its header and longer than the packet.
    pkts.append(ip(socket.IPPROTO_UDP, udp[:4] + struct.pack("!H", 3) +
                   udp[6:]))
    pkts.append(ip(socket.IPPROTO_UDP, udp[:4] + struct.pack("!H", 999) +
                   udp[6:]))
    if v6(dst):
        # Extension header chains: long, truncated, lying about length.
        chain = udp_seg(src, dst, 40000, dport, b"x" * 8)
        nh = socket.IPPROTO_UDP
        for _ in range(12):
            chain = ext6(nh) + chain
            nh = 60
        pkts.append(ip6(src, dst, 60, chain))
        pkts.append(ip6(src, dst, 60, ext6(socket.IPPROTO_UDP) + udp[:5]))
        pkts.append(ip6(src, dst, 60, struct.pack("!BB", 17, 200) +
                        b"\x01\x04\0\0\0\0" + udp))
        pkts.append(ip6(src, dst, 60, ext6(60)[:5]))
        # A fragment header with nothing after it, and a first fragment
        # cut inside the UDP header.
        pkts.append(ip6(src, dst, 44, struct.pack("!BBHI", 17, 0, 1, 7)))
        pkts.append(ip6(src, dst, 44, struct.pack("!BBHI", 17, 0, 1, 8) +
                        udp[:4]))
    else:
        # IPv4 options: a valid NOP run, then an option whose length
        # runs past the header.
        for opts in (b"\x01\x01\x01\x00", b"\x07\x27\x04\x00"):
            hdr = struct.pack("!BBHHHBBH4s4s", 0x46, 0, 24 + len(udp), 1,
                              0, 64, socket.IPPROTO_UDP, 0,
                              socket.inet_aton(src), socket.inet_aton(dst))
            hdr += opts
            hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
            pkts.append(hdr + udp_seg(src, dst, 40000, dport, b"x" * 8))
        # A first fragment too short to hold the UDP header.
        pkts.append(ip4(src, dst, socket.IPPROTO_UDP, udp[:4], ident=77,
                        more=True))
    print(raw_send(dst, pkts))


def cmd_icmp_orphan(src, dst, vip):
    """ICMP errors to @dst (a pod) claiming that @dst's datagram to @vip
    failed, for a connection that never existed."""
    pkts = []
    if v6(dst):
        inner = ip6(dst, vip, socket.IPPROTO_UDP,
                    udp_seg(dst, vip, 40001, 53, b"x" * 8))
        for typ, code, extra in ((1, 4, 0), (2, 0, 1280), (3, 0, 0)):
            body = struct.pack("!BBHI", typ, code, 0, extra) + inner
            c = l4sum(src, dst, socket.IPPROTO_ICMPV6, body)
            body = body[:2] + struct.pack("!H", c) + body[4:]
            pkts.append(ip6(src, dst, socket.IPPROTO_ICMPV6, body))
    else:
        inner = ip4(dst, vip, socket.IPPROTO_UDP,
                    udp_seg(dst, vip, 40001, 53, b"x" * 8))
        for typ, code, extra in ((3, 3, 0), (3, 4, 1000), (11, 0, 0)):
            body = struct.pack("!BBHI", typ, code, 0, extra) + inner
            body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
            pkts.append(ip4(src, dst, socket.IPPROTO_ICMP, body))
    print(raw_send(dst, pkts))


def main(argv):
    cmds = {
        "udp-echo": (cmd_udp_echo, 2), "tcp-ipopts": (cmd_tcp_ipopts, 2),
        "frag": (cmd_frag, 5), "malformed": (cmd_malformed, 3),
        "icmp-orphan": (cmd_icmp_orphan, 3),
    }
    if len(argv) >= 4 and argv[0] == "udp":
        return cmd_udp(argv[1], argv[2], argv[3], argv[4:])
    if not argv or argv[0] not in cmds or len(argv) - 1 != cmds[argv[0]][1]:
        sys.exit(__doc__)
    cmds[argv[0]][0](*argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
