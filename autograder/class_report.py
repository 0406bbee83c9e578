"""The class report: one HTML page that says what the class got wrong (reporting.py writes it).

It is made from the records autograde keeps in results/<student>.json (every check's
verdict, the misconception it recognised, its outcome, the grading notes), so it reads
no student code and runs none. The page stands alone: plots are PNGs inside it, there
is no script and nothing is fetched, so it opens offline in any browser and can be
mailed. Everything that came from a submission (ids, file names in notes, messages) is
HTML-escaped, with control and invisible characters shown as escapes (_esc).

Sections, in this order (each an element with this id): scores, checks,
misconceptions, timeouts, notes, similarity. Rows that a test or a reader may want to
pick out carry data attributes: <tr data-check="NAME" data-failed="N"> and
<tr data-misconception="KEY" data-count="N">.
"""

from __future__ import annotations

import base64
import html
import io
import statistics
from collections import defaultdict

# Colour-blind-safe pair (Okabe-Ito blue and vermillion) and a neutral grey.
PUBLIC, HIDDEN, GREY = "#0072B2", "#D55E00", "#999999"
MAX_BARS = 30  # checks in the failure plot (the table lists them all)

STYLE = """<style>
body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 1100px; color: #222; padding: 0 1em; }
h1 { margin-bottom: .2em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
table.data { border-collapse: collapse; margin: .6em 0 1em; font-size: 14px; }
table.data th, table.data td { border: 1px solid #ddd; padding: .25em .5em; text-align: left; vertical-align: top; }
table.data th { background: #f3f3f3; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.muted { color: #666; } .hidden-tag { color: #D55E00; font-weight: 600; } img { max-width: 100%; }
nav a { margin-right: 1em; } .warn { background: #fff4e0; padding: .5em .8em; border-left: 4px solid #D55E00; }
</style>"""


def _esc(value) -> str:
    """HTML-escaped, and every character that does not print as itself (control characters, terminal escape
    sequences, bidi overrides, zero-width characters) shown as a visible escape (\\x1b, \\u202e)."""
    return html.escape("".join(ch if ch == " " or ch.isprintable() else ascii(ch)[1:-1] for ch in str(value)),
                       quote=True)


def _png(fig) -> str:
    """A matplotlib Figure as an <img> whose data is inside the page."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="plot" src="data:image/png;base64,{data}">'


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _exercise_scores(records: list[dict], exercises: list[dict]) -> dict[str, list[float]]:
    """exercise key -> every student's score in it (0 where the exercise was not graded)."""
    scores = {e["key"]: [] for e in exercises}
    for record in records:
        got = {e.get("key"): float(e.get("score", 0) or 0) for e in record.get("exercises", [])}
        for key in scores:
            scores[key].append(got.get(key, 0.0))
    return scores


def _scores_section(records: list[dict], exercises: list[dict]) -> str:
    total_points = sum(e["points"] for e in exercises)
    scores = _exercise_scores(records, exercises)
    totals = [round(sum(s[i] for s in scores.values()), 2) for i in range(len(records))]
    rows = []
    for e in exercises:
        got = scores[e["key"]]
        rows.append(_score_row(e["label"], e["points"], got))
    rows.append(_score_row("Total", total_points, totals, bold=True))
    table = ('<table class="data"><tr><th>Exercise</th><th>Points</th><th>Mean</th><th>Median</th>'
             "<th>Full marks</th><th>Zero</th></tr>" + "".join(rows) + "</table>")
    if not records:
        return table
    panels = [(e["label"], e["points"], scores[e["key"]]) for e in exercises] + [("Total", total_points, totals)]
    columns = 4
    fig = _figure(11, 2.4 * -(-len(panels) // columns))
    for i, (label, points, got) in enumerate(panels):
        ax = fig.add_subplot(-(-len(panels) // columns), columns, i + 1)
        ax.hist(got, bins=_bins(points), color=GREY if label == "Total" else PUBLIC, edgecolor="white")
        ax.set_title(_short(label), fontsize=10)
        ax.set_xlim(0, points)
        ax.set_xlabel(f"points (of {points:g})", fontsize=8)
        ax.set_ylabel("students", fontsize=8)
        ax.tick_params(labelsize=8)
        ax.yaxis.get_major_locator().set_params(integer=True)
    return table + _png(fig)


def _bins(points: float) -> list[float]:
    """Ten equal bins over 0..points (the last one includes full marks)."""
    return [points * i / 10 for i in range(11)]


def _short(label: str, width: int = 34) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"


def _score_row(label: str, points: float, got: list[float], bold: bool = False) -> str:
    cells = [_esc(label), f"{points:g}"]
    if got:
        full = sum(g >= points - 1e-9 for g in got)
        zero = sum(g <= 1e-9 for g in got)
        cells += [f"{statistics.fmean(got):.2f}", f"{statistics.median(got):.2f}",
                  f"{full} ({full / len(got):.0%})", f"{zero} ({zero / len(got):.0%})"]
    else:
        cells += ["–"] * 4
    tag = ("<b>", "</b>") if bold else ("", "")
    return "<tr>" + "".join(f'<td class="{"" if i == 0 else "num"}">{tag[0]}{c}{tag[1]}</td>'
                            for i, c in enumerate(cells)) + "</tr>"


def _check_stats(records: list[dict]) -> list[dict]:
    """Per check (in the order first seen): its exercise, doc, hidden or not, and how many failed, timed out, crashed."""
    stats: dict[str, dict] = {}
    for record in records:
        for exercise in record.get("exercises", []):
            for check in exercise.get("checks", []):
                entry = stats.setdefault(check.get("name", "?"), {
                    "name": check.get("name", "?"), "exercise": exercise.get("label", exercise.get("key", "")),
                    "doc": check.get("doc", ""), "hidden": bool(check.get("hidden")),
                    "run": 0, "failed": 0, "timeout": 0, "crashed": 0})
                entry["run"] += 1
                entry["failed"] += not check.get("passed")
                if check.get("outcome") in ("timeout", "crashed"):
                    entry[check["outcome"]] += 1
    return list(stats.values())


def _checks_section(records: list[dict]) -> str:
    stats = _check_stats(records)
    if not stats:
        return "<p>No check has run yet.</p>"
    rows = []
    for s in stats:
        rate = s["failed"] / s["run"] if s["run"] else 0
        kind = '<span class="hidden-tag">hidden</span>' if s["hidden"] else "public"
        rows.append(f'<tr data-check="{_esc(s["name"])}" data-failed="{s["failed"]}"><td>{_esc(s["exercise"])}</td>'
                    f"<td>{_esc(s['doc'])}<br><span class=muted>{_esc(s['name'])}</span></td><td>{kind}</td>"
                    f'<td class="num">{s["failed"]} of {s["run"]} ({rate:.0%})</td>'
                    f'<td class="num">{s["timeout"] or ""}</td><td class="num">{s["crashed"] or ""}</td></tr>')
    table = ('<table class="data"><tr><th>Exercise</th><th>Check</th><th></th><th>Failed</th><th>Timed out</th>'
             "<th>Crashed</th></tr>" + "".join(rows) + "</table>")
    failing = sorted((s for s in stats if s["failed"]), key=lambda s: (-s["failed"] / s["run"], s["name"]))
    if not failing:
        return "<p>Every check passed for every student.</p>" + table
    shown = failing[:MAX_BARS]
    fig = _figure(10, 0.8 + 0.28 * len(shown))
    ax = fig.add_subplot()
    labels = [_short(s["name"], 70) for s in shown][::-1]  # names are short and unique; the table gives the docs
    rates = [100 * s["failed"] / s["run"] for s in shown][::-1]
    colours = [HIDDEN if s["hidden"] else PUBLIC for s in shown][::-1]
    ax.barh(range(len(shown)), rates, color=colours)
    ax.set_yticks(range(len(shown)), labels, fontsize=8)
    ax.set_xlim(0, min(100, max(rates) * 1.15 + 2))
    ax.set_xlabel("students who failed it (%)")
    ax.set_title(f"The {len(shown)} most failed checks (public: blue, hidden: orange)", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    more = f" The plot shows the {MAX_BARS} most failed." if len(failing) > MAX_BARS else ""
    return (f"<p>{len(failing)} of {len(stats)} checks failed for at least one student.{more}</p>"
            + _png(fig) + table)


def _misconception_students(records: list[dict]) -> dict[str, list[str]]:
    """misconception key -> the students in whose verdicts it was recognised (each once)."""
    found: dict[str, list[str]] = defaultdict(list)
    for record in records:
        keys = {c.get("misconception") for e in record.get("exercises", []) for c in e.get("checks", [])}
        for key in sorted(k for k in keys if k):
            found[key].append(record.get("student", "?"))
    return found


def _misconceptions_section(records: list[dict], misconceptions: dict[str, dict]) -> str:
    found = _misconception_students(records)
    if not found:
        return ("<p>No known mistake was recognised. (A wrong answer that matches none of the catalogue's "
                "mistakes shows only as failed checks, above.)</p>")
    order = sorted(found, key=lambda k: (-len(found[k]), k))
    rows = []
    for key in order:
        info = misconceptions.get(key, {})
        students = ", ".join(_esc(s) for s in sorted(found[key]))
        rows.append(f'<tr data-misconception="{_esc(key)}" data-count="{len(found[key])}">'
                    f"<td>{_esc(info.get('title', key))}<br><span class=muted>{_esc(key)}</span></td>"
                    f"<td>{_esc(info.get('exercise', ''))}</td><td class=num>{len(found[key])}</td>"
                    f"<td>{students}</td><td>{_esc(info.get('pointer', ''))}</td></tr>")
    fig = _figure(10, 0.8 + 0.3 * len(order))
    ax = fig.add_subplot()
    ax.barh(range(len(order)), [len(found[k]) for k in order][::-1], color=PUBLIC)
    ax.set_yticks(range(len(order)), [_short(misconceptions.get(k, {}).get("title", k), 60) for k in order][::-1],
                  fontsize=8)
    ax.set_xlabel("students")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_title("Known mistakes recognised in the class", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    return ("<p>A mistake is counted when a check recognised it from what the student's code answered (its "
            "output equals what that mistake gives). Each student is counted once per mistake. Go over the "
            "most common ones in class; the last column is where the course treats each.</p>" + _png(fig)
            + '<table class="data"><tr><th>Mistake</th><th>Exercise</th><th>Students</th><th>Who</th>'
              "<th>Lesson</th></tr>" + "".join(rows) + "</table>")


def _timeouts_section(records: list[dict]) -> str:
    rows = []
    for record in sorted(records, key=lambda r: r.get("student", "")):
        student = _esc(record.get("student", "?"))
        if not record.get("success", True):
            rows.append(f"<tr><td>{student}</td><td>the whole submission</td><td>task failed</td>"
                        f"<td>{_esc(record.get('error', ''))}</td></tr>")
        for exercise in record.get("exercises", []):
            for check in exercise.get("checks", []):
                if check.get("outcome") in ("timeout", "crashed"):
                    rows.append(f"<tr><td>{student}</td><td>{_esc(check.get('doc') or check.get('name'))}</td>"
                                f"<td>{_esc(check['outcome'])}</td><td>{_esc(check.get('message', ''))}</td></tr>")
    if not rows:
        return "<p>No check timed out or crashed, and every grading task finished.</p>"
    return ("<p>A time-out is a check that took too long (an endless loop, or code far too slow); a crash is a "
            "check whose process died (the code ended it or ran out of memory). A failed task got 0 points and "
            "a note; run <code>make autograde</code> again once its cause is fixed.</p>"
            '<table class="data"><tr><th>Student</th><th>Check</th><th>Outcome</th><th>Message</th></tr>'
            + "".join(rows) + "</table>")


def _notes_section(notes: dict[str, list[str]]) -> str:
    rows = [f"<tr><td>{_esc(student)}</td><td>{'<br>'.join(_esc(n) for n in notes[student])}</td></tr>"
            for student in sorted(notes) if notes[student]]
    if not rows:
        return "<p>No grading notes: every submission was complete and readable.</p>"
    return ("<p>What grading found about the submissions themselves (the student sees the same notes at the top "
            'of their feedback).</p><table class="data"><tr><th>Student</th><th>Notes</th></tr>'
            + "".join(rows) + "</table>")


def _reference_section(shares: dict[str, float] | None, threshold: float = 0.8) -> str:
    if not shares:
        return ""
    close = sorted(((s, v) for s, v in shares.items() if v >= threshold), key=lambda sv: (-sv[1], sv[0]))
    text = (f"<p>Students whose own code (the stub left out) is at least {threshold:.0%} the reference solution: "
            f"{len(close)} of {len(shares)}. Short exercises have few ways to be right, so a few are expected; "
            "many would suggest the solutions got out.</p>")
    if not close:
        return text
    return text + ('<details><summary>Who, and how much</summary><table class="data"><tr><th>Student</th>'
                   "<th>Share of the reference</th></tr>"
                   + "".join(f"<tr><td>{_esc(s)}</td><td class=num>{v:.0%}</td></tr>" for s, v in close)
                   + "</table></details>")


def render(records: list[dict], *, assignment: str, exercises: list[dict], notes: dict[str, list[str]],
           misconceptions: dict[str, dict], similarity_html: str = "",
           reference_share: dict[str, float] | None = None, generated_at: str = "") -> str:
    """The page. records: results/<student>.json contents; exercises: [{key, label, points}];
    misconceptions: key -> {title, exercise, pointer}; similarity_html: similarity.pairs_html()'s fragment (and
    similarity.strings_html()'s: who runs code from strings)."""
    records = sorted(records, key=lambda r: str(r.get("student", "")))
    failed = sum(not r.get("success", True) for r in records)
    sections = [
        ("scores", "Scores", _scores_section(records, exercises)),
        ("checks", "Checks", _checks_section(records)),
        ("misconceptions", "Misconceptions", _misconceptions_section(records, misconceptions)),
        ("timeouts", "Time-outs and crashes", _timeouts_section(records)),
        ("notes", "Grading notes", _notes_section(notes)),
        ("similarity", "Similar submissions", _reference_section(reference_share) + similarity_html),
    ]
    nav = "".join(f'<a href="#{sid}">{title}</a>' for sid, title, _ in sections)
    body = "".join(f'<section id="{sid}"><h2>{title}</h2>{content}</section>' for sid, title, content in sections)
    summary = f"{len(records)} student(s) graded" + (f", {failed} grading task(s) failed" if failed else "")
    when = f" · report made {_esc(generated_at)}" if generated_at else ""
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{_esc(assignment)}: class report</title>{STYLE}</head><body>"
            f"<h1>{_esc(assignment)}: what the class got wrong</h1><p class=muted>{summary}{when}</p>"
            "<p class=warn>This page names students and their grades: keep it to the course staff.</p>"
            f"<nav>{nav}</nav>{body}</body></html>")
