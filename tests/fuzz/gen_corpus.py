#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the seed corpus of iodirty-fuzz-api (tests/fuzz/corpus/api).

An input is two bytes for the domain (granule index, hardware model) and
then one 16-byte record per call: the operation's index in the table of
fuzz_api.c, then its choices (see draw() there). Each seed sets up some
mappings (one a whole 2 MiB leaf), turns tracking on, writes, and then
makes one kind of call several times with random choices, then that call
and others mixed with reads. Each kind of call has a seed on three kinds
of domain: 4 KiB granule; 64 KiB with the hardware model (no split);
2 MiB with the hardware model (eager split). Deterministic: the same files
each time.

Usage: tests/fuzz/gen_corpus.py [OUT-DIR]   (default: the corpus dir)
"""
import os
import random
import sys

REC = 16
# Index of each operation in ops[] of fuzz_api.c (the first of repeats).
OPS = {
    'map': 0, 'unmap': 4, 'dma_write': 7, 'dma_read': 10, 'mark': 11,
    'read': 13, 'read_uaddr': 15, 'read_count_all': 16, 'unmap_cut': 17,
    'translate': 18, 'mappings': 19, 'extents_iova': 20,
    'extents_uaddr': 21, 'set_dirty_iova': 22, 'set_dirty_uaddr': 23,
    'tracking': 24, 'map_vec': 26, 'unmap_vec': 27, 'reserve': 28,
    'sg': 29, 'dmav': 30, 'invalid': 31,
}
# (granule index: 4 KiB << index, hardware model: 0 off, 1 no split,
# 2 eager split)
DOMAINS = [('4k', 0, 0), ('64k-hw', 4, 1), ('2m-hw-eager', 9, 2)]


def rec(op, args):
    return bytes([op]) + bytes(args[:REC - 1]).ljust(REC - 1, b'\0')


def leaf_map():
    # op_map: prot (read-write), k >= 30 (a random place), page 512,
    # a long run (k >= 90) of 512 pages, RAM page 0: a whole 2 MiB leaf.
    return rec(OPS['map'], [0, 50, 0x02, 0x00, 95, 0x01, 0xff, 0, 0])


def seed(rng, name, dom):
    _, gran, hw = dom
    out = bytes([gran, hw])
    out += leaf_map()
    for _ in range(6):
        out += rec(OPS['map'], [rng.randrange(256) for _ in range(15)])
    out += rec(OPS['tracking'], [1])
    for op in ('dma_write', 'dma_write', 'mark'):
        out += rec(OPS[op], [rng.randrange(256) for _ in range(15)])
    for _ in range(6):
        out += rec(OPS[name], [rng.randrange(256) for _ in range(15)])
    # then calls of every kind mixed with it, a read after each
    for _ in range(12):
        op = rng.choice([OPS[name], rng.randrange(256)])
        out += rec(op, [rng.randrange(256) for _ in range(15)])
        out += rec(OPS['read'], [rng.randrange(256) for _ in range(15)])
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out_dir = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.join(here, 'corpus', 'api')
    os.makedirs(out_dir, exist_ok=True)
    rng = random.Random(0x10d1)
    for name in OPS:
        for dom in DOMAINS:
            path = os.path.join(out_dir, f'{name}-{dom[0]}')
            with open(path, 'wb') as f:
                f.write(seed(rng, name, dom))


if __name__ == '__main__':
    main()
