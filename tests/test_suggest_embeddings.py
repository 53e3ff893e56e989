"""Assisted counting with and without the optional word embeddings (issue 16): the packaged
embeddings load with no network and download nothing, and without the package the
suggestions come from the scikit-learn features alone."""
from __future__ import annotations

import logging
import os
import random
import socket

import numpy as np
import pytest

from consult.responses import suggest_embeddings
from consult.responses.suggest import suggest_assignments

TOPICS = {
    "Staff": ["the nurses were kind", "staff were friendly and caring", "the doctor listened to me",
              "a lovely receptionist", "everyone was polite and helpful"],
    "Parking": ["the car park is always full", "parking costs too much", "no spaces near the entrance",
                "the parking machines were broken", "disabled bays are too far away"],
    "Waiting": ["I waited three hours to be seen", "the waiting time was far too long",
                "my appointment was delayed twice", "we waited weeks for a referral", "the queue was long"],
}

installed = pytest.mark.skipif(suggest_embeddings._package_directory() is None,
                               reason="the optional wordllama package is not installed")


@pytest.fixture(autouse=True)
def _fresh_model():
    suggest_embeddings.load_model.cache_clear()
    yield
    suggest_embeddings.load_model.cache_clear()


def _comments(per_topic: int = 30) -> tuple[list[str], list[str], dict[int, set[str]]]:
    rng = random.Random(3)
    texts, topics = [], []
    for _ in range(per_topic):
        for topic, phrases in TOPICS.items():
            a, b = rng.sample(phrases, 2)
            texts.append(f"{a.capitalize()}, and {b}. {rng.choice(['', 'Thanks.', 'That is all.'])}".strip())
            topics.append(topic)
    coded = {i: {t} for i, t in enumerate(topics) if i % 5 == 0}
    return texts, topics, coded


def _right_share(texts: list[str], topics: list[str], coded: dict[int, set[str]]) -> float:
    lists = suggest_assignments(texts, coded)
    rest = [i for i in range(len(texts)) if i not in coded]
    assert all(lists[i] for i in rest) and all(lists[i] == [] for i in coded)
    return sum(lists[i][0].theme == topics[i] for i in rest) / len(rest)


@installed
def test_the_packaged_embeddings_load_with_no_network_and_download_nothing(monkeypatch, tmp_path):
    def no_network(*args, **kwargs):
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setenv("HOME", str(tmp_path))  # where a model cache (~/.cache) would be written
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level

    model = suggest_embeddings.load_model()

    assert model is not None and model.dimensions == 256
    assert os.listdir(tmp_path) == []  # nothing fetched or cached
    assert (root.handlers, root.level) == (handlers, level)  # the application's logging untouched
    vectors = suggest_embeddings.text_embeddings(["The nurses were kind", "Staff were friendly and caring",
                                                  "The car park is always full", "", "🙂"])
    assert vectors is not None and vectors.shape == (5, 256)
    lengths = np.linalg.norm(vectors, axis=1)
    assert np.allclose(lengths[[0, 1, 2]], 1.0, atol=1e-5) and lengths[3] == 0
    # Texts about the same thing are closer than texts about different things.
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_a_package_without_its_files_counts_as_absent(monkeypatch, tmp_path):
    monkeypatch.setattr(suggest_embeddings, "_package_directory", lambda: tmp_path)
    assert suggest_embeddings.load_model() is None
    assert suggest_embeddings.text_embeddings(["anything"]) is None


def test_without_the_package_suggestions_come_from_the_scikit_learn_features(monkeypatch):
    monkeypatch.setattr(suggest_embeddings, "load_model", lambda: None)
    assert suggest_embeddings.text_embeddings(["anything"]) is None
    texts, topics, coded = _comments()
    assert _right_share(texts, topics, coded) >= 0.9
    assert suggest_assignments(texts, coded) == suggest_assignments(texts, coded)


@installed
def test_with_the_embeddings_suggestions_follow_the_themes_and_repeat():
    texts, topics, coded = _comments()
    assert suggest_embeddings.load_model() is not None
    assert _right_share(texts, topics, coded) >= 0.9
    assert suggest_assignments(texts, coded) == suggest_assignments(texts, coded)
