"""Hostile and broken submissions: the grader survives every one and reports it honestly.

Each file in tests/hostile/ is graded by a real `grader check NAME --file F --json` process.
Whatever the file does (loop, exit, exhaust memory, flood the output, print a fake report,
monkeypatch torch, forge the worker's messages, write outside its folder, start processes,
signal the grader), the grader must

* exit 1 (points lost) or 0 (the file is in fact correct), never crash;
* print exactly one JSON report on stdout, with the contract's fields, and nothing else;
* never show a Python traceback, on stdout or on stderr;
* give the affected checks `error` / `timeout` / `memory` (or `failed`) and still grade the others;
* finish well within two minutes.

Time limits are scaled down with GRADER_TIMEOUT_SCALE (a 10 s check gets 2 s here), so
the slow cases stay quick; the messages then name the scaled limit.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT as REPOSITORY
from conftest import processes_with

from grader.sandbox.confine import landlock_abi, seccomp_available

Runner = Callable[..., Any]  # conftest's run_grader
HOSTILE = Path(__file__).resolve().parent / "hostile"
SCALE = 0.2
BOUND = 120.0  # seconds: the hidden corpus's limit per file
STATUSES = {"passed", "failed", "error", "timeout", "memory", "skipped"}
LANDLOCK = landlock_abi()
ROOT = os.geteuid() == 0
# Whether this machine can keep a worker from writing outside its folder, and from signalling the
# grader: as root the worker gets a uid of its own; otherwise Landlock (signals: ABI 6) does it.
CONFINED_WRITES = ROOT or LANDLOCK >= 1
CONFINED_SIGNALS = ROOT or LANDLOCK >= 6

# Words the hostile files print (megabytes of some): none may reach the grader's stderr.
STUDENT_WORDS = ("raw fd", "dunder stdout", "import line", "call line", "error line", "spam", '"file": "fake"',
                 "WROTE", "SIGNALLED", "refused", '"score": 5.0')

SQ = ("shape", "values", "grad", "inputs_unchanged")


def sq(shape: str, values: str = "skipped", grad: str = "skipped", inputs: str = "") -> dict[str, str]:
    """Expected statuses of sq_loss's four checks (values and grad need the one before)."""
    return dict(zip(SQ, (shape, values, grad, inputs or shape)))


ALL_PASSED = sq("passed", "passed", "passed", "passed")


@dataclass(frozen=True)
class Case:
    file: str
    expect: dict[str, str]  # check id -> status
    says: dict[str, str] = field(default_factory=dict)  # check id -> words its message contains
    exercise: str = "sq_loss"
    scale: float = SCALE
    needs: str = ""  # "writes" / "signals": only where the machine can confine them

    @property
    def id(self) -> str:
        return self.file.removesuffix(".py")


CASES: list[Any] = [
    # -- never finishing --------------------------------------------------------------------
    Case("loop_forever.py", sq("timeout"), {"shape": "did not finish within 2 s",
                                            "inputs_unchanged": "did not finish within 2 s"}),
    Case("loop_on_int_target.py", sq("timeout", inputs="passed"), {"shape": "did not finish"}),
    Case("loop_at_import.py", sq("timeout"), {"shape": "loading your file did not finish within 2 s",
                                              "inputs_unchanged": "loading your file did not finish"}),
    Case("flood_forever.py", sq("timeout"), {"shape": "did not finish"}),
    Case("fork_bomb.py", sq("timeout"), {"shape": "did not finish"}),
    # -- ending the process ------------------------------------------------------------------
    Case("exit_in_function.py", sq("error"), {"shape": "ended the process (exit code 0)"}),
    Case("exit_at_import.py", sq("error"), {"shape": "ended the process (exit code 3)"}),
    Case("sys_exit_in_function.py", sq("error"), {"shape": "exit()"}),
    Case("raise_systemexit_at_import.py", sq("error"), {"shape": "exit()"}),
    Case("keyboard_interrupt.py", sq("error"), {"shape": "raised KeyboardInterrupt"}),
    Case("segfault.py", sq("error"), {"shape": "SIGSEGV"}),
    Case("kill_everything.py", ALL_PASSED),
    Case("kill_the_grader.py", ALL_PASSED, needs="signals"),
    # -- memory --------------------------------------------------------------------------------
    Case("memory_torch_empty.py", sq("memory"), {"shape": "out of memory (limit 2048 MB)"}),
    Case("memory_torch_ones.py", sq("memory"), {"shape": "can't allocate memory"}),
    Case("memory_python_list.py", sq("memory"), {"shape": "MemoryError"}, scale=1.0),
    Case("memory_forked.py", sq("memory"), {"shape": "processes together used"}, scale=1.0),
    Case("disk_filler.py", sq("error"), {"shape": "DiskQuotaExceeded"}, scale=1.0),
    Case("huge_result.py", sq("error", inputs="passed"), {"shape": "ResultTooLarge"}),
    Case("my_linear_memory.py", {"parameters": "memory", "init": "memory", "forward": "skipped"},
         {"parameters": "out of memory"}, exercise="my_linear"),
    # -- output --------------------------------------------------------------------------------
    Case("flood_print.py", ALL_PASSED),
    Case("flood_fd_write.py", ALL_PASSED),
    Case("fake_report.py", sq("passed", "failed", inputs="passed"), {"values": "elements differ"}),  # score 2, not 4
    # -- lying values, patched torch -------------------------------------------------------------
    Case("lying_subclass.py", sq("failed", inputs="passed"), {"shape": "subclass"}),
    Case("simple_graph_liar.py", {"prediction": "failed", "canonical": "skipped"}, {"prediction": "subclass"},
         exercise="simple_graph"),
    Case("monkeypatch_torch.py", sq("passed", "failed", inputs="passed"), {"values": "elements differ"}),
    Case("monkeypatch_list_result.py", sq("failed", inputs="passed"), {"shape": "got list"}),
    Case("hostile_objects.py", sq("failed", inputs="passed"), {"shape": "hostile_objects.Evil"}),
    # -- forging the worker's answers ------------------------------------------------------------
    Case("forge_result_files.py", sq("failed", inputs="passed"), {"shape": "got NoneType"}),
    Case("forge_messages_at_import.py", sq("error"), {"shape": "not implemented"}),  # the forgeries are ignored
    Case("forge_message_in_function.py", sq("passed", "failed", inputs="failed"), {"values": "elements differ"}),
    Case("garbled_messages.py", sq("error"), {"shape": "could not be read back"}),
    # -- the world outside the sandbox -----------------------------------------------------------
    Case("write_outside.py", ALL_PASSED, needs="writes"),
    Case("forkserver_escape.py", ALL_PASSED),
    Case("background_processes.py", ALL_PASSED),
    # -- values the grader's own judges must cope with -------------------------------------------
    Case("cnn_huge_accuracy.py", {"shapes": "failed", "accuracy": "failed"}, exercise="cnn_classifier"),
    Case("cnn_empty_logits.py", {"shapes": "failed", "logits": "skipped"}, exercise="cnn_classifier"),
    # -- broken files ----------------------------------------------------------------------------
    Case("syntax_error.py", sq("error"), {"shape": "syntax error at line 1"}),
    Case("not_utf8.py", sq("error"), {"shape": "not UTF-8"}),
    Case("empty.py", sq("error"), {"shape": "does not define `sq_loss`"}),
    Case("missing_name.py", sq("error"), {"shape": "does not define `sq_loss`"}),
]


def check_report(result: Any, exercise: str, file: Path) -> dict[str, Any]:
    """The contract's report, and nothing but it, on stdout; no traceback anywhere."""
    assert "Traceback" not in result.stdout and "Traceback" not in result.stderr, result.stderr[-2000:]
    assert result.stdout.endswith("\n") and result.stdout.count("\n") == 1, result.stdout[:500]
    report: dict[str, Any] = json.loads(result.stdout)
    assert report["exercise"] == exercise and report["file"] == str(file)
    assert {"score", "max_score", "tests"} <= set(report)
    for test in report["tests"]:
        assert {"name", "score", "max_score", "status", "message", "hint"} <= set(test)
        assert test["status"] in STATUSES and test["message"]
        assert test["score"] == (test["max_score"] if test["status"] == "passed" else 0)
    assert report["score"] == sum(t["score"] for t in report["tests"])
    assert report["max_score"] == sum(t["max_score"] for t in report["tests"])
    return report


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id if isinstance(case, Case) else None)
def test_hostile_file_is_graded(case: Case, run_grader: Runner, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    if case.needs == "writes" and not CONFINED_WRITES:
        pytest.skip("not root and no Landlock here: nothing keeps the worker from writing the user's files")
    if case.needs == "signals" and not CONFINED_SIGNALS:
        pytest.skip("not root and Landlock < 6 here: the worker could signal the grader")
    open_dir = tmp_path / "open"  # world-writable: only the sandbox keeps the worker out
    open_dir.mkdir()
    open_dir.chmod(0o777)
    mark = f"hostile-mark-{os.getpid()}-{case.id}"
    monkeypatch.setenv("GRADER_TIMEOUT_SCALE", str(case.scale))
    monkeypatch.setenv("HOSTILE_DIR", str(open_dir))
    monkeypatch.setenv("HOSTILE_MARK", mark)
    file = HOSTILE / case.file

    started = time.monotonic()
    result = run_grader("check", case.exercise, "--file", file, "--json", timeout=BOUND + 30)
    took = time.monotonic() - started

    report = check_report(result, case.exercise, file)
    statuses = {t["id"]: t["status"] for t in report["tests"]}
    messages = {t["id"]: t["message"] for t in report["tests"]}
    for check_id, status in case.expect.items():
        assert statuses[check_id] == status, (check_id, messages[check_id])
    for check_id, words in case.says.items():
        assert words in messages[check_id], (check_id, messages[check_id])
    full = all(s == "passed" for s in statuses.values())
    assert result.code == (0 if full else 1)
    assert took < BOUND
    # Nothing the student's code did may have outlived the grading, or got out of its folder.
    leftovers = processes_with(mark)
    for pid in leftovers:
        os.kill(pid, 9)
    assert not leftovers, "processes started by the student's code survived the grading"
    assert not list(open_dir.iterdir()), "the student's code wrote outside its sandbox"
    # What the student's code printed is nowhere but in the report's `output` fields, cut short.
    assert len(result.stdout) < 100_000
    assert not [words for words in STUDENT_WORDS if words in result.stderr]
    assert not [words for words in ("WROTE /", "SIGNALLED") if words in result.stdout]


def test_the_budget_bounds_a_submission_that_loops_in_every_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each check's limit is its own, cut to what is left of the submission's budget, never below FLOOR.

    A function that loops forever times out in every check that calls it (each check calls it
    afresh, in a fresh worker); the budget keeps the total bounded however many checks there are.
    """
    from grader.sandbox import runner

    monkeypatch.setenv("GRADER_TIMEOUT_SCALE", "0.5")
    box = runner.Sandbox(exercises=("sq_loss",), source=HOSTILE / "loop_forever.py", device="cpu", memory_mb=2048,
                         workdir=Path("/nonexistent"), load_timeout=10.0, budget=30.0)
    assert box._limit(10.0) == pytest.approx(5.0)  # its own limit, scaled
    box._deadline = time.monotonic() + 2.0
    assert box._limit(10.0) == pytest.approx(2.0, abs=0.1)  # what is left of the budget
    box._deadline = time.monotonic() - 100.0
    assert box._limit(10.0) == pytest.approx(runner.FLOOR * 0.5)  # spent: the floor
    assert box._limit(0.2) == pytest.approx(0.1)  # never more than its own
    assert runner.BUDGET + 12 * 2 * runner.FLOOR < BOUND - 20  # 12 checks, each reloading: still in bounds


def test_an_answer_that_came_in_time_counts_even_if_the_grader_was_slow(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The grader computes the reference while the student's probe runs; if that takes longer than
    the check's limit, the student's answer, already waiting, must still be read."""
    from grader.sandbox import runner

    monkeypatch.setenv("GRADER_TIMEOUT_SCALE", "0.2")
    with runner.Sandbox(exercises=("sq_loss",), source=HOSTILE.parent.parent / "reference_solutions" / "sq_loss.py", device="cpu",
                        memory_mb=2048, workdir=tmp_path, load_timeout=10.0) as box:
        box.submit(0)
        time.sleep(3.0)  # past the check's scaled limit (1 s), as a slow reference would be
        outcome = box.wait(5.0)
    assert outcome.status.value == "passed", outcome.error


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_a_file_that_is_not_there_exits_2_with_one_message(run_grader: Runner, tmp_path: Path, kind: str) -> None:
    path = tmp_path / "nowhere.py"
    if kind == "directory":
        path = tmp_path / "folder.py"
        path.mkdir()
    result = run_grader("check", "sq_loss", "--file", path, "--json")
    assert result.code == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert path.name in result.stderr and result.stderr.startswith("grader: ")


def test_the_worker_is_shut_in(run_grader: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the student's code can see and do from inside: facts printed by a probing file."""
    probe = tmp_path / "inspect.py"
    probe.write_text(INSPECT)
    monkeypatch.setenv("GRADER_TIMEOUT_SCALE", str(SCALE))
    result = run_grader("check", "sq_loss", "--file", probe, "--json")
    report = check_report(result, "sq_loss", probe)
    facts = json.loads(report["tests"][0]["message"].split("FACTS")[1])
    facts.update(json.loads(report["tests"][0]["output"].split("FACTS")[1]))
    assert facts["fds"][:3] == [0, 1, 2] and len(facts["fds"]) == 5  # and the two message pipes
    assert facts["stdin"] == os.devnull
    assert facts["as_limit"] > 0  # RLIMIT_AS is set (CPU runs)
    assert facts["cwd_writable"]
    if ROOT:
        assert facts["uid"] >= 2**30 and facts["caps"] == "0000000000000004"  # reading only
        assert facts["nproc"] > 0
        assert facts["netns"] != os.readlink("/proc/self/ns/net")  # a network namespace of its own
    if LANDLOCK:
        assert facts["no_new_privs"] == "1"
        # Reads: its own /proc entry, Python, the grader's package; not the machine's secrets,
        # other processes, the reference solutions or the checkout around the package.
        assert facts["read"] == {"/proc/self/status": True, "/proc/self/task": True, "os.py": True,
                                 "torch": True, "grader": True, "/etc/shadow": False, "/root": False,
                                 "/proc/<parent>/cmdline": False, "/proc": False, "reference": False,
                                 "checkout": False}
    if seccomp_available():
        # No socket of any family (socketpair stays: asyncio and multiprocessing.Pipe need it), and
        # no memory outside RLIMIT_AS: memfd, SysV shared memory.
        assert facts["calls"] == {"socket(AF_INET)": False, "socket(AF_UNIX)": False, "socket(AF_NETLINK)": False,
                                  "socketpair": True, "memfd_create": False, "shmget": False}


INSPECT = '''
import ctypes, json, os, pathlib, resource, socket

import grader, torch


def can(action):
    try:
        action()
        return True
    except OSError:
        return False


def read(path):
    path = str(path)
    return can(lambda: os.listdir(path) if os.path.isdir(path) else open(path, "rb").close())


def make_socket(family, kind=socket.SOCK_DGRAM):
    socket.socket(family, kind).close()


def shmget():
    libc = ctypes.CDLL(None, use_errno=True)
    shmid = libc.shmget(0, ctypes.c_size_t(4096), 0o1600)
    if shmid < 0:
        raise OSError(ctypes.get_errno(), "shmget")
    libc.shmctl(shmid, 0, None)  # IPC_RMID


def sq_loss(y_true, y_prediction):
    package = pathlib.Path(grader.__file__).resolve().parent
    status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
    with open("here.txt", "w") as f:
        f.write("x")
    facts = {
        "fds": sorted(int(fd) for fd in os.listdir("/proc/self/fd") if os.path.exists(f"/proc/self/fd/{fd}")),
        "stdin": os.readlink("/proc/self/fd/0"),
        "as_limit": resource.getrlimit(resource.RLIMIT_AS)[0],
        "nproc": resource.getrlimit(resource.RLIMIT_NPROC)[0],
        "uid": os.getuid(),
        "caps": status["CapEff"].strip(),
        "no_new_privs": status["NoNewPrivs"].strip(),
        "cwd_writable": os.path.exists("here.txt"),
        "netns": os.readlink("/proc/self/ns/net"),
        "read": {"/proc/self/status": read("/proc/self/status"), "/proc/self/task": read("/proc/self/task"),
                 "os.py": read(os.__file__), "torch": read(pathlib.Path(torch.__file__).parent),
                 "grader": read(package / "sandbox"), "/etc/shadow": read("/etc/shadow"), "/root": read("/root"),
                 "/proc/<parent>/cmdline": read(f"/proc/{os.getppid()}/cmdline"), "/proc": read("/proc"),
                 "reference": read(package.parent / "reference_solutions" / "sq_loss.py"),
                 "checkout": read(package.parent)},
        "calls": {"socket(AF_INET)": can(lambda: make_socket(socket.AF_INET)),
                  "socket(AF_UNIX)": can(lambda: make_socket(socket.AF_UNIX)),
                  "socket(AF_NETLINK)": can(lambda: make_socket(socket.AF_NETLINK, socket.SOCK_RAW)),
                  "socketpair": can(lambda: [s.close() for s in socket.socketpair()]),
                  "memfd_create": can(lambda: os.close(os.memfd_create("x"))), "shmget": can(shmget)},
    }
    access = {"read": facts.pop("read"), "calls": facts.pop("calls")}
    print("FACTS" + json.dumps(access) + "FACTS")  # the output keeps its last 600 characters
    raise ValueError("FACTS" + json.dumps(facts) + "FACTS")  # the message its first 500
'''


def _children(pid: int) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        try:
            with open(f"/proc/{name}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid:
            found.append(int(name))
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def test_killing_the_grader_ends_its_workers() -> None:
    """A grader killed with SIGKILL (no clean-up of its own) takes its sandbox workers with it:
    its forkserver exits, and each worker has asked to be killed when that happens."""
    import signal
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    env.pop("GRADER_TIMEOUT_SCALE", None)  # the real 10 s limit: the worker is mid-check when we kill
    grader = subprocess.Popen([sys.executable, "-m", "grader", "check", "sq_loss", "--file",
                               str(HOSTILE / "loop_forever.py")], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    workers: list[int] = []
    deadline = time.monotonic() + 60
    while not workers and time.monotonic() < deadline:
        workers = [w for server in _children(grader.pid) for w in _children(server)]
        time.sleep(0.1)
    assert workers, "no worker started"
    grader.send_signal(signal.SIGKILL)
    grader.wait()
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(w) for w in workers)


def test_a_wheels_reference_solutions_are_cut_out_of_what_the_worker_may_read(tmp_path: Path) -> None:
    """Installed from a wheel, the reference solutions sit inside site-packages/grader: the worker
    may read every other entry of site-packages and of grader/, one rule each, but not them."""
    from grader.sandbox import confine

    site = tmp_path / "lib" / "site-packages"
    for folder in ("torch", "numpy", "grader/sandbox", "grader/bank", "grader/builtin_bank/reference_solutions",
                   "grader/builtin_bank/exercises"):
        (site / folder).mkdir(parents=True)
    (site / "grader" / "__init__.py").write_text("")
    hidden = (str(site / "grader" / "builtin_bank" / "reference_solutions"),)
    allowed = sorted(confine._less(str(tmp_path), hidden))
    assert allowed == sorted(str(site / name) for name in ("torch", "numpy", "grader/sandbox", "grader/bank",
                                                             "grader/builtin_bank/exercises", "grader/__init__.py"))
    assert confine._less(hidden[0], hidden) == [] and confine._less(str(site / "torch"), hidden) == [str(site / "torch")]


def test_isolation_facts_are_the_graders_own_and_plain_json() -> None:
    from grader.sandbox import confine

    facts = confine.isolation_facts()
    assert json.loads(json.dumps(facts)) == facts
    assert facts["landlock_abi"] == LANDLOCK and facts["file_reads_confined"] == (LANDLOCK >= 1)
    assert facts["own_uid"] == ROOT and facts["network_refused"] == seccomp_available()
    checkout = REPOSITORY.resolve()
    assert str(checkout) in confine.secrets()  # a checkout: all of it but grader/
    assert str(checkout / "grader") in confine.readable()
    for path in confine.readable():  # nothing readable holds the reference solutions or the tests
        assert not confine._beneath(str(checkout / "reference_solutions"), path), path
        assert not confine._beneath(str(checkout / "tests"), path), path
