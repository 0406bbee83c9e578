"""The checks' inputs at class grading: a fresh seed at every grading (autograder/variants.py).

That every grading draws a new seed, stores it with the grade and keeps an unchanged
submission's grade and seed is tested through the pipeline (tests/test_grading_e2e.py,
tests/test_class_report_e2e.py); that a table of answers taken at one grading answers
nothing at the next, in tests/test_answer_table.py.
"""

from __future__ import annotations

from conftest import REPO, load_by_path

variants = load_by_path("variants", REPO / "autograder" / "variants.py")


def test_seeds_are_fresh_at_every_grading_and_fit_in_56_bits():
    seeds = [variants.grading_seed() for _ in range(2000)]
    assert len(set(seeds)) == len(seeds)  # no two gradings share inputs
    assert all(type(seed) is int and 0 <= seed < 2 ** variants.SEED_BITS for seed in seeds)
    assert max(seeds) >= 2 ** (variants.SEED_BITS - 4)  # the whole range is drawn, not a small part of it


def test_no_course_secret_is_needed_or_made(tmp_path, monkeypatch):
    """The seed depends on nothing an instructor must keep (the old per-student secret is gone)."""
    monkeypatch.chdir(tmp_path)
    variants.grading_seed()
    assert list(tmp_path.iterdir()) == []
    assert not hasattr(variants, "student_seed") and not hasattr(variants, "course_secret")
