#!/usr/bin/python3
"""Plot a ZeroRL run: RUN_DIR/metrics.jsonl and RUN_DIR/eval.jsonl -> RUN_DIR/plots/*.png.

Usage: /usr/bin/python3 scripts/plot_metrics.py RUN_DIR

One PNG per family (reward and each reward function, accuracy, format, completion length, KL, entropy,
clip ratios, loss and gradient norm, evaluation, timing) plus overview.png with all of them. Rows that
do not parse (a line cut by a crash) are skipped. Files are written under a temporary name and renamed,
so a viewer never sees half a PNG. Called by the trainer at each evaluation and at the end of a run.
"""
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read_jsonl(path):
    rows = []
    if not os.path.exists(path):
        return rows
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                row = json.loads(line)
            except ValueError:
                continue
            if isinstance(row, dict) and isinstance(row.get("step"), (int, float)):
                rows.append(row)
    # a resumed run may repeat steps: the last row of a step wins
    by_step = {}
    for r in rows:
        by_step[r["step"]] = r
    return [by_step[s] for s in sorted(by_step)]


def series(rows, key):
    xs, ys = [], []
    for r in rows:
        v = r.get(key)
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
            xs.append(r["step"])
            ys.append(v)
    return xs, ys


def panels(metrics, evals):
    """(file name, title, [(label, rows, key)]) for every family with data."""
    keys = set()
    for r in metrics:
        keys.update(r)
    fns = sorted(k[len("rewards/"):-len("/mean")] for k in keys if k.startswith("rewards/") and k.endswith("/mean"))
    eval_keys = sorted({k for r in evals for k in r if k.startswith("eval/") and k not in
                        ("eval/problems", "eval/seconds", "eval/mean_length")})
    acc_fn = "accuracy" if "accuracy" in fns else ("countdown" if "countdown" in fns else None)
    out = [
        ("reward", "reward (total and per function)",
         [("reward", metrics, "reward")] + [(fn, metrics, "rewards/%s/mean" % fn) for fn in fns]),
        ("accuracy", "accuracy",
         ([("train " + acc_fn, metrics, "rewards/%s/mean" % acc_fn)] if acc_fn else []) +
         [(k[5:], evals, k) for k in ("eval/pass@1", "eval/greedy", "eval/lenient")]),
        ("format", "format", [("train format", metrics, "rewards/format/mean"), ("eval format", evals, "eval/format")]),
        ("completion_length", "completion length (tokens)",
         [("mean", metrics, "completions/mean_length"), ("min", metrics, "completions/min_length"),
          ("max", metrics, "completions/max_length"), ("eval mean", evals, "eval/mean_length")]),
        ("clipped_ratio", "completions cut at max_new_tokens / re-checks",
         [("clipped_ratio", metrics, "completions/clipped_ratio"),
          ("recheck_ratio", metrics, "completions/recheck_ratio")]),
        ("kl", "KL to the reference (k3)", [("kl", metrics, "kl")]),
        ("entropy", "entropy (nats / token)", [("entropy", metrics, "entropy")]),
        ("clip_ratio", "clipped tokens",
         [("low", metrics, "clip_ratio/low_mean"), ("high", metrics, "clip_ratio/high_mean"),
          ("region", metrics, "clip_ratio/region_mean")]),
        ("loss", "loss, gradient norm, zero-std groups",
         [("loss", metrics, "loss"), ("grad_norm", metrics, "grad_norm"),
          ("frac_reward_zero_std", metrics, "frac_reward_zero_std")]),
        ("eval", "evaluation", [(k[5:], evals, k) for k in eval_keys]),
        ("timing", "seconds per phase",
         [(k[len("timing/"):], metrics, k) for k in
          ("timing/generate", "timing/reward", "timing/advantages", "timing/logprobs", "timing/update")]),
    ]
    return [(name, title, [c for c in curves if series(c[1], c[2])[0]]) for name, title, curves in out]


def draw(ax, title, curves):
    for label, rows, key in curves:
        xs, ys = series(rows, key)
        ax.plot(xs, ys, marker="o" if len(xs) < 30 else None, markersize=3, label=label)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("step")
    ax.grid(alpha=0.3)
    if curves:
        ax.legend(fontsize=7)


def save(fig, path):
    tmp = path + ".tmp.png"
    fig.savefig(tmp, dpi=90)
    plt.close(fig)
    os.replace(tmp, path)


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    run_dir = argv[1]
    metrics = read_jsonl(os.path.join(run_dir, "metrics.jsonl"))
    evals = read_jsonl(os.path.join(run_dir, "eval.jsonl"))
    out_dir = os.path.join(run_dir, "plots")
    os.makedirs(out_dir, exist_ok=True)
    found = [p for p in panels(metrics, evals) if p[2]]
    for name, title, curves in found:
        fig, ax = plt.subplots(figsize=(6, 4))
        draw(ax, title, curves)
        fig.tight_layout()
        save(fig, os.path.join(out_dir, name + ".png"))
    if found:
        cols = 3
        rows = (len(found) + cols - 1) // cols
        fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, 3.4 * rows), squeeze=False)
        for ax, (name, title, curves) in zip(axes.flat, found):
            draw(ax, title, curves)
        for ax in list(axes.flat)[len(found):]:
            ax.axis("off")
        fig.suptitle(os.path.basename(os.path.normpath(run_dir)))
        fig.tight_layout()
        save(fig, os.path.join(out_dir, "overview.png"))
    print("plots: %d figures in %s" % (len(found) + (1 if found else 0), out_dir), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
