from pathlib import Path

from ingest.loaders import LoadedDocument
from ingest.splitter import chunk_id, split_document


def _doc(body: str, title: str = "Governance at scale", path: str = "/kb/gov.md") -> LoadedDocument:
    return LoadedDocument(Path(path), "guidance/gov.md", title, body)


BODY = """# Governance at scale

Governance keeps AI safe without slowing it down.

## Risk-tiered governance

Risk-tiered governance sets oversight by risk.

### Tier 1: low risk

Tier 1 gets self-service with guardrails.

## Standards

Standardise the core platform.
"""


def test_chunks_carry_their_heading_path_and_section() -> None:
    chunks = split_document(_doc(BODY))
    paths = [c.heading_path for c in chunks]
    assert paths == [
        "Governance at scale",
        "Governance at scale > Risk-tiered governance",
        "Governance at scale > Risk-tiered governance > Tier 1: low risk",
        "Governance at scale > Standards",
    ]
    assert chunks[2].section == "Risk-tiered governance > Tier 1: low risk"
    assert chunks[2].body == "Tier 1 gets self-service with guardrails."
    assert chunks[2].text.startswith(
        "Governance at scale > Risk-tiered governance > Tier 1: low risk\n\n"
    )
    assert all(c.source == "guidance/gov.md" for c in chunks)
    assert chunks[0].metadata()["path"] == "/kb/gov.md"


def test_chunk_size_is_bounded() -> None:
    long_section = "## Long\n\n" + "\n\n".join(
        f"Sentence number {i} about scaling AI." * 5 for i in range(60)
    )
    chunks = split_document(_doc(long_section), chunk_size=400, overlap=40)
    assert len(chunks) > 5
    assert max(len(c.body) for c in chunks) <= 400
    assert all(c.heading_path == "Governance at scale > Long" for c in chunks)


def test_ids_depend_on_content_and_place_only() -> None:
    first = split_document(_doc(BODY))
    again = split_document(_doc(BODY))
    assert [c.chunk_id for c in first] == [c.chunk_id for c in again]
    changed = split_document(
        _doc(BODY.replace("Standardise the core platform.", "Standardise tools."))
    )
    assert [c.chunk_id for c in changed][:3] == [c.chunk_id for c in first][:3]
    assert changed[3].chunk_id != first[3].chunk_id
    elsewhere = split_document(_doc(BODY, path="/kb/other.md"))
    assert not {c.chunk_id for c in elsewhere} & {c.chunk_id for c in first}


def test_chunk_id_is_a_stable_hash() -> None:
    assert chunk_id("/a.md", "T > S", "body") == chunk_id("/a.md", "T > S", "body")
    assert chunk_id("/a.md", "T > S", "body") != chunk_id("/a.md", "T > S2", "body")
    assert len(chunk_id("/a.md", "T", "b")) == 32


def test_document_without_headings_is_one_titled_section() -> None:
    chunks = split_document(_doc("Plain text about model registries.", title="Notes"))
    assert [(c.heading_path, c.section) for c in chunks] == [("Notes", "")]
