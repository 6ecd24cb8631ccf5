"""Dialogue acts learned from data: a small multi-label linear classifier over character n-grams
(and English word n-grams), trained from the labelled corpus in `analysis/corpus/`.

Training is an averaged multi-label perceptron in numpy: a few seconds for the corpus, done on
first use and cached in the data directory by the corpus hash, so a changed corpus retrains itself. The lexicons stay on top as high-precision rules
(`analysis/reading.py`); cross-validated precision/recall per act: `python -m bench.acts`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.models import ACTS, OPERATOR_ACTS
from assistant.text import normalize

CORPUS_DIR = Path(__file__).parent / "corpus"
CUSTOMER_FILES = ("customer-zh.jsonl", "customer-en.jsonl")
OPERATOR_FILES = ("operator.jsonl",)
MODEL_VERSION = 2  # bump when features or training change, so cached models are rebuilt
_WORD = re.compile(r"[a-z][a-z']*|\d+")
_DIGITS = re.compile(r"\d")
log = logging.getLogger(__name__)


def features(text: str) -> list[str]:
    """Character 1–3-grams of the normalised, lower-cased text (with start/end marks), English
    word 1–2-grams, and the sentence-final mark."""
    t = _DIGITS.sub("0", normalize(text).lower())
    t = re.sub(r"\s+", " ", t).strip()
    out: set[str] = set()
    padded = f"^{t}$"
    for n in (1, 2, 3):
        for i in range(len(padded) - n + 1):
            gram = padded[i : i + n]
            if not gram.isspace():
                out.add(gram)
    words = _WORD.findall(t)
    out.update(f"w:{w}" for w in words)
    out.update(f"w:{a}_{b}" for a, b in zip(words, words[1:], strict=False))
    stripped = t.rstrip(" ~!.。…😊🙂😂🤔🙏👍")
    if stripped.endswith(("?", "吗", "呢", "么", "嘛")):
        out.add("END?")
    out.add(f"LEN:{min(len(t) // 4, 10)}")
    return sorted(out)


@dataclass
class Sample:
    text: str
    acts: list[str]
    lang: str


def load_corpus(files: tuple[str, ...], folder: Path = CORPUS_DIR) -> list[Sample]:
    samples = []
    for name in files:
        path = folder / name
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                samples.append(Sample(row["text"], list(row["acts"]), row.get("lang", "zh")))
    return samples


class ActModel:
    """One linear scorer per label over binary features; a label applies when its margin is > 0."""

    def __init__(self, labels: tuple[str, ...], vocab: dict[str, int], weights: np.ndarray):
        self.labels = labels
        self.vocab = vocab
        self.weights = weights  # (features + 1, labels); the last row is the bias

    def margins(self, text: str) -> dict[str, float]:
        """The margin of every label (> 0: the text performs that act; larger: surer)."""
        ids = [self.vocab[f] for f in features(text) if f in self.vocab]
        ids.append(len(self.vocab))  # the bias
        z = self.weights[ids].sum(axis=0)
        return {label: float(v) for label, v in zip(self.labels, z, strict=True)}

    def predict(self, text: str, threshold: float = 0.0) -> list[str]:
        return [label for label, m in self.margins(text).items() if m > threshold]

    # -- persistence -----------------------------------------------------------------------
    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp.npz")
        terms = sorted(self.vocab, key=self.vocab.__getitem__)
        np.savez_compressed(
            tmp, labels=np.array(self.labels), terms=np.array(terms), weights=self.weights.astype(np.float32)
        )
        tmp.replace(path)  # readers see the old file or the new one, never half of it

    @classmethod
    def load(cls, path: Path) -> ActModel:
        with np.load(path, allow_pickle=False) as data:
            terms = [str(t) for t in data["terms"]]
            return cls(
                tuple(str(x) for x in data["labels"]),
                {t: i for i, t in enumerate(terms)},
                data["weights"].astype(np.float64),
            )


def train(
    samples: list[Sample], labels: tuple[str, ...], *, epochs: int = 10, margin: float = 1.0
) -> ActModel:
    """Averaged multi-label perceptron with a margin (one weight column per label), deterministic
    for a given corpus: a second or two, no dependency beyond numpy. Chosen over logistic regression
    and naive Bayes by cross-validation (bench/acts.py): better recall at the same precision, and
    it converges in a few passes."""
    rows = [features(s.text) for s in samples]
    vocab: dict[str, int] = {}
    for row in rows:
        for f in row:
            vocab.setdefault(f, len(vocab))
    bias = len(vocab)
    index = {label: j for j, label in enumerate(labels)}
    y = -np.ones((len(samples), len(labels)))
    for i, s in enumerate(samples):
        for act in s.acts:
            if act in index:
                y[i, index[act]] = 1.0
    x = [np.array([vocab[f] for f in row] + [bias], dtype=np.int64) for row in rows]
    w = np.zeros((len(vocab) + 1, len(labels)))
    total = np.zeros_like(w)  # the averaging trick: sum of c * update
    c = 1
    order = list(range(len(samples)))
    rng = random.Random(1)
    for _ in range(epochs):
        rng.shuffle(order)
        for i in order:
            ids = x[i]
            update = (y[i] * w[ids].sum(axis=0) <= margin) * y[i]
            if update.any():
                w[ids] += update
                total[ids] += c * update
            c += 1
    return ActModel(labels, vocab, w - total / c)


def corpus_hash(files: tuple[str, ...], folder: Path = CORPUS_DIR) -> str:
    digest = hashlib.sha256(f"v{MODEL_VERSION}".encode())
    for name in files:
        path = folder / name
        if path.exists():
            digest.update(name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


_lock = threading.Lock()
_models: dict[tuple[str, str], ActModel] = {}


def user_cache() -> Path:
    """The per-user cache shared by every data dir: a model depends only on the corpus (its hash
    names the file), so a second store, a test run or a new console start never trains again."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "private-chat-assistant" / "models"


def _model(kind: str, files: tuple[str, ...], labels: tuple[str, ...], cache_dir: Path | None) -> ActModel:
    key = (kind, corpus_hash(files))
    with _lock:
        if key in _models:
            return _models[key]
        name = f"acts-{kind}-{key[1]}.npz"
        paths = [d / name for d in (cache_dir, user_cache()) if d is not None]
        model = None
        for path in (p for p in paths if p.exists()):
            try:
                model = ActModel.load(path)
                break
            except (OSError, ValueError, KeyError) as exc:  # a damaged cache: try the next, or train
                log.warning("act model cache %s unreadable (%s)", path, exc)
        if model is None:
            model = train(load_corpus(files), labels)
        for path in (p for p in paths if not p.exists()):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                model.save(path)
            except OSError as exc:  # a read-only place: keep the model in memory (and the other cache)
                log.warning("cannot cache the act model in %s: %s", path, exc)
        _models[key] = model
        return model


def customer_model(cache_dir: Path | None = None) -> ActModel:
    return _model("customer", CUSTOMER_FILES, ACTS, cache_dir)


def operator_model(cache_dir: Path | None = None) -> ActModel:
    return _model("operator", OPERATOR_FILES, OPERATOR_ACTS, cache_dir)
