#!/usr/bin/env python3
"""Performance benchmark: each figure as a ratio against a baseline measured in the same run.

    python scripts/benchmark.py            # everything (several minutes on 2 cores)
    python scripts/benchmark.py --skip-scale

1. Start-up: `chatbot ask --json "…"` as a whole process (warm caches, the package byte-compiled
   as pip installs it) against
   `python -c "import rank_bm25, rich"`, median of repeated alternating runs. Target: ratio <= 6.
2. Per question, in one process over 300 patient questions: the whole `Engine.ask` with hybrid
   search (median ms; target <= 12 ms), the same with keyword search only (the same-run baseline),
   and the safety check alone (median ms; target <= 3 ms), each also as a ratio to the keyword run.
3. Scale: synthetic folders of 1k, 5k, 10k, 20k and 100k passages (scripts/make_corpus.py; choose
   with --sizes): the first build (`chatbot index`: the knowledge base and the vectors), its peak
   memory, a warm `ask` (everything cached), and the cost of a question in `batch`, each also as a
   ratio against the first size. Semantic scoring is on at every size, and checked: the warm `ask`
   must say "hybrid". Folders of up to `semantic_max_passages` (default 5,000) get the full model's
   vectors (passages and sentences, a few minutes at 5k); bigger ones the model's static token
   vectors (chatbot/retrieval/static.py; the rows of the tokens the library uses are derived then,
   and cached for the next library).

    python scripts/benchmark.py --skip-startup --sizes 5000,20000   # the two rows of issue 24
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PY = sys.executable


def chatbot_cmd() -> list[str]:
    script = Path(PY).with_name("chatbot")
    return [str(script)] if script.exists() else [PY, "-m", "chatbot"]


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak memory in MB of one process (via /usr/bin/time when present)."""
    gnu_time = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    if gnu_time:
        with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
            start = time.perf_counter()
            subprocess.run([gnu_time, "-f", "%M", "-o", tf.name, *cmd], env=env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            elapsed = time.perf_counter() - start
            peak = int(tf.read().strip().splitlines()[-1]) / 1024
        return elapsed, peak
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start, float("nan")


def median_pair(a: list[str], b: list[str], env: dict[str, str], n: int) -> tuple[float, float]:
    ta, tb = [], []
    for _ in range(n):
        ta.append(timed(a, env)[0])
        tb.append(timed(b, env)[0])
    return statistics.median(ta), statistics.median(tb)


def questions(n: int) -> list[str]:
    cases = [json.loads(line)["question"] for line in (REPO / "tests" / "data" / "golden.jsonl").open()]
    rng = random.Random(3)
    return [rng.choice(cases) + rng.choice(["", "?", " please", "!!"]) for _ in range(n)]


def foreign_messages(n: int) -> list[str]:
    """Ordinary messages in other languages (training/multilingual), every k-th."""
    rows = [line.split("\t") for path in sorted((REPO / "training" / "multilingual").glob("*.tsv"))
            for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    texts = [r[2] for r in rows if len(r) >= 3 and r[1] != "emergency"]
    return texts[:: max(1, len(texts) // n)][:n]


def per_question(env: dict[str, str]) -> None:
    code = f"""
import json, statistics, sys, time
sys.path.insert(0, {str(REPO)!r})
from dataclasses import replace
from chatbot.config import Settings
from chatbot.engine import Engine
from chatbot.articles.knowledge import open_knowledge
qs = json.loads(sys.argv[1])
def run(settings):
    e = Engine(open_knowledge(None, settings), settings)
    e.ask("warm up: how long does the drip take")
    ask, safe = [], []
    for q in qs:
        t = time.perf_counter(); e.ask(q); ask.append(time.perf_counter() - t)
        t = time.perf_counter(); e.safety.check(q); safe.append(time.perf_counter() - t)
    return statistics.median(ask) * 1000, statistics.median(safe) * 1000, e.search_mode
h, s, mode = run(Settings())
k, _, _ = run(Settings(semantic=False))
# messages in other languages: the check with the multilingual model's opinion (its process started first)
e = Engine(open_knowledge(None, Settings(semantic=False)), Settings(semantic=False))
e.multilingual.vector("hola")
foreign = []
for q in json.loads(sys.argv[2]):
    t = time.perf_counter(); e.safety.check(q, None, e.multilingual.vector); foreign.append(time.perf_counter() - t)
print(json.dumps([h, s, k, mode, statistics.median(foreign) * 1000]))
"""
    out = subprocess.run([PY, "-c", code, json.dumps(questions(300)), json.dumps(foreign_messages(200))], env=env,
                         check=True, capture_output=True, text=True).stdout
    hybrid, safety, keyword, mode, foreign = json.loads(out.strip().splitlines()[-1])
    print(f"per question ({mode}) {hybrid:6.2f} ms median | baseline keyword only {keyword:6.2f} ms | "
          f"ratio {hybrid / keyword:.1f} (target <= 12 ms)")
    print(f"safety check          {safety:6.2f} ms median | ratio to a keyword question {safety / keyword:.2f} "
          f"(target <= 3 ms)")
    print(f"safety check, other languages {foreign:6.2f} ms median (the multilingual model's opinion included; "
          f"target <= 5 ms)")


def scale_row(bot: list[str], tmp: Path, env: dict[str, str], passages: int, q1: Path, q200: Path) -> tuple[float, float, float]:
    """One row: first build, peak memory, warm ask, ms a question; checks that the search is hybrid."""
    articles = max(1, passages // 100)
    folder = tmp / f"corpus{passages}"
    subprocess.run([PY, str(REPO / "scripts" / "make_corpus.py"), str(folder), "--articles", str(articles)],
                   check=True, stdout=subprocess.DEVNULL)
    corpus = [*bot, "--corpus", str(folder)]
    build, peak = timed([*corpus, "index"], env)
    ask_s, peak1 = timed([*corpus, "ask", "--json", "is ketamine addictive"], env)
    answer = subprocess.run([*corpus, "ask", "--json", "how long does an infusion last"], env=env, check=True,
                            capture_output=True, text=True)
    search = json.loads(answer.stdout)["search"]
    if search != "hybrid":
        raise SystemExit(f"{passages:,} passages: the warm ask searched by {search}, not hybrid: {answer.stderr.strip()}")
    summary = subprocess.run([*corpus, "index"], env=env, check=True, capture_output=True, text=True).stdout  # cached
    kind = "static" if "static token vectors" in summary else "full"
    counted = re.search(r"indexed ([\d,]+) passages", summary)
    n = int(counted.group(1).replace(",", "")) if counted else articles * 100
    b1, _ = timed([*corpus, "batch", "--json", str(q1)], env)
    b200, peak2 = timed([*corpus, "batch", "--json", str(q200)], env)
    ms = (b200 - b1) / 199 * 1000
    print(f"            {n:>8,} | {kind:6} | {build:8.1f} {max(peak, peak1, peak2):8.0f} | {ask_s:6.2f} | "
          f"{ms:11.2f}", end="")
    return build, ask_s, ms


def main() -> int:
    ap = argparse.ArgumentParser(description="performance benchmark (ratios against same-run baselines)")
    ap.add_argument("--skip-scale", action="store_true")
    ap.add_argument("--skip-startup", action="store_true", help="only the scale rows")
    ap.add_argument("--sizes", default="1000,5000,10000,20000,100000", help="passages of each synthetic library")
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    bot = chatbot_cmd()
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, XDG_CACHE_HOME=f"{tmp}/cache", XDG_STATE_HOME=f"{tmp}/state",
                   XDG_CONFIG_HOME=f"{tmp}/config", HOME=tmp)
        # byte-compiled, as `pip install` leaves the package (a checkout run with
        # PYTHONDONTWRITEBYTECODE would otherwise compile every module at every start)
        where = subprocess.run([PY, "-c", "import chatbot, os; print(os.path.dirname(chatbot.__file__))"],
                               capture_output=True, text=True, check=True).stdout.strip()
        subprocess.run([PY, "-m", "compileall", "-q", where], check=True)
        if not args.skip_startup:
            ask = [*bot, "ask", "--json", "how long does the drip take?"]
            subprocess.run(ask, env=env, check=True, stdout=subprocess.DEVNULL)  # warm the index cache
            base_t, ask_t = median_pair([PY, "-c", "import rank_bm25, rich"], ask, env, args.runs)
            print(f"start-up    chatbot ask --json {ask_t * 1000:7.1f} ms | baseline import rank_bm25, rich "
                  f"{base_t * 1000:7.1f} ms | ratio {ask_t / base_t:.2f} (target <= 6)")

            per_question(env)

        if args.skip_scale:
            return 0
        print("scale       passages | vectors|  build s  peak MB |  ask s | ms/question | vs first: build  ask  ms/q")
        first: tuple[float, float, float] | None = None
        q1 = Path(tmp) / "q1.txt"
        q1.write_text(questions(1)[0] + "\n")
        q200 = Path(tmp) / "q200.txt"
        q200.write_text("\n".join(questions(200)) + "\n")
        for passages in (int(n) for n in args.sizes.split(",")):
            build, ask_s, ms = scale_row(bot, Path(tmp), env, passages, q1, q200)
            first = first or (build, ask_s, ms)
            print(f" |        {build / first[0]:5.1f} {ask_s / first[1]:4.1f} {ms / first[2]:5.1f}", flush=True)
        print("targets at 100,000 passages: build <= 300 s, peak < 2,048 MB, ask <= 3 s, <= 40 ms/question")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
