"""Holds memory in POSIX shared memory: a file in /dev/shm (tmpfs), outside the worker's folder.

Like a memfd, a /dev/shm file's pages are in no RSS and outside RLIMIT_AS, and the file outlives
the worker; unlike the worker's own folder, no disk watchdog looks there. Landlock refuses every
write outside the worker's folder, /dev/shm included (this attack was refused before the read
rules and seccomp's memory rules too; it stays here as a guard). Bounded: 64 MB, removed at once.
The function is correct, but returns wrong values when the file could be made.

expect: {"status": {"shape": "passed", "values": "passed", "grad": "passed", "inputs_unchanged": "passed"}, "max_score": 4, "needs": "landlock"}
"""

import os

SIZE = 64 * 2**20


def _held():
    path = f"/dev/shm/hostile-{os.getpid()}"
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:
        return 0
    try:
        os.posix_fallocate(fd, 0, SIZE)
        return os.fstat(fd).st_blocks * 512
    except OSError:
        return 1
    finally:
        os.close(fd)
        os.unlink(path)


def sq_loss(y_true, y_prediction):
    held = _held()
    if held:
        print(f"LEAKED {held // 2**20} MB in /dev/shm")
        return (y_true - y_prediction) ** 2 + 1.0
    return (y_true - y_prediction) ** 2
