#!/usr/bin/env python3
# Usage: python3 make_tiny_v1_truth.py tiny_v1.truth
# Writes tests/testdata/synth/tiny_v1.truth from the spec in docs/synthetic_world.md,
# independently of the C++ writer.
import struct, sys
dim, users, items, pubs, seed = 2, 3, 4, 2, 7
header = b"INVRTRTH" + struct.pack("<IIQQQQ", 1, dim, users, items, pubs, seed)
header += struct.pack("<6d", 4.0, 0.5, -3.25, 0.7, 1704067200.0, 1704067200.0 + 2 * 86400)
user_interest = [1, 0, 0, 1, 0.6, 0.8]
item_topic = [0, 1, 1, 0, 0.8, 0.6, -1, 0]
item_quality = [0.25, -0.5, 1.5, 0.0]
item_publisher = [0, 1, 1, 0]
publisher_quality = [0.125, -0.75]
body = struct.pack(f"<{len(user_interest)}f", *user_interest)
body += struct.pack(f"<{len(item_topic)}f", *item_topic)
body += struct.pack("<4f", *item_quality)
body += struct.pack("<4i", *item_publisher)
body += struct.pack("<2f", *publisher_quality)
data = header + body
h = 0xcbf29ce484222325
for b in data:
    h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
open(sys.argv[1], "wb").write(data + struct.pack("<Q", h))
