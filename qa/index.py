"""Index: chunks in Chroma (dense), BM25 and a sentence store beside it, published atomically.

Layout of `index_dir`:

    manifest.json        the live generation, schema version, model, chunker settings, Chroma location,
                         and the fingerprint of the readers that read its files (`reader_fingerprint`)
    index-id             names this index's Chroma collection (`qa_<id>_m<model>`): indexes may share a server
    write.lock           held (flock) by the one `qa index` writing this folder
    chroma/              embedded Chroma (absent when QA_CHROMA_URL points at a server)
    gen-000007/          one generation: store.json (documents, chunks, sentences),
                         sentences.npy (sentence vectors), bm25/ (bm25s index),
                         case-forms.json (the corpus's words by how it writes them),
                         chroma.json (its chunks' ids in the Chroma collection), lease

Each `qa index` writes a whole new generation folder, reusing the vectors of unchanged
documents, and only then replaces `manifest.json` with one atomic rename. Generations share
one Chroma collection: a chunk's Chroma id is a digest of all Chroma stores of it, so a new
generation adds only the chunks no earlier one stored (a re-index after one file changed
uploads that file's chunks, not the corpus) and never overwrites what an older one reads; a
reader searches past the chunks that are not its own. A crash at any point leaves the previous
generation live and intact; leftovers (folders, and chunks no generation left holds) are swept
by the next run. Every process reading a generation holds a shared lock on its `lease` file and
the sweep never removes a leased generation, so a running server finishes with the old
generation and moves to the new one at its next question.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import IO, Callable, Iterator
from urllib.parse import urlparse

import numpy as np

from qa.chunking import CHUNKER_VERSION, Chunk, Sentence, chunk_document, split_sentences
from qa.documents import (
    SUPPORTED_KINDS,
    CaseForms,
    Document,
    case_forms,
    discover,
    page_at,
    read_document,
    reader_fingerprint,
)
from qa.embeddings import Embedder
from qa.errors import BackendUnavailableError, DocumentError, IndexMismatchError, NoIndexError, QAError, read_json
from qa.settings import Settings
from qa.types import Citation

SCHEMA_VERSION = 1
MANIFEST = "manifest.json"
CASE_FORMS = "case-forms.json"
CHROMA_IDS = "chroma.json"
INDEX_ID = "index-id"
WRITE_LOCK = "write.lock"
LEASE = "lease"
SWEEP_PENDING = "sweep.pending"
_GENERATION_DIR = re.compile(r"gen-(\d+)(\.partial)?")
EXACT_SEARCH_MAX_CHUNKS = 200_000  # beyond this, scanning every chunk vector costs more than Chroma's HNSW
# A document's layout: the spans of its text that are headings, code and links (never quoted alone), its pages,
# and its list items (quoted whole after the line introducing them).
_LAYOUT = ("headings", "code", "pages", "links", "items")


def _layout(document: Document | StoredDocument) -> tuple:
    """The document's layout, in `_LAYOUT`'s order (as `StoredDocument` takes it)."""
    return tuple(getattr(document, name) for name in _LAYOUT)


def chroma_client(settings: Settings):
    """Embedded Chroma in the index folder, or a Chroma server when QA_CHROMA_URL is set."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if not settings.chroma_url:
        return chromadb.PersistentClient(path=str(settings.index_dir / "chroma"), settings=chroma_settings)
    return _http_client(settings.chroma_url, settings.chroma_timeout, chroma_settings)


def _http_client(address: str, timeout_seconds: float, chroma_settings):
    """A Chroma HttpClient whose requests give up after `timeout_seconds` (chromadb's own wait forever)."""
    import chromadb
    import httpx

    url = urlparse(address)
    timeout = httpx.Timeout(timeout_seconds, connect=min(timeout_seconds, 5.0))
    try:
        # Creating the client already talks to the server, without a timeout: knock first.
        httpx.get(f"{address.rstrip('/')}/api/v2/heartbeat", timeout=timeout).raise_for_status()
        client = chromadb.HttpClient(
            host=url.hostname or "localhost",
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
    except Exception as error:  # noqa: BLE001 - httpx and chromadb raise many types for "cannot connect"
        raise BackendUnavailableError(
            f"cannot reach the Chroma server at {address} ({type(error).__name__}: {error}); is it running? (QA_CHROMA_URL)"
        ) from None
    client._server._session.timeout = timeout
    return client


@contextmanager
def chroma_errors(doing: str) -> Iterator[None]:
    """Whatever Chroma raises mid-operation (a server gone away, a timeout) becomes one clear error."""
    try:
        yield
    except QAError:
        raise
    except Exception as error:  # noqa: BLE001 - chromadb and httpx raise many types
        raise BackendUnavailableError(f"Chroma failed while {doing} ({type(error).__name__}: {error})") from None


@dataclass
class StoredDocument:
    source: str
    text: str
    title: str | None
    date: str | None
    content_hash: str
    sentences: tuple[int, int] = (0, 0)  # [first, last) rows of the sentence store
    chunks: int = 0
    headings: tuple[tuple[int, int], ...] = ()  # as `Document.headings`
    code: tuple[tuple[int, int], ...] = ()  # as `Document.code`
    pages: tuple[tuple[int, int], ...] = ()  # as `Document.pages`
    links: tuple[tuple[int, int], ...] = ()  # as `Document.links`
    items: tuple[tuple[int, int], ...] = ()  # as `Document.items`

    def as_read(self) -> Document:
        """The document as reading its file gave it."""
        return Document(self.source, self.text, self.title, self.date, self.content_hash, *_layout(self))


@dataclass
class StoredChunk:
    chunk_id: str
    source: str
    start: int
    end: int
    sentences: tuple[int, int]  # [first, last) rows of the sentence store


@dataclass
class IndexSummary:
    documents: int = 0
    chunks: int = 0
    sentences: int = 0
    embedded_documents: int = 0
    reused_documents: int = 0
    removed_documents: int = 0
    texts_embedded: int = 0
    seconds: float = 0.0
    changed: bool = True
    skipped: list[str] = field(default_factory=list)


def _chroma_location(url: str | None) -> str | None:
    return (url or "").rstrip("/") or None


def _expected_settings(settings: Settings, embedder: Embedder) -> dict:
    """What the manifest of an index built now would record: reading needs the same."""
    return {
        "schema_version": SCHEMA_VERSION,
        "embed_model": embedder.model_id,
        "chunker": {
            "version": CHUNKER_VERSION,
            "chunk_tokens": min(settings.chunk_tokens, embedder.max_tokens),
            "overlap_tokens": settings.chunk_overlap_tokens,
        },
        "chroma_url": _chroma_location(settings.chroma_url),
    }


def read_manifest(index_dir: Path) -> dict | None:
    path = index_dir / MANIFEST
    if not path.is_file():
        return None
    return read_json(path, "the index manifest", "; run `qa index` again")


def mismatch(manifest: dict, expected: dict) -> str | None:
    """Why an index built as `manifest` cannot be read with settings that would build `expected`."""
    if manifest.get("schema_version") != expected["schema_version"]:
        return (
            f"the index was built by another version of qa (schema {manifest.get('schema_version')}, "
            f"this qa reads {expected['schema_version']})"
        )
    if manifest.get("embed_model") != expected["embed_model"]:
        return (
            f"the index was built with embedding model {manifest.get('embed_model')!r} "
            f"but QA_EMBED_MODEL selects {expected['embed_model']!r}"
        )
    if manifest.get("chunker") != expected["chunker"]:
        return (
            f"the index was built with chunker settings {manifest.get('chunker')} but QA_CHUNK_TOKENS "
            f"and QA_CHUNK_OVERLAP_TOKENS now give {expected['chunker']}"
        )
    built_on, wanted = _chroma_location(manifest.get("chroma_url")), expected["chroma_url"]
    if built_on != wanted:
        return (
            f"the index's vectors are in {built_on or 'embedded Chroma'} "
            f"but QA_CHROMA_URL selects {wanted or 'embedded Chroma'}"
        )
    return None


def check_compatible(manifest: dict, settings: Settings, embedder: Embedder) -> None:
    """Refuse to answer from an index built differently from what the current settings would build."""
    if reason := mismatch(manifest, _expected_settings(settings, embedder)):
        raise IndexMismatchError(f"{reason}; re-index with `qa index` or change the settings back")


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _write_case_forms(gen_dir: Path, texts: list[str]) -> None:
    """Store how the corpus writes its words (`Index.case_forms`) with its generation."""
    forms = case_forms(texts)
    _atomic_write(gen_dir / CASE_FORMS, json.dumps({name: sorted(words) for name, words in forms._asdict().items()}))


def _stored_case_forms(gen_dir: Path) -> CaseForms | None:
    """The generation's stored `CaseForms`, or None if it was written before they (or one of their parts) were."""
    try:
        stored = json.loads((gen_dir / CASE_FORMS).read_text())
    except FileNotFoundError:
        return None
    if set(stored) != set(CaseForms._fields):
        return None
    return CaseForms(**{name: frozenset(words) for name, words in stored.items()})


@contextmanager
def _writer_lock(index_dir: Path) -> Iterator[None]:
    """One writer per index folder; the kernel drops the lock when the writer dies, even by SIGKILL."""
    with open(index_dir / WRITE_LOCK, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise QAError(f"another `qa index` is writing {index_dir} right now; wait for it to finish") from None
        yield


def _lease(gen_dir: Path) -> IO | None:
    """A shared lock on a generation's lease file, held while the generation is read."""
    try:
        handle = open(gen_dir / LEASE, "a")
    except OSError:  # a read-only index folder: nothing sweeps it either
        return None
    try:
        fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:  # the sweep is deleting this generation right now
        handle.close()
        raise FileNotFoundError(gen_dir) from None
    return handle


def _remove_unless_leased(gen_dir: Path) -> None:
    with open(gen_dir / LEASE, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return  # a reader still uses it: a later run removes it
        shutil.rmtree(gen_dir, ignore_errors=True)


def _generations(index_dir: Path) -> dict[Path, int | None]:
    """Generation folders and their numbers (None for unfinished `.partial` ones)."""
    found = {}
    for path in index_dir.glob("gen-*"):
        if match := _GENERATION_DIR.fullmatch(path.name):
            found[path] = None if match.group(2) else int(match.group(1))
    return found


def _index_id(index_dir: Path) -> str:
    """A random name for this index's Chroma collections, chosen once."""
    path = index_dir / INDEX_ID
    if not path.is_file():
        _atomic_write(path, uuid.uuid4().hex[:12])
    return path.read_text().strip()


def _vector_space(expected: dict) -> str:
    """Names the collection by what its vectors mean (the embedding model): another model's go elsewhere."""
    return "m" + hashlib.sha256(expected["embed_model"].encode()).hexdigest()[:10]


def _chroma_ids(chunks: list[StoredChunk], texts: list[str], documents: list[StoredDocument]) -> list[str]:
    """Each chunk's id in the shared collection: its own id and a digest of all Chroma stores of it (its text,
    span, title and date), so one id always means one record."""
    meta = {d.source: (d.title, d.date) for d in documents}
    return [
        f"{c.chunk_id}@{hashlib.sha256(json.dumps([c.start, c.end, *meta[c.source], text]).encode()).hexdigest()[:16]}"
        for c, text in zip(chunks, texts)
    ]


class IndexBuilder:
    """Builds the next generation from a set of folders/files, reusing what has not changed."""

    def __init__(self, settings: Settings, embedder: Embedder, progress: Callable[[str, int, int], None] | None = None):
        self.settings = settings
        self.embedder = embedder
        self.progress = progress or (lambda stage, done, total: None)

    def _discover(self, paths: list[Path]) -> tuple[list[tuple[Path, str]], Counter[str]]:
        """The files to read, by source id, and the files of other kinds left unread, by suffix."""
        found: dict[str, Path] = {}
        others: Counter[str] = Counter()
        for root in paths:
            discovered = discover(root)
            others += discovered.others
            for file, source in discovered.files:
                if source in found and found[source] != file:
                    raise DocumentError(f"two files share the id {source!r}: {found[source]} and {file}")
                found[source] = file
        return sorted(((file, source) for source, file in found.items()), key=lambda item: item[1]), others

    def build(self, paths: list[Path]) -> IndexSummary:
        started = time.perf_counter()
        self.settings.index_dir.mkdir(parents=True, exist_ok=True)
        with _writer_lock(self.settings.index_dir):
            summary = self._build(paths)
        summary.seconds = time.perf_counter() - started
        return summary

    def _previous(self, expected: dict) -> tuple[dict | None, "Index | None"]:
        """The live manifest (None if absent or unreadable) and its index if its vectors can be reused."""
        try:
            previous = read_manifest(self.settings.index_dir)
        except QAError:
            return None, None  # a damaged manifest: rebuild from scratch
        if previous is None or mismatch(previous, expected) or previous.get("generation") not in _generations(self.settings.index_dir).values():
            return previous, None
        return previous, Index.load(self.settings, self.embedder, previous)

    def _build(self, paths: list[Path]) -> IndexSummary:
        index_dir = self.settings.index_dir
        expected = _expected_settings(self.settings, self.embedder)
        previous, old = self._previous(expected)
        live = previous.get("generation") if previous else None
        prefix = f"qa_{_index_id(index_dir)}_"

        summary = IndexSummary()
        files, others = self._discover(paths)
        if others:
            kinds = ", ".join(f"{suffix} ({count})" for suffix, count in sorted(others.items()))
            files_were = "1 file of another kind was" if others.total() == 1 else f"{others.total()} files of other kinds were"
            summary.skipped.append(f"{files_were} not read: {kinds}; qa reads {SUPPORTED_KINDS} files")
        documents: list[Document] = []
        max_bytes = int(self.settings.max_file_mb * 1_000_000)
        reader = reader_fingerprint()
        # files this reader has read before, by their bytes: not read again
        read_before = (
            {d.content_hash: d.as_read() for d in old.documents.values()}
            if old is not None and previous.get("reader") == reader
            else {}
        )
        for n, (file, source) in enumerate(files):
            self.progress("reading", n, len(files))
            try:
                documents.append(read_document(file, source, max_bytes, read_before))
            except DocumentError as error:
                summary.skipped.append(str(error))
        self.progress("reading", len(files), len(files))
        if not documents:
            raise DocumentError(f"no documents qa reads ({SUPPORTED_KINDS} files) in {', '.join(map(str, paths))}")

        # Same file, read to the same text and layout: its sentences, chunks and vectors are reused. A newer reader
        # may clean the same file differently (Markdown rendered, lines unwrapped), and then its old offsets mean
        # nothing; or find its headings, code or links (its sentences' answerability changes), pages or list items.
        unchanged = {
            d.source
            for d in documents
            if old is not None
            and d.source in old.documents
            and (old.documents[d.source].content_hash, old.documents[d.source].text) == (d.content_hash, d.text)
            and _layout(old.documents[d.source]) == _layout(d)
        }
        summary.removed_documents = len(set(old.documents) - {d.source for d in documents}) if old else 0
        self._sweep(index_dir, prefix, keep={live})
        # same texts, titles and dates (a newer reader may title or date a file differently): nothing to write
        if (
            old is not None
            and len(unchanged) == len(documents) == len(old.documents)
            and all((old.documents[d.source].title, old.documents[d.source].date) == (d.title, d.date) for d in documents)
        ):
            summary.changed = False
            if previous.get("reader") != reader:  # a newer reader read every file to what the index holds
                _atomic_write(index_dir / MANIFEST, json.dumps({**previous, "reader": reader}, indent=2))
            if _stored_case_forms(old.gen_dir) is None:  # a generation written before the file (or a part of it)
                _write_case_forms(old.gen_dir, [d.text for d in old.documents.values()])
            summary.documents, summary.chunks, summary.sentences = len(documents), len(old.chunks), len(old.sentences)
            summary.reused_documents = len(documents)
            return summary

        generation = max([live or 0, *(n for n in _generations(index_dir).values() if n)]) + 1
        gen_dir = index_dir / f"gen-{generation:06d}"
        partial = gen_dir.with_name(gen_dir.name + ".partial")
        partial.mkdir(parents=True)

        stored_docs, stored_chunks, sentences = [], [], []
        sentence_vectors, chunk_vectors = [], []
        fresh: list[tuple[Document, list[Sentence], list[Chunk]]] = []
        limit = min(self.settings.chunk_tokens, self.embedder.max_tokens)
        count = self.embedder.count_tokens
        for n, document in enumerate(documents):
            self.progress("chunking", n, len(documents))
            if document.source in unchanged:
                continue
            doc_sentences = split_sentences(document, count, self.embedder.max_tokens)
            fresh.append((document, doc_sentences, chunk_document(document, doc_sentences, count, limit, self.settings.chunk_overlap_tokens)))

        fresh_texts = [d.text[s.start : s.end] for d, ss, _ in fresh for s in ss] + [
            d.text[c.start : c.end] for d, _, cs in fresh for c in cs
        ]
        fresh_vectors = self._embed(fresh_texts)
        summary.texts_embedded = len(fresh_texts)
        n_fresh_sentences = sum(len(ss) for _, ss, _ in fresh)
        fresh_by_source = {d.source: (d, ss, cs) for d, ss, cs in fresh}
        sentence_cursor, chunk_cursor = 0, n_fresh_sentences

        for document in documents:
            first_sentence = len(sentences)
            if document.source in unchanged:
                old_doc = old.documents[document.source]
                lo, hi = old_doc.sentences
                sentences.extend(old.sentences[lo:hi])
                sentence_vectors.append(np.asarray(old.sentence_vectors[lo:hi], dtype=np.float32))
                old_rows = old.chunk_rows_of_source[document.source]
                old_chunks = [old.chunks[row] for row in old_rows]
                for c in old_chunks:
                    stored_chunks.append(
                        StoredChunk(c.chunk_id, c.source, c.start, c.end, (c.sentences[0] - lo + first_sentence, c.sentences[1] - lo + first_sentence))
                    )
                chunk_vectors.append(old.chunk_vectors(old_rows))
                n_chunks = len(old_chunks)
                summary.reused_documents += 1
            else:
                _, doc_sentences, doc_chunks = fresh_by_source[document.source]
                sentences.extend(doc_sentences)
                sentence_vectors.append(fresh_vectors[sentence_cursor : sentence_cursor + len(doc_sentences)])
                sentence_cursor += len(doc_sentences)
                for c in doc_chunks:
                    stored_chunks.append(
                        StoredChunk(c.chunk_id, c.source, c.start, c.end, (c.sentences[0] + first_sentence, c.sentences[1] + first_sentence))
                    )
                chunk_vectors.append(fresh_vectors[chunk_cursor : chunk_cursor + len(doc_chunks)])
                chunk_cursor += len(doc_chunks)
                n_chunks = len(doc_chunks)
                summary.embedded_documents += 1
            stored_docs.append(
                StoredDocument(
                    document.source, document.text, document.title, document.date, document.content_hash,
                    (first_sentence, len(sentences)), n_chunks, *_layout(document),
                )
            )

        dimension = fresh_vectors.shape[1] if len(fresh_vectors) else old.sentence_vectors.shape[1]
        all_chunk_vectors = np.concatenate(chunk_vectors) if chunk_vectors else np.zeros((0, dimension), np.float32)
        texts_by_source = {d.source: d.text for d in stored_docs}
        chunk_texts = [texts_by_source[c.source][c.start : c.end] for c in stored_chunks]

        self.progress("storing", 0, 1)
        from qa.lexical import BM25

        BM25.build(chunk_texts).save(partial / "bm25")
        np.save(partial / "sentences.npy", np.concatenate(sentence_vectors).astype(np.float16))
        np.save(partial / "chunks.npy", all_chunk_vectors.astype(np.float32))
        store = {
            "documents": [asdict(d) for d in stored_docs],
            "chunks": [[c.chunk_id, c.source, c.start, c.end, *c.sentences] for c in stored_chunks],
            "sentences": [[s.source, s.start, s.end, int(s.answerable)] for s in sentences],
        }
        (partial / "store.json").write_text(json.dumps(store, ensure_ascii=False))
        _write_case_forms(partial, [d.text for d in stored_docs])
        collection = f"{prefix}{_vector_space(expected)}"
        ids = _chroma_ids(stored_chunks, chunk_texts, stored_docs)
        self._fill_collection(collection, ids, stored_chunks, chunk_texts, all_chunk_vectors, stored_docs)
        _atomic_write(partial / CHROMA_IDS, json.dumps({"collection": collection, "ids": ids}))
        os.replace(partial, gen_dir)

        manifest = {
            **expected,
            "generation": generation,
            "collection": collection,
            "reader": reader,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "roots": [str(p) for p in paths],
            "documents": len(stored_docs),
            "chunks": len(stored_chunks),
        }
        _atomic_write(index_dir / MANIFEST, json.dumps(manifest, indent=2))
        self.progress("storing", 1, 1)
        summary.documents, summary.chunks, summary.sentences = len(stored_docs), len(stored_chunks), len(sentences)
        return summary

    def _embed(self, texts: list[str]) -> np.ndarray:
        """Embed each distinct text once, shortest first (sentences and chunks mixed), reporting progress."""
        if not texts:
            return np.zeros((0, 0), np.float32)
        distinct = sorted(dict.fromkeys(texts), key=len)
        vectors, step = [], 256
        for start in range(0, len(distinct), step):
            self.progress("embedding", start, len(distinct))
            vectors.append(self.embedder.embed(distinct[start : start + step]))
        self.progress("embedding", len(distinct), len(distinct))
        row = {text: n for n, text in enumerate(distinct)}
        return np.concatenate(vectors)[[row[text] for text in texts]]

    def _fill_collection(self, name, ids, chunks, texts, vectors, documents) -> None:
        """Add to the shared collection the chunks it does not hold yet (a chunk's id names all it stores)."""
        client = chroma_client(self.settings)
        meta = {d.source: d for d in documents}
        with chroma_errors(f"writing the collection {name}"):
            collection = client.get_or_create_collection(name, metadata={"hnsw:space": "cosine"}, embedding_function=None)
            batch = min(client.get_max_batch_size(), 2000)
            held = set()
            for start in range(0, len(ids), batch):
                held.update(collection.get(ids=ids[start : start + batch], include=[])["ids"])
            missing = [n for n, chunk_id in enumerate(ids) if chunk_id not in held]
            for start in range(0, len(missing), batch):
                self.progress("storing", start, len(missing))
                part = missing[start : start + batch]
                collection.add(
                    ids=[ids[n] for n in part],
                    embeddings=vectors[part],
                    documents=[texts[n] for n in part],
                    metadatas=[
                        {k: v for k, v in {"source": c.source, "start": c.start, "end": c.end,
                         "title": meta[c.source].title, "date": meta[c.source].date}.items() if v is not None}
                        for c in (chunks[n] for n in part)
                    ],
                )

    def _sweep(self, index_dir: Path, prefix: str, keep: set) -> None:
        """Remove leftovers of crashed runs and old generations, except `keep` and those a reader holds.

        Chroma is opened only when there is a generation to remove (or a sweep was cut short), so
        re-indexing an unchanged corpus pays no Chroma start-up.
        """
        stale = [path for path, number in _generations(index_dir).items() if number not in keep]
        pending = index_dir / SWEEP_PENDING
        if not stale and not pending.exists():
            return
        pending.touch()
        for path in stale:
            _remove_unless_leased(path)
        remaining = {path: n for path, n in _generations(index_dir).items() if n is not None}
        held: dict[str, set[str]] = {}  # chunk ids the remaining generations read, by collection
        for path in remaining:
            try:
                stored = json.loads((path / CHROMA_IDS).read_text())
            except FileNotFoundError:  # written when each generation had a collection of its own, numbered
                continue
            held.setdefault(stored["collection"], set()).update(stored["ids"])
        client = chroma_client(self.settings)
        with chroma_errors("removing old collections"):
            for collection in client.list_collections():
                name = getattr(collection, "name", collection)
                suffix = name.removeprefix(prefix)
                if not name.startswith(prefix) or (suffix.isdigit() and int(suffix) in remaining.values()):
                    continue
                if name not in held:
                    client.delete_collection(name)
                    continue
                shared = client.get_collection(name, embedding_function=None)
                stale = [i for i in shared.get(include=[])["ids"] if i not in held[name]]
                batch = min(client.get_max_batch_size(), 2000)
                for start in range(0, len(stale), batch):
                    shared.delete(ids=stale[start : start + batch])
        pending.unlink(missing_ok=True)


class Index:
    """A loaded generation: documents, chunks, sentences with vectors, BM25, and its Chroma collection."""

    def __init__(self, settings: Settings, manifest: dict, gen_dir: Path) -> None:
        self._lease = _lease(gen_dir)  # released when this object is collected
        store = json.loads((gen_dir / "store.json").read_text())
        self.settings = settings
        self.manifest = manifest
        self.documents = {
            d["source"]: StoredDocument(
                **{
                    **d,
                    "sentences": tuple(d["sentences"]),
                    **{spans: tuple(map(tuple, d.get(spans, ()))) for spans in _LAYOUT},
                }
            )
            for d in store["documents"]
        }
        self.chunks = [StoredChunk(c[0], c[1], c[2], c[3], (c[4], c[5])) for c in store["chunks"]]
        self.sentences = [Sentence(s[0], s[1], s[2], bool(s[3])) for s in store["sentences"]]
        self.sentence_vectors = np.load(gen_dir / "sentences.npy", mmap_mode="r")
        chunk_file = gen_dir / "chunks.npy"  # absent in generations written before it existed
        self.chunk_matrix = np.load(chunk_file, mmap_mode="r") if chunk_file.is_file() else None
        self.gen_dir = gen_dir
        self.row_of_chunk = {c.chunk_id: n for n, c in enumerate(self.chunks)}
        try:
            self.chroma_ids = json.loads((gen_dir / CHROMA_IDS).read_text())["ids"]
        except FileNotFoundError:  # a generation with a collection of its own, by chunk id
            self.chroma_ids = [c.chunk_id for c in self.chunks]
        self.row_of_chroma_id = {chroma_id: n for n, chroma_id in enumerate(self.chroma_ids)}
        self.chunk_rows_of_source: dict[str, list[int]] = {}
        for n, c in enumerate(self.chunks):
            self.chunk_rows_of_source.setdefault(c.source, []).append(n)
        self._collection = None

    @cached_property
    def bm25(self):
        """Loaded on first use: `qa index` of an unchanged corpus reads the index without needing it."""
        from qa.lexical import BM25

        return BM25.load(self.gen_dir / "bm25")

    def citation(self, number: int, source: str, start: int, end: int, verified: bool = True) -> Citation:
        """Citation `number` of the span `start`-`end` of a document, with the document's title and date and the
        span's page: what every kind of answer cites."""
        document = self.documents[source]
        return Citation(
            id=number, source=source, start=start, end=end, quote=document.text[start:end], title=document.title,
            date=document.date, page=page_at(document.pages, start), verified=verified,
        )

    @cached_property
    def case_forms(self) -> CaseForms:
        """How the corpus writes its words (`qa.documents.CaseForms`): stored with the generation, so a question
        typed in lower case does not read the whole corpus (an older generation is read until it is indexed again)."""
        return _stored_case_forms(self.gen_dir) or case_forms([d.text for d in self.documents.values()])

    @classmethod
    def load(cls, settings: Settings, embedder: Embedder | None = None, manifest: dict | None = None) -> "Index":
        for _ in range(3):  # a generation swept between reading the manifest and opening it: read again
            manifest = manifest or read_manifest(settings.index_dir)
            if manifest is None:
                raise NoIndexError(f"no index in {settings.index_dir}: run `qa index` first (or pass --index-dir)")
            if embedder is not None:
                check_compatible(manifest, settings, embedder)
            gen_dir = settings.index_dir / f"gen-{manifest['generation']:06d}"
            try:
                return cls(settings, manifest, gen_dir)
            except FileNotFoundError:
                if read_manifest(settings.index_dir) == manifest:
                    break
                manifest = None
        raise QAError(f"the index in {settings.index_dir} is incomplete ({gen_dir.name} is damaged); run `qa index` again")

    @property
    def collection(self):
        if self._collection is None:
            client = chroma_client(self.settings)
            with chroma_errors(f"opening the collection {self.manifest['collection']}"):
                self._collection = client.get_collection(self.manifest["collection"], embedding_function=None)
        return self._collection

    def chunk_text(self, row: int) -> str:
        chunk = self.chunks[row]
        return self.documents[chunk.source].text[chunk.start : chunk.end]

    def sentence_text(self, row: int, last: int | None = None) -> str:
        """Sentence `row`'s text; with `last`, the document's text from its start to the end of sentence `last`."""
        first, end = self.sentences[row], self.sentences[row if last is None else last]
        return self.documents[first.source].text[first.start : end.end]

    def chunk_vectors(self, rows: list[int]) -> np.ndarray:
        if not rows:
            return np.zeros((0, self.sentence_vectors.shape[1]), np.float32)
        if self.chunk_matrix is not None:
            return np.asarray(self.chunk_matrix[rows], dtype=np.float32)
        chunk_ids = [self.chroma_ids[row] for row in rows]
        with chroma_errors("reading stored vectors"):
            got = self.collection.get(ids=chunk_ids, include=["embeddings"])
        by_id = dict(zip(got["ids"], got["embeddings"]))
        return np.asarray([by_id[i] for i in chunk_ids], dtype=np.float32)

    @property
    def searches_exactly(self) -> bool:
        """Scan the stored chunk vectors with one matrix product instead of asking Chroma (QA_DENSE_SEARCH)."""
        mode = self.settings.dense_search
        if mode == "auto":
            return self.chunk_matrix is not None and not self.settings.chroma_url and len(self.chunks) <= EXACT_SEARCH_MAX_CHUNKS
        if mode == "exact" and self.chunk_matrix is None:
            raise QAError("QA_DENSE_SEARCH=exact needs chunks.npy, which this index predates; run `qa index` again")
        return mode == "exact"

    def dense_search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """(chunk row, cosine similarity) best first."""
        k = min(k, len(self.chunks))
        if k <= 0:
            return []
        if self.searches_exactly:
            scores = self.chunk_matrix @ np.asarray(vector, dtype=np.float32)
            top = np.argpartition(-scores, k - 1)[:k]
            return [(int(row), float(scores[row])) for row in top[np.argsort(-scores[top], kind="stable")]]
        rows, wanted = self.row_of_chroma_id, k
        with chroma_errors("searching"):
            while True:  # the collection holds other generations' chunks too: ask for more until k are this one's
                found = self.collection.query(query_embeddings=[vector.tolist()], n_results=wanted, include=["distances"])
                hits = [(rows[i], 1.0 - float(d)) for i, d in zip(found["ids"][0], found["distances"][0]) if i in rows]
                if len(hits) >= k or len(found["ids"][0]) < wanted:
                    return hits[:k]
                wanted *= 4
