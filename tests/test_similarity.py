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


# -- code read as Python reads it (issue 22) ----------------------------------------------------------
def _latin1(code: str) -> bytes:
    """The same code under a latin-1 coding cookie, with non-ASCII text in its comments and strings."""
    return ("# -*- coding: latin-1 -*-\n# Réécrit à la main, façon « maison ».\n"
            + code.replace("# ", "# é ")).encode("latin-1")


def _escaped(code: str) -> bytes:
    """The same code under a raw_unicode_escape cookie, every character written as \\uXXXX: to a reader that
    decodes the file as UTF-8 it is one long string of escapes; to Python it is the code."""
    return ("# -*- coding: raw_unicode_escape -*-\n"
            + "".join(ch if ch == "\n" else f"\\u{ord(ch):04x}" for ch in code)).encode("ascii")


def test_a_copy_under_another_encoding_is_reported():
    """A copy of the reference (or of a classmate) under a coding cookie is the same code to Python, and to the
    report: its share of the reference stays near 1 and the copied pair stays paired."""
    for encode, codec in ((_latin1, "latin-1"), (_escaped, "raw_unicode_escape")):
        data = encode(REFERENCE)
        assert similarity.python_source(data) == data.decode(codec)  # what Python imports
        compile(similarity.python_source(data), FILE, "exec")
        shares = similarity.reference_share({"leak": {FILE: data}, "own": {FILE: HONEST.encode()}},
                                            {FILE: REFERENCE}, {FILE: [STUB]})
        assert shares["leak"] > 0.95 and shares["own"] < 0.3, (encode.__name__, shares)
        class_ = {"copy-a": {FILE: OWN.encode()}, "copy-b": {FILE: encode(near_copy(OWN))}, "honest": {FILE: HONEST}}
        pairs = similarity.find_similar(class_, BOILERPLATE)
        assert [(p.a, p.b) for p in pairs] == [("copy-a", "copy-b")], encode.__name__
        assert pairs[0].score > 0.9
    # the hole it closes: read as UTF-8 text, the escaped copy shares nothing with the reference
    as_text = _escaped(REFERENCE).decode("utf-8")
    assert similarity.reference_share({"leak": {FILE: as_text}}, {FILE: REFERENCE}, {FILE: [STUB]})["leak"] < 0.1


def _shown_lines(cell_html: str) -> dict[int, str]:
    """Line number -> the text the report shows on that line, for the highlighted lines of one code cell."""
    import html as html_module

    return {int(n): html_module.unescape(text) for n, text in
            re.findall(r'<span class="shared"><span class="ln">(\d+)</span>(.*?)</span>', cell_html)}


def test_a_form_feed_does_not_shift_the_highlighted_lines():
    """Python ends lines at line feeds only: a form feed (or U+2028 in a comment) does not start one, so line N of
    the report is line N of the file, and the lines highlighted are the ones that are shared."""
    def with_breaks(code: str) -> str:
        code = code.replace("\ndef ", "\n\x0c\ndef ")  # a line holding a form feed before each function
        return code.replace("    # ", "    # \x0c\u2028 ", 1)  # and a form feed and a line separator in a comment

    a, b = with_breaks(OWN), with_breaks(near_copy(OWN))
    compile(a, FILE, "exec")  # Python reads both
    compile(b, FILE, "exec")
    pairs = similarity.find_similar({"copy-a": {FILE: a}, "copy-b": {FILE: b}}, BOILERPLATE)
    match = pairs[0].files[0]
    assert match.lines_a[-1] <= a.count("\n") + 1 and match.lines_b[-1] <= b.count("\n") + 1  # Python's lines
    page = similarity.pairs_html(pairs)
    cells = re.findall(r"<td>(<pre>.*?</pre>)</td>", page)
    for code, cell in zip((a, b), cells):
        lines = code.split("\n")
        shown = _shown_lines(cell)
        assert shown and all(text.strip() == similarity.visible(lines[n - 1]).strip() for n, text in shown.items())
    plain_page = similarity.pairs_html(similarity.find_similar({"copy-a": {FILE: OWN}, "copy-b": {FILE: near_copy(OWN)}},
                                                               BOILERPLATE))
    code_lines = lambda cell: {t.replace("\\x0c\\u2028 ", "").strip() for t in _shown_lines(cell).values()  # noqa: E731
                               if t.strip() not in ("", "\\x0c")}  # the same code lines as without the form feeds
    assert code_lines(cells[0]) == code_lines(re.findall(r"<td>(<pre>.*?</pre>)</td>", plain_page)[0])
    assert "\\x0c" in page and "\\u2028" in page and "\x0c" not in page and "\u2028" not in page


def test_code_run_from_strings_is_flagged():
    import base64

    hidden = base64.b64encode(REFERENCE.encode()).decode()
    files = {
        "b64": f"import base64\nexec(base64.b64decode({hidden!r}))\n",
        "builtins": "f = getattr(__builtins__, 'ev' + 'al')\nmanual_linear = f('lambda x, w, b=None: x @ w.T')\n",
        "compiled": "code = compile('x = 1', 'f', 'exec')\n",
        "zlib": "from zlib import decompress as d\n",
        "broken": "exec(  # a file that does not parse\n",
        "escaped": _escaped("exec('x = 1')\n"),
        "honest": HONEST, "reference": REFERENCE,
    }
    flags = similarity.strings_runs({name: {FILE: code} for name, code in files.items()})
    assert set(flags) == {"b64", "builtins", "compiled", "zlib", "broken", "escaped"}, flags
    assert flags["b64"][FILE] == ["line 1: imports base64", "line 2: b64decode(...) decodes data",
                                  "line 2: exec(...) runs code"]
    assert any("__builtins__" in line for line in flags["builtins"][FILE])
    assert flags["escaped"][FILE] == ["line 2: exec(...) runs code"]
    page = similarity.strings_html({HOSTILE_ID: flags["b64"]})
    assert "<script" not in page and 'data-strings-run="&lt;script&gt;' in page
    assert "No submission" in similarity.strings_html({})
