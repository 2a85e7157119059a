#!/usr/bin/env python3
"""Writes tests/model/tokenizer/data/corpus_nfc.jsonl: for each line of the shared tokenizer corpus whose
NFC form differs from the line, {"line": N (from 1), "nfc": NFC text}. Uses only Python's unicodedata,
so the tokenizer test checks decode(encode(line)) against an independent NFC.
Usage: scripts/make_tokenizer_nfc_fixture.py [SHARED_DATA_DIR]"""
import json
import os
import sys
import unicodedata

here = os.path.dirname(os.path.abspath(__file__))
data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "shared", "data")
with open(os.path.join(data, "tokenizer_corpus.txt"), "rb") as f:
    text = f.read().decode("utf-8")
lines = text.split("\n")
if lines and lines[-1] == "":
    lines.pop()
out_path = os.path.join(here, "..", "tests", "model", "tokenizer", "data", "corpus_nfc.jsonl")
with open(out_path, "w", encoding="utf-8") as out:
    for n, line in enumerate(lines, 1):
        nfc = unicodedata.normalize("NFC", line)
        if nfc != line:
            out.write(json.dumps({"line": n, "nfc": nfc}) + "\n")
print(f"unicode {unicodedata.unidata_version}: wrote {out_path}", file=sys.stderr)
