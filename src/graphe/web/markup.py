"""The annex's inline markup, as a reader sees it.

The source is Markdown with a few inline HTML tags (``2<sup>ème</sup>``). Quotes and the
annex's own wordings (``skos:hiddenLabel``) keep them, so that a passage matches the document
at its offsets and a search on the document's characters finds it. A page shows words, not
tags: in running text the tags become the text they mark up (``2ème``), and on the annex's
own page they become the superscript the document shows.
"""

from __future__ import annotations

import re

from markupsafe import Markup

#: The inline tags the annexes use for typography (never attributes, never anything else).
_TAGS = "sup|sub|em|strong|b|i"
_INLINE = re.compile(rf"</?({_TAGS})>")
_ESCAPED = re.compile(rf"&lt;(/?)({_TAGS})&gt;")


def as_read(text: str) -> str:
    """``text`` without the annex's inline tags.

    >>> as_read("Pacte de la 2<sup>ème</sup> Chance")
    'Pacte de la 2ème Chance'
    >>> as_read("a < b et b > c")
    'a < b et b > c'
    """
    return _INLINE.sub("", text) if "<" in text else text


def restore(rendered_html: str) -> str:
    """Rendered HTML whose escaped inline tags (``&lt;sup&gt;``) become the tags again.

    Only the exact tags of :data:`_TAGS`, without attributes, are restored: anything else the
    renderer escaped stays escaped.

    >>> restore("2&lt;sup&gt;ème&lt;/sup&gt; &lt;script&gt;")
    '2<sup>ème</sup> &lt;script&gt;'
    """
    return _ESCAPED.sub(r"<\1\2>", rendered_html)


def finalize(value):
    """Jinja's ``finalize``: every plain string a template prints is shown as read."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return as_read(value)
    return value
