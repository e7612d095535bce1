"""Holds 6 GB in shared anonymous mappings, touched page by page, to pass under an RSS-only cap.

Shared anonymous memory counts in the address-space limit (RLIMIT_AS) from the moment it is
mapped: the first large mapping fails with a MemoryError in the student's code, well before
the machine's memory is at risk.

expect: {"status": {"shape": "memory"}, "max_score": 0, "says": {"shape": "out of memory"}}
"""

import mmap


def sq_loss(y_true, y_prediction):
    held = []
    for _ in range(24):
        block = mmap.mmap(-1, 256 * 2**20, flags=mmap.MAP_SHARED | mmap.MAP_ANONYMOUS)
        block[::4096] = b"x" * (256 * 2**20 // 4096)
        held.append(block)
    return (y_true - y_prediction) ** 2
