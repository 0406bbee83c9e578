"""Per-student hidden check inputs: a seed from the course secret and the student id (autograder/variants.py)."""

from __future__ import annotations

import os
import stat

import pytest

from conftest import REPO, load_by_path

variants = load_by_path("variants", REPO / "autograder" / "variants.py")


def test_the_secret_is_made_once_and_readable_by_its_owner_only(tmp_path):
    path = tmp_path / "course_secret"
    secret = variants.course_secret(path)
    assert len(secret) >= variants.SECRET_BYTES
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert variants.course_secret(path) == secret  # read back, not made again


def test_a_short_secret_is_refused(tmp_path):
    path = tmp_path / "course_secret"
    path.write_bytes(b"guessable\n")
    with pytest.raises(SystemExit, match="at least"):
        variants.course_secret(path)


def test_seeds_are_per_student_reproducible_and_depend_on_the_secret(tmp_path):
    secret = variants.course_secret(tmp_path / "a")
    other = variants.course_secret(tmp_path / "b")
    ids = [f"s{i:03d}" for i in range(1000)] + ["alice", "alice@example.org"]
    seeds = {variants.student_seed(secret, "linear_layers", s) for s in ids}
    assert len(seeds) == len(ids)  # no two students share inputs
    assert all(0 <= seed < 2 ** 56 for seed in seeds)
    assert variants.student_seed(secret, "linear_layers", "alice") == variants.student_seed(secret, "linear_layers",
                                                                                              "alice")
    assert variants.student_seed(secret, "linear_layers", "alice") != variants.student_seed(other, "linear_layers",
                                                                                              "alice")
    assert variants.student_seed(secret, "linear_layers", "alice") != variants.student_seed(secret, "other", "alice")
