"""Opens AF_NETLINK (the host's interfaces and routes), AF_PACKET (raw frames) and other families.

A NETLINK_ROUTE socket needs no privilege and tells the student's code the machine's network
setup; AF_PACKET and raw IP need CAP_NET_RAW; AF_VSOCK, AF_BLUETOOTH, AF_ALG and the rest are
attack surface the worker never needs. seccomp refuses socket() for every family. The function
is correct, but returns wrong values when any socket could be made (and prints which).

expect: {"status": {"shape": "passed", "values": "passed", "grad": "passed", "inputs_unchanged": "passed"}, "max_score": 4}
"""

import socket
import struct


def _netlink_links(s):
    s.bind((0, 0))
    request = struct.pack("=LHHLL", 32, 18, 0x301, 1, 0) + struct.pack("=BxHiII", 0, 0, 0, 0, 0)  # RTM_GETLINK dump
    s.send(request)
    s.settimeout(1.0)
    return len(s.recv(65536))


def _leaks():
    leaks = []
    families = [("AF_NETLINK", socket.SOCK_RAW, 0), ("AF_PACKET", socket.SOCK_RAW, 0x0300),
                ("AF_INET", socket.SOCK_RAW, 1), ("AF_ALG", socket.SOCK_SEQPACKET, 0),
                ("AF_VSOCK", socket.SOCK_STREAM, 0), ("AF_UNIX", socket.SOCK_DGRAM, 0)]
    for name, kind, protocol in families:
        family = getattr(socket, name, None)
        if family is None:
            continue
        try:
            s = socket.socket(family, kind, protocol)
        except OSError:
            continue
        with s:
            try:
                detail = f"{_netlink_links(s)} bytes of interfaces" if name == "AF_NETLINK" else "made"
            except OSError as exc:
                detail = f"made ({exc})"
            leaks.append(f"{name}: {detail}")
    return leaks


def sq_loss(y_true, y_prediction):
    leaks = _leaks()
    if leaks:
        print("LEAKED", *leaks, sep="\n")
        return (y_true - y_prediction) ** 2 + 1.0
    return (y_true - y_prediction) ** 2
