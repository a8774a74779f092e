"""ragas metrics: the non-LLM ones always, Faithfulness and ResponseRelevancy when a judge LLM is configured.

Non-LLM metrics compare an answer's cited quotes with the gold quotes (context recall and
precision, Levenshtein-based) and the answer text with the short reference answer. A
refused answerable question scores 0 on all three; unanswerable questions are left out.

The judge is any OpenAI-compatible server (Ollama, vLLM, ...) named by QA_JUDGE_BASE_URL and
QA_JUDGE_MODEL; ragas talks to it through `llm_factory` (instructor, JSON mode), and
ResponseRelevancy embeds with our own MiniLM, so nothing else is contacted.
ragas is imported only here, so only `qa eval` pays for it.
"""

from __future__ import annotations

import asyncio
from typing import Callable

from qa.errors import QAError
from qa.evaluation.scoring import QuestionResult
from qa.settings import Settings
from qa.verification import without_markers

NON_LLM_METRICS = ("non_llm_context_recall", "non_llm_context_precision_with_reference", "non_llm_string_similarity")
JUDGE_METRICS = ("faithfulness", "response_relevancy")


def plain_answer(result: QuestionResult) -> str:
    """The answer text without its [n] markers."""
    return without_markers(result.answer)


def non_llm_scores(results: list[QuestionResult]) -> None:
    """Add ragas' non-LLM metrics to each answerable result's `scores`."""
    try:
        from ragas.dataset_schema import SingleTurnSample
        from ragas.metrics._context_precision import NonLLMContextPrecisionWithReference
        from ragas.metrics._context_recall import NonLLMContextRecall
        from ragas.metrics._string import NonLLMStringSimilarity
    except ImportError as error:
        raise QAError(f"`qa eval` needs the eval extras ({error.name} is missing): pip install -e '.[eval]'") from None

    metrics = [NonLLMContextRecall(), NonLLMContextPrecisionWithReference(), NonLLMStringSimilarity()]

    async def score(result: QuestionResult) -> dict[str, float]:
        sample = SingleTurnSample(
            user_input=result.question,
            response=plain_answer(result),
            reference=result.reference,
            retrieved_contexts=[c.quote for c in result.citations],
            reference_contexts=result.gold_quotes,
        )
        return {metric.name: round(float(await metric.single_turn_ascore(sample)), 4) for metric in metrics}

    async def run() -> None:
        for result in results:
            if result.answerable:
                answered = not result.abstained and result.citations
                result.scores.update(await score(result) if answered else dict.fromkeys(NON_LLM_METRICS, 0.0))

    asyncio.run(run())


def judge_configured(settings: Settings) -> bool:
    return bool(settings.judge_base_url and settings.judge_model)


def _judge_llm(settings: Settings):
    from openai import AsyncOpenAI
    from ragas.llms import llm_factory

    client = AsyncOpenAI(
        base_url=settings.judge_base_url,
        api_key=settings.judge_api_key or "not-needed",
        timeout=settings.judge_timeout,
        max_retries=1,
    )
    return llm_factory(settings.judge_model, client=client)


def minilm_embeddings(embed: Callable[[list[str]], object]):
    """A ragas embeddings object over our own embedding model (no network)."""
    from ragas.embeddings.base import BaseRagasEmbedding

    class LocalEmbeddings(BaseRagasEmbedding):
        def embed_text(self, text: str, **kwargs) -> list[float]:
            return [float(x) for x in embed([text])[0]]

        async def aembed_text(self, text: str, **kwargs) -> list[float]:
            return self.embed_text(text)

    return LocalEmbeddings()


def judge_scores(
    results: list[QuestionResult],
    settings: Settings,
    embed: Callable[[list[str]], object],
    advance: Callable[[], None] = lambda: None,
) -> None:
    """Add ragas Faithfulness and ResponseRelevancy (judged by the configured LLM) to each answered result."""
    from ragas.metrics.collections import AnswerRelevancy, Faithfulness

    llm = _judge_llm(settings)
    faithfulness = Faithfulness(llm=llm)
    relevancy = AnswerRelevancy(llm=llm, embeddings=minilm_embeddings(embed))

    async def run() -> None:
        for result in results:
            if not result.abstained and result.contexts:
                response = plain_answer(result)
                found = await faithfulness.ascore(
                    user_input=result.question, response=response, retrieved_contexts=result.contexts
                )
                result.scores["faithfulness"] = round(float(found.value), 4)
                found = await relevancy.ascore(user_input=result.question, response=response)
                result.scores["response_relevancy"] = round(float(found.value), 4)
            advance()

    try:
        asyncio.run(run())
    except Exception as error:  # noqa: BLE001 - any judge failure is reported as one line
        raise QAError(f"the judge LLM at {settings.judge_base_url} failed: {type(error).__name__}: {error}") from None
