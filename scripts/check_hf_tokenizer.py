#!/usr/bin/env python3
"""Checks that a folder's tokenizer.json (+ tokenizer_config.json) has the structure Hugging Face
tokenizers (Rust serde) and transformers expect. Standard library only (transformers is not
installable here).

    scripts/check_hf_tokenizer.py DIR [--encode TEXT]...

Exit 0 and "ok" when valid, else exit 1 with one line per problem. With --encode, prints the ids of each
TEXT as a JSON array, computed by a small independent encoder for merge-free BPE / WordLevel-free
character tokenizers (added tokens matched leftmost-longest, then one token per character), so tests can
compare it with the C++ tokenizer."""
import json
import os
import sys

from hf_check_common import help_requested, read_json, report

FLAGS = ("single_word", "lstrip", "rstrip", "normalized", "special")
MODEL_TYPES = {"BPE", "WordLevel", "WordPiece", "Unigram"}
DECODERS = {"ByteLevel", "Fuse", "Metaspace", "WordPiece", "BPEDecoder", "CTC", "Sequence", "Replace",
            "Strip", "ByteFallback"}


def check(folder):
    problems = []
    path = os.path.join(folder, "tokenizer.json")
    tok, problem = read_json(path)
    if problem:
        return [problem], None
    if not isinstance(tok, dict):
        return [f"{path}: not an object"], None
    for key in ("version", "truncation", "padding", "added_tokens", "normalizer", "pre_tokenizer",
                "post_processor", "decoder", "model"):
        if key not in tok:
            problems.append(f"{path}: key {key!r} missing")
    model = tok.get("model")
    vocab = {}
    if not isinstance(model, dict) or model.get("type") not in MODEL_TYPES:
        problems.append(f"{path}: model.type must be one of {sorted(MODEL_TYPES)}")
    else:
        vocab = model.get("vocab")
        if not isinstance(vocab, dict) or not all(isinstance(k, str) and type(v) is int and v >= 0
                                                  for k, v in vocab.items()):
            problems.append(f"{path}: model.vocab must map strings to non-negative integers")
            vocab = {}
        elif len(set(vocab.values())) != len(vocab):
            problems.append(f"{path}: model.vocab has repeated ids")
        if model["type"] == "BPE":
            for key, kinds in (("dropout", (float, int, type(None))), ("unk_token", (str, type(None))),
                               ("continuing_subword_prefix", (str, type(None))),
                               ("end_of_word_suffix", (str, type(None))), ("fuse_unk", (bool,)),
                               ("byte_fallback", (bool,)), ("ignore_merges", (bool,))):
                if key in model and not isinstance(model[key], kinds):
                    problems.append(f"{path}: model.{key} has the wrong type")
            merges = model.get("merges")
            if not isinstance(merges, list):
                problems.append(f"{path}: model.merges must be a list")
                merges = []
            for i, m in enumerate(merges):
                if isinstance(m, str) and m.count(" ") == 1:
                    a, b = m.split(" ")
                elif isinstance(m, list) and len(m) == 2 and all(isinstance(x, str) for x in m):
                    a, b = m
                else:
                    problems.append(f"{path}: model.merges[{i}] is not 'a b' or [a, b]")
                    continue
                for t in (a, b, a + b):
                    if t not in vocab:
                        problems.append(f"{path}: model.merges[{i}]: {t!r} not in model.vocab")
        unk = model.get("unk_token")
        if unk is not None and unk not in vocab:
            problems.append(f"{path}: model.unk_token {unk!r} not in model.vocab")
    added = tok.get("added_tokens")
    if not isinstance(added, list):
        problems.append(f"{path}: added_tokens must be a list")
        added = []
    ids = set()
    for i, a in enumerate(added):
        if not isinstance(a, dict) or type(a.get("id")) is not int or not isinstance(a.get("content"), str):
            problems.append(f"{path}: added_tokens[{i}] needs an integer id and a string content")
            continue
        for flag in FLAGS:
            if not isinstance(a.get(flag), bool):
                problems.append(f"{path}: added_tokens[{i}].{flag} must be true or false")
        if a["id"] in ids:
            problems.append(f"{path}: added_tokens[{i}]: id {a['id']} repeated")
        ids.add(a["id"])
        if a["content"] in vocab and vocab[a["content"]] != a["id"]:
            problems.append(f"{path}: added_tokens[{i}]: {a['content']!r} has id {vocab[a['content']]} in model.vocab")
    dec = tok.get("decoder")
    if dec is not None and (not isinstance(dec, dict) or dec.get("type") not in DECODERS):
        problems.append(f"{path}: decoder.type must be one of {sorted(DECODERS)}")

    cfg_path = os.path.join(folder, "tokenizer_config.json")
    if os.path.exists(cfg_path):
        cfg, problem = read_json(cfg_path)
        if problem:
            problems.append(problem)
            cfg = {}
        contents = set(vocab) | {a.get("content") for a in added if isinstance(a, dict)}
        for key in ("eos_token", "pad_token", "bos_token", "unk_token"):
            v = cfg.get(key)
            if isinstance(v, dict):
                v = v.get("content")
            if v is not None and v not in contents:
                problems.append(f"{cfg_path}: {key} {v!r} is not a token")
    return problems, tok


def encode(tok, text):
    model = tok["model"]
    if model["type"] != "BPE" or model["merges"] or tok["normalizer"] or tok["pre_tokenizer"]:
        raise SystemExit("--encode supports merge-free BPE without normalizer or pre_tokenizer only")
    added = sorted(tok["added_tokens"], key=lambda a: -len(a["content"]))
    vocab = model["vocab"]
    ids, i = [], 0
    while i < len(text):
        hit = next((a for a in added if text.startswith(a["content"], i)), None)
        if hit:
            ids.append(hit["id"])
            i += len(hit["content"])
        else:
            ids.append(vocab[text[i]])
            i += 1
    return ids


def main(argv):
    if help_requested(argv):
        print(__doc__)
        return 0
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    problems, tok = check(argv[1])
    if report(problems, sys.stdout):
        return 1
    rest = argv[2:]
    while rest:
        if rest[0] != "--encode" or len(rest) < 2:
            print("usage: check_hf_tokenizer.py DIR [--encode TEXT]...", file=sys.stderr)
            return 2
        print(json.dumps(encode(tok, rest[1])))
        rest = rest[2:]
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
