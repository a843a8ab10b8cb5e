"""Triage benchmark: texts per second through the text classifier, phone reading and place
lookup, and peak memory. Photos (OCR) are not read yet, so no per-photo figures (issue #4).

    .venv/bin/python bench/triage.py [--repeat 20]
"""

import argparse
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifiers import text as text_model  # noqa: E402
from classifiers.phones import extract_phones  # noqa: E402

CORPUS = ROOT / "classifiers" / "corpus"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    print(
        f"machine: {platform.node()}, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}"
    )
    examples = text_model.read_examples(CORPUS / "train.csv")
    texts = [e.text for e in text_model.read_examples(CORPUS / "eval.csv")]
    t0 = time.perf_counter()
    model = text_model.train(examples, data_sha256=text_model.sha256_of([CORPUS / "train.csv"]))
    print(f"training on {len(examples)} examples: {time.perf_counter() - t0:.1f} s")

    singles = []
    for _ in range(args.repeat):
        for text in texts:
            t = time.perf_counter()
            model.decide(text)
            extract_phones(text)
            singles.append(time.perf_counter() - t)
    batch_rates = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        model.decide_many(texts)
        for text in texts:
            extract_phones(text)
        batch_rates.append(len(texts) / (time.perf_counter() - t))
    singles.sort()
    p50 = statistics.median(singles) * 1000
    p95 = singles[int(len(singles) * 0.95)] * 1000
    print(
        f"one text at a time (classify + phones): p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
        f"{1000 / p50:.0f} texts/s"
    )
    print(f"batches of {len(texts)}: {statistics.median(batch_rates):.0f} texts/s (median)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (RSS) of this process: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
