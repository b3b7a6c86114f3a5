#!/usr/bin/env python3
"""Retrieval figures on other clinics' libraries (tests/data/libraries), per library and pooled.

    python scripts/library_report.py [LIBRARY_DIR ...]

Each library folder holds its articles (.txt) and questions.jsonl (written by someone who saw only
those articles). Runs `chatbot --corpus LIB eval LIB/questions.jsonl --json` for each and pools
hit@1, hit@3 and abstention by question count. Nothing is tuned on these figures.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> int:
    libs = [Path(a) for a in sys.argv[1:]] or sorted(p for p in (REPO / "tests" / "data" / "libraries").iterdir()
                                                     if p.is_dir())
    pooled = {"hit@1": [0.0, 0], "hit@3": [0.0, 0], "abstain": [0.0, 0]}
    for lib in libs:
        out = subprocess.run([sys.executable, "-m", "chatbot", "--corpus", str(lib), "eval", str(lib / "questions.jsonl"),
                              "--json", "--max-false-alarms", "1000"], capture_output=True, text=True, cwd=REPO)
        data = json.loads(out.stdout)
        n = {"hit@1": data["n_answer"], "hit@3": data["n_answer"], "abstain": data["n_abstain"]}
        print(f"{lib.name:28} hit@1 {data['hit@1']:.2f}  hit@3 {data['hit@3']:.2f}  abstain {data['abstain']:.2f}  "
              f"(answerable {data['n_answer']}, not {data['n_abstain']}; false alarms {data['false_alarms']})")
        for k in pooled:
            pooled[k][0] += (data[k] or 0.0) * n[k]
            pooled[k][1] += n[k]
    print("pooled".ljust(28) + "  ".join(f"{k} {v[0] / v[1]:.2f}" for k, v in pooled.items() if v[1]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
