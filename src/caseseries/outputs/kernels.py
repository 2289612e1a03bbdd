"""The Jupyter kernels a render runs its notebooks in: each used once, the next made ready while the current runs.

Kernels talk to this process over Unix sockets (ZeroMQ IPC), not TCP on localhost: only this
user can connect, and ipykernel has no unencrypted TCP to warn about. A socket path may not be
longer than 107 bytes, so the sockets go to a short folder of their own (render.py makes it
under /tmp); the connection files go to the render's temporary folder.

Kernels are forked from a fork server that has done every job's imports once
(:mod:`caseseries.outputs.forkserver`), or launched as the kernelspec says when it cannot serve.
:class:`Kernels` starts a job's kernel when the job is taken (render.run takes the next job while
the current one runs) and runs in it, silently, the imports of that job (:func:`warm_up_code`),
through a client of its own that is closed in the thread that made it: a ZeroMQ socket belongs to
one thread (handing the warm-up client on to nbclient's thread made libzmq abort now and then,
"signaler.cpp:238"). A job then starts on a kernel whose start-up and heavy imports are done;
nbclient connects its own client, a :class:`ReadyClient`. Each kernel runs one notebook and is then
shut down: nothing passes from one report to the next.

A kernel process's own output (ipykernel's warnings and the tracebacks of its shutdown, not a
cell's output, which reaches the notebook) goes to a log beside its connection file: a render
prints one line per report, and a failed one names the last line its kernel wrote.

A kernel is stopped by a shutdown request alone. jupyter_client's own ``shutdown_kernel``
interrupts the kernel first (SIGINT), and ipykernel logs "KeyboardInterrupt caught in kernel"
when that signal lands while it is still handling the last message.
"""

from __future__ import annotations

import ast
import asyncio
import json
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from jupyter_client import AsyncKernelClient, AsyncKernelManager
from traitlets import Any, List, Type

from caseseries.outputs.forkserver import Forked, ForkServer, ForkServerError

HISTORY = ["--HistoryManager.hist_file=:memory:"]  # as nbclient starts its kernels: no history database
READY_SECONDS = 120  # start-up and imports; a kernel not ready by then fails its job


class ReadyClient(AsyncKernelClient):
    """A kernel client that is ready once the kernel has answered kernel_info and said on IOPub that it is idle
    after that request.

    jupyter_client's own wait then waits for 0.2 s of silence on IOPub: a fixed 0.2 s before every
    report's first cell, about a fifth of a report in a batch. The idle status of the request says the
    same thing sooner: the kernel has nothing more to say about it. The checks are the same as
    upstream's: ask again while IOPub is not yet connected (nothing arrives), fail when the kernel
    dies or the timeout passes.
    """

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            request = self.kernel_info()
            reply = await self._reply(request)
            if reply is not None and await self._idle_after(request):
                self._handle_kernel_info_reply(reply)
                return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")

    async def _reply(self, request: str) -> dict | None:
        """The kernel's reply to the request, or None when none comes within a second."""
        while True:
            try:
                msg = await self.shell_channel.get_msg(timeout=1)
            except queue.Empty:
                return None
            if msg["parent_header"].get("msg_id") == request and msg["msg_type"] == "kernel_info_reply":
                return msg

    async def _idle_after(self, request: str) -> bool:
        """Whether IOPub brings the kernel's idle status for the request (False: nothing within 0.2 s, not yet
        connected)."""
        while True:
            try:
                msg = await self.iopub_channel.get_msg(timeout=0.2)
            except queue.Empty:
                return False
            if (msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle"
                    and msg["parent_header"].get("msg_id") == request):
                return True


class OnceKernelManager(AsyncKernelManager):
    """The manager of a kernel for one notebook: keeps every client it made, to stop them with the kernel;
    its clients are :class:`ReadyClient`."""

    client_factory = Type(ReadyClient, klass=AsyncKernelClient)
    clients = List()
    forkserver = Any(None)  # a ForkServer the kernel is forked from; else (or when it fails) launched as usual

    def client(self, **kwargs) -> AsyncKernelClient:
        client = super().client(**kwargs)
        self.clients.append(client)
        return client

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        """Fork the kernel from the fork server when it serves this command; set up as the local provisioner would."""
        if self.forkserver is None or not self.forkserver.serves(kernel_cmd):
            return await super()._async_launch_kernel(kernel_cmd, **kw)
        try:
            pid = self.forkserver.fork(kernel_cmd, kw.get("cwd"), kw.get("env"), getattr(kw.get("stdout"), "name", None))
        except ForkServerError:
            return await super()._async_launch_kernel(kernel_cmd, **kw)
        provisioner = self.provisioner
        provisioner.process, provisioner.pid, provisioner.pgid = Forked(pid), pid, pid  # its own session: pgid = pid
        provisioner.cwd = kw.get("cwd")
        self._reconcile_connection_info(provisioner.connection_info)


@dataclass
class Kernel:
    """One job's kernel: its manager (for nbclient's ``km=``), the thread making it ready, or why it failed."""

    index: int
    manager: OnceKernelManager
    preparing: threading.Thread | None = None
    error: BaseException | None = None
    retired: bool = False  # its clients stopped, asked to shut down


def warm_up_code(imports: list[str]) -> str:
    """Code that runs the import statements in a function, so that they bind no name in the kernel's namespace."""
    if not imports:
        return ""
    body = "".join(f"    {statement}\n" for statement in dict.fromkeys(imports))
    return f"def _caseseries_warm_up():\n{body}\n_caseseries_warm_up()\ndel _caseseries_warm_up\n"


def template_imports(template: Path) -> list[str]:
    """The import statements at the top level of a notebook template's code cells (cells with magics skipped)."""
    nb = json.loads(Path(template).read_text(encoding="utf-8"))
    imports = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        try:
            tree = ast.parse("".join(source) if isinstance(source, list) else source)
        except SyntaxError:
            continue
        imports += [ast.unparse(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))
                    and getattr(node, "level", 0) == 0 and getattr(node, "module", None) != "__future__"]
    return imports


class Kernels:
    """Kernels for a list of jobs in order (the import statements of each given, and what each kernel's environment
    has beyond this process's): :meth:`take` one per job.

    Entering starts the fork server (:mod:`caseseries.outputs.forkserver`: the imports of every job,
    done once), then, while it imports, works out the kernels' environments by calling ``envs``
    (a render checks its case files there: no kernel has started if that fails), and without a server
    starts the first kernel; taking kernel n starts it if it is not started yet
    (render.run takes a job's kernel while the job before runs). Kernels are launched and waited for
    on this object's event loop in the thread that takes them (the main thread, which alone receives
    Ctrl-C: no kernel starts after it), and asked to shut down on it by the thread that ran the job,
    one coroutine at a time; each is made ready in a thread of its own. Leaving shuts every kernel
    down by a shutdown request; leaving on an interrupt (Ctrl-C) kills them.
    """

    def __init__(self, imports: list[list[str]], kernel_name: str, cwd: Path, folder: Path, sockets: Path,
                 envs: Callable[[], list[dict[str, str]]] | None = None):
        self.warm_ups = [warm_up_code(statements) for statements in imports]
        self.imports = list(dict.fromkeys(statement for statements in imports for statement in statements))
        self.forkserver: ForkServer | None = None
        self._envs = envs or (lambda: [{} for _ in imports])  # each kernel's environment beyond this process's
        self.envs: list[dict[str, str]] = []
        self.kernel_name = kernel_name
        self.cwd = Path(cwd)
        self.folder = Path(folder)
        self.sockets = Path(sockets)
        self.kernels: list[Kernel] = []
        self.taken = 0
        self.turns = threading.Lock()  # the event loop runs one coroutine at a time: see _on_loop

    def __enter__(self) -> Kernels:
        import zmq.asyncio

        self.loop = asyncio.new_event_loop()
        self.context = zmq.asyncio.Context()
        self.forkserver = self._forkserver()
        try:
            self.envs = self._envs()
        except BaseException as exc:  # the server stopped as on leaving: killed on Ctrl-C
            self.__exit__(type(exc), exc, exc.__traceback__)
            raise
        if self.forkserver is None:
            self._start_up_to(1)
        return self

    def __exit__(self, kind, exc, tb) -> None:
        if kind is not None and not issubclass(kind, Exception):
            self.kill()  # Ctrl-C, SIGTERM: worker threads may still be talking to the kernels
        else:
            self.close()

    def take(self) -> Kernel:
        """The next job's kernel, started now if it was not yet (maybe not ready yet)."""
        self.taken += 1
        self._start_up_to(self.taken)
        self._on_loop(self._reap())
        return self.kernels[self.taken - 1]

    def run(self, kernel: Kernel, execute):
        """execute(manager) once the kernel is ready (in a worker thread); then the kernel is asked to shut down."""
        try:
            kernel.preparing.join()
            if kernel.error is not None:
                raise kernel.error
            return execute(kernel.manager)
        finally:
            self._retire(kernel)

    def close(self) -> None:
        """Shut every kernel down and clean up: a used kernel by a shutdown request (then wait; killed if it does
        not end), a kernel no job used by a kill (it ran only its imports, and may be busy with them: a
        shutdown request would close its sockets under the running import, which ipykernel reports)."""
        unused = [kernel for kernel in self.kernels if not kernel.retired]
        for kernel in unused:
            self._on_loop(self._kill(kernel))
        for kernel in unused:
            kernel.preparing.join()  # it ends with its kernel
            self._retire(kernel, request=False)
        self._on_loop(self._reap(wait=True))
        if self.forkserver is not None:
            self.forkserver.close()
        self.context.destroy(linger=0)
        self.loop.close()

    def kill(self) -> None:
        """Kill every kernel at once, without the event loop (a worker thread may be inside it)."""
        import psutil

        if self.forkserver is not None:
            self.forkserver.kill()
        for kernel in self.kernels:
            pid = getattr(kernel.manager.provisioner, "pid", None)
            if pid is None or kernel.manager.provisioner.process is None:
                continue  # never started, or ended and waited for
            try:
                process = psutil.Process(pid)
                for each in [*process.children(recursive=True), process]:
                    each.kill()
            except psutil.Error:
                continue

    def log(self, kernel: Kernel) -> Path:
        """The file the kernel process writes its own output to (not a cell's: that reaches the notebook)."""
        return self.folder / f"kernel-{kernel.index}.log"

    def last_words(self, kernel: Kernel) -> str:
        """The last line the kernel process wrote (why a kernel that died or did not start ended), or ""."""
        try:
            lines = self.log(kernel).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return ""
        return next((line.strip() for line in reversed(lines) if line.strip()), "")

    def _forkserver(self) -> ForkServer | None:
        """The fork server the kernels are forked from, its imports under way; None if the kernelspec runs no module
        (``-m``) or the server cannot start: the kernels are then launched as usual."""
        from jupyter_client.kernelspec import KernelSpecManager

        try:
            argv = KernelSpecManager().get_kernel_spec(self.kernel_name).argv
            if "-m" not in argv:
                return None
            return ForkServer(argv, self.imports, self.cwd, self.folder / "forkserver.log")
        except Exception:  # noqa: BLE001 - no spec, no interpreter: the launch as usual says why
            return None

    def _start_up_to(self, n: int) -> None:
        while len(self.kernels) < min(n, len(self.warm_ups)):
            index = len(self.kernels)
            manager = OnceKernelManager(kernel_name=self.kernel_name, transport="ipc", context=self.context,
                                        ip=str(self.sockets / f"k{index}"),
                                        connection_file=str(self.folder / f"kernel-{index}.json"),
                                        forkserver=self.forkserver)
            kernel = Kernel(index, manager)
            self.kernels.append(kernel)
            try:
                extra = {"env": {**os.environ, **self.envs[index]}} if self.envs[index] else {}
                with self.log(kernel).open("wb") as log:  # the child keeps its own copy of the descriptor
                    self._on_loop(manager.start_kernel(
                        extra_arguments=HISTORY, cwd=str(self.cwd), stdout=log, stderr=log, **extra))
            except Exception as exc:  # noqa: BLE001 - raised in the job that uses this kernel
                kernel.error = exc
            kernel.preparing = threading.Thread(target=self._prepare, args=(kernel,), daemon=True,
                                                name=f"caseseries-kernel-{index}")
            kernel.preparing.start()

    def _on_loop(self, work):
        """Run a coroutine on this object's event loop and return its result, one at a time: the main thread
        takes the next job's kernel while the running job's worker thread asks its kernel to shut down."""
        with self.turns:
            return self.loop.run_until_complete(work)

    def _prepare(self, kernel: Kernel) -> None:
        """Make the kernel ready (its warm-up done); an error is kept for its job."""
        if kernel.error is None:
            try:
                asyncio.run(self._ready(kernel))
            except Exception as exc:  # noqa: BLE001 - raised in the job that uses this kernel
                kernel.error = exc

    async def _ready(self, kernel: Kernel) -> None:
        manager = kernel.manager
        code = self.warm_ups[kernel.index]
        if not code:
            return
        client = manager.client()
        manager.clients.remove(client)  # closed here, in the thread that made it
        client.start_channels(hb=False)
        try:
            warm_up = client.execute(code, silent=True, store_history=False, allow_stdin=False, stop_on_error=False)
            deadline = asyncio.get_running_loop().time() + READY_SECONDS
            while await manager.is_alive() and asyncio.get_running_loop().time() < deadline:
                try:
                    reply = await client.get_shell_msg(timeout=0.1)
                except queue.Empty:
                    continue
                if reply["parent_header"].get("msg_id") == warm_up:
                    break  # its status may be an error: the notebook then fails on the same import
        finally:
            client.stop_channels()

    def _retire(self, kernel: Kernel, request: bool = True) -> None:
        """Stop the kernel's clients and ask it to shut down (it ends by itself; :meth:`_reap` waits for it)."""
        if kernel.retired:
            return
        kernel.retired = True
        for client in kernel.manager.clients:
            client.stop_channels()
        if request:
            self._on_loop(self._request_shutdown(kernel))

    async def _request_shutdown(self, kernel: Kernel) -> None:
        if kernel.manager.has_kernel and await kernel.manager.is_alive():
            await kernel.manager.request_shutdown()

    async def _kill(self, kernel: Kernel) -> None:
        if kernel.manager.has_kernel and await kernel.manager.is_alive():
            await kernel.manager.provisioner.kill()

    async def _reap(self, wait: bool = False) -> None:
        """Wait for the retired kernels that ended (with `wait`, for all of them) and remove their files."""
        for kernel in self.kernels:
            manager = kernel.manager
            if kernel.retired and manager.has_kernel and (wait or not await manager.is_alive()):
                await manager.finish_shutdown()  # kills a kernel that does not end in time
                await manager.cleanup_resources()
