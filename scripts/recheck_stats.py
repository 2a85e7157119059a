#!/usr/bin/env python3
"""Self-correction statistics of addition-task completions (the main job's task), beyond recheck_ratio.

Usage: python3 scripts/recheck_stats.py FILE.jsonl [FILE.jsonl...]

Each FILE holds JSON lines with "prompt" ("347+285=") and "completion": the output of
`zerorl generate --template tiny`, or a run's completions.jsonl. A scratchpad column is "a+b=s" or
"a+b+c=s" (c: the carry); it *slipped* when s != a+b+c; it is *re-checked* when " wait a+b(+c)=s2"
follows it, and *fixed* when s2 is right. Prints one line per file and, last, one JSON object per file
on its own line: completions, strict (answer inside <answer></answer> and right), recheck_share (share of
completions with a re-check), columns, slip_rate, wait_after_slip (P(re-check | slipped column)), fixed,
wait_after_right (P(re-check | right column)), strict_if_recheck and strict_if_not (strict accuracy of the
completions with and without a re-check: what re-checking is worth to the policy). An "aha moment" would
show wait_after_slip, or the re-check share, rising.
"""
import json
import re
import sys

COLUMN = re.compile(r"(\d)\+(\d)(?:\+(\d))?=(\d+)( wait (\d)\+(\d)(?:\+(\d))?=(\d+))?")
QUESTION = re.compile(r"(\d+)\+(\d+)=")
ANSWER = re.compile(r"<answer>(\d+)</answer>")


def stats(path):
    n = strict = share = cols = slips = wait_slip = fixed = right = wait_right = strict_rechecked = 0
    with open(path, encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            try:
                row = json.loads(line)
                q = QUESTION.search(row["prompt"])
                completion = row["completion"]
            except (ValueError, KeyError, TypeError):
                raise SystemExit(f"error: {path}:{line_no}: not a JSON object with \"prompt\" and \"completion\"")
            if not q:
                raise SystemExit(f"error: {path}:{line_no}: prompt {row['prompt']!r} is not an addition question")
            n += 1
            a = ANSWER.search(completion)
            is_strict = bool(a and int(a.group(1)) == int(q.group(1)) + int(q.group(2)))
            strict += is_strict
            rechecked = False
            for c in COLUMN.finditer(completion):
                true_sum = int(c[1]) + int(c[2]) + int(c[3] or 0)
                waited = c[5] is not None
                rechecked |= waited
                cols += 1
                if int(c[4]) != true_sum:
                    slips += 1
                    wait_slip += waited
                    fixed += waited and int(c[9]) == true_sum
                else:
                    right += 1
                    wait_right += waited
            share += rechecked
            strict_rechecked += rechecked and is_strict
    if n == 0:
        raise SystemExit(f"error: {path}: no completions")
    return {"file": path, "completions": n, "strict": strict / n, "recheck_share": share / n, "columns": cols,
            "slip_rate": slips / cols if cols else 0.0, "slipped": slips,
            "wait_after_slip": wait_slip / slips if slips else 0.0, "rechecked_slips": wait_slip, "fixed": fixed,
            "wait_after_right": wait_right / right if right else 0.0,
            "strict_if_recheck": strict_rechecked / share if share else 0.0,
            "strict_if_not": (strict - strict_rechecked) / (n - share) if n > share else 0.0}


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) > 1 else 2
    results = [stats(p) for p in argv[1:]]
    for r in results:
        print(f"{r['file']}: {r['completions']} completions, strict {r['strict']:.3f}, re-check share "
              f"{r['recheck_share']:.3f}; {r['columns']} columns, {r['slip_rate']:.3f} slipped; "
              f"P(re-check | slip) {r['wait_after_slip']:.3f} ({r['rechecked_slips']}/{r['slipped']}, "
              f"{r['fixed']} fixed); P(re-check | right column) {r['wait_after_right']:.4f}; strict with / "
              f"without a re-check {r['strict_if_recheck']:.3f} / {r['strict_if_not']:.3f}")
    for r in results:
        print(json.dumps(r))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
