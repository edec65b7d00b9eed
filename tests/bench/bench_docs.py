"""Docs benchmark: Sphinx builds of a generated project, with and without checking.

Run it with ``nox -s bench`` or directly::

    python tests/bench/bench_docs.py [--pages 50,200] [--repeats 3] [--quick]
                                     [--json build/bench/docs.json]

For each page count P a project of P pages x 12 examples is generated
(:mod:`gen_docs`) and built with ``sphinx-build`` in subprocesses, each build
in a fresh output folder unless it is a rebuild:

``plain_html``            ``-b html``, no extension
``jigger_html``           ``-b html`` with jigger_sphinx (runs the examples)
``doctest_html`` +        ``-b html`` then ``-b doctest`` with sphinx.ext.doctest,
``doctest_pass``          the second reusing the first's doctrees (same ``-d``),
                          as ``make html doctest`` does
``jigger_check``          ``-b jigger-check`` (read + run + resolve, no HTML)
``*_rebuild``             the same ``-b html`` again with nothing changed
                          (three pairs per repeat)
``jigger_rebuild_own``    the time jigger_sphinx's own code takes in one more
                          unchanged rebuild, measured in-process (own_time.py)
``*_edit_one``            again after one page's examples were edited
``*_j2``                  ``-b html -j 2`` from scratch
``*_html_more``           more fresh plain/jigger_sphinx ``-b html`` pairs, back
                          to back (the 1.05x goal is judged on every pair)
``raw_examples``          the floor: every example's code run in-process

The builds of one repeat take turns in a rotating order; the figure kept is
the median over repeats.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

try:
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen_docs

SUMMARY = re.compile(
    r"jigger-sphinx: (?P<examples>\d+) examples: (?P<passed>\d+) passed, "
    r"(?P<failed>\d+) failed, (?P<skipped>\d+) skipped "
    r"\((?P<executed>\d+) executed, (?P<cached>\d+) cached\); "
    r"(?P<refs>\d+) references checked, (?P<broken>\d+) broken"
)
EDITED_PAGE = 7
#: unchanged-rebuild pairs (plain, jigger_sphinx) per repeat
REBUILD_PAIRS = 3
#: fresh ``-b html`` pairs (plain, jigger_sphinx) per repeat, the first in its
#: group: one build moves by 10-20 % with the machine, the goal is 5 %
FRESH_PAIRS = 3
OWN_TIME = Path(__file__).resolve().parent / "own_time.py"

#: name -> (builder, conf folder, source flavour, extra sphinx-build arguments)
FRESH = {
    "plain_html": ("html", "plain", "native", []),
    "jigger_html": ("html", "jigger", "native", []),
    "doctest_html": ("html", "doctest", "doctest", []),
    "jigger_check": ("jigger-check", "jigger", "native", []),
    "plain_html_j2": ("html", "plain", "native", ["-j", "2"]),
    "jigger_html_j2": ("html", "jigger", "native", ["-j", "2"]),
}
#: Builds compared with each other run back to back (the machine's speed
#: drifts over tens of seconds); the groups rotate, and a pair swaps its
#: order, from repeat to repeat.
GROUPS = [
    ("plain_html", "jigger_html", "doctest_html"),
    ("jigger_check",),
    ("plain_html_j2", "jigger_html_j2"),
]
ROWS = [
    ("raw_examples", "floor: the examples' code alone, in-process"),
    ("plain_html", "plain `-b html`"),
    ("jigger_html", "`-b html` + jigger_sphinx"),
    ("doctest_html", "`-b html` (sources for sphinx.ext.doctest)"),
    ("doctest_pass", "then `-b doctest` (same doctrees)"),
    ("html_then_doctest", "`-b html` then `-b doctest`, total"),
    ("jigger_check", "`-b jigger-check`"),
    ("plain_rebuild", "unchanged rebuild, plain"),
    ("jigger_rebuild", "unchanged rebuild, jigger_sphinx"),
    ("jigger_rebuild_own", "... of which jigger_sphinx's own code (in-process)"),
    ("plain_edit_one", "one page edited, plain"),
    ("jigger_edit_one", "one page edited, jigger_sphinx"),
    ("plain_html_j2", "plain `-b html -j 2`"),
    ("jigger_html_j2", "`-b html -j 2` + jigger_sphinx"),
]


def _children_cpu() -> float:
    """CPU seconds (user + sys) of this process's finished children so far."""
    if resource is None:  # pragma: no cover - Windows
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def sphinx_build(
    builder: str,
    conf: Path,
    src: Path,
    out: Path,
    doctrees: Path,
    extra: list[str],
    *,
    script: Path | None = None,
) -> tuple[float, float, str]:
    """Run one ``sphinx-build``; return (seconds, CPU seconds, its output).

    The CPU seconds are user + sys of the build and of the processes it
    waited for (jigger_sphinx's worker). With *script*, that script runs
    instead of ``python -m sphinx``, with the same arguments. Fails loudly.
    """
    runner = [str(script)] if script else ["-m", "sphinx"]
    command = [sys.executable, *runner, "-b", builder, "-c", str(conf)]
    command += [str(src), str(out), "-d", str(doctrees), *extra]
    cpu = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(
        command, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    took = time.perf_counter() - start
    cpu = _children_cpu() - cpu
    output = done.stdout + done.stderr
    if done.returncode != 0:
        tail = "\n".join(output.splitlines()[-30:])
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}:\n{tail}")
    return took, cpu, output


def summary(output: str) -> dict[str, int] | None:
    """The numbers of jigger_sphinx's summary line, if the output has one."""
    matches = list(SUMMARY.finditer(output))
    if not matches:
        return None
    match = matches[-1]
    return {key: int(value) for key, value in match.groupdict().items()}


class Run:
    """One page count: the project, its output folders, the samples taken."""

    def __init__(self, root: Path, pages: int) -> None:
        self.root = root
        self.pages = pages
        self.samples: dict[str, list[float]] = {}
        self.cpu: dict[str, list[float]] = {}
        self.summaries: dict[str, list[dict[str, int] | None]] = {}
        self.checks: list[tuple[str, bool, str]] = []
        self.edits = 0

    def build(
        self,
        name: str,
        builder: str,
        conf: str,
        flavour: str,
        extra: list[str],
        out: Path,
    ) -> str:
        # Let the files earlier builds wrote reach the disk first, so that
        # their write-back does not fall on this build's time.
        if hasattr(os, "sync"):
            os.sync()
        took, cpu, output = sphinx_build(
            builder,
            self.root / f"conf-{conf}",
            self.root / f"src-{flavour}",
            out,
            out / ".doctrees",
            extra,
        )
        self.samples.setdefault(name, []).append(took)
        self.cpu.setdefault(name, []).append(cpu)
        self.summaries.setdefault(name, []).append(summary(output))
        return output

    def check(self, what: str, ok: bool, detail: str) -> None:
        self.checks.append((what, ok, detail))
        if not ok:
            print(f"  CHECK FAILED ({self.pages} pages): {what}: {detail}", flush=True)

    def repeat(self, number: int) -> None:
        """Every measurement once, fresh builds in a rotated order."""
        outs = self.root / "out"
        if outs.exists():
            shutil.rmtree(outs)
        shift = number % len(GROUPS)
        names = [
            name
            for group in GROUPS[shift:] + GROUPS[:shift]
            for name in (group if number % 2 == 0 else group[::-1])
        ]
        n_examples = self.pages * gen_docs.EXAMPLES_PER_PAGE
        for name in names:
            builder, conf, flavour, extra = FRESH[name]
            self.build(name, builder, conf, flavour, extra, outs / name)
            if conf == "jigger":
                self.check_ran_all(name)
            if name == "doctest_html":
                self.build(
                    "doctest_pass", "doctest", "doctest", "doctest", [], outs / name
                )
                report = (outs / name / "output.txt").read_text()
                failures = re.search(r"(\d+) failures in tests", report)
                ok = failures is not None and failures.group(1) == "0"
                self.check("doctest_pass passed", ok, report[-300:])
        for samples in (self.samples, self.cpu):
            samples.setdefault("html_then_doctest", []).append(
                samples["doctest_html"][-1] + samples["doctest_pass"][-1]
            )
        for pair in range(1, FRESH_PAIRS):
            order = ["plain_html", "jigger_html"]
            if (number + pair) % 2:
                order.reverse()
            for name in order:
                builder, conf, flavour, extra = FRESH[name]
                out = outs / f"{name}_more"
                self.build(f"{name}_more", builder, conf, flavour, extra, out)
                if conf == "jigger":
                    self.check_ran_all(f"{name}_more")
                shutil.rmtree(out)
        # The rebuild pairs take turns going first, as the fresh pairs do:
        # the build that follows the fresh ones ran slower in every repeat.
        flip = number % 2 == 1
        # nothing changed: a rebuild takes about a second, and one pair of
        # them moves by 10-20 % with the machine, so take several pairs
        for pair in range(REBUILD_PAIRS):
            self.html_pair("rebuild", outs, plain_first=(number + pair) % 2 == 1)
            got = self.summaries["jigger_rebuild"][-1]
            ok = (
                got is not None
                and got["executed"] == 0
                and got["examples"] == n_examples
            )
            self.check("unchanged rebuild executed 0 examples", ok, f"summary {got}")
        self.own_time(outs / "jigger_html")
        # one page's examples edited
        self.edits += 1
        page = min(EDITED_PAGE, self.pages - 1)
        gen_docs.write_page(self.root, page, self.pages, edit=self.edits)
        self.html_pair("edit_one", outs, plain_first=flip)
        got = self.summaries["jigger_edit_one"][-1]
        ok = (
            got is not None
            and 0 < got["executed"] <= gen_docs.EXAMPLES_PER_PAGE
            and got["failed"] == 0
        )
        self.check("one edited page re-ran only its examples", ok, f"summary {got}")
        shutil.rmtree(outs)

    def check_ran_all(self, name: str) -> None:
        """Check that build ``name`` ran (and passed) every example."""
        n_examples = self.pages * gen_docs.EXAMPLES_PER_PAGE
        got = self.summaries[name][-1]
        want = {"examples": n_examples, "passed": n_examples, "executed": n_examples}
        ok = got is not None and all(got[k] == v for k, v in want.items())
        self.check(f"{name} ran every example", ok, f"summary {got}, want {want}")

    def html_pair(self, what: str, outs: Path, *, plain_first: bool) -> None:
        """Plain and jigger_sphinx ``-b html`` again, back to back, each in the
        output folder of its fresh build; samples named ``{conf}_{what}``."""
        for conf in ("plain", "jigger") if plain_first else ("jigger", "plain"):
            self.build(
                f"{conf}_{what}", "html", conf, "native", [], outs / f"{conf}_html"
            )

    def own_time(self, out: Path) -> None:
        """One more unchanged rebuild, in-process under ``own_time.py``: the
        time the extension's own code takes in it."""
        _, _, output = sphinx_build(
            "html",
            self.root / "conf-jigger",
            self.root / "src-native",
            out,
            out / ".doctrees",
            ["-q"],
            script=OWN_TIME,
        )
        line = [x for x in output.splitlines() if x.startswith('{"status"')][-1]
        got = json.loads(line)
        self.samples.setdefault("jigger_rebuild_own", []).append(got["own_s"])

    def raw(self, rounds: int) -> None:
        """The floor: the examples' code alone, in this process."""
        examples = gen_docs.all_examples(self.pages)
        for _ in range(rounds):
            start = time.perf_counter()
            count = gen_docs.run_raw(examples)
            self.samples.setdefault("raw_examples", []).append(
                time.perf_counter() - start
            )
        self.check("raw examples all ran", count == self.pages * 12, str(count))

    def result(self) -> dict[str, Any]:
        return {
            "pages": self.pages,
            "examples": self.pages * gen_docs.EXAMPLES_PER_PAGE,
            "median_s": {k: statistics.median(v) for k, v in self.samples.items()},
            "samples_s": self.samples,
            "median_cpu_s": {k: statistics.median(v) for k, v in self.cpu.items()},
            "cpu_s": self.cpu,
            "summaries": self.summaries,
            "checks": [
                {"check": what, "ok": ok, "detail": detail}
                for what, ok, detail in self.checks
            ],
        }


def per_repeat(
    res: dict[str, Any], top: str, bottom: str, scale: float = 1.0, add: float = 0.0
) -> float:
    """The median over repeats (or rebuild pairs) of ``top / (bottom * scale +
    add)``: the two builds ran back to back each time, so the median of their
    ratios is steadier than the ratio of their medians."""
    samples: dict[str, list[float]] = res["samples_s"]
    return statistics.median(
        t / (b * scale + add)
        for t, b in zip(samples[top], samples[bottom], strict=True)
    )


def fresh_pairs(res: dict[str, Any]) -> list[tuple[float, float]]:
    """Every back-to-back (jigger_sphinx, plain) fresh ``-b html`` pair:
    the one in each repeat's group and the ``*_html_more`` ones."""
    samples: dict[str, list[float]] = res["samples_s"]
    pairs = list(zip(samples["jigger_html"], samples["plain_html"], strict=True))
    more = zip(
        samples.get("jigger_html_more", []),
        samples.get("plain_html_more", []),
        strict=True,
    )
    return pairs + list(more)


def median_interval(
    values: list[float], rounds: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """A 95 % bootstrap interval of the median of ``values``: how far the
    median of this many noisy samples can be trusted (a fixed seed, so a
    report can be checked).

    >>> median_interval([1.0, 1.0, 1.0])
    (1.0, 1.0)
    >>> low, high = median_interval([0.9, 1.0, 1.1, 1.2])
    >>> 0.9 <= low <= high <= 1.2
    True
    """
    pick = random.Random(seed).choices
    medians = sorted(
        statistics.median(pick(values, k=len(values))) for _ in range(rounds)
    )
    return medians[int(rounds * 0.025)], medians[int(rounds * 0.975) - 1]


def targets(results: list[dict[str, Any]]) -> list[tuple[str, str, bool]]:
    """Issue 7's docs targets: (what, measured, met)."""
    rows: list[tuple[str, str, bool]] = []
    for res in results:
        m = res["median_s"]
        p = res["pages"]
        pairs = fresh_pairs(res)
        plain = statistics.median(b for _, b in pairs)
        jigger = statistics.median(t for t, _ in pairs)
        limit = plain * 1.05 + m["raw_examples"]
        shares = [t / (b * 1.05 + m["raw_examples"]) for t, b in pairs]
        paired = statistics.median(shares)
        low, high = median_interval(shares)
        rows.append(
            (
                f"{p} pages: html+jigger <= plain html x 1.05 + raw examples",
                f"{jigger:.2f} s vs {limit:.2f} s (medians); "
                f"{paired:.3f} of the limit (median of {len(pairs)} back-to-back "
                f"pairs; 95 % interval {low:.3f}-{high:.3f})",
                paired <= 1.0,
            )
        )
        versus_doctest = per_repeat(res, "jigger_html", "html_then_doctest")
        rows.append(
            (
                f"{p} pages: html+jigger faster than html then doctest",
                f"{m['jigger_html']:.2f} s vs {m['html_then_doctest']:.2f} s "
                f"(medians); {versus_doctest:.2f}x (median of repeats)",
                versus_doctest < 1.0,
            )
        )
        executed = [
            s["executed"] if s else -1 for s in res["summaries"]["jigger_rebuild"]
        ]
        rows.append(
            (
                f"{p} pages: unchanged rebuild executes 0 examples",
                f"executed {executed}",
                all(e == 0 for e in executed),
            )
        )
        ratio = per_repeat(res, "jigger_rebuild", "plain_rebuild")
        rebuilds = len(res["samples_s"]["jigger_rebuild"])
        rows.append(
            (
                f"{p} pages: unchanged rebuild <= 1.1 x plain unchanged rebuild",
                f"{m['jigger_rebuild']:.2f} s vs {m['plain_rebuild']:.2f} s "
                f"(medians); {ratio:.2f}x (median of {rebuilds} pairs)",
                ratio <= 1.1,
            )
        )
        own = m["jigger_rebuild_own"]
        share = own / m["plain_rebuild"]
        rows.append(
            (
                f"{p} pages: jigger_sphinx's own time in an unchanged rebuild "
                "<= 0.1 x plain unchanged rebuild",
                f"{own * 1000:.0f} ms (in-process, median) = {share:.3f} x "
                f"{m['plain_rebuild']:.2f} s",
                share <= 0.1,
            )
        )
        executed = [
            s["executed"] if s else -1 for s in res["summaries"]["jigger_edit_one"]
        ]
        rows.append(
            (
                f"{p} pages: one edited page re-runs only its examples (<= 12)",
                f"executed {executed}",
                all(0 < e <= gen_docs.EXAMPLES_PER_PAGE for e in executed),
            )
        )
    ordered = sorted(results, key=lambda res: res["pages"])
    for small, big in itertools.pairwise(ordered):
        factor = big["pages"] / small["pages"]
        for name in ("plain_html", "jigger_html"):
            grow = big["median_s"][name] / small["median_s"][name]
            rows.append(
                (
                    f"{name}: {small['pages']} -> {big['pages']} pages grows at most "
                    f"linearly (x{factor:g})",
                    f"x{grow:.2f}",
                    grow <= factor,
                )
            )
    return rows


def format_report(results: list[dict[str, Any]]) -> str:
    """Markdown tables: medians per page count, ratios, targets."""
    pages = [res["pages"] for res in results]
    head = "| build | " + " | ".join(f"{p} pages: s (CPU s)" for p in pages) + " |"
    lines = ["### Docs: sphinx-build, median seconds (median CPU seconds)", ""]
    lines += [head, "|---" * (len(pages) + 1) + "|"]
    for key, label in ROWS:
        cells = []
        for res in results:
            value = res["median_s"].get(key)
            cpu = res.get("median_cpu_s", {}).get(key)
            cell = "-" if value is None else f"{value:.2f}"
            cells.append(cell if cpu is None else f"{cell} ({cpu:.2f})")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "CPU seconds are user + sys of the build and of its children "
        "(jigger_sphinx's worker), so a build that runs its examples beside "
        "Sphinx can take fewer seconds than CPU seconds.",
    ]
    lines += ["", "### Docs: ratios", ""]
    lines.append("| ratio | " + " | ".join(f"{p} pages" for p in pages) + " |")
    lines.append("|---" * (len(pages) + 1) + "|")
    ratios = [
        ("html+jigger / plain html", "jigger_html", "plain_html"),
        ("html+jigger / html then doctest", "jigger_html", "html_then_doctest"),
        ("html then doctest / plain html", "html_then_doctest", "plain_html"),
        ("jigger-check / html+jigger", "jigger_check", "jigger_html"),
        ("unchanged rebuild: jigger / plain", "jigger_rebuild", "plain_rebuild"),
        ("one page edited: jigger / plain", "jigger_edit_one", "plain_edit_one"),
        ("html+jigger: -j 2 / -j 1", "jigger_html_j2", "jigger_html"),
        ("plain html: -j 2 / -j 1", "plain_html_j2", "plain_html"),
    ]
    for label, top, bottom in ratios:
        cells = [
            f"{res['median_s'][top] / res['median_s'][bottom]:.2f}x" for res in results
        ]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    cells = [
        f"{statistics.median(t / b for t, b in fresh_pairs(res)):.2f}x"
        for res in results
    ]
    label = "html+jigger / plain html, back to back (median of pairs)"
    lines.append(f"| {label} | " + " | ".join(cells) + " |")
    extra = []
    for res in results:
        m = res["median_s"]
        over = m["jigger_html"] - m["plain_html"]
        extra.append(
            f"{res['pages']} pages: jigger_sphinx adds {over:.2f} s to plain html; "
            f"the examples' code alone takes {m['raw_examples'] * 1000:.0f} ms."
        )
    lines += ["", *extra, "", "### Issue 7 docs targets", ""]
    lines += ["| target | measured | met |", "|---|---|---|"]
    for what, measured, met in targets(results):
        lines.append(f"| {what} | {measured} | {'yes' if met else 'NO'} |")
    failed = [
        f"- {res['pages']} pages: {c['check']}: {c['detail']}"
        for res in results
        for c in res["checks"]
        if not c["ok"]
    ]
    if failed:
        lines += ["", "### Checks that failed", "", *failed]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pages", default="50,200", help="comma-separated page counts (default 50,200)"
    )
    parser.add_argument(
        "--repeats",
        type=int,
        help="repeats per page count (default 5, 2, 1 for <=50, <=200, more pages)",
    )
    parser.add_argument("--quick", action="store_true", help="20 pages, one repeat")
    parser.add_argument("--json", type=Path, default=Path("build/bench/docs.json"))
    parser.add_argument("--workdir", type=Path, help="where projects are generated")
    args = parser.parse_args(argv)
    page_counts = [20] if args.quick else [int(p) for p in args.pages.split(",")]
    # default: 5 repeats up to 50 pages, 2 up to 200, 1 above (to fit the budget)
    repeats = args.repeats or (1 if args.quick else 0)
    started = time.perf_counter()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="jigger-bench-docs-"))
    results = []
    try:
        # warm-up: imports, bytecode caches, the OS file cache
        warm = gen_docs.generate(workdir / "warmup", 4)
        for conf, flavour in (("plain", "native"), ("jigger", "native")):
            out = warm / "out" / conf
            sphinx_build(
                "html",
                warm / f"conf-{conf}",
                warm / f"src-{flavour}",
                out,
                out / ".doctrees",
                [],
            )
        for pages in page_counts:
            print(f"docs bench: {pages} pages ...", flush=True)
            run = Run(gen_docs.generate(workdir / f"p{pages}", pages), pages)
            run.raw(5)
            count = repeats or (5 if pages <= 50 else 2 if pages <= 200 else 1)
            for number in range(count):
                run.repeat(number)
                print(
                    f"  repeat {number + 1} done, "
                    f"{time.perf_counter() - started:.0f} s",
                    flush=True,
                )
            results.append(run.result())
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    report = format_report(results)
    data = {
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "repeats": {
            res["pages"]: len(res["samples_s"]["plain_html"]) for res in results
        },
        "seconds": time.perf_counter() - started,
        "runs": results,
        "targets": [
            {"target": what, "measured": measured, "met": met}
            for what, measured, met in targets(results)
        ],
        "report_markdown": report,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(data, indent=2) + "\n")
    print(report)
    print(f"\ndocs bench took {data['seconds']:.0f} s; JSON: {args.json}")
    return 1 if any(not c["ok"] for res in results for c in res["checks"]) else 0


if __name__ == "__main__":
    sys.exit(main())
