"""Real, minimal PDF files for the tests: Helvetica text set line by line, with /Title and /CreationDate.

No PDF library here writes text pages, so the file is written by hand; pypdf reads it as it reads any PDF.
"""

from __future__ import annotations


def make_pdf(pages: list[list[str]], title: str | None = None, created: str | None = None) -> bytes:
    """A real (if minimal) PDF: Helvetica text, one line per entry ("" for a blank line), with /Title and /CreationDate."""

    def literal(text: str) -> str:
        return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"

    objects = ["<< /Type /Catalog /Pages 2 0 R >>", None, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for lines in pages:
        body = "BT /F1 11 Tf 14 TL 72 740 Td " + " ".join(f"{literal(line)} Tj T*" for line in lines) + " ET"
        objects.append(f"<< /Length {len(body)} >>\nstream\n{body}\nendstream")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents {len(objects)} 0 R >>")
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    info = {k: v for k, v in (("Title", title), ("CreationDate", created)) if v}
    objects.append("<< " + " ".join(f"/{k} {literal(v)}" for k, v in info.items()) + " >>")
    out, offsets = "%PDF-1.4\n", []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out.encode("latin-1")))
        out += f"{n} 0 obj\n{body}\nendobj\n"
    xref = len(out.encode("latin-1"))
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n" + "".join(f"{o:010d} 00000 n \n" for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    return out.encode("latin-1")
