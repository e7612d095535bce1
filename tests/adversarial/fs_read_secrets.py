"""Reads what no student may: /etc/shadow, root's home, other processes' command lines.

The grader's command line (/proc/<pid>/cmdline) names the submission being graded and, in a
batch, the class folder; /etc/shadow and /root hold the machine's secrets. With Landlock's read
rules the worker reads only Python, its own folder and its own /proc entry: every attempt here
is refused. The function is correct, but returns wrong values when anything was read (and
prints what), so a leak costs the score.

expect: {"status": {"shape": "passed", "values": "passed", "grad": "passed", "inputs_unchanged": "passed"}, "max_score": 4, "needs": "landlock"}
"""

import os


def _pids():
    found = {os.getppid(), 1}
    try:
        found.update(int(name) for name in os.listdir("/proc") if name.isdigit())
    except OSError:
        pass
    try:  # the forkserver's parent: the grader itself
        with open(f"/proc/{os.getppid()}/status") as status:
            found.update(int(line.split()[1]) for line in status if line.startswith("PPid:"))
    except (OSError, ValueError, IndexError):
        pass
    found.discard(os.getpid())
    return sorted(found)


def _leaks():
    leaks = []
    for path in ("/etc/shadow", "/etc/ssh/ssh_host_ed25519_key", "/root/.bash_history"):
        try:
            with open(path, "rb") as f:
                leaks.append(f"read {path}: {f.read(40)!r}")
        except OSError:
            pass
    for folder in ("/root", "/home", "/tmp"):
        try:
            leaks.append(f"listed {folder}: {sorted(os.listdir(folder))[:5]}")
        except OSError:
            pass
    for pid in _pids():
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                text = f.read(200).replace(b"\0", b" ")
            if text:
                leaks.append(f"read /proc/{pid}/cmdline: {text!r}")
        except OSError:
            pass
    return leaks


def sq_loss(y_true, y_prediction):
    leaks = _leaks()
    if leaks:
        print("LEAKED", *leaks, sep="\n")
        return (y_true - y_prediction) ** 2 + 1.0
    return (y_true - y_prediction) ** 2
