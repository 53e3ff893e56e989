"""Optional word embeddings for assisted counting: the static embeddings shipped in the
`wordllama` package (pip install "consult[analysis]"), read from the package's own files.

    text_embeddings(keys) -> np.ndarray | None   one unit-length row per text; None without the package

A text's embedding is the mean of its tokens' vectors (wordllama's "l2_supercat" 256-dimension
weights, float16 in the wheel, and its Llama-2 tokenizer), scaled to unit length: the same
vectors as wordllama's own `embed(texts, norm=True)`. It is a table look-up, so it runs on the
CPU in about a second per 10,000 texts.

Nothing here can download anything. The package is not imported: its loader
(`WordLlama.load()`, 0.4.0.post1) looks for the tokenizer in `wordllama/tokenizer/` while the
wheel ships it in `wordllama/tokenizers/`, so it fetches the tokenizer from Hugging Face; and
importing the package calls `logging.basicConfig`, which would change the application's
logging. The two files are read directly instead (with safetensors and tokenizers, the
package's own dependencies; pyproject.toml pins the 0.4 series, whose files these paths name).
Without the package, or without either file, `text_embeddings` returns None and assisted
counting uses its scikit-learn features alone (consult/responses/suggest.py).
"""
from __future__ import annotations

import functools
import importlib
import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["EmbeddingModel", "load_model", "text_embeddings"]

WEIGHTS = Path("weights") / "l2_supercat_256.safetensors"
TOKENIZER = Path("tokenizers") / "l2_supercat_tokenizer_config.json"


class EmbeddingModel:
    """A token-vector table and the tokenizer that indexes it."""

    def __init__(self, vectors: np.ndarray, tokenizer: Any) -> None:
        self.vectors = vectors  # (tokens, dimensions), as stored (float16)
        self.tokenizer = tokenizer

    @property
    def dimensions(self) -> int:
        return int(self.vectors.shape[1])

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One unit-length float32 row per text (zeros for a text with no token)."""
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        last = self.vectors.shape[0] - 1
        for i, text in enumerate(texts):
            # One text at a time: as fast here as encode_batch, and no thread pool that a
            # later fork (a job worker) would have to disable.
            ids = np.asarray(self.tokenizer.encode(text, add_special_tokens=False).ids, dtype=np.int64)
            if len(ids):
                out[i] = self.vectors[np.clip(ids, 0, last)].mean(axis=0, dtype=np.float32)
        lengths = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, lengths, out=out, where=lengths > 0)
        return out


def _package_directory() -> Path | None:
    """Where the wordllama package is installed, found without importing it."""
    try:
        spec = importlib.util.find_spec("wordllama")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@functools.cache
def load_model() -> EmbeddingModel | None:
    """The packaged embeddings (read once per process), or None when the package, a file it
    ships or a library to read them with is missing."""
    directory = _package_directory()
    if directory is None or not (directory / WEIGHTS).is_file() or not (directory / TOKENIZER).is_file():
        return None
    try:
        safetensors = importlib.import_module("safetensors")
        tokenizers = importlib.import_module("tokenizers")
    except ImportError:
        return None
    with safetensors.safe_open(str(directory / WEIGHTS), framework="np") as f:
        vectors = np.ascontiguousarray(f.get_tensor("embedding.weight"))
    tokenizer = tokenizers.Tokenizer.from_file(str(directory / TOKENIZER))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return EmbeddingModel(vectors, tokenizer)


def text_embeddings(texts: Sequence[str]) -> np.ndarray | None:
    """Each text's unit-length embedding, or None when the optional package is not installed."""
    model = load_model()
    return None if model is None else model.embed(texts)
