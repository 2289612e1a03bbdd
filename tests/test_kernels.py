"""Warm kernels (issue 18 §2): in `caseseries render A B C`, each job's kernel is started, and its
imports done, while the job before it runs; each kernel runs one notebook.

Real renders through the command line in scratch copies of the fixture project, with TMPDIR of
their own: a kernel's command line names its connection file there, which is how a kernel left
behind is found. The sockets go to /tmp/caseseries-<pid>-* (render.SOCKETS).
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from conftest import FIXTURE_CASES, copy_fixture_project

from caseseries.outputs.kernels import template_imports, warm_up_code
from caseseries.outputs.render import SOCKETS

IDS = sorted(p.stem for p in FIXTURE_CASES.glob("*.yaml"))
PROGRESS = r"\[\d+/\d+\] [a-z0-9-]+: (executing case_report\.ipynb \.\.\.|wrote .* in [0-9.]+ s)"


def cli(root: Path, temp: Path, *args: str, popen: bool = False):
    """`caseseries ARGS` as a real process for the project at root, its temporary files in temp."""
    temp.mkdir(exist_ok=True)
    command = [sys.executable, "-m", "caseseries", *args]
    env = {**os.environ, "CASESERIES_ROOT": str(root), "TMPDIR": str(temp)}
    if popen:
        return subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
    return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=300)


def kernels_using(temp: Path) -> list[str]:
    import psutil

    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(process.info.get("cmdline") or [])
        if str(temp) in cmdline and "ipykernel" in cmdline:
            found.append(cmdline)
    return found


def assert_nothing_left(temp: Path, pid: int | None = None) -> None:
    assert kernels_using(temp) == [], "a kernel outlived the render"
    assert sorted(p.name for p in temp.iterdir()) == [], "left in the temp dir"
    if pid is not None:
        assert sorted(SOCKETS.glob(f"caseseries-{pid}-*")) == [], "a socket folder left"


def tiny_project(dest: Path, *cells: str) -> Path:
    """The fixture project with a report template of its own: a parameters cell, then `cells`."""
    root = copy_fixture_project(dest, notebooks=False)
    parameters = nbformat.v4.new_code_cell("case_id = None")
    parameters.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(cells=[parameters, *map(nbformat.v4.new_code_cell, cells)])
    nb.metadata["kernelspec"] = {"name": "caseseries", "display_name": "caseseries", "language": "python"}
    (root / "notebooks").mkdir()
    nbformat.write(nb, root / "notebooks" / "case_report.ipynb")
    return root


def printed(notebook: Path) -> str:
    nb = json.loads(notebook.read_text())
    return "".join("".join(o.get("text", "")) for c in nb["cells"] for o in c.get("outputs", []))


def test_warm_up_imports_the_templates_imports_and_binds_no_name():
    template = Path(__file__).resolve().parents[1] / "notebooks" / "case_report.ipynb"
    assert "from caseseries.outputs import report" in template_imports(template)
    code = warm_up_code(["import os.path", "from json import dumps"])
    namespace: dict = {}
    exec(code, namespace)  # noqa: S102 - what the kernel runs
    assert set(namespace) == {"__builtins__"}
    assert warm_up_code([]) == ""


def test_each_kernel_is_used_once_with_its_imports_done(tmp_path):
    root = tiny_project(
        tmp_path / "project",
        'import os, sys\nprint("imported ahead:", "caseseries.model.dates" in sys.modules)\n'
        'print("left:", [n for n in ("left_by_an_earlier_case", "caseseries", "_caseseries_warm_up") if n in dir()])\n'
        'print("pid:", os.getpid(), "parent:", os.getppid(), "session:", os.getsid(0))',
        "import caseseries.model.dates\nleft_by_an_earlier_case = case_id",
    )
    temp = tmp_path / "tmp"
    proc = cli(root, temp, "render", *IDS, popen=True)
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    pids, parents = set(), set()
    for case_id in IDS:
        text = printed(root / "reports" / "cases" / f"{case_id}.ipynb")
        assert "imported ahead: True" in text  # the template's imports were done before its first cell
        assert "left: []" in text, text  # nothing from the case before, nothing from the warm-up
        pid, parent, session = re.search(r"pid: (\d+) parent: (\d+) session: (\d+)", text).groups()
        pids.add(pid)
        parents.add(parent)
        assert session == pid  # a session of its own: no signal meant for the render reaches it
        nb = json.loads((root / "reports" / "cases" / f"{case_id}.ipynb").read_text())
        assert [c["execution_count"] for c in nb["cells"]] == [1, 2, 3, 4]  # the warm-up counts for nothing
    assert len(pids) == len(IDS)
    assert len(parents) == 1 and parents != {str(proc.pid)}  # forked from one fork server, not started by the render
    assert_nothing_left(temp)


def test_a_reports_cells_run_only_after_the_report_before_has_ended(tmp_path):
    """The next job is set up while one runs (its kernel forked, papermill connected) but holds its first cell
    until that job has ended: no two notebooks run at once."""
    root = tiny_project(
        tmp_path / "project",
        'import time\nprint("start", time.time())',
        'time.sleep(0.5)\nprint("end", time.time())',
    )
    temp = tmp_path / "tmp"
    out = cli(root, temp, "render", *IDS)
    assert out.returncode == 0, out.stderr
    spans = []
    for case_id in IDS:
        text = printed(root / "reports" / "cases" / f"{case_id}.ipynb")
        spans.append((float(re.search(r"start (\S+)", text).group(1)), float(re.search(r"end (\S+)", text).group(1))))
    assert len(spans) >= 3
    for (_, end), (start, _) in zip(spans, spans[1:]):
        assert start >= end, "a report's first cell ran before the report before had ended"
    assert_nothing_left(temp)


def test_kernels_start_as_usual_when_the_fork_server_is_gone(tmp_path):
    """A fork server that ended (killed, crashed) costs the warm start, not the render."""
    from caseseries.outputs import render
    from caseseries.outputs.forkserver import Forked
    from caseseries.outputs.kernels import Kernels

    sockets = Path(tempfile.mkdtemp(prefix="caseseries-test-", dir=SOCKETS))
    try:
        with Kernels([["import json"]] * 3, render.KERNEL, tmp_path, tmp_path, sockets) as pool:
            kernel = pool.take()  # forks the second kernel too, ahead
            assert isinstance(kernel.manager.provisioner.process, Forked)
            pool.run(kernel, lambda km: None)
            pool.forkserver.kill()
            pool.forkserver.process.wait()
            pool.run(pool.take(), lambda km: None)  # starts the third kernel, without the server
            kernel = pool.take()
            assert isinstance(kernel.manager.provisioner.process, subprocess.Popen)
            assert pool.run(kernel, lambda km: pool.loop.run_until_complete(km.is_alive())) is True
    finally:
        shutil.rmtree(sockets, ignore_errors=True)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """The fixture cases rendered by one `caseseries render` with the real template."""
    root = copy_fixture_project(tmp_path_factory.mktemp("batch"))
    temp = root.parent / "tmp"
    proc = cli(root, temp, "render", *IDS, popen=True)
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    return root, temp, proc.pid, stderr


def test_a_batch_leaves_no_kernel_and_prints_only_progress(batch):
    root, temp, pid, stderr = batch
    assert_nothing_left(temp, pid)
    assert [line for line in stderr.splitlines() if not re.fullmatch(PROGRESS, line)] == []


def test_a_batch_renders_what_one_case_at_a_time_renders(batch, tmp_path):
    """The second and third case ran on kernels started ahead; each alone gets a kernel of its own."""
    root, _, _, _ = batch
    alone = copy_fixture_project(tmp_path / "alone")
    for case_id in IDS[1:]:
        out = cli(alone, tmp_path / "tmp", "render", case_id)
        assert out.returncode == 0, out.stderr
        for suffix in (".ipynb", ".html"):
            name = f"reports/cases/{case_id}{suffix}"
            assert (alone / name).read_bytes() == (root / name).read_bytes(), name


@pytest.mark.parametrize("fault, said", [
    ('raise RuntimeError("broken on purpose")', "cell 4 ({line!r}) failed: RuntimeError: broken on purpose"),
    ("os._exit(3)", "the notebook did not run: DeadKernelError: Kernel died"),
    ('os.write(2, b"Traceback (most recent call last):\\nMemoryError: out of memory\\n"); os._exit(3)',
     "the notebook did not run: DeadKernelError: Kernel died; the kernel's last words: MemoryError: out of memory"),
], ids=["cell-fails", "kernel-dies", "kernel-says-why"])
def test_a_failure_mid_batch_says_one_line_and_stops_the_warm_kernels(tmp_path, fault, said):
    broken = IDS[1]
    line = f"if case_id == {broken!r}:"
    root = tiny_project(tmp_path / "project", "import os", f"{line}\n    {fault}")
    temp = tmp_path / "tmp"
    proc = cli(root, temp, "render", *IDS, popen=True)
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 1, stderr
    assert "Traceback" not in stderr
    assert stderr.splitlines()[-1] == f"caseseries: render {broken}: " + said.format(line=line)
    assert sorted(p.name for p in (root / "reports" / "cases").iterdir()) == [f"{IDS[0]}.html", f"{IDS[0]}.ipynb"]
    assert_nothing_left(temp, proc.pid)  # the third case's kernel, started while the second ran, too


def test_ctrl_c_mid_batch_leaves_no_kernel_and_no_temporary_folder(tmp_path):
    root = copy_fixture_project(tmp_path / "project")
    temp = tmp_path / "tmp"
    proc = cli(root, temp, "render", *IDS, popen=True)
    deadline = time.perf_counter() + 60
    while len(kernels_using(temp)) < 2:  # the first case's kernel and the next one, started while it runs
        assert proc.poll() is None and time.perf_counter() < deadline, proc.communicate()
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=30)
    time.sleep(0.3)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and stderr.rstrip().splitlines()[-1] == "caseseries: interrupted", stderr
    assert_nothing_left(temp, proc.pid)


def test_a_page_that_cannot_be_written_stops_the_case_running_beside_it(tmp_path):
    """A job's pages are written while the next job's notebook runs: when writing fails, that run is stopped too."""
    first = IDS[0]
    root = tiny_project(tmp_path / "project", "import os, time",
                        f"if case_id == {first!r}:\n    os.makedirs('reports/cases/{first}.html')\n"
                        "else:\n    time.sleep(20)")
    temp = tmp_path / "tmp"
    started = time.perf_counter()
    proc = cli(root, temp, "render", *IDS, popen=True)
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 1, stderr
    assert stderr.splitlines()[-1] == f"caseseries: render {first}: cannot write reports/cases/{first}.html: is a directory"
    assert time.perf_counter() - started < 20  # the second case's run was stopped, not waited for
    assert sorted(p.name for p in (root / "reports" / "cases").iterdir()) == [f"{first}.html", f"{first}.ipynb"]
    assert_nothing_left(temp, proc.pid)


def test_an_import_that_prints_leaves_the_fork_server_answering(tmp_path):
    """`import this` prints the Zen of Python when imported, as the fork server does ahead: that goes to its log."""
    root = tiny_project(tmp_path / "project", "import this", 'import os\nprint("parent:", os.getppid())')
    temp = tmp_path / "tmp"
    proc = cli(root, temp, "render", *IDS, popen=True)
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    parents = {re.search(r"parent: (\d+)", printed(root / "reports" / "cases" / f"{case_id}.ipynb")).group(1)
               for case_id in IDS}
    assert len(parents) == 1 and parents != {str(proc.pid)}  # still forked, from one server
    assert_nothing_left(temp, proc.pid)


# ---------------------------------------------------------------- a client ready without waiting for silence


def kernel_info_reply(request: str) -> dict:
    return {"msg_type": "kernel_info_reply", "parent_header": {"msg_id": request},
            "content": {"protocol_version": "5.3"}}


def status(state: str, request: str) -> dict:
    return {"msg_type": "status", "parent_header": {"msg_id": request}, "content": {"execution_state": state}}


class Replayed:
    """A channel that hands out the given messages in order; None is a silence (nothing within the timeout)."""

    def __init__(self, messages: list):
        self.messages = list(messages)

    async def get_msg(self, timeout=None):
        if not self.messages or self.messages[0] is None:
            if self.messages:
                self.messages.pop(0)
            raise queue.Empty
        return self.messages.pop(0)


def scripted_client(shell: list, iopub: list, alive: bool = True):
    """A ReadyClient talking to a script: its kernel_info requests are r1, r2, ...; its channels replay messages."""
    from caseseries.outputs.kernels import ReadyClient

    class Scripted(ReadyClient):
        shell_channel = property(lambda self: self._shell)
        iopub_channel = property(lambda self: self._iopub)

        def kernel_info(self):
            self.asked += 1
            return f"r{self.asked}"

        async def _async_is_alive(self):
            return alive

    client = Scripted()
    client._shell, client._iopub, client.asked = Replayed(shell), Replayed(iopub), 0
    return client


def test_a_kernel_is_ready_at_its_idle_status_for_kernel_info_not_after_a_silence():
    """jupyter_client's own client then reads IOPub until 0.2 s pass with nothing: this one stops at the idle status
    of its request, and what the kernel says after it is left for the notebook's run."""
    import asyncio

    later = {"msg_type": "stream", "parent_header": {"msg_id": "cell"}, "content": {"text": "x"}}
    client = scripted_client([kernel_info_reply("r1")], [status("busy", "r1"), status("idle", "r1"), later])
    asyncio.run(client.wait_for_ready(timeout=5))
    assert client.asked == 1
    assert client.iopub_channel.messages == [later]


def test_a_client_whose_iopub_is_not_connected_yet_asks_again_and_waits_for_its_own_request():
    """A subscriber misses what was published before it connected: no idle within 0.2 s means ask again; a late
    status of the first request does not make the second one ready."""
    import asyncio

    client = scripted_client([kernel_info_reply("r1"), status("busy", "x"), kernel_info_reply("r2")],
                             [None, status("idle", "r1"), status("busy", "r2"), status("idle", "r2")])
    asyncio.run(client.wait_for_ready(timeout=5))
    assert client.asked == 2
    assert client.iopub_channel.messages == []


@pytest.mark.parametrize("alive, message", [(False, "Kernel died before replying to kernel_info"),
                                            (True, "Kernel didn't respond in 0 seconds")])
def test_a_kernel_that_never_answers_fails_the_wait_as_jupyter_clients_own_would(alive, message):
    import asyncio

    client = scripted_client([], [], alive=alive)
    with pytest.raises(RuntimeError, match=message):
        asyncio.run(client.wait_for_ready(timeout=0))


def test_the_kernels_managers_make_ready_clients():
    from caseseries.outputs.kernels import OnceKernelManager, ReadyClient

    manager = OnceKernelManager(kernel_name="caseseries")
    client = manager.client()
    assert isinstance(client, ReadyClient) and manager.clients == [client]


def test_the_pools_event_loop_runs_one_coroutine_at_a_time_whichever_thread_asks(tmp_path):
    """The main thread takes the next job's kernel on the pool's loop while the job that just ended asks its kernel,
    from its own thread, to shut down on the same loop: the second waits for the first ("This event loop is
    already running" otherwise, seen in CI with notebooks that end at once)."""
    import asyncio
    import threading

    from caseseries.outputs.kernels import Kernels

    pool = Kernels([[]], "caseseries", tmp_path, tmp_path, tmp_path)
    pool.loop = asyncio.new_event_loop()  # as entering makes it
    inside = threading.Event()

    async def shutting_down():
        inside.set()
        await asyncio.sleep(0.3)
        return "asked to shut down"

    async def taking():
        return "taken"

    said = {}
    worker = threading.Thread(target=lambda: said.update(worker=pool._on_loop(shutting_down())))
    worker.start()
    assert inside.wait(10)
    said["main"] = pool._on_loop(taking())
    worker.join(10)
    pool.loop.close()
    assert said == {"worker": "asked to shut down", "main": "taken"}


def test_a_forked_kernel_ends_at_once_with_its_output_flushed_and_no_clean_up(tmp_path):
    """A kernel forked from the server ends as soon as its module returns: what it wrote reaches its log, and
    Python's clean-up (atexit, freeing every object), which the render would wait for, is skipped."""
    import psutil

    from caseseries.outputs.forkserver import ForkServer

    (tmp_path / "ends.py").write_text("import atexit, sys\n"
                                      "atexit.register(lambda: open('clean-up-ran', 'w').close())\n"
                                      "sys.stdout.write('last words, no newline')\n")
    server = ForkServer([sys.executable, "-m", "ends"], [], tmp_path, tmp_path / "server.log")
    try:
        pid = server.fork([sys.executable, "-m", "ends"], str(tmp_path), None, str(tmp_path / "kernel.log"))
        deadline = time.monotonic() + 30
        while True:
            try:
                if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                    break
            except psutil.NoSuchProcess:  # ended and reaped by the server
                break
            assert time.monotonic() < deadline, "the kernel did not end"
            time.sleep(0.05)
    finally:
        server.close()
    assert server.process.returncode == 0
    assert (tmp_path / "kernel.log").read_text() == "last words, no newline"
    assert not (tmp_path / "clean-up-ran").exists()


def test_the_server_imports_with_the_collector_off_and_a_kernel_collects_less_often(tmp_path):
    """The imports run with the collector off and are frozen (nothing of them is collected or copied on write);
    a forked kernel has the collector on, at forkserver.GC_THRESHOLD: it runs one notebook, then ends."""
    import json as _json

    from caseseries.outputs.forkserver import GC_THRESHOLD, ForkServer

    (tmp_path / "probe.py").write_text("import gc, json\n"
                                       "json.dump({'enabled': gc.isenabled()}, open('imports.json', 'w'))\n")
    (tmp_path / "kernel.py").write_text("import gc, json\n"
                                        "json.dump({'enabled': gc.isenabled(), 'threshold': gc.get_threshold(),\n"
                                        "           'frozen': gc.get_freeze_count()}, open('kernel.json', 'w'))\n")
    server = ForkServer([sys.executable, "-m", "kernel"], ["import probe"], tmp_path, tmp_path / "server.log")
    try:
        server.fork([sys.executable, "-m", "kernel"], str(tmp_path), None, str(tmp_path / "kernel.log"))
        deadline = time.monotonic() + 30
        while not (tmp_path / "kernel.json").exists() or not (tmp_path / "kernel.json").read_text():
            assert time.monotonic() < deadline, "the kernel did not run"
            time.sleep(0.05)
    finally:
        server.close()
    assert _json.loads((tmp_path / "imports.json").read_text()) == {"enabled": False}
    kernel = _json.loads((tmp_path / "kernel.json").read_text())
    assert kernel["enabled"] and tuple(kernel["threshold"]) == GC_THRESHOLD and kernel["frozen"] > 0
