"""The terminal face: `qa index`, `qa search`, `qa ask` (more faces add their commands here).

Every error a user can act on is printed as one line on stderr with a non-zero exit.
"""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Literal, Optional

import typer

import qa.offline  # noqa: F401 - before any third-party import
from qa.errors import QAError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Answers questions about your documents only from passages it cites.",
)

IndexDir = Annotated[
    Optional[Path], typer.Option("--index-dir", help="Index folder (default: $QA_INDEX_DIR or .qa/index).")
]
Mode = Annotated[
    Optional[Literal["extractive", "generated"]],
    typer.Option(
        "--mode",
        help="extractive: quote the documents; generated: the configured LLM writes, every sentence verified "
        "(default: generated when QA_LLM_* configure an LLM).",
    ),
]


ASK_JSON_FIELDS = {"question", "answer", "abstained", "citations", "confidence", "mode", "fallback", "timings_ms"}


def make_settings(index_dir: Path | None):
    from qa.settings import Settings

    return Settings() if index_dir is None else Settings(index_dir=index_dir)


def make_assistant(index_dir: Path | None):
    from qa.assistant import Assistant

    return Assistant(make_settings(index_dir))


def fail(message: str, code: int = 1) -> None:
    typer.echo(f"qa: error: {message}", err=True)
    raise typer.Exit(code)


def run(action):
    """Run a command body, turning QAError (and Ctrl-C) into one clean line."""
    try:
        return action()
    except QAError as error:
        fail(str(error))
    except KeyboardInterrupt:
        fail("interrupted", 130)


@contextmanager
def stage_progress(console):
    """A transient progress bar per stage; yields the `progress(stage, done, total)` callback."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, transient=True,
    ) as bar:
        tasks: dict[str, int] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield progress


@app.command()
def index(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Folders or .txt, .md, .rst, .html, .pdf, .docx or .odt files (default: seeds/).")] = None,
    index_dir: IndexDir = None,
) -> None:
    """Index documents: clean, chunk, embed, store in Chroma and BM25 (unchanged files are skipped)."""
    from rich.console import Console
    from rich.markup import escape

    assistant = make_assistant(index_dir)
    console = Console(stderr=True)
    with stage_progress(console) as progress:
        summary = run(lambda: assistant.index_paths(paths or [Path("seeds")], progress))
    for warning in summary.skipped:
        console.print(f"[yellow]skipped:[/] {escape(warning)}")
    verb = "indexed" if summary.changed else "up to date:"
    typer.echo(
        f"{verb} {summary.documents} documents, {summary.chunks} chunks, {summary.sentences} sentences "
        f"in {summary.seconds:.2f} s (embedded {summary.embedded_documents} documents / {summary.texts_embedded} texts, "
        f"reused {summary.reused_documents}, removed {summary.removed_documents}) -> {assistant.settings.index_dir}"
    )


@app.command()
def search(
    queries: Annotated[list[str], typer.Argument(help="One or more queries.")],
    k: Annotated[int, typer.Option("--k", "-k", min=1, max=100, help="Passages per query.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per query, one per line.")] = False,
    index_dir: IndexDir = None,
) -> None:
    """Show the passages hybrid retrieval finds for each query."""
    assistant = make_assistant(index_dir)
    for query in queries:
        passages = run(lambda: assistant.search(query, k))
        if as_json:
            results = [p.model_dump(include={"source", "start", "end", "score", "text"}) for p in passages]
            typer.echo(json.dumps({"query": query, "results": results}, ensure_ascii=False))
            continue
        typer.echo(f"# {query}")
        for n, p in enumerate(passages, start=1):
            typer.echo(f"{n}. {p.source} [{p.start}:{p.end}] score {p.score:.4f}\n   {' '.join(p.text.split())[:300]}")


def ask_live(assistant, question: str, k: int | None, history, mode: str | None, console):
    """Ask; in generated mode the LLM's draft shows (dim) while it writes, then gives way to the verified answer."""
    from rich.live import Live
    from rich.text import Text

    events = assistant.ask_stream(question, k, history, mode)
    draft = Text(style="dim")
    with Live(draft, console=console, transient=True, auto_refresh=False) as live:
        for event in events:
            if not isinstance(event, str):
                return event
            draft.append(event)
            live.refresh()


def warn_fallback(answer) -> None:
    if answer.fallback:
        typer.echo(f"qa: warning: {answer.fallback}; the answer quotes the documents instead", err=True)


def print_answer(answer, console) -> None:
    from rich.markup import escape

    from qa.verification import prose_and_code

    style = "yellow" if answer.abstained else "bold"
    for text, code in prose_and_code(answer.answer):  # code as written: its lines not wrapped, nor run together
        console.print(f"[{'cyan' if code else style}]{escape(text.strip())}[/]", soft_wrap=code)
    if answer.confidence is not None:
        console.print(f"[dim]confidence {answer.confidence:.2f}[/]")
    if answer.citations:
        console.print("\n[dim]Sources[/]")
    for c in answer.citations:
        meta = c.about()
        console.print(f" [cyan][{c.id}][/] {escape(c.source)}{f' ({escape(meta)})' if meta else ''} chars {c.start}–{c.end}")
        quote = c.quote.replace("\n", "\n      ")  # a quote of several lines (code) stays under its source
        console.print(f"     [green]“{escape(quote)}”[/]")


@app.command()
def ask(
    questions: Annotated[list[str], typer.Argument(help="One or more questions.")],
    k: Annotated[Optional[int], typer.Option("--k", "-k", min=1, max=50, help="Passages retrieved.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per question, one per line.")] = False,
    mode: Mode = None,
    index_dir: IndexDir = None,
) -> None:
    """Answer questions from the documents, every sentence cited, or say the documents don't answer."""
    from rich.console import Console
    from rich.markup import escape

    assistant = make_assistant(index_dir)
    console = Console()
    for n, question in enumerate(questions):
        if as_json:
            answer = run(lambda: assistant.ask(question, k, mode=mode))
            warn_fallback(answer)
            typer.echo(answer.model_dump_json(include=ASK_JSON_FIELDS))
            continue
        answer = run(lambda: ask_live(assistant, question, k, (), mode, console))
        warn_fallback(answer)
        if len(questions) > 1:
            console.print(f"{'' if n == 0 else chr(10)}[dim]Q: {escape(answer.question)}[/]")
        print_answer(answer, console)


@app.command("eval")
def evaluate(
    split: Annotated[str, typer.Option("--split", help="Questions to run: dev, test or all.")] = "test",
    json_file: Annotated[Optional[Path], typer.Option("--json", help="Write the full report as JSON here.")] = None,
    markdown_file: Annotated[Optional[Path], typer.Option("--markdown", help="Write the report as Markdown here.")] = None,
    gate: Annotated[bool, typer.Option("--gate", help="Exit 1 when a metric misses evals/thresholds.json.")] = False,
    thresholds_file: Annotated[
        Optional[Path],
        typer.Option(
            "--thresholds",
            help='Gate on this file instead ({"metric": {"min": x} or {"max": x}}; implies --gate; needed to gate your own set).',
        ),
    ] = None,
    calibrate: Annotated[
        bool, typer.Option(
            "--calibrate",
            help="Refit the answerer's weights and refusal threshold on the dev split; with your own questions or "
            "documents it writes the file QA_CALIBRATION_FILE names (the bundled one is fitted on the seeds).",
        )
    ] = False,
    questions_file: Annotated[Optional[Path], typer.Option("--questions", help="Evaluation set (JSON lines).")] = None,
    mode: Mode = None,
    documents_dir: Annotated[
        Optional[Path],
        typer.Option("--docs", help="Folder of the documents the questions are about (default: the bundled seeds/)."),
    ] = None,
    index_dir: Annotated[
        Optional[Path],
        typer.Option(
            "--index-dir",
            help="Index of those documents, kept in step with them (default: .qa/eval-index, one per --docs folder).",
        ),
    ] = None,
) -> None:
    """Evaluate answers on the evaluation set: retrieval, correctness, refusals, citations, ragas metrics.

    A progress bar shows while it runs; the summary table is printed; --markdown adds a row per question.
    With --questions and --docs it evaluates on your own documents and questions."""
    from rich.console import Console

    from qa.evaluation.runner import SEEDS_DIR, eval_index_dir, run_cli

    if split not in ("dev", "test", "all"):
        fail(f"--split must be dev, test or all, not {split!r}")
    if calibrate and split != "dev":
        fail("--calibrate fits on the dev split only: use --split dev")
    documents_dir = documents_dir or SEEDS_DIR
    console = Console(stderr=True)
    with stage_progress(console) as progress:
        outcome = run(
            lambda: run_cli(
                make_assistant(index_dir or eval_index_dir(documents_dir)), split, progress, questions_file=questions_file,
                calibrate=calibrate, json_file=json_file, markdown_file=markdown_file, gate=gate, mode=mode,
                documents_dir=documents_dir, thresholds_file=thresholds_file,
            )
        )
    typer.echo(outcome.summary)
    for line in outcome.failures:
        typer.echo(f"qa: gate: {line}", err=True)
    if outcome.failures:
        raise typer.Exit(1)


@app.command()
def chat(
    k: Annotated[Optional[int], typer.Option("--k", "-k", min=1, max=50, help="Passages retrieved.")] = None,
    mode: Mode = None,
    index_dir: IndexDir = None,
) -> None:
    """Talk with your documents: follow-ups ("and how many of them…?") are understood. /reset starts over, /exit leaves."""
    from rich.console import Console
    from rich.markup import escape

    from qa.types import ChatMessage

    assistant = make_assistant(index_dir)
    console = Console()
    run(lambda: assistant.answer_mode(mode))
    run(assistant.load)
    console.print("[dim]Ask about your documents. /reset starts a new conversation, /exit (or Ctrl-D) leaves.[/]")
    history: list[ChatMessage] = []
    while True:
        try:
            line = console.input("[bold cyan]> [/]").strip()
        except (EOFError, KeyboardInterrupt):
            break
        if line in ("/exit", "/quit"):
            break
        if line == "/reset":
            history.clear()
            console.print("[dim]New conversation.[/]")
            continue
        if not line:
            continue
        try:
            answer = ask_live(assistant, line, k, history, mode, console)
        except QAError as error:
            console.print(f"[red]qa: error:[/] {escape(str(error))}")
            continue
        if answer.question_used != answer.question:
            console.print(f"[dim]searched for: {escape(answer.question_used)}[/]")
        warn_fallback(answer)
        print_answer(answer, console)
        history += [ChatMessage(role="user", content=line), ChatMessage(role="assistant", content=answer.answer)]


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on (0.0.0.0 for every one).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    index_dir: IndexDir = None,
) -> None:
    """Serve the chat API (JSON, SSE, OpenAI-compatible), the documents and the web page at http://HOST:PORT/."""
    import uvicorn

    from qa.api import create_app

    uvicorn.run(create_app(make_settings(index_dir)), host=host, port=port)


def main() -> None:
    try:
        app()
    except BrokenPipeError:
        sys.stderr.close()


if __name__ == "__main__":
    main()
