"""The minutes as PDF (protocol.pdf): tagged PDF/A-2b through LibreOffice, from the DOCX.

Public bodies in Germany publish accessible (BITV 2.0, PDF/UA: tagged, with a document language
and title) and archivable (PDF/A) documents. fpdf2 2.8 can declare PDF/A but tags only images,
not headings, paragraphs, lists or tables, so it cannot make an accessible document. LibreOffice
(Debian libreoffice-writer-nogui, offline) converts our DOCX, whose headings, lists and tables
are real Word structures, into a tagged PDF/A-2b with PDF/UA identification, embedded fonts and
an sRGB output intent.

Without LibreOffice the PDF is drawn by fpdf2 from the same document model (via render_html's
markup): readable and printable, but NOT tagged and NOT PDF/A, and a warning says so. The
README states which of the two a deployment produces (`soffice` on PATH).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from meetings.docmodel import Block
from rathaus.errors import RathausError

log = logging.getLogger(__name__)

# LibreOffice's writer_pdf_Export options: PDF/A-2b, tagged, PDF/UA, title shown, bookmarks
PDF_OPTIONS = {
    "SelectPdfVersion": {"type": "long", "value": "2"},
    "UseTaggedPDF": {"type": "boolean", "value": "true"},
    "PDFUACompliance": {"type": "boolean", "value": "true"},
    "ExportBookmarks": {"type": "boolean", "value": "true"},
    "DisplayPDFDocumentTitle": {"type": "boolean", "value": "true"},
}
TIMEOUT_S = 120
_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu",
              "/usr/local/share/fonts/dejavu", "/Library/Fonts", "C:/Windows/Fonts")


def soffice() -> str | None:
    """The LibreOffice binary, or None (then the PDF is the untagged fpdf2 fallback)."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(data: bytes, suffix: str, target: str, binary: str | None = None) -> bytes:
    """Convert a document with headless LibreOffice ("pdf:writer_pdf_Export:{...}", "fodt").

    Each call gets its own user profile folder, so concurrent exports (web and worker) never
    share LibreOffice's lock; the folder is removed afterwards."""
    binary = binary or soffice()
    if not binary:
        raise RathausError("LibreOffice (soffice) is not installed")
    with tempfile.TemporaryDirectory(prefix="rathaus-lo-") as tmp:
        folder = Path(tmp)
        source = folder / f"document{suffix}"
        source.write_bytes(data)
        cmd = [binary, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
               "--norestore", "--convert-to", target, "--outdir", str(folder / "out"), str(source)]
        env = dict(os.environ, HOME=str(folder))
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT_S, env=env, check=False)
        except subprocess.TimeoutExpired:
            raise RathausError(f"LibreOffice did not convert the document within {TIMEOUT_S} s") from None
        results = list((folder / "out").glob("document.*"))
        if done.returncode != 0 or not results:
            detail = (done.stderr or done.stdout).decode("utf-8", "replace").strip()[-300:]
            raise RathausError(f"LibreOffice could not convert the document ({done.returncode}): {detail}")
        return results[0].read_bytes()


def render_pdf(docx: bytes, blocks: list[Block], title: str, lang: str = "de") -> bytes:
    """Tagged PDF/A-2b from the DOCX when LibreOffice is there, else the fpdf2 fallback."""
    if soffice():
        return convert(docx, ".docx", "pdf:writer_pdf_Export:" + json.dumps(PDF_OPTIONS))
    log.warning("LibreOffice (soffice) not found: protocol.pdf is drawn by fpdf2 and is neither "
                "tagged (PDF/UA) nor PDF/A; install libreoffice-writer-nogui")
    return fallback_pdf(blocks, title, lang)


def _font_path(name: str) -> Path | None:
    for folder in _FONT_DIRS:
        path = Path(folder) / name
        if path.is_file():
            return path
    return None


_LATIN1 = str.maketrans({"„": '"', "“": '"', "”": '"', "‚": "'", "‘": "'", "’": "'", "–": "-",
                         "—": "-", "…": "...", "€": "EUR", "\u00a0": " "})


def fallback_pdf(blocks: list[Block], title: str, lang: str = "de") -> bytes:
    """fpdf2 from the model's HTML, with DejaVu Sans (Debian fonts-dejavu-core) for full Unicode;
    without that font, the built-in Helvetica with text reduced to Latin-1."""
    from fpdf import FPDF
    from fpdf.fonts import TextStyle

    from meetings.render_html import render_html

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_margins(25, 20, 20)
    regular, bold = _font_path("DejaVuSans.ttf"), _font_path("DejaVuSans-Bold.ttf")
    markup = render_html(blocks, title, lang, standalone=False)
    if regular and bold:
        family = "DejaVu"
        pdf.add_font(family, "", str(regular))
        pdf.add_font(family, "B", str(bold))
        pdf.add_font(family, "I", str(_font_path("DejaVuSans-Oblique.ttf") or regular))
        pdf.add_font(family, "BI", str(_font_path("DejaVuSans-BoldOblique.ttf") or bold))
        mono = _font_path("DejaVuSansMono.ttf")
        if mono:
            pdf.add_font("DejaVuMono", "", str(mono))
    else:
        family = "Helvetica"
        markup = markup.translate(_LATIN1).encode("latin-1", "replace").decode("latin-1")
        title = title.translate(_LATIN1).encode("latin-1", "replace").decode("latin-1")
    pdf.set_title(title)
    pdf.set_lang(lang)
    pdf.add_page()
    pdf.set_font(family, size=10)
    mono_family = "DejaVuMono" if family == "DejaVu" and _font_path("DejaVuSansMono.ttf") else "Courier"
    pdf.write_html(markup, font_family=family,
                   tag_styles={"code": TextStyle(font_family=mono_family),
                               "pre": TextStyle(font_family=mono_family)})
    return bytes(pdf.output())
