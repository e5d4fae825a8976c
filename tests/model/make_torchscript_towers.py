#!/usr/bin/python3
"""Builds a "torchscript" invr model directory with real PyTorch, plus the
reference embeddings invr must reproduce (docs/model.md, "Bring your own
model"). Run with the Debian interpreter, which has torch:

    /usr/bin/python3 tests/model/make_torchscript_towers.py OUT_DIR

Writes
  OUT_DIR/model/      manifest.json, config.toml, items.txt, producers.txt,
                      user_tower.pt, item_tower.pt
  OUT_DIR/bad_model/  the same with an item tower of the wrong signature
  OUT_DIR/dataset.json    the toy dataset invr embeds
  OUT_DIR/reference.json  {"as_of", "dim", "items": [[...]], "users": [[...]]}

The features are computed here from the documented rules, independently of
invr's C++, so a match checks the rules as well as the TorchScript call.
"""
import json
import math
import os
import sys

import torch
from torch import nn

HISTORY_LENGTH = 4
TOKEN_BUCKETS = 97
DIM = 6
AS_OF = 1_700_000_000.0
DAY = 86400.0

MODEL_ITEMS = ["i0", "i1", "i2", "i3", "i4", "i5"]
MODEL_PRODUCERS = ["p0", "p1"]

# Dataset items: ids, producer, publish time (None = unknown), tokens.
ITEMS = [
    ("i2", "p1", AS_OF - 3 * DAY, ["genre=rock", "lang=en"]),
    ("i0", "p0", AS_OF - 400 * DAY, ["genre=jazz"]),
    ("i1", "p0", AS_OF + 2 * DAY, ["genre=rock", "genre=pop", "lang=fr"]),  # published after as_of
    ("i3", "p1", AS_OF - 0.5 * DAY, []),  # no tokens
    ("i4", "p1", None, ["lang=en"]),  # unknown publish time
    ("new_item", "p_new", AS_OF - DAY, ["genre=rock"]),  # unknown to the model
    ("i5", "p0", AS_OF - 10 * DAY, ["genre=jazz", "lang=de"]),
]
USERS = ["a", "b", "c", "d"]
# (user, item, timestamp or None, event)
INTERACTIONS = [
    ("a", "i0", AS_OF - 5 * DAY, "click"),
    ("a", "i2", AS_OF - 4 * DAY, "click"),
    ("a", "i1", AS_OF - 4 * DAY, "purchase"),  # same time: row order breaks the tie
    ("a", "i5", AS_OF + DAY, "click"),  # after as_of: not in the history
    ("b", "i3", AS_OF + 3 * DAY, "click"),  # b has nothing before as_of
    ("c", "i0", AS_OF - 9 * DAY, "click"),
    ("c", "i1", AS_OF - 8 * DAY, "click"),
    ("c", "i2", AS_OF - 7 * DAY, "impression"),  # not a positive
    ("c", "i3", AS_OF - 6 * DAY, "click"),
    ("c", "new_item", AS_OF - 5 * DAY, "click"),  # unknown item: skipped
    ("c", "i4", AS_OF - 4 * DAY, "listen"),
    ("c", "i5", AS_OF - 3 * DAY, "click"),
    ("c", "i0", AS_OF - 2 * DAY, "click"),
    ("c", "i2", AS_OF - 1 * DAY, "click"),
    ("d", "i4", None, "click"),  # untimed events count and sort first
    ("d", "i5", AS_OF - 2 * DAY, "click"),
]


def fnv1a64(text):
    value = 14695981039346656037
    for byte in text.encode("utf-8"):
        value ^= byte
        value = (value * 1099511628211) % (1 << 64)
    return value


def input_id(ids, key):
    return ids.index(key) + 1 if key in ids else 0


def item_inputs():
    item, producer, tokens, offsets, age = [], [], [], [], []
    for key, prod, publish, toks in ITEMS:
        item.append(input_id(MODEL_ITEMS, key))
        producer.append(input_id(MODEL_PRODUCERS, prod))
        offsets.append(len(tokens))
        tokens.extend(fnv1a64(t) % TOKEN_BUCKETS for t in toks)
        age.append(-1.0 if publish is None else max(0.0, AS_OF - publish) / DAY)
    return (torch.tensor(item, dtype=torch.int64), torch.tensor(producer, dtype=torch.int64),
            torch.tensor(tokens, dtype=torch.int64), torch.tensor(offsets, dtype=torch.int64),
            torch.tensor(age, dtype=torch.float32))


def user_inputs():
    history, mask, age = [], [], []
    for user in USERS:
        rows = [(row, t, key) for row, (u, key, t, event) in enumerate(INTERACTIONS)
                if u == user and event != "impression" and (t is None or t < AS_OF)]
        rows.sort(key=lambda r: (-math.inf if r[1] is None else r[1], r[0]))
        h, m, a = [], [], []
        for _, t, key in reversed(rows):
            if len(h) == HISTORY_LENGTH:
                break
            ident = input_id(MODEL_ITEMS, key)
            if ident == 0:
                continue
            h.append(ident)
            m.append(1.0)
            a.append(0.0 if t is None else max(0.0, AS_OF - t) / DAY)
        pad = HISTORY_LENGTH - len(h)
        history.append(h + [0] * pad)
        mask.append(m + [0.0] * pad)
        age.append(a + [0.0] * pad)
    return (torch.tensor(history, dtype=torch.int64), torch.tensor(mask, dtype=torch.float32),
            torch.tensor(age, dtype=torch.float32))


class ItemTower(nn.Module):
    def __init__(self):
        super().__init__()
        self.item = nn.Embedding(len(MODEL_ITEMS) + 1, 8)
        self.producer = nn.Embedding(len(MODEL_PRODUCERS) + 1, 8)
        self.tokens = nn.EmbeddingBag(TOKEN_BUCKETS, 8, mode="mean")
        self.age = nn.Linear(2, 8)
        self.out = nn.Linear(32, DIM)

    def forward(self, item: torch.Tensor, producer: torch.Tensor, tokens: torch.Tensor,
                token_offsets: torch.Tensor, age_days: torch.Tensor) -> torch.Tensor:
        unknown = (age_days < 0).float().unsqueeze(1)
        age = torch.cat([torch.log1p(age_days.clamp(min=0.0)).unsqueeze(1), unknown], 1)
        x = torch.cat([self.item(item), self.producer(producer),
                       self.tokens(tokens, token_offsets), self.age(age)], 1)
        return self.out(torch.tanh(x))


class UserTower(nn.Module):
    def __init__(self):
        super().__init__()
        self.item = nn.Embedding(len(MODEL_ITEMS) + 1, 8)
        self.out = nn.Linear(9, DIM)

    def forward(self, history: torch.Tensor, mask: torch.Tensor,
                age_days: torch.Tensor) -> torch.Tensor:
        weights = mask * torch.exp(-age_days / 30.0)
        pooled = (self.item(history) * weights.unsqueeze(2)).sum(1) / (
            weights.sum(1, keepdim=True) + 1e-6)
        return self.out(torch.cat([pooled, mask.sum(1, keepdim=True)], 1))


class WrongItemTower(nn.Module):
    def __init__(self):
        super().__init__()
        self.item = nn.Embedding(len(MODEL_ITEMS) + 1, DIM)

    def forward(self, item: torch.Tensor, producer: torch.Tensor) -> torch.Tensor:
        return self.item(item)


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def write_model(directory, user_tower, item_tower):
    os.makedirs(directory, exist_ok=True)
    torch.jit.script(user_tower).save(os.path.join(directory, "user_tower.pt"))
    torch.jit.script(item_tower).save(os.path.join(directory, "item_tower.pt"))
    write(os.path.join(directory, "items.txt"), "".join(i + "\n" for i in MODEL_ITEMS))
    write(os.path.join(directory, "producers.txt"), "".join(p + "\n" for p in MODEL_PRODUCERS))
    write(os.path.join(directory, "config.toml"),
          f"history_length = {HISTORY_LENGTH}\ntoken_buckets = {TOKEN_BUCKETS}\n")
    write(os.path.join(directory, "manifest.json"),
          json.dumps({"magic": "invr-model", "format_version": 1, "kind": "torchscript",
                      "dim": DIM}, indent=2) + "\n")


def main():
    out = sys.argv[1]
    torch.manual_seed(0)
    user_tower, item_tower = UserTower().eval(), ItemTower().eval()
    write_model(os.path.join(out, "model"), user_tower, item_tower)
    write_model(os.path.join(out, "bad_model"), user_tower, WrongItemTower())
    with torch.no_grad():
        items = item_tower(*item_inputs())
        users = user_tower(*user_inputs())
    dataset = {
        "users": USERS,
        "items": [{"id": i, "producer": p, "publish_time": t, "tokens": toks}
                  for i, p, t, toks in ITEMS],
        "interactions": [{"user": u, "item": i, "timestamp": t, "event": e}
                         for u, i, t, e in INTERACTIONS],
    }
    write(os.path.join(out, "dataset.json"), json.dumps(dataset, indent=1))
    write(os.path.join(out, "reference.json"),
          json.dumps({"as_of": AS_OF, "dim": DIM, "items": items.tolist(),
                      "users": users.tolist()}))


if __name__ == "__main__":
    main()
