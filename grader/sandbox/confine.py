"""OS confinement of the sandbox worker: what it may reach once it shuts itself in.

`isolate` runs in the forked worker before any student code (its caller has already given it its
own session and process group, an empty stdin, its output into a pipe the grader drains, and no
descriptor from the forkserver but its message pipes). It applies:

* when the grader runs as root: a network namespace of its own (no interface up), then a uid
  and gid of its own (runner.sandbox_uid), no supplementary groups, and of root's capabilities
  only CAP_DAC_READ_SEARCH (Python may live where only root can look, e.g. under root's home;
  Landlock bounds what it reads). It can then neither write the grader's files, nor signal,
  trace or read the descriptors of the grader's processes, nor raise its own limits, and the
  grader can find and kill every process it starts by that uid;
* resource limits: address space (CPU runs only; VmSize-relative, torch already mapped),
  file size, core dumps, CPU seconds, number of processes (a fork bomb stops there); it
  is the subreaper of what it starts, so orphans stay below it;
* Landlock where the kernel has it (Linux >= 5.13; otherwise skipped, and `isolation_facts`
  says so): reads and executes only beneath the Python installation and the grader's package
  (never its reference solutions, nor the checkout around it: `readable`), the student's own
  folder, its own /proc/<pid>, public system files (libraries, time zones, fonts); writes
  only in its own directory (and /dev/null & co, and the GPU's device files); no TCP; and
  (ABI >= 6) no signals to, and no abstract sockets of, processes outside the sandbox;
  ptrace and /proc/<pid>/fd of outside processes are refused by Landlock at every ABI;
* seccomp: no socket() of any family, no memory outside RLIMIT_AS (memfd, SysV shm), and a
  few calls only an escape would need (see `seccomp`).

Nothing here can stop code running in the worker from lying about what it computed: the
grader treats every message as untrusted data (see protocol.py and runner.py).
"""

from __future__ import annotations

import ctypes
import mmap
import os
import resource
import signal
import stat
import sys
import tempfile
from typing import TYPE_CHECKING, Any

import torch

from grader.notebook_session import SANDBOX_VARIABLE
from grader.sandbox.processes import prctl
from grader.sandbox.runner import sandbox_uid

if TYPE_CHECKING:
    from grader.sandbox.child import Job

FILE_SIZE_LIMIT = 256 * 2**20  # largest file the student's code may write
EXTRA_TASKS = 32  # processes and threads the student's code may start
KERNEL_TASKS = 16  # more for a Jupyter kernel's own threads (ipykernel's and ZeroMQ's)
KERNEL_MEMORY = 512 * 2**20  # address space a Jupyter kernel reserves beyond the student's (thread stacks, arenas)
CPU_SECONDS = 600  # a backstop for anything that escapes the grader's kill
MEMORY_RESERVE = 16 * 2**20  # freed when memory runs out, so the report can still be sent


def isolate(job: Job) -> dict[str, Any]:
    """Drop privileges, set limits, confine writes; returns what was applied (for the record)."""
    facts: dict[str, Any] = {}
    torch.set_num_threads(job.torch_threads)
    sys.dont_write_bytecode = True
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-large file fails to write; it does not kill
    _lower_limit(resource.RLIMIT_FSIZE, FILE_SIZE_LIMIT)
    _lower_limit(resource.RLIMIT_CPU, CPU_SECONDS)
    prctl(PR_SET_CHILD_SUBREAPER, 1)  # orphans of the student's processes stay below us, killable
    tasks = EXTRA_TASKS + (KERNEL_TASKS if job.kernel else 0)
    if os.geteuid() == 0:
        facts["netns"] = unshare_network()  # while root may
    if os.geteuid() == 0 and _drop_root(job, facts):
        _lower_limit(resource.RLIMIT_NPROC, tasks)
    else:
        _lower_limit(resource.RLIMIT_NPROC, _tasks_of(os.getuid()) + tasks)
    for name in ("HOME", "TMPDIR", "TMP", "TEMP"):
        os.environ[name] = job.workdir
    os.environ[SANDBOX_VARIABLE] = "1"
    tempfile.tempdir = job.workdir
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    os.environ["MPLCONFIGDIR"] = os.path.join(job.workdir, ".matplotlib")
    facts["landlock"] = landlock(job.workdir, job.device, os.path.dirname(os.path.abspath(job.source)))
    facts["seccomp"] = seccomp()
    if job.device == "cpu":
        # CUDA reserves far more address space than it uses, so the cap is CPU-only (the
        # grader's memory watchdog covers both).
        reserve_memory()
        limit = _address_space() + job.memory_mb * 2**20 + (KERNEL_MEMORY if job.kernel else 0)
        _lower_limit(resource.RLIMIT_AS, limit)
    else:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
        reserve_memory()
    return facts


def _drop_root(job: Job, facts: dict[str, Any]) -> bool:
    """Become a uid of our own; False (still root, Landlock and seccomp still to come) where
    this root may not, e.g. in a user namespace where that uid is not mapped. Failing every
    correct submission there would be worse than grading with less isolation."""
    uid = sandbox_uid(os.getpid())
    try:
        os.chown(job.workdir, uid, uid)
        prctl(PR_SET_KEEPCAPS, 1)
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    except OSError as exc:
        facts["uid_error"] = f"{type(exc).__name__}: {exc}"
        return os.geteuid() != 0  # a half-done switch still counts as done
    # Reading stays as open as it was (Python, torch and the student's folder may sit
    # where only root can look, e.g. under /root); writing, signalling and tracing do not.
    facts["read_all"] = _keep_only(CAP_DAC_READ_SEARCH)
    prctl(PR_SET_KEEPCAPS, 0)
    facts["uid"] = uid
    return True


def _lower_limit(which: int, value: int) -> None:
    soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, value))


def _tasks_of(uid: int) -> int:
    """How many threads this uid runs (what RLIMIT_NPROC counts)."""
    total = 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
            if int(fields["Uid"].split()[0]) == uid:
                total += int(fields["Threads"])
        except (OSError, KeyError, ValueError):
            continue
    return total


def _address_space() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


_reserve: mmap.mmap | None = None


def reserve_memory() -> None:
    """Hold MEMORY_RESERVE bytes of address space, freed when memory runs out so the report can be sent.

    An untouched anonymous mapping: it counts against RLIMIT_AS like any allocation, but no page is
    written (a zero-filled bytearray cost each worker 8-10 ms)."""
    global _reserve
    _reserve = mmap.mmap(-1, MEMORY_RESERVE)


def release_reserve() -> None:
    global _reserve
    _reserve = None


# -- Linux: prctl, capabilities and Landlock, through ctypes (no dependency; absent kernels are skipped)

PR_SET_PDEATHSIG = 1
PR_SET_KEEPCAPS = 8
PR_SET_CHILD_SUBREAPER = 36
CAP_DAC_READ_SEARCH = 2
_CAPABILITY_VERSION_3 = 0x20080522
PR_SET_NO_NEW_PRIVS = 38
_SYS_LANDLOCK = {"x86_64": (444, 445, 446), "aarch64": (444, 445, 446)}

_FS_EXECUTE, _FS_WRITE_FILE, _FS_READ_FILE, _FS_READ_DIR, _FS_TRUNCATE = 1, 1 << 1, 1 << 2, 1 << 3, 1 << 14
_FS_READS = _FS_EXECUTE | _FS_READ_FILE | _FS_READ_DIR
_FS_WRITES = (1 << 1) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12)
_FS_FILE = _FS_EXECUTE | _FS_WRITE_FILE | _FS_READ_FILE | _FS_TRUNCATE  # the rights a rule on a file may carry
_FS_REFER = 1 << 13  # ABI 2
_NET_TCP = 1 | 2  # ABI 4: bind, connect
_SCOPE_ALL = 1 | 2  # ABI 6: abstract unix sockets, signals
_DEVICES = ("null", "zero", "full", "random", "urandom")

class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc() -> Any:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def _keep_only(capability: int) -> bool:
    """Make `capability` this process's only one (permitted and effective); False if it cannot be had."""

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    libc = _libc()
    header = Header(_CAPABILITY_VERSION_3, 0)
    wanted = (Data * 2)()
    wanted[capability // 32].effective = wanted[capability // 32].permitted = 1 << (capability % 32)
    try:
        if libc.capset(ctypes.byref(header), wanted) == 0:
            return True
        libc.capset(ctypes.byref(header), (Data * 2)())  # none at all, then
    except (OSError, AttributeError):
        pass
    return False


def landlock_abi() -> int:
    """The kernel's Landlock ABI version; 0 where there is none."""
    numbers = _SYS_LANDLOCK.get(os.uname().machine)
    if numbers is None:
        return 0
    try:
        abi = _libc().syscall(ctypes.c_long(numbers[0]), None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    except (OSError, AttributeError):
        return 0
    return max(int(abi), 0)


def landlock(workdir: str, device: str = "cpu", source_dir: str | None = None) -> int:
    """Confine this process (and what it starts): reads beneath `readable()`, `source_dir` and
    its own /proc/<pid>; writes in `workdir` only (and /dev/null & co). Returns the ABI used, 0 if none."""
    abi = landlock_abi()
    if abi < 1:
        return 0
    create, add_rule, restrict = _SYS_LANDLOCK[os.uname().machine]
    libc = _libc()
    fs = _FS_READS | _FS_WRITES | (_FS_REFER if abi >= 2 else 0) | (_FS_TRUNCATE if abi >= 3 else 0)
    attr = _RulesetAttr(fs, _NET_TCP if abi >= 4 else 0, _SCOPE_ALL if abi >= 6 else 0)
    size = 24 if abi >= 6 else 16 if abi >= 4 else 8
    ruleset = libc.syscall(ctypes.c_long(create), ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        return 0
    try:
        device_rights = _FS_READ_FILE | _FS_WRITE_FILE | (_FS_TRUNCATE if abi >= 3 else 0)
        allowed = [(path, _FS_READS) for path in readable(device)]
        allowed += [(f"/proc/{os.getpid()}", _FS_READ_FILE | _FS_READ_DIR)]  # /proc/self, its threads too
        if source_dir:
            allowed.append((source_dir, _FS_READS))  # the student's own folder: their sibling modules
        allowed += [(workdir, fs)] + [(f"/dev/{name}", device_rights) for name in _DEVICES]
        if device != "cpu":
            allowed += [(f"/dev/{name}", device_rights) for name in _listdir("/dev") if name.startswith("nvidia")]
        for path, rights in allowed:
            _add_rule(libc, add_rule, ruleset, path, rights)
        if libc.syscall(ctypes.c_long(restrict), ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
            return 0
    finally:
        os.close(ruleset)
    return abi


def _add_rule(libc: Any, number: int, ruleset: int, path: str, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return
    try:
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            rights &= _FS_FILE  # a file takes file rights only
        rule = _PathBeneathAttr(rights, fd)
        libc.syscall(ctypes.c_long(number), ctypes.c_int(ruleset), ctypes.c_int(1), ctypes.byref(rule),
                     ctypes.c_uint32(0))
    finally:
        os.close(fd)


# -- what the worker may read ------------------------------------------------------------------

# Public parts of the system: the dynamic loader's libraries and cache, time zones, fonts, user
# names (world-readable; getpass and pwd look there), and a few facts about the CPUs (torch's
# cpuinfo, os.cpu_count). Not /etc as a whole (shadow, ssh keys), not /home, /root, /tmp, /var,
# /proc of other processes.
_SYSTEM = ("/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin", "/opt/conda",
           "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/timezone",
           "/etc/passwd", "/etc/group", "/etc/nsswitch.conf",
           "/etc/locale.alias", "/etc/fonts", "/var/cache/fontconfig", "/etc/mime.types", "/etc/matplotlibrc", "/etc/jupyter", "/etc/ipython",
           "/proc/cpuinfo", "/proc/meminfo", "/proc/stat", "/sys/devices/system/cpu", "/sys/devices/system/node")
# What CUDA reads when it starts (in the worker: it must not start in the forkserver).
_GPU = ("/proc/driver/nvidia", "/proc/driver/nvidia-uvm", "/sys", "/dev/dri")
_SITE_DIRS = ("site-packages", "dist-packages")
_PACKAGE = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))  # grader/


def isolation_facts() -> dict[str, Any]:
    """What this machine lets the sandbox confine, found here in the grader (never taken from a
    worker's word), for the report's metadata: plain JSON values."""
    abi = landlock_abi()
    root = os.geteuid() == 0
    return {
        "landlock_abi": abi,  # 0: no Landlock (Linux < 5.13, or disabled)
        "own_uid": root,  # each worker runs as a uid of its own (a root grader only)
        "file_reads_confined": abi >= 1,  # else the worker reads what the grader's user may
        "file_writes_confined": root or abi >= 1,
        "signals_confined": root or abi >= 6,
        "network_refused": seccomp_available(),  # socket() refused
        "network_namespace": root,  # tried; a container may forbid it
    }


def readable(device: str = "cpu") -> tuple[str, ...]:
    """Files and folders the worker may read and execute beneath (its own folders aside)."""
    return _READABLE + (_GPU if device != "cpu" else ())


def secrets() -> tuple[str, ...]:
    """What the worker must not read though it lies beneath what it may: the grader's reference
    solutions and, in a checkout, the checkout itself (its tests and exercises) but `grader/`."""
    package = _PACKAGE
    found = {os.path.join(package, "builtin_bank", "reference_solutions")}
    try:
        import importlib.util

        spec = importlib.util.find_spec("grader.builtin_bank.reference_solutions")  # where an editable install maps it
        found.update(os.path.realpath(p) for p in ((spec and spec.submodule_search_locations) or []))
    except (ImportError, ValueError):
        pass
    root = os.path.dirname(package)
    if os.path.basename(root) not in _SITE_DIRS:
        found.add(root)  # a checkout (an editable install, PYTHONPATH)
    return tuple(sorted(path for path in found if os.path.exists(path)))


def _readable_paths() -> tuple[str, ...]:
    """The Python installation and the grader's package, less `secrets()`; computed once per forkserver."""
    hidden = secrets()
    trusted = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, _PACKAGE}
    others = [entry for entry in sys.path if entry and os.path.isabs(entry)] + list(_SYSTEM)
    paths: list[str] = []
    for entry in [*trusted, *others]:
        path = os.path.realpath(entry)
        if not os.path.exists(path):
            continue
        if entry not in trusted and any(_beneath(path, secret) for secret in hidden):
            continue  # e.g. a checkout on PYTHONPATH: its grader/ is allowed as `package`
        paths += _less(path, hidden)
    unique = sorted(set(paths))
    return tuple(p for p in unique if not any(_beneath(p, q) and p != q for q in unique))


def _less(path: str, hidden: tuple[str, ...], depth: int = 0) -> list[str]:
    """`path`, or (where something hidden lies beneath it) each of its entries but the hidden ones."""
    if path in hidden:
        return []
    if not any(_beneath(secret, path) for secret in hidden):
        return [path]
    if depth > 8:
        return []
    found: list[str] = []
    for name in _listdir(path):
        found += _less(os.path.realpath(os.path.join(path, name)), hidden, depth + 1)
    return found


def _beneath(path: str, folder: str) -> bool:
    """Whether `path` is `folder` or lies inside it (both resolved)."""
    return path == folder or path.startswith(folder.rstrip("/") + "/")


# seccomp: system calls the worker has no use for, refused with EACCES:
# * socket(), every family: no network (UDP, DNS, raw, netlink, packet) and no Unix sockets
#   (the forkserver, outside the sandbox and in Python 3.11 without authentication, listens
#   on one that a worker with the grader's uid could otherwise reach and have it run code).
#   A --kernel worker's sockets are made before. socketpair() stays: a connected pair reaches
#   nothing outside, and asyncio (so ipykernel) and multiprocessing.Pipe() need it;
# * memfd_create, memfd_secret, SysV shmget/shmat and msgget: memory held there is counted
#   neither in RLIMIT_AS nor in the processes' RSS the grader watches (POSIX shm is a file
#   in /dev/shm: Landlock refuses it, as any write outside the worker's folder);
# * io_uring: system calls without the calls above; open_by_handle_at: files by handle,
#   around paths (and Landlock); another ABI (i386, x32): the same calls under other numbers.
_REFUSED = ("socket", "memfd_create", "memfd_secret", "shmget", "shmat", "msgget", "io_uring_setup",
            "open_by_handle_at")
_ARCH = {"x86_64": (0xC000003E, {"socket": 41, "shmget": 29, "shmat": 30, "msgget": 68, "memfd_create": 319,
                                 "memfd_secret": 447, "io_uring_setup": 425, "open_by_handle_at": 304}),
         "aarch64": (0xC00000B7, {"socket": 198, "shmget": 194, "shmat": 196, "msgget": 186, "memfd_create": 279,
                                  "memfd_secret": 447, "io_uring_setup": 425, "open_by_handle_at": 265})}
_EACCES = 13


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def seccomp() -> bool:
    """Refuse (EACCES) the system calls above, for this process and what it starts; False if unsupported."""
    arch = _ARCH.get(os.uname().machine)
    if arch is None:
        return False
    audit_arch, numbers = arch
    load, jeq, jge, ret = 0x20, 0x15, 0x35, 0x06  # BPF_LD|W|ABS, BPF_JMP|JEQ|K, BPF_JMP|JGE|K, BPF_RET|K
    deny, allow = 0x00050000 | _EACCES, 0x7FFF0000  # SECCOMP_RET_ERRNO | EACCES, SECCOMP_RET_ALLOW
    refused = [numbers[name] for name in _REFUSED]
    n = len(refused)  # the program: 5 + n + 2 instructions; "deny" is the last (at 6 + n)
    program = [
        (load, 0, 0, 4),  # 0: arch
        (jeq, 1, 0, audit_arch),  # 1: native ABI: go on at 3
        (ret, 0, 0, deny),  # 2: any other ABI: refused
        (load, 0, 0, 0),  # 3: syscall number
        (jge, n + 1, 0, 0x40000000),  # 4: x32 numbers: refused
        *[(jeq, n - k, 0, number) for k, number in enumerate(refused)],  # 5 + k: refused
        (ret, 0, 0, allow),  # 5 + n
        (ret, 0, 0, deny),  # 6 + n
    ]
    filters = (_SockFilter * len(program))(*[_SockFilter(*op) for op in program])
    fprog = _SockFprog(len(program), filters)
    try:
        return bool(_libc().prctl(22, 2, ctypes.byref(fprog), 0, 0) == 0)  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
    except (OSError, AttributeError):
        return False


def seccomp_available() -> bool:
    """Whether seccomp filters can be installed here (this architecture, a kernel with seccomp)."""
    if os.uname().machine not in _ARCH:
        return False
    try:
        return bool(_libc().prctl(_PR_GET_SECCOMP, 0, 0, 0, 0) >= 0)
    except (OSError, AttributeError):
        return False


_PR_GET_SECCOMP = 21


def unshare_network() -> bool:
    """Move this process into a network namespace of its own (no interface but a down loopback);
    False where it may not (not root, or a container that forbids it). Costs about a millisecond."""
    try:
        return bool(_libc().unshare(_CLONE_NEWNET) == 0)
    except (OSError, AttributeError):
        return False


_CLONE_NEWNET = 0x40000000


def _listdir(path: str) -> list[str]:
    try:
        return os.listdir(path)
    except OSError:
        return []


_READABLE = _readable_paths()  # once, in the forkserver: each worker forks with it
