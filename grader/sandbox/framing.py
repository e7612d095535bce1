"""Both ends of the worker's messages: how one is framed, written and read back.

A message is one frame as `multiprocessing.Connection.send_bytes` frames it (a 4-byte
big-endian length, or -1 and an 8-byte one, then that many bytes): a JSON header, a
newline, then the raw bytes of the tensors the header describes (see protocol.py).

The worker writes it with `send`; the grader reads it with `read_frame`. The worker runs
the student's code, so the grader trusts nothing in a frame and keeps its own memory
bounded whatever arrives: the header's newline must come within MAX_HEADER bytes (it is
never looked for further), the tensors may take at most MAX_TENSOR_BYTES, the
tensors' bytes are read straight into one buffer of their announced size (no copy), and
the header, parsed by `parse_header`, may hold at most MAX_CONTAINERS objects and arrays.
A frame that breaks a rule raises Unreadable, whose text says why (the student reads it).

(No torch here: the grader imports this before it starts the forkserver, which imports torch
meanwhile.)
"""

from __future__ import annotations

import json
import os
import select
import struct
import time
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Any

MAX_HEADER = 4 * 2**20  # bytes of one message's JSON header
MAX_TENSOR_BYTES = 256 * 2**20  # bytes of one message's tensors (protocol.py's limit too)
MAX_CONTAINERS = 400_000  # JSON objects and arrays in one header (a real one has about 2 per value,
#                           at most protocol.MAX_NODES values)
MAX_FRAME = MAX_HEADER + 1 + MAX_TENSOR_BYTES
READ_CHUNK = 2**20  # bytes asked for at a time while looking for the header's end

# Captured when the module is imported (in the forkserver, before any student code runs).
_dumps = json.dumps
_write = os.write
_pack = struct.pack


class TooLarge(ValueError):
    """What the worker would send is more than the grader reads (protocol.TooLarge)."""


class Unreadable(ValueError):
    """A frame the grader will not read or parse; its text says why, for the student."""


class Incomplete(Exception):
    """A frame started but did not finish in time."""


# -- the worker's end -------------------------------------------------------------------------


def header(message: dict[str, Any]) -> bytes:
    """The JSON header of `message`; TooLarge if the grader would refuse it."""
    data = _dumps(message).encode()
    if len(data) > MAX_HEADER:
        raise TooLarge(f"the result's description takes {len(data) / 2**20:.1f} MB; the grader accepts at most "
                       f"{MAX_HEADER // 2**20} MB (return fewer values)")
    return data


def send(events: Connection, head: bytes, chunks: Sequence[memoryview] = ()) -> None:
    """Write one frame: the header, a newline, then each chunk as it is (the tensors are not copied)."""
    size = len(head) + 1 + sum(chunk.nbytes for chunk in chunks)
    fd = events.fileno()
    _write_all(fd, memoryview(_pack("!i", size) + head + b"\n"))
    for chunk in chunks:
        _write_all(fd, chunk.cast("B") if chunk.ndim != 1 or chunk.itemsize != 1 else chunk)


def _write_all(fd: int, data: memoryview) -> None:
    while data.nbytes:
        data = data[_write(fd, data):]


# -- the grader's end -------------------------------------------------------------------------


def read_frame(fd: int, deadline: float, grace: float) -> tuple[bytes, bytearray]:
    """One frame from `fd`: its header and its tensors' bytes.

    TimeoutError if none started by `deadline`; Incomplete if one started but did not end
    within `grace` seconds; EOFError if the channel closed; Unreadable if it breaks a rule.
    """
    size = struct.unpack("!i", read_exact(fd, 4, deadline, first=True))[0]
    until = time.monotonic() + grace
    if size == -1:
        size = struct.unpack("!Q", read_exact(fd, 8, until))[0]
    if size < 0:
        raise Unreadable("a garbled message")
    if size > MAX_FRAME:
        raise Unreadable(f"an answer of {size / 2**20:.0f} MB, where at most {MAX_FRAME // 2**20} MB are read")
    start, end = bytearray(), -1
    while end < 0 and len(start) < min(size, MAX_HEADER + 1):  # what has come, until the header's end
        looked = len(start)
        start += _read_some(fd, min(size, MAX_HEADER + 1) - looked, until)
        end = start.find(b"\n", looked)
    if end < 0:
        raise Unreadable(f"its header is larger than {MAX_HEADER // 2**20} MB" if size > MAX_HEADER
                         else "a garbled message")
    rest = size - end - 1
    if rest > MAX_TENSOR_BYTES:
        raise Unreadable(f"its tensors take {rest / 2**20:.0f} MB, more than the {MAX_TENSOR_BYTES // 2**20} MB "
                         f"the grader reads")
    blob = bytearray(rest)
    have = len(start) - end - 1
    blob[:have] = memoryview(start)[end + 1:]
    head = bytes(memoryview(start)[:end])
    del start
    read_into(fd, memoryview(blob)[have:], until)
    return head, blob


def parse_header(head: bytes) -> Any:
    """The header's JSON, refused (Unreadable) if it would build more than MAX_CONTAINERS containers."""
    if head.count(b"{") + head.count(b"[") > MAX_CONTAINERS:
        raise Unreadable("a message with too many values")
    try:
        return json.loads(head)
    except (ValueError, RecursionError):
        raise Unreadable("a garbled message") from None


def readable(fd: int, timeout: float) -> bool:
    """Whether `fd` has data (or EOF) within `timeout` seconds, or ever if it is negative (poll: no
    FD_SETSIZE limit)."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(None if timeout < 0 else max(0, int(timeout * 1000) + (1 if timeout > 0 else 0))))


def _read_some(fd: int, most: int, deadline: float) -> bytes:
    """What `fd` has (at least a byte, at most `most` and READ_CHUNK) by `deadline`, else Incomplete."""
    if not readable(fd, max(deadline - time.monotonic(), 0.0)):
        raise Incomplete
    chunk = os.read(fd, min(most, READ_CHUNK))
    if not chunk:
        raise EOFError
    return chunk


def read_exact(fd: int, size: int, deadline: float, *, first: bool = False) -> bytearray:
    """`size` bytes from `fd` by `deadline`: TimeoutError if none came (`first`), Incomplete if some did."""
    data = bytearray(size)
    read_into(fd, memoryview(data), deadline, first=first)
    return data


def read_into(fd: int, view: memoryview, deadline: float, *, first: bool = False) -> None:
    """Fill `view` from `fd` by `deadline` (see read_exact), reading straight into it."""
    done, size = 0, view.nbytes
    while done < size:
        # An answer already waiting is read even past the deadline: the grader itself may have been
        # slow (computing the reference), and the student must not pay for that.
        if not readable(fd, max(deadline - time.monotonic(), 0.0)):
            if first and not done:
                raise TimeoutError
            raise Incomplete
        got = os.readv(fd, [view[done:]])
        if not got:
            raise EOFError
        done += got
