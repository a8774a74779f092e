"""Real, minimal OpenDocument text files for the tests, their XML as LibreOffice Writer writes it.

The zip holds what an .odt holds: `mimetype` first and stored, `content.xml`, `styles.xml`, `meta.xml` and the
manifest. `qa` reads them as it reads any .odt.
"""

from __future__ import annotations

import io
import zipfile

NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xlink="http://www.w3.org/1999/xlink"'
)
# Writer's own paragraph styles, as its default template defines them in styles.xml
STYLES = (
    f'<office:document-styles {NAMESPACES} office:version="1.3"><office:styles>'
    '<style:style style:name="Standard" style:family="paragraph"/>'
    '<style:style style:name="Heading" style:family="paragraph" style:parent-style-name="Standard"/>'
    '<style:style style:name="Title" style:family="paragraph" style:parent-style-name="Heading"/>'
    '<style:style style:name="Heading_20_1" style:display-name="Heading 1" style:family="paragraph" '
    'style:parent-style-name="Heading" style:default-outline-level="1"/>'
    "</office:styles></office:document-styles>"
)
# An automatic style Writer makes when a paragraph's formatting is changed by hand: it keeps the style it is based on
AUTOMATIC_STYLES = (
    '<style:style style:name="P1" style:family="paragraph" style:parent-style-name="Title"/>'
    '<style:style style:name="P2" style:family="paragraph" style:parent-style-name="Standard"/>'
)


def link(text: str, href: str = "https://example.org/") -> str:
    return f'<text:a xlink:type="simple" xlink:href="{href}">{text}</text:a>'


def paragraph(*parts: str, style: str = "P2") -> str:
    return f'<text:p text:style-name="{style}">{"".join(parts)}</text:p>'


def heading(text: str, level: int = 1) -> str:
    return f'<text:h text:style-name="Heading_20_{level}" text:outline-level="{level}">{text}</text:h>'


def bullets(*items: str) -> str:
    return '<text:list text:style-name="L1">' + "".join(f"<text:list-item>{item}</text:list-item>" for item in items) + "</text:list>"


def make_odt(
    body: str, *, title: str | None = None, created: str | None = None, encrypted: bool = False, kind: str = "text"
) -> bytes:
    """An .odt file whose `office:text` holds `body` (an `office:spreadsheet` for `kind="spreadsheet"`), with the
    `dc:title` and `meta:creation-date` given; `encrypted`: the manifest says its parts are, as a password's do."""
    content = (
        f'<office:document-content {NAMESPACES} office:version="1.3">'
        f"<office:automatic-styles>{AUTOMATIC_STYLES}</office:automatic-styles>"
        f"<office:body><office:{kind}>"
        '<text:sequence-decls><text:sequence-decl text:display-outline-level="0" text:name="Table"/></text:sequence-decls>'
        f"{body}</office:{kind}></office:body></office:document-content>"
    )
    fields = (f"<dc:title>{title}</dc:title>" if title else "") + (
        f"<meta:creation-date>{created}</meta:creation-date>" if created else ""
    )
    meta = f'<office:document-meta {NAMESPACES} office:version="1.3"><office:meta>{fields}</office:meta></office:document-meta>'
    sealed = '<manifest:encryption-data manifest:checksum-type="SHA1/1K"/>' if encrypted else ""
    manifest = (
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>'
        f'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">{sealed}</manifest:file-entry>'
        "</manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text", zipfile.ZIP_STORED)
        for name, xml in (("content.xml", content), ("styles.xml", STYLES), ("meta.xml", meta),
                          ("META-INF/manifest.xml", manifest)):
            archive.writestr(name, '<?xml version="1.0" encoding="UTF-8"?>\n' + xml, zipfile.ZIP_DEFLATED)
    return out.getvalue()
