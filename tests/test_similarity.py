"""Similar submissions (autograder/similarity.py): who is paired, what is discounted, what the HTML shows.

A small class on exercise 1: the stub, the reference, a student's own version and its
near-copy (names, comments and messages changed, a line added), an independent version.
The full planted class (with the misconception corpus) is tests/test_class_report_e2e.py.
"""

from __future__ import annotations

import re

from conftest import REPO, SOLUTIONS, load_by_path
from test_class_report_e2e import PLANTED, near_copy

similarity = load_by_path("similarity_for_tests", REPO / "autograder" / "similarity.py")

FILE = "linear_exercises/manual_linear.py"
STUB = (REPO / FILE).read_text()
REFERENCE = (SOLUTIONS / FILE).read_text()
OWN = (PLANTED / "near_copy_a.py").read_text()
HONEST = (PLANTED / "honest.py").read_text()
BOILERPLATE = {FILE: [STUB, REFERENCE]}
HOSTILE_ID = '<script>alert(1)</script>'


def test_the_near_copy_pairs_first_and_the_stub_the_reference_and_the_honest_student_pair_with_nobody():
    class_ = {"copy-a": {FILE: OWN}, "copy-b": {FILE: near_copy(OWN)}, "honest": {FILE: HONEST},
              "stub-1": {FILE: STUB}, "stub-2": {FILE: STUB}, "ref-1": {FILE: REFERENCE}, "ref-2": {FILE: REFERENCE}}
    pairs = similarity.find_similar(class_, BOILERPLATE)
    assert [(p.a, p.b) for p in pairs] == [("copy-a", "copy-b")]
    pair = pairs[0]
    assert pair.score > 0.9 and pair.shared_tokens >= 300
    assert pair.files[0].lines_a and pair.files[0].lines_b


def test_code_that_many_students_share_is_discounted():
    # Three students hand in the same own code: shared by three, it says nothing about any two of them.
    class_ = {f"s{i}": {FILE: OWN} for i in range(3)}
    assert similarity.find_similar(class_, BOILERPLATE, common_in=3) == []
    assert len(similarity.find_similar(class_, BOILERPLATE, common_in=None)) == 3


def test_broken_and_hostile_files_never_stop_the_report():
    junk = {"syntax": "def manual_linear(:\n  return ((((", "nul": "x = 1\0\0\0" * 100, "binary": "\udcff\x00\x01" * 50,
            "huge": "y = 2\n" * 200_000, "empty": ""}
    class_ = {name: {FILE: code} for name, code in junk.items()}
    class_["copy-a"], class_["copy-b"] = {FILE: OWN}, {FILE: near_copy(OWN)}
    pairs = similarity.find_similar(class_, BOILERPLATE)
    assert pairs[0].a == "copy-a" and pairs[0].b == "copy-b"
    assert similarity.reference_share(class_, {FILE: REFERENCE}, {FILE: [STUB]})["syntax"] == 0.0


def test_the_html_escapes_code_and_ids_and_highlights_the_shared_lines():
    evil = OWN + '\n# </pre><script>alert("code")</script>\n'
    class_ = {HOSTILE_ID: {FILE: evil}, "copy-b": {FILE: near_copy(evil)}}
    page = similarity.pairs_html(similarity.find_similar(class_, BOILERPLATE))
    assert "<script" not in page and "&lt;script&gt;" in page
    pair = re.search(r'<section class="pair" data-pair="([^"]+)">', page).group(1)
    assert pair == "&lt;script&gt;alert(1)&lt;/script&gt; copy-b"
    assert page.count('class="shared"') >= 10 and "⋮" in page  # the stub's docstring folds away
    assert "No pair" in similarity.pairs_html([])


def test_reference_share_tells_a_copy_of_the_solution_from_own_work():
    class_ = {"leak": {FILE: REFERENCE}, "own": {FILE: HONEST}, "stub": {FILE: STUB}}
    shares = similarity.reference_share(class_, {FILE: REFERENCE}, {FILE: [STUB]})
    assert shares["leak"] > 0.95 and shares["own"] < 0.3 and shares["stub"] == 0.0
    assert all(type(v) is float for v in shares.values())
