from rest_framework.pagination import CursorPagination


class IdCursorPagination(CursorPagination):
    """Newest first by id: stable under inserts, cheap on large tables."""

    ordering = "-id"
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


class OldestFirstCursorPagination(IdCursorPagination):
    ordering = "id"
