#!/usr/bin/python3
"""invr's two-tower training step, written the way a PyTorch user would, to
time it against `invr train` (docs/model.md, "Training throughput").

It reads the examples invr trains on, written by
`INVR_DUMP_TRAINING_DATA=DIR invr train ...` (src/model/core/training_data.h),
and the settings from DIR/config.toml, and mirrors src/model/torch/:

  item tower: [item-id emb | producer emb | mean token-bucket emb (EmbeddingBag)
               | age-bucket emb] -> Linear -> ReLU -> Linear [-> L2 normalise]
  user tower: last L positives (item-id embs, same table) pooled by attention
              (learned query + recency bias) or time decay, plus
              log(1 + history length) -> Linear -> ReLU -> Linear [-> L2 normalise]
  loss:       in-batch softmax, logits = u.v / temperature - log q(item),
              an item repeated in the batch masked out as its own negative
  optimiser:  Adam on the dense layers; torch.optim.SparseAdam on the
              sparse-gradient tables (item ids, producers, token buckets),
              which is the rule invr's LazyAdam implements.

Batches are built from the dump with vectorised NumPy (the job of a
DataLoader's collate), inside the timed loop, as invr builds its batches
inside its timed epoch. The shuffle uses NumPy's generator, so the batches
hold the same examples in another order: same shapes and work, not
bit-identical losses.

Prints one JSON line: examples/s over `--steps` timed steps (default: one
epoch) after `--warmup-steps`.

  /usr/bin/python3 bench/bench_train.py --dump out/bench_train/ml/dump --threads 1
"""
import argparse
import json
import math
import os
import sys
import time
import tomllib

import numpy as np


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dump", required=True, help="folder written by INVR_DUMP_TRAINING_DATA")
    p.add_argument("--threads", type=int, default=1, help="torch.set_num_threads and BLAS threads")
    p.add_argument("--batch-size", type=int, default=0, help="default: config.toml's batch_size")
    p.add_argument("--warmup-steps", type=int, default=10)
    p.add_argument("--steps", type=int, default=0, help="timed steps; default: one epoch")
    p.add_argument("--seed", type=int, default=42)
    return p.parse_args()


ARGS = parse_args()
# Before torch loads: invr sets OpenBLAS's pool to --threads too.
os.environ["OMP_NUM_THREADS"] = str(ARGS.threads)
os.environ["OPENBLAS_NUM_THREADS"] = str(ARGS.threads)
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

SECONDS_PER_DAY = 86400.0


def load(dump, name, as_time=False):
    array = np.load(os.path.join(dump, name + ".npy"))
    return array.view(np.float64) if as_time else array


class Data:
    """The dump: examples, CSR histories and the item catalog."""

    def __init__(self, dump):
        self.user = load(dump, "example_user")
        self.position = load(dump, "example_position")
        self.history_offsets = load(dump, "history_offsets")
        self.history_item = load(dump, "history_item")
        self.history_time = load(dump, "history_time_bits", as_time=True)
        self.input_id = load(dump, "item_input_id")
        self.producer = load(dump, "item_producer")
        self.token_offsets = load(dump, "item_token_offsets")
        self.tokens = load(dump, "item_tokens")
        self.publish_time = load(dump, "item_publish_time_bits", as_time=True)
        self.log_q = torch.from_numpy(load(dump, "log_q"))
        self.item_rows, self.producer_rows = (int(x) for x in load(dump, "table_rows"))

    def __len__(self):
        return len(self.user)

    def batch(self, examples, length):
        """Tower inputs for example indices, as invr's features.cc builds them."""
        start = self.history_offsets[self.user[examples]]
        event = start + self.position[examples]  # the example's own positive
        item = self.history_item[event]
        now = self.history_time[event]
        # History: the user's positives before `event`, most recent first.
        # Training items all have input ids (> 0), so nothing is skipped.
        index = (event - 1)[:, None] - np.arange(length)[None, :]
        valid = index >= start[:, None]
        index = np.where(valid, index, 0)
        history = np.where(valid, self.input_id[self.history_item[index]], 0)
        event_time = self.history_time[index]
        age = np.where(np.isnan(event_time) | np.isnan(now)[:, None], 0.0,
                       np.maximum(0.0, now[:, None] - event_time) / SECONDS_PER_DAY)
        age = np.where(valid, age, 0.0)
        # Items: ids, producers, EmbeddingBag tokens/offsets, age at `now`.
        begin, end = self.token_offsets[item], self.token_offsets[item + 1]
        counts = end - begin
        offsets = np.concatenate(([0], np.cumsum(counts)[:-1]))
        token_index = np.repeat(begin - offsets, counts) + np.arange(counts.sum())
        publish = self.publish_time[item]
        item_age = np.where(np.isnan(publish) | np.isnan(now), -1.0,
                            np.maximum(0.0, now - publish) / SECONDS_PER_DAY)
        t = torch.from_numpy
        return {
            "history": t(history), "mask": t(valid.astype(np.float32)),
            "history_age": t(age.astype(np.float32)),
            "item": t(self.input_id[item]), "producer": t(self.producer[item]),
            "tokens": t(self.tokens[token_index]), "token_offsets": t(offsets),
            "item_age": t(item_age.astype(np.float32)),
        }


class TwoTower(nn.Module):
    def __init__(self, config, item_rows, producer_rows):
        super().__init__()
        e, h, d = config["embedding_dim"], config["hidden_dim"], config["dim"]
        self.age_buckets = config["age_buckets"]
        self.attention = config["pooling"] == "attention"
        self.decay_rate = math.log(2.0) / config["decay_half_life_days"]
        self.normalize = config["normalize"]
        self.item_embedding = nn.Embedding(item_rows, e, sparse=True)
        self.producer_embedding = nn.Embedding(producer_rows, e, sparse=True)
        self.token_bag = nn.EmbeddingBag(config["token_buckets"], e, mode="mean", sparse=True)
        self.age_embedding = nn.Embedding(config["age_buckets"], e)
        self.item_mlp = nn.Sequential(nn.Linear(4 * e, h), nn.ReLU(), nn.Linear(h, d))
        self.attention_key = nn.Linear(e, e)
        self.attention_query = nn.Parameter(torch.randn(e) * 0.1)
        self.recency_bias = nn.Parameter(torch.zeros(config["history_length"]))
        self.user_mlp = nn.Sequential(nn.Linear(e + 1, h), nn.ReLU(), nn.Linear(h, d))

    def sparse_parameters(self):
        return [self.item_embedding.weight, self.producer_embedding.weight, self.token_bag.weight]

    def finish(self, x):
        return F.normalize(x, dim=1) if self.normalize else x

    def item_tower(self, item, producer, tokens, token_offsets, age_days):
        known = (torch.floor(torch.log2(1.0 + age_days.clamp_min(0))) + 1) \
            .clamp(1, self.age_buckets - 1).long()
        bucket = torch.where(age_days < 0, torch.zeros_like(known), known)
        features = torch.cat([self.item_embedding(item), self.producer_embedding(producer),
                              self.token_bag(tokens, token_offsets), self.age_embedding(bucket)], 1)
        return self.finish(self.item_mlp(features))

    def user_tower(self, history, mask, age_days):
        vectors = self.item_embedding(history)  # [B, L, E]
        if self.attention:
            scores = torch.matmul(torch.tanh(self.attention_key(vectors)), self.attention_query) \
                + self.recency_bias[: history.shape[1]]
        else:
            scores = age_days * -self.decay_rate
        weights = torch.softmax(scores.masked_fill(mask == 0, -1e9), 1) * mask
        pooled = torch.bmm(weights.unsqueeze(1), vectors).squeeze(1)
        count = torch.log1p(mask.sum(1, keepdim=True))
        return self.finish(self.user_mlp(torch.cat([pooled, count], 1)))


def main():
    torch.set_num_threads(ARGS.threads)
    torch.manual_seed(ARGS.seed)
    with open(os.path.join(ARGS.dump, "config.toml"), "rb") as f:
        config = tomllib.load(f)
    data = Data(ARGS.dump)
    batch_size = ARGS.batch_size or config["batch_size"]
    length = config["history_length"]
    model = TwoTower(config, data.item_rows, data.producer_rows)
    sparse_ids = {id(p) for p in model.sparse_parameters()}
    dense = [p for p in model.parameters() if id(p) not in sparse_ids]
    optimizers = [torch.optim.Adam(dense, lr=config["learning_rate"]),
                  torch.optim.SparseAdam(model.sparse_parameters(), lr=config["learning_rate"])]
    id_dropout = config["id_dropout"] if config["cold_start"] == "content" else 0.0
    rng = np.random.default_rng(ARGS.seed)

    def batches():
        while True:  # epoch after epoch, each shuffled
            order = rng.permutation(len(data))
            for begin in range(0, len(order), batch_size):
                yield order[begin: begin + batch_size]

    def step(examples):
        x = data.batch(examples, length)
        item_ids = x["item"]
        item = item_ids
        if id_dropout > 0:
            item = torch.where(torch.from_numpy(rng.random(len(examples)) < id_dropout),
                               torch.zeros_like(item), item)
        users = model.user_tower(x["history"], x["mask"], x["history_age"])
        items = model.item_tower(item, x["producer"], x["tokens"], x["token_offsets"],
                                 x["item_age"])
        logits = users @ items.t() / config["temperature"]
        if config["logq_correction"]:
            logits = logits - data.log_q.index_select(0, item_ids).unsqueeze(0)
        same = item_ids.unsqueeze(0) == item_ids.unsqueeze(1)
        same.fill_diagonal_(False)
        logits = logits.masked_fill(same, float("-inf"))
        loss = F.cross_entropy(logits, torch.arange(len(examples)))
        for o in optimizers:
            o.zero_grad()
        loss.backward()
        for o in optimizers:
            o.step()
        return loss.item()

    stream = batches()
    for _ in range(ARGS.warmup_steps):
        step(next(stream))
    steps = ARGS.steps or math.ceil(len(data) / batch_size)
    # The timed steps start a fresh epoch, so the default covers each example once.
    stream = batches()
    examples = 0
    loss_sum = 0.0
    start = time.perf_counter()
    for _ in range(steps):
        batch = next(stream)
        loss_sum += step(batch) * len(batch)
        examples += len(batch)
    seconds = time.perf_counter() - start
    print(json.dumps({
        "examples_per_second": examples / seconds, "examples": examples, "steps": steps,
        "seconds": seconds, "mean_loss": loss_sum / examples, "threads": torch.get_num_threads(),
        "batch_size": batch_size, "torch": torch.__version__}))


if __name__ == "__main__":
    sys.exit(main())
