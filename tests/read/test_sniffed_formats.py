"""RTF and Word XML reports, and misnamed attachments: the content decides the reader, not the name."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from types import ModuleType

import pytest

from gknlp.pipeline import extract
from gknlp.read import read_bytes
from gknlp.read.document import ReadError
from gknlp.read.rtf import rtf_to_text
from gknlp.read.wordml import wordml_to_text
from gknlp.report.sections import SECTION_KEYS

SAMPLES = Path(__file__).resolve().parents[2] / "gknlp" / "data" / "samples"
SEED = SAMPLES / "002_a5e157a962f88d8f.txt"


def test_a_misnamed_file_is_read_by_its_content_with_a_warning() -> None:
    page = "<html><body>" + "".join(f"<p>{line}</p>" for line in SEED.read_text(encoding="utf-8").splitlines())
    doc = read_bytes(page.encode("utf-8"), "report.doc")
    assert doc.format == "html"
    assert [(w.code, w.message) for w in doc.warnings] == [
        ("format_mismatch", "named .doc but the content is html: read as html")]
    report = extract("report.doc", data=page.encode("utf-8"), themes=False, counts=False)
    assert report.error is None and report.source["format"] == "html"
    assert report.tables == extract(SEED, themes=False, counts=False).tables


def test_rtf_escapes_and_code_page_decode() -> None:
    # \'hh bytes in the document's code page (GBK: 政 = d5fe, 府 = b8ae), \uN with its fallback.
    rtf = b"{\\rtf1\\ansi\\ansicpg936\\deff0{\\fonttbl{\\f0\\fcharset134 SimSun;}}" \
          b"\\f0 \\'d5\\'fe\\'b8\\'ae\\u20449?\\u24687?\\par " \
          b"\\trowd\\cellx1000\\cellx2000 \\intbl \\u35268?\\u31456?\\cell 12\\cell\\row }"
    assert rtf_to_text(rtf) == "政府信息\n规章\t12"


def test_a_broken_rtf_is_an_error_or_text_never_a_traceback() -> None:
    for data in (b"{\\rtf1 " + b"{" * 50_000, b"{\\rtf1 }}}}}}" + b"\\u99999999999999?" * 10, b"{\\rtf1\\bin5 abc"):
        try:
            doc = read_bytes(data, "x.rtf")
        except ReadError as exc:
            assert exc.kind in ("unreadable", "empty")
        else:
            assert doc.format == "rtf"


def word_mht(html_page: str) -> bytes:
    """A page as Word's 'single file web page' writes it: multipart/related, gb2312, quoted-printable."""
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText

    message = MIMEMultipart("related", boundary="----=_NextPart_01DA0000.12345678")
    page = MIMEText(html_page.replace("charset='utf-8'", "charset='gb2312'"), "html", "gb18030")
    page.replace_header("Content-Type", 'text/html; charset="gb2312"')  # Word's label for GBK text
    message.attach(page)
    return message.as_bytes()


def test_a_word_single_file_web_page_served_as_doc_gives_the_seed_s_cells(maker: ModuleType) -> None:
    seed = SAMPLES / "003_4130bab209259fbf.txt"
    data = word_mht(maker.seed_html(seed.read_text(encoding="utf-8"), seed.stem))
    assert b'charset="gb2312"' in data
    got = extract("report.doc", data=data, themes=False, counts=False)
    assert got.error is None and got.source["format"] == "mht"
    assert {info["layout"] for info in got.table_info.values()} == {"html"}
    assert got.tables == extract(seed, themes=False, counts=False).tables
    assert [k for k in SECTION_KEYS if got.sections.get(k) is None] == []


def test_rtf_cell_paragraphs_fields_and_odd_escapes() -> None:
    rtf = (b"{\\rtf1\\ansi\\ansicpg936{\\fonttbl{\\f0\\fcharset134 SimSun;}{\\f1\\fcharset85 Mac;}}\\f0 "
           b"\\u22312?{\\field{\\*\\fldinst HYPERLINK \"http://www.example.gov.cn/\"}{\\fldrslt \\'cd\\'f8\\'d5\\'be}}"
           b"\\u20844?\\u24320?\\u99999999?\\par \\trowd\\cellx900\\cellx1800\\pard\\intbl \\u35268?\\u31456?\\par "
           b"\\u65288?\\u20214?\\u65289?\\cell 12\\cell\\row\\pard \\u23436?\\par }")
    # the link's address is not text; a label on two lines stays in its row; a Mac charset and a
    # \\u out of range do not stop the file
    assert rtf_to_text(rtf) == "在网站公开?\n规章 （件）\t12\n完"


def test_rtf_many_fields_on_one_line_stay_linear() -> None:
    field = b"{\\field{\\*\\fldinst HYPERLINK \"http://x/\"}{\\fldrslt a}}"
    text = rtf_to_text(b"{\\rtf1 " + field * 20_000 + b"}")  # striprtf's own field pattern is cubic here
    assert text == "a" * 20_000


@pytest.mark.parametrize(("label", "encoding"), [("gb2312", "gbk"), (None, "gbk"), ("x-unknown", "utf-8")])
def test_mht_text_decodes_whatever_its_charset_label_says(label: str | None, encoding: str) -> None:
    import quopri

    page = "<html><head><title>朱镕基同志报告</title></head><body><p>一、总体情况：镕</p></body></html>"
    kind = f'text/html; charset="{label}"' if label else "text/html"
    data = (b'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="b"\r\n\r\n--b\r\nContent-Type: '
            + kind.encode() + b"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
            + quopri.encodestring(page.encode(encoding)) + b"\r\n--b--\r\n")
    doc = read_bytes(data, "page.mht")
    assert (doc.format, doc.title, doc.text) == ("mht", "朱镕基同志报告", "一、总体情况：镕")


def test_word_xml_table_nested_in_a_layout_table_is_read_once() -> None:
    def p(t: str) -> str:
        return f"<w:p><w:r><w:t>{t}</w:t></w:r></w:p>"

    def tc(x: str) -> str:
        return f"<w:tc>{x}</w:tc>"

    inner = f"<w:tbl><w:tr>{tc(p('规章'))}{tc(p('12'))}</w:tr><w:tr>{tc(p('规范性文件'))}{tc(p('3'))}</w:tr></w:tbl>"
    xml = ('<?xml version="1.0"?><w:wordDocument xmlns:w="http://schemas.microsoft.com/office/word/2003/wordml">'
           f"<w:body><w:tbl><w:tr>{tc(p('一、总体情况') + inner + p('二、主动公开'))}</w:tr></w:tbl></w:body></w:wordDocument>")
    assert wordml_to_text(xml.encode("utf-8")) == "一、总体情况\n规章\t12\n规范性文件\t3\n二、主动公开"


def test_a_folder_run_reads_every_suffix_the_readers_name() -> None:
    from gknlp.batch import SUFFIXES
    from gknlp.read.files import SUFFIX_FORMATS

    assert set(SUFFIXES) == set(SUFFIX_FORMATS)
    assert {".rtf", ".mht", ".xml", ".webp", ".xhtml", ".wps"} <= set(SUFFIXES)


def test_word_xml_paragraphs_and_table_rows() -> None:
    xml = ('<?xml version="1.0"?><w:wordDocument xmlns:w="http://schemas.microsoft.com/office/word/2003/wordml">'
           '<w:body><w:p><w:r><w:t>一、总体</w:t></w:r><w:r><w:t>情况</w:t></w:r></w:p>'
           '<w:p><w:r><w:instrText>HYPERLINK "x"</w:instrText><w:t>见</w:t><w:tab/><w:t>附表</w:t></w:r></w:p>'
           '<w:tbl><w:tr><w:tc><w:p><w:r><w:t>规章</w:t></w:r></w:p><w:p><w:r><w:t>（件）</w:t></w:r></w:p></w:tc>'
           '<w:tc><w:p><w:r><w:t>12</w:t></w:r></w:p></w:tc><w:tc><w:p/></w:tc></w:tr></w:tbl></w:body></w:wordDocument>')
    assert wordml_to_text(xml.encode("utf-8")) == "一、总体情况\n见 附表\n规章 （件）\t12\t"


def test_word_xml_entities_are_never_expanded() -> None:
    bomb = ('<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">'
            + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
            + ']><w:wordDocument xmlns:w="w"><w:body><w:p><w:r><w:t>&i;</w:t></w:r></w:p></w:body></w:wordDocument>')
    try:
        text = wordml_to_text(bomb.encode("utf-8"))
    except ReadError as exc:
        assert exc.kind == "unreadable"
    else:
        assert len(text) < 1000


def _lo_convert(files: list[Path], target: str, out: Path, html: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="gknlp-lo-") as profile:
        subprocess.run(["soffice", f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
                        *(["--infilter=HTML (StarWriter)"] if html else []), "--convert-to", target,
                        "--outdir", str(out), *map(str, files)], check=True, capture_output=True, timeout=300)


def _need_soffice() -> None:
    if shutil.which("soffice") is None:
        pytest.skip("needs soffice (apt: libreoffice-writer-nogui; .ci/run installs it)")


@pytest.fixture(scope="module")
def seed_rtfs(maker: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The five seeds as HTML pages saved by LibreOffice as RTF."""
    _need_soffice()
    out = tmp_path_factory.mktemp("rtf")
    pages = []
    for seed in sorted(SAMPLES.glob("*.txt")):
        page = out / f"{seed.stem}.html"
        page.write_text(maker.seed_html(seed.read_text(encoding="utf-8"), seed.stem), encoding="utf-8")
        pages.append(page)
    _lo_convert(pages, "rtf:Rich Text Format", out, html=True)
    return {p.stem: out / f"{p.stem}.rtf" for p in pages}


@pytest.mark.parametrize("seed", sorted(p.stem for p in SAMPLES.glob("*.txt")))
def test_seed_saved_as_rtf_gives_every_cell_of_its_text(seed: str, seed_rtfs: dict[str, Path]) -> None:
    want = extract(SAMPLES / f"{seed}.txt", themes=False, counts=False)
    # Saved as '.doc', as sites often serve RTF: the content decides.
    got = extract(seed_rtfs[seed].with_suffix(".doc"), data=seed_rtfs[seed].read_bytes(), themes=False, counts=False)
    assert got.error is None and got.source["format"] == "rtf"
    assert got.tables == want.tables
    assert sum(v is not None for rows in got.tables.values() for cols in (rows or {}).values()
               for v in cols.values()) >= 150
    assert [k for k in SECTION_KEYS if got.sections.get(k) is None] == []


def flat_word_xml(docx: Path) -> bytes:
    """A .docx as one Word XML file ('Word XML Document', flat OPC): its document part inline."""
    import zipfile

    with zipfile.ZipFile(docx) as z:
        body = z.read("word/document.xml").decode("utf-8")
    body = body[body.index("?>") + 2:] if body.startswith("<?xml") else body
    return ('<?xml version="1.0" standalone="yes"?>\n<?mso-application progid="Word.Document"?>\n'
            '<pkg:package xmlns:pkg="http://schemas.microsoft.com/office/2006/xmlPackage">'
            '<pkg:part pkg:name="/word/document.xml" pkg:contentType='
            '"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml">'
            f"<pkg:xmlData>{body}</pkg:xmlData></pkg:part></pkg:package>").encode("utf-8")


def _same_as_page(page: Path, name: str, data: bytes) -> None:
    want = extract(page, themes=False, counts=False)
    got = extract(name, data=data, themes=False, counts=False)
    assert got.error is None and got.source["format"] == "wordml"
    assert got.tables == want.tables
    assert sum(v is not None for rows in got.tables.values() for cols in (rows or {}).values()
               for v in cols.values()) >= 150
    assert [k for k in SECTION_KEYS if got.sections.get(k) is None] == []
    for section in ("overall", "problems"):
        assert ("".join("".join(p["text"].split()) for p in got.paragraphs if p["section"] == section)
                == "".join("".join(p["text"].split()) for p in want.paragraphs if p["section"] == section))


def test_pages_saved_as_flat_word_xml_give_the_cells_sections_and_text_of_the_html(page_documents) -> None:
    assert len(page_documents) >= 5
    for name, files in sorted(page_documents.items()):
        _same_as_page(files["source"], f"{name}.doc", flat_word_xml(files["docx"]))


def test_a_page_saved_as_word_2003_xml_gives_the_cells_sections_and_text_of_the_html(
        maker: ModuleType, corpus_dir: Path, tmp_path: Path) -> None:
    # LibreOffice's Word 2003 XML export fails on most pages (an XSLT error); the first one converts.
    _need_soffice()
    page = maker.dev_pages(corpus_dir)[0]
    _lo_convert([page], "xml:MS Word 2003 XML", tmp_path, html=True)
    data = (tmp_path / f"{page.stem}.xml").read_bytes()
    assert b"<w:wordDocument" in data[:2000]
    _same_as_page(page, f"{page.stem}.doc", data)
