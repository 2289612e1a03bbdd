"""A process that does a render's imports once and forks each job's kernel from them, so no kernel pays for its imports.

A kernel started from scratch spends about a second importing ipykernel, pandas, matplotlib,
seaborn and the package before a report's first cell can run. In a batch that second is paid
once per report, on the core the running report does not use. Here one process, the fork
server, does those imports once. Each kernel is then a fork of it that runs ipykernel's launcher,
as the kernelspec's own command would. A fork starts from the server's state after the imports
and before any job, and runs one notebook: nothing passes from one report to the next.

    python -Xfrozen_modules=off -m caseseries.outputs.forkserver ipykernel_launcher LOG

The command starts the same interpreter, with the same flags, as the kernelspec; its arguments are
the module each kernel runs and the log its output goes to (its stderr, opened by :class:`ForkServer`;
named on the command line so that the server and its kernels, which share that command line, are
found by the render's temporary folder). It then reads one JSON object per line on stdin and answers each with one line:

- ``{"imports": CODE}``: run the import statements (each on its own; one that fails is skipped:
  the notebook then fails on it with the cell's own error) -> ``{"ready": true}``;
- ``{"argv": [...], "cwd": DIR, "env": {...}, "log": FILE}``: fork a kernel with this command
  line after the module, working folder, whole environment and output file, in a session of its
  own -> ``{"pid": N}``, or ``{"error": WHY}`` when it cannot (a thread would not survive the
  fork, so none may be running).

End of input ends the server; its kernels end by their own shutdown, each (as the server) at once, without
Python's clean-up (:func:`end_at_once`). It reaps its kernels as they end.
:class:`ForkServer` is the render's end of it (:mod:`caseseries.outputs.kernels`).
"""

from __future__ import annotations

import gc
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

# What ipykernel sets before a kernel runs any cell; set before the imports so that matplotlib reads it as there.
KERNEL_ENV = {"MPLBACKEND": "module://matplotlib_inline.backend_inline"}
# What jupyter_client's launcher sets for a kernel, the pid of the process that started it (here, this server):
# ipykernel reads it when imported, and ends when that process has ended.
PARENT = "JPY_PARENT_PID"
# ipykernel's own modules, loaded by the launcher at start-up: imported ahead like a template's.
KERNEL_IMPORTS = ["import ipykernel.kernelapp", "import ipykernel.ipkernel", "import ipykernel.zmqshell"]
READY_SECONDS = 120  # for the imports, then for each fork; past it, the kernel is launched as usual
# A render's objects (cases, timelines, figures) mostly live until its process ends, so the collector's frequent
# passes over them find little (Python's default: a pass every 700 new containers, 10-20% of a series render).
GC_THRESHOLD = (10_000, 10, 10)


class ForkServerError(RuntimeError):
    """The fork server could not start a kernel (it ended, or refused): the kernel is launched as usual."""


class ForkServer:
    """The render's end of a fork server for the kernels of one kernelspec command (``[python, flags..., -m, module, ...]``)."""

    def __init__(self, kernel_argv: list[str], imports: list[str], cwd: Path, log: Path):
        split = kernel_argv.index("-m")
        self.prefix, self.module = list(kernel_argv[:split]), kernel_argv[split + 1]
        self.log = Path(log)
        with self.log.open("wb") as out:  # the server keeps its own copy of the descriptor
            self.process = subprocess.Popen([*self.prefix, "-m", __name__, self.module, str(self.log)], cwd=str(cwd),
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=out,
                                            start_new_session=True, text=True, bufsize=1)
        self.ready = self.failed = False
        self._ask({"imports": "\n".join(dict.fromkeys([*KERNEL_IMPORTS, *imports]))}, wait=False)

    def serves(self, cmd: list[str]) -> bool:
        """Whether cmd is this server's kernel command: the same interpreter and flags, the same module."""
        split = len(self.prefix)
        return cmd[:split] == self.prefix and cmd[split:split + 2] == ["-m", self.module]

    def fork(self, cmd: list[str], cwd: str | None, env: dict[str, str] | None, log: str | None) -> int:
        """The pid of a new kernel running cmd (this server's command) in cwd with env, its output to log.

        A server that failed once (ended, refused, did not answer) is stopped and asked no more."""
        if self.failed:
            raise ForkServerError("the fork server failed before")
        try:
            if not self.ready:
                self._answer()  # the imports' answer: the fork waits for them
                self.ready = True
            answer = self._ask({"argv": cmd[len(self.prefix) + 2:], "cwd": cwd, "env": env, "log": log})
            if "pid" not in answer:
                raise ForkServerError(answer.get("error", "no pid"))
        except ForkServerError:
            self.failed = True
            self.kill()
            raise
        return answer["pid"]

    def close(self) -> None:
        """End the server (end of its input) and wait for it; killed if it does not end."""
        try:
            self.process.stdin.close()
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()

    def kill(self) -> None:
        self.process.kill()

    def _ask(self, request: dict, wait: bool = True) -> dict:
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
        except OSError as exc:
            raise ForkServerError(f"the fork server ended: {exc}") from None
        return self._answer() if wait else {}

    def _answer(self) -> dict:
        if not select.select([self.process.stdout], [], [], READY_SECONDS)[0]:
            raise ForkServerError(f"the fork server did not answer in {READY_SECONDS} s")
        line = self.process.stdout.readline()
        if not line:
            raise ForkServerError("the fork server ended")
        try:
            return json.loads(line)
        except ValueError:
            raise ForkServerError(f"the fork server answered {line[:80]!r}") from None


class Forked:
    """A forked kernel as jupyter_client's local provisioner sees its process (``subprocess.Popen``'s few methods).

    It is the fork server's child, not ours: it is found by its pid, which the server reaps as it ends.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid

    def poll(self) -> int | None:
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return 0  # its exit status went to the fork server
        except PermissionError:
            return 0  # the pid was reused by a process not ours: ours has ended
        return None

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired("kernel", timeout)
            time.sleep(0.02)
        return 0

    def send_signal(self, signum: int) -> None:
        os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


# ---------------------------------------------------------------- the server process


def serve(requests, answers) -> dict | None:
    """Answer requests until end of input (None); in a forked kernel, its request."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # kernels are reaped as they end
    for line in requests:
        request = json.loads(line)
        if "imports" in request:
            gc.disable()  # what the imports make lives on: collecting it meanwhile finds nothing
            _import(request["imports"])
            gc.freeze()  # the collector leaves what the imports made alone: a kernel does not copy it all on write
            gc.enable()
            answer = {"ready": True}
        elif threading.active_count() > 1:
            answer = {"error": f"{threading.active_count()} threads running: a fork would keep only one"}
        else:
            pid = os.fork()
            if pid == 0:
                return request
            answer = {"pid": pid}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()
    return None


def _import(code: str) -> None:
    for statement in code.splitlines():
        try:
            exec(statement, {})  # noqa: S102 - the templates' own import statements
        except Exception:  # noqa: BLE001 - the notebook fails on the same import, with the cell's error
            continue


def become_kernel(module: str, request: dict) -> None:
    """In the forked child: the kernel's session, output, folder and environment, then the module as __main__."""
    import runpy

    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # a kernel waits for its own subprocesses
    gc.set_threshold(*GC_THRESHOLD)  # a kernel runs one notebook, then ends
    os.setsid()
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    if request.get("log"):
        out = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(out, 1)
        os.dup2(out, 2)
        os.close(out)
    if request.get("cwd"):
        os.chdir(request["cwd"])
    if request.get("env") is not None:
        os.environ.clear()
        os.environ.update(request["env"])
    os.environ[PARENT] = str(os.getppid())
    sys.argv = [module, *request["argv"]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


def end_at_once() -> None:
    """Exit now, output flushed, without Python's clean-up (the server and each kernel end so): what it would free
    (the imports; a kernel's cases and figures) goes with the process anyway, and the render waits for the end."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(0)


def main() -> None:
    module = sys.argv[1]
    os.environ.update({k: v for k, v in KERNEL_ENV.items() if k not in os.environ})
    os.environ[PARENT] = str(os.getpid())
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # what an import prints goes to the log, not into the answers
    request = serve(sys.stdin, answers)
    answers.close()  # in a kernel: the render must see the end of the answers when the server ends
    if request is not None:
        become_kernel(module, request)
    end_at_once()


if __name__ == "__main__":
    main()
