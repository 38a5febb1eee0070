from pathlib import Path

import pytest

from ingest.loaders import LoadError, load_document


def test_markdown_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "doc.md"
    path.write_text(
        "---\ntitle: Platform approach\nsummary: Shared tools.\ntags: [platform]\n---\n\n"
        "# Platform approach\n\nBody.\n"
    )
    doc = load_document(path, "guidance/doc.md")
    assert (doc.title, doc.summary, doc.tags) == (
        "Platform approach",
        "Shared tools.",
        ("platform",),
    )
    assert doc.body.strip().startswith("# Platform approach")
    assert doc.content_hash


def test_markdown_without_front_matter_takes_its_h1(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    path.write_text("# Our playbook\n\nText.\n")
    assert load_document(path, "x.md").title == "Our playbook"


def test_text_file_title_from_name(tmp_path: Path) -> None:
    path = tmp_path / "release-checklist.txt"
    path.write_text("Check the registry before release.")
    doc = load_document(path, "release-checklist.txt")
    assert doc.title == "Release checklist"


def test_html_headings_become_markdown(tmp_path: Path) -> None:
    path = tmp_path / "p.html"
    path.write_text(
        "<html><head><title>MLOps playbook</title><script>var x=1;</script></head>"
        "<body><h1>MLOps playbook</h1><h2>Release</h2><p>Promote models by policy.</p>"
        "<ul><li>Use a registry</li></ul></body></html>"
    )
    doc = load_document(path, "p.html")
    assert doc.title == "MLOps playbook"
    assert "## Release" in doc.body
    assert "- Use a registry" in doc.body
    assert "var x" not in doc.body


def test_pdf_pages_become_sections(tmp_path: Path) -> None:
    path = tmp_path / "guide.pdf"
    path.write_bytes(_tiny_pdf("Feature stores enable reuse"))
    doc = load_document(path, "guide.pdf")
    assert "## Page 1" in doc.body
    assert "Feature stores enable reuse" in doc.body


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.md", b"", "is empty"),
        ("blank.txt", b"   \n\n", "is empty"),
        ("headings-only.md", b"# Title\n\n## Section\n", "is empty"),
        ("latin1.txt", "caf\u00e9 r\u00e9sum\u00e9".encode("latin-1"), "not valid UTF-8"),
        ("corrupt.pdf", b"%PDF-1.4 this is not really a pdf", "not a readable PDF"),
        ("bad-front.md", b"---\ntitle: [unclosed\n---\n\nBody text.\n", "invalid front matter"),
        ("notes.docx", b"PK\x03\x04", "unsupported file type"),
    ],
)
def test_bad_files_raise_load_error_with_reason(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LoadError) as caught:
        load_document(path, name)
    assert reason in caught.value.reason
    assert str(path) in str(caught.value)


def _tiny_pdf(text: str) -> bytes:
    """A minimal one-page PDF with one line of text, written by hand."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)
