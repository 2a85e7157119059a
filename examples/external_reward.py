#!/usr/bin/env python3
"""An example external reward for ZeroRL: any language works, this one is Python.

Config:
    rewards:
      keyword:
        weight: 0.5
        command: [python3, examples/external_reward.py]
        timeout_s: 10

Protocol (JSON lines over stdin/stdout, one exchange per batch; see DESIGN.md):
    in:  {"reward": "keyword", "items": [{...row fields, "prompt", "completion",
                                          "completion_tokens", "finish_reason"}, ...]}
    out: {"scores": [number or null, ...]}   (same order; null = no score)

This reward gives 1.0 when the row's "keyword" field occurs in the completion, 0.0 when it
does not, and null (no score) for rows without a keyword. Flush after every reply: zerorl
waits for the newline.
"""
import json
import sys


def score(item):
    keyword = item.get("keyword")
    if not isinstance(keyword, str) or not keyword:
        return None
    return 1.0 if keyword.lower() in item.get("completion", "").lower() else 0.0


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        scores = [score(item) for item in request["items"]]
        sys.stdout.write(json.dumps({"scores": scores}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
