"""The baseline: the pipeline a user would otherwise write with LlamaIndex's starter recipe.

SimpleDirectoryReader -> SentenceSplitter(chunk_size=256) -> HuggingFaceEmbedding (the same
bundled all-MiniLM-L6-v2) -> Chroma vector store; retrieval only, top 5. It deliberately
imports nothing from `qa`, and runs in its own process so that its start-up is measured:

    python -m bench.starter index  MODEL_DIR PERSIST_DIR CORPUS_DIR
    python -m bench.starter ask    MODEL_DIR PERSIST_DIR QUESTION             (one cold retrieval)
    python -m bench.starter warm   MODEL_DIR PERSIST_DIR QUESTIONS.json       (latencies, JSON)
    python -m bench.starter rank   MODEL_DIR PERSIST_DIR QUERIES.json DEPTH   (file names per query, JSON)
"""

from __future__ import annotations

import json
import sys
import time

COLLECTION = "starter"
TOP_K = 5
WARM_UP = 3  # questions answered before timing starts, as for qa


def embed_model(model_dir: str):
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    return HuggingFaceEmbedding(model_name=model_dir, device="cpu")


def vector_store(persist_dir: str):
    import chromadb
    from llama_index.vector_stores.chroma import ChromaVectorStore

    client = chromadb.PersistentClient(path=persist_dir)
    return ChromaVectorStore(chroma_collection=client.get_or_create_collection(COLLECTION))


def build(model_dir: str, persist_dir: str, corpus_dir: str) -> None:
    from llama_index.core import SimpleDirectoryReader, StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter

    documents = SimpleDirectoryReader(corpus_dir).load_data()
    storage = StorageContext.from_defaults(vector_store=vector_store(persist_dir))
    VectorStoreIndex.from_documents(
        documents, storage_context=storage, embed_model=embed_model(model_dir), transformations=[SentenceSplitter(chunk_size=256)]
    )


def retriever(model_dir: str, persist_dir: str, top_k: int = TOP_K):
    from llama_index.core import VectorStoreIndex

    index = VectorStoreIndex.from_vector_store(vector_store(persist_dir), embed_model=embed_model(model_dir))
    return index.as_retriever(similarity_top_k=top_k)


def main(command: str, model_dir: str, persist_dir: str, *args: str) -> None:
    if command == "index":
        build(model_dir, persist_dir, args[0])
    elif command == "ask":
        for node in retriever(model_dir, persist_dir).retrieve(args[0]):
            print(f"{node.score:.4f} {node.metadata.get('file_name')}")
    elif command == "warm":
        questions = json.loads(open(args[0]).read())
        found = retriever(model_dir, persist_dir)
        for question in questions[:WARM_UP]:
            found.retrieve(question)
        milliseconds = []
        for question in questions:
            started = time.perf_counter()
            found.retrieve(question)
            milliseconds.append((time.perf_counter() - started) * 1000)
        print(json.dumps({"milliseconds": milliseconds}))
    elif command == "rank":
        queries, depth = json.loads(open(args[0]).read()), int(args[1])
        found = retriever(model_dir, persist_dir, depth)
        print(json.dumps({qid: [n.metadata.get("file_name") for n in found.retrieve(text)] for qid, text in queries.items()}))
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(*sys.argv[1:])
