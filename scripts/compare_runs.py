#!/usr/bin/python3
"""Overlay the evaluation curves of several ZeroRL runs (seeds, configs) in one PNG.

Usage: /usr/bin/python3 scripts/compare_runs.py OUT.png RUN_DIR [RUN_DIR...]

Reads RUN_DIR/eval.jsonl of each run and draws eval/pass@1, eval/greedy, eval/format and eval/mean_length
against the step, one line per run (labelled by the run folder's name), plus the median across runs; and,
when a run's metrics.jsonl has it, the share of training completions that re-check (a 5-step running mean).
A run without eval.jsonl is reported on stderr and skipped; lines that do not parse are skipped and a
resumed run's repeated steps count once (as in plot_metrics.py).
"""
import os
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from plot_metrics import read_jsonl  # noqa: E402  (rows by step, the last of a repeated step wins)

PANELS = [("eval/pass@1", "sampled pass@1 (strict)"), ("eval/greedy", "greedy accuracy"),
          ("eval/format", "format rate"), ("eval/mean_length", "mean completion length (tokens)")]
RECHECK = ("completions/recheck_ratio", "re-check share (training, 5-step mean)")


def running_mean(rows, key, width=5):
    pts = [(r["step"], r[key]) for r in rows if key in r and "step" in r]
    out = []
    for i, (s, _) in enumerate(pts):
        window = [v for _, v in pts[max(0, i - width + 1):i + 1]]
        out.append({"step": s, key: sum(window) / len(window)})
    return out


def main(argv):
    if len(argv) < 3 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) > 1 and argv[1] in ("-h", "--help") else 2
    out, runs = argv[1], argv[2:]
    curves, dirs = {}, {}  # by run name (the folder's name): eval rows, and the folder
    for run in runs:
        path = os.path.join(run, "eval.jsonl")
        if not os.path.isfile(path):
            print(f"error: {path}: no such file", file=sys.stderr)
            continue
        name = os.path.basename(os.path.normpath(run))
        curves[name], dirs[name] = read_jsonl(path), run
    if not curves:
        print("error: no run with an eval.jsonl", file=sys.stderr)
        return 1
    panels = [(key, title, curves) for key, title in PANELS]
    rechecks = {}
    for name, run in dirs.items():
        path = os.path.join(run, "metrics.jsonl")
        smoothed = running_mean(read_jsonl(path), RECHECK[0]) if os.path.isfile(path) else []
        if smoothed:
            rechecks[name] = smoothed
    if rechecks:
        panels.append(RECHECK + (rechecks,))
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.4))
    for ax, (key, title, runs_rows) in zip(axes, panels):
        by_step = {}
        for name, rows in runs_rows.items():
            pts = [(r["step"], r[key]) for r in rows if key in r and "step" in r]
            ax.plot([p[0] for p in pts], [p[1] for p in pts], lw=1, alpha=0.6, label=name)
            for s, v in pts:
                by_step.setdefault(s, []).append(v)
        steps = sorted(by_step)
        ax.plot(steps, [statistics.median(by_step[s]) for s in steps], color="black", lw=2, label="median")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    tmp = out + ".tmp.png"
    fig.savefig(tmp, dpi=110)
    os.replace(tmp, out)
    print(f"wrote {out} ({len(curves)} runs, {len(panels)} panels)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
