"""Compose the photo model's training and evaluation features from rendered photos.

    python -m classifiers.corpus.compose_photos            # writes photo_train.csv, photo_eval.csv

Each row is one rendered photo (scenes.py, adphotos.py; fixed seeds, different for the two
files), read by the OCR engine and measured by `classifiers.photo.measure`. The photos
themselves are not kept: the features are what the model trains on, and reading takes
about a third of a second per photo, too slow to repeat at every `triage model train`.
"""

import argparse
import csv
import random
import sys
from pathlib import Path

from classifiers.corpus import adphotos, scenes
from classifiers.ocr import open_image, shared_reader
from classifiers.photo import FEATURES, SCENES, measure

HERE = Path(__file__).parent
SEEDS = {"photo_train.csv": 20261201, "photo_eval.csv": 99120261}


def compose(path: Path, *, per_scene: int, seed: int) -> None:
    rng = random.Random(seed)
    reader = shared_reader()
    rows = []
    total = per_scene * len(SCENES)
    for i in range(total):
        scene = SCENES[i % len(SCENES)]
        name = f"{scene}-{i:04d}"
        if scene == "ad":
            jpeg, operator = adphotos.render(rng, name).jpeg, None
        else:
            rendered = scenes.render(rng, scene, name)
            jpeg, operator = rendered.jpeg, rendered.operator
        image = open_image(jpeg)
        features = measure(image, reader.read(image))
        rows.append({"name": name, "scene": scene, "operator": operator or "", **features})
        sys.stderr.write(f"\r{path.name}: {i + 1}/{total}")
    sys.stderr.write("\n")
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["name", "scene", "operator", *FEATURES])
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {k: (f"{v:.5f}" if isinstance(v, float) else v) for k, v in row.items()}
            )


def read_photo_features(path: Path) -> tuple[list[dict[str, float]], list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [{name: float(row[name]) for name in FEATURES} for row in rows], [
        row["scene"] for row in rows
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-per-scene", type=int, default=80)
    parser.add_argument("--eval-per-scene", type=int, default=30)
    args = parser.parse_args()
    compose(HERE / "photo_train.csv", per_scene=args.train_per_scene, seed=SEEDS["photo_train.csv"])
    compose(HERE / "photo_eval.csv", per_scene=args.eval_per_scene, seed=SEEDS["photo_eval.csv"])


if __name__ == "__main__":
    main()
