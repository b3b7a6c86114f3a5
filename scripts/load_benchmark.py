#!/usr/bin/env python3
"""Load benchmark of `chatbot serve` (not a timed test): concurrent clients on loopback against a
server with several workers on the bundled articles, with `chatbot batch` on the same questions in
the same run as the baseline.

    python scripts/load_benchmark.py                 # 50 clients, 2 workers, two 30 s phases
    python scripts/load_benchmark.py --duration 10 --json result.json

Two phases, each `--duration` seconds with `--clients` keep-alive connections:
- paced: each client waits a random think time (exponential, mean `--think`, default 1 s) between
  questions, as people do; this is the latency a clinic's patients see at that load;
- saturated: no think time, every client asks again as soon as it is answered; this measures the
  most the server can answer (its latency is then the queue: clients / throughput, by Little's law).

Reported for each: requests a second, p50/p95/p99 latency, errors (anything but a 200, a dropped
connection, or a 10 s time-out), and the peak memory of the server (all its processes together).
Baseline: the same questions through `chatbot batch --json` in one process (its start-up taken
out), as questions a second and ms a question, and the server's figures as ratios to it. The ratios
are to `batch` with one BLAS thread, as `serve` gives each worker; `batch` with the default threads
is reported too.

Only 127.0.0.1 is ever contacted; the run is bounded in time (at most 5 minutes a phase) and in
clients (at most 500), and the server is stopped at the end. The rate limit is turned off for the
run (every client is 127.0.0.1, so they would share one bucket); everything else is as served.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # loopback only, never anything else
TIMEOUT = 10.0
IDLE = 4.0  # a keep-alive connection idle this long is not reused (uvicorn closes them after 5 s)
MAX_DURATION = 300.0
MAX_CLIENTS = 500


def chatbot_cmd() -> list[str]:
    script = Path(sys.executable).with_name("chatbot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "chatbot"]


def questions() -> list[str]:
    rows = [json.loads(line) for line in (REPO / "tests" / "data" / "golden.jsonl").open(encoding="utf-8")]
    return [r["question"] for r in rows]


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


# -- the server and its memory ---------------------------------------------------------------------
def tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            todo += [int(x) for x in Path(f"/proc/{p}/task/{p}/children").read_text().split()]
        except OSError:
            pass
    return out


def status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Memory:
    """The server's resident memory, all its processes together, sampled on a thread-free loop task."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kb = 0

    def sample(self) -> None:
        self.peak_kb = max(self.peak_kb, sum(status_kb(p, "VmRSS") for p in tree(self.pid)))

    async def watch(self, until: float) -> None:
        while time.monotonic() < until:
            self.sample()
            await asyncio.sleep(0.25)


def start_server(workers: int, port: int, log: Path) -> subprocess.Popen[bytes]:
    cmd = [*chatbot_cmd(), "serve", "--host", HOST, "--port", str(port), "--workers", str(workers),
           "--rate-limit", "0"]
    with log.open("wb") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    deadline = time.monotonic() + 120
    ready = 0
    while time.monotonic() < deadline and ready < 20:  # 20 ready answers in a row: every worker is up
        if proc.poll() is not None:
            raise SystemExit(f"the server exited:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/readyz", timeout=2) as r:
                body = json.loads(r.read())
                ready = ready + 1 if r.status == 200 and body.get("sentence_model") == "ready" else 0
        except OSError:
            ready = 0
        time.sleep(0.05)
    if ready < 20:
        stop_server(proc)
        raise SystemExit("the server was not ready within 120 s")
    return proc


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


# -- the clients -----------------------------------------------------------------------------------
def request(port: int, question: str) -> bytes:
    body = json.dumps({"question": question}).encode("utf-8")
    return (f"POST /api/ask HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode("ascii") + body


async def one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, data: bytes) -> int:
    writer.write(data)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = next((int(x.split(":", 1)[1]) for x in lines[1:] if x.lower().startswith("content-length:")), 0)
    await reader.readexactly(length)
    return status


async def client(port: int, qs: list[str], until: float, think: float, rng: random.Random,
                 latencies: list[float], errors: list[str]) -> None:
    conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    used = 0.0
    while time.monotonic() < until:
        if think:
            await asyncio.sleep(min(rng.expovariate(1 / think), max(0.0, until - time.monotonic())))
            if time.monotonic() >= until:
                break
        if conn is not None and time.monotonic() - used > IDLE:  # as a browser does: the server closes
            conn[1].close()                                        # idle connections after 5 s
            conn = None
        start = time.perf_counter()
        try:
            if conn is None:
                conn = await asyncio.wait_for(asyncio.open_connection(HOST, port), TIMEOUT)
            status = await asyncio.wait_for(one(*conn, request(port, rng.choice(qs))), TIMEOUT)
            used = time.monotonic()
            if status != 200:
                errors.append(f"HTTP {status}")
            else:
                latencies.append(time.perf_counter() - start)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError) as exc:
            errors.append(type(exc).__name__)
            if conn is not None:
                conn[1].close()
            conn = None
    if conn is not None:
        conn[1].close()


async def phase(port: int, qs: list[str], clients: int, duration: float, think: float, memory: Memory,
                seed: int) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[str] = []
    start = time.monotonic()
    until = start + duration
    cpu0 = time.process_time()
    await asyncio.gather(memory.watch(until),
                         *(client(port, qs, until, think, random.Random(seed + i), latencies, errors)
                           for i in range(clients)))
    elapsed = time.monotonic() - start
    q = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else [float("nan")] * 99
    return {"think_s": think, "requests": len(latencies), "rps": len(latencies) / elapsed,
            "p50_ms": q[49] * 1000, "p95_ms": q[94] * 1000, "p99_ms": q[98] * 1000,
            "max_ms": max(latencies, default=float("nan")) * 1000, "errors": len(errors),
            "error_kinds": sorted(set(errors)), "client_cpu_s": time.process_time() - cpu0}


# -- the baseline ----------------------------------------------------------------------------------
def batch_seconds(qs: list[str], env: dict[str, str]) -> float:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8", delete=False) as fh:
        fh.write("\n".join(qs) + "\n")
        path = fh.name
    try:
        start = time.perf_counter()
        subprocess.run([*chatbot_cmd(), "batch", "--json", path], check=True, stdout=subprocess.DEVNULL, env=env)
        return time.perf_counter() - start
    finally:
        os.unlink(path)


def baseline(qs: list[str], n: int, seed: int, env: dict[str, str]) -> dict[str, float]:
    rng = random.Random(seed)
    many = [rng.choice(qs) for _ in range(n)]
    startup = min(batch_seconds(many[:1], env) for _ in range(2))
    total = batch_seconds(many, env)
    per = (total - startup) / (n - 1)
    return {"questions": n, "startup_s": startup, "ms_per_question": per * 1000, "questions_per_s": 1 / per}


# -- the run ---------------------------------------------------------------------------------------
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--duration", type=float, default=30.0, help="seconds a phase (at most 300)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--think", type=float, default=1.0, help="mean think time of the paced phase, seconds")
    ap.add_argument("--phases", default="paced,saturated", help="paced, saturated or both (comma-separated)")
    ap.add_argument("--baseline-questions", type=int, default=600)
    ap.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = ap.parse_args()
    if not 1 <= args.clients <= MAX_CLIENTS or not 1 <= args.duration <= MAX_DURATION:
        ap.error(f"--clients must be 1..{MAX_CLIENTS} and --duration 1..{MAX_DURATION:.0f}")
    qs = questions()
    result: dict[str, Any] = {"clients": args.clients, "duration_s": args.duration, "workers": args.workers,
                              "cores": os.cpu_count(), "questions": len(qs), "load_before": os.getloadavg()}
    print(f"machine: {os.cpu_count()} cores, load average {result['load_before'][0]:.2f} before the run "
          "(other work on the machine slows every figure)", flush=True)
    # the ratios are to `batch` with one BLAS thread, as `serve` gives each worker (like for like);
    # `batch` as it runs by default is measured too
    one_thread = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    for key, env, what in (("batch_default", dict(os.environ), "as it runs by default"),
                           ("batch", one_thread, "with one BLAS thread, as each server worker")):
        print(f"baseline: `chatbot batch --json` on {args.baseline_questions} questions, {what} ...", flush=True)
        result[key] = base = baseline(qs, args.baseline_questions, 7, env)
        print(f"  {base['questions_per_s']:.1f} questions/s, {base['ms_per_question']:.1f} ms a question "
              f"(start-up {base['startup_s']:.2f} s, not counted)", flush=True)
    port = free_port()
    fd, name = tempfile.mkstemp(prefix="chatbot-load-", suffix=".log")
    os.close(fd)
    log = Path(name)
    proc = start_server(args.workers, port, log)
    memory = Memory(proc.pid)
    try:
        for name in args.phases.split(","):
            think = args.think if name == "paced" else 0.0
            print(f"{name}: {args.clients} clients for {args.duration:.0f} s (think time {think:g} s) ...", flush=True)
            memory.peak_kb = 0
            figures = asyncio.run(phase(port, qs, args.clients, args.duration, think, memory, 11))
            figures["peak_rss_mb"] = memory.peak_kb / 1024
            figures["rps_vs_batch"] = figures["rps"] / base["questions_per_s"]
            figures["p50_vs_batch"] = figures["p50_ms"] / base["ms_per_question"]
            result[name] = figures
            print(f"  {figures['rps']:.1f} requests/s ({figures['rps_vs_batch']:.2f}x batch); latency p50 "
                  f"{figures['p50_ms']:.1f} ms, p95 {figures['p95_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms, "
                  f"max {figures['max_ms']:.0f} ms; errors {figures['errors']} {figures['error_kinds'] or ''}; "
                  f"server peak memory {figures['peak_rss_mb']:.0f} MB (all processes); "
                  f"client CPU {figures['client_cpu_s']:.1f} s", flush=True)
        result["worker_peak_rss_mb"] = [status_kb(p, "VmHWM") / 1024 for p in tree(proc.pid)]
        print("peak memory of each server process (MB): "
              + ", ".join(f"{mb:.0f}" for mb in result["worker_peak_rss_mb"]), flush=True)
    finally:
        stop_server(proc)
        log.unlink(missing_ok=True)
    result["load_after"] = os.getloadavg()
    print(f"load average after the run: {result['load_after'][0]:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
