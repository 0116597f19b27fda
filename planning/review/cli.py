"""Command line of the new-estate review: ``eldercare check-estate`` (新建小区配建审查)."""

from __future__ import annotations

import argparse
from typing import Any


def add_review_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``check-estate`` subcommand (placeholder while the review is being written)."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "check-estate", help="review a new estate's elderly-care provision (新建小区配建审查)"
    )
    return p
