"""Quick checks and quizzes for the lesson notebooks (provided, not graded).

ask() shows a multiple-choice question. In JupyterLab it is a row of buttons: clicking
one says whether it is right and explains the answer. Outside a notebook front end
(or with answer= given) it checks the answer directly and prints the same text, so
notebooks executed in CI still exercise every question.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Question:
    """A multiple-choice question with one right option and an explanation."""

    prompt: str
    options: tuple[str, ...]
    correct: int  # index into options
    explanation: str

    def verdict(self, choice: int) -> str:
        right = self.options[self.correct]
        if choice == self.correct:
            return f"Right: {right}. {self.explanation}"
        return f"Not quite: you chose {self.options[choice]!r}; the answer is {right!r}. {self.explanation}"


def ask(
    prompt: str,
    options: Sequence[str],
    correct: int,
    explanation: str,
    answer: int | None = None,
):
    """Show a question; return the widget (or, with answer=, print the verdict).

    prompt: the question; options: the choices; correct: index of the right one;
    explanation: why it is right, shown after any answer; answer: an index to check
    directly instead of showing buttons.
    """
    if not 0 <= correct < len(options):
        raise ValueError(f"correct={correct} is not an index into {len(options)} options")
    question = Question(prompt, tuple(options), correct, explanation)
    if answer is not None:
        print(question.verdict(answer))
        return None
    import ipywidgets as widgets

    feedback = widgets.HTML()
    buttons = [widgets.Button(description=str(o), layout=widgets.Layout(width="auto")) for o in options]

    def on_click(button):
        choice = buttons.index(button)
        for b in buttons:
            b.button_style = ""
        button.button_style = "success" if choice == correct else "danger"
        feedback.value = f"<p>{html.escape(question.verdict(choice))}</p>"

    for b in buttons:
        b.on_click(on_click)
    return widgets.VBox([widgets.HTML(f"<b>{html.escape(prompt)}</b>"), widgets.HBox(buttons), feedback])
