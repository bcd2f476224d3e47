"""Markdown in, safe HTML out: rendered with markdown-it (raw HTML off), then cleaned by nh3.

nh3 is the second fence: even if the Markdown renderer let something through, only the
tags and attributes below survive. Images are kept only when they point at our own media
(a relative URL): a remote image is a tracking pixel that tells a third party who read a
notice and when.
"""

from __future__ import annotations

from html import unescape

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s",
    "del", "code", "pre", "blockquote", "ul", "ol", "li", "a", "img", "table", "thead",
    "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def _keep_only_local_images(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        is_local = value.startswith("/") and not value.startswith("//")
        return value if is_local else None
    return value


def sanitise_html(html: str) -> str:
    """Only harmless tags; links get ``rel="noopener noreferrer nofollow"``."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        attribute_filter=_keep_only_local_images,
        strip_comments=True,
    )


def render_markdown(text: str) -> str:
    return sanitise_html(_markdown.render(text))


def plain_text(html: str) -> str:
    """The text of an HTML fragment (for teasers from imported feeds)."""
    return " ".join(unescape(nh3.clean(html, tags=set())).split())
