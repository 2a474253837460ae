"""The `mealplanner` command line."""

from __future__ import annotations

import asyncio
import getpass
import os
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer

from mealplanner.core.config import get_settings

app = typer.Typer(
    help="Mealplanner: recipes, weekly meal plans and shopping lists.", no_args_is_help=True
)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes")] = 1,
    reload: Annotated[bool, typer.Option(help="Reload on code changes (development)")] = False,
) -> None:
    """Serve the API (and the web app when it is built). Migrates the embedded database."""
    import uvicorn

    from mealplanner import migrate

    settings = get_settings()
    settings.resolve_jwt_secret()  # generate it once here, not racily in N workers
    os.environ["MEALPLANNER_SERVE_WORKERS"] = str(1 if reload else workers)
    if settings.is_sqlite:
        migrate.upgrade(settings.effective_database_url)
    # Uvicorn drains in-flight requests on SIGTERM, runs the lifespan shutdown (pools closed),
    # then re-raises the signal so the exit status reads "killed" (143). A drained shutdown is
    # a clean one: this handler, restored by uvicorn before it re-raises, makes it exit 0.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    uvicorn.run(
        "mealplanner.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=None if reload else workers,
        reload=reload,
        proxy_headers=False,
        log_config=None,
        timeout_graceful_shutdown=30,
        # Longer than load balancers' idle timeouts (60 s is common): when the server closes an
        # idle keep-alive connection first, a request the client sends on it at that moment
        # fails (seen in the load benchmark as ReadError / RemoteProtocolError).
        timeout_keep_alive=75,
    )


@app.command("migrate")
def migrate_cmd(
    revision: Annotated[str, typer.Argument(help="Target revision")] = "head",
) -> None:
    """Apply database migrations (PostgreSQL or SQLite)."""
    from mealplanner import migrate

    migrate.upgrade(get_settings().effective_database_url, revision)
    typer.echo("Database is up to date.")


@app.command()
def seed(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Only when the catalog has no recipes yet")
    ] = False,
    synthetic: Annotated[
        int, typer.Option(min=0, max=1_000_000, help="Also generate N synthetic recipes")
    ] = 0,
    random_seed: Annotated[int, typer.Option("--random-seed", help="For --synthetic")] = 42,
) -> None:
    """Load the shipped recipe catalog (idempotent: existing recipes are kept)."""
    from rich.progress import Progress

    from mealplanner import migrate
    from mealplanner.app import build_state
    from mealplanner.core.platform import stop_platform
    from mealplanner.recipes import seed as recipe_seed

    settings = get_settings()
    if settings.is_sqlite:
        migrate.upgrade(settings.effective_database_url)

    async def run() -> None:
        state = build_state(settings)
        try:
            if if_empty and await recipe_seed.count_public(state.db) > 0:
                typer.echo("Catalog already loaded.")
            else:
                total = len(recipe_seed.load_catalog())
                with Progress() as bar:
                    task = bar.add_task("Loading catalog", total=total)
                    result = await recipe_seed.seed_catalog(
                        state.db, state.cache, progress=lambda n: bar.advance(task, n)
                    )
                typer.echo(f"Catalog: {result.created} added, {result.skipped} already present.")
            if synthetic:
                with Progress() as bar:
                    task = bar.add_task("Synthetic recipes", total=synthetic)
                    made = await recipe_seed.seed_synthetic(
                        state.db,
                        state.cache,
                        synthetic,
                        seed=random_seed,
                        progress=lambda n: bar.advance(task, n),
                    )
                typer.echo(f"Synthetic: {made.created} recipes added.")
        finally:
            await stop_platform(state)
            if state.redis is not None:
                await state.redis.aclose()
            await state.db.dispose()

    asyncio.run(run())


@app.command("import")
def import_cmd(
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, help="Files")],
    owner: Annotated[
        str | None, typer.Option(help="Owner's email (default: the first admin)")
    ] = None,
) -> None:
    """Import recipes (schema.org JSON/HTML, Paprika, Mealie, Tandoor, Nextcloud, Plan to Eat).

    Imported recipes are private to the owner; re-importing a file creates no duplicates."""
    from rich.progress import Progress, TaskID

    from mealplanner import migrate
    from mealplanner.app import build_state
    from mealplanner.core.errors import AppError
    from mealplanner.core.platform import stop_platform
    from mealplanner.imports import service as import_service

    settings = get_settings()
    if settings.is_sqlite:
        migrate.upgrade(settings.effective_database_url)

    async def run() -> int:
        state = build_state(settings)
        failures = 0
        try:
            try:
                user = await import_service.resolve_owner(state, owner)
            except AppError as exc:
                typer.echo(f"Error: {exc.message}", err=True)
                return 2
            with Progress() as bar:
                for path in files:
                    task = bar.add_task(path.name, total=None)

                    def advance(found: int, _imported: int, task: TaskID = task) -> None:
                        bar.update(task, completed=found)

                    row = await import_service.import_local_file(
                        state,
                        user,
                        path,
                        advance,
                    )
                    bar.update(task, total=row.found, completed=row.found)
                    if row.status == "failed":
                        failures += 1
                        bar.console.print(
                            f"{path.name}: refused ({row.error_code}) {row.error_message}"
                        )
                    else:
                        bar.console.print(
                            f"{path.name}: {row.imported} imported, {row.skipped} duplicates, "
                            f"{row.failed} failed, {len(row.report.get('unlinked', []))} "
                            "unlinked ingredient lines"
                        )
                    for error in row.report.get("errors", []):
                        bar.console.print(f"  - {error['recipe']}: {error['message']}")
        finally:
            await stop_platform(state)
            if state.redis is not None:
                await state.redis.aclose()
            await state.db.dispose()
        return 1 if failures else 0

    code = asyncio.run(run())
    if code:
        raise typer.Exit(code=code)


def _read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat password: "):
        raise typer.BadParameter("Passwords do not match")
    return first


@app.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(help="Admin's email address")],
    name: Annotated[str, typer.Option(help="Display name")] = "Administrator",
) -> None:
    """Create an admin, or promote an existing user. The password is read from a prompt or
    from standard input, never from the command line (it would end up in shell history)."""
    from mealplanner import migrate
    from mealplanner.admin.bootstrap import ensure_admin

    settings = get_settings()
    password = _read_password()
    if settings.is_sqlite:
        migrate.upgrade(settings.effective_database_url)
    try:
        created = asyncio.run(ensure_admin(settings, email=email, name=name, password=password))
    except ValueError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    typer.echo(f"Admin {'created' if created else 'promoted'}: {email}")


@app.command("worker")
def worker(
    burst: Annotated[
        bool, typer.Option(help="Exit once the queue is empty (scripts and tests)")
    ] = False,
    scheduler: Annotated[
        bool, typer.Option(help="Also run the scheduler (emails, cleanup); safe on every worker")
    ] = True,
) -> None:
    """Run background jobs from Redis (email, image processing, schedules).

    Needs MEALPLANNER_REDIS_URL; without Redis the server runs jobs itself. Start as many
    workers as you like: each job runs once, and each scheduled email goes out once a week.
    """
    from mealplanner import migrate
    from mealplanner.app import build_state
    from mealplanner.background import run_worker, stop_background
    from mealplanner.core.platform import start_platform, stop_platform

    settings = get_settings()
    if not settings.redis_url:
        typer.echo("Error: the worker needs MEALPLANNER_REDIS_URL.", err=True)
        raise typer.Exit(code=2)
    if settings.is_sqlite:
        migrate.upgrade(settings.effective_database_url)

    async def run() -> int:
        state = build_state(settings)
        # The listener keeps the worker's own local copies in step with the API processes.
        await start_platform(state)
        try:
            return await run_worker(state, burst=burst, with_scheduler=scheduler)
        finally:
            await stop_background(state)
            await stop_platform(state)
            if state.redis is not None:
                await state.redis.aclose()
            await state.db.dispose()

    processed = asyncio.run(run())
    typer.echo(f"Worker stopped after {processed} jobs.")


if __name__ == "__main__":
    app()
