"""The command line: a few lines per command over tocsin.api."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import api
from .config import settings
from .errors import TocsinError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, help="tocsin: conflict news in, evidence out.")
console = Console(stderr=True)
out = Console()

DbOpt = typer.Option(None, "--db", envvar="TOCSIN_DB", help="Store file (default ./tocsin.db).")


def _db(db: Optional[str]) -> str:
    return db or settings().db


@app.command()
def run(
    paths: list[str] = typer.Argument(..., help="Files, folders or globs: digests, HTML, feeds, WARC, JSONL, gzip."),
    db: Optional[str] = DbOpt,
    pack: Optional[str] = typer.Option(None, "--pack", envvar="TOCSIN_PACK", help="Conflict pack name or folder."),
    runner: str = typer.Option("local", "--runner", envvar="TOCSIN_RUNNER", help="local, process or ray."),
    workers: Optional[int] = typer.Option(None, "--workers", min=1, help="Worker processes/actors (default: CPUs)."),
    ray_address: Optional[str] = typer.Option(None, "--ray-address", envvar="RAY_ADDRESS",
                                              help="Join an existing Ray cluster (e.g. auto, ray://head:10001)."),
) -> None:
    """Ingest inputs and run every pipeline stage over what is new (the main job)."""
    options = {"workers": workers, "ray_address": ray_address} if runner != "local" else {}
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("reading", total=None)

        def on_file(f, i, n):
            bar.update(task, total=n, completed=i, description=f"reading {f.name}" if f else "done")

        summary = api.run(paths, db=_db(db), pack=pack, on_file=on_file, runner=runner, runner_options=options)
    _print_summary(summary, _db(db))
    if summary.files_seen == 0 and summary.errors:
        raise typer.Exit(1)


def _print_summary(s: api.RunSummary, db: str) -> None:
    t = Table(title=f"tocsin run -> {db}", show_header=False)
    t.add_row("files read / skipped (unchanged) / failed", f"{s.files_seen - s.files_skipped} / {s.files_skipped} / {s.files_failed}")
    t.add_row("documents", str(s.documents))
    t.add_row("articles found / new in store", f"{s.articles_found} / {s.articles_new}")
    t.add_row("languages", ", ".join(f"{k} {v}" for k, v in s.by_language.most_common()) or "-")
    t.add_row("outlets", ", ".join(f"{k} {v}" for k, v in s.by_outlet.most_common(8)) or "-")
    t.add_row("time", f"{s.seconds:.1f} s")
    out.print(t)
    for e in s.errors[:20]:
        console.print(f"[red]error[/red] {_esc(e)}", soft_wrap=True, highlight=False)
    if s.n_errors > 20:
        console.print(f"... and {s.n_errors - 20} more errors (see the store's errors table)")


@app.command()
def search(
    query: str,
    db: Optional[str] = DbOpt,
    outlet: Optional[str] = typer.Option(None, help="Only this outlet."),
    language: Optional[str] = typer.Option(None, help="Only this language (ISO 639-1)."),
    date_from: Optional[str] = typer.Option(None, "--from", help="Earliest date (YYYY[-MM[-DD]])."),
    date_to: Optional[str] = typer.Option(None, "--to", help="Latest date (YYYY[-MM[-DD]])."),
    limit: int = typer.Option(20, help="How many results."),
    as_json: bool = typer.Option(False, "--json", help="JSON lines instead of a table."),
) -> None:
    """Full-text search, best first, with snippets."""
    hits = api.search(query, db=_db(db), outlet=outlet, language=language, date_from=date_from, date_to=date_to, limit=limit)
    if as_json:
        for h in hits:
            out.print_json(json.dumps(h.__dict__, default=str))
        return
    if not hits:
        console.print("no results")
        return
    for i, h in enumerate(hits, 1):
        out.print(f"[bold]{i}. {_esc(h.title or '(untitled)')}[/bold]  [dim]{_esc(h.outlet or '?')} · {h.date or '?'} · "
                  f"{h.language or '?'} · {_esc(h.source_file)}:{h.start_line}[/dim]")
        out.print("   " + _highlight(h.snippet, h.highlights))


def _esc(s: str) -> str:
    from rich.markup import escape

    return escape(s)


def _highlight(snippet: str, spans: list) -> str:
    parts, pos = [], 0
    for a, b in sorted(spans):
        parts.append(_esc(snippet[pos:a]))
        parts.append(f"[yellow]{_esc(snippet[a:b])}[/yellow]")
        pos = b
    parts.append(_esc(snippet[pos:]))
    return "".join(parts)


@app.command()
def export(
    outdir: Path,
    db: Optional[str] = DbOpt,
    format: list[str] = typer.Option(["jsonl"], "--format", "-f", help="jsonl, csv or parquet (repeatable)."),
) -> None:
    """Write the store as articles.jsonl (and CSV/Parquet) to OUTDIR."""
    written = api.export(outdir, db=_db(db), formats=format)
    for kind, paths in written.items():
        for p in paths:
            out.print(f"{kind}: {p}")


@app.command(name="eval")
def eval_(
    export_dir: Path,
    gold_dir: Path,
    as_json: bool = typer.Option(False, "--json", help="JSON instead of a table."),
) -> None:
    """Score an export against a gold folder (metrics defined in the gold README)."""
    from .eval import format_table, to_json

    result = api.evaluate(export_dir, gold_dir)
    print(to_json(result) if as_json else format_table(result))


@app.command()
def stats(db: Optional[str] = DbOpt) -> None:
    """What the store holds."""
    out.print_json(json.dumps(api.stats(db=_db(db)), default=str))


@app.command()
def briefing(
    out_path: Path = typer.Argument(Path("briefing.html")),
    story: Optional[str] = typer.Option(None, "--story", help="Only this story (id from `tocsin stories`)."),
    date_from: Optional[str] = typer.Option(None, "--from", help="First day, YYYY[-MM[-DD]]."),
    date_to: Optional[str] = typer.Option(None, "--to", help="Last day, YYYY[-MM[-DD]]."),
    db: Optional[str] = DbOpt,
) -> None:
    """Write a self-contained HTML briefing of what the store holds (or of one story / date range)."""
    p = api.briefing(out_path, db=_db(db), story=story, date_from=date_from, date_to=date_to)
    out.print(f"briefing: {p}")


@app.command()
def migrate(db: Optional[str] = DbOpt) -> None:
    """Upgrade a store written by an older tocsin to this version's schema (additive, in place)."""
    out.print(f"store schema version {api.migrate(db=_db(db))}")


@app.command()
def update(db: Optional[str] = DbOpt) -> None:
    """Recompute the corpus stages (events, stories, contradictions, alerts) over the whole store."""
    for name, summary in api.update(db=_db(db)).items():
        out.print(f"{name}: {json.dumps(summary, default=str)}")


from .commands import register_all  # noqa: E402  (feature commands plug in here)

register_all(app)


def main() -> None:
    try:
        app()
    except TocsinError as e:
        console.print(f"[red]error[/red] {_esc(str(e))}", soft_wrap=True)  # one line, however narrow the terminal
        sys.exit(2)


if __name__ == "__main__":
    main()
