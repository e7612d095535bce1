"""Inside the worker, full-fidelity mode: the worker becomes a real Jupyter kernel (ipykernel).

The grader runs the notebook's cells in it through nbclient (see kernel_cells.py), as Jupyter
would, then asks for its probes over the worker's own pipe, as in the fast mode; a probe runs
in the kernel's main thread, between two cells, on the kernel's user namespace.

The kernel's five sockets are Unix sockets in the worker's directory, created by `listen`
*before* the worker shuts itself in: after that, seccomp refuses socket() of every family (the
forkserver listens on a Unix socket), so the IOPub thread gets no TCP pipe for the output of
forked processes. ipykernel adopts them (ZMQ_USE_FD), so it starts every thread of its own
after the worker is shut in, confined as the student's code is: none of them can be used to
run code outside the sandbox.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Any

PORTS = {"shell": 1, "iopub": 2, "stdin": 3, "control": 4, "hb": 5}
SOCKET_PATH_LIMIT = 107  # bytes in a Unix socket's path (sun_path, less its final NUL)

_exit = os._exit  # captured before any student code runs


def connection_info(workdir: str, key: str) -> dict[str, Any]:
    """How a Jupyter client reaches the kernel of the worker whose directory is `workdir`."""
    info: dict[str, Any] = {"transport": "ipc", "ip": os.path.join(workdir, "kernel"), "key": key,
                            "signature_scheme": "hmac-sha256", "kernel_name": "python3"}
    info.update({f"{name}_port": port for name, port in PORTS.items()})
    return info


def listen(workdir: str) -> dict[int, int]:
    """The kernel's listening sockets, port -> file descriptor (call it before the worker is shut in)."""
    fds = {}
    for port in PORTS.values():
        path = f"{os.path.join(workdir, 'kernel')}-{port}"
        if len(os.fsencode(path)) > SOCKET_PATH_LIMIT:
            raise OSError(f"the kernel's socket path is too long ({path}): set TMPDIR to a shorter folder")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(path)
        sock.listen(16)
        fds[port] = sock.detach()
    return fds


def serve(workdir: str, key: str, fds: dict[int, int], commands: Connection,
          answer: Callable[[bytes, dict[str, Any]], None], ready: Callable[[], None],
          prepare: Callable[[dict[str, Any]], None] = lambda ns: None) -> None:
    """Run the kernel until the grader stops the worker.

    `answer(request, namespace)` serves one request from the grader's `commands` pipe;
    `ready()` tells the grader the kernel is listening; `prepare(namespace)` runs before it starts
    (the assignment's setup code, before any cell).
    """
    app = _kernel_app(workdir, key, fds)
    prepare(app.shell.user_ns)
    from tornado.ioloop import IOLoop

    loop = IOLoop.current()

    def on_command(fd: int, events: int) -> None:
        try:
            request = commands.recv_bytes(4096)
        except BaseException:  # the grader is gone, or the student's code read our pipe
            _exit(0)
        with _plain_output():
            answer(request, app.shell.user_ns)

    loop.add_handler(commands.fileno(), on_command, IOLoop.READ)
    loop.add_callback(ready)
    app.start()
    _exit(0)


def cell_filename(source: str) -> str:
    """The file name the kernel gives the code of a cell with this source (in its tracebacks)."""
    from ipykernel.compiler import get_file_name

    return str(get_file_name(source))


@contextmanager
def _plain_output() -> Iterator[None]:
    """What a probe prints goes to the worker's output pipe (the check's output), not to the notebook."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def _kernel_app(workdir: str, key: str, fds: dict[int, int]) -> Any:
    """An initialized IPKernelApp on the sockets of `listen`, without history, with shell commands skipped."""
    import ipykernel.kernelapp
    import zmq
    from ipykernel.heartbeat import Heartbeat
    from ipykernel.iostream import IOPubThread
    from ipykernel.kernelapp import IPKernelApp
    from traitlets.config import Config

    from grader.sandbox.notebook import skip_shell_commands

    class AdoptingHeartbeat(Heartbeat):
        def _try_bind_socket(self) -> None:
            self.socket.setsockopt(zmq.USE_FD, fds[self.port])
            super()._try_bind_socket()

    class PipelessIOPubThread(IOPubThread):
        """No TCP pipe for the output of forked processes: seccomp refuses socket(), where ZeroMQ
        would abort (the pipe's output goes to the worker's own output instead)."""

        def _setup_pipe_in(self) -> None:
            self._pipe_flag = False

    class GradingKernelApp(IPKernelApp):
        def _try_bind_socket(self, s: Any, port: int) -> int:
            s.setsockopt(zmq.USE_FD, fds[port])
            return int(super()._try_bind_socket(s, port))

        def init_iopub(self, context: Any) -> None:
            setattr(ipykernel.kernelapp, "IOPubThread", PipelessIOPubThread)  # the name init_iopub uses
            super().init_iopub(context)

        def init_heartbeat(self) -> None:
            self.heartbeat = AdoptingHeartbeat(zmq.Context(), (self.transport, self.ip, self.hb_port))
            self.heartbeat.start()

    os.environ["IPYTHONDIR"] = os.path.join(workdir, ".ipython")
    os.environ["JUPYTER_RUNTIME_DIR"] = workdir
    info = connection_info(workdir, key)
    config = Config()
    for name in ("transport", "ip", *(f"{channel}_port" for channel in PORTS)):
        setattr(config.IPKernelApp, name, info[name])
    config.IPKernelApp.connection_file = os.path.join(workdir, "kernel.json")
    config.IPKernelApp.capture_fd_output = False  # file descriptors 1 and 2 stay the worker's output pipe
    config.IPKernelApp.quiet = True
    config.Session.key = key.encode()
    config.HistoryManager.enabled = False
    config.HistoryAccessor.enabled = False
    config.InteractiveShell.colors = "nocolor"
    app = GradingKernelApp.instance(config=config)  # the singleton: `%matplotlib inline` looks for it
    app.initialize([])
    skip_shell_commands(app.shell)
    return app
