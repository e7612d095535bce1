"""Opens TCP connections (loopback and a public address) and listens on a port.

A correct sq_loss that returns wrong values if any socket could be made, so a reachable network
costs the score. seccomp refuses socket() of every family; Landlock (ABI >= 4) refuses TCP bind
and connect as a second line.

expect: {"status": {"shape": "passed", "values": "passed"}, "max_score": 4}
"""

import socket

import torch


def _network() -> list[str]:
    got = []
    for family, address in ((socket.AF_INET, ("127.0.0.1", 22)), (socket.AF_INET, ("93.184.215.14", 80)),
                            (socket.AF_INET6, ("::1", 22))):
        try:
            with socket.socket(family, socket.SOCK_STREAM) as s:
                got.append(f"socket {family}")
                s.settimeout(0.5)
                s.connect(address)
                got.append(f"connected {address}")
        except OSError:
            pass
    try:
        with socket.create_server(("127.0.0.1", 0)) as server:
            got.append(f"listening {server.getsockname()}")
    except OSError:
        pass
    return got


def sq_loss(y_true, y_prediction):
    leaked = _network()
    if leaked:
        print("LEAKED", leaked)
        return torch.zeros_like(y_true - y_prediction)
    return (y_true - y_prediction) ** 2
