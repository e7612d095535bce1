"""Each unit of the sandbox against the attacks on it: framing, tensors' bytes, retries, threads, frames.

The adversarial files (tests/adversarial/frame_*.py, thread_*.py) attack the whole grader; these
tests attack one module each, in this process where they can (framing.py, protocol.py,
threads.py) or through a real worker (runner.py's retries, neutral.py's frames).
"""

from __future__ import annotations

import json
import os
import resource
import signal
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import torch
from conftest import ROOT

from grader.results import Status
from grader.sandbox import framing, protocol, runner, threads

SQUARE = "def sq_loss(y_true, y_prediction):\n    return (y_true - y_prediction) ** 2\n"


def _pipe_with(data: bytes) -> int:
    """A pipe's read end with `data` written into it (by a thread: it may exceed the pipe's buffer)."""
    read, write = os.pipe()

    def feed() -> None:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(write, view):]
        except OSError:  # the reader gave up: fine
            pass
        finally:
            os.close(write)

    threading.Thread(target=feed, daemon=True).start()
    return read


def _read(data: bytes) -> tuple[bytes, bytearray]:
    fd = _pipe_with(data)
    try:
        return framing.read_frame(fd, time.monotonic() + 5, 5.0)
    finally:
        os.close(fd)


def _frame(body: bytes) -> bytes:
    return struct.pack("!i", len(body)) + body


# -- framing.py ---------------------------------------------------------------------------------


def test_a_frame_written_by_send_is_read_back_whole(tmp_path: Path) -> None:
    observed = protocol.roundtrip({"a": torch.arange(5, dtype=torch.float32), "b": torch.ones(3, dtype=torch.float64),
                                   "c": 1.5})
    facts, chunks = protocol.encode(observed)
    read, write = os.pipe()

    class Events:
        def fileno(self) -> int:
            return write

    sender = threading.Thread(target=framing.send, args=(Events(), framing.header({"observations": facts}), chunks))
    sender.start()
    head, blob = framing.read_frame(read, time.monotonic() + 5, 5.0)
    sender.join()
    os.close(read)
    os.close(write)
    decoded = protocol.decode(framing.parse_header(head)["observations"], blob)
    assert torch.equal(decoded["a"].value, torch.arange(5, dtype=torch.float32))
    assert torch.equal(decoded["b"].value, torch.ones(3, dtype=torch.float64))
    assert decoded["c"].value == 1.5


def test_a_header_without_its_newline_in_4_mb_is_refused_after_4_mb() -> None:
    body = b"[" + b"0," * (125 * 2**20) + b"0]\n"  # 250 MB of JSON: parsed, 130 million items
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(framing.Unreadable, match="header is larger than 4 MB"):
        _read(_frame(body))
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before  # kB; the 250 MB are the test's own
    assert grown < 64 * 1024


@pytest.mark.parametrize("prefix, words", [
    (struct.pack("!i", 300 * 2**20), "an answer of 300 MB"),
    (struct.pack("!i", -1) + struct.pack("!Q", 2**40), "at most"),  # more than any answer may take
    (struct.pack("!i", -1) + struct.pack("!Q", 2**64 - 1), "at most"),
    (struct.pack("!i", -5), "garbled"),
])
def test_a_length_that_overflows_is_refused_before_anything_is_allocated(prefix: bytes, words: str) -> None:
    with pytest.raises(framing.Unreadable, match=words):
        _read(prefix + b"{}\n")


def test_tensors_over_the_cap_are_refused_before_they_are_read() -> None:
    size = framing.MAX_FRAME - 3
    with pytest.raises(framing.Unreadable, match="more than the 256 MB"):
        _read(struct.pack("!i", size) + b"{}\n")  # 2 bytes of header, then 260 MB claimed (never sent)


def test_a_frame_cut_off_is_incomplete_not_a_hang() -> None:
    read, write = os.pipe()
    os.write(write, struct.pack("!i", 100) + b'{"a": 1}\n')
    started = time.monotonic()
    with pytest.raises(framing.Incomplete):
        framing.read_frame(read, time.monotonic() + 5, 0.3)
    assert time.monotonic() - started < 2
    os.close(read)
    os.close(write)


def test_a_header_that_would_build_too_many_containers_is_not_parsed() -> None:
    with pytest.raises(framing.Unreadable, match="too many values"):
        framing.parse_header(b"[" + b"{}," * (framing.MAX_CONTAINERS + 1) + b"{}]")
    with pytest.raises(framing.Unreadable, match="garbled"):
        framing.parse_header(b"[" * 100_000)


def test_the_worker_says_its_result_is_too_large_rather_than_send_a_header_the_grader_refuses() -> None:
    with pytest.raises(protocol.TooLarge, match="at most 4 MB"):
        framing.header({"values": ["x" * 1000] * 5000})


# -- protocol.py: the tensors' bytes ----------------------------------------------------------------


def _meta(offset: int, nbytes: int, dtype: str = "uint8") -> dict[str, object]:
    itemsize = protocol.DTYPES[dtype].itemsize
    return {"dtype": dtype, "shape": [nbytes // itemsize], "offset": offset, "nbytes": nbytes}


def test_tensors_may_not_claim_the_same_bytes_twice() -> None:
    blob = bytearray(1024)
    value = {"type": "torch.Tensor", "value": {"tensor": 0}}
    with pytest.raises(protocol.Malformed, match="claim the same bytes"):
        protocol.decode({"values": {"x": value}, "tensors": [_meta(0, 1024)] * 2}, blob)
    with pytest.raises(protocol.Malformed, match="claim the same bytes"):  # nor go back into the one before
        protocol.decode({"values": {"x": value}, "tensors": [_meta(0, 512), _meta(256, 512)]}, blob)
    with pytest.raises(protocol.Malformed, match="more bytes than were sent"):
        protocol.decode({"values": {"x": value}, "tensors": [_meta(512, 1024)]}, blob)


def test_aligned_tensors_are_views_of_the_message_not_copies() -> None:
    observed = protocol.roundtrip({"a": torch.arange(3, dtype=torch.int8), "b": torch.arange(4, dtype=torch.float64)})
    facts, chunks = protocol.encode(observed)
    assert all(meta["offset"] % protocol.ALIGN == 0 for meta in facts["tensors"])
    blob = bytearray(b"".join(bytes(chunk) for chunk in chunks))
    decoded = protocol.decode(facts, blob)
    assert torch.equal(decoded["b"].value, torch.arange(4, dtype=torch.float64))
    blob[facts["tensors"][1]["offset"]:facts["tensors"][1]["offset"] + 8] = struct.pack("d", 42.0)
    assert decoded["b"].value[0].item() == 42.0  # the same bytes


def test_shapes_whose_sizes_overflow_are_malformed() -> None:
    value = {"type": "torch.Tensor", "value": {"tensor": 0}}
    for shape in ([2**62, 2**62, 0], [2**63], [0, 2**61, 2**61, 2**61]):
        meta = {"dtype": "float32", "shape": shape, "offset": 0, "nbytes": 0}
        with pytest.raises(protocol.Malformed):
            protocol.decode({"values": {"x": value}, "tensors": [meta]}, bytearray(8))


# -- threads.py ---------------------------------------------------------------------------------------


def test_a_thread_that_finished_costs_nothing_and_one_still_running_is_waited_for() -> None:
    mark = threads.mark()
    done = threading.Thread(target=lambda: None)
    done.start()
    done.join()
    assert threads.settle(mark, 1.0) is None

    mark = threads.mark()
    threading.Thread(target=time.sleep, args=(0.2,), daemon=True).start()
    started = time.monotonic()
    assert threads.settle(mark, 5.0) is None  # it ended within the limit: waited for
    assert time.monotonic() - started >= 0.15

    stop = threading.Event()
    mark = threads.mark()
    threading.Thread(target=stop.wait, daemon=True).start()
    waited = threads.settle(mark, 0.4)
    stop.set()
    assert waited is not None and 0.25 <= waited < 1.0


def test_a_raw_thread_is_waited_for_too(monkeypatch: pytest.MonkeyPatch) -> None:
    import _thread

    monkeypatch.setattr(_thread, "start_new_thread", threads._starter(_thread.start_new_thread))
    mark = threads.mark()
    finished = threading.Event()
    _thread.start_new_thread(lambda: (time.sleep(0.1), finished.set()), ())
    assert threads.settle(mark, 5.0) is None
    assert finished.is_set()


def test_threads_running_before_the_check_are_not_waited_for() -> None:
    stop = threading.Event()
    threading.Thread(target=stop.wait, daemon=True).start()
    mark = threads.mark()
    assert threads.settle(mark, 1.0) is None
    stop.set()


# -- runner.py: a worker SIGKILLed from outside ---------------------------------------------------------------


SLOW_SQUARE = """
import time
from pathlib import Path

def sq_loss(y_true, y_prediction):
    Path("started").touch()  # in the worker's own directory
    time.sleep(0.6)
    return (y_true - y_prediction) ** 2
"""


def _kill_workers(box: runner.Sandbox, workdir: Path, times: int) -> threading.Thread:
    """A thread that SIGKILLs the box's worker `times` times, each once its check has started."""
    def kill() -> None:
        for number in range(1, times + 1):
            deadline = time.monotonic() + 30
            while not (workdir / f"worker{number}" / "started").exists() and time.monotonic() < deadline:
                time.sleep(0.01)
            pid = box.pid
            if pid is not None:
                os.kill(pid, signal.SIGKILL)

    killer = threading.Thread(target=kill, daemon=True)
    killer.start()
    return killer


@pytest.mark.parametrize("kills, status", [(1, Status.PASSED), (2, Status.ERROR)])
def test_a_worker_killed_from_outside_mid_check_is_retried_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kills: int, status: Status) -> None:
    monkeypatch.setenv("GRADER_TIMEOUT_SCALE", "1")
    source = tmp_path / "slow_square.py"
    source.write_text(SLOW_SQUARE)
    workdir = tmp_path / "work"
    workdir.mkdir()
    with runner.Sandbox(exercises=("sq_loss",), source=source, device="cpu", memory_mb=2048, workdir=workdir,
                        load_timeout=10.0) as box:
        killer = _kill_workers(box, workdir, kills)
        box.submit(0)
        outcome = box.wait(10.0)
        killer.join(timeout=5)
        assert outcome.status is status, outcome.error
        if status is Status.ERROR:
            assert outcome.error == {"kind": "died", "signal": "SIGKILL"}
        box.submit(3)  # the next check runs on a fresh worker, as usual
        assert box.wait(10.0).status is Status.PASSED


SLOW_IMPORT = """
import time
from pathlib import Path

Path("started").touch()
time.sleep(0.6)

def sq_loss(y_true, y_prediction):
    return (y_true - y_prediction) ** 2
"""


@pytest.mark.parametrize("kills, status", [(1, Status.PASSED), (2, Status.ERROR)])
def test_a_worker_killed_from_outside_while_loading_loads_once_more(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kills: int, status: Status) -> None:
    monkeypatch.setenv("GRADER_TIMEOUT_SCALE", "1")
    source = tmp_path / "slow_import.py"
    source.write_text(SLOW_IMPORT)
    workdir = tmp_path / "work"
    workdir.mkdir()
    with runner.Sandbox(exercises=("sq_loss",), source=source, device="cpu", memory_mb=2048, workdir=workdir,
                        load_timeout=10.0) as box:
        killer = _kill_workers(box, workdir, kills)
        box.submit(0)
        outcome = box.wait(10.0)
        killer.join(timeout=5)
        assert outcome.status is status, outcome.error
        if status is Status.ERROR:  # then every check says so, without loading it a third time
            assert outcome.error["signal"] == "SIGKILL" and outcome.error["during_load"]
            box.submit(3)
            assert box.wait(10.0).error == outcome.error
            assert not (workdir / "worker3").exists()


def test_a_thread_still_running_is_the_checks_error_and_the_next_check_gets_a_fresh_worker(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADER_TIMEOUT_SCALE", "0.2")
    source = tmp_path / "spinner.py"
    source.write_text("import threading, time\n"
                      "def sq_loss(y_true, y_prediction):\n"
                      "    if y_true.dim() == 2:  # in the shape and values checks only\n"
                      "        threading.Thread(target=time.sleep, args=(60,), daemon=True).start()\n"
                      "    return (y_true - y_prediction) ** 2\n")
    with runner.Sandbox(exercises=("sq_loss",), source=source, device="cpu", memory_mb=2048, workdir=tmp_path,
                        load_timeout=10.0) as box:
        box.submit(0)
        first = box.pid
        outcome = box.wait(10.0)
        assert outcome.status is Status.ERROR
        assert outcome.error["exception"] == threads.STILL_RUNNING
        assert "still running" in outcome.error["message"]
        box.submit(3)
        assert box.wait(10.0).status is Status.PASSED
        assert box.pid != first


# -- neutral.py: the frames the student's code is called from ------------------------------------------


STACK_PROBE = """
import inspect, json, sys, traceback, warnings

def sq_loss(y_true, y_prediction):
    seen = []
    frame = sys._getframe(1)
    while frame is not None:
        spec = frame.f_globals.get("__spec__")
        seen += [frame.f_code.co_filename, str(frame.f_globals.get("__name__")), str(frame.f_globals.get("__file__")),
                 str(frame.f_globals.get("__package__")), str(getattr(spec, "name", None)),
                 str(getattr(frame.f_globals.get("__loader__"), "path", None))]
        frame = frame.f_back
    seen += [info.filename for info in inspect.stack()[1:]]
    seen += [summary.filename for summary in traceback.extract_stack()[:-1]]
    warnings.warn("from the probe's caller", stacklevel=2)
    print("SEEN" + json.dumps(sorted(set(seen))))
    return (y_true - y_prediction) ** 2
"""


def test_the_student_is_called_from_frames_that_name_no_grader(tmp_path: Path) -> None:
    from grader.sandbox.neutral import PACKAGE_DIR

    source = tmp_path / "probe_stack.py"
    source.write_text(STACK_PROBE)
    with runner.Sandbox(exercises=("sq_loss",), source=source, device="cpu", memory_mb=2048, workdir=tmp_path,
                        load_timeout=10.0) as box:
        box.submit(0)
        outcome = box.wait(10.0)
    assert outcome.status is Status.PASSED, outcome.error
    line = next(line for line in outcome.output.splitlines() if line.startswith("SEEN"))
    seen = json.loads(line[len("SEEN"):])
    assert "<check>" in seen
    named = [name for name in seen if "grader" in name.lower() or PACKAGE_DIR in name]
    assert not named, named
    assert PACKAGE_DIR not in outcome.output and "UserWarning: from the probe's caller" in outcome.output


def test_tracebacks_still_point_at_the_students_line(tmp_path: Path) -> None:
    source = tmp_path / "raises.py"
    source.write_text("def helper(x):\n    return x.nope\n\ndef sq_loss(y_true, y_prediction):\n"
                      "    return helper(y_true)\n")
    with runner.Sandbox(exercises=("sq_loss",), source=source, device="cpu", memory_mb=2048, workdir=tmp_path,
                        load_timeout=10.0) as box:
        box.submit(0)
        outcome = box.wait(10.0)
    assert outcome.error["exception"] == "AttributeError"
    assert outcome.error["line"] == 2 and outcome.error["code"] == "return x.nope"
    assert outcome.error["in_student_code"] is True


def test_the_grader_process_itself_keeps_its_names() -> None:
    """Neutral names are the worker's only: the grader's modules, imported here, are untouched."""
    code = ("import grader.sandbox.child as child, grader.probes as probes\n"
            "assert probes.__name__ == 'grader.probes' and probes.Run.call.__code__.co_filename.endswith('probes.py')\n"
            "assert vars(child)['__name__'] == 'grader.sandbox.child'\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_the_grader_starts_the_forkserver_before_it_imports_torch() -> None:
    """The forkserver imports torch while the grader does: importing the sandbox must not import it first."""
    code = "import sys, grader.sandbox.runner\nassert 'torch' not in sys.modules, 'torch imported'\n"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
