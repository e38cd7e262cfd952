#!/usr/bin/env python3
"""Check a factgraph inclusion proof without factgraph (Python 3 standard library only).

    python3 verify_proof.py PROOF.json --release-ttl release.ttl
    python3 verify_proof.py PROOF.json --merkle-root HEX [--tree-size N]

A proof (`factgraph cite FACT --release V --proof --format json`) says that one fact is
in one release. This script recomputes, independently of factgraph's own code:

1. the fact's content hash: its N-Triples lines, each followed by a newline, sorted by
   their bytes, concatenated, SHA-256;
2. its leaf hash: SHA-256(0x00 || the 32 bytes of that hash);
3. the root, from the leaf up the audit path (RFC 9162, section 2.1.3.2), where each
   node is SHA-256(0x01 || left || right);

and compares the root with one you trust: the fg:merkleRoot of the release's
release.ttl (which also fixes the number of facts, the release IRI, version and graph
hash), or a root given by hand. Exit status: 0 proved, 1 not proved, 2 usage error.
"""

import argparse
import hashlib
import json
import re
import sys

FORMAT = "factgraph-inclusion-proof"
VERSION = 1


class NotProved(Exception):
    """The proof does not prove its fact."""


class Unusable(Exception):
    """What to check against cannot be used (exit 2)."""


def parse_hash(field, value):
    if not isinstance(value, str) or not re.fullmatch(r"[0-9a-fA-F]{64}", value):
        raise NotProved(f"{field} is not a sha256 (64 hex digits): {value!r}")
    return bytes.fromhex(value)


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_path(leaf, index, size, path):
    """RFC 9162, 2.1.3.2: the root that `path` leads to from `leaf` at `index`."""
    if not 0 <= index < size:
        raise NotProved(f"leaf index {index} is not in a tree of {size} leaves")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise NotProved("the audit path has more hashes than this index and size need")
        if fn & 1 or fn == sn:
            r = node(p, r)
            while fn & 1 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise NotProved("the audit path has fewer hashes than this index and size need")
    return r


def read_release_ttl(path):
    """The anchor declared by a release.ttl: merkle root, fact count, IRI, version, graph hash.

    A line parse of factgraph's own Turtle output: `@prefix` lines, then subjects at the
    start of a line and their predicates on indented lines after it."""
    prefixes, subject, found = {}, None, {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"@prefix\s+([\w.-]*):\s*<([^>]*)>\s*\.", line)
            if m:
                prefixes[m.group(1)] = m.group(2)
                continue
            if line.strip() and not line[0].isspace():
                subject = line.split()[0]
            for key, pattern in [
                ("root", r'(?:fg:|#)merkleRoot>?\s+"([0-9a-fA-F]{64})"'),
                ("tree_size", r'(?:fg:|#)factCount>?\s+"?(\d+)'),
                ("graph_sha256", r'(?:fg:|#)graphSha256>?\s+"([0-9a-fA-F]{64})"'),
                ("version", r'(?:dcat:|dcat#)version>?\s+"([^"]*)"'),
            ]:
                m = re.search(pattern, line)
                if m:
                    found[key] = m.group(1)
                    if key == "root":
                        found["iri"] = expand(subject, prefixes)
    if "root" not in found:
        raise Unusable(
            f"{path} declares no fg:merkleRoot (releases made before Merkle roots have none)"
        )
    return {
        "root": bytes.fromhex(found["root"]),
        "tree_size": int(found["tree_size"]) if "tree_size" in found else None,
        "iri": found.get("iri"),
        "version": found.get("version"),
        "graph_sha256": found.get("graph_sha256"),
    }


def expand(term, prefixes):
    if term is None:
        return None
    if term.startswith("<") and term.endswith(">"):
        return term[1:-1]
    name, _, local = term.partition(":")
    if name in prefixes:
        return prefixes[name] + re.sub(r"\\(.)", r"\1", local)
    return term


def check(proof, anchor):
    if proof.get("format") != FORMAT or proof.get("format_version") != VERSION:
        raise NotProved(
            f"not a {FORMAT} version {VERSION} (format {proof.get('format')!r}, "
            f"version {proof.get('format_version')!r})"
        )
    release, fact, path = proof["release"], proof["fact"], proof["audit_path"]
    stated_fact = parse_hash("fact.sha256", fact["sha256"])
    stated_root = parse_hash("release.merkle_root", release["merkle_root"])
    siblings = [parse_hash(f"audit_path[{i}]", h) for i, h in enumerate(path)]
    iri, fact_id, triples = fact["iri"], fact["id"], fact["triples"]
    if not fact_id or not iri.endswith(fact_id):
        raise NotProved(f"fact.id {fact_id!r} does not name fact <{iri}>")
    if not triples:
        raise NotProved(f"the proof holds no triples for fact <{iri}>")
    for i, line in enumerate(triples):
        about = line.startswith(f"<{iri}> ") or line.startswith(f"<{iri}#")
        if not about or "\n" in line or not line.endswith(" ."):
            raise NotProved(f"fact.triples[{i}] is not about fact <{iri}>: {line}")

    data = b"".join(sorted(line.encode("utf-8") + b"\n" for line in triples))
    fact_hash = hashlib.sha256(data).digest()
    if fact_hash != stated_fact:
        raise NotProved(
            f"the fact's triples hash to {fact_hash.hex()}, but the proof says "
            f"{fact['sha256']}: the triples or the hash were altered"
        )
    leaf = hashlib.sha256(b"\x00" + fact_hash).digest()
    root = root_from_path(leaf, fact["index"], release["tree_size"], siblings)
    if root != stated_root:
        raise NotProved(
            f"the audit path leads to root {root.hex()}, but the proof names "
            f"{release['merkle_root']}: the proof was altered"
        )
    if root != anchor["root"]:
        raise NotProved(
            f"the proof leads to root {root.hex()} (release {release['version']}), but the "
            f"trusted root is {anchor['root'].hex()}: the fact is not proved to be in that release"
        )
    for field in ["tree_size", "iri", "version", "graph_sha256"]:
        trusted = anchor.get(field)
        if trusted is not None and trusted != release[field]:
            raise NotProved(
                f"the proof says release.{field} is {release[field]!r}, but the trusted "
                f"release description says {trusted!r}"
            )
    return fact_hash, leaf, root


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("proof", help="the proof file (JSON)")
    trust = parser.add_mutually_exclusive_group(required=True)
    trust.add_argument(
        "--merkle-root", "--root", dest="root", help="the release's Merkle root (64 hex digits)"
    )
    trust.add_argument("--release-ttl", help="the release's release.ttl")
    parser.add_argument("--tree-size", type=int, help="with --merkle-root: the number of facts")
    args = parser.parse_args()
    try:
        if args.release_ttl:
            anchor = read_release_ttl(args.release_ttl)
            trusted = f"release.ttl {args.release_ttl}"
        else:
            if not re.fullmatch(r"[0-9a-fA-F]{64}", args.root):
                raise Unusable(f"--merkle-root {args.root!r} is not a Merkle root (64 hex digits)")
            anchor = {"root": bytes.fromhex(args.root), "tree_size": args.tree_size}
            trusted = "--merkle-root"
        with open(args.proof, encoding="utf-8") as f:
            text = f.read()
    except (OSError, Unusable) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    try:
        try:
            proof = json.loads(text)
        except ValueError as e:
            raise NotProved(f"not a factgraph inclusion proof: {e}")
        fact_hash, leaf, root = check(proof, anchor)
    except NotProved as e:
        print(f"{args.proof}: NOT PROVED: {e}", file=sys.stderr)
        return 1
    except (KeyError, TypeError, AttributeError) as e:
        print(f"{args.proof}: NOT PROVED: malformed proof ({type(e).__name__}: {e})", file=sys.stderr)
        return 1
    fact, release = proof["fact"], proof["release"]
    print(
        f"{args.proof}: PROVED: fact {fact['id']} <{fact['iri']}> is leaf {fact['index']} of "
        f"{release['tree_size']} in release {release['version']} <{release['iri']}>\n"
        f"  fact sha256 {fact_hash.hex()} (recomputed from {len(fact['triples'])} triples)\n"
        f"  leaf hash   {leaf.hex()}\n"
        f"  merkle root {root.hex()} (as {trusted} says)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
