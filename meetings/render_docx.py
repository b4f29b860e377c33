"""The minutes as DOCX (protocol.docx), from the document model.

German minutes are printed on A4 with a filing margin (DIN 5008: 25 mm left, 20 mm right), in a
document whose language is German, so that Word and LibreOffice check the spelling in German and
screen readers pronounce it as German. python-docx's built-in template is US Letter, en-US, and
carries "python-docx" as author and 2013 dates; all of that is replaced here.
Headings keep Word's "Heading N" styles, bullet lists the "List Bullet" styles and links are real
hyperlinks: that structure is what the tagged PDF (render_pdf) is made from. Ordered items print
the number the clerk wrote (CommonMark lists may start at any number), so they are indented
paragraphs with that number rather than Word's auto-numbering, which would count on across lists.
"""

from __future__ import annotations

import io
from datetime import datetime, timezone

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from meetings.docmodel import Block, Span

PAGE_MM = (210, 297)                      # A4
MARGINS_MM = {"left": 25, "right": 20, "top": 20, "bottom": 20}
FONT = "Liberation Sans"                  # metric-compatible with Arial; Debian fonts-liberation
MONO = "Liberation Mono"
# BCP 47 tags for the document language, by the minutes' language code
LANG_TAGS = {"de": "de-DE", "en": "en-GB", "fr": "fr-FR", "tr": "tr-TR", "ru": "ru-RU",
             "uk": "uk-UA", "ar": "ar-SA"}


def lang_tag(lang: str) -> str:
    return LANG_TAGS.get(lang, lang)


def render_docx(blocks: list[Block], title: str, author: str, lang: str = "de",
                created: datetime | None = None) -> bytes:
    doc = Document()
    tag = lang_tag(lang)
    _page_setup(doc)
    _language_and_fonts(doc, tag)
    _core_properties(doc, title, author, tag, created)
    for block in blocks:
        _block(doc, block)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _page_setup(doc) -> None:
    for section in doc.sections:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
        section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
        section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])


def _language_and_fonts(doc, tag: str) -> None:
    """w:lang on the document defaults (rPrDefault) and on every style that names a language,
    the settings' theme font language, and one font for all styles (no theme fonts)."""
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_lang(rpr, tag)
    _set_fonts(rpr, FONT)
    for style_rpr in styles.iter(qn("w:rPr")):
        if style_rpr is rpr:
            continue
        if style_rpr.find(qn("w:lang")) is not None:
            _set_lang(style_rpr, tag)
        fonts = style_rpr.find(qn("w:rFonts"))
        if fonts is not None:
            _set_fonts(style_rpr, FONT)
    theme_lang = doc.settings.element.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:val"), tag)
    for style in doc.styles:
        if style.type == 1 and style.name.startswith(("Heading", "Title")):   # paragraph styles
            style.font.color.rgb = None   # black text: the template's blue fails contrast on print


def _set_lang(rpr, tag: str) -> None:
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), tag)
    lang.set(qn("w:eastAsia"), tag)
    lang.set(qn("w:bidi"), "ar-SA")


def _set_fonts(rpr, name: str) -> None:
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for key in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(key), name)


def _core_properties(doc, title: str, author: str, tag: str, created: datetime | None) -> None:
    now = datetime.now(timezone.utc).replace(microsecond=0)
    props = doc.core_properties
    props.title = title
    props.author = author
    props.last_modified_by = author
    props.comments = ""
    props.subject = ""
    props.keywords = ""
    props.category = ""
    props.language = tag
    props.created = (created or now).astimezone(timezone.utc).replace(tzinfo=None)
    props.modified = now.replace(tzinfo=None)
    for printed in props._element.findall(qn("cp:lastPrinted")):   # never printed
        props._element.remove(printed)
    props.revision = 1


def _block(doc, block: Block) -> None:
    if block.kind == "heading":
        _runs(doc.add_heading("", level=min(block.level, 9)), block.spans)
    elif block.kind == "list_item":
        if block.first:
            style = "List Number" if block.ordered else "List Bullet"
            if block.depth > 1:
                style += f" {min(block.depth, 3)}"
            para = doc.add_paragraph(style="List Paragraph" if block.ordered else style)
            if block.ordered:   # the number as written: CommonMark lists may start anywhere
                para.paragraph_format.left_indent = Mm(8 * block.depth)
                para.paragraph_format.first_line_indent = Mm(-6)
                para.add_run(f"{block.number}.\t")
        else:
            para = doc.add_paragraph(style="List Continue")
            para.paragraph_format.left_indent = Mm(8 * block.depth)
        _runs(para, block.spans)
    elif block.kind == "quote":
        para = doc.add_paragraph(style="Quote")
        _runs(para, block.spans)
    elif block.kind == "code":
        para = doc.add_paragraph()
        for number, line in enumerate(block.text.split("\n")):
            if number:
                para.add_run().add_break()
            run = para.add_run(line)
            run.font.name = MONO
            run.font.size = Pt(9)
    elif block.kind == "rule":
        doc.add_paragraph("\u2014" * 3)
    elif block.kind == "table":
        _table(doc, block)
    else:
        _runs(doc.add_paragraph(), block.spans)


def _table(doc, block: Block) -> None:
    width = max((len(row) for row in block.rows), default=0)
    if not width:
        return
    table = doc.add_table(rows=0, cols=width)
    table.style = "Table Grid"
    for index, row in enumerate(block.rows):
        cells = table.add_row().cells
        for col, spans in enumerate(row):
            para = cells[col].paragraphs[0]
            _runs(para, spans)
            if col == 0 or (block.header and index == 0):
                for run in para.runs:
                    run.bold = True
        if block.header and index == 0:   # repeated on every page, read as a header row
            tr_pr = table.rows[0]._tr.get_or_add_trPr()
            tr_pr.append(OxmlElement("w:tblHeader"))
    doc.add_paragraph()


def _runs(para, spans: list[Span]) -> None:
    for span in spans:
        if span.line_break:
            para.add_run().add_break()
            continue
        if span.href:
            _hyperlink(para, span)
            continue
        run = para.add_run(span.text)
        _marks(run, span)


def _marks(run, span: Span) -> None:
    run.bold = span.bold or None
    run.italic = span.italic or None
    if span.strike:
        run.font.strike = True
    if span.code:
        run.font.name = MONO


def _hyperlink(para, span: Span) -> None:
    """A real w:hyperlink (python-docx has no API for it): a link a reader can follow, and a
    Link element in the tagged PDF."""
    rel = para.part.relate_to(span.href, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel)
    run = para.add_run(span.text)
    _marks(run, span)
    run.style = _link_style(para)
    para._p.remove(run._r)
    link.append(run._r)
    para._p.append(link)


def _link_style(para):
    styles = para.part.document.styles
    if "Hyperlink" not in [s.name for s in styles]:
        from docx.enum.style import WD_STYLE_TYPE

        style = styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER)
        style.font.underline = True
        style.font.color.rgb = None
    return styles["Hyperlink"]
