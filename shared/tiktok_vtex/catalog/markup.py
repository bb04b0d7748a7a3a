"""Feed text -> what TikTok takes: titles as plain text, descriptions as the small HTML subset TikTok
renders (p, br, ul/ol/li, strong/b, em/i, u), every entity decoded, scripts, styles, comments, attributes
and other tags removed (their text kept), whitespace collapsed, at most 10,000 characters.

Feeds carry descriptions as escaped HTML, CDATA, or plain text with line breaks; all three end up the
same. Text without markup takes a fast path (no HTML parse), which is most of a large feed.
"""

from __future__ import annotations

import html
import re

from lxml import etree
from lxml import html as lxml_html

DESCRIPTION_MAX_CHARS = 10_000
KEPT_TAGS = frozenset({"p", "br", "ul", "ol", "li", "strong", "b", "em", "i", "u"})
# Block elements whose content becomes a paragraph of its own.
_BLOCKS = frozenset({"div", "section", "article", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr", "blockquote"})
_DROPPED = frozenset({"script", "style", "head", "title", "iframe", "object", "noscript", "template", "svg"})
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str | None) -> str:
    """Plain text (titles, attribute values): tags stripped, entities decoded, whitespace collapsed."""
    if not text:
        return ""
    if "<" not in text and "&" not in text and text.isprintable() and "  " not in text:
        return text.strip()  # the common case, without a regex
    if "<" in text:
        text = _strip_tags(text)
    elif "&" in text:
        text = html.unescape(text)
    return _SPACES.sub(" ", _CONTROL.sub("", text)).strip()


def _strip_tags(text: str) -> str:
    try:
        root = lxml_html.fragment_fromstring(text, create_parent="div")
    except (etree.ParserError, ValueError):
        return html.unescape(re.sub(r"<[^>]*>", " ", text))
    for bad in root.iter(*_DROPPED):
        bad.drop_tree()
    return " ".join(root.itertext())


def _plain_paragraphs(text: str) -> str:
    text = html.unescape(text) if "&" in text else text
    if "\n" not in text and "\r" not in text and text.isprintable():
        single = " ".join(text.split())
        return f"<p>{html.escape(single, quote=False)}</p>" if single else ""
    paragraphs = []
    for block in re.split(r"\n\s*\n", _CONTROL.sub("", text.replace("\r\n", "\n"))):
        lines = [_SPACES.sub(" ", line).strip() for line in block.split("\n")]
        lines = [html.escape(line, quote=False) for line in lines if line]
        if lines:
            paragraphs.append("<p>" + "<br>".join(lines) + "</p>")
    return "".join(paragraphs)


def _render(element: etree._Element, out: list[str]) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in _DROPPED or not tag:
        if element.tail:
            out.append(html.escape(_SPACES.sub(" ", element.tail), quote=False))
        return
    kept = tag in KEPT_TAGS
    block = tag in _BLOCKS
    if kept:
        out.append(f"<{tag}>")
    elif block:
        out.append("<p>")
    if element.text:
        out.append(html.escape(_SPACES.sub(" ", element.text), quote=False))
    for child in element:
        _render(child, out)
    if kept and tag != "br":
        out.append(f"</{tag}>")
    elif block:
        out.append("</p>")
    if element.tail:
        out.append(html.escape(_SPACES.sub(" ", element.tail), quote=False))


def clean_description(text: str | None, max_chars: int = DESCRIPTION_MAX_CHARS) -> str:
    """A description TikTok accepts (see module doc); empty when nothing readable is left."""
    if not text or not text.strip():
        return ""
    if "<" not in text:
        result = _plain_paragraphs(text)
    else:
        try:
            root = lxml_html.fragment_fromstring(_CONTROL.sub("", text), create_parent="div")
        except (etree.ParserError, ValueError):
            return _plain_paragraphs(re.sub(r"<[^>]*>", " ", text))
        out: list[str] = []
        if root.text:
            out.append(html.escape(_SPACES.sub(" ", root.text), quote=False))
        for child in root:
            _render(child, out)
        result = re.sub(r"<p>\s*</p>", "", "".join(out)).strip()
        if not re.sub(r"<[^>]+>", "", result).strip():
            return ""
    if len(result) > max_chars:
        result = _truncate(result, max_chars)
    return result


def _truncate(markup: str, max_chars: int) -> str:
    """Cut at a tag boundary and close what is open, so the result stays well-formed and within max."""
    budget = max_chars - 64  # room for closing tags
    cut = markup[:budget]
    if cut.rfind("<") > cut.rfind(">"):
        cut = cut[: cut.rfind("<")]
    cut = cut.rsplit("&", 1)[0] if cut.rfind("&") > cut.rfind(";") else cut
    open_tags: list[str] = []
    for closing, name in re.findall(r"<(/?)([a-z]+)>", cut):
        if name == "br":
            continue
        if closing and open_tags and open_tags[-1] == name:
            open_tags.pop()
        elif not closing:
            open_tags.append(name)
    return cut + "".join(f"</{name}>" for name in reversed(open_tags))
