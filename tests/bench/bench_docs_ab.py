"""Two versions of jigger_sphinx against plain html, in one run.

On a shared machine one fresh build moves by 10-20 % from minute to minute,
so two separate runs of ``bench_docs.py`` cannot show a change of a few
percent. This script takes turns instead: a plain ``-b html`` build, then
jigger_sphinx as it is at a git revision ("before"), then as it is in this
checkout ("after"), the order rotating from round to round, all on one
generated project::

    python tests/bench/bench_docs_ab.py --before 71dedaa [--pages 200] [--rounds 9]
                                        [--jobs 2]

"before" is ``git archive REV sphinx_ext`` put first on ``PYTHONPATH`` of its
builds (the build and its examples worker both load it from there); the
framework and everything else come from the current environment. It prints
each variant's median seconds (and CPU seconds) and, per round, each
jigger_sphinx build against the limit of the 1.05x goal: the plain build of
the same round x 1.05 + the examples' own time. ``--jobs N`` builds all
three with ``-j N`` (parallel reading).
"""

from __future__ import annotations

import argparse
import compileall
import io
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_docs
import gen_docs

REPO = Path(__file__).resolve().parents[2]


def extract(rev: str, into: Path) -> Path:
    """``sphinx_ext`` at ``rev``, with its bytecode compiled; its path."""
    data = subprocess.run(
        ["git", "archive", rev, "sphinx_ext"],
        cwd=REPO,
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        archive.extractall(into, filter="data")
    compileall.compile_dir(into / "sphinx_ext", quiet=1)
    return into / "sphinx_ext"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="git revision to compare")
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--jobs", type=int, default=1, help="sphinx-build -j")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="jigger-bench-ab-"))
    try:
        before = extract(args.before, work / "before")
        root = gen_docs.generate(work / "project", args.pages)
        examples = gen_docs.all_examples(args.pages)
        raw = []
        for _ in range(5):
            start = time.perf_counter()
            gen_docs.run_raw(examples)
            raw.append(time.perf_counter() - start)
        floor = statistics.median(raw)
        # name -> (conf folder, PYTHONPATH for the build or None)
        variants: dict[str, tuple[str, str | None]] = {
            "plain": ("plain", None),
            "before": ("jigger", str(before)),
            "after": ("jigger", None),
        }
        names = list(variants)
        seconds: dict[str, list[float]] = {name: [] for name in names}
        cpu: dict[str, list[float]] = {name: [] for name in names}
        for number in range(args.rounds):
            order = names[number % 3 :] + names[: number % 3]
            if number % 2:
                order.reverse()
            for name in order:
                conf, path = variants[name]
                out = root / "out" / name
                shutil.rmtree(out, ignore_errors=True)
                if hasattr(os, "sync"):
                    os.sync()
                saved = os.environ.pop("PYTHONPATH", None)
                if path is not None:
                    os.environ["PYTHONPATH"] = path
                try:
                    took, used, output = bench_docs.sphinx_build(
                        "html",
                        root / f"conf-{conf}",
                        root / "src-native",
                        out,
                        out / ".doctrees",
                        ["-j", str(args.jobs)] if args.jobs > 1 else [],
                    )
                finally:
                    os.environ.pop("PYTHONPATH", None)
                    if saved is not None:
                        os.environ["PYTHONPATH"] = saved
                if conf == "jigger":
                    got = bench_docs.summary(output)
                    want = args.pages * gen_docs.EXAMPLES_PER_PAGE
                    if got is None or got["passed"] != want or got["executed"] != want:
                        print(f"{name}: not every example ran and passed: {got}")
                        return 1
                seconds[name].append(took)
                cpu[name].append(used)
            line = ", ".join(f"{n} {seconds[n][-1]:.2f} s" for n in names)
            print(f"round {number + 1}: {line}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"\n{args.pages} pages, {args.rounds} rounds, -j {args.jobs}; "
        f"the examples alone: "
        f"{floor * 1000:.0f} ms\n"
    )
    print(
        "| build | median s (CPU s) | of the limit, median of rounds (95 % interval) |"
    )
    print("|---|---|---|")
    for name in names:
        cell = ""
        if name != "plain":
            shares = [
                t / (p * 1.05 + floor)
                for t, p in zip(seconds[name], seconds["plain"], strict=True)
            ]
            low, high = bench_docs.median_interval(shares)
            cell = f"{statistics.median(shares):.3f} ({low:.3f}-{high:.3f})"
        label = "plain" if name == "plain" else f"jigger_sphinx, {name}"
        print(
            f"| {label} | {statistics.median(seconds[name]):.2f} "
            f"({statistics.median(cpu[name]):.2f}) | {cell} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
