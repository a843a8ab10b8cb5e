"""Triage benchmark: texts per second through the classifier and the phone reader; seconds per
photo through OCR and the photo features, with the phone reader's recall and precision on
rendered ad photos; photos per second with one and two worker processes; peak memory.

    .venv/bin/python bench/triage.py [--photos 200] [--repeat 20]
"""

import argparse
import multiprocessing as mp
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifiers import text as text_model  # noqa: E402
from classifiers.corpus import adphotos  # noqa: E402
from classifiers.corpus.compose_photos import read_photo_features  # noqa: E402
from classifiers.ocr import PhotoReader, open_image, shared_reader  # noqa: E402
from classifiers.phones import extract_phones  # noqa: E402
from classifiers.photo import measure  # noqa: E402
from classifiers.photo_text import phones_on_photo  # noqa: E402
from service.operators.directory import load_directory  # noqa: E402

CORPUS = ROOT / "classifiers" / "corpus"
OPERATORS = load_directory()
PLAN, PATTERNS = OPERATORS.number_plan, OPERATORS.label_patterns


def rss_mib(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def texts(model: text_model.TextModel, repeat: int) -> None:
    sample = [e.text for e in text_model.read_examples(CORPUS / "eval.csv")]
    singles = []
    for _ in range(repeat):
        for text in sample:
            t = time.perf_counter()
            model.decide(text)
            extract_phones(text, plan=PLAN)
            singles.append(time.perf_counter() - t)
    batch_rates = []
    for _ in range(repeat):
        t = time.perf_counter()
        model.decide_many(sample)
        for text in sample:
            extract_phones(text, plan=PLAN)
        batch_rates.append(len(sample) / (time.perf_counter() - t))
    singles.sort()
    p50, p95 = statistics.median(singles) * 1000, singles[int(len(singles) * 0.95)] * 1000
    print(
        f"texts, one at a time (classify + phones): p50 {p50:.1f} ms, p95 {p95:.1f} ms "
        f"({1000 / p50:.0f} texts/s); in batches of {len(sample)}: "
        f"{statistics.median(batch_rates):.0f} texts/s"
    )


def photos(count: int, seed: int) -> None:
    before = rss_mib()
    t = time.perf_counter()
    reader = shared_reader()
    reader.read(open_image(next(adphotos.generate(1, seed=1)).jpeg))  # models load lazily
    print(
        f"OCR engine: loaded in {time.perf_counter() - t:.1f} s, "
        f"+{rss_mib() - before:.0f} MiB resident ({reader.engine})"
    )
    seconds, ocr_only = [], []
    tp = fp = fn = 0
    for i, photo in enumerate(adphotos.generate(count, seed=seed), start=1):
        t = time.perf_counter()
        image = open_image(photo.jpeg)
        reading = reader.read(image)
        measure(image, reading, plan=PLAN, patterns=PATTERNS)
        found = {p.e164 for p in phones_on_photo(reading, photo=1, plan=PLAN)}
        seconds.append(time.perf_counter() - t)
        ocr_only.append(reading.seconds)
        truth = set(photo.numbers)
        tp, fp, fn = tp + len(found & truth), fp + len(found - truth), fn + len(truth - found)
        if i % 20 == 0:
            sys.stderr.write(f"\r  photos read: {i}/{count}")
    sys.stderr.write("\n")
    seconds.sort()
    ocr_only.sort()
    print(
        f"per photo (decode + OCR + features + phones), {count} rendered ad photos: "
        f"median {statistics.median(seconds):.2f} s, p95 {seconds[int(count * 0.95)]:.2f} s "
        f"(OCR alone: median {statistics.median(ocr_only):.2f} s)"
    )
    print(
        f"phone numbers on them: recall {tp / (tp + fn):.3f}, precision "
        f"{tp / max(1, tp + fp):.3f} ({tp} found, {fn} missed, {fp} wrong, seed {seed})"
    )


def _worker(jobs: "mp.Queue[bytes | None]", done: "mp.Queue[float]", threads: int) -> None:
    reader = PhotoReader(threads=threads)  # once per worker process, as in Celery
    while (jpeg := jobs.get()) is not None:
        image = open_image(jpeg)
        measure(image, reader.read(image), plan=PLAN, patterns=PATTERNS)
        done.put(0.0)
    done.put(rss_mib("VmHWM"))  # its peak memory, last


def throughput(processes: int, threads: int, jpegs: list[bytes]) -> tuple[float, float]:
    """Photos per second with `processes` worker processes (engines loaded before timing),
    and the largest peak memory of one worker process."""
    jobs: mp.Queue[bytes | None] = mp.Queue()
    done: mp.Queue[float] = mp.Queue()
    workers = [mp.Process(target=_worker, args=(jobs, done, threads)) for _ in range(processes)]
    for w in workers:
        w.start()
    for _ in range(processes):  # warm-up: one photo each loads the models
        jobs.put(jpegs[0])
    for _ in range(processes):
        done.get()
    t = time.perf_counter()
    for jpeg in jpegs:
        jobs.put(jpeg)
    for _ in jpegs:
        done.get()
    rate = len(jpegs) / (time.perf_counter() - t)
    for _ in workers:
        jobs.put(None)
    peak = max(done.get() for _ in workers)
    for w in workers:
        w.join()
    return rate, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--seed", type=int, default=adphotos.DEFAULT_SEED)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--throughput-photos", type=int, default=40)
    args = parser.parse_args()
    print(
        f"machine: {platform.node()}, {os.cpu_count()} cores, "
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}"
    )
    examples = text_model.read_corpus(CORPUS)  # the service's model: the whole corpus
    t0 = time.perf_counter()
    model = text_model.train(
        examples,
        data_sha256="bench",
        photos=read_photo_features(CORPUS / "photo_train.csv"),
    )
    print(f"training (text + photo model + stacker): {time.perf_counter() - t0:.1f} s")
    texts(model, args.repeat)
    photos(args.photos, args.seed)
    print(
        f"peak memory (RSS) of this process, photo rendering included: {rss_mib('VmHWM'):.0f} MiB"
    )
    jpegs = [p.jpeg for p in adphotos.generate(args.throughput_photos, seed=args.seed + 1)]
    for processes, threads in ((1, 0), (1, 1), (2, 1)):
        rate, peak = throughput(processes, threads, jpegs)
        label = "all cores" if threads == 0 else f"{threads} thread"
        print(
            f"throughput: {processes} worker process(es), ONNX Runtime {label} each: "
            f"{rate:.2f} photos/s; peak memory of a worker process {peak:.0f} MiB"
        )


if __name__ == "__main__":
    main()
