"""Server-side pagination shared by every list page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest


def paginate(request: HttpRequest, items: Sequence[Any], per_page: int) -> Page:
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    """The current filters as a query string, for page links to carry along."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
