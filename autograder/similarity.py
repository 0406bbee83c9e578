"""Similar submissions, for the class report: pairs whose exercise code is unusually alike.

Each exercise file is tokenised and fingerprinted with copydetect (winnowing over
k-grams of the filtered code: names become one symbol, strings another, comments and
blank space go, so renaming variables or rewording comments changes nothing). Before
two students are compared, three kinds of code are discounted:
- the provided code and the stub (the released file) and the instructor's reference
  solution: everyone may have those;
- code that `common_in` or more students share in a file: the obvious one-liner, a
  popular mistake. Shared by many, it says nothing about two of them (MOSS's -m idea).

A pair's score is the code the two share, in filtered characters ("tokens" in
copydetect's sense), divided by the code of their own of the smaller of the two; pairs
are ranked by the amount they share. It is evidence for a person to read side by side,
never a verdict and never a grade change: students who were told the same thing in a
help session, or who both wrote the shortest answer, can share code honestly.

Code is read as Python reads it (python_source): the file's bytes are decoded with its
coding cookie or byte-order mark (a copy written as `\\u0064ef ...` under a
`raw_unicode_escape` cookie, or in latin-1, is the same code to Python and to this
report), and lines are Python's lines: only line feeds and carriage returns end one (a
form feed, a vertical tab or U+2028 does not), so the highlighted lines are the shared
ones. Characters that do not print as themselves (bidi overrides, zero-width characters,
control characters) are shown as escapes in the report. Code that runs code held in a
string (exec, eval, compile, __import__; base64, codecs, marshal, zlib and their kin;
builtins reached by name) is listed per student (strings_run, strings_html): a copy can
hide there from the comparison, so the report points at it for a person to read.

What it does not catch: a copy rewritten line by line, or one whose statements were
reordered within a function beyond the k-gram length (K) (parts of it still show); code
decoded at run time (it is flagged, not decoded). reference_share() says how much of each
student's own code is the reference solution: a leak of the solutions shows as many
students near 1.
"""

from __future__ import annotations

import ast
import html
import importlib.util
import io
import itertools
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np
from copydetect import CodeFingerprint, compare_files
from copydetect.utils import filter_code, get_token_coverage, hashed_kgrams

# Exercise files are short (tens of lines): k-grams of 20 filtered characters are about a
# statement (`V=V.V(-S,V)` is 11), and a window of 3 keeps most of them, so a shared
# passage of two statements is seen. copydetect's defaults (25, window 6) are for long files.
K = 20
WINDOW = 3
MAX_CHARS = 200_000  # of one file's text; the rest is not compared
CONTEXT = 2  # lines shown around the shared ones in the report


@dataclass
class FileMatch:
    file: str
    shared_tokens: int
    lines_a: list[int]
    lines_b: list[int]
    code_a: str
    code_b: str


@dataclass
class Pair:
    a: str
    b: str
    score: float
    shared_tokens: int
    files: list[FileMatch]


def python_source(code: str | bytes) -> str:
    """The text Python runs for a file: bytes decoded with their coding cookie or BOM (as importing does, with
    universal newlines), else as UTF-8 with replacement characters; text with its line ends made line feeds."""
    if isinstance(code, (bytes, bytearray)):
        try:
            return importlib.util.decode_source(bytes(code))
        except (SyntaxError, LookupError, UnicodeError, ValueError):  # no Python file: as UTF-8, as a reader would
            code = bytes(code).decode("utf-8", "replace")
    return str(code).replace("\r\n", "\n").replace("\r", "\n")


def _texts(submissions: dict[str, dict[str, str | bytes]]) -> dict[str, dict[str, str]]:
    return {s: {name: python_source(code) for name, code in files.items()} for s, files in submissions.items()}


def _all_hashes(code: str, name: str) -> np.ndarray:
    """Every k-gram hash of a text's filtered code (for discounting: not winnowed, so nothing slips through)."""
    try:
        filtered, _ = filter_code(code[:MAX_CHARS], name)
    except Exception:  # noqa: BLE001 - a file the tokenizer cannot read discounts nothing
        return np.array([], dtype=np.int64)
    return np.unique(hashed_kgrams(filtered, K)) if len(filtered) >= K else np.array([], dtype=np.int64)


def _fingerprint(code: str, name: str, boilerplate: np.ndarray) -> CodeFingerprint | None:
    try:
        return CodeFingerprint(name, K, WINDOW, boilerplate=boilerplate, fp=io.StringIO(code[:MAX_CHARS]))
    except Exception:  # noqa: BLE001 - hostile or broken text: it is simply not compared
        return None


def _discount(fp: CodeFingerprint, hashes: set) -> None:
    """Take these hashes out of a fingerprint (code many students share)."""
    for h in fp.hashes & hashes:
        del fp.hash_idx[h]
    fp.hashes -= hashes
    fp.token_coverage = get_token_coverage(fp.hash_idx, fp.k, len(fp.filtered_code))


def _fingerprints(submissions: dict[str, dict[str, str]], boilerplate: dict[str, list[str]],
                  common_in: int | None) -> dict[str, dict[str, CodeFingerprint]]:
    """student -> file -> fingerprint of the student's own code (boilerplate and common code discounted)."""
    files = sorted({f for code in submissions.values() for f in code})
    prints: dict[str, dict[str, CodeFingerprint]] = {s: {} for s in submissions}
    for name in files:
        base = [_all_hashes(text, name) for text in boilerplate.get(name, [])]
        base_hashes = np.unique(np.concatenate(base)) if base else np.array([], dtype=np.int64)
        for student, code in submissions.items():
            if name in code:
                fp = _fingerprint(code[name], name, base_hashes)
                if fp is not None:
                    prints[student][name] = fp
        if common_in:
            counts = Counter(h for s in submissions if name in prints[s] for h in prints[s][name].hashes)
            common = {h for h, n in counts.items() if n >= common_in}
            for student in submissions:
                if name in prints[student] and common:
                    _discount(prints[student][name], common)
    return prints


def _lines(code: str, slices) -> list[int]:
    """1-based numbers of the lines that the (start, end) character slices touch (lines end at line feeds only,
    as in python_source's text and in _code_cell)."""
    found: set[int] = set()
    for start, end in zip(*slices):
        first = code.count("\n", 0, int(start)) + 1
        last = code.count("\n", 0, max(int(end) - 1, int(start))) + 1
        found.update(range(first, last + 1))
    return sorted(found)


def find_similar(submissions: dict[str, dict[str, str]], boilerplate: dict[str, list[str]],
                 min_score: float = 0.5, min_tokens: int = 100, common_in: int = 3) -> list[Pair]:
    """Pairs of students whose own code is alike: score >= min_score and >= min_tokens shared, most shared first.

    submissions: student -> {file: code (the file's bytes, or text)}; boilerplate: file -> texts discounted there.
    """
    submissions = _texts(submissions)
    boilerplate = {name: [python_source(t) for t in texts] for name, texts in boilerplate.items()}
    prints = _fingerprints(submissions, boilerplate, common_in)
    own = {s: sum(fp.token_coverage for fp in files.values()) for s, files in prints.items()}
    pairs = []
    for a, b in itertools.combinations(sorted(prints), 2):
        matches = []
        for name in sorted(set(prints[a]) & set(prints[b])):
            fa, fb = prints[a][name], prints[b][name]
            if not fa.hashes & fb.hashes:
                continue
            shared, _, (slices_a, slices_b) = compare_files(fa, fb)
            if shared:
                matches.append(FileMatch(name, int(shared), _lines(fa.raw_code, slices_a),
                                         _lines(fb.raw_code, slices_b), fa.raw_code, fb.raw_code))
        total = sum(m.shared_tokens for m in matches)
        smaller = min(own[a], own[b])
        if not matches or smaller <= 0:
            continue
        score = min(1.0, total / smaller)
        if score >= min_score and total >= min_tokens:
            pairs.append(Pair(a, b, round(score, 3), total, sorted(matches, key=lambda m: -m.shared_tokens)))
    return sorted(pairs, key=lambda p: (-p.shared_tokens, -p.score, p.a, p.b))


def reference_share(submissions: dict[str, dict[str, str]], reference: dict[str, str],
                    boilerplate_stub: dict[str, list[str]]) -> dict[str, float]:
    """Per student, the share (0..1) of their own code (the stub discounted) that is the reference solution."""
    submissions = _texts(submissions)
    boilerplate_stub = {name: [python_source(t) for t in texts] for name, texts in boilerplate_stub.items()}
    prints = _fingerprints(submissions, boilerplate_stub, common_in=None)
    ref_hashes = {name: set(_all_hashes(python_source(code), name).tolist()) for name, code in reference.items()}
    shares = {}
    for student, files in prints.items():
        own = matched = 0
        for name, fp in files.items():
            own += fp.token_coverage
            kept = {h: idx for h, idx in fp.hash_idx.items() if h in ref_hashes.get(name, ())}
            matched += get_token_coverage(kept, fp.k, len(fp.filtered_code)) if kept else 0
        shares[student] = float(round(matched / own, 3)) if own else 0.0
    return shares


STYLE = """<style>
.similar table { border-collapse: collapse; width: 100%; table-layout: fixed; margin-bottom: 1em; }
.similar td { vertical-align: top; width: 50%; border: 1px solid #ddd; padding: 0; }
.similar pre { margin: 0; font-size: 12px; line-height: 1.35; overflow-x: auto; }
.similar .ln { color: #999; display: inline-block; width: 3.2em; text-align: right; margin-right: .6em; }
.similar .shared { background: #ffe08a; display: block; }
.similar .line { display: block; }
.similar .gap { color: #999; padding-left: 1.2em; }
</style>"""


def visible(line: str) -> str:
    """A line of code as it is, but every character that does not print as itself (tabs aside) shown as an escape:
    a bidi override cannot reorder what the reader sees, nor a zero-width character hide a difference."""
    return "".join(ch if ch in " \t" or ch.isprintable() else ascii(ch)[1:-1] for ch in line)


def _code_cell(code: str, shared: list[int], context: int = CONTEXT) -> str:
    """The file's shared lines (highlighted) with `context` lines around them; the rest folds to one "⋮" line.

    Lines end at line feeds only (python_source made every line end one), as _lines counts them: a
    form feed or U+2028 inside a line does not shift the highlighting."""
    marked = set(shared)
    lines = code.split("\n")
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    shown = {n for m in marked for n in range(m - context, m + context + 1) if 1 <= n <= len(lines)} or \
        set(range(1, min(len(lines), 2 * context + 1) + 1))
    rows, last = [], 0
    for number in sorted(shown):
        if number > last + 1:
            rows.append('<span class="line gap">⋮</span>')
        kind = "shared" if number in marked else "line"
        rows.append(f'<span class="{kind}"><span class="ln">{number}</span>'
                    f'{html.escape(visible(lines[number - 1])) or " "}</span>')
        last = number
    if last < len(lines):
        rows.append('<span class="line gap">⋮</span>')
    return "<pre>" + "".join(rows) + "</pre>"


def pairs_html(pairs: list[Pair], limit: int = 20) -> str:
    """The report's fragment: the top pairs, each file's two versions side by side, shared lines highlighted."""
    head = (STYLE + '<div class="similar"><p>Pairs whose exercise code is alike once the stub, the reference '
            "solution and code that three or more students share are left out. The score is the code the two "
            "share divided by the code of their own of the smaller one; pairs are ranked by how much they share. "
            "This is evidence for you to read, not a verdict: look at the lines before you conclude anything. Shared "
            "lines are highlighted, with two lines around them; ⋮ marks lines left out.</p>")
    if not pairs:
        return head + "<p>No pair of submissions reached the threshold.</p></div>"
    parts = [head]
    for pair in pairs[:limit]:
        a, b = html.escape(pair.a), html.escape(pair.b)
        parts.append(f'<section class="pair" data-pair="{a} {b}"><h3>{a} and {b}: score {pair.score:.2f}, '
                     f"{pair.shared_tokens} tokens shared</h3>")
        for match in pair.files:
            parts.append(f"<p>{html.escape(match.file)} ({match.shared_tokens} tokens shared)</p><table><tr>"
                         f"<th>{a}</th><th>{b}</th></tr><tr><td>{_code_cell(match.code_a, match.lines_a)}</td>"
                         f"<td>{_code_cell(match.code_b, match.lines_b)}</td></tr></table>")
        parts.append("</section>")
    if len(pairs) > limit:
        parts.append(f"<p>{len(pairs) - limit} more pair(s) with a lower share are not shown.</p>")
    return "".join(parts) + "</div>"


# -- code run from strings ---------------------------------------------------------------------------
RUNS_CODE = {"exec", "eval", "compile", "__import__", "execfile", "import_module", "run_path", "run_module",
             "FunctionType", "CodeType"}  # called, these run (or make) code held in a string or in bytes
DECODES = {"b64decode", "b32decode", "b16decode", "b85decode", "a85decode", "decodebytes", "urlsafe_b64decode",
           "unhexlify", "a2b_base64", "fromhex"}  # calls that turn data back into text (zlib, marshal: their imports)
HIDING_MODULES = {"base64", "binascii", "codecs", "marshal", "pickle", "zlib", "bz2", "lzma", "importlib", "runpy",
                  "types", "builtins", "ctypes"}
_WORDS = re.compile(r"\b(" + "|".join(sorted(RUNS_CODE | DECODES | HIDING_MODULES | {"__builtins__"})) + r")\b")


def strings_run(code: str | bytes) -> list[str]:
    """Where a file runs code held in a string or in encoded data: "line N: what", in line order.

    Read from the syntax tree of the text Python runs (python_source): calls of exec, eval,
    compile, __import__ (also as an attribute: builtins.exec), decoders (base64's, bytes.fromhex),
    imports of the modules such tools live in (base64, codecs, marshal, pickle, zlib, ...), and
    __builtins__ reached by name. A file that does not parse is searched for those words."""
    text = python_source(code)
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        found = {(text.count("\n", 0, m.start()) + 1, m.group(1)) for m in _WORDS.finditer(text[:MAX_CHARS])}
        return [f"line {n}: {word} (the file does not parse)" for n, word in sorted(found)][:20]
    found: set[tuple[int, str]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in RUNS_CODE:
                found.add((node.lineno, f"{name}(...) runs code"))
            elif name in DECODES:
                found.add((node.lineno, f"{name}(...) decodes data"))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for module in modules:
                if module.split(".")[0] in HIDING_MODULES:
                    found.add((node.lineno, f"imports {module}"))
        elif isinstance(node, ast.Name) and node.id in ("__builtins__", "builtins"):
            found.add((node.lineno, f"reaches {node.id}"))
    return [f"line {n}: {what}" for n, what in sorted(found)][:20]


def strings_runs(submissions: dict[str, dict[str, str | bytes]]) -> dict[str, dict[str, list[str]]]:
    """student -> file -> strings_run() of it, for the files that have any."""
    out: dict[str, dict[str, list[str]]] = {}
    for student, files in submissions.items():
        for name, code in sorted(files.items()):
            lines = strings_run(code)
            if lines:
                out.setdefault(student, {})[name] = lines
    return out


def strings_html(flags: dict[str, dict[str, list[str]]]) -> str:
    """The report's fragment: who runs code from strings or encoded data, where (escaped: ids and names are theirs)."""
    head = ("<h3>Code run from strings</h3><p>Code held in a string or in encoded data (base64, zlib, ...) and run "
            "with exec, eval or compile is not compared above: a copy can hide there. These files do it, or import "
            "what it takes; read them.</p>")
    if not flags:
        return head + "<p>No submission runs code from strings.</p>"
    rows = "".join(f'<tr data-strings-run="{html.escape(student)}"><td>{html.escape(student)}</td>'
                   f"<td>{html.escape(name)}</td><td>{'<br>'.join(html.escape(line) for line in lines)}</td></tr>"
                   for student in sorted(flags) for name, lines in sorted(flags[student].items()))
    return head + ('<table class="data"><tr><th>Student</th><th>File</th><th>Where</th></tr>' + rows + "</table>")
