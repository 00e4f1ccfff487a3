"""The text of every document a workflow was loaded from, so a worker elsewhere loads the same.

The leader records each document's text as schema-salad fetches it (the workflow, the tools it
runs, ``$import``/``$include`` targets, ``$schemas`` ontologies) and keeps them in the job store
as one JSON file. A worker that did not inherit the leader's loaded documents (another node, a
fresh process, a ``--restart`` after the files changed) loads the same URIs through a fetcher
that serves the recorded texts, so ids are the leader's and nothing is read from the leader's
disk or the network. This costs the leader nothing beyond the reads it does anyway, where
cwltool's ``pack`` parsed every document again (about 0.5 s for a ten-tool pipeline).
"""

from __future__ import annotations

import json
from typing import Any

from schema_salad.fetcher import DefaultFetcher


class Recorder:
    """A fetcher constructor (as schema-salad's Loader takes) that keeps each text it reads."""

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}

    def __call__(self, cache: Any, session: Any) -> DefaultFetcher:
        return _RecordingFetcher(cache, session, self.texts)

    def forget(self) -> None:
        """Drop what was read so far (the job order: workers are given its values, not its text)."""
        self.texts.clear()

    def to_json(self) -> bytes:
        return json.dumps({"texts": self.texts}).encode()


class Replayer:
    """A fetcher constructor serving recorded texts first, then whatever is reachable here."""

    def __init__(self, data: bytes) -> None:
        self.texts: dict[str, str] = json.loads(data).get("texts", {})

    def __call__(self, cache: Any, session: Any) -> DefaultFetcher:
        return _ReplayingFetcher(cache, session, self.texts)


class _RecordingFetcher(DefaultFetcher):
    def __init__(self, cache: Any, session: Any, texts: dict[str, str]) -> None:
        super().__init__(cache, session)
        self._texts = texts

    def fetch_text(self, url: str, content_types: list[str] | None = None) -> str:
        text = super().fetch_text(url, content_types)
        self._texts[url] = text
        return text


class _ReplayingFetcher(DefaultFetcher):
    def __init__(self, cache: Any, session: Any, texts: dict[str, str]) -> None:
        super().__init__(cache, session)
        self._texts = texts

    def fetch_text(self, url: str, content_types: list[str] | None = None) -> str:
        text = self._texts.get(url)
        return text if text is not None else super().fetch_text(url, content_types)

    def check_exists(self, url: str) -> bool:
        return url in self._texts or super().check_exists(url)
