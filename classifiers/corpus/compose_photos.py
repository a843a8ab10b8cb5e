"""Compose the photo model's training and evaluation features from rendered photos.

    python -m classifiers.corpus.compose_photos            # writes photo_train.csv, photo_eval.csv

Each row is one rendered photo (scenes.py, adphotos.py; fixed seeds, different for the two
files), read by the OCR engine and measured by `classifiers.photo.measure`. The photos
themselves are not kept: the features are what the model trains on, and reading takes
about a third of a second per photo, too slow to repeat at every `triage model train`.

The phone numbers and operator labels on a photo are features too: they are told by the
number plan and label patterns of data/operators.yaml, read here without the service's
checks (the service validates that file at start-up; this offline command only trusts it).
"""

import argparse
import csv
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from classifiers.corpus import adphotos, scenes
from classifiers.ocr import open_image, shared_reader
from classifiers.operators import LabelPatterns
from classifiers.phones import NumberPlan
from classifiers.photo import FEATURES, SCENES, measure

HERE = Path(__file__).parent
OPERATORS_FILE = HERE.parent.parent / "data" / "operators.yaml"
SEEDS = {"photo_train.csv": 20261201, "photo_eval.csv": 99120261}


@dataclass(frozen=True, slots=True)
class TextRules:
    plan: NumberPlan
    patterns: LabelPatterns


def read_text_rules(path: Path = OPERATORS_FILE) -> TextRules:
    doc: dict[str, Any] = yaml.safe_load(path.read_text("utf-8"))
    numbering, operators = doc["numbering"], doc["operators"]
    plan = NumberPlan(
        mobile={prefix: op["slug"] for op in operators for prefix in op["mobile_prefixes"]},
        area_code=numbering["area_code"],
        former_area_codes=tuple(numbering["former_area_codes"]),
        service_prefixes=dict(numbering["service_prefixes"]),
    )
    patterns = LabelPatterns.of(
        (pattern, op["slug"]) for op in operators for pattern in op["label_patterns"]
    )
    return TextRules(plan, patterns)


def compose(path: Path, *, per_scene: int, seed: int, rules: TextRules) -> None:
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
        features = measure(image, reader.read(image), plan=rules.plan, patterns=rules.patterns)
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
    parser.add_argument("--operators", type=Path, default=OPERATORS_FILE)
    args = parser.parse_args()
    rules = read_text_rules(args.operators)
    for name, per_scene in (
        ("photo_train.csv", args.train_per_scene),
        ("photo_eval.csv", args.eval_per_scene),
    ):
        compose(HERE / name, per_scene=per_scene, seed=SEEDS[name], rules=rules)


if __name__ == "__main__":
    main()
