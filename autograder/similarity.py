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

What it does not catch: a copy rewritten line by line, or one whose statements were
reordered within a function beyond the k-gram length (K) (parts of it still show).
reference_share() says how much of each student's own code is the reference solution: a
leak of the solutions shows as many students near 1.
"""

from __future__ import annotations

import html
import io
import itertools
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
    """1-based numbers of the lines that the (start, end) character slices touch."""
    found: set[int] = set()
    for start, end in zip(*slices):
        first = code.count("\n", 0, int(start)) + 1
        last = code.count("\n", 0, max(int(end) - 1, int(start))) + 1
        found.update(range(first, last + 1))
    return sorted(found)


def find_similar(submissions: dict[str, dict[str, str]], boilerplate: dict[str, list[str]],
                 min_score: float = 0.5, min_tokens: int = 100, common_in: int = 3) -> list[Pair]:
    """Pairs of students whose own code is alike: score >= min_score and >= min_tokens shared, most shared first.

    submissions: student -> {file: code}; boilerplate: file -> texts discounted in that file.
    """
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
    prints = _fingerprints(submissions, boilerplate_stub, common_in=None)
    ref_hashes = {name: set(_all_hashes(code, name).tolist()) for name, code in reference.items()}
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


def _code_cell(code: str, shared: list[int], context: int = CONTEXT) -> str:
    """The file's shared lines (highlighted) with `context` lines around them; the rest folds to one "⋮" line."""
    marked = set(shared)
    lines = code.splitlines() or [""]
    shown = {n for m in marked for n in range(m - context, m + context + 1) if 1 <= n <= len(lines)} or \
        set(range(1, min(len(lines), 2 * context + 1) + 1))
    rows, last = [], 0
    for number in sorted(shown):
        if number > last + 1:
            rows.append('<span class="line gap">⋮</span>')
        kind = "shared" if number in marked else "line"
        rows.append(f'<span class="{kind}"><span class="ln">{number}</span>{html.escape(lines[number - 1]) or " "}'
                    "</span>")
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
