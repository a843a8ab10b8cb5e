"""The classifier as the service sees it: a protocol, and a handle that reads the saved model
on its first decision. Importing this module costs nothing: scikit-learn and OpenCV are loaded
only by a process that classifies (a worker), never by the API or the CLI."""

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from classifiers.text import Decision, TextModel


class Classifier(Protocol):
    @property
    def meta(self) -> dict[str, Any]: ...

    def decide(self, text: str) -> "Decision": ...

    def decide_with_photos(
        self, text: str, photos: Sequence[dict[str, float]], photo_texts: Sequence[str] = ()
    ) -> "Decision": ...


class LazyTextModel:
    """A saved model (classifiers.text.TextModel) read from disk on its first use, then kept."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._model: TextModel | None = None

    def _get(self) -> "TextModel":
        if self._model is None:
            from classifiers.text import TextModel

            self._model = TextModel.load(self.path)
        return self._model

    @property
    def meta(self) -> dict[str, Any]:
        return self._get().meta

    def decide(self, text: str) -> "Decision":
        return self._get().decide(text)

    def decide_with_photos(
        self, text: str, photos: Sequence[dict[str, float]], photo_texts: Sequence[str] = ()
    ) -> "Decision":
        return self._get().decide_with_photos(text, photos, photo_texts)
