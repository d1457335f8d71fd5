"""Runs inside the sandbox and judges one candidate program against a problem's tests.

The candidate never runs in this process: it runs in worker processes that answer calls over a
private pipe, and this process evaluates the tests and writes the results in frames authenticated
with a token only it knows. Nothing the candidate prints, exits with, patches or writes into the
report can forge a pass; what it returns is judged at a cost bounded by the test's time limit.
Workers are forked from a zygote made before the judge reads its input, so none holds the token
or the tests.

Given `"draw": [problem, ...]` instead (once per problem), it draws the property-based tests'
inputs with hypothesis, and the reference's outputs on them, for the host to replay to every
candidate of the problem.

Standalone on purpose (standard library and hypothesis only): it is copied into the sandbox.
"""

from __future__ import annotations

import ast
import atexit
import builtins
import contextlib
import ctypes
import functools
import hashlib
import hmac
import json
import math
import os
import select
import shutil
import signal
import socket
import sys
import time
import traceback
import types
from collections.abc import Callable, Generator, Iterator
from typing import Any

MAX_MESSAGE = 16 * 1024 * 1024
MAX_TEXT = 2000
sys.set_int_max_str_digits(0)  # in the candidate's processes; the judge keeps Python's limit
# What the judge accepts in one answer: it compares, hashes and shows nothing larger.
MAX_DEPTH = 100  # levels of nesting
MAX_ITEMS = 1_000_000  # values at all levels together
MAX_INT_BITS = 1 << 20  # about 315,000 decimal digits
MAX_STRING = 1 << 22  # characters of one string (bytes cross as hex: half as many)
SHOWN_INT_BITS = 6000  # larger ints are shown by their size: their digits cost quadratic time
SHOWN_DEPTH = 50
STARTED = time.monotonic()  # about when the sandbox run started, for the run's time budget
ZYGOTE_SECONDS = 5.0  # a fork, a kill or a reset's cleaning takes the zygote far less


# --- values across the pipe: plain data only, so a returned object cannot smuggle an __eq__ ------


def encode(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 63:
        return {"int": hex(value)}  # a JSON reader outside the sandbox may refuse long digits
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return {"float": repr(float(value))}
    if isinstance(value, list):
        return [encode(item) for item in value]
    if isinstance(value, tuple):
        return {"tuple": [encode(item) for item in value]}
    if isinstance(value, dict):
        return {"dict": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, set | frozenset):
        return {"set": [encode(item) for item in value]}
    if isinstance(value, bytes):
        return {"bytes": value.hex()}
    raise TypeError(f"a {type(value).__name__} cannot cross the sandbox boundary")


def decode(data: Any) -> Any:
    if isinstance(data, list):
        return [decode(item) for item in data]
    if not isinstance(data, dict):
        return data
    (tag, payload), *_ = data.items()
    if tag == "float":
        return float(payload)
    if tag == "int":
        return int(payload, 16)
    if tag == "tuple":
        return tuple(decode(item) for item in payload)
    if tag == "dict":
        return {decode(k): decode(v) for k, v in payload}
    if tag == "set":
        return {decode(item) for item in payload}
    return bytes.fromhex(payload)


def short(value: Any) -> str:
    if not isinstance(value, str):
        return show(value)
    return value if len(value) <= MAX_TEXT else value[:MAX_TEXT] + f"... [{len(value)} chars]"


# --- bounded values: an answer costs the judge at most its test's time to compare or show -------


def oversized(data: Any) -> str | None:
    """Why an answer, as it crossed the pipe (see `encode`), is too large to judge; None if it
    is not. Checked before it is decoded, so no `==`, hash or repr ever meets a larger value.
    (A JSON int has at most Python's digit limit: the judge's `json.loads` keeps it.)"""
    stack, items = [(data, 0)], 0
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return f"nested more than {MAX_DEPTH} levels deep"
        if type(node) is dict:  # a tagged value: {"int": hex}, {"tuple": [...]}, ...
            for tag, payload in node.items():
                if tag == "int" and type(payload) is str and len(payload) * 4 > MAX_INT_BITS:
                    return f"an int of more than {MAX_INT_BITS} bits"
                stack.append((payload, depth + 1))
        elif type(node) is str and len(node) > MAX_STRING:
            return f"a string of more than {MAX_STRING} characters"
        elif type(node) is list:
            items += len(node)
            if items > MAX_ITEMS:
                return f"more than {MAX_ITEMS} values"
            for item in node:  # one pass over the scalars, which are most of a large value
                kind = type(item)
                if kind is list or kind is dict:
                    stack.append((item, depth + 1))
                elif kind is str and len(item) > MAX_STRING:
                    return f"a string of more than {MAX_STRING} characters"
    return None


def show(value: Any, limit: int = MAX_TEXT - 3) -> str:
    """`repr(value)` when it fits in `limit` characters, else its first `limit` and "...": at a
    cost bounded by `limit`, not by the value (a huge int is shown by its size, since its
    digits cost quadratic time)."""
    pieces, size = [], 0
    for piece in _pieces(value, 0):
        pieces.append(piece)
        size += len(piece)
        if size > limit:
            return "".join(pieces)[:limit] + "..."
    return "".join(pieces)


_BRACKETS: dict[type, tuple[str, str]] = {
    list: ("[", "]"),
    tuple: ("(", ")"),
    set: ("{", "}"),
    frozenset: ("frozenset({", "})"),
    dict: ("{", "}"),
}


def _pieces(value: Any, depth: int) -> Iterator[str]:
    kind = type(value)
    if depth > SHOWN_DEPTH:
        yield "..."
    elif kind in _BRACKETS and value:
        start, end = _BRACKETS[kind]
        yield start
        for index, item in enumerate(value.items() if kind is dict else value):
            if index:
                yield ", "
            if kind is dict:
                yield from _pieces(item[0], depth + 1)
                yield ": "
                yield from _pieces(item[1], depth + 1)
            else:
                yield from _pieces(item, depth + 1)
        yield "," + end if kind is tuple and len(value) == 1 else end
    elif kind is int and value.bit_length() > SHOWN_INT_BITS:
        yield f"<an int of {value.bit_length()} bits>"
    elif kind in (str, bytes) and len(value) > MAX_TEXT:
        yield repr(value[:MAX_TEXT])[:-1]  # no closing quote: it goes on
        yield "..."
    else:
        try:
            yield repr(value)
        except Exception:  # e.g. an int subclass past Python's digit limit
            yield f"<a {kind.__name__} that cannot be shown>"


# --- the worker: loads the candidate and answers calls ------------------------------------------


def _send(fd: int, message: dict[str, Any]) -> None:
    _write_all(fd, (json.dumps(message) + "\n").encode())


def _write_all(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data) :]


def worker(request_fd: int, response_fd: int) -> None:
    requests = os.fdopen(request_fd, "rb")
    load = json.loads(requests.readline())
    namespace: dict[str, Any] = {"__name__": "solution"}
    try:
        exec(compile(load["source"], "solution.py", "exec"), namespace)
        function = namespace[load["entry_point"]]
    except BaseException as exc:  # the candidate's own failure, reported as data
        _send(response_fd, {"loaded": False, "error": _describe(exc)})
        return
    _send(response_fd, {"loaded": True})
    for line in requests:
        for call in json.loads(line)["calls"]:
            try:
                result = function(*decode(call["args"]), **decode(call["kwargs"]))
                message: dict[str, Any] = {"value": encode(result)}
            except BaseException as exc:
                message = {"raised": type(exc).__name__, "error": _describe(exc)}
            _send(response_fd, message)


def _describe(exc: BaseException) -> str:
    return short(_traceback(exc))


def _traceback(exc: BaseException) -> str:
    """`exc`'s traceback without source lines: whether harness.py is still on disk when it is
    formatted (a reset removes the files the candidate's user owns, which under Docker include
    it) must not make a candidate's evidence depend on its place in a batch."""
    described = traceback.TracebackException.from_exception(exc)
    todo, seen = [described], set()
    while todo:
        item = todo.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        item.stack = traceback.StackSummary.from_list(
            [
                traceback.FrameSummary(frame.filename, frame.lineno, frame.name, line="")
                for frame in item.stack
            ]
        )
        todo += [chained for chained in (item.__cause__, item.__context__) if chained]
        todo += item.exceptions or []
    return "".join(described.format())


def _run_main(load_fd: int) -> None:
    """Run the program read from `load_fd` as `__main__` on fds 0-2, like `python -I -c`, then
    exit with its status: a fork of a warm interpreter instead of a fresh one (~30 ms)."""
    with os.fdopen(load_fd, "rb") as load:
        source = load.read().decode()
    # fds 0-2 are the case's pipes now; the streams made at the interpreter's start are stale
    sys.stdin = open(0, closefd=False)  # noqa: SIM115
    sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", closefd=False, errors="backslashreplace")  # noqa: SIM115
    sys.argv = ["-c"]
    module = types.ModuleType("__main__")
    sys.modules["__main__"] = module
    code = 0
    try:
        exec(compile(source, "<string>", "exec"), module.__dict__)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
        if not isinstance(exc.code, int | None):
            print(exc.code, file=sys.stderr)
    except BaseException as exc:
        sys.stderr.write(_traceback(exc))
        code = 1
    with contextlib.suppress(BaseException):
        atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BaseException):
            stream.flush()
    os._exit(code & 0xFF)


def _fork_program(channel: socket.socket) -> tuple[int, list[int]]:
    """A session running one whole program: its leader only waits for the program and writes
    its exit status to a pipe, since the zygote's children are reaped by the kernel."""
    load, stdin, stdout, stderr, status = (os.pipe() for _ in range(5))
    ours = [load[0], stdin[0], stdout[1], stderr[1], status[1]]
    theirs = [load[1], stdin[1], stdout[0], stderr[0], status[0]]
    pid = os.fork()
    if pid == 0:
        try:
            channel.close()
            for fd in theirs:
                os.close(fd)
            os.setsid()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            program = os.fork()
            if program == 0:
                os.close(status[1])
                for fd, target in ((stdin[0], 0), (stdout[1], 1), (stderr[1], 2)):
                    os.dup2(fd, target)
                    os.close(fd)
                _run_main(load[0])
            for fd in ours:
                if fd != status[1]:
                    os.close(fd)
            _, wait_status = os.waitpid(program, 0)
            os.write(status[1], str(os.waitstatus_to_exitcode(wait_status)).encode())
        finally:
            os._exit(0)
    for fd in ours:
        os.close(fd)
    return pid, theirs


def _fork_worker(channel: socket.socket) -> tuple[int, list[int]]:
    request_r, request_w = os.pipe()
    response_r, response_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        channel.close()
        os.close(request_w)
        os.close(response_r)
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        try:
            worker(request_r, response_w)
        finally:
            os._exit(0)
    os.close(request_r)
    os.close(response_w)
    return pid, [request_w, response_r]


def zygote(channel: socket.socket) -> None:
    """Serve the judge: fork a worker (b"w") or a whole-program run (b"p") and hand its pipes
    back; kill processes (b"k") and clear what a candidate left (b"c"), which the judge, another
    user, may not do itself. Forked before the judge reads anything, so its children start
    clean, and each costs a fork rather than a Python start."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the workers
    channel.sendall(b"+")  # isolated and ready: the judge trusts no zygote that never says so
    while kind := channel.recv(1):
        if kind == b"k":
            size = int.from_bytes(_receive(channel, 4), "big")
            for pid in map(int, _receive(channel, size).split()):
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)  # a negative pid is a worker's whole session
            channel.sendall(b".")
        elif kind == b"c":
            channel.sendall(b"1" if _clear() else b"0")
        else:
            pid, fds = (_fork_program if kind == b"p" else _fork_worker)(channel)
            socket.send_fds(channel, [str(pid).encode()], fds)
            for fd in fds:
                os.close(fd)


def _receive(channel: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = channel.recv(size - len(data))
        if not chunk:
            raise EOFError("the judge is gone")
        data += chunk
    return data


class Zygote:
    """The judge's handle on the zygote process, which runs as `user` when one is given."""

    def __init__(self, user: int | None) -> None:
        self.channel, theirs = socket.socketpair()
        self.pid = os.fork()
        if self.pid == 0:
            self.channel.close()
            try:
                _confine(user)
                zygote(theirs)
            finally:
                os._exit(0)
        theirs.close()
        # A candidate may stop the zygote (it shares its uid): then no request may wait forever.
        self.channel.settimeout(ZYGOTE_SECONDS)
        self.broken = False  # a request failed: the zygote is out of step or gone, use it no more
        if self.channel.recv(1) != b"+":
            raise RuntimeError("the zygote could not isolate itself")

    def _ask(self, request: bytes, answer: Callable[[], Any]) -> Any:
        if self.broken:
            raise OSError("the zygote stopped answering")
        try:
            with _alarm_held():  # a test's limit passing mid-exchange would leave it out of step
                self.channel.sendall(request)
                return answer()
        except OSError:
            self.broken = True
            raise

    def _spawn(self, kind: bytes, count: int) -> tuple[int, list[int]]:
        try:
            data, fds, _, _ = self._ask(kind, lambda: socket.recv_fds(self.channel, 32, count))
        except OSError as exc:
            raise CandidateError("error", "no worker could be started") from exc
        if len(fds) != count:
            raise CandidateError("error", "no worker could be started")
        return int(data), fds

    def worker(self) -> tuple[int, int, int]:
        """A new worker: (pid, request fd to write, response fd to read)."""
        pid, (request_w, response_r) = self._spawn(b"w", 2)
        return pid, request_w, response_r

    def program(self) -> tuple[int, list[int]]:
        """A new whole-program run: (session pid, [source and stdin fds to write, stdout,
        stderr and exit status fds to read])."""
        return self._spawn(b"p", 5)

    def kill(self, pids: list[int]) -> None:
        """SIGKILL each pid (a negative one: a session), and wait until the zygote has. A gone
        zygote kills nothing: the reset then finds it dead and ends the batch."""
        payload = " ".join(map(str, pids)).encode()
        with contextlib.suppress(OSError):
            request = b"k" + len(payload).to_bytes(4, "big") + payload
            self._ask(request, lambda: self.channel.recv(1))

    def clear(self) -> bool:
        """Ask the zygote to empty the writable directories and remove SysV IPC objects."""
        try:
            return bool(self._ask(b"c", lambda: self.channel.recv(1)) == b"1")
        except OSError:
            return False


# --- the judge's side of a worker --------------------------------------------------------------


class Enough(BaseException):
    """Stops a draw that has tried enough inputs; a BaseException, as Skipped below."""


class Skipped(BaseException):
    """A test that cannot judge candidates (its reference is too slow to draw with); neither a
    pass nor a fail. A BaseException, so hypothesis stops at once instead of shrinking it."""


class Mismatch(AssertionError):
    """An equality test failed; carries both sides (as repr) so the evidence can show them."""

    def __init__(self, expected: str, actual: str, context: str = "") -> None:
        self.expected, self.actual = expected, actual
        lines = [context] if context else []
        super().__init__(
            "\n".join([*lines, f"expected: {short(expected)}", f"actual:   {short(actual)}"])
        )


class OutOfTime(BaseException):
    """The test's time is up. A BaseException, so neither test code nor hypothesis swallows it."""


class CandidateError(Exception):
    """The candidate could not answer a call: it raised, crashed, hung or failed to load."""

    def __init__(self, status: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status


class Worker:
    """A candidate (or reference) loaded in its own process, called like a function."""

    def __init__(self, source: str, entry_point: str, zygote: Zygote, call_timeout: float) -> None:
        self.source, self.entry_point, self.zygote = source, entry_point, zygote
        self.call_timeout = call_timeout
        self.pid: int | None = None
        self.deadline = math.inf  # of the whole test; each call also has `call_timeout`
        self.call_deadline = math.inf
        # The current test's last call: arguments, and its result shown when evidence needs it.
        self.last_call: tuple[tuple[Any, ...], dict[str, Any], Callable[[], str]] | None = None

    def _start(self) -> None:
        with _alarm_held():
            self.pid, self._request_w, self._response_r = self.zygote.worker()
        self._buffer = bytearray()
        self._write({"source": self.source, "entry_point": self.entry_point})
        loaded = self._read()
        if not loaded.get("loaded"):
            self.stop()
            raise CandidateError("error", f"the program failed to load:\n{loaded.get('error')}")

    def stop(self) -> None:
        with _alarm_held():
            if self.pid is not None:
                self.zygote.kill([-self.pid])  # the worker leads its own session
                os.close(self._request_w)
                os.close(self._response_r)
                self.pid = None

    def _write(self, message: dict[str, Any]) -> None:
        try:
            _send(self._request_w, message)
        except OSError as exc:
            self.stop()
            raise CandidateError("error", "the program exited before answering") from exc

    def _read(self) -> dict[str, Any]:
        scanned = 0  # a long answer arrives in many chunks: each is searched and copied once
        while (end := self._buffer.find(b"\n", scanned)) < 0:
            scanned = len(self._buffer)
            remaining = min(self.deadline, self.call_deadline) - time.monotonic()
            ready, _, _ = select.select([self._response_r], [], [], max(remaining, 0))
            if not ready:
                self.stop()
                raise OutOfTime("the call did not return before the test's time limit")
            chunk = os.read(self._response_r, 65536)
            if not chunk or len(self._buffer) > MAX_MESSAGE:
                self.stop()
                raise CandidateError(
                    "error", "the program exited (or flooded) instead of answering"
                )
            self._buffer += chunk
        line = self._buffer[:end]
        del self._buffer[: end + 1]
        try:
            message = json.loads(line)
        except (ValueError, RecursionError) as exc:  # e.g. digits past Python's limit
            self.stop()
            raise CandidateError("error", "the program sent a malformed answer") from exc
        if not isinstance(message, dict):
            self.stop()
            raise CandidateError("error", "the program sent a malformed answer")
        return message

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return next(self.each([(args, kwargs)]))

    def each(
        self, calls: list[tuple[tuple[Any, ...], dict[str, Any]]]
    ) -> Generator[Any, None, None]:
        """The answers to `calls`, sent in one message and each given `call_timeout` from the
        one before: one round trip for many inputs. Stop reading early only to stop()."""
        now = time.monotonic()
        if now >= self.deadline:
            raise OutOfTime("the test's time limit passed before this call")
        self.call_deadline = now + self.call_timeout
        if self.pid is None:
            self._start()
        try:
            encoded = [{"args": encode(list(a)), "kwargs": encode(k)} for a, k in calls]
        except TypeError as exc:
            raise CandidateError("error", f"test argument not transferable: {exc}") from exc
        self._write({"calls": encoded})
        for args, kwargs in calls:
            answer = self._read()
            self.call_deadline = time.monotonic() + self.call_timeout
            if "raised" in answer:
                name, error = short(str(answer["raised"])), short(str(answer.get("error")))
                self.last_call = (args, kwargs, functools.partial(str, f"raised {name}"))
                raised = getattr(builtins, name, None)
                if isinstance(raised, type) and issubclass(raised, Exception):
                    raise raised(error)  # so tests that expect e.g. ValueError work
                raise CandidateError("error", error)
            value = _answer(answer)
            self.last_call = (args, kwargs, functools.partial(show, value))
            yield value


def _answer(message: dict[str, Any]) -> Any:
    """The value a worker answered, decoded only when it is small enough to judge."""
    too_large = oversized(message.get("value"))
    if too_large is not None:
        raise CandidateError("error", f"the answer is too large to judge: {too_large}")
    try:
        return decode(message["value"])
    except (KeyError, TypeError, ValueError, RecursionError) as exc:
        raise CandidateError("error", "the program sent a malformed answer") from exc


# --- test units -------------------------------------------------------------------------------


def _result(name: str, kind: str, status: str, **details: Any) -> dict[str, Any]:
    return {"name": name, "kind": kind, "status": status} | {
        key: short(value) for key, value in details.items() if value is not None
    }


def _last_call(candidate: Worker) -> dict[str, Any]:
    if candidate.last_call is None:
        return {}
    args, kwargs, result = candidate.last_call
    return {"input": _call_text(args, kwargs), "actual": result()}


def _call_text(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    return ", ".join([*map(show, args), *(f"{k}={show(v)}" for k, v in kwargs.items())])


def _run_unit(
    name: str, kind: str, candidate: Worker, timeout: float, body: Callable[[], Any]
) -> dict[str, Any]:
    candidate.last_call = None
    candidate.deadline = time.monotonic() + timeout
    try:
        _timed(body, timeout)
        return _result(name, kind, "passed")
    except Skipped as exc:
        return _result(name, kind, "skipped", detail=str(exc))
    except OutOfTime as exc:
        candidate.stop()  # it may be mid-answer
        return _result(name, kind, "timeout", detail=str(exc), **_last_call(candidate))
    except CandidateError as exc:
        return _result(name, kind, exc.status, detail=str(exc), **_last_call(candidate))
    except AssertionError as exc:
        details = _last_call(candidate)
        if isinstance(exc, Mismatch):
            details |= {"expected": exc.expected, "actual": exc.actual}
        return _result(name, kind, "failed", detail=_text(exc) or None, **details)
    except Exception as exc:
        return _result(name, kind, "error", traceback=_traceback(exc), **_last_call(candidate))
    finally:
        candidate.deadline = math.inf


def _text(exc: BaseException) -> str:
    """str(exc), or its arguments shown when that fails (an int past Python's digit limit)."""
    try:
        return short(str(exc))
    except Exception:
        return show(exc.args)


# --- a test's time limit covers the judge's own work on the candidate's values too -------------

_ALARM = {"armed": False}
_REMIND = 0.05  # seconds between OutOfTime raises after the limit, should test code swallow one


def _on_alarm(signum: int, frame: Any) -> None:
    if _ALARM["armed"]:
        raise OutOfTime("the test's time limit passed")


def _timed(body: Callable[[], Any], seconds: float) -> None:
    """body(), with OutOfTime raised wherever the judge is once `seconds` have passed: decoding,
    comparing or showing a candidate's value counts against the test's limit like its calls."""
    try:
        _ALARM["armed"] = True
        signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001), _REMIND)
        body()
    finally:
        while True:
            try:  # disarmed first: an alarm that goes off now only returns
                _ALARM["armed"] = False
                signal.setitimer(signal.ITIMER_REAL, 0)
                break
            except OutOfTime:
                continue  # it went off just before


@contextlib.contextmanager
def _alarm_held() -> Iterator[None]:
    """Hold the alarm off while the judge's own bookkeeping must finish (a worker's pid and
    pipes); it goes off, if due, as the block ends."""
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)  # held still when held around us


def _compare_assert(node: ast.Assert) -> tuple[ast.expr, ast.expr] | None:
    """`assert left == right`: evaluate both sides apart so a failure can say expected vs actual."""
    test = node.test
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq):
        return test.left, test.comparators[0]
    return None


def _statement_body(
    node: ast.stmt,
    source: str,
    namespace: dict[str, Any],
    calls_candidate: Callable[[ast.AST], bool],
) -> Callable[[], None]:
    pair = _compare_assert(node) if isinstance(node, ast.Assert) else None
    if pair is None:
        code = compile(ast.Module(body=[node], type_ignores=[]), "tests.py", "exec")
        return lambda: exec(code, namespace)
    left, right = pair
    if calls_candidate(right) and not calls_candidate(left):
        left, right = right, left
    actual_code = compile(ast.Expression(left), "tests.py", "eval")
    expected_code = compile(ast.Expression(right), "tests.py", "eval")
    segment = ast.get_source_segment(source, node) or "assert"

    def body() -> None:
        actual = eval(actual_code, namespace)
        expected = eval(expected_code, namespace)
        if not actual == expected:
            raise Mismatch(show(expected), show(actual), segment)

    return body


def _assert_units(config: dict[str, Any], candidate: Worker) -> Iterator[dict[str, Any]]:
    """Each top-level statement with an assert in it is one test; other statements are setup."""
    tests = config["asserts"]
    entry = config["entry_point"]
    namespace: dict[str, Any] = {"__name__": "tests"}
    exec(compile(config.get("starter_code") or "", "starter.py", "exec"), namespace)
    exec(compile(tests["setup"], "setup.py", "exec"), namespace)
    namespace[entry] = candidate
    source = tests["code"]
    module = ast.parse(source)
    if tests["style"] == "check":
        check = next(n for n in module.body if isinstance(n, ast.FunctionDef) and n.name == "check")
        others = [n for n in module.body if n is not check]
        exec(compile(ast.Module(body=others, type_ignores=[]), "tests.py", "exec"), namespace)
        namespace[check.args.args[0].arg] = candidate
        statements = check.body
        names = {check.args.args[0].arg, entry}
    else:
        statements = module.body
        names = {entry}

    def calls_candidate(tree: ast.AST) -> bool:
        return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(tree))

    timeout = config["test_timeout"]
    if tests["style"] == "pytest":
        exec(compile(module, "tests.py", "exec"), namespace)
        tests_found = [
            node.name
            for node in module.body
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test")
        ]
        units: list[Unit] = [(name, "test", None, namespace[name]) for name in tests_found]
    else:
        units = []
        for node in statements:
            segment = ast.get_source_segment(source, node)
            body = _statement_body(node, source, namespace, calls_candidate)
            is_test = any(isinstance(n, ast.Assert) for n in ast.walk(node))
            name = f"assert {sum(u[0] is not None for u in units) + 1}" if is_test else None
            units.append((name, "assert", segment, body))
    yield from _until_timeout(units, candidate, timeout)


# (test name, or None for a setup statement; kind; source shown in evidence; body)
Unit = tuple[str | None, str, str | None, Callable[[], Any]]


def _until_timeout(
    units: list[Unit], candidate: Worker, timeout: float
) -> Iterator[dict[str, Any]]:
    """Run the units in order; after one times out the rest are skipped, since a hang tends to
    repeat and each would cost the whole limit. A setup statement is reported only if it fails."""
    timed_out = False
    for name, kind, segment, body in units:
        if timed_out:
            if name is not None:
                detail = "not run: an earlier test timed out"
                yield _result(name, kind, "skipped", detail=detail, source=segment)
            continue
        unit = _run_unit(name or "setup", kind, candidate, timeout, body)
        timed_out = unit["status"] == "timeout"
        if name is not None or unit["status"] != "passed":
            yield unit | ({"source": short(segment)} if segment else {})


# --- stdin / stdout cases -----------------------------------------------------------------------


def _normalize(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _same_output(actual: str, expected: str, tolerance: float | None) -> bool:
    got, want = _normalize(actual), _normalize(expected)
    if tolerance is None or len(got) != len(want):
        return got == want
    for got_line, want_line in zip(got, want, strict=True):
        got_tokens, want_tokens = got_line.split(), want_line.split()
        if len(got_tokens) != len(want_tokens):
            return False
        for a, b in zip(got_tokens, want_tokens, strict=True):
            if a == b:
                continue
            try:
                if not math.isclose(float(a), float(b), rel_tol=tolerance, abs_tol=tolerance):
                    return False
            except ValueError:
                return False
    return True


def _run_program(config: dict[str, Any], zygote: Zygote, stdin: str) -> tuple[str, str, str]:
    """Run the candidate as a whole program; returns (status, stdout, stderr)."""
    pid, (load, feed, *outputs) = zygote.program()
    try:
        _write_all(load, config["source"].encode())
        os.close(load)
        data = {fd: b"" for fd in outputs}
        status = _exchange(feed, stdin.encode(), data, time.monotonic() + config["test_timeout"])
    finally:
        zygote.kill([-pid])
        for fd in outputs:
            os.close(fd)
    out, err, code = (data[fd].decode(errors="replace") for fd in outputs)
    if status == "ran" and code != "0":
        status = f"exit code {code}" if code else "the program's session was killed"
    return status, out, err


def _exchange(feed: int, stdin: bytes, data: dict[int, bytes], deadline: float) -> str:
    """Feed stdin and collect every output until all close: "ran", "timeout" or a flood."""
    os.set_blocking(feed, False)
    feeding = True
    try:
        reading = list(data)
        while reading:
            if feeding and not stdin:
                os.close(feed)  # end of input, as when a shell's pipe closes
                feeding = False
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return "timeout"
            ready, writable, _ = select.select(reading, [feed] if feeding else [], [], remaining)
            if writable:
                try:
                    stdin = stdin[os.write(feed, stdin[:65536]) :]
                except BrokenPipeError:
                    stdin = b""  # the program stopped reading
            for fd in ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    reading.remove(fd)
                elif sum(map(len, data.values())) > MAX_MESSAGE:
                    return f"output over {MAX_MESSAGE} bytes"
                data[fd] += chunk
        return "ran"
    finally:
        if feeding:
            os.close(feed)


def _stdio_units(config: dict[str, Any], zygote: Zygote) -> Iterator[dict[str, Any]]:
    timed_out = False
    for number, case in enumerate(config["stdio"], start=1):
        name = f"stdio {number}"
        if timed_out:
            yield _result(name, "stdio", "skipped", detail="not run: an earlier case timed out")
            continue
        try:
            status, out, err = _run_program(config, zygote, case["input"])
        except CandidateError as exc:  # an earlier run of the program took the zygote down
            yield _result(name, "stdio", exc.status, detail=str(exc))
            continue
        details = {"input": case["input"], "expected": case["output"], "actual": out}
        if status == "timeout":
            timed_out = True
            yield _result(name, "stdio", "timeout", **details)
        elif status != "ran":
            yield _result(
                name, "stdio", "error", detail=status, traceback=err[-MAX_TEXT:], **details
            )
        elif _same_output(out, case["output"], config.get("float_tolerance")):
            yield _result(name, "stdio", "passed")
        else:
            yield _result(name, "stdio", "failed", **details)


# --- generated inputs: drawn once per problem, replayed against every candidate ---------------


def _draw(
    strategies: dict[str, str], examples: int, case: Callable[[dict[str, Any]], list[Any]]
) -> dict[str, Any]:
    """Up to `examples` distinct cases `case(inputs)` on hypothesis's draws from `strategies`,
    smallest first, so the first failing case a candidate meets is a small counterexample."""
    from hypothesis import HealthCheck, Phase, control, given, settings
    from hypothesis import strategies as st
    from hypothesis.errors import Unsatisfiable

    # Hypothesis notes every .map() result to pretty-print a failing example; nothing fails
    # inside a draw, and that bookkeeping was a third of a draw's time.
    control.BuildContext.record_call = lambda *args, **kwargs: None  # type: ignore[method-assign]
    drawn = {name: eval(expression, {"st": st}) for name, expression in strategies.items()}
    cases: dict[str, list[Any]] = {}

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(**drawn)
    def collect(**inputs: Any) -> None:
        attempts.append(None)
        if len(attempts) > 2 * examples:
            raise Enough
        made = case(inputs)
        cases.setdefault(json.dumps(made), made)

    attempts: list[None] = []
    try:
        collect()
    except Enough:
        pass  # the reference rejected most inputs; hypothesis would try up to ten times over
    except Unsatisfiable:
        return {"skipped": "every generated input was rejected"}
    except Skipped as exc:
        return {"skipped": str(exc)}
    if not cases:
        return {"skipped": "every generated input was rejected"}
    return {"cases": sorted(cases.values(), key=lambda made: len(json.dumps(made)))}


def _encoded(inputs: dict[str, Any]) -> dict[str, Any]:
    return {name: encode(value) for name, value in inputs.items()}


def draw(config: dict[str, Any], zygote: Zygote) -> dict[str, Any]:
    """Every property's inputs and the differential test's inputs with the reference's outputs:
    plain data the host keeps and sends with each candidate of the problem."""
    examples = config["examples"]
    properties = [
        _draw(spec["strategies"], examples, lambda inputs: [_encoded(inputs)])
        for spec in config["properties"]
    ]
    strategies = config.get("input_strategies")
    if not (config.get("reference") and strategies):
        return {"properties": properties, "differential": None}
    from hypothesis import assume

    reference = Worker(config["reference"], config["entry_point"], zygote, config["test_timeout"])

    def with_output(inputs: dict[str, Any]) -> list[Any]:
        try:
            expected = reference(**inputs)
        except OutOfTime as exc:
            raise Skipped("the reference solution is too slow on generated inputs") from exc
        except Exception:
            assume(False)  # the reference rejects this input: outside the problem's domain
        return [_encoded(inputs), encode(expected)]

    try:
        differential = _draw(strategies, examples, with_output)
    finally:
        reference.stop()
    return {"properties": properties, "differential": differential}


def _counterexample(inputs: dict[str, Any], exc: BaseException) -> BaseException:
    """`exc`, a generated input's failure, naming that input."""
    shown = ", ".join(f"{k}={show(v)}" for k, v in inputs.items())
    detail = f"counterexample: {shown}"
    if isinstance(exc, CandidateError):
        return CandidateError(exc.status, f"{detail}\n{exc}")
    if isinstance(exc, Mismatch):
        return Mismatch(exc.expected, exc.actual, detail)
    return AssertionError(f"{detail}\n{exc}")


def _replay(cases: list[list[Any]], check: Callable[..., None]) -> Callable[[], None]:
    """A property's test body: `check(**inputs)` on each drawn case [inputs] in order."""

    def body() -> None:
        for (inputs,) in cases:
            kwargs = {name: decode(value) for name, value in inputs.items()}
            try:
                check(**kwargs)
            except (AssertionError, CandidateError) as exc:
                raise _counterexample(kwargs, exc) from exc

    return body


def _agree(cases: list[list[Any]], candidate: Worker) -> Callable[[], None]:
    """The differential test's body: the candidate's answers on every drawn case [inputs,
    reference's output], asked for at once, must equal the reference's."""

    def body() -> None:
        inputs = [{name: decode(value) for name, value in case[0].items()} for case in cases]
        answers = candidate.each([((), kwargs) for kwargs in inputs])
        answered = 0
        try:
            for kwargs, (_, expected) in zip(inputs, cases, strict=True):
                try:
                    actual, expected = next(answers), decode(expected)
                    answered += 1
                    if not _equal(actual, expected):
                        raise Mismatch(show(expected), show(actual))
                except (AssertionError, CandidateError) as exc:
                    raise _counterexample(kwargs, exc) from exc
        finally:
            answers.close()
            if answered < len(cases):
                candidate.stop()  # its answers to the rest are still coming

    return body


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) or (a != a and b != b)
    if isinstance(a, list | tuple) and type(a) is type(b):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def _generated_units(config: dict[str, Any], candidate: Worker) -> Iterator[dict[str, Any]]:
    units: list[tuple[str, str, dict[str, Any], Callable[[list[list[Any]]], Any]]] = []
    for spec, drawn in zip(config["properties"], config["drawn"]["properties"], strict=True):
        namespace: dict[str, Any] = {"__name__": "properties"}
        exec(compile(spec["code"], f"{spec['name']}.py", "exec"), namespace)
        check = functools.partial(namespace["prop"], candidate)
        units.append((spec["name"], "property", drawn, functools.partial(_replay, check=check)))
    if config["drawn"]["differential"] is not None:
        drawn = config["drawn"]["differential"]
        body = functools.partial(_agree, candidate=candidate)
        units.append(("differential vs reference", "differential", drawn, body))
    # Many inputs per test, so each gets several tests' worth of time.
    timeout = config["test_timeout"] * 10
    for name, kind, drawn, make_body in units:
        if "skipped" in drawn:
            yield _result(name, kind, "skipped", detail=drawn["skipped"])
        else:
            yield _run_unit(name, kind, candidate, timeout, make_body(drawn["cases"]))


# --- isolation: the judge and the candidate as two users ----------------------------------------

# Set by a sandbox that starts this run as its root, able only to change uid: the judge drops to
# the first, the zygote (and so every candidate process) to the second. Absent: one user for all.
JUDGE_UID, CANDIDATE_UID = "SANDBOX_JUDGE_UID", "SANDBOX_USER_UID"
_PR_SET_DUMPABLE, _PR_SET_SECCOMP, _PR_SET_CHILD_SUBREAPER, _PR_SET_NO_NEW_PRIVS = 4, 22, 36, 38
# Calls that reach another process's memory, fds, limits or scheduling (so the judge's, or the
# zygote's, which shares the candidate's uid): per machine, the audit arch, the calls denied
# outright (ptrace, process_vm_readv/writev, kcmp, pidfd_open, pidfd_getfd, ioprio_set,
# perf_event_open), those denied unless their first argument is 0, "this process" (prlimit64,
# sched_setaffinity, sched_setattr, sched_setscheduler, sched_setparam, migrate_pages,
# move_pages), setpriority, allowed only as (PRIO_PROCESS, 0), and clone and unshare, denied a
# new user namespace (bwrap's two-user runs have none to forbid it). clone3 (435 on both), whose
# flags a filter cannot read, answers ENOSYS, so the C library falls back to clone.
_SYSCALLS = {
    "x86_64": (
        0xC000003E,
        (101, 310, 311, 312, 434, 438, 251, 298),
        (302, 203, 314, 144, 142, 256, 279),
        141,
        (56, 272),
    ),
    "aarch64": (
        0xC00000B7,
        (117, 270, 271, 272, 434, 438, 30, 241),
        (261, 122, 274, 119, 118, 238, 239),
        140,
        (220, 97),
    ),
}
_CLONE3, _CLONE_NEWUSER = 435, 0x10000000


def _users() -> tuple[int, int] | None:
    """(judge uid, candidate uid) when the sandbox asks this run to split; taken out of the
    environment, so no candidate inherits them."""
    judge, candidate = os.environ.pop(JUDGE_UID, None), os.environ.pop(CANDIDATE_UID, None)
    if judge is None or candidate is None:
        return None
    if int(judge) in (0, int(candidate)) or int(candidate) == 0:
        raise RuntimeError("the sandbox named no two distinct unprivileged users")
    return int(judge), int(candidate)


def _prctl(option: int, *args: int) -> None:
    """prctl with every argument a full word: the kernel rejects garbage in unused ones."""
    libc = ctypes.CDLL(None, use_errno=True)
    words = [ctypes.c_ulong(arg) for arg in (*args, 0, 0, 0, 0)[:4]]
    if libc.prctl(ctypes.c_int(option), *words) != 0:
        raise OSError(ctypes.get_errno(), f"prctl({option}) failed")


def _become(uid: int | None) -> None:
    """Drop to `uid` for good (with root's uid every capability goes), then stay undumpable
    (no same-uid ptrace, no /proc/<pid>/fd or mem) and unable to gain privileges."""
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
        if os.getresuid() != (uid, uid, uid) or os.getresgid() != (uid, uid, uid):
            raise RuntimeError(f"could not become uid {uid}")
    _prctl(_PR_SET_DUMPABLE, 0)
    _prctl(_PR_SET_NO_NEW_PRIVS, 1)


def _confine(user: int | None) -> None:
    """The zygote's setup, inherited by everything a candidate runs: its own uid, and a seccomp
    filter that keeps it from the zygote's limits and scheduling and from every process's
    memory and fds. No filter on a machine the table does not know (the uid still holds)."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):  # the judge's input and report streams stay the judge's alone
        os.dup2(devnull, fd)
    os.close(devnull)
    _become(user)
    syscalls = _SYSCALLS.get(os.uname().machine)
    if syscalls is None:
        return
    program = _seccomp_program(*syscalls)

    class Filter(ctypes.Structure):
        _fields_ = [
            ("code", ctypes.c_ushort),
            ("jt", ctypes.c_ubyte),
            ("jf", ctypes.c_ubyte),
            ("k", ctypes.c_uint),
        ]

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(Filter))]

    filters = (Filter * len(program))(*(Filter(*instruction) for instruction in program))
    fprog = Program(len(program), filters)
    _prctl(_PR_SET_SECCOMP, 2, ctypes.addressof(fprog))  # SECCOMP_MODE_FILTER


def _seccomp_program(
    arch: int,
    denied: tuple[int, ...],
    self_only: tuple[int, ...],
    setpriority: int,
    no_new_user: tuple[int, ...],
) -> list[tuple[int, int, int, int]]:
    """Classic BPF over struct seccomp_data (nr at 0, arch at 4, args' low words at 16, 24)."""
    load, jeq, jge, jset, ret = 0x20, 0x15, 0x35, 0x45, 0x06
    allow, kill = 0x7FFF0000, 0x80000000
    deny, nosys = 0x00050000 | 1, 0x00050000 | 38  # SECCOMP_RET_ERRNO: EPERM, ENOSYS
    # (code, label if true, label if false, k); labels resolve to relative jumps below
    code: list[tuple[int, str, str, int]] = [
        (load, "", "", 4),
        (jeq, "", "kill", arch),  # another ABI (x86's int 0x80) numbers its calls otherwise
        (load, "", "", 0),
        (jge, "deny", "", 0x40000000),  # x32's numbers reach the same calls
        *[(jeq, "deny", "", number) for number in denied],
        *[(jeq, "self", "", number) for number in self_only],
        (jeq, "priority", "", setpriority),
        *[(jeq, "user", "", number) for number in no_new_user],
        (jeq, "nosys", "", _CLONE3),
        (ret, "", "", allow),
    ]
    labels = {"self": len(code)}
    code += [(load, "", "", 16), (jeq, "allow", "deny", 0)]
    labels["priority"] = len(code)
    code += [(load, "", "", 16), (jeq, "", "deny", 0)]
    code += [(load, "", "", 24), (jeq, "allow", "deny", 0)]
    labels["user"] = len(code)
    code += [(load, "", "", 16), (jset, "deny", "allow", _CLONE_NEWUSER)]
    labels |= {name: len(code) + at for at, name in enumerate(("allow", "deny", "nosys", "kill"))}
    code += [(ret, "", "", allow), (ret, "", "", deny), (ret, "", "", nosys), (ret, "", "", kill)]

    def jump(at: int, label: str) -> int:
        return labels[label] - at - 1 if label else 0

    return [(op, jump(at, yes), jump(at, no), k) for at, (op, yes, no, k) in enumerate(code)]


def _private() -> None:
    """Make the judge the subreaper of what candidates leave behind, so it sees every stray."""
    _prctl(_PR_SET_CHILD_SUBREAPER, 1)


# --- between the candidates of one run ---------------------------------------------------------


def _stat(pid: int) -> tuple[str, int]:
    """A process's state letter and parent pid, ("", 0) when it is gone. States: R, S, D run or
    wait; T is stopped; Z is dead and unreaped."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            state, parent = stat.read().rsplit(b")", 1)[1].split()[:2]
    except (OSError, ValueError):
        return "", 0
    return state.decode(), int(parent)


def _ancestors() -> set[int]:
    pids, pid = set(), os.getppid()
    while pid > 0 and pid not in pids:
        pids.add(pid)
        pid = _stat(pid)[1]
    return pids


def _standing(zygote: Zygote) -> tuple[Any, ...]:
    """What no candidate may change: the judge's and the zygote's limits, scheduling policy,
    nice and CPUs, and each process above the judge (its start time and command line)."""
    settings: list[Any] = []
    for pid in (os.getpid(), zygote.pid):
        try:
            with open(f"/proc/{pid}/limits") as limits:
                settings.append(
                    (
                        limits.read(),
                        os.sched_getscheduler(pid),
                        os.sched_getparam(pid).sched_priority,
                        os.getpriority(os.PRIO_PROCESS, pid),
                        os.sched_getaffinity(pid),
                    )
                )
        except OSError:
            settings.append(None)
    lineage = []
    for pid in sorted(_ancestors()):
        try:
            with open(f"/proc/{pid}/stat", "rb") as stat, open(f"/proc/{pid}/cmdline", "rb") as cmd:
                lineage.append((pid, stat.read().rsplit(b")", 1)[1].split()[19], cmd.read()))
        except (OSError, IndexError):
            lineage.append((pid, b"", b""))
    return (*settings, lineage)


def _strays(keep: set[int]) -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit() and int(name) not in keep]


def _empty(directory: str) -> None:
    """Remove everything in `directory` this user owns, first making each directory of it
    writable. What another user owns (the run's own files) no candidate could have changed."""
    uid = os.geteuid()
    for root, directories, _ in os.walk(directory):
        for name in directories:
            path = os.path.join(root, name)
            if os.lstat(path).st_uid == uid:
                os.chmod(path, 0o700, follow_symlinks=False)
    for entry in os.scandir(directory):
        if entry.stat(follow_symlinks=False).st_uid != uid:
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)


def _ipc_ids(kind: str) -> list[int]:
    try:
        with open(f"/proc/sysvipc/{kind}") as table:
            return [int(row.split()[1]) for row in table.read().splitlines()[1:]]
    except OSError:
        return []  # no SysV IPC here at all


_IPC_KINDS = ("msg", "shm", "sem")


def _remove_ipc() -> None:
    """Remove every SysV message queue, shared memory segment and semaphore set this user may:
    they outlive the process that made them, and a new run gets an IPC namespace of its own."""
    libc = ctypes.CDLL(None, use_errno=True)
    remove: dict[str, Callable[[int], Any]] = {
        "msg": lambda ipc_id: libc.msgctl(ipc_id, 0, None),  # IPC_RMID = 0
        "shm": lambda ipc_id: libc.shmctl(ipc_id, 0, None),
        "sem": lambda ipc_id: libc.semctl(ipc_id, 0, 0),
    }
    for kind, remover in remove.items():
        for ipc_id in _ipc_ids(kind):
            remover(ipc_id)


def _clear() -> bool:
    """The zygote's part of a reset, as the candidate's user: what it left in the writable
    directories and SysV IPC. False when something stays."""
    _remove_ipc()
    try:
        for directory in (os.getcwd(), "/tmp", "/dev/shm"):
            if os.path.isdir(directory):
                _empty(directory)
    except OSError:
        return False
    return True


def _reset(zygote: Zygote, keep: set[int], standing: tuple[Any, ...]) -> bool:
    """Leave the sandbox as a new run finds it: every process the last candidate left killed and
    reaped, no SysV IPC object and no file of it left, and the judge, the zygote and the
    processes above them as they were. False when that cannot be shown (a process that will not
    go, a zygote stopped, killed or reconfigured): the rest must each get a run of their own."""
    deadline = time.monotonic() + 2
    while strays := _strays(keep):
        if time.monotonic() > deadline:
            return False
        zygote.kill(strays)
        with contextlib.suppress(ChildProcessError):
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass  # orphans come to us, the subreaper; a reaped zygote means it died
        time.sleep(0.001)
    if zygote.broken or _stat(zygote.pid)[0] not in ("R", "S", "D") or not zygote.clear():
        return False
    return not any(map(_ipc_ids, _IPC_KINDS)) and _standing(zygote) == standing


def judge_each(candidates: list[dict[str, Any]], zygote: Zygote, budget: float) -> dict[str, Any]:
    """Judge several candidates in one run, one after another, each meeting a sandbox reset as
    a new run would be (no process, no file of the last one left). Candidates after a failed
    reset are not judged here; the host gives each a run of its own. Nor are those that might
    not end within the run's `budget` of seconds (each may take its `wall_seconds`): the host
    gives them another run together, so a run's limit need not be the sum of its candidates'."""
    keep = _ancestors() | {os.getpid(), zygote.pid}
    standing = _standing(zygote)
    reports: list[dict[str, Any]] = []
    for number, config in enumerate(candidates):
        if _no_time_for(number, config, budget):
            return {"judged": reports, "out_of_time": True}
        if number and not _reset(zygote, keep, standing):
            break
        started = time.monotonic()
        try:
            report = {"tests": judge(config, zygote)}
        except Exception as exc:
            report = _broken(exc)
        reports.append(report | {"seconds": time.monotonic() - started})
    return {"judged": reports}


def judge(config: dict[str, Any], zygote: Zygote) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    generated = config.get("drawn")
    if config.get("asserts") or generated:
        candidate = Worker(config["source"], config["entry_point"], zygote, config["test_timeout"])
        try:
            if config.get("asserts"):
                results += _assert_units(config, candidate)
            if generated and all(r["status"] == "passed" for r in results):
                results += _generated_units(config, candidate)
            elif generated:
                # Generated inputs hunt for bugs the given tests miss; this one has been found.
                detail = "not run: a given test already failed"
                results.append(_result("generated inputs", "property", "skipped", detail=detail))
        finally:
            candidate.stop()
    results += _stdio_units(config, zygote)
    return results


def _broken(exc: Exception) -> dict[str, Any]:
    """A broken test suite is the problem's fault: say so, don't pass."""
    return {"tests": [], "harness_error": _traceback(exc)}


def draw_each(problems: list[dict[str, Any]], zygote: Zygote, budget: float) -> dict[str, Any]:
    """Several problems' draws in one run, which imports hypothesis once; one broken problem
    does not spoil the others'. Those that might not end within `budget` are left to the next
    run, as in `judge_each`."""
    reports: list[dict[str, Any]] = []
    for number, config in enumerate(problems):
        if _no_time_for(number, config, budget):
            return {"drawn": reports, "out_of_time": True}
        try:
            reports.append({"drawn": draw(config, zygote)})
        except Exception as exc:
            reports.append(_broken(exc))
        if zygote.broken or _stat(zygote.pid)[0] not in ("R", "S", "D"):
            # A reference took the zygote down (it shares the reference's uid): no later draw
            # could start a worker. No report, so the host draws each problem alone.
            sys.exit("a reference solution stopped or killed the zygote")
    return {"drawn": reports}


def _no_time_for(number: int, config: dict[str, Any], budget: float) -> bool:
    """Whether the run may not start this (not first) candidate or draw: it may take its
    `wall_seconds`, and the run must end within `budget` seconds of its start."""
    return number > 0 and time.monotonic() - STARTED + config["wall_seconds"] > budget


# --- the report: the only bytes on the judge's stdout, authenticated by the run's token ---------


def _report_stream() -> int:
    """The judge's stdout, kept for the report alone: fd 1 then points at stderr, so nothing
    else this process prints (a problem's test code, a library) enters the report stream."""
    stream = os.dup(1)
    os.dup2(2, 1)
    return stream


def framed(report: dict[str, Any], token: str) -> bytes:
    """The report as the host accepts it: a frame holding its JSON, then a frame holding the
    HMAC-SHA256 of the first, keyed by the run's token, which never appears on the stream.
    A frame is its length in 8 hex digits and that many bytes; the host rejects anything else."""
    body = _frame(json.dumps(report, allow_nan=False).encode())
    return body + _frame(hmac.new(token.encode(), body, hashlib.sha256).hexdigest().encode())


def _frame(payload: bytes) -> bytes:
    return b"%08x" % len(payload) + payload


def _bounded() -> None:
    """The judge's own limits: Python's digit limit (a huge int's digits cost quadratic time;
    the candidates keep none) and the alarm that ends a test at its time limit."""
    sys.set_int_max_str_digits(sys.int_info.default_max_str_digits)
    signal.signal(signal.SIGALRM, _on_alarm)


def main() -> None:
    users = _users()
    _private()
    zygote = Zygote(users[1] if users else None)  # forked while this process may still setuid
    _become(users[0] if users else None)
    stream = _report_stream()
    _bounded()
    config = json.loads(sys.stdin.read())
    token = config.pop("token")
    try:
        report: dict[str, Any] = (
            draw_each(config["draw"], zygote, config["wall_seconds"])
            if "draw" in config
            else judge_each(config["candidates"], zygote, config["wall_seconds"])
        )
    except Exception as exc:
        report = _broken(exc)
    _write_all(stream, framed(report, token))


if __name__ == "__main__":
    main()
