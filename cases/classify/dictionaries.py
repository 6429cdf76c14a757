"""simplemma's fi/sv/en lemma dictionaries, with their block index kept on disk between runs.

simplemma's low-memory dictionaries are front-coded streams: opening one decodes every
record once to index its blocks (3.5 million records for Finnish, about two seconds of
every `rightsdesk poll` start). The index depends only on the shipped data file, so it is
built once, written beside the other caches and read back (a few milliseconds) after that.
The lookups themselves are simplemma's own.
"""

from __future__ import annotations

import logging
import marshal
import os
import tempfile
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import simplemma
from simplemma.language_detector import LanguageDetector
from simplemma.strategies import DefaultStrategy, DictionaryLookupStrategy
from simplemma.strategies.dictionaries import frontcode
from simplemma.strategies.dictionaries.dictionary_factory import DATA_FOLDER, _read_decompressed
from simplemma.strategies.dictionaries.stream_dictionary_factory import (
    StreamDictionaryFactory,
    StreamMap,
)
from simplemma.token_sampler import MostCommonTokenSampler, RelaxedMostCommonTokenSampler
from simplemma.utils import normalize_token

log = logging.getLogger(__name__)

_INDEX_FORMAT = 1
_BLOCK_SIZE = 32  # simplemma's StreamMap: one resume point per 32 records
_cache_dir: Path | None = None


def use_index_cache(directory: Path | None) -> None:
    """Keep the dictionaries' block indexes in `directory` (the wiring's cache dir); None: don't."""
    global _cache_dir
    _cache_dir = directory


class IndexedStreamFactory(StreamDictionaryFactory):
    """simplemma's low-memory dictionaries, opened from a block index saved on disk."""

    __slots__ = ()

    def _get_dictionary_uncached(self, lang: str) -> Mapping[str, str]:
        directory = _cache_dir
        if directory is None:
            return StreamMap(lang)
        path = directory / _index_name(lang)
        opened = _open_indexed(lang, path)
        if opened is not None:
            return opened
        built = StreamMap(lang)
        _save_index(built, path)
        return built


def _index_name(lang: str) -> str:
    """The index of one shipped data file: a new simplemma or data file is a new name."""
    data = (DATA_FOLDER / f"{lang}.plzma").stat()
    version = getattr(simplemma, "__version__", "0")
    return f"simplemma-{version}-{lang}-{data.st_size}-{data.st_mtime_ns}.v{_INDEX_FORMAT}.idx"


def _open_indexed(lang: str, path: Path) -> StreamMap | None:
    """The dictionary from its saved index; None when there is none or it does not fit."""
    try:
        # Our own file in the user's private cache: marshal builds data, it runs no code.
        firsts, blocks, count = marshal.loads(path.read_bytes())  # noqa: S302
    except FileNotFoundError:
        return None
    except (OSError, EOFError, ValueError, TypeError):
        log.warning("ignoring an unreadable dictionary index %s", path.name)
        return None
    data = _read_decompressed(lang)
    reverse, total, pos = frontcode._read_header(data)
    # The index must describe this very stream: as many records, a block per 32 of them.
    blocks_needed = -(-total // _BLOCK_SIZE)
    if (
        count != total
        or not isinstance(firsts, list)
        or not isinstance(blocks, list)
        or len(firsts) != blocks_needed
        or len(blocks) != blocks_needed
    ):
        return None
    mapping = StreamMap.__new__(StreamMap)
    try:
        mapping._data, mapping._rev, mapping._count, mapping._pos = data, reverse, total, pos
        mapping._firsts, mapping._blocks = firsts, blocks
    except AttributeError:  # another simplemma's StreamMap: open it its own way
        return None
    return mapping


def _save_index(mapping: StreamMap, path: Path) -> None:
    """Write the index atomically (another process may be reading or writing it too)."""
    try:
        payload = marshal.dumps((mapping._firsts, mapping._blocks, mapping._count))
    except AttributeError:  # another simplemma's StreamMap: nothing to save
        return
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".idx-")
        with os.fdopen(fd, "wb") as out:
            out.write(payload)
        os.replace(tmp, path)
    except OSError as exc:  # a read-only home costs speed, never a mail
        log.warning("cannot save a dictionary index (%s)", type(exc).__name__)
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


_FACTORY = IndexedStreamFactory()
_LOOKUP = DictionaryLookupStrategy(_FACTORY)


@cache
def _lemmatizer() -> simplemma.Lemmatizer:
    return simplemma.Lemmatizer(lemmatization_strategy=DefaultStrategy(dictionary_factory=_FACTORY))


def lemmatize(word: str, lang: str) -> str:
    """simplemma.lemmatize(word, lang, low_memory=True), on the indexed dictionaries."""
    return str(_lemmatizer().lemmatize(word, lang))


def is_known(word: str, lang: str) -> bool:
    """simplemma.is_known(word, lang, low_memory=True), on the indexed dictionaries."""
    return _LOOKUP.get_lemma(normalize_token(word), lang) is not None


def langdetect(text: str, langs: tuple[str, ...]) -> list[tuple[str, float]]:
    """simplemma.langdetect(text, langs, low_memory=True), on the indexed dictionaries."""
    ranked: list[tuple[str, float]] = []
    for sampler in (MostCommonTokenSampler(), RelaxedMostCommonTokenSampler()):
        detector = LanguageDetector(langs, sampler, DefaultStrategy(dictionary_factory=_FACTORY))
        results = detector.proportion_in_each_language(text)
        # simplemma's own post-processing: descending, "unk" last; ties go to the next sampler.
        ranked = sorted(results.items(), key=lambda item: (item[0] == "unk", -item[1]))
        if len(ranked) == 1 or ranked[0][1] != ranked[1][1]:
            return ranked
    return ranked
