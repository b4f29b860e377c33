"""The minutes as documents: DOCX (A4, German), PDF (tagged PDF/A-2b), one CommonMark path.

DOCX and PDF are checked as other programs read them: LibreOffice opens the DOCX and writes it as
flat ODF (.fodt), whose page layout and language are what a clerk's office suite shows; poppler's
pdfinfo / pdffonts / pdftotext read the PDF. There is no veraPDF on Debian, so the PDF/A check is
the set of properties a validator tests first (see README, "The minutes' files, and the standards they meet").
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from datetime import datetime, timedelta, timezone
from xml.etree import ElementTree

import pytest

from meetings.docmodel import parse_markdown
from meetings.export import render
from meetings.minutes import MeetingMeta, build_minutes
from minutes_fixtures import agenda, meeting, members

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
needs_libreoffice = pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) not installed")
needs_poppler = pytest.mark.skipif(not shutil.which("pdfinfo"), reason="poppler-utils not installed")

CLERK_MD = """# Niederschrift: Sitzung des Bauausschusses

## Punkt 1 der Tagesordnung: Spielplatz Lindenweg

Beschlossen wurde:

- erstens die *Planung* freizugeben,
- zweitens **50.000 Euro** bereitzustellen,
- drittens die Anlieger zu beteiligen.

Die Vorlage steht unter [ris.musterstadt.de](https://ris.musterstadt.de/vorlage/17) bereit,
Aktenzeichen `BA-2025/17`.

### Reihenfolge

3. Ausschreibung
4. Vergabe
"""


def _minutes(md: str | None = None):
    minutes = build_minutes(meeting(), agenda(), members(),
                            MeetingMeta(title="12. Sitzung des Gemeinderats", body="Gemeinderat",
                                        date="2025-03-03"))
    minutes.edited_markdown = md
    return minutes


def _docx(md: str | None = None) -> bytes:
    return render("docx", meeting(), _minutes(md))


def _soffice_convert(data: bytes, suffix: str, target: str) -> bytes:
    from meetings.render_pdf import convert

    return convert(data, suffix, target)


# --- DOCX ---------------------------------------------------------------------------------------

def test_docx_is_a4_german_with_our_properties():
    from docx import Document

    before = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(seconds=1)
    doc = Document(io.BytesIO(_docx()))
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert round(section.left_margin.mm) == 25 and round(section.right_margin.mm) == 20
    props = doc.core_properties
    assert props.title == "Niederschrift: 12. Sitzung des Gemeinderats"
    assert props.author == props.last_modified_by == "Gemeinderat"
    assert props.comments == "" and props.language == "de-DE"
    assert props.created >= before and props.modified >= before   # not python-docx's 2013
    styles = doc.styles.element
    default_lang = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang")
    assert default_lang.get(f"{W}val") == "de-DE"
    langs = {el.get(f"{W}val") for el in styles.iter(f"{W}lang")}
    assert langs == {"de-DE"}   # no style left in en-US


@needs_libreoffice
def test_docx_page_and_language_as_libreoffice_reads_them():
    fodt = _soffice_convert(_docx(), ".docx", "fodt").decode("utf-8")
    layout = re.search(r'<style:page-layout-properties [^>]*fo:page-width="([\d.]+)(in|cm)" '
                       r'fo:page-height="([\d.]+)(in|cm)"', fodt)
    to_mm = {"in": 25.4, "cm": 10.0}
    width, height = float(layout.group(1)) * to_mm[layout.group(2)], float(layout.group(3)) * to_mm[layout.group(4)]
    assert abs(width - 210) < 0.5 and abs(height - 297) < 0.5
    assert set(re.findall(r'fo:language="(\w+)" fo:country="(\w+)"', fodt)) == {("de", "DE")}
    assert "<dc:language>de-DE</dc:language>" in fodt
    assert "<dc:title>Niederschrift: 12. Sitzung des Gemeinderats</dc:title>" in fodt
    assert "python-docx" not in fodt and "2013-12-23" not in fodt


# --- PDF ----------------------------------------------------------------------------------------

def _pdfinfo(data: bytes, *args: str) -> str:
    return subprocess.run(["pdfinfo", *args, "-"], input=data, capture_output=True, check=True).stdout.decode()


@needs_libreoffice
@needs_poppler
def test_pdf_is_tagged_pdf_a_2b_and_pdf_ua():
    data = render("pdf", meeting(), _minutes())
    info = _pdfinfo(data)
    assert re.search(r"^Tagged:\s+yes$", info, re.M)
    assert re.search(r"^Encrypted:\s+no$", info, re.M)
    assert "(A4)" in re.search(r"^Page size:.*$", info, re.M).group(0)
    assert re.search(r"^Title:\s+Niederschrift: 12. Sitzung des Gemeinderats$", info, re.M)
    xmp = _pdfinfo(data, "-meta")
    assert "<pdfaid:part>2</pdfaid:part>" in xmp and "<pdfaid:conformance>B</pdfaid:conformance>" in xmp
    assert "<pdfuaid:part>1</pdfuaid:part>" in xmp
    assert re.search(rb"/OutputIntents\s*\[", data) and b"/GTS_PDFA1" in data and b"/DestOutputProfile" in data
    assert b"/Lang(de-DE)" in data and b"/StructTreeRoot" in data
    fonts = subprocess.run(["pdffonts", "-"], input=data, capture_output=True, check=True).stdout.decode()
    rows = fonts.strip().splitlines()[2:]
    assert rows and all(row.split()[-5] == "yes" for row in rows), fonts   # every font embedded


# --- one CommonMark path ------------------------------------------------------------------------

def test_markdown_lists_emphasis_links_code_headings_parsed():
    blocks = parse_markdown(CLERK_MD)
    kinds = [(b.kind, b.level or b.depth) for b in blocks]
    assert kinds[:3] == [("heading", 1), ("heading", 2), ("paragraph", 0)]
    items = [b for b in blocks if b.kind == "list_item"]
    assert [b.plain for b in items] == ["erstens die Planung freizugeben,", "zweitens 50.000 Euro bereitzustellen,",
                                        "drittens die Anlieger zu beteiligen.", "Ausschreibung", "Vergabe"]
    assert [b.number for b in items if b.ordered] == [3, 4]
    spans = [s for b in blocks for s in b.spans]
    assert any(s.italic and s.text == "Planung" for s in spans)
    assert any(s.bold and s.text == "50.000 Euro" for s in spans)
    assert any(s.href == "https://ris.musterstadt.de/vorlage/17" and s.text == "ris.musterstadt.de" for s in spans)
    assert any(s.code and s.text == "BA-2025/17" for s in spans)


def test_markdown_in_docx_keeps_list_items_and_drops_raw_marks():
    from docx import Document

    data = _docx(CLERK_MD)
    doc = Document(io.BytesIO(data))
    paragraphs = [(p.style.name, p.text) for p in doc.paragraphs]
    bullets = [text for style, text in paragraphs if style == "List Bullet"]
    assert bullets == ["erstens die Planung freizugeben,", "zweitens 50.000 Euro bereitzustellen,",
                       "drittens die Anlieger zu beteiligen."]
    assert ("Heading 1", "Niederschrift: Sitzung des Bauausschusses") in paragraphs
    assert ("Heading 3", "Reihenfolge") in paragraphs
    body = "\n".join(text for _, text in paragraphs)
    assert "3.\tAusschreibung" in body and "4.\tVergabe" in body
    assert "*" not in body and "`" not in body and "](" not in body
    runs = {r.text: r for p in doc.paragraphs for r in p.runs}
    assert runs["Planung"].italic and runs["50.000 Euro"].bold
    assert runs["BA-2025/17"].font.name == "Liberation Mono"
    document_xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
    link = ElementTree.fromstring(document_xml).find(f".//{W}hyperlink")
    assert link is not None and "".join(link.itertext()) == "ris.musterstadt.de"
    rels = zipfile.ZipFile(io.BytesIO(data)).read("word/_rels/document.xml.rels").decode()
    assert 'Target="https://ris.musterstadt.de/vorlage/17"' in rels


def test_markdown_in_html_is_semantic():
    html = render("html", meeting(), _minutes(CLERK_MD)).decode("utf-8")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="de">' in html
    assert "<h1>Niederschrift: Sitzung des Bauausschusses</h1>" in html
    assert ("<ul>\n<li>erstens die <em>Planung</em> freizugeben,\n</li>\n<li>zweitens <strong>50.000 Euro"
            "</strong> bereitzustellen,\n</li>\n<li>drittens die Anlieger zu beteiligen.\n</li></ul>") in html
    assert '<ol start="3">\n<li>Ausschreibung\n</li>\n<li>Vergabe\n</li></ol>' in html
    assert '<a href="https://ris.musterstadt.de/vorlage/17">ris.musterstadt.de</a>' in html
    assert "<code>BA-2025/17</code>" in html
    drafted = render("html", meeting(), _minutes()).decode("utf-8")
    assert '<th scope="row">Gremium</th><td>Gemeinderat</td>' in drafted


@pytest.mark.parametrize("libreoffice", [True, False], ids=["libreoffice", "fpdf2"])
def test_markdown_in_pdf_has_items_and_no_raw_marks(libreoffice, monkeypatch):
    if not shutil.which("pdftotext") or (libreoffice and not shutil.which("soffice")):
        pytest.skip("needs poppler-utils (and LibreOffice for that route)")
    import meetings.render_pdf as render_pdf

    if not libreoffice:
        monkeypatch.setattr(render_pdf, "soffice", lambda: None)
    data = render("pdf", meeting(), _minutes(CLERK_MD))
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode("utf-8")
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    assert any(line.endswith("erstens die Planung freizugeben,") for line in lines)
    assert any(line.endswith("zweitens 50.000 Euro bereitzustellen,") for line in lines)
    assert not any("erstens" in line and "zweitens" in line for line in lines)   # one item per line
    assert any(re.search(r"3\.\s*Ausschreibung$", line) for line in lines)
    assert "*" not in text and "`" not in text and "](" not in text
    assert "BA-2025/17" in text and "ris.musterstadt.de" in text


def test_drafted_markdown_keeps_gender_star_and_marks_literal():
    """Agenda titles and speech are text: "Einwohner*innen" must not turn into emphasis."""
    from docx import Document

    from meetings.agenda import parse_agenda_text

    spec = parse_agenda_text("1. Berufung sachkundiger Einwohner*innen und Bürger*innen\n"
                             "2. Anlage <A> zu Top_3 [neu]\n")
    minutes = build_minutes(meeting(), spec, members(), MeetingMeta(body="Gemeinderat"))
    doc = Document(io.BytesIO(render("docx", meeting(), minutes)))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert "Punkt 1 der Tagesordnung: Berufung sachkundiger Einwohner*innen und Bürger*innen" in headings
    assert "Punkt 2 der Tagesordnung: Anlage <A> zu Top_3 [neu]" in headings
    assert not any(r.italic for p in doc.paragraphs if p.style.name.startswith("Heading") for r in p.runs)
    html = render("html", meeting(), minutes).decode("utf-8")
    assert "Anlage &lt;A&gt; zu Top_3 [neu]" in html and "<A>" not in html
