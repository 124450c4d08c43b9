"""Reading a rendered page the way a browser and an accessibility checker would."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Page:
    lang: str | None = None
    title: str = ""
    h1: list[str] = field(default_factory=list)
    scripts: list[dict[str, str | None]] = field(default_factory=list)
    links: list[dict[str, str | None]] = field(default_factory=list)
    anchors: list[dict[str, str | None]] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    styled: list[str] = field(default_factory=list)  # tags carrying an inline style attribute
    text: str = ""

    @property
    def skip_link(self) -> dict[str, str | None] | None:
        return next((a for a in self.anchors if "govuk-skip-link" in (a.get("class") or "")), None)

    @property
    def static_urls(self) -> list[str]:
        urls = [s["src"] for s in self.scripts if s.get("src")]
        urls += [link["href"] for link in self.links if link.get("href")]
        return [u for u in urls if u and u.startswith("/static/")]


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._in: list[str] = []
        self._h1: list[str] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "html":
            self.page.lang = attributes.get("lang")
        if "style" in attributes:
            self.page.styled.append(tag)
        if attributes.get("id"):
            self.page.ids.add(str(attributes["id"]))
        if tag == "script":
            self.page.scripts.append({**attributes, "_body": ""})
        elif tag == "link":
            self.page.links.append(attributes)
        elif tag == "a":
            self.page.anchors.append(attributes)
        elif tag == "h1":
            self._h1 = []
        self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1" and self._h1 is not None:
            self.page.h1.append(" ".join("".join(self._h1).split()))
            self._h1 = None
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        current = self._in[-1] if self._in else ""
        if current == "title":
            self.page.title += data
        elif current == "script" and self.page.scripts:
            self.page.scripts[-1]["_body"] = (self.page.scripts[-1]["_body"] or "") + data
        else:
            self._text.append(data)
        if self._h1 is not None:
            self._h1.append(data)

    def close(self) -> None:
        super().close()
        self.page.title = " ".join(self.page.title.split())
        self.page.text = " ".join(" ".join(self._text).split())


def read_page(html: str) -> Page:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.page


def assert_govuk_page(page: Page, *, title: str, h1: str) -> None:
    """What every hub page has: GOV.UK Frontend assets, a title, a skip link, one h1, lang=en."""
    assert page.lang == "en"
    assert page.title == f"{title} \N{EN DASH} Safeguarding hub"
    assert page.h1 == [h1]
    skip = page.skip_link
    assert skip is not None
    assert skip["href"] == "#main-content"
    assert "main-content" in page.ids
    stylesheets = [link["href"] for link in page.links if link.get("rel") == "stylesheet"]
    assert "/static/govuk/govuk-frontend.min.css" in stylesheets
    assert "/static/govuk/govuk-frontend.min.js" in page.static_urls
    assert page.styled == []
    # Inline scripts only ever come from the GOV.UK template, and carry the nonce when one is set.
    inline = [s for s in page.scripts if not s.get("src")]
    assert len(inline) <= 1
