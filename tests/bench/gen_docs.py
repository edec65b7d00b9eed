"""Generate a Sphinx project of P pages with 12 runnable examples a page.

The same examples are written in two flavours of markup, into two source
folders beside three configuration folders::

    <root>/src-native/    jigger_sphinx's plain markup (what a project writes today
                          without any test extension): 4 reST doctest blocks,
                          4 ``.. code-block:: pycon`` sessions, 4 ``python``
                          blocks each followed by an ``output`` block
    <root>/src-doctest/   the same 12 examples as sphinx.ext.doctest needs them:
                          4 reST doctest blocks (it tests those too), 4
                          ``.. doctest::`` and 4 ``.. testcode::`` +
                          ``.. testoutput::`` pairs
    <root>/conf-plain/    no extension          (used with src-native)
    <root>/conf-jigger/   ``jigger_sphinx``      (used with src-native)
    <root>/conf-doctest/  ``sphinx.ext.doctest`` (used with src-doctest)

Every example's expected output is computed here by running its code, so a
generated project always passes. Each page also has a label and a ``:ref:``
to the next page, so reference checks have work to do.

    python tests/bench/gen_docs.py /tmp/docs --pages 50
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

EXAMPLES_PER_PAGE = 12
FLAVOURS = ("native", "doctest")
CONFS = {
    "plain": "extensions: list[str] = []\n",
    "jigger": (
        'extensions = ["jigger_sphinx"]\n'
        "jigger_example_timeout = 10\n"
        'jigger_setup = ""\n'
    ),
    "doctest": 'extensions = ["sphinx.ext.doctest"]\n',
}
COMMON_CONF = (
    'project = "bench"\n'
    'author = "jigger bench"\n'
    'exclude_patterns = ["_build"]\n'
    'html_theme = "alabaster"\n'
)


@dataclass(frozen=True)
class Example:
    """One example: statements, then one expression whose value is shown."""

    statements: tuple[str, ...]
    expression: str
    output: str  # what the session shows for the expression (its repr)

    def session(self) -> str:
        """The ``>>>`` form."""
        lines = [f">>> {statement}" for statement in self.statements]
        return "\n".join([*lines, f">>> {self.expression}", self.output])

    def script(self) -> tuple[str, str]:
        """The ``python`` + output form: (code, printed text)."""
        code = "\n".join([*self.statements, f"print(repr({self.expression}))"])
        return code, self.output


def _templates(page: int, k: int) -> tuple[tuple[str, ...], str]:
    n = (page * 7 + k * 3) % 11 + 4
    kind = k % 4
    if kind == 0:
        return (
            f"values{k} = [i * {k + 1} for i in range({n})]",
        ), f"sum(values{k}) + base"
    if kind == 1:
        return (
            f"words{k} = 'page {page} example {k} of the bench'.split()",
        ), f"'-'.join(w.upper() for w in words{k}[:{n % 5 + 1}])"
    if kind == 2:
        return (
            f"counts{k} = {{}}",
            f"for ch in 'mississippi{page}': counts{k}[ch] = counts{k}.get(ch, 0) + 1",
        ), f"sorted(counts{k}.items())[:3]"
    return (f"pairs{k} = dict(zip('abcdef', range({n}, {n + 6})))",), (
        f"{{key: value % 5 for key, value in pairs{k}.items() if value % 2}}"
    )


def page_examples(page: int, edit: int = 0) -> list[Example]:
    """The 12 examples of page ``page`` (``edit`` changes their numbers)."""
    namespace: dict[str, object] = {}
    examples = []
    for k in range(EXAMPLES_PER_PAGE):
        if k == 0:
            statements: tuple[str, ...] = (f"base = {page + edit * 1000}",)
            expression = "base * 3"
        else:
            statements, expression = _templates(page, k)
        for statement in statements:
            exec(compile(statement + "\n", "<gen>", "single"), namespace)
        value = eval(expression, namespace)
        examples.append(Example(statements, expression, repr(value)))
    return examples


def _indent(text: str) -> str:
    return "\n".join(f"   {line}" if line else "" for line in text.splitlines())


def page_text(page: int, pages: int, flavour: str, edit: int = 0) -> str:
    """The reST source of one page in one flavour."""
    title = f"Page {page}"
    parts = [
        f".. _page-{page}:",
        "",
        title,
        "=" * len(title),
        "",
        f"This page belongs to a generated project of {pages} pages. It shows a",
        "few small computations, each checked against its output. The next page",
        f"is :ref:`page-{(page + 1) % pages}`.",
        "",
    ]
    for k, example in enumerate(page_examples(page, edit)):
        form = k % 3
        parts += [f"Example {k}: the result of ``{example.expression}``.", ""]
        if form == 0:  # a reST doctest block: both tools test it as it is
            parts += [example.session(), ""]
        elif form == 1:
            directive = (
                ".. code-block:: pycon" if flavour == "native" else ".. doctest::"
            )
            parts += [directive, "", _indent(example.session()), ""]
        else:
            code, output = example.script()
            if flavour == "native":
                first, second = ".. code-block:: python", ".. code-block:: output"
            else:
                first, second = ".. testcode::", ".. testoutput::"
            parts += [first, "", _indent(code), "", second, "", _indent(output), ""]
    return "\n".join(parts)


def index_text(pages: int) -> str:
    """The root document with a toctree of every page."""
    lines = ["Bench", "=====", "", ".. toctree::", "   :maxdepth: 1", ""]
    lines += [f"   page{page:04d}" for page in range(pages)]
    return "\n".join(lines) + "\n"


def write_page(root: Path, page: int, pages: int, edit: int = 0) -> None:
    """(Re)write page ``page`` in both flavours."""
    for flavour in FLAVOURS:
        path = root / f"src-{flavour}" / f"page{page:04d}.rst"
        path.write_text(page_text(page, pages, flavour, edit))


def generate(root: Path, pages: int) -> Path:
    """Write the whole project under ``root`` (emptied first); return ``root``."""
    if pages < 2:
        raise ValueError(f"pages must be at least 2, not {pages}")
    if root.exists():
        shutil.rmtree(root)
    for flavour in FLAVOURS:
        (root / f"src-{flavour}").mkdir(parents=True)
        (root / f"src-{flavour}" / "index.rst").write_text(index_text(pages))
    for page in range(pages):
        write_page(root, page, pages)
    for name, conf in CONFS.items():
        (root / f"conf-{name}").mkdir()
        (root / f"conf-{name}" / "conf.py").write_text(COMMON_CONF + conf)
    return root


def all_examples(pages: int) -> list[list[Example]]:
    """Every page's examples, for timing the raw code."""
    return [page_examples(page) for page in range(pages)]


def run_raw(pages: list[list[Example]]) -> int:
    """Run every example's code, one fresh namespace per page (the floor).

    Statements are compiled and run as a doctest runner would (mode
    ``single``), the shown value is taken with ``repr`` and compared; printed
    output is captured. Returns the number of examples run.
    """
    count = 0
    sink = io.StringIO()
    for examples in pages:
        namespace: dict[str, object] = {}
        for example in examples:
            with contextlib.redirect_stdout(sink):
                for statement in example.statements:
                    exec(compile(statement + "\n", "<example>", "single"), namespace)
                value = eval(
                    compile(example.expression, "<example>", "eval"), namespace
                )
            if repr(value) != example.output:
                raise AssertionError(f"{example.expression}: {value!r}")
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--pages", type=int, default=50)
    args = parser.parse_args()
    generate(args.root, args.pages)
    print(f"{args.pages} pages x {EXAMPLES_PER_PAGE} examples in {args.root}")


if __name__ == "__main__":
    main()
