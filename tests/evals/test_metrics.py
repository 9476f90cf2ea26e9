"""Metric functions on examples computed by hand."""

from __future__ import annotations

import math

import pytest

from evals.metrics import (
    cohen_kappa,
    ndcg_at_k,
    percentile,
    precision_recall,
    recall_at_k,
    reciprocal_rank,
    rouge_l_f1,
)


def test_ndcg_uses_graded_gains_and_the_ideal_order():
    grades = {"a": 3, "b": 1, "c": 2}
    # ranking b, x, a: DCG = (2^1-1)/log2(2) + 0 + (2^3-1)/log2(4) = 1 + 3.5 = 4.5
    # ideal a, c, b:   IDCG = 7/1 + 3/log2(3) + 1/2
    ideal = 7 + 3 / math.log2(3) + 0.5
    assert ndcg_at_k(["b", "x", "a"], grades, 10) == pytest.approx(4.5 / ideal)


def test_ndcg_counts_a_repeated_unit_once_and_cuts_at_k():
    assert ndcg_at_k(["a", "a", "b"], {"a": 1, "b": 1}, 10) == pytest.approx(1.0)
    assert ndcg_at_k(["x", "a"], {"a": 1}, 1) == 0.0


def test_recall_at_k_counts_units_from_the_relevance_grade():
    grades = {"a": 2, "b": 1, "c": 2}
    assert recall_at_k(["a", "b", "x"], grades, 2, relevant_from=2) == pytest.approx(0.5)
    assert recall_at_k(["a", "b", "x"], grades, 2, relevant_from=1) == pytest.approx(2 / 3)


def test_reciprocal_rank_is_one_over_the_first_relevant_rank():
    assert reciprocal_rank(["x", "y", "a"], {"a": 1}) == pytest.approx(1 / 3)
    assert reciprocal_rank(["x", "a"], {"a": 1}, relevant_from=2) == 0.0


def test_rouge_l_f1_from_the_longest_common_subsequence():
    # LCS of "the cat sat on the mat" / "the cat lay on the mat" = the cat on the mat (5 of 6 each)
    assert rouge_l_f1("the cat sat on the mat", "The cat lay on the mat.") == pytest.approx(5 / 6)
    assert rouge_l_f1("", "anything") == 0.0


def test_cohen_kappa_corrects_agreement_for_chance():
    first = ["E", "E", "N", "N", "N", "E"]
    second = ["E", "N", "N", "N", "E", "E"]
    # observed 4/6; chance: both E 3/6*3/6 + both N 3/6*3/6 = 1/2; kappa = (2/3 - 1/2) / (1/2) = 1/3
    assert cohen_kappa(first, second) == pytest.approx(1 / 3)
    assert cohen_kappa(["E", "N"], ["E", "N"]) == pytest.approx(1.0)


def test_percentile_interpolates_between_ranks():
    assert percentile([10, 20, 30, 40], 50) == pytest.approx(25)
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100], 95) == pytest.approx(55)
    assert percentile([], 50) is None


def test_precision_and_recall_of_a_decision():
    assert precision_recall([True, True, False, False], [True, False, True, False]) == (0.5, 0.5)
    assert precision_recall([False, False], [False, True]) == (None, 0.0)
