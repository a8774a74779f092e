"""reStructuredText rendered to the plain text its reader sees, which is the text `qa` cleans, quotes and cites.

docutils parses the file, with nothing read beyond it: no included file, no raw HTML, no configuration file, no
message printed. The words of its titles, paragraphs, list items, definitions, fields, admonitions, quotes, table
rows and code are kept, one block per line, as the rest of `qa` expects a paragraph to be; a paragraph's soft line
breaks become spaces. Comments, targets, link addresses, images, substitution definitions, footnotes and their
markers, the bibliographic fields (`:Author:`, `:Date:`: metadata), a page header or footer and a generated table of
contents are dropped.

Most `.rst` files are written for Sphinx, whose directives and roles docutils does not know: each would be an
error message in the text, its words lost. Sphinx renders them, so they are read as Sphinx shows them: a
cross-reference (`:func:`, `:ref:`, `:doc:`...) by its title, as a link; code (`.. code-block::`, `.. doctest::`)
as code; a version note as its sentence ("Changed in version 3.2: ..."); a description (`.. function:: join(path)`)
as its signature, a heading, over its text; any other directive's text as text. What Sphinx builds from other files
(`.. toctree::`, `.. automodule::`, `.. literalinclude::`) is not there. A block of links (a "See also" list) is
marked, as a heading is: it names other pages and is never quoted as an answer. List items are marked too: a
line ending in a colon introduces them together (`qa.quotation`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from qa.errors import DocumentError
from qa.page import Page, as_code, iso_date, only_links, word_count

if TYPE_CHECKING:
    from docutils import nodes
    from docutils.parsers.rst import Directive

_SETTINGS = {
    "_disable_config": True,  # no docutils.conf
    "file_insertion_enabled": False,  # no `.. include::`, nor a file or address a table or figure reads
    "raw_enabled": False,
    "report_level": 5,  # no message is printed ...
    "halt_level": 5,  # ... nor stops the parse: the messages are nodes of the tree, which the text leaves out
}
# Sphinx's directives, by name without a domain ("py:function" is "function")
_CODE = ("code", "code-block", "sourcecode", "doctest", "testcode", "testoutput", "productionlist", "ipython")
_ELSEWHERE = (  # made from other files or settings, or not shown
    "toctree", "index", "literalinclude", "highlight", "module", "currentmodule", "program", "default-domain",
    "sectionauthor", "moduleauthor", "codeauthor", "tabularcolumns", "testsetup", "testcleanup", "todo", "todolist",
    "graphviz", "graph", "digraph", "inheritance-diagram", "plot", "mermaid",
)  # and "auto..." (automodule, autoclass, autosummary): the API documented from the code's docstrings
_CONDITIONS = ("only", "ifconfig")  # their argument says when the text is shown, and is not shown
_VERSIONS = {
    "versionadded": "Added in version",
    "versionchanged": "Changed in version",
    "deprecated": "Deprecated since version",
    "versionremoved": "Removed in version",
}
# Sphinx's roles that show their text as written, not a link to what they name
_TEXT_ROLES = (
    "abbr", "command", "dfn", "file", "guilabel", "index", "kbd", "mailheader", "makevar", "manpage",
    "menuselection", "mimetype", "newsgroup", "program", "regexp", "samp",
)
_EXPLICIT_TITLE = re.compile(r"(.+?)\s+<[^<]*>", re.DOTALL)  # "Title <target>"; "NAME_<CONFIG>" is a name
# Nodes whose text no reader sees: a footnote's is not read in place, where it would break a sentence. (Only the
# blocks below are read: a comment, a substitution definition, a target, an image or a link's address is none.)
_UNSEEN = {"footnote", "citation", "system_message", "docinfo", "decoration"}
_MARKERS = {"footnote_reference", "citation_reference"}  # "[1]_", "[Log1875]_": they go, with the space before them
_HEADINGS = {"title", "subtitle", "rubric"}
_CODE_BLOCKS = {"literal_block", "doctest_block", "math_block"}
_ITEMS = {"list_item", "definition_list_item"}  # a term and its definition are an item of their list
_TEXT_BLOCKS = {"paragraph", "line", "term", "classifier", "caption", "attribution"}


def _unqualified(name: str) -> str:
    """A Sphinx directive's or role's name without its domain: "py:function" is "function"."""
    return name.lower().rpartition(":")[2]


def _sphinx_role(role: str, rawtext: str, text: str, lineno: int, inliner, options=None, content=None) -> tuple[list, list]:
    """A role docutils does not know, as Sphinx shows it: a cross-reference by its title ("Title <target>"), else
    by its target, the last name of "~os.path.join"; a text role (`:kbd:`, `:file:`) by its text."""
    from docutils import nodes, utils

    if _unqualified(role) in _TEXT_ROLES:
        return [nodes.literal(rawtext, utils.unescape(text))], []
    if explicit := _EXPLICIT_TITLE.fullmatch(text):
        shown = utils.unescape(explicit.group(1))
    else:
        shown = utils.unescape(text).lstrip("!")
        shown = shown[1:].rpartition(".")[2] if shown.startswith("~") else shown
    return [nodes.reference(rawtext, shown)], []


@functools.cache
def _sphinx_directive() -> type[Directive]:
    """The directive a name docutils does not know is read with (imported here: a question reads no .rst)."""
    from docutils import nodes
    from docutils.parsers.rst import Directive, directives

    class AnyOption(dict):
        """Any option a directive may be given, kept as written (docutils reads none if the options are falsy)."""

        def __missing__(self, name):
            return directives.unchanged

        def __bool__(self):
            return True

    class SphinxDirective(Directive):
        """Sphinx's directive, or an extension's, shown as Sphinx shows it."""

        optional_arguments = 1
        final_argument_whitespace = True
        option_spec = AnyOption()
        has_content = True

        def run(self) -> list[nodes.Node]:
            name = _unqualified(self.name)
            if name in _ELSEWHERE or name.startswith("auto"):
                return []
            if name in _CODE:
                code = "\n".join(self.content)
                return [nodes.literal_block(code, code)]
            shown = nodes.container()
            self.state.nested_parse(self.content, self.content_offset, shown)
            argument = self.arguments[0] if self.arguments else ""
            if name in _VERSIONS and argument:
                version, *said = argument.split(None, 1)
                label = f"{_VERSIONS[name]} {version}"
                if said:
                    shown.insert(0, nodes.paragraph("", f"{label}: ", *self.state.inline_text(said[0], self.lineno)[0]))
                elif shown.children and shown[0].tagname == "paragraph":
                    shown[0].insert(0, nodes.Text(f"{label}: "))
                else:
                    shown.insert(0, nodes.paragraph("", f"{label}."))
            elif argument and shown.children and name not in _CONDITIONS:  # a signature, a title over its text
                shown[:0] = [nodes.rubric(line, line) for line in argument.splitlines()]
            return [shown]

    return SphinxDirective


@contextmanager
def _sphinx_names() -> Iterator[None]:
    """While a file is parsed, a directive or role docutils does not know is Sphinx's: its look-ups are wrapped, as
    Sphinx wraps them (`sphinx_domains`), and put back after. Sphinx's code directives take options docutils' do not."""
    from docutils.parsers.rst import directives, roles

    find_directive, find_role = directives.directive, roles.role

    def directive(name, language, document):
        if name.lower() in _CODE:
            return _sphinx_directive(), []
        found, messages = find_directive(name, language, document)
        return found or _sphinx_directive(), messages

    def role(name, language, lineno, reporter):
        found, messages = find_role(name, language, lineno, reporter)
        return found or _sphinx_role, messages

    directives.directive, roles.role = directive, role
    try:
        yield
    finally:
        directives.directive, roles.role = find_directive, find_role


def _runs(node: nodes.Node, in_link: bool = False) -> Iterator[tuple[str | None, bool]]:
    """An inline run's pieces of text, each with whether it is in a link; markup docutils could not read
    ("`Unknown target`_", "|undefined|") as the words in it; None for a footnote's or citation's marker."""
    if node.tagname == "#text":
        yield node.astext(), in_link
    elif node.tagname == "literal":  # inline code, whose "[" is no footnote marker's ("``items[0]``")
        yield as_code(node.astext()), in_link
    elif node.tagname in _MARKERS:
        yield None, in_link
    elif node.tagname == "problematic":
        yield node.astext().strip("`|_"), in_link
    elif node.tagname not in _UNSEEN:
        for child in node.children:
            yield from _runs(child, in_link or node.tagname == "reference")


def _inline(node: nodes.Node) -> tuple[str, bool]:
    """A block's words, its line breaks and runs of spaces one space; and whether they are links and nothing else."""
    pieces: list[str] = []
    words = [0, 0]  # outside links, in links
    for text, in_link in _runs(node):
        if text is None:  # "the light [1]_." reads "the light."
            pieces[-1:] = [piece.rstrip() for piece in pieces[-1:]]
        else:
            pieces.append(text)
            words[in_link] += word_count(text)
    return " ".join("".join(pieces).split()), only_links(words[1], words[0])


def _blocks(node: nodes.Node, in_item: bool = False) -> Iterator[tuple[str, str]]:
    """The blocks of text under `node`, in order, each with what it is: "heading", "code", "links", "item" (of a
    list) or "text"."""
    tag = node.tagname
    if tag in _UNSEEN or (tag == "topic" and "contents" in node["classes"]):
        return
    if tag in _CODE_BLOCKS:
        yield node.astext().strip("\n"), "code"
    elif tag in _HEADINGS:
        yield _inline(node)[0], "heading"
    elif tag in _TEXT_BLOCKS:
        text, links = _inline(node)
        yield text, "links" if links else "item" if in_item else "text"
    elif tag == "field":  # ":Instances: 20640" is one line, as Sphinx shows it; a longer body goes below "Name:"
        name, body, kind = _inline(node[0])[0], node[1], "item" if in_item else "text"
        if len(body) == 1 and body[0].tagname == "paragraph":
            yield f"{name}: {_inline(body[0])[0]}", kind
        else:
            yield f"{name}:", kind
            yield from _blocks(body, in_item)
    elif tag == "option_group":  # "-o FILE, --output=FILE"
        yield node.astext(), "text"
    elif tag == "row":
        cells = (" ".join(" ".join(text for text, _ in _blocks(entry)).split()) for entry in node.children)
        yield " | ".join(cell for cell in cells if cell), "text"
    else:
        for child in node.children:
            yield from _blocks(child, in_item or tag in _ITEMS)


def _title(document: nodes.document) -> str | None:
    """The document's title (`.. title::`, else its title heading), else its first section's heading, a heading
    read as its words are (`_inline`)."""
    heading = next(
        (child if child.tagname == "title" else child[0] for child in document.children
         if child.tagname in ("title", "section")),
        None,
    )
    named = document.get("title")
    if heading is None or (named and named != heading.astext()):  # named by `.. title::`
        return named or None
    return _inline(heading)[0]


def render_rst(raw: str, where: str) -> Page:
    """The plain text of a reStructuredText document, its title (the document's, else its first section's), date
    (the `:Date:` field), headings, code, links and list items."""
    from docutils import nodes
    from docutils.core import publish_doctree

    try:
        with _sphinx_names():
            document = publish_doctree(raw, settings_overrides=_SETTINGS)
    except Exception as error:  # docutils' own failure (a recursion too deep): the file is skipped with the reason
        raise DocumentError(f"cannot read {where}: docutils failed ({error})") from None
    blocks = [(text, kind) for text, kind in _blocks(document) if text.strip()]
    errors = [message for message in document.findall(nodes.system_message) if message["level"] >= 3]
    if not blocks and errors:  # what docutils could not read was all there was: a line too long, a broken table
        raise DocumentError(f"cannot read {where}: {' '.join(errors[0][0].astext().split())}")
    return Page(
        "\n\n".join(text for text, _ in blocks),
        _title(document),
        next((iso_date(date.astext()) for date in document.findall(nodes.date)), None),
        headings=tuple(text for text, kind in blocks if kind == "heading"),
        code=tuple(text for text, kind in blocks if kind == "code"),
        links=tuple(text for text, kind in blocks if kind == "links"),
        items=tuple(text for text, kind in blocks if kind == "item"),
    )

