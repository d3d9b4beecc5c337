"""The gknlp command line: one typer app, every command registered in :mod:`gknlp.cli.app`."""

from gknlp.cli.app import app

__all__ = ["app"]
