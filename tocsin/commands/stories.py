"""`tocsin stories` and `tocsin story ID`: stories across outlets and their comparison."""
from __future__ import annotations

import json
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    from ..config import settings

    db_opt = typer.Option(None, "--db", envvar="TOCSIN_DB", help="Store file (default ./tocsin.db).")

    @app.command("stories")
    def stories_cmd(
        db: Optional[str] = db_opt,
        blindspot: bool = typer.Option(False, "--blindspot", help="Only stories one side alone covers."),
        min_articles: int = typer.Option(2, "--min-articles", help="Hide smaller stories."),
        limit: int = typer.Option(30, "--limit"),
        offset: int = typer.Option(0, "--offset"),
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """List stories (largest first): outlets, sides, languages, blindspot."""
        from ..compare.stories import list_stories
        from ..store.db import Store

        with Store(db or settings().db, readonly=True) as store:
            items = list_stories(store, blindspot=True if blindspot else None, min_articles=min_articles,
                                 limit=limit, offset=offset)
        if as_json:
            typer.echo(json.dumps(items, ensure_ascii=False, indent=1))
            return
        for s in items:
            span = f"{s['first_date'] or '?'}..{s['last_date'] or '?'}"
            flag = f" BLINDSPOT({s['blindspot']})" if s["blindspot"] else ""
            typer.echo(f"{s['id']}  {s['n_articles']:>3} art  {span:<23} {s['title'] or ''}{flag}")
            typer.echo(f"    outlets: {', '.join(s['outlets']) or '-'} | sides: {', '.join(s['sides'])}"
                       f" | languages: {', '.join(s['languages'])}")

    @app.command("story")
    def story_cmd(story_id: str = typer.Argument(..., help="Story id (st-...)."),
                  db: Optional[str] = db_opt) -> None:
        """One story with its articles and comparison across sides, as JSON."""
        from ..compare.stories import get_story
        from ..errors import TocsinError
        from ..store.db import Store

        with Store(db or settings().db, readonly=True) as store:
            story = get_story(store, story_id)
        if story is None:
            raise TocsinError("E500", f"no story {story_id}", hint="list them with: tocsin stories")
        typer.echo(json.dumps(story, ensure_ascii=False, indent=1))
