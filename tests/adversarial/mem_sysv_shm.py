"""Holds memory in System V shared memory: outside RLIMIT_AS, and outliving the worker.

A shmget segment stays after every process detaches from it (until IPC_RMID or a reboot), and
a detached one is in nobody's RSS: the grader's watchdog cannot see or kill it. seccomp refuses
shmget and shmat (and msgget). Bounded here: one 64 MB segment, removed before the function
returns. The function is correct, but returns wrong values when the segment could be made.

expect: {"status": {"shape": "passed", "values": "passed", "grad": "passed", "inputs_unchanged": "passed"}, "max_score": 4}
"""

import ctypes
import ctypes.util

IPC_PRIVATE, IPC_CREAT, IPC_RMID = 0, 0o1000, 0
SIZE = 64 * 2**20


def _segment():
    """The size of a segment it could make and fill (0 if refused); the segment is removed."""
    libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    libc.shmat.restype = ctypes.c_void_p
    shmid = libc.shmget(IPC_PRIVATE, ctypes.c_size_t(SIZE), IPC_CREAT | 0o600)
    if shmid < 0:
        return 0
    try:
        address = libc.shmat(shmid, None, 0)
        if address in (None, ctypes.c_void_p(-1).value):
            return SIZE  # made, though not attached
        ctypes.memset(address, 1, SIZE)
        libc.shmdt(ctypes.c_void_p(address))
        return SIZE
    finally:
        libc.shmctl(shmid, IPC_RMID, None)


def sq_loss(y_true, y_prediction):
    held = _segment()
    if held:
        print(f"LEAKED a System V segment of {held // 2**20} MB")
        return (y_true - y_prediction) ** 2 + 1.0
    return (y_true - y_prediction) ** 2
